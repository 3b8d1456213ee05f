"""A whole exchange in a real browser: a French-speaking organisation offers its help ("I can
help") on the need of a Dutch-speaking one, which accepts; the provider declares 2,5 hours,
the recipient confirms them; the balances move by exactly 150 minutes."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from sem.exchanges.models import DeclarationStatus, Exchange, HourDeclaration, Proposal, ProposalStatus
from sem.extensions import db
from sem.ledger.models import LedgerTransaction
from sem.ledger.services import balance_of
from sem.members.models import Organisation, Person, Stage
from tests.e2e.test_membership_flow import expect_lang, log_in, log_out, use_language


def _email(app, person_id: int, locale: str) -> str:
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.locale = locale
        db.session.commit()
        return person.email


def test_propose_accept_declare_confirm(page: Page, live_server, app, make, posts):
    helper = make.org(name="Atelier Numérique Saint-Gilles", languages=("fr", "nl"))
    garden = make.org(name="Moestuin Ganshoren", stage=Stage.ESTABLISHED, languages=("nl",))
    offer = posts.offer(helper, "it-network", title="Dépannage réseau et wifi", languages=("fr", "nl"))
    need = posts.need(garden, "it-network", title="Onze wifi valt steeds uit", languages=("nl",), hours=4)
    helper_email = _email(app, make.admin_of(helper), "fr")
    garden_email = _email(app, make.admin_of(garden), "nl")

    # The helper finds the need and offers its help, choosing which of its offers answers it.
    use_language(page, "fr")
    log_in(page, live_server, helper_email)
    page.goto(f"{live_server}/needs/{need}")
    expect_lang(page, "fr")
    form = page.locator(f"form[action$='/needs/{need}/help']")
    form.locator("select[name=offer_id]").select_option(str(offer))
    form.locator("textarea[name=message]").fill("Nous pouvons passer jeudi matin.")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    expect(page.locator(".flash-success")).to_be_visible()
    log_out(page)

    # The garden, in Dutch, finds the proposal under "Exchanges" and accepts it.
    use_language(page, "nl")
    log_in(page, live_server, garden_email)
    expect_lang(page, "nl")
    page.locator("header a[href$='/exchanges']").click()
    page.locator("#waiting-us ~ .table-wrap a[href^='/proposals/']").first.click()
    expect(page.locator("main")).to_contain_text("Nous pouvons passer jeudi matin.")
    page.locator("main form[action$='/accept'] button[type=submit]").click()
    with app.app_context():
        exchange_id = db.session.scalar(sa.select(Exchange.id))
        assert db.session.scalar(sa.select(Proposal.status)) is ProposalStatus.ACCEPTED
    expect(page).to_have_url(f"{live_server}/exchanges/{exchange_id}")
    log_out(page)

    # The helper declares 2,5 hours (decimal comma) on the exchange's page.
    use_language(page, "fr")
    log_in(page, live_server, helper_email)
    page.goto(f"{live_server}/exchanges")
    page.locator(f"main a[href='/exchanges/{exchange_id}']").click()
    declare = page.locator(f"form[action$='/exchanges/{exchange_id}/declarations']")
    declare.locator("#hours").fill("2,5")
    declare.locator("#note").fill("Nouveau routeur installé et configuré.")
    declare.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Nouveau routeur installé et configuré.")
    log_out(page)

    # The garden confirms the hours.
    use_language(page, "nl")
    log_in(page, live_server, garden_email)
    page.goto(f"{live_server}/exchanges/{exchange_id}")
    page.locator("main form[action$='/confirm'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#confirmed-hours")).to_have_text("2,5\u00a0u")

    with app.app_context():
        declaration = db.session.scalar(sa.select(HourDeclaration))
        assert declaration.minutes == 150 and declaration.status is DeclarationStatus.CONFIRMED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 1
        assert balance_of(db.session.get(Organisation, helper)) == 150
        assert balance_of(db.session.get(Organisation, garden)) == -150
    result = app.test_cli_runner().invoke(args=["sem", "ledger", "verify"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_exchange_pages_are_accessible(browser, live_server, app, make, posts, locale):
    """axe-core (WCAG 2.1 A/AA) on the proposal, exchange, list and dispute pages, with their forms."""
    from datetime import date

    from sem.exchanges import services as exchanges
    from sem.market.models import Need, Offer
    from tests.e2e.test_accessibility import _violations

    helper, garden = make.org(name="Atelier"), make.org(name="Moestuin")
    offer, need = posts.offer(helper, "it-network"), posts.need(garden, "it-network")
    other_need = posts.need(garden, "it-network", title="Tweede behoefte")
    third_need = posts.need(make.org(name="Derde"), "it-network", title="Derde behoefte")  # "I can help" shows
    helper_admin, garden_admin = make.admin_of(helper), make.admin_of(garden)
    coordinator = make.coordinator()
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        def person(pid):
            return db.session.get(Person, pid)

        proposal = exchanges.create_proposal(db.session.get(Need, need), db.session.get(Offer, offer),
                                             actor=person(helper_admin), message="Bonjour")
        exchange = exchanges.accept_proposal(proposal, actor=person(garden_admin))
        for minutes in (60, 90):
            exchanges.declare_hours(exchange, worked_on=date.today(), minutes=minutes, note="Werk",
                                    actor=person(helper_admin))
        dispute = exchanges.contest_declaration(exchange.declarations[0], actor=person(garden_admin),
                                                statement="Te veel")
        pending = exchanges.create_proposal(db.session.get(Need, other_need), db.session.get(Offer, offer),
                                            actor=person(helper_admin))
        db.session.commit()
        ids = {"proposal": pending.id, "exchange": exchange.id, "dispute": dispute.id}
    member_pages = ["/exchanges", f"/proposals/{ids['proposal']}", f"/exchanges/{ids['exchange']}",
                    f"/needs/{other_need}", f"/needs/{third_need}", f"/offers/{offer}"]
    for person_id in (garden_admin, helper_admin):
        email = _email(app, person_id, locale)
        assert _violations(browser, live_server, locale, member_pages, email) == {}
    coordinator_pages = ["/coordination/disputes", f"/coordination/disputes/{ids['dispute']}"]
    email = _email(app, coordinator, locale)
    assert _violations(browser, live_server, locale, coordinator_pages, email) == {}
