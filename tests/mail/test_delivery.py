"""The send-mail job against a real SMTP server: claimed once, marked sent only when the
server accepted, retried with backoff while the server is down or busy, failed after the
retry period (or at once on a permanent refusal), and nothing lost or doubled when a sender
dies in the middle of a batch."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.mail.delivery import backoff, claim_batch
from sem.mail.models import MailStatus, OutboxMessage
from sem.mail.services import Mail, send_mail
from tests.conftest import login, post
from tests.mail.conftest import deliver, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def queue(app, *recipients: str) -> None:
    with app.app_context():
        for to in recipients:
            send_mail(Mail(to=to, subject=f"Pour {to}", text=f"Bonjour {to}"))
        db.session.commit()


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        result = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return result


def test_smtp_down_then_up_loses_nothing_and_sends_each_message_once(app, smtp_server, monkeypatch):
    queue(app, "a@example.org", "b@example.org", "c@example.org")
    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    before = utcnow()
    report = deliver(app)
    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    for row in rows(app):
        assert row.status is MailStatus.QUEUED and row.attempts == 1
        assert "Connection" in row.last_error
        # the first retry waits 30 to 60 s (MAIL_RETRY_BASE 60 s, jitter up to half)
        assert before + timedelta(seconds=29) <= row.next_attempt_at <= utcnow() + timedelta(seconds=61)
    assert deliver(app).claimed == 0  # not due yet

    monkeypatch.setitem(app.config, "MAIL_PORT", port)  # the server is back
    report = deliver(app, now=utcnow() + timedelta(minutes=2))
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    assert sorted(smtp_server.recipients()) == ["a@example.org", "b@example.org", "c@example.org"]
    assert all(row.status is MailStatus.SENT and row.attempts == 2 and row.sent_at for row in rows(app))
    assert deliver(app, now=utcnow() + timedelta(days=1)).claimed == 0
    assert len(smtp_server.messages) == 3


def test_a_busy_server_is_retried_then_the_message_fails_after_a_day(app, smtp_server):
    queue(app, "busy@example.org")
    smtp_server.refuse = "451 Try again later"
    assert deliver(app).retried == 1
    [row] = rows(app)
    assert row.status is MailStatus.QUEUED and "451" in row.last_error
    assert deliver(app, now=utcnow() + timedelta(hours=2)).retried == 1  # still within the day
    report = deliver(app, now=utcnow() + timedelta(hours=25))
    assert report.failed == 1
    [row] = rows(app)
    assert row.status is MailStatus.FAILED and row.attempts == 3 and smtp_server.messages == []


def test_a_permanent_refusal_fails_at_once(app, smtp_server):
    queue(app, "nobody@example.org")
    smtp_server.refuse = "550 No such user here"
    assert deliver(app).failed == 1
    [row] = rows(app)
    assert row.status is MailStatus.FAILED and row.attempts == 1 and "550" in row.last_error


def test_backoff_doubles_with_jitter_and_is_capped(app):
    with app.app_context():
        for attempts, seconds in [(1, 60), (2, 120), (3, 240), (8, 7200), (20, 7200)]:
            for _ in range(20):
                assert seconds / 2 <= backoff(attempts).total_seconds() <= seconds
        assert len({backoff(5) for _ in range(10)}) > 1  # jittered


def test_two_senders_never_claim_the_same_message(app):
    queue(app, *(f"m{i}@example.org" for i in range(5)))
    with app.app_context():
        first = [row.id for row in claim_batch("sender-1", utcnow(), 3)]
        db.session.commit()
        second = [row.id for row in claim_batch("sender-2", utcnow(), 10)]
        db.session.commit()
        third = claim_batch("sender-3", utcnow(), 10)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second) and third == []


def test_a_sender_killed_in_the_middle_of_a_batch_loses_nothing_and_doubles_nothing(app, smtp_server):
    recipients = [f"m{i}@example.org" for i in range(5)]
    queue(app, *recipients)
    smtp_server.hold = "m2@example.org"  # the server hangs on the third message...
    env = {**os.environ, "SEM_ENV": "production", "SECRET_KEY": "x" * 32,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "MAIL_BACKEND": "smtp",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]), "MAIL_TIMEOUT": "60"}
    sender = subprocess.Popen([sys.executable, "-m", "flask", "sem", "run-job", "send-mail"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(smtp_server.holding.is_set, seconds=60)
    finally:
        sender.send_signal(signal.SIGKILL)  # ...and the sender dies there
        sender.wait()
    statuses = [row.status for row in rows(app)]
    assert statuses == [MailStatus.SENT] * 2 + [MailStatus.SENDING] * 3
    assert smtp_server.recipients() == recipients[:2]

    report = deliver(app)  # another sender at once: the claim is still fresh, it leaves it be
    assert report.claimed == 0 and report.recovered == 0
    later = utcnow() + timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT"] + 1)
    report = deliver(app, now=later)  # after the claim timeout the rest goes, once
    assert (report.recovered, report.sent) == (3, 3)
    assert sorted(smtp_server.recipients()) == recipients
    assert [row.status for row in rows(app)] == [MailStatus.SENT] * 5


@pytest.fixture
def failed_mail(app, smtp_server):
    queue(app, "gone@example.org")
    smtp_server.refuse = "550 No such user here"
    deliver(app)
    smtp_server.refuse = None
    return rows(app)[0].id


def test_coordinators_see_failed_messages_and_send_them_again(app, client, make, smtp_server, failed_mail):
    coordinator = make.coordinator()
    login(client, app, coordinator)
    page = client.get("/coordination/mail").get_data(as_text=True)
    assert "gone@example.org" in page and "550 No such user here" in page
    response = post(client, f"/coordination/mail/{failed_mail}/retry")
    assert response.status_code == 302
    [row] = rows(app)
    assert row.status is MailStatus.QUEUED and row.give_up_at > utcnow() + timedelta(hours=23)
    assert deliver(app).sent == 1
    assert smtp_server.recipients() == ["gone@example.org"]
    # a message that is not failed cannot be retried
    post(client, f"/coordination/mail/{failed_mail}/retry")
    assert rows(app)[0].status is MailStatus.SENT and len(smtp_server.messages) == 1


def test_members_cannot_see_the_outbox(app, client, make, failed_mail):
    org = make.org()
    login(client, app, make.admin_of(org))
    assert client.get("/coordination/mail").status_code == 403
    assert post(client, f"/coordination/mail/{failed_mail}/retry").status_code == 403
    assert rows(app)[0].status is MailStatus.FAILED


def test_concurrent_senders_send_every_message_exactly_once(app, monkeypatch):
    import threading

    from sem.mail.delivery import deliver_outbox
    from sem.mail.services import sent_messages

    recipients = [f"c{i}@example.org" for i in range(120)]
    queue(app, *recipients)
    errors = []

    def sender():
        try:
            with app.app_context():
                while deliver_outbox(limit=10).claimed:
                    pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert sorted(m.to for m in sent_messages()) == sorted(recipients)
    assert {row.status for row in rows(app)} == {MailStatus.SENT}


def test_one_send_mail_run_sends_batch_after_batch(app, monkeypatch):
    from sem.mail.services import sent_messages
    from tests.mail.conftest import run_job

    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 4)
    queue(app, *(f"b{i}@example.org" for i in range(10)))
    assert "10 sent" in run_job(app, "send-mail")
    with app.app_context():
        assert len(sent_messages()) == 10
