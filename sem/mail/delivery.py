"""Delivery of the outbox (the `send-mail` job).

A sender claims a batch of due messages in one UPDATE (status queued → sending, with its own
claim token), commits the claim, then sends them over one SMTP connection. Each message is
marked sent, in its own commit, only after the server accepted it; a temporary failure puts
it back in the queue with an exponential, jittered delay, until MAIL_RETRY_FOR seconds after
it was written: then it is marked failed, for a coordinator to see and retry. A permanent
refusal (5xx) fails it at once.

Claims older than MAIL_CLAIM_TIMEOUT (a sender killed in the middle of a batch) go back to
the queue. The one message that sender was handing to the server when it died may then be
sent twice; every other one goes exactly once. Each message keeps its Message-ID across
attempts, so a receiving server or client can recognise such a twin.

This job commits by itself (after the claim, and after each message): what the SMTP server
accepted must be recorded at once, whatever happens to the rest of the batch.
"""

import email.policy
import logging
import os
import random
import smtplib
import socket
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from sem.core.db import utcnow
from sem.core.errors import Conflict
from sem.extensions import db
from sem.mail.models import MailStatus, OutboxMessage
from sem.mail.services import as_mail, sent_messages
from sem.members.services import record_event

log = logging.getLogger(__name__)

# Errors after which the connection is unusable: the rest of the batch waits for the next run.
CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                     smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retried} to retry, {self.failed} failed "
                f"({self.claimed} claimed, {self.recovered} stale claim(s) recovered)")


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer)."""


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from MAIL_RETRY_BASE, capped at
    MAIL_RETRY_MAX, and randomly shortened by up to half so that retries spread out."""
    config = current_app.config
    delay = min(config["MAIL_RETRY_BASE"] * 2 ** max(attempts - 1, 0), config["MAIL_RETRY_MAX"])
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not secrecy


