"""The one way SEM sends mail: through the outbox.

`send_mail` / `send_template` write one row in the `mail_outbox` table, in the transaction of
the event that causes the mail: it exists if and only if that transaction commits. The
`send-mail` job (`deliver_outbox`) sends the queued rows later, with retries; see
sem/mail/delivery.py. Each person chooses, per kind of notification, to receive it at once,
in the weekly digest only, or never; some kinds always go (ALWAYS_SENT).
"""

import re
from dataclasses import dataclass, field
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from sem.core.db import utcnow
from sem.core.errors import DomainError
from sem.core.i18n import force_locale
from sem.extensions import db
from sem.mail.models import Delivery, MailPreference, MailStatus, OutboxMessage
from sem.members.models import Person

# Mails a person cannot turn off: they secure the account or tell its membership status, and
# an invitation goes to someone who has no account (and no preferences) yet.
ALWAYS_SENT = frozenset({
    "password_reset", "invitation", "application_received", "application_approved", "application_rejected",
    "organisation_suspended", "organisation_reinstated",
})
DIGEST = "digest"

# The kinds a person may choose for, in the order of the preferences page.
KINDS: dict[str, object] = {
    DIGEST: _l("The weekly digest (Monday morning)"),
    "proposal_new": _l("A new proposal for my organisation"),
    "proposal_accepted": _l("A proposal is accepted: the exchange can start"),
    "proposal_declined": _l("A proposal is declined"),
    "hours_declared": _l("Hours declared, to confirm"),
    "hours_reminder": _l("Reminders of hours still to confirm"),
    "hours_confirmed": _l("Hours confirmed"),
    "hours_contested": _l("Hours contested"),
    "dispute_resolved": _l("A dispute is resolved"),
    "post_expiring": _l("An offer or a need expires soon"),
    "charter_new": _l("A new charter to accept"),
    "application_new": _l("New membership applications (coordinators)"),
    "applications_waiting": _l("Applications left waiting (coordinators)"),
}
COORDINATOR_KINDS = frozenset({"application_new", "applications_waiting"})
# Templates that share a preference with another kind.
TEMPLATE_KIND = {"post_expiring_standing": "post_expiring"}


class PreferenceError(DomainError):
    pass


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict = field(default_factory=dict)
    kind: str = ""
    person_id: int | None = None
    locale: str = "fr"


def kind_of(template: str) -> str:
    return TEMPLATE_KIND.get(template, template)


def kinds_for(person: Person) -> list[str]:
    """The kinds `person` can choose for on the preferences page."""
    return [kind for kind in KINDS if kind not in COORDINATOR_KINDS or person.is_coordinator]


# --- preferences -----------------------------------------------------------------------------


def preferences_of(person: Person) -> dict[str, Delivery]:
    """Every choosable kind with `person`'s choice (default: immediately)."""
    chosen = dict(db.session.execute(
        sa.select(MailPreference.kind, MailPreference.delivery).where(MailPreference.person_id == person.id)).all())
    return {kind: chosen.get(kind, Delivery.IMMEDIATELY) for kind in kinds_for(person)}


def delivery_for(person: Person | None, kind: str) -> Delivery:
    """How `person` wants this mail. "In the digest only" means at once for someone who gets
    no digest (turned off, or a coordinator without an organisation): nothing is lost."""
    if person is None or kind in ALWAYS_SENT or kind not in KINDS:
        return Delivery.IMMEDIATELY
    chosen = dict(db.session.execute(sa.select(MailPreference.kind, MailPreference.delivery).where(
        MailPreference.person_id == person.id, MailPreference.kind.in_([kind, DIGEST]))).all())
    delivery = chosen.get(kind, Delivery.IMMEDIATELY)
    if delivery is Delivery.DIGEST and (person.organisation_id is None
                                        or chosen.get(DIGEST) is Delivery.NEVER):
        return Delivery.IMMEDIATELY
    return delivery


def set_preference(person: Person, kind: str, delivery: Delivery, *, actor: Person) -> None:
    """`actor` (the person, or whoever holds their signed unsubscribe link) chooses how
    `person` receives `kind`. The digest is on or off: it cannot go into itself."""
    if actor.id != person.id:
        raise PreferenceError(_l("Only the person can change their mail preferences."))
    if kind not in kinds_for(person):
        raise PreferenceError(_l("This kind of mail cannot be changed."))
    if kind == DIGEST and delivery is Delivery.DIGEST:
        raise PreferenceError(_l("The digest is either received or not."), field=kind)
    row = db.session.scalar(sa.select(MailPreference).where(
        MailPreference.person_id == person.id, MailPreference.kind == kind))
    if row is None:
        db.session.add(MailPreference(person_id=person.id, kind=kind, delivery=delivery))
    else:
        row.delivery = delivery
    db.session.flush()


