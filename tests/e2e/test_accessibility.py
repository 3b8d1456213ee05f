"""Every page passes axe-core's accessibility rules (WCAG 2.1 A and AA: labels, contrast,
landmarks, names), in French and in Dutch, for each kind of visitor."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from sem.extensions import db
from sem.members.models import OrgStatus, Person, Role
from tests.conftest import PASSWORD

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
}"""


@pytest.fixture
def network(make, app):
    make.vocabularies()
    make.charter()
    org = make.org(name="Maison de quartier / Buurthuis", languages=("fr", "nl"))
    make.person(org, role=Role.MEMBER)
    pending = make.org(name="Collectif en attente", status=OrgStatus.PENDING)
    return {"org": org, "admin": make.admin_of(org), "pending": pending, "coordinator": make.coordinator()}


def _person_speaking(app, person_id, locale) -> str:
    """Set the person's language preference; return their email."""
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.locale = locale
        db.session.commit()
        return person.email


def _violations(browser: Browser, base_url: str, locale: str, paths: list[str], email: str | None = None):
    # axe is injected as an inline script, which the app's CSP rightly forbids: bypass it here only.
    context = browser.new_context(locale=f"{locale}-BE", bypass_csp=True)
    page = context.new_page()
    if email:
        page.goto(f"{base_url}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
    found = {}
    for path in paths:
        page.goto(base_url + path)
        assert page.locator("html").get_attribute("lang") == locale, path
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[path] = violations
    context.close()
    return found


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_public_and_member_pages_are_accessible(browser, live_server, app, network, locale):
    org = network["org"]
    public = ["/", "/apply", "/login", "/password/forgot", "/charter", f"/organisations/{org}", "/no-such-page",
              "/directory", "/ledger", f"/ledger/organisations/{org}"]
    assert _violations(browser, live_server, locale, public) == {}
    member_pages = [f"/organisations/{org}", f"/organisations/{org}/people", f"/organisations/{org}/edit", "/account",
                    "/home", "/needs/new", "/offers/new", "/exchanges", f"/ledger/organisations/{org}", "/account/mail"]
    admin = _person_speaking(app, network["admin"], locale)
    assert _violations(browser, live_server, locale, member_pages, admin) == {}


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_coordinator_pages_are_accessible(browser, live_server, app, network, locale):
    coordinator = _person_speaking(app, network["coordinator"], locale)
    pages = ["/coordination/applications", "/coordination/organisations",
             f"/coordination/organisations/{network['pending']}", f"/coordination/organisations/{network['org']}",
             "/coordination/charter", "/coordination/audit", "/coordination/vocabularies/sector",
             "/coordination/vocabularies/terms/1", "/coordination/competences/", "/coordination/balances",
             "/coordination/floors", "/coordination/disputes", "/coordination/ledger/import",
             "/coordination/jobs", "/coordination/matching/", "/coordination/matching/settings", "/coordination/mail",
             f"/coordination/digest/{network['admin']}"]
    _job_runs(app)
    assert _violations(browser, live_server, locale, pages, coordinator) == {}


def _job_runs(app):
    """A succeeded and a failed run (with its traceback), for the job runs page."""
    from sem.scheduler.models import JobRun, RunStatus, RunTrigger

    with app.app_context():
        db.session.add_all([
            JobRun(job="remind", period="2026-11-24", status=RunStatus.SUCCEEDED, trigger=RunTrigger.SCHEDULER,
                   summary="1 waiting application(s) reminded"),
            JobRun(job="expire", period="2026-11-24+manual@2026-11-24T08:00:00.000000Z", status=RunStatus.FAILED,
                   trigger=RunTrigger.MANUAL, error="RuntimeError: broken\n\nTraceback (most recent call last): …"),
        ])
        db.session.commit()


def test_the_accessibility_check_does_find_violations(browser, live_server):
    """The harness itself: an unlabeled field and an image without text are reported."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.evaluate("""() => {
        document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text"><img src="x.png">');
    }""")
    page.add_script_tag(path=str(AXE))
    ids = {v["id"] for v in page.evaluate(RUN_AXE)}
    context.close()
    assert {"label", "image-alt"} <= ids
