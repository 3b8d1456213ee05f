"""The open-data JSON API, read-only, under /api/v1: the catalogue, the vocabularies, approved
organisations and their open offers and needs. Anyone may read it, from any site (CORS).

Lists go through the directory's one query path (`directory.find`), so the API and the
directory page give the same results for the same filters; the API only checks the
parameters more strictly first (see params.py). Errors are problem documents (problems.py).
"""

import json

import sqlalchemy as sa
from flask import Blueprint, current_app, request, url_for
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from sem.api import openapi, params, serializers
from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.catalogue.vocab import COMMUNES, LANGUAGES, LEGAL_FORMS
from sem.extensions import db
from sem.market import directory
from sem.market.labels import MODE_LABELS, URGENCY_LABELS
from sem.market.models import Need, Offer, PostStatus
from sem.members.labels import STAGE_LABELS
from sem.members.models import Organisation, OrgStatus

API_PREFIX = "/api/"

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_app_request
def _open_to_every_site(response):
    # After *app* request: routing errors under /api/ (404, 405) belong to no blueprint.
    if request.path.startswith(API_PREFIX):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _json(data, status: int = 200):
    # UTF-8 as written ("Éducation", "één"), not \u escapes.
    return current_app.response_class(json.dumps(data, ensure_ascii=False), status=status,
                                      mimetype="application/json")


def _args() -> params.Parsed:
    return params.parse(request.args, request.endpoint.removeprefix("api."))


def _page_link(parsed: params.Parsed, page: int | None) -> str | None:
    if page is None:
        return None
    return url_for(request.endpoint, _external=True,
                   **{**parsed.given, "page": page, "per_page": parsed.values["per_page"]})


def _list(kind: str, serialize):
    parsed = _args()
    filters = directory.Filters.from_args(parsed.filters())
    page = directory.find(kind, filters, page=parsed.values["page"], per_page=parsed.values["per_page"])
    return _json({
        "items": [serialize(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "links": {"self": _page_link(parsed, page.page), "next": _page_link(parsed, page.next_num),
                  "prev": _page_link(parsed, page.prev_num)},
    })


def _public_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or org.status is not OrgStatus.APPROVED:
        raise NotFound(f"There is no approved organisation {org_id}.")
    return org


def _open_post(model, post_id: int):
    item = db.session.get(model, post_id)
    if item is None or item.status is not PostStatus.OPEN or item.organisation.status is not OrgStatus.APPROVED:
        raise NotFound(f"There is no open {model.kind} {post_id}.")
    return item


@bp.get("/competences")
def competences():
    """The competence catalogue: domains, each with its competences."""
    include_retired = _args().values["include_retired"]
    domains = db.session.scalars(
        sa.select(Domain).order_by(Domain.position, Domain.id)
        .options(selectinload(Domain.competences).selectinload(Competence.merged_into))
    ).all()
    return _json({"domains": [
        serializers.domain(d, [c for c in d.competences if include_retired or not c.retired])
        for d in domains if include_retired or not d.retired
    ]})


@bp.get("/vocabularies")
def vocabularies():
    """Every list an organisation or a post is described with, with its labels."""
    include_retired = _args().values["include_retired"]
    query = sa.select(Term).order_by(Term.id)
    if not include_retired:
        query = query.where(Term.retired.is_(False))
    terms = db.session.scalars(query).all()
    return _json({
        "sectors": [serializers.term(t) for t in terms if t.kind is TermKind.SECTOR],
        "methods": [serializers.term(t) for t in terms if t.kind is TermKind.METHOD],
        "publics": [serializers.term(t) for t in terms if t.kind is TermKind.PUBLIC],
        "communes": [serializers.choice(c) for c in COMMUNES],
        "legal_forms": [serializers.choice(c) for c in LEGAL_FORMS],
        "languages": [serializers.choice(c) for c in LANGUAGES],
        "stages": [serializers.translated_choice(s.value, label) for s, label in STAGE_LABELS.items()],
        "modes": [serializers.translated_choice(m.value, label) for m, label in MODE_LABELS.items()],
        "urgencies": [serializers.translated_choice(u.value, label) for u, label in URGENCY_LABELS.items()],
    })


@bp.get("/organisations")
def organisations():
    """Approved organisations, by name (or by relevance to `q`)."""
    return _list("organisation", serializers.organisation)


@bp.get("/organisations/<int:id>")
def organisation(id: int):  # {id} in the OpenAPI document
    _args()
    return _json(serializers.organisation(_public_organisation(id)))


@bp.get("/offers")
def offers():
    """Open offers of approved organisations, newest first (or by relevance to `q`)."""
    return _list("offer", serializers.post)


@bp.get("/offers/<int:id>")
def offer(id: int):
    _args()
    return _json(serializers.post(_open_post(Offer, id)))


@bp.get("/needs")
def needs():
    """Open needs of approved organisations, urgent ones first, then newest."""
    return _list("need", serializers.post)


@bp.get("/needs/<int:id>")
def need(id: int):
    _args()
    return _json(serializers.post(_open_post(Need, id)))


@bp.get("/openapi.json")
def openapi_document():
    """This API, described in OpenAPI 3.1."""
    _args()
    return _json(openapi.document())