def set_preferences(person: Person, choices: dict[str, Delivery], *, actor: Person) -> None:
    for kind, delivery in choices.items():
        set_preference(person, kind, delivery, actor=actor)


# --- signed unsubscribe links ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mail-unsubscribe")


def unsubscribe_token(person_id: int, kind: str) -> str:
    """A link that stops `kind` for this person without logging in. It does not expire: an
    old mail's link must still work."""
    return _serializer().dumps([person_id, kind])


def read_unsubscribe_token(token: str) -> tuple[Person, str]:
    try:
        person_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise PreferenceError(_l("This unsubscribe link is not valid.")) from None
    person = db.session.get(Person, person_id)
    if person is None or kind not in KINDS:
        raise PreferenceError(_l("This unsubscribe link is not valid."))
    return person, kind


def unsubscribe(token: str) -> tuple[Person, str]:
    """The signed link's owner stops receiving its kind of mail."""
    person, kind = read_unsubscribe_token(token)
    set_preference(person, kind, Delivery.NEVER, actor=person)
    return person, kind


# --- queuing ---------------------------------------------------------------------------------


def _person_for(to: str, context: dict) -> Person | None:
    person = context.get("person")
    if isinstance(person, Person) and person.email == to:
        return person
    return db.session.scalar(sa.select(Person).where(Person.email == to))


def _footer_links(person: Person | None, kind: str) -> dict:
    links = {"preferences_link": url_for("mail.preferences", _external=True) if person else None,
             "unsubscribe_link": None}
    if person is not None and kind in KINDS:
        links["unsubscribe_link"] = url_for("mail.unsubscribe", token=unsubscribe_token(person.id, kind),
                                            _external=True)
    return links


def render_mail(to: str, locale: str, template: str, subject, *, recipient: Person | None = None, kind: str = "",
                **context) -> Mail:
    """Render `mail/<template>.txt` and `.html` in `locale`, with the preferences and
    unsubscribe links of `recipient` in the footer."""
    links = _footer_links(recipient, kind)
    if recipient is not None:
        context.setdefault("person", recipient)
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", locale=locale, **context).strip("\n")
        text += "\n" + render_template("mail/_footer.txt", locale=locale, **links)
        text = re.sub(r"\n{3,}", "\n\n", text)  # templates' conditional blocks leave blank runs
        mail = Mail(to=to, subject=str(subject), text=text,
                    html=render_template(f"mail/{template}.html", locale=locale, **links, **context),
                    kind=kind, person_id=recipient.id if recipient else None, locale=locale)
    if links["unsubscribe_link"]:
        # RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs here.
        mail.headers["List-Unsubscribe"] = f"<{links['unsubscribe_link']}>"
        mail.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def send_template(to: str, locale: str, template: str, subject, *, dedupe_key: str | None = None,
                  **context) -> OutboxMessage | None:
    """Render `mail/<template>.txt` and `.html` in the recipient's language and write them
    to the outbox. `subject` is a lazy string, translated in that language too. A person who
    chose "never" for this kind gets nothing; "digest" keeps it for the weekly digest."""
    kind = kind_of(template)
    person = _person_for(to, context)
    delivery = delivery_for(person, kind)
    if delivery is Delivery.NEVER:
        return None
    mail = render_mail(to, locale, template, subject, recipient=person, kind=kind, **context)
    return send_mail(mail, dedupe_key=dedupe_key,
                     status=MailStatus.HELD if delivery is Delivery.DIGEST else MailStatus.QUEUED)


def send_mail(mail: Mail, *, dedupe_key: str | None = None, status: MailStatus = MailStatus.QUEUED
              ) -> OutboxMessage | None:
    """Write `mail` to the outbox in the current transaction. With a `dedupe_key` already
    used, nothing is written (the unique key also refuses a concurrent twin)."""
    if dedupe_key is not None and db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    headers = {"Message-ID": make_msgid(domain="sem.brussels"), **mail.headers}  # kept across retries
    row = OutboxMessage(kind=mail.kind, person_id=mail.person_id, recipient=mail.to, locale=mail.locale,
                        subject=mail.subject[:300], text=mail.text, html=mail.html, headers=headers,
                        dedupe_key=dedupe_key, status=status, next_attempt_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def as_mail(row: OutboxMessage) -> Mail:
    return Mail(to=row.recipient, subject=row.subject, text=row.text, html=row.html, headers=dict(row.headers),
                kind=row.kind, person_id=row.person_id, locale=row.locale)


def sent_messages() -> list[Mail]:
    """What the memory backend delivered (tests)."""
    return current_app.extensions.setdefault("sem_mail_outbox", [])
