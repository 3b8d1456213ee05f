"""The one way SEM sends mail.

`send_mail` queues a message on the current database session; it leaves only once that
transaction commits, and is dropped if it rolls back, so no mail announces something that
did not happen. Delivery depends on MAIL_BACKEND: "smtp", "console" (development) or
"memory" (tests). The mail issue replaces the queue with a persistent outbox.
"""

import logging
import smtplib
import sys
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

from sem.core.i18n import force_locale
from sem.extensions import db

log = logging.getLogger(__name__)
_PENDING = "sem_pending_mail"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict = field(default_factory=dict)


def send_mail(mail: Mail) -> None:
    """Queue `mail` for delivery after the current transaction commits."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, drops the mail
    session.info.setdefault(_PENDING, []).append(mail)


def send_template(to: str, locale: str, template: str, subject, **context) -> None:
    """Render `mail/<template>.txt` and `.html` in the recipient's language and queue them.
    `subject` is a lazy string, translated in that language too."""
    with force_locale(locale):
        mail = Mail(
            to=to,
            subject=str(subject),
            text=render_template(f"mail/{template}.txt", locale=locale, **context),
            html=render_template(f"mail/{template}.html", locale=locale, **context),
        )
    send_mail(mail)


def sent_messages() -> list[Mail]:
    """What the memory backend delivered (tests)."""
    return current_app.extensions.setdefault("sem_mail_outbox", [])


def _to_email(mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="sem.brussels")
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def _deliver(mails: list[Mail]) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        sent_messages().extend(mails)
        return
    if backend == "console":
        for mail in mails:
            print(f"----- mail to {mail.to}: {mail.subject}\n{mail.text}\n-----", file=sys.stderr)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            for mail in mails:
                smtp.send_message(_to_email(mail))
    except (OSError, smtplib.SMTPException):
        # The transaction is committed; losing the mail must not undo it. The outbox of the
        # mail issue adds retries.
        log.exception("mail delivery failed for %d message(s)", len(mails))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    mails = session.info.pop(_PENDING, None)
    if mails:
        _deliver(mails)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    # Any rollback of the outermost transaction drops the mails queued in it.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
