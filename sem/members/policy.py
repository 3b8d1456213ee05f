"""Who may see and do what, for membership. Every view asks here; nowhere else decides."""

from flask import abort, g
from flask_babel import lazy_gettext as _l

from sem.members.models import Organisation, OrgStatus, Person, Role


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _authenticated(person) -> bool:
    return bool(person) and getattr(person, "is_authenticated", False) and person.active


def is_coordinator(person) -> bool:
    return _authenticated(person) and person.is_coordinator


def charter_accepted(org: Organisation) -> bool:
    from sem.members.services import has_accepted_current_charter

    cache = g.setdefault("_charter_ok", {})
    if org.id not in cache:
        cache[org.id] = has_accepted_current_charter(org)
    return cache[org.id]


def can_act(person) -> bool:
    """Post, exchange, edit the profile, invite: only people of an approved organisation
    that has accepted the current charter."""
    if not _authenticated(person) or person.organisation is None:
        return False
    org = person.organisation
    return org.status is OrgStatus.APPROVED and charter_accepted(org)


def why_cannot_act(person):
    org = person.organisation if _authenticated(person) else None
    if org is None:
        return _l("Only people of a member organisation can do this.")
    if org.status is OrgStatus.PENDING:
        return _l("Your organisation's application is waiting for a coordinator's decision.")
    if org.status is OrgStatus.REJECTED:
        return _l("Your organisation's application was not accepted.")
    if org.status is OrgStatus.SUSPENDED:
        return _l("Your organisation is suspended.")
    return _l("Your organisation must accept the new version of the charter first.")


def belongs_to(person, org: Organisation) -> bool:
    return _authenticated(person) and person.organisation_id == org.id


def is_admin_of(person, org: Organisation) -> bool:
    return belongs_to(person, org) and person.role is Role.ADMIN


def can_view_private(person, org: Organisation) -> bool:
    """The people list, invitations and application file of an organisation."""
    return belongs_to(person, org) or is_coordinator(person)


def can_manage(person, org: Organisation) -> bool:
    """Edit the profile, invite and manage people: an admin of an organisation that may act,
    or a coordinator."""
    return (is_admin_of(person, org) and can_act(person)) or is_coordinator(person)


def can_accept_charter(person, org: Organisation) -> bool:
    return is_admin_of(person, org) and org.status is OrgStatus.APPROVED


def can_manage_person(actor, person: Person) -> bool:
    return person.organisation is not None and can_manage(actor, person.organisation) and actor.id != person.id


def can_view_profile(person, org: Organisation) -> bool:
    """Approved members are public; others only to themselves and coordinators."""
    return org.status is OrgStatus.APPROVED or can_view_private(person, org)
