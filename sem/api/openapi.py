"""The OpenAPI 3.1 document of the API, built from the same declarations the API uses:
parameters from params.py (with the enums of the real vocabularies), response schemas
here (one per function of serializers.py). The tests validate the document, compare its
operations with the application's routes and hold real responses against its schemas;
`additionalProperties: false` everywhere, so an undocumented field fails them.
"""

from sem.api.params import ENDPOINT_PARAMS, PARAMS
from sem.api.problems import PROBLEM_MIMETYPE
from sem.catalogue.vocab import LANGUAGES
from sem.market.models import Mode, Urgency
from sem.members.models import Stage

OPENAPI_VERSION = "3.1.0"
SERVER = "/api/v1"

DESCRIPTION = """\
Open data of SEM, the *Système d'Échanges Mutuels* of Brussels associations: the competence
catalogue, the vocabularies organisations describe themselves with, the approved member
organisations (public profile only: no contact address, no people) and their open offers
and needs.

* Read-only: every operation is a `GET`; responses carry `Access-Control-Allow-Origin: *`.
* Lists accept the filters of the site's directory and give the same results, with paging
  (`page` from 1, `per_page` from 1 to 100, 20 by default) and absolute `links` that keep
  the filters.
* A malformed, repeated or unknown query parameter is refused with a 400 problem
  document (RFC 9457) whose `invalid_params` name each one. Every error is a problem
  document (`application/problem+json`).
* Text written by members is given as written (French, Dutch or other); vocabulary labels
  in French, Dutch and English. Times are ISO 8601 in UTC; amounts are in hours.
"""


def schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, *, optional=(), description: str | None = None) -> dict:
    schema = {"type": "object", "additionalProperties": False,
              "required": [name for name in properties if name not in optional], "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


STRING = {"type": "string"}
ID = {"type": "integer", "minimum": 1}
URI = {"type": "string", "format": "uri"}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}
STAGE = _enum(s.value for s in Stage)
LANGUAGE = _enum(c.code for c in LANGUAGES)

_POST = {
    "id": ID,
    "title": STRING,
    "description": STRING,
    "languages": {**_array(LANGUAGE), "minItems": 1},
    "competence": schema_ref("Ref"),
    "domain": schema_ref("Ref"),
    "organisation": schema_ref("OrganisationSummary"),
    "created_at": {"type": "string", "format": "date-time"},
    "expires_at": {"type": "string", "format": "date-time"},
}
_POST_LINKS = _object({"self": URI, "organisation": URI})


def _page(item: str) -> dict:
    return _object({
        "items": _array(schema_ref(item)),
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": PARAMS["per_page"].schema["maximum"]},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 1},
        "links": schema_ref("PageLinks"),
    }, description=f"One page of {item} items.")


SCHEMAS = {
    "Labels": _object({"fr": STRING, "nl": STRING, "en": STRING}, description="A label in French, Dutch, English."),
    "Descriptions": _object({"fr": STRING, "nl": STRING, "en": STRING},
                            description="A description in French, Dutch, English (may be empty)."),
    "Ref": _object({"id": ID, "code": STRING, "labels": schema_ref("Labels")},
                   description="A catalogue or vocabulary entry, as other objects refer to it."),
    "Choice": _object({"code": STRING, "labels": schema_ref("Labels")}, description="An entry of a fixed list."),
    "Term": _object({"id": ID, "code": STRING, "labels": schema_ref("Labels"), "retired": {"type": "boolean"}},
                    description="A sector, method or target public."),
    "Competence": _object({
        "id": ID, "code": STRING, "labels": schema_ref("Labels"), "descriptions": schema_ref("Descriptions"),
        "retired": {"type": "boolean"},
        "merged_into": {"anyOf": [schema_ref("Ref"), {"type": "null"}],
                        "description": "The competence this one was merged into (it is then retired)."},
    }),
    "Domain": _object({
        "id": ID, "code": STRING, "labels": schema_ref("Labels"), "descriptions": schema_ref("Descriptions"),
        "retired": {"type": "boolean"}, "competences": _array(schema_ref("Competence")),
    }),
    "CompetenceCatalogue": _object({"domains": _array(schema_ref("Domain"))}),
    "Vocabularies": _object({
        "sectors": _array(schema_ref("Term")), "methods": _array(schema_ref("Term")),
        "publics": _array(schema_ref("Term")), "communes": _array(schema_ref("Choice")),
        "legal_forms": _array(schema_ref("Choice")), "languages": _array(schema_ref("Choice")),
        "stages": _array(schema_ref("Choice")), "modes": _array(schema_ref("Choice")),
        "urgencies": _array(schema_ref("Choice")),
    }),
    "OrganisationSummary": _object({"id": ID, "name": STRING, "stage": STAGE, "commune": STRING}),
    "Organisation": _object({
        "id": ID, "name": STRING,
        "legal_form": {**STRING, "description": "A code of `legal_forms` in /vocabularies."},
        "stage": STAGE,
        "commune": {**STRING, "description": "A code of `communes` in /vocabularies."},
        "languages": {**_array(STRING), "description": "Codes of `languages` in /vocabularies."},
        "website": STRING, "description": STRING,
        "sectors": _array(schema_ref("Ref")), "methods": _array(schema_ref("Ref")),
        "publics": _array(schema_ref("Ref")),
        "member_since": {"type": "string", "format": "date"},
        "links": _object({"self": URI, "offers": URI, "needs": URI},
                         description="This organisation, and the lists of its open offers and needs."),
    }, description="An approved member organisation's public profile."),
    "Offer": _object({
        **_POST, "kind": {"type": "string", "const": "offer"},
        "mode": _enum(m.value for m in Mode),
        "monthly_capacity_hours": {"type": "number", "exclusiveMinimum": 0},
        "conditions": STRING,
        "standing": {"type": "boolean", "description": "A lasting offer (a room, equipment)."},
        "links": _POST_LINKS,
    }, description="An open offer: a competence an organisation gives."),
    "Need": _object({
        **_POST, "kind": {"type": "string", "const": "need"},
        "urgency": _enum(u.value for u in Urgency),
        "estimated_hours": {"type": "number", "exclusiveMinimum": 0},
        "wished_by": {"type": ["string", "null"], "format": "date"},
        "links": _POST_LINKS,
    }, description="An open need: help an organisation asks for."),
    "PageLinks": _object({"self": URI, "next": NULLABLE_URI, "prev": NULLABLE_URI}),
    "OrganisationPage": _page("Organisation"),
    "OfferPage": _page("Offer"),
    "NeedPage": _page("Need"),
    "InvalidParam": _object({"name": STRING, "reason": STRING}),
    "Problem": _object({
        "type": {"type": "string", "format": "uri-reference"},
        "title": STRING,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": STRING,
        "invalid_params": _array(schema_ref("InvalidParam")),
    }, optional=("invalid_params",), description="A problem document (RFC 9457)."),
}

