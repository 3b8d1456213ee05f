"""The whole life of an exchange, through the pages: propose, accept, declare, confirm,
thank, close; the ledger moves by exactly the hours confirmed and stays verifiable."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from sem.exchanges.models import (
    DeclarationStatus,
    Exchange,
    ExchangeStatus,
    Feedback,
    HourDeclaration,
    Proposal,
    ProposalOrigin,
    ProposalStatus,
)
from sem.extensions import db
from sem.ledger.models import LedgerTransaction
from sem.members.models import Person
from tests.conftest import link_path, login, post
from tests.exchanges.conftest import verify_ledger


def test_two_members_complete_an_exchange_through_the_pages(app, client, flow, outbox):
    pair = flow.pair(recipient_locale="nl")
    colleague = flow.make.person(pair.recipient, locale="nl")  # members are told too, not only admins

    # The provider sees "I can help" on the need, with its open offer to choose.
    login(client, app, pair.provider_admin)
    page = client.get(f"/needs/{pair.need}").get_data(as_text=True)
    assert f'action="/needs/{pair.need}/help"' in page
    assert re.search(rf'<option selected value="{pair.offer}">', page)
    response = post(client, f"/needs/{pair.need}/help", {"offer_id": pair.offer, "message": "Nous passons jeudi."})
    assert response.status_code == 302
    proposal_path = response.headers["Location"]
    with app.app_context():
        proposal = db.session.scalar(sa.select(Proposal))
        assert proposal.origin is ProposalOrigin.PROVIDER and proposal.provider_accepted_at is not None
        assert proposal.recipient_accepted_at is None and proposal.status is ProposalStatus.PENDING
        recipients = {db.session.get(Person, pid).email for pid in (pair.recipient_admin, colleague)}
    assert {mail.to for mail in outbox} == recipients
    assert "Réparer notre wifi" in outbox[0].subject and "Nous passons jeudi." in outbox[0].text

    # The recipient follows the link in its mail and accepts: the exchange starts.
    recipient = app.test_client()
    login(recipient, app, pair.recipient_admin)
    assert link_path(outbox[0], "/proposals/") == proposal_path
    assert "Nous passons jeudi." in recipient.get(proposal_path).get_data(as_text=True)
    outbox.clear()
    response = post(recipient, f"{proposal_path}/accept")
    assert response.status_code == 302
    with app.app_context():
        exchange = db.session.scalar(sa.select(Exchange))
        assert (exchange.provider_id, exchange.recipient_id) == (pair.provider, pair.recipient)
        assert exchange.estimate_minutes == 240 and exchange.need_id == pair.need
        assert exchange.competence_id == flow.posts.competence("it-network")
        exchange_id = exchange.id
    assert response.headers["Location"] == f"/exchanges/{exchange_id}"
    # Both sides are told, except the person who just accepted.
    assert len(outbox) == 2 and all(f"/exchanges/{exchange_id}" in mail.text for mail in outbox)

    # The provider declares 2,5 hours (the decimal comma of French and Dutch).
    response = post(client, f"/exchanges/{exchange_id}/declarations",
                    {"worked_on": date.today().isoformat(), "hours": "2,5", "note": "Routeur installé"})
    assert response.status_code == 302
    declaration = flow.get(HourDeclaration, _only_declaration(app))
    assert declaration.minutes == 150 and declaration.status is DeclarationStatus.DECLARED
    mail = outbox[-1]
    assert "2,5\u00a0u" in mail.text  # in the recipient's language (nl: "u" for uur)

    # The recipient sees it on "My exchanges" and confirms it on the exchange's page.
    assert "Réparer notre wifi" in recipient.get("/exchanges").get_data(as_text=True)
    page = recipient.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert f'action="/declarations/{declaration.id}/confirm"' in page
    assert f'action="/exchanges/{exchange_id}/declarations"' not in page  # only the provider declares
    response = post(recipient, f"/declarations/{declaration.id}/confirm")
    assert response.status_code == 302
    assert flow.balances(pair) == (150, -150)
    confirmed = flow.get(HourDeclaration, declaration.id)
    assert confirmed.status is DeclarationStatus.CONFIRMED and confirmed.transaction_id is not None
    assert not confirmed.auto_confirmed
    with app.app_context():
        tx = db.session.get(LedgerTransaction, confirmed.transaction_id)
        assert tx.idempotency_key == f"declaration:{declaration.id}" and tx.minutes == 150
        assert tx.author_id == pair.recipient_admin
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert re.search(r'id="confirmed-hours">2,5\xa0h<', page)

    # Both thank each other; one note per side, rewriting replaces it.
    post(client, f"/exchanges/{exchange_id}/feedback", {"text": "Merci pour l'accueil !"})
    post(recipient, f"/exchanges/{exchange_id}/feedback", {"text": "Bedankt!"})
    post(recipient, f"/exchanges/{exchange_id}/feedback", {"text": "Heel erg bedankt!"})
    with app.app_context():
        notes = {f.organisation_id: f.text for f in db.session.scalars(sa.select(Feedback))}
    assert notes == {pair.provider: "Merci pour l'accueil !", pair.recipient: "Heel erg bedankt!"}
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "Heel erg bedankt!" in page and "Bedankt!</" not in page

    # Either side closes the exchange; no more hours can then be declared.
    assert post(recipient, f"/exchanges/{exchange_id}/close").status_code == 302
    assert flow.get(Exchange, exchange_id).status is ExchangeStatus.CLOSED
    response = post(client, f"/exchanges/{exchange_id}/declarations",
                    {"worked_on": date.today().isoformat(), "hours": "1"})
    assert response.status_code == 409
    assert 'id="past-exchanges"' in client.get("/exchanges").get_data(as_text=True)
    verify_ledger(app)


def _only_declaration(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(HourDeclaration.id))


def test_declared_hours_are_checked(app, client, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    login(client, app, pair.provider_admin)
    today = date.today()
    for bad in ({"hours": "0"}, {"hours": "-1"}, {"hours": "1,1"}, {"hours": "200,25"}, {"hours": "deux"},
                {"hours": ""}, {"worked_on": ""}, {"worked_on": (today + timedelta(days=2)).isoformat()},
                {"note": "x" * 2001}):
        data = {"worked_on": today.isoformat(), "hours": "2", "note": "", **bad}
        response = post(client, f"/exchanges/{exchange}/declarations", data)
        assert response.status_code == 400, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True), bad
    assert post(client, f"/exchanges/{exchange}/declarations",
                {"worked_on": today.isoformat(), "hours": "200"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HourDeclaration)) == 1
