"""The report pages pass axe-core's WCAG 2.1 A/AA rules in French and Dutch, charts included,
and the organisation report prints without the site's navigation."""

import pytest

from tests.e2e.test_accessibility import _person_speaking, _violations
from tests.reports.conftest import build_world


@pytest.fixture
def reports_world(app, make, posts):
    make.charter()
    return build_world(app, make, posts)


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_report_pages_are_accessible(browser, live_server, app, reports_world, locale):
    coordinator = _person_speaking(app, reports_world.coordinator, locale)
    period = "?from=2026-03&to=2026-05"
    pages = [f"/coordination/impact{period}", f"/coordination/impact{period}&sector={reports_world.culture}",
             f"/coordination/network{period}", f"/reports/organisations/{reports_world.a}{period}"]
    assert _violations(browser, live_server, locale, pages, coordinator) == {}
    assert _violations(browser, live_server, locale, ["/"]) == {}


def test_organisation_report_prints_clean(browser, live_server, app, make, reports_world):
    from tests.conftest import PASSWORD

    context = browser.new_context(locale="fr-BE")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", _person_speaking(app, make.admin_of(reports_world.a), "fr"))
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/reports/organisations/{reports_world.a}?from=2026-03&to=2026-05")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("form.report-filters").is_visible()
    assert page.locator(".print-only").first.is_visible()
    assert page.locator("h1").is_visible() and page.locator("svg.bar-chart").first.is_visible()
    assert len(page.pdf()) > 1000  # Chromium prints it
    context.close()
