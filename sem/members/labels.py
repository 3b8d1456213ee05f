"""Translated names of membership values, for templates and mails."""

from flask_babel import lazy_gettext as _l

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
}


def template_globals() -> dict:
    return {"STATUS_PENDING": OrgStatus.PENDING, "STATUS_LABELS": STATUS_LABELS, "STAGE_LABELS": STAGE_LABELS,
            "ROLE_LABELS": ROLE_LABELS, "AUDIT_ACTIONS": AUDIT_ACTIONS}
