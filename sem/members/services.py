"""Membership rules: applications, decisions, profiles, people, charter, log in, audit.

Services flush, never commit: the view, CLI command or job that calls them commits once.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from sem.catalogue.models import Term
from sem.catalogue.vocab import COMMUNES, LANGUAGES, LEGAL_FORMS, find
from sem.core import throttle
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError, NotAllowed, TooManyAttempts
from sem.core.i18n import LOCALES
from sem.extensions import db
from sem.mail.services import send_template
from sem.members.models import (
    AuditEvent,
    CharterAcceptance,
    CharterVersion,
    Invitation,
    Organisation,
    OrganisationLanguage,
    OrgStatus,
    Person,
    Role,
    Stage,
)
from sem.members.passwords import hash_password, needs_rehash, verify_password

# --- audit -----------------------------------------------------------------------------


def record_event(action: str, *, actor: Person | None, organisation: Organisation | None = None,
                 person: Person | None = None, reason: str = "", **details) -> AuditEvent:
    """Append one line to the audit log."""
    event = AuditEvent(
        action=action,
        actor=actor,
        organisation=organisation,
        person=person,
        reason=reason or "",
        details=details,
    )
    db.session.add(event)
    return event


# --- shared validation -------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_password(password: str, field: str = "password") -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        raise DomainError(
            _l("Use at least %(n)d characters.", n=minimum), field=field
        )


def _email_taken(email: str, *, active_only: bool = False) -> Person | None:
    query = sa.select(Person).where(Person.email == email)
    if active_only:
        query = query.where(Person.active.is_(True))
    return db.session.scalar(query)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    return reason


@dataclass
class Profile:
    """What an organisation says about itself, as entered in the form."""

    name: str
    legal_form: str
    commune: str
    contact_email: str
    website: str = ""
    description: str = ""
    languages: list[str] = field(default_factory=list)
    term_ids: list[int] = field(default_factory=list)


def _apply_profile(org: Organisation, profile: Profile) -> list[str]:
    """Validate and copy `profile` onto `org`; return the names of the fields that changed."""
    name = " ".join((profile.name or "").split())
    if not name:
        raise DomainError(_l("This field is required."), field="name")
    clash = db.session.scalar(
        sa.select(Organisation.id).where(
            sa.func.lower(Organisation.name) == name.lower(), Organisation.id != (org.id or 0)
        )
    )
    if clash:
        raise Conflict(_l("An organisation with this name is already registered."), field="name")
    if not find(LEGAL_FORMS, profile.legal_form):
        raise DomainError(_l("Choose a legal form from the list."), field="legal_form")
    if not find(COMMUNES, profile.commune):
        raise DomainError(_l("Choose a commune from the list."), field="commune")
    languages = sorted(set(profile.languages or []))
    if not languages:
        raise DomainError(_l("Choose at least one working language."), field="languages")
    if any(not find(LANGUAGES, code) for code in languages):
        raise DomainError(_l("Choose languages from the list."), field="languages")
    terms = list(db.session.scalars(sa.select(Term).where(Term.id.in_(profile.term_ids or []))))
    if len(terms) != len(set(profile.term_ids or [])):
        raise DomainError(_l("Choose from the lists."), field="sectors")
    # A retired term may stay on an organisation that already had it, but not be newly chosen.
    previous = {t.id for t in org.terms}
    if any(t.retired and t.id not in previous for t in terms):
        raise DomainError(_l("Choose from the lists."), field="sectors")

    changed = []
    values = {
        "name": name,
        "legal_form": profile.legal_form,
        "commune": profile.commune,
        "contact_email": normalise_email(profile.contact_email),
        "website": (profile.website or "").strip(),
        "description": (profile.description or "").strip(),
    }
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
            changed.append(key)
    if org.language_codes != languages:
        org.languages = [OrganisationLanguage(language=code) for code in languages]
        changed.append("languages")
    if sorted(t.id for t in org.terms) != sorted(t.id for t in terms):
        org.terms = sorted(terms, key=lambda t: t.id)
        changed.append("terms")
    return changed


# --- applications ------------------------------------------------------------------------


def coordinators() -> list[Person]:
    return list(db.session.scalars(
        sa.select(Person).where(Person.is_coordinator.is_(True), Person.active.is_(True)).order_by(Person.id)
    ))


def apply_for_membership(profile: Profile, *, stage: Stage, person_name: str, email: str,
                         password: str, locale: str, accepts_charter: bool) -> Person:
    """An organisation applies with its first person, who becomes its admin."""
    email = normalise_email(email)
    if _email_taken(email):
        raise Conflict(_l("An account with this email address already exists."), field="email")
    if not (person_name or "").strip():
        raise DomainError(_l("This field is required."), field="person_name")
    _check_password(password)
    charter = current_charter()
    if charter and not accepts_charter:
        raise DomainError(_l("You must accept the charter to apply."), field="accept_charter")

    org = Organisation(status=OrgStatus.PENDING, stage=stage)
    _apply_profile(org, profile)
    person = Person(
        organisation=org,
        email=email,
        name=person_name.strip(),
        password_hash=hash_password(password),
        role=Role.ADMIN,
        locale=locale if locale in LOCALES else "fr",
    )
    db.session.add_all([org, person])
    db.session.flush()
    if charter:
        db.session.add(CharterAcceptance(organisation_id=org.id, charter_version_id=charter.id, person_id=person.id))
    record_event("application.submitted", actor=person, organisation=org, stage=stage.value)

    send_template(person.email, person.locale, "application_received", _l("Your application to SEM"),
                  person=person, organisation=org)
    for coordinator in coordinators():
        send_template(coordinator.email, coordinator.locale, "application_new",
                      _l("New membership application: %(name)s", name=org.name),
                      person=coordinator, organisation=org,
                      link=url_for("coordination.organisation", org_id=org.id, _external=True))
    return person


def _decide(org: Organisation, status: OrgStatus, *, actor: Person, reason: str, action: str) -> None:
    org.status = status
    org.decided_at = utcnow()
    org.decision_reason = reason
    record_event(action, actor=actor, organisation=org, reason=reason)


def _require_status(org: Organisation, *allowed: OrgStatus) -> None:
    if org.status not in allowed:
        raise Conflict(_l("This organisation's membership has changed in the meantime; reload the page."))


def _notify_admins(org: Organisation, template: str, subject, **context) -> None:
    for person in org.active_people:
        if person.role is Role.ADMIN:
            send_template(person.email, person.locale, template, subject, person=person,
                          organisation=org, **context)


def approve_application(org: Organisation, *, actor: Person, stage: Stage, reason: str = "") -> None:
    _require_status(org, OrgStatus.PENDING, OrgStatus.REJECTED)
    if org.stage is not stage:
        record_event("organisation.stage_changed", actor=actor, organisation=org,
                     old=org.stage.value, new=stage.value)
        org.stage = stage
    _decide(org, OrgStatus.APPROVED, actor=actor, reason=(reason or "").strip(), action="application.approved")
    _notify_admins(org, "application_approved", _l("Welcome to SEM: your application is approved"),
                   link=url_for("members.my_organisation", _external=True))


def reject_application(org: Organisation, *, actor: Person, reason: str) -> None:
    reason = _require_reason(reason)
    _require_status(org, OrgStatus.PENDING)
    _decide(org, OrgStatus.REJECTED, actor=actor, reason=reason, action="application.rejected")
    _notify_admins(org, "application_rejected", _l("Your application to SEM"), reason=reason)


def suspend_organisation(org: Organisation, *, actor: Person, reason: str) -> None:
    reason = _require_reason(reason)
    _require_status(org, OrgStatus.APPROVED)
    _decide(org, OrgStatus.SUSPENDED, actor=actor, reason=reason, action="organisation.suspended")
    _notify_admins(org, "organisation_suspended", _l("Your organisation is suspended from SEM"), reason=reason)


def reinstate_organisation(org: Organisation, *, actor: Person, reason: str) -> None:
    reason = _require_reason(reason)
    _require_status(org, OrgStatus.SUSPENDED)
    _decide(org, OrgStatus.APPROVED, actor=actor, reason=reason, action="organisation.reinstated")
    _notify_admins(org, "organisation_reinstated", _l("Your organisation is reinstated in SEM"), reason=reason)


def set_stage(org: Organisation, stage: Stage, *, actor: Person, reason: str) -> None:
    reason = _require_reason(reason)
    if org.stage is stage:
        return
    record_event("organisation.stage_changed", actor=actor, organisation=org, reason=reason,
                 old=org.stage.value, new=stage.value)
    org.stage = stage


def update_profile(org: Organisation, profile: Profile, *, actor: Person) -> list[str]:
    changed = _apply_profile(org, profile)
    if changed:
        record_event("organisation.updated", actor=actor, organisation=org, fields=changed)
    db.session.flush()
    return changed


def remind_waiting_applications(now: datetime | None = None) -> int:
    """Remind every coordinator of applications waiting longer than
    APPLICATION_REMINDER_DAYS, at most once per that period. Returns how many waited."""
    now = now or utcnow()
    delay = timedelta(days=current_app.config["APPLICATION_REMINDER_DAYS"])
    waiting = list(db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.status == OrgStatus.PENDING, Organisation.created_at <= now - delay)
        .where(sa.or_(Organisation.reminded_at.is_(None), Organisation.reminded_at <= now - delay))
        .order_by(Organisation.created_at)
    ))
    if not waiting:
        return 0
    for coordinator in coordinators():
        send_template(coordinator.email, coordinator.locale, "applications_waiting",
                      _l("Membership applications are waiting for a decision"),
                      person=coordinator, organisations=waiting,
                      link=url_for("coordination.applications", _external=True))
    for org in waiting:
        org.reminded_at = now
    db.session.flush()
    return len(waiting)


# --- charter -----------------------------------------------------------------------------


def current_charter() -> CharterVersion | None:
    return db.session.scalar(sa.select(CharterVersion).order_by(CharterVersion.version.desc()).limit(1))


def has_accepted_current_charter(org: Organisation) -> bool:
    """True when there is no charter yet or the organisation accepted the latest (one query:
    the banner of every page asks)."""
    latest = sa.select(CharterVersion.id).order_by(CharterVersion.version.desc()).limit(1).scalar_subquery()
    charter_id, accepted = db.session.execute(sa.select(
        latest, sa.exists().where(CharterAcceptance.organisation_id == org.id,
                                  CharterAcceptance.charter_version_id == latest))).one()
    return charter_id is None or bool(accepted)


def publish_charter(text_fr: str, text_nl: str, *, actor: Person | None) -> CharterVersion:
    """A new version: every organisation is asked to accept it again."""
    text_fr, text_nl = (text_fr or "").strip(), (text_nl or "").strip()
    if not text_fr:
        raise DomainError(_l("This field is required."), field="text_fr")
    if not text_nl:
        raise DomainError(_l("This field is required."), field="text_nl")
    previous = current_charter()
    if previous and previous.text_fr == text_fr and previous.text_nl == text_nl:
        raise DomainError(_l("The text is unchanged: there is nothing to publish."), field="text_fr")
    charter = CharterVersion(version=(previous.version + 1) if previous else 1, text_fr=text_fr,
                             text_nl=text_nl, published_by=actor)
    db.session.add(charter)
    db.session.flush()
    record_event("charter.published", actor=actor, version=charter.version)
    if previous:
        approved = db.session.scalars(sa.select(Organisation).where(Organisation.status == OrgStatus.APPROVED))
        for org in approved:
            _notify_admins(org, "charter_new", _l("A new version of the SEM charter"),
                           charter=charter, link=url_for("members.charter", _external=True))
    return charter


def accept_charter(org: Organisation, *, actor: Person) -> CharterAcceptance | None:
    """An admin accepts the current charter for the organisation; accepting twice is a no-op."""
    charter = current_charter()
    if charter is None or has_accepted_current_charter(org):
        return None
    acceptance = CharterAcceptance(organisation_id=org.id, charter_version_id=charter.id, person_id=actor.id)
    db.session.add(acceptance)
    record_event("charter.accepted", actor=actor, organisation=org, version=charter.version)
    db.session.flush()
    return acceptance


# --- people and invitations --------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def invitation_token(invitation: Invitation) -> str:
    return _serializer("invitation").dumps(invitation.id)


def invitation_from_token(token: str) -> Invitation:
    max_age = current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400
    try:
        invitation_id = _serializer("invitation").loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_l("This invitation has expired. Ask your organisation's admin for a new one.")) from None
    except BadSignature:
        raise DomainError(_l("This invitation link is not valid.")) from None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not invitation.is_open:
        raise DomainError(_l("This invitation has already been used or withdrawn."))
    if invitation.organisation.status is not OrgStatus.APPROVED:
        raise DomainError(_l("This organisation cannot welcome new people at the moment."))
    return invitation


def invite_person(org: Organisation, email: str, role: Role, *, actor: Person) -> Invitation:
    """An admin invites a colleague by email; a repeated invitation sends a fresh link."""
    email = normalise_email(email)
    if _email_taken(email, active_only=True):
        raise Conflict(_l("This person already has an account on SEM."), field="email")
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.organisation_id == org.id, Invitation.email == email,
                                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    )
    if invitation is None:
        invitation = Invitation(organisation=org, email=email, role=role, invited_by=actor)
        db.session.add(invitation)
    else:
        invitation.role = role
        invitation.invited_by = actor
    db.session.flush()
    record_event("person.invited", actor=actor, organisation=org, email=email, role=role.value)
    link = url_for("members.accept_invitation", token=invitation_token(invitation), _external=True)
    send_template(email, actor.locale, "invitation",
                  _l("%(org)s invites you to SEM", org=org.name),
                  organisation=org, inviter=actor, link=link,
                  days=current_app.config["INVITATION_MAX_AGE_DAYS"])
    return invitation


def revoke_invitation(invitation: Invitation, *, actor: Person) -> None:
    if not invitation.is_open:
        return
    invitation.revoked_at = utcnow()
    record_event("person.invitation_revoked", actor=actor, organisation=invitation.organisation,
                 email=invitation.email)


def accept_invitation(invitation: Invitation, *, name: str, password: str, locale: str) -> Person:
    if not invitation.is_open:
        raise DomainError(_l("This invitation has already been used or withdrawn."))
    if not (name or "").strip():
        raise DomainError(_l("This field is required."), field="name")
    _check_password(password)
    person = _email_taken(invitation.email)
    if person is not None and person.active:
        raise Conflict(_l("This person already has an account on SEM."))
    if person is None:
        person = Person(email=invitation.email)
    # A removed person invited again comes back with the same account and history.
    person.organisation = invitation.organisation
    person.name = name.strip()
    person.password_hash = hash_password(password)
    person.role = invitation.role
    person.locale = locale if locale in LOCALES else "fr"
    person.active = True
    person.removed_at = None
    invitation.accepted_at = utcnow()
    db.session.add(person)
    db.session.flush()
    record_event("person.joined", actor=person, organisation=invitation.organisation, person=person)
    return person


def _other_admins(person: Person) -> int:
    return sum(1 for p in person.organisation.active_people if p.role is Role.ADMIN and p.id != person.id)


def set_role(person: Person, role: Role, *, actor: Person) -> None:
    if person.role is role:
        return
    if role is Role.MEMBER and _other_admins(person) == 0:
        raise DomainError(_l("An organisation needs at least one admin: name another admin first."))
    record_event("person.role_changed", actor=actor, organisation=person.organisation, person=person,
                 old=person.role.value, new=role.value)
    person.role = role


def remove_person(person: Person, *, actor: Person) -> None:
    """Deactivate a person: they can no longer log in; their name stays in the history.

    A network coordinator only leaves the organisation: an organisation's admin cannot take
    coordination away from the network."""
    if not person.active:
        return
    if person.role is Role.ADMIN and person.organisation and _other_admins(person) == 0:
        raise DomainError(_l("An organisation needs at least one admin: name another admin first."))
    record_event("person.removed", actor=actor, organisation=person.organisation, person=person)
    if person.is_coordinator:
        person.organisation = None
        person.role = Role.MEMBER
        return
    person.active = False
    person.removed_at = utcnow()


# --- accounts ----------------------------------------------------------------------------


def _failure_keys(email: str, address: str) -> dict[str, int]:
    config = current_app.config
    return {
        f"account:{email}": config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        f"address:{address}": config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    }


def authenticate(email: str, password: str, *, address: str) -> Person:
    """Check a login. Too many recent failures for the account or the address refuse even
    a right password for a while (429), which stops guessing from one place or at one
    account."""
    email = normalise_email(email)
    now = utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    keys = _failure_keys(email, address)
    for key, limit in keys.items():
        retry_after = throttle.seconds_blocked(key, limit=limit, window=window, now=now)
        if retry_after:
            raise TooManyAttempts(
                _l("Too many failed attempts. Try again in %(minutes)d minutes.",
                   minutes=max(1, -(-retry_after // 60))),
                retry_after=retry_after,
            )
    person = _email_taken(email)
    if not verify_password(person.password_hash if person else None, password) or not person.active:
        throttle.record(*keys, window=window, now=now)
        raise DomainError(_l("Wrong email address or password."), field="password")
    throttle.forget(f"account:{email}")
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    person.last_login_at = now
    return person


def reset_token(person: Person) -> str:
    # The hash's tail makes the link single-use: it no longer matches once the password changes.
    return _serializer("password-reset").dumps([person.id, person.password_hash[-12:]])


def person_from_reset_token(token: str) -> Person:
    try:
        person_id, stamp = _serializer("password-reset").loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(_l("This link has expired. Ask for a new one.")) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_l("This link is not valid. Ask for a new one.")) from None
    person = db.session.get(Person, person_id)
    if person is None or not person.active or person.password_hash[-12:] != stamp:
        raise DomainError(_l("This link is not valid. Ask for a new one."))
    return person


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active account. The caller shows the
    same answer either way, so the form does not reveal who has an account."""
    email = normalise_email(email)
    # A few links an hour per address, so the form cannot be used to flood someone's inbox.
    key, window = f"reset:{email}", timedelta(hours=1)
    if throttle.seconds_blocked(key, limit=3, window=window):
        return
    throttle.record(key, window=window)
    person = _email_taken(email, active_only=True)
    if person is None:
        return
    link = url_for("members.reset_password", token=reset_token(person), _external=True)
    send_template(person.email, person.locale, "password_reset", _l("Reset your SEM password"),
                  person=person, link=link, hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600)