def recover_stale_claims(now: datetime) -> int:
    timeout = timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT"])
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_at <= now - timeout)
        .values(status=MailStatus.QUEUED, claimed_by=None, claimed_at=None,
                last_error="The sender stopped before finishing; queued again.")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def claim_batch(token: str, now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for the sender `token`: a message is claimed by one
    sender only. PostgreSQL locks the chosen rows (skipping those another sender is
    claiming); on both backends the UPDATE re-checks status='queued', and the sender then
    reads back only the rows that carry its own token.

    (The ids are read first, not in a subquery of the UPDATE: PostgreSQL re-runs such a
    LIMIT ... FOR UPDATE subquery against the rows the UPDATE just changed, and would claim
    more than `limit`.)"""
    due = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)))
    if not due:
        return []
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due), OutboxMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.SENDING, claimed_by=token, claimed_at=now)
        .execution_options(synchronize_session=False))
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.claimed_by == token, OutboxMessage.status == MailStatus.SENDING)
        .order_by(OutboxMessage.id).execution_options(populate_existing=True)))


def _finish(row: OutboxMessage, token: str, **values) -> None:
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == token)
        .values(claimed_by=None, claimed_at=None, attempts=OutboxMessage.attempts + 1, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _sent(row: OutboxMessage, token: str, now: datetime) -> None:
    _finish(row, token, status=MailStatus.SENT, sent_at=max(now, utcnow()), last_error="")


def _failed(row: OutboxMessage, token: str, error: str) -> None:
    _finish(row, token, status=MailStatus.FAILED, last_error=error[:2000])


def _retry(row: OutboxMessage, token: str, error: str, report: DeliveryReport, now: datetime) -> None:
    give_up_at = row.give_up_at or row.created_at + timedelta(seconds=current_app.config["MAIL_RETRY_FOR"])
    if now >= give_up_at:
        _failed(row, token, error)
        report.failed += 1
        log.warning("mail %s to %s failed for good: %s", row.id, row.recipient, error)
        return
    _finish(row, token, status=MailStatus.QUEUED, last_error=error[:2000],
            next_attempt_at=now + backoff(row.attempts + 1))
    report.retried += 1


# Headers longer than 78 characters are folded, not turned into encoded words: a
# List-Unsubscribe URL must reach mail clients as a plain <URL> (RFC 2369, 8058).
POLICY = email.policy.SMTP.clone(max_line_length=998)


def to_email(row: OutboxMessage) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    for name, value in (row.headers or {}).items():
        msg[name] = value
    msg.set_content(row.text)
    if row.html:
        msg.add_alternative(row.html, subtype="html")
    return msg


def _reply(code: int, message) -> str:
    """An SMTP reply as a line a coordinator can read: "550 No such user"."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}"


class _SMTPTransport:
    """One SMTP connection for the batch, opened at the first message."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def send(self, row: OutboxMessage) -> None:
        config = self.config
        if self.smtp is None:
            smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
            self.smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
            if config["MAIL_USE_TLS"]:
                self.smtp.starttls()
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        try:
            refused = self.smtp.send_message(to_email(row))
        except smtplib.SMTPRecipientsRefused as error:
            code, message = min(error.recipients.values())
            if code >= 500:
                raise PermanentFailure(_reply(code, message)) from error
            raise smtplib.SMTPResponseException(code, message) from error
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            if error.smtp_code >= 500:
                raise PermanentFailure(_reply(error.smtp_code, error.smtp_error)) from error
            raise
        if refused:  # only possible with several recipients; we send to one
            raise PermanentFailure(str(refused))

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


class _LocalTransport:
    """Development and tests: print, write files, or keep in memory."""

    def __init__(self, backend: str, config):
        self.backend, self.config = backend, config

    def send(self, row: OutboxMessage) -> None:
        if self.backend == "memory":
            sent_messages().append(as_mail(row))
        elif self.backend == "console":
            print(f"----- mail to {row.recipient}: {row.subject}\n{row.text}\n-----", file=sys.stderr)
        elif self.backend == "folder":
            folder = Path(self.config["MAIL_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{row.id:08d}-{row.kind or 'mail'}.eml").write_bytes(bytes(to_email(row)))
        else:
            raise PermanentFailure(f"unknown MAIL_BACKEND {self.backend!r}")

    def close(self) -> None:
        pass


def deliver_outbox(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send what is due in the outbox, one batch (see the module's docstring)."""
    config = current_app.config
    now = now or utcnow()
    token = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    report = DeliveryReport()
    db.session.commit()  # start from a clean transaction: the claim is committed on its own
    report.recovered = recover_stale_claims(now)
    rows = claim_batch(token, now, limit or config["MAIL_BATCH_SIZE"])
    for row in rows:
        # Detached with their columns loaded: sending reads no row again, so every later
        # transaction starts with its UPDATE (SQLite then waits for the write lock instead
        # of failing to upgrade a read snapshot that another sender made stale).
        db.session.expunge(row)
    db.session.commit()
    report.claimed = len(rows)
    if not rows:
        return report
    backend = config["MAIL_BACKEND"]
    transport = _SMTPTransport(config) if backend == "smtp" else _LocalTransport(backend, config)
    try:
        for index, row in enumerate(rows):
            try:
                transport.send(row)
            except PermanentFailure as error:
                _failed(row, token, str(error))
                report.failed += 1
            except CONNECTION_ERRORS as error:
                # The server is unreachable: this message and the rest of the batch wait.
                message = f"{type(error).__name__}: {error}"
                for waiting in rows[index:]:
                    _retry(waiting, token, message, report, now)
                log.warning("mail server unreachable, %d message(s) wait: %s", len(rows) - index, message)
                break
            except smtplib.SMTPResponseException as error:
                _retry(row, token, _reply(error.smtp_code, error.smtp_error), report, now)
            except smtplib.SMTPException as error:
                _retry(row, token, f"{type(error).__name__}: {error}", report, now)
            else:
                _sent(row, token, now)
                report.sent += 1
    finally:
        transport.close()
    return report


def retry_message(row: OutboxMessage, *, actor) -> None:
    """A coordinator sends a failed message again: it goes back to the queue, due now,
    with a fresh period of retries."""
    if row.status is not MailStatus.FAILED:
        raise Conflict(_l("Only a failed message can be sent again."))
    now = utcnow()
    row.status = MailStatus.QUEUED
    row.next_attempt_at = now
    row.give_up_at = now + timedelta(seconds=current_app.config["MAIL_RETRY_FOR"])
    row.claimed_by = row.claimed_at = None
    record_event("mail.retried", actor=actor, person=row.person, recipient=row.recipient, kind=row.kind)
    db.session.flush()
