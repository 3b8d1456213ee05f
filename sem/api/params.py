"""Query parameters of the API: one declaration per parameter, used both to check requests
and to describe them in the OpenAPI document, so the two cannot drift apart.

Unlike the web directory (which ignores what it cannot read, so old links keep working),
the API refuses a malformed, repeated or unknown parameter with a 400 problem document that
names it: a program that sends `mode=flying` wants to know.
"""

import re
from dataclasses import dataclass, field

from sem.api.problems import InvalidParameters
from sem.catalogue.vocab import COMMUNES, LANGUAGES
from sem.market.directory import MAX_PAGE_SIZE, PAGE_SIZE
from sem.market.models import Mode, Urgency
from sem.members.models import Stage

MAX_ID = 999_999_999  # the directory reads ids of at most nine digits
MAX_PAGE = 1_000_000
MAX_QUERY_LENGTH = 200  # the directory reads at most this many characters
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str
    default: object = None
    # Filters are handed to the directory; page, per_page and include_retired are not.
    is_filter: bool = True

    def openapi(self) -> dict:
        schema = dict(self.schema)
        if self.default is not None:
            schema["default"] = self.default
        return {"name": self.name, "in": "query", "required": False, "description": self.description,
                "schema": schema}


def _id(name: str, description: str) -> Param:
    return Param(name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description)


def _enum(name: str, values, description: str) -> Param:
    return Param(name, {"type": "string", "enum": list(values)}, description)


PARAMS = {p.name: p for p in [
    Param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH},
          "Full-text search in French and Dutch, accent- and case-insensitive; every word must match. "
          "Results are then ranked by relevance."),
    _id("competence", "Id of a competence (see /competences). For organisations: those that offer it now."),
    _id("domain", "Id of a competence domain (see /competences). For organisations: those that offer a "
                  "competence of it now."),
    _id("sector", "Id of a sector term (see /vocabularies): the organisation works in this sector."),
    _id("method", "Id of a method term (see /vocabularies): the organisation works this way."),
    _id("public", "Id of a target-public term (see /vocabularies): the organisation works for this public."),
    _enum("commune", (c.code for c in COMMUNES), "The organisation's commune."),
    _enum("language", (c.code for c in LANGUAGES), "A working language (of the post, or of the organisation)."),
    _enum("stage", (s.value for s in Stage), "The organisation's stage."),
    _enum("mode", (m.value for m in Mode),
          "How the help is given. `on_site` and `remote` also find offers that work both ways."),
    _enum("urgency", (u.value for u in Urgency), "The need's urgency."),
    _id("organisation", "Id of an organisation: only its posts."),
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "The page to return, from 1.",
          default=1, is_filter=False),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}, "Items per page.",
          default=PAGE_SIZE, is_filter=False),
    Param("include_retired", {"type": "boolean"},
          "Also list retired entries (a merged competence is retired and names what it was merged into).",
          default=False, is_filter=False),
]}

_COMMON_FILTERS = ("q", "competence", "domain", "sector", "method", "public", "commune", "language", "stage")
PAGING = ("page", "per_page")
# The parameters each endpoint accepts, by view function.
ENDPOINT_PARAMS: dict[str, tuple[str, ...]] = {
    "competences": ("include_retired",),
    "vocabularies": ("include_retired",),
    "organisations": (*_COMMON_FILTERS, *PAGING),
    "offers": (*_COMMON_FILTERS, "mode", "organisation", *PAGING),
    "needs": (*_COMMON_FILTERS, "urgency", "organisation", *PAGING),
    "organisation": (),
    "offer": (),
    "need": (),
    "openapi_document": (),
}


@dataclass
class Parsed:
    """The values of a valid request: `values` holds every parameter (defaults filled in),
    `given` only what the client sent, normalised, for building links."""

    values: dict = field(default_factory=dict)
    given: dict = field(default_factory=dict)

    def filters(self) -> dict[str, str]:
        """The directory filters, as strings for `directory.Filters.from_args`."""
        return {name: str(value) for name, value in self.given.items() if PARAMS[name].is_filter}


def _convert(param: Param, raw: str):
    """The value of `raw` for `param`, or raise ValueError with the reason."""
    schema = param.schema
    kind = schema["type"]
    if kind == "integer":
        low, high = schema["minimum"], schema["maximum"]
        if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return int(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError("must be true or false")
        return raw == "true"
    if "enum" in schema and raw not in schema["enum"]:
        raise ValueError(f"must be one of: {', '.join(schema['enum'])}")
    if len(raw) > schema.get("maxLength", len(raw)):
        raise ValueError(f"must be at most {schema['maxLength']} characters long")
    return raw


def parse(args, endpoint: str) -> Parsed:
    """Check the query string `args` (a MultiDict) against what `endpoint` accepts."""
    accepted = ENDPOINT_PARAMS[endpoint]
    parsed, problems = Parsed(), []
    for name in sorted(set(args.keys()) - set(accepted)):
        problems.append({"name": name, "reason": "is not a parameter of this endpoint"})
    for name in accepted:
        param, raws = PARAMS[name], args.getlist(name)
        parsed.values[name] = param.default
        if not raws:
            continue
        if len(raws) > 1:
            problems.append({"name": name, "reason": "must be given at most once"})
            continue
        if raws[0] == "" and param.schema["type"] == "string" and "enum" not in param.schema:
            continue  # an empty search is no search
        try:
            value = _convert(param, raws[0])
        except ValueError as error:
            problems.append({"name": name, "reason": str(error)})
            continue
        parsed.values[name] = parsed.given[name] = value
    if problems:
        raise InvalidParameters(problems)
    return parsed