def set_password(person: Person, password: str) -> None:
    _check_password(password)
    person.password_hash = hash_password(password)
    record_event("person.password_changed", actor=person, person=person, organisation=person.organisation)


def change_password(person: Person, current: str, new: str) -> None:
    if not verify_password(person.password_hash, current):
        raise DomainError(_l("This is not your current password."), field="current_password")
    set_password(person, new)


def update_account(person: Person, *, name: str, locale: str) -> None:
    if not (name or "").strip():
        raise DomainError(_l("This field is required."), field="name")
    if locale not in LOCALES:
        raise DomainError(_l("Choose a language from the list."), field="locale")
    person.name = name.strip()
    person.locale = locale


def create_coordinator(email: str, name: str, password: str) -> Person:
    """Make a network coordinator (from the command line, to start a network)."""
    email = normalise_email(email)
    _check_password(password)
    person = _email_taken(email)
    if person is None:
        person = Person(email=email, name=name, role=Role.MEMBER)
        db.session.add(person)
    person.password_hash = hash_password(password)
    person.is_coordinator = True
    person.active = True
    db.session.flush()
    record_event("person.coordinator_named", actor=None, person=person)
    return person


def ensure_can_act(person: Person) -> None:
    """Raise unless the person's organisation is approved and has accepted the charter."""
    from sem.members import policy

    if not policy.can_act(person):
        raise NotAllowed(policy.why_cannot_act(person))
