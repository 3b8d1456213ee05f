"""Model objects as open-data JSON. Only public fields: never an email address, a person, a
balance or a coordinator's decision. Member-written text is given as written; vocabulary
labels in French, Dutch and English. Times are ISO 8601 in UTC, amounts in hours.

Each function's output is described by the schema of the same name in `openapi.py`; the
tests hold real responses against those schemas (no field more, no field less).
"""

from datetime import UTC, date, datetime

from flask import url_for
from flask_babel import force_locale

from sem.catalogue.models import Competence, Domain, Term
from sem.catalogue.vocab import Choice
from sem.market.models import Need, Offer
from sem.members.models import Organisation


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def hours(minutes: int) -> int | float:
    """Integer minutes as a number of hours: 90 → 1.5, 600 → 10."""
    value = minutes / 60
    return int(value) if value.is_integer() else round(value, 2)


def labels(entry) -> dict[str, str]:
    return {"fr": entry.label_fr, "nl": entry.label_nl, "en": entry.label_en}


def descriptions(entry) -> dict[str, str]:
    return {"fr": entry.description_fr, "nl": entry.description_nl, "en": entry.description_en}


def ref(entry: Term | Domain | Competence) -> dict:
    return {"id": entry.id, "code": entry.code, "labels": labels(entry)}


def choice(entry: Choice) -> dict:
    return {"code": entry.code, "labels": labels(entry)}


def translated_choice(code: str, lazy_label) -> dict:
    """A code whose labels are translatable strings of the application (stages, modes...)."""
    translated = {}
    for locale in ("fr", "nl", "en"):
        with force_locale(locale):
            translated[locale] = str(lazy_label)
    return {"code": code, "labels": translated}


def term(entry: Term) -> dict:
    return {**ref(entry), "retired": entry.retired}


def competence(entry: Competence) -> dict:
    return {**ref(entry), "descriptions": descriptions(entry), "retired": entry.retired,
            "merged_into": ref(entry.merged_into) if entry.merged_into else None}


def domain(entry: Domain, competences: list[Competence]) -> dict:
    return {**ref(entry), "descriptions": descriptions(entry), "retired": entry.retired,
            "competences": [competence(c) for c in competences]}


def organisation_summary(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "stage": org.stage.value, "commune": org.commune}


def organisation(org: Organisation) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        "legal_form": org.legal_form,
        "stage": org.stage.value,
        "commune": org.commune,
        "languages": org.language_codes,
        "website": org.website or "",
        "description": org.description or "",
        "sectors": [ref(t) for t in org.sectors],
        "methods": [ref(t) for t in org.methods],
        "publics": [ref(t) for t in org.publics],
        # An approved organisation's latest decision is its approval (or reinstatement).
        "member_since": day((org.decided_at or org.created_at).astimezone(UTC).date()),
        "links": {
            "self": url_for("api.organisation", id=org.id, _external=True),
            "offers": url_for("api.offers", organisation=org.id, _external=True),
            "needs": url_for("api.needs", organisation=org.id, _external=True),
        },
    }


def post(item: Offer | Need) -> dict:
    data = {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "description": item.description or "",
        "languages": item.languages,
        "competence": ref(item.competence),
        "domain": ref(item.competence.domain),
        "organisation": organisation_summary(item.organisation),
        "created_at": timestamp(item.created_at),
        "expires_at": timestamp(item.expires_at),
    }
    if isinstance(item, Offer):
        data |= {"mode": item.mode.value, "monthly_capacity_hours": hours(item.monthly_capacity_minutes),
                 "conditions": item.conditions or "", "standing": item.standing}
    else:
        data |= {"urgency": item.urgency.value, "estimated_hours": hours(item.estimated_minutes),
                 "wished_by": day(item.wished_by)}
    data["links"] = {
        "self": url_for(f"api.{item.kind}", id=item.id, _external=True),
        "organisation": url_for("api.organisation", id=item.organisation_id, _external=True),
    }
    return data
