"""A small network with something of every kind, and a checker of responses against the
OpenAPI document."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sem.catalogue.models import Term
from sem.extensions import db
from sem.market.models import Mode, Need, PostStatus, Urgency
from sem.members.models import Organisation, OrgStatus, Role, Stage

CONTACT = "secret-contact@example.org"
PERSON_EMAIL = "ana.private@example.org"


@pytest.fixture
def network(app, make, posts):
    doc = make.org(name="Centre de Documentation Alter Égo", commune="saint-gilles", languages=("fr",))
    buurthuis = make.org(name="Digitaal Buurthuis Molenbeek", commune="molenbeek", languages=("nl", "fr"))
    potager = make.org(name="Collectif Potager", stage=Stage.EMERGING, commune="bruxelles")
    suspended = make.org(name="Suspendue", status=OrgStatus.SUSPENDED)
    pending = make.org(name="En attente", status=OrgStatus.PENDING)
    make.person(buurthuis, role=Role.MEMBER, email=PERSON_EMAIL)
    with app.app_context():
        org = db.session.get(Organisation, buurthuis)
        org.contact_email = CONTACT
        org.website = "https://buurthuis.example.be"
        org.description = "Wij helpen verenigingen met hun computers. Één keer per week."
        org.terms = list(db.session.scalars(sa.select(Term).where(Term.code.in_(["digital", "community-work",
                                                                                   "seniors"]))))
        db.session.commit()
    ids = {
        "research": posts.offer(doc, "doc-research", title="Veille sur l'éducation permanente",
                                description="Nos documentalistes cherchent pour vous."),
        "network": posts.offer(buurthuis, "it-network", title="Hulp bij netwerken en wifi",
                               description="Wij configureren routers en beveiligen jullie netwerk.",
                               languages=("nl",), mode=Mode.ON_SITE),
        "software": posts.offer(buurthuis, "it-free-software", title="Vrije software installeren",
                                languages=("nl", "fr"), mode=Mode.BOTH),
        "website": posts.need(potager, "it-website", title="Un site web pour notre potager",
                              urgency=Urgency.URGENT),
        "accounts": posts.need(potager, "acc-annual-accounts", title="Dépôt des comptes 2026", hours=3),
        "paused": posts.offer(doc, "doc-archives", title="Archivage en pause", status=PostStatus.PAUSED),
        "closed_need": posts.need(potager, title="Besoin clôturé", status=PostStatus.CLOSED),
        "suspended_offer": posts.offer(suspended, "it-network", title="Réseau suspendu"),
        "suspended_need": posts.need(suspended, title="Besoin suspendu"),
        "pending_offer": posts.offer(pending, title="Offre en attente"),
    }
    with app.app_context():
        db.session.get(Need, ids["accounts"]).wished_by = date.today() + timedelta(days=30)
        db.session.commit()
    return {"doc": doc, "buurthuis": buurthuis, "potager": potager, "suspended": suspended, "pending": pending,
            **ids}


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


# --- responses against the OpenAPI document ----------------------------------------------------

DOCUMENT_URI = "urn:sem:openapi"


def _validator(schema: dict, doc: dict) -> Draft202012Validator:
    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(doc, default_specification=DRAFT202012))
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def schema_errors(doc: dict, schema_name: str, data) -> list[str]:
    """What is wrong with `data` for the document's schema `schema_name` (empty when valid)."""
    validator = _validator({"$ref": f"{DOCUMENT_URI}#/components/schemas/{schema_name}"}, doc)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def documented_response(doc: dict, path: str, method: str, status: int) -> dict:
    """The response the document promises for this operation and status (or its default)."""
    responses = doc["paths"][path][method]["responses"]
    response = responses.get(str(status)) or responses["default"]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def check_against_document(doc: dict, path: str, response, method: str = "get") -> None:
    """`response` (a real one) has the status, content type, headers and body the document
    describes for `path` (a template such as "/offers/{id}")."""
    promised = documented_response(doc, path, method, response.status_code)
    content_type = response.headers["Content-Type"].split(";")[0]
    assert list(promised["content"]) == [content_type], (path, response.status_code, content_type)
    for header in promised.get("headers", {}):
        assert header in response.headers, header
    schema = promised["content"][content_type]["schema"]
    if "$ref" in schema:  # "#/components/...", inside the document
        schema = {"$ref": DOCUMENT_URI + schema["$ref"]}
    errors = [f"{e.json_path}: {e.message}" for e in _validator(schema, doc).iter_errors(response.get_json())]
    assert not errors, (path, response.status_code, errors)
