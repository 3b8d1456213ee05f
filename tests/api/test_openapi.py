"""The OpenAPI document is valid, describes exactly the API's routes and parameters, and real
responses of every endpoint (data, errors) match the schemas it documents."""

import copy
import json
import re

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from sem.api.openapi import SCHEMAS, SERVER, document
from sem.catalogue.models import Competence
from sem.catalogue.vocab import COMMUNES, LANGUAGES
from sem.extensions import db
from sem.market.models import Mode, Urgency
from sem.members.models import Stage
from tests.api.conftest import check_against_document, schema_errors

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def api_routes(app) -> dict[tuple[str, str], str]:
    """{(OpenAPI path, method): endpoint} for every API route of the application."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix(SERVER)
            for method in rule.methods & METHODS:
                routes[(path, method.lower())] = rule.endpoint.removeprefix("api.")
    return routes


def test_the_document_is_valid_openapi():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_the_document_describes_exactly_the_api_routes(app):
    doc = document()
    documented = {(path, method): operation["operationId"]
                  for path, item in doc["paths"].items() for method, operation in item.items()}
    assert documented == api_routes(app)
    assert {method for _, method in documented} == {"get"}  # read-only


def test_path_parameters_match_the_routes(app):
    for (path, _), _endpoint in api_routes(app).items():
        names = set(re.findall(r"{(\w+)}", path))
        params = document()["paths"][path]["get"]["parameters"]
        assert {p["name"] for p in params if p.get("in") == "path"} == names, path


def test_documented_enums_are_the_real_vocabularies():
    params = document()["components"]["parameters"]
    assert params["mode"]["schema"]["enum"] == [m.value for m in Mode]
    assert params["urgency"]["schema"]["enum"] == [u.value for u in Urgency]
    assert params["stage"]["schema"]["enum"] == [s.value for s in Stage]
    assert params["language"]["schema"]["enum"] == [c.code for c in LANGUAGES]
    assert params["commune"]["schema"]["enum"] == [c.code for c in COMMUNES]
    assert params["per_page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert params["page"]["schema"]["minimum"] == 1
    assert SCHEMAS["Offer"]["properties"]["mode"]["enum"] == [m.value for m in Mode]


def test_every_documented_object_is_closed():
    """No undocumented field can slip into a response: every object schema forbids extra
    properties and requires all of its own (the problem's `invalid_params` is optional)."""
    def objects(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                yield schema
            for value in schema.values():
                yield from objects(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from objects(value)

    found = list(objects(SCHEMAS))
    assert len(found) > len(SCHEMAS)
    for schema in found:
        assert schema["additionalProperties"] is False, schema
        optional = set(schema["properties"]) - set(schema["required"])
        assert optional <= {"invalid_params"}, schema


def test_the_served_document_is_the_built_one(client):
    response = client.get(f"{SERVER}/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(document()))


def test_the_checker_catches_an_undocumented_field(client, network):
    """The schema check below has teeth: one field more, or one less, fails it."""
    doc = document()
    offer = client.get(f"{SERVER}/offers/{network['research']}").get_json()
    assert schema_errors(doc, "Offer", offer) == []
    assert schema_errors(doc, "Offer", {**offer, "contact_email": "x@example.org"})
    assert schema_errors(doc, "Offer", {k: v for k, v in offer.items() if k != "standing"})
    deep = copy.deepcopy(offer)
    deep["organisation"]["contact_email"] = "x@example.org"
    assert schema_errors(doc, "Offer", deep)
    assert schema_errors(doc, "Offer", {**offer, "mode": "flying"})


@pytest.fixture
def rich_network(app, network):
    """The network, plus a merged competence, so that every optional shape appears."""
    with app.app_context():
        old = db.session.scalar(sa.select(Competence).where(Competence.code == "it-hardware"))
        old.retired = True
        old.merged_into = db.session.scalar(sa.select(Competence).where(Competence.code == "it-network"))
        db.session.commit()
    return network


# (OpenAPI path, URL to request, expected status)
def _requests(n):
    return [
        ("/competences", "/competences", 200),
        ("/competences", "/competences?include_retired=true", 200),
        ("/competences", "/competences?include_retired=maybe", 400),
        ("/vocabularies", "/vocabularies?include_retired=true", 200),
        ("/vocabularies", "/vocabularies?x=1", 400),
        ("/organisations", "/organisations", 200),
        ("/organisations", "/organisations?per_page=1&page=2", 200),  # next and prev links
        ("/organisations", "/organisations?q=buurthuis&language=nl&commune=molenbeek&stage=established", 200),
        ("/organisations", "/organisations?stage=giant", 400),
        ("/organisations/{id}", f"/organisations/{n['buurthuis']}", 200),
        ("/organisations/{id}", f"/organisations/{n['doc']}", 200),
        ("/organisations/{id}", f"/organisations/{n['pending']}", 404),
        ("/organisations/{id}", f"/organisations/{n['buurthuis']}?x=1", 400),
        ("/offers", "/offers", 200),
        ("/offers", "/offers?per_page=1&page=2&q=software", 200),
        ("/offers", "/offers?mode=remote&language=fr&per_page=2", 200),
        ("/offers", "/offers?page=0&per_page=500", 400),
        ("/offers", "/offers?competence=abc", 400),
        ("/offers/{id}", f"/offers/{n['network']}", 200),
        ("/offers/{id}", f"/offers/{n['paused']}", 404),
        ("/offers/{id}", "/offers/999999", 404),
        ("/needs", "/needs", 200),
        ("/needs", "/needs?urgency=urgent&stage=emerging", 200),
        ("/needs", "/needs?urgency=soon", 400),
        ("/needs/{id}", f"/needs/{n['accounts']}", 200),  # with a wished-by date
        ("/needs/{id}", f"/needs/{n['website']}", 200),  # without
        ("/needs/{id}", f"/needs/{n['closed_need']}", 404),
        ("/openapi.json", "/openapi.json", 200),
        ("/openapi.json", "/openapi.json?v=2", 400),
    ]


def test_real_responses_match_the_documented_schemas(client, rich_network):
    doc = document()
    requests = _requests(rich_network)
    assert {path for path, _, _ in requests} == set(doc["paths"])  # every endpoint is exercised
    for path, url, status in requests:
        response = client.get(SERVER + url)
        assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
        check_against_document(doc, path, response)
    merged = client.get(f"{SERVER}/competences?include_retired=true").get_data(as_text=True)
    assert '"merged_into": {' in merged  # the non-null shape was checked too


def test_errors_without_an_operation_are_problem_documents(client, network):
    doc = document()
    for response in (client.post(f"{SERVER}/offers"), client.get(f"{SERVER}/no-such-thing"),
                     client.get(f"{SERVER}/offers/not-a-number")):
        assert response.mimetype == "application/problem+json"
        assert schema_errors(doc, "Problem", response.get_json()) == []
