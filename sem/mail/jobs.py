"""The mail jobs: deliver the outbox, and queue the weekly digest."""

from sem.mail.delivery import deliver_outbox
from sem.mail.digest import queue_digests


def send_mail_job() -> str:
    """Send the messages due in the outbox (one batch), with retries and backoff. It commits
    by itself: after its claim, and after each message the server accepted."""
    return str(deliver_outbox())


def digest_job() -> str:
    """Queue this week's digest for every person who wants it (at most once per person and
    ISO week); the send-mail job delivers them."""
    queued, empty = queue_digests()
    return f"{queued} digest(s) queued, {empty} person(s) with nothing new"
