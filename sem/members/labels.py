"""Translated names of membership values, for templates and mails."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from sem.core.i18n import current_locale, format_hours
from sem.members.models import OrgStatus, Role, Stage

STATUS_LABELS = {
    OrgStatus.PENDING: _l("Application pending"),
    OrgStatus.APPROVED: _l("Member"),
    OrgStatus.REJECTED: _l("Application rejected"),
    OrgStatus.SUSPENDED: _l("Suspended"),
}
STAGE_LABELS = {Stage.ESTABLISHED: _l("Established"), Stage.EMERGING: _l("Emerging")}
ROLE_LABELS = {Role.MEMBER: _l("Member"), Role.ADMIN: _l("Admin")}
AUDIT_ACTIONS = {
    "application.submitted": _l("Application submitted"),
    "application.approved": _l("Application approved"),
    "application.rejected": _l("Application rejected"),
    "organisation.suspended": _l("Organisation suspended"),
    "organisation.reinstated": _l("Organisation reinstated"),
    "organisation.stage_changed": _l("Stage changed"),
    "organisation.updated": _l("Profile updated"),
    "person.invited": _l("Person invited"),
    "person.invitation_revoked": _l("Invitation withdrawn"),
    "person.joined": _l("Person joined"),
    "person.role_changed": _l("Role changed"),
    "person.removed": _l("Person removed"),
    "person.password_changed": _l("Password changed"),
    "person.coordinator_named": _l("Coordinator named"),
    "charter.published": _l("Charter published"),
    "charter.accepted": _l("Charter accepted"),
    "vocabulary.added": _l("Vocabulary entry added"),
    "vocabulary.renamed": _l("Vocabulary entry renamed"),
    "vocabulary.retired": _l("Vocabulary entry retired"),
    "vocabulary.restored": _l("Vocabulary entry restored"),
    "catalogue.domain_added": _l("Competence domain added"),
    "catalogue.domain_changed": _l("Competence domain changed"),
    "catalogue.domain_retired": _l("Competence domain retired"),
    "catalogue.domain_restored": _l("Competence domain restored"),
    "catalogue.competence_added": _l("Competence added"),
    "catalogue.competence_changed": _l("Competence changed"),
    "catalogue.competence_retired": _l("Competence retired"),
    "catalogue.competence_restored": _l("Competence restored"),
    "catalogue.competences_merged": _l("Competences merged"),
    "ledger.floor_set": _l("Floor set"),
    "ledger.granted": _l("Hours granted"),
    "ledger.reversed": _l("Transaction corrected"),
    "ledger.imported": _l("Past exchanges imported"),
    "dispute.resolved": _l("Dispute resolved"),
    "mail.retried": _l("Mail sent again"),
}
CATALOGUE_PARTS = {"labels": _l("labels"), "descriptions": _l("descriptions"), "domain": _l("domain")}


PROFILE_FIELDS = {
    "name": _l("name"), "legal_form": _l("legal form"), "commune": _l("commune"),
    "contact_email": _l("contact email"), "website": _l("website"), "description": _l("description"),
    "languages": _l("working languages"), "terms": _l("sectors, methods and publics"),
}
_VALUE_LABELS = {**{s.value: label for s, label in STAGE_LABELS.items()},
                 **{r.value: label for r, label in ROLE_LABELS.items()}}


def describe_details(event) -> str:
    """The details of an audit event as a short sentence in the page's language."""
    details = event.details or {}
    if event.action.startswith("catalogue."):
        return _describe_catalogue(details)
    if event.action.startswith("ledger."):
        return _describe_ledger(event.action, details)
    if event.action == "dispute.resolved":
        return _describe_dispute(details)
    if "old" in details and "new" in details and isinstance(details["new"], str):
        old, new = (_VALUE_LABELS.get(details[k], details[k]) for k in ("old", "new"))
        return f"{old} → {new}"
    if "fields" in details:
        return ", ".join(str(PROFILE_FIELDS.get(f, f)) for f in details["fields"])
    if "version" in details:
        return str(_l("version %(n)d", n=details["version"]))
    if "email" in details:
        role = _VALUE_LABELS.get(details.get("role", ""), "")
        return f"{details['email']} ({role})" if role else details["email"]
    if "new" in details and isinstance(details["new"], dict):
        return f"{details['old'].get('label_fr', '')} → {details['new'].get('label_fr', '')}"
    if "label_fr" in details:
        return f"{details['label_fr']} / {details['label_nl']}"
    if "stage" in details:
        return str(_VALUE_LABELS.get(details["stage"], details["stage"]))
    return ""


def _describe_dispute(details: dict) -> str:
    """What the coordinator decided: "Hours adjusted: 2 h (3 h declared)"."""
    from sem.exchanges.labels import RESOLUTION_LABELS
    from sem.exchanges.models import DisputeResolution

    text = str(RESOLUTION_LABELS[DisputeResolution(details["resolution"])])
    if details.get("resolved_minutes"):
        text += ": " + format_hours(details["resolved_minutes"])
    return text + " (" + str(_l("%(hours)s declared", hours=format_hours(details.get("declared_minutes")))) + ")"


def _describe_ledger(action: str, details: dict) -> str:
    """A floor with its stage, hours granted, or which transaction corrected which."""
    if action == "ledger.floor_set":
        floor = format_hours(details.get("floor_minutes"))
        stage = details.get("stage")
        return f"{_VALUE_LABELS.get(stage, stage)}: {floor}" if stage else floor
    if action == "ledger.granted":
        return f"+{format_hours(details.get('minutes'))} (#{details.get('transaction_id')})"
    if action == "ledger.imported":
        text = ngettext("%(num)d transaction", "%(num)d transactions", details.get("transactions", 0))
        text = f"{text}, {format_hours(details.get('minutes'))}"
        return f"{text} ({details['filename']})" if details.get("filename") else text
    if action == "ledger.reversed":
        return str(_l("#%(tx)s reversed by #%(correction)s", tx=details.get("transaction_id"),
                      correction=details.get("correction_id")))
    return ""


def _describe_catalogue(details: dict) -> str:
    """A catalogue entry by its label in the page's language; what changed; what a merge moved."""

    def name(entry: dict) -> str:
        return entry.get(f"label_{current_locale()}") or entry.get("label_fr", "")

    if "source" in details:
        return ngettext("%(source)s → %(target)s: %(num)d post moved", "%(source)s → %(target)s: %(num)d posts moved",
                        details.get("posts", 0), source=name(details["source"]), target=name(details["target"]))
    text = name(details)
    if details.get("changed"):
        text += " (" + ", ".join(str(CATALOGUE_PARTS.get(part, part)) for part in details["changed"]) + ")"
    return text


def template_globals() -> dict:
    return {"STATUS_PENDING": OrgStatus.PENDING, "STATUS_LABELS": STATUS_LABELS, "STAGE_LABELS": STAGE_LABELS,
            "ROLE_LABELS": ROLE_LABELS, "AUDIT_ACTIONS": AUDIT_ACTIONS, "describe_details": describe_details}
