"""Posting and finding help in a real browser: an emerging organisation posts a need in
Dutch; a French-speaking visitor finds, in French, an organisation that offers that
competence and opens its profile; the API returns the same posts."""

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from sem.extensions import db
from sem.market.models import Mode, Need
from sem.members.models import Person, Stage
from tests.e2e.test_membership_flow import expect_lang, log_in, use_language


def test_post_a_need_in_dutch_and_find_help_in_french(page: Page, live_server, app, make, posts):
    emerging = make.org(name="Moestuin Ganshoren", stage=Stage.EMERGING, languages=("nl",))
    helper = make.org(name="Atelier Graphique La Fabrique", languages=("fr", "nl"))
    posts.offer(helper, "it-website", title="Création de sites web pour associations",
                description="Nous construisons des sites simples et accessibles.", languages=("fr", "nl"),
                mode=Mode.BOTH)
    with app.app_context():
        admin = db.session.get(Person, make.admin_of(emerging))
        admin.locale = "nl"
        db.session.commit()
        email = admin.email

    # The emerging organisation posts a need in Dutch, in one short form.
    use_language(page, "nl")
    log_in(page, live_server, email)
    expect_lang(page, "nl")
    page.locator("main a[href$='/needs/new']").click()
    page.locator("select#competence_id").select_option(str(posts.competence("it-website")))
    page.locator("#title").fill("Een eenvoudige website voor onze moestuin")
    page.locator("#description").fill("We willen onze plukdagen en vrijwilligers tonen.")
    page.locator("#estimated_hours").fill("12,5")
    page.locator("input[name=urgency][value=urgent]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Een eenvoudige website voor onze moestuin")
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.estimated_minutes == 750 and need.languages == ["nl"]

    # Its space proposes the offer that answers the need.
    page.locator("header a[href$='/home']").click()
    expect(page.locator("main")).to_contain_text("Création de sites web pour associations")

    # A French-speaking visitor searches the directory in French, whatever the case.
    page.context.clear_cookies()
    use_language(page, "fr")
    page.goto(f"{live_server}/directory")
    expect_lang(page, "fr")
    page.locator("#q").fill("SITE WEB")
    page.locator("main form button[type=submit]").first.click()
    results = page.locator("main .results")
    expect(results).to_contain_text("Création de sites web pour associations")
    # The Dutch need is found in French through its competence's French label ("site web").
    page.locator("main a[href*='kind=need']").click()
    expect(page.locator("main .results")).to_contain_text("Een eenvoudige website voor onze moestuin")
    page.locator("main a[href*='kind=offer']").click()
    page.locator("main .results a[href^='/organisations/']").first.click()
    expect(page.locator("h1")).to_have_text("Atelier Graphique La Fabrique")
    expect(page.locator("main")).to_contain_text("Création de sites web pour associations")

    # The open data API lists the same posts.
    api = page.request.get(f"{live_server}/api/v1/offers?q=site+web").json()
    assert [item["title"] for item in api["items"]] == ["Création de sites web pour associations"]
    needs = page.request.get(f"{live_server}/api/v1/needs?language=nl").json()
    assert [item["title"] for item in needs["items"]] == ["Een eenvoudige website voor onze moestuin"]