_ALLOW_ORIGIN = {"$ref": "#/components/headers/AccessControlAllowOrigin"}


def _problem_response(description: str) -> dict:
    return {"description": description, "headers": {"Access-Control-Allow-Origin": _ALLOW_ORIGIN},
            "content": {PROBLEM_MIMETYPE: {"schema": schema_ref("Problem")}}}


# (path, view function, tag, summary, response schema): one GET each.
ENDPOINTS = [
    ("/competences", "competences", "catalogue", "The competence catalogue", "CompetenceCatalogue"),
    ("/vocabularies", "vocabularies", "catalogue", "Sectors, methods, publics and the fixed lists",
     "Vocabularies"),
    ("/organisations", "organisations", "organisations", "Approved organisations", "OrganisationPage"),
    ("/organisations/{id}", "organisation", "organisations", "One approved organisation", "Organisation"),
    ("/offers", "offers", "offers", "Open offers", "OfferPage"),
    ("/offers/{id}", "offer", "offers", "One open offer", "Offer"),
    ("/needs", "needs", "needs", "Open needs", "NeedPage"),
    ("/needs/{id}", "need", "needs", "One open need", "Need"),
    ("/openapi.json", "openapi_document", "meta", "This document", None),
]


def _operation(path: str, endpoint: str, tag: str, summary: str, schema: str | None) -> dict:
    parameters = [{"$ref": f"#/components/parameters/{name}"} for name in ENDPOINT_PARAMS[endpoint]]
    responses = {"200": {
        "description": summary,
        "headers": {"Access-Control-Allow-Origin": _ALLOW_ORIGIN},
        "content": {"application/json": {"schema": schema_ref(schema) if schema else {"type": "object"}}},
    }, "400": {"$ref": "#/components/responses/BadRequest"}}
    if "{id}" in path:
        parameters.insert(0, {"name": "id", "in": "path", "required": True, "schema": ID})
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    return {"get": {"operationId": endpoint, "tags": [tag], "summary": summary, "parameters": parameters,
                    "responses": responses}}


def document() -> dict:
    used = sorted({name for names in ENDPOINT_PARAMS.values() for name in names}, key=list(PARAMS).index)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "SEM open data API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": SERVER}],
        "tags": [{"name": "catalogue"}, {"name": "organisations"}, {"name": "offers"}, {"name": "needs"},
                 {"name": "meta"}],
        "paths": {path: _operation(path, *rest) for path, *rest in ENDPOINTS},
        "components": {
            "schemas": SCHEMAS,
            "parameters": {name: PARAMS[name].openapi() for name in used},
            "headers": {"AccessControlAllowOrigin": {
                "description": "Open data: any site may read the API.", "schema": {"type": "string", "const": "*"},
            }},
            "responses": {
                "BadRequest": _problem_response("A malformed, repeated or unknown query parameter."),
                "NotFound": _problem_response("No such public object (not approved, not open, or absent)."),
                "Error": _problem_response("Any other error (405 for a method other than GET, 429, 500)."),
            },
        },
    }
