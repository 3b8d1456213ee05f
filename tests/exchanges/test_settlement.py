"""Confirming hours pays them exactly once; the floor refuses before anything is recorded;
disputes are resolved by coordinators with a trace; silence confirms after a delay."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from sem.core.db import utcnow
from sem.exchanges import services as exchanges
from sem.exchanges.models import DeclarationStatus, Dispute, DisputeResolution, HourDeclaration
from sem.extensions import db
from sem.ledger.models import LedgerTransaction
from sem.members.models import AuditEvent, Person
from tests.conftest import login, post, tr_html
from tests.exchanges.conftest import verify_ledger


def _client(app, person_id):
    client = app.test_client()
    login(client, app, person_id)
    return client


def _age(app, declaration: int, days: float) -> None:
    with app.app_context():
        db.session.get(HourDeclaration, declaration).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_only_the_recipient_confirms_or_contests(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange)
    provider_member = flow.make.person(pair.provider)
    for person in (pair.provider_admin, provider_member, flow.make.admin_of(flow.make.org()),
                   flow.make.coordinator()):
        client = _client(app, person)
        assert post(client, f"/declarations/{declaration}/confirm").status_code == 403
        assert post(client, f"/declarations/{declaration}/contest", {"statement": "Non"}).status_code == 403
    recipient = _client(app, pair.recipient_admin)
    assert post(recipient, f"/exchanges/{exchange}/declarations",
                {"worked_on": "2024-01-01", "hours": "1"}).status_code == 403  # only the provider declares
    assert flow.transactions() == 0 and flow.balances(pair) == (0, 0)
    assert flow.get(HourDeclaration, declaration).status is DeclarationStatus.DECLARED


def test_second_confirmation_and_double_post_pay_exactly_once(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=150)
    recipient, colleague = _client(app, pair.recipient_admin), _client(app, flow.make.person(pair.recipient))
    # A double click, and a colleague confirming the same hours from another browser.
    responses = [post(recipient, f"/declarations/{declaration}/confirm"),
                 post(recipient, f"/declarations/{declaration}/confirm"),
                 post(colleague, f"/declarations/{declaration}/confirm")]
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert flow.transactions() == 1
    assert flow.balances(pair) == (150, -150)
    # Called again directly, the service answers with the same transaction.
    first = flow.get(HourDeclaration, declaration).transaction_id
    with app.test_request_context():
        again = exchanges.confirm_declaration(db.session.get(HourDeclaration, declaration),
                                              actor=db.session.get(Person, pair.recipient_admin))
        assert again.id == first
        db.session.commit()
    assert flow.transactions() == 1 and flow.balances(pair) == (150, -150)
    verify_ledger(app)


def test_hours_beyond_the_recipients_floor_are_refused_and_nothing_is_recorded(app, flow, outbox):
    pair = flow.pair()  # established: floor -5 h
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=6 * 60)
    outbox.clear()
    response = post(_client(app, pair.recipient_admin), f"/declarations/{declaration}/confirm")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "plancher" in page  # the ledger's message, in the person's French
    assert flow.get(HourDeclaration, declaration).status is DeclarationStatus.DECLARED
    assert flow.transactions() == 0 and flow.balances(pair) == (0, 0)
    assert outbox == []
    # Within the floor, it goes through.
    smaller = flow.declaration(pair, exchange, minutes=5 * 60)
    assert post(_client(app, pair.recipient_admin), f"/declarations/{smaller}/confirm").status_code == 302
    assert flow.balances(pair) == (300, -300)
    verify_ledger(app)


@pytest.mark.parametrize(("decision", "hours", "paid"), [
    ("confirmed", "", 150),
    ("adjusted", "1,25", 75),
    ("cancelled", "", 0),
])
def test_a_coordinator_resolves_a_dispute(app, flow, outbox, decision, hours, paid):
    pair = flow.pair(provider_locale="nl")
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=150)
    coordinator_id = flow.make.coordinator()
    outbox.clear()
    recipient = _client(app, pair.recipient_admin)
    # Contesting needs a statement.
    assert post(recipient, f"/declarations/{declaration}/contest", {"statement": " "}).status_code == 400
    assert post(recipient, f"/declarations/{declaration}/contest",
                {"statement": "Une heure et quart seulement."}).status_code == 302
    assert flow.get(HourDeclaration, declaration).status is DeclarationStatus.CONTESTED
    with app.app_context():
        dispute = db.session.scalar(sa.select(Dispute))
        dispute_id = dispute.id
        mailed = {mail.to for mail in outbox}
        assert db.session.get(Person, pair.provider_admin).email in mailed
        assert db.session.get(Person, coordinator_id).email in mailed
    # Contested hours can no longer be confirmed by the recipient.
    assert post(recipient, f"/declarations/{declaration}/confirm").status_code == 409
    # The provider gives its side.
    provider = _client(app, pair.provider_admin)
    assert post(provider, f"/disputes/{dispute_id}/statement", {"statement": "Twee uur en half."}).status_code == 302
    assert post(recipient, f"/disputes/{dispute_id}/statement", {"statement": "Moi aussi"}).status_code == 403

    coordinator = _client(app, coordinator_id)
    queue = coordinator.get("/coordination/disputes").get_data(as_text=True)
    assert f"/coordination/disputes/{dispute_id}" in queue
    page = coordinator.get(f"/coordination/disputes/{dispute_id}").get_data(as_text=True)
    assert "Une heure et quart seulement." in page and "Twee uur en half." in page
    # A reason is required; adjusting needs the hours.
    assert post(coordinator, f"/coordination/disputes/{dispute_id}/resolve",
                {"resolution": decision, "hours": hours, "reason": ""}).status_code == 400
    if decision == "adjusted":
        assert post(coordinator, f"/coordination/disputes/{dispute_id}/resolve",
                    {"resolution": decision, "hours": "", "reason": "Vu les deux parties."}).status_code == 400
    assert flow.transactions() == 0
    outbox.clear()
    response = post(coordinator, f"/coordination/disputes/{dispute_id}/resolve",
                    {"resolution": decision, "hours": hours, "reason": "Vu les deux parties."})
    assert response.status_code == 302
    assert flow.balances(pair) == (paid, -paid)
    assert flow.transactions() == (1 if paid else 0)
    resolved = flow.get(Dispute, dispute_id)
    assert resolved.resolution is DisputeResolution(decision) and resolved.resolution_reason == "Vu les deux parties."
    settled = flow.get(HourDeclaration, declaration)
    assert settled.status is (DeclarationStatus.CONFIRMED if paid else DeclarationStatus.CANCELLED)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "dispute.resolved"))
        assert event.actor_id == coordinator_id and event.reason == "Vu les deux parties."
        assert event.details["resolution"] == decision and event.details["resolved_minutes"] == (paid or None)
        if paid:
            tx = db.session.get(LedgerTransaction, settled.transaction_id)
            assert tx.idempotency_key == f"declaration:{declaration}" and tx.author_id == coordinator_id
            assert tx.minutes == paid and "Vu les deux parties." in tx.memo
    # Both sides are told, each in its language (the provider reads Dutch: "u" for hours).
    with app.app_context():
        emails = {db.session.get(Person, p).email: p for p in (pair.provider_admin, pair.recipient_admin)}
    assert sorted(emails[m.to] for m in outbox) == sorted(emails.values())
    for mail in outbox:
        unit = "u" if emails[mail.to] == pair.provider_admin else "h"
        assert f"\u00a0{unit}" in mail.text and "Vu les deux parties." in mail.text
    # Resolved once: a second decision is refused and pays nothing more.
    assert post(coordinator, f"/coordination/disputes/{dispute_id}/resolve",
                {"resolution": "confirmed", "reason": "Encore"}).status_code == 409
    assert flow.balances(pair) == (paid, -paid)
    assert tr_html(app, "Dispute resolved") in coordinator.get("/coordination/audit").get_data(as_text=True)
    verify_ledger(app)


def test_only_coordinators_see_and_resolve_disputes(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    dispute = flow.contest(pair, flow.declaration(pair, exchange))
    for person in (pair.provider_admin, pair.recipient_admin):
        client = _client(app, person)
        assert client.get("/coordination/disputes").status_code == 403
        assert client.get(f"/coordination/disputes/{dispute}").status_code == 403
        assert post(client, f"/coordination/disputes/{dispute}/resolve",
                    {"resolution": "confirmed", "reason": "Moi"}).status_code == 403
    assert flow.transactions() == 0


def test_silence_is_reminded_then_confirms_automatically(app, flow, outbox):
    pair = flow.pair(recipient_locale="nl")
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=150)
    fresh = flow.declaration(pair, exchange, minutes=60)
    outbox.clear()
    runner = app.test_cli_runner()

    _age(app, declaration, app.config["CONFIRMATION_REMINDER_DAYS"] + 0.01)
    output = runner.invoke(args=["sem", "run-job", "remind"]).output
    assert "1 declaration(s) reminded" in output and "0 confirmed automatically" in output
    with app.app_context():
        recipient_email = db.session.get(Person, pair.recipient_admin).email
    assert [mail.to for mail in outbox] == [recipient_email]
    reminder = outbox[0]
    # In the recipient's language: Dutch hours ("u") and a Dutch date for the automatic confirmation.
    due = (utcnow() + timedelta(days=app.config["AUTO_CONFIRM_DAYS"] - app.config["CONFIRMATION_REMINDER_DAYS"]))
    assert "2,5\u00a0u" in reminder.text
    assert format_date(due.date(), "long", locale="nl") in reminder.text
    assert f"/exchanges/{exchange}" in reminder.text
    runner.invoke(args=["sem", "run-job", "remind"])
    assert len(outbox) == 1  # once

    _age(app, declaration, app.config["AUTO_CONFIRM_DAYS"] + 0.01)
    output = runner.invoke(args=["sem", "run-job", "remind"]).output
    assert "1 confirmed automatically" in output
    confirmed = flow.get(HourDeclaration, declaration)
    assert confirmed.status is DeclarationStatus.CONFIRMED and confirmed.auto_confirmed
    assert confirmed.decided_by_id is None
    with app.app_context():
        tx = db.session.get(LedgerTransaction, confirmed.transaction_id)
        assert tx.author_id is None and tx.idempotency_key == f"declaration:{declaration}"
    assert flow.balances(pair) == (150, -150)
    assert flow.get(HourDeclaration, fresh).status is DeclarationStatus.DECLARED
    assert "automatiquement" in outbox[-1].text  # the provider is told, in French
    runner.invoke(args=["sem", "run-job", "remind"])
    assert flow.transactions() == 1
    verify_ledger(app)


def test_automatic_confirmation_stops_at_the_floor(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    too_much = flow.declaration(pair, exchange, minutes=6 * 60)
    fits = flow.declaration(pair, exchange, minutes=60)
    for declaration in (too_much, fits):
        _age(app, declaration, app.config["AUTO_CONFIRM_DAYS"] + 1)
    output = app.test_cli_runner().invoke(args=["sem", "run-job", "remind"]).output
    assert "1 confirmed automatically (1 held at the credit floor)" in output
    assert flow.get(HourDeclaration, too_much).status is DeclarationStatus.DECLARED
    assert flow.get(HourDeclaration, fits).status is DeclarationStatus.CONFIRMED
    assert flow.balances(pair) == (60, -60)
    verify_ledger(app)


def test_closing_stops_new_hours_but_declared_ones_can_still_be_confirmed(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=90)
    provider, recipient = _client(app, pair.provider_admin), _client(app, pair.recipient_admin)
    outsider = _client(app, flow.make.admin_of(flow.make.org()))
    assert post(outsider, f"/exchanges/{exchange}/close").status_code == 403
    assert outsider.get(f"/exchanges/{exchange}").status_code == 403
    assert post(provider, f"/exchanges/{exchange}/close").status_code == 302
    assert post(provider, f"/exchanges/{exchange}/close").status_code == 409
    assert post(recipient, f"/declarations/{declaration}/confirm").status_code == 302
    assert flow.balances(pair) == (90, -90)


def test_feedback_is_one_note_per_side(app, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    provider = _client(app, pair.provider_admin)
    assert post(provider, f"/exchanges/{exchange}/feedback", {"text": ""}).status_code == 400
    assert post(provider, f"/exchanges/{exchange}/feedback", {"text": "Merci !"}).status_code == 302
    colleague = _client(app, flow.make.person(pair.provider))
    assert post(colleague, f"/exchanges/{exchange}/feedback", {"text": "Un grand merci !"}).status_code == 302
    outsider = _client(app, flow.make.admin_of(flow.make.org()))
    assert post(outsider, f"/exchanges/{exchange}/feedback", {"text": "Spam"}).status_code == 403
    page = _client(app, pair.recipient_admin).get(f"/exchanges/{exchange}").get_data(as_text=True)
    assert "Un grand merci !" in page and "Merci !" not in page.replace("Un grand merci !", "")


def test_concurrent_confirmations_pay_exactly_once(app, flow):
    """Eight requests confirm the same hours at the same moment (several colleagues, several
    workers): each gets a clear answer, the same transaction, and the ledger pays once."""
    import threading

    pair = flow.pair()
    exchange = flow.exchange(pair)
    declaration = flow.declaration(pair, exchange, minutes=150)
    start, results = threading.Barrier(8), []

    def confirm():
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            start.wait()
            try:
                tx = exchanges.confirm_declaration(db.session.get(HourDeclaration, declaration),
                                                   actor=db.session.get(Person, pair.recipient_admin))
                db.session.commit()
                results.append(tx.id)
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                results.append(repr(error))

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8 and len(set(results)) == 1, results
    assert results[0] == flow.get(HourDeclaration, declaration).transaction_id
    assert flow.transactions() == 1 and flow.balances(pair) == (150, -150)
    verify_ledger(app)
