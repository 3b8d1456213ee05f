"""The mail jobs: deliver the outbox, and queue the weekly digest."""

import time

from flask import current_app

from sem.mail.delivery import DeliveryReport, deliver_outbox
from sem.mail.digest import queue_digests


def send_mail_job() -> str:
    """Send the messages due in the outbox, batch after batch, for at most MAIL_JOB_SECONDS
    (a Monday's digests do not wait for the next run), stopping early when the server is in
    trouble. It commits by itself: after each claim, and after each message the server
    accepted."""
    config = current_app.config
    started = time.monotonic()
    total = DeliveryReport()
    while True:
        report = deliver_outbox()
        for name in ("claimed", "sent", "retried", "failed", "recovered"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if (report.claimed < config["MAIL_BATCH_SIZE"] or report.retried
                or time.monotonic() - started > config["MAIL_JOB_SECONDS"]):
            return str(total)


def digest_job() -> str:
    """Queue this week's digest for every person who wants it (at most once per person and
    ISO week); the send-mail job delivers them."""
    queued, empty = queue_digests()
    return f"{queued} digest(s) queued, {empty} person(s) with nothing new"
