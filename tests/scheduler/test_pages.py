"""The coordinators' job runs page."""

from datetime import timedelta

import pytest

from sem.core.db import utcnow
from sem.extensions import db
from sem.scheduler.leader import Lease
from sem.scheduler.models import JobRun, RunStatus, RunTrigger
from tests.conftest import login, tr, tr_html


@pytest.fixture
def runs(app):
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            JobRun(job="remind", period="2026-11-23", status=RunStatus.SUCCEEDED, trigger=RunTrigger.SCHEDULER,
                   started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2) + timedelta(seconds=3),
                   summary="3 waiting application(s) reminded", host="web1", pid=41),
            JobRun(job="remind", period="2026-11-24", status=RunStatus.FAILED, trigger=RunTrigger.SCHEDULER,
                   started_at=now - timedelta(days=1), finished_at=now - timedelta(days=1),
                   error="RuntimeError: SMTP went away\n\nTraceback (most recent call last): …", host="web1", pid=42),
            JobRun(job="expire", period="2026-11-25+manual@2026-11-25T08:00:00.000000Z", status=RunStatus.RUNNING,
                   trigger=RunTrigger.MANUAL, started_at=now, host="web2", pid=43),
        ])
        db.session.commit()


def _page(client, url="/coordination/jobs"):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_coordinators_see_the_timetable_and_recent_runs_in_their_language(app, client, make, runs, locale):
    coordinator = make.coordinator(locale=locale)
    login(client, app, coordinator)
    html = _page(client)
    assert f'lang="{locale}"' in html
    for msgid in ("Scheduled jobs", "Recent runs", "Reminders", "Expiry of offers and needs", "Succeeded", "Failed",
                  "Running", "By hand"):
        assert tr_html(app, msgid, locale) in html, msgid
    assert "<code>0 9 * * *</code>" in html and "<code>30 2 * * *</code>" in html  # the default timetable
    # Translated text without placeholders is output as it is (autoescaping applies to values).
    assert tr(app, "No scheduler process is running: scheduled jobs will not run until one is started "
                        "(flask sem scheduler).", locale) in html
    assert "3 waiting application(s) reminded" in html
    assert "<summary>RuntimeError: SMTP went away</summary>" in html
    assert "2026-11-25+manual@2026-11-25T08:00:00.000000Z" in html
    assert 'href="/coordination/jobs" aria-current="page"' in html  # in the coordination menu


def test_runs_filter_by_job_and_status(app, client, make, runs):
    login(client, app, make.coordinator())
    section = _page(client, "/coordination/jobs?job=remind").split('id="runs"')[1]
    assert "2026-11-23" in section and "2026-11-24" in section and "+manual@" not in section
    section = _page(client, "/coordination/jobs?job=remind&status=failed").split('id="runs"')[1]
    assert "2026-11-24" in section and "2026-11-23" not in section
    section = _page(client, "/coordination/jobs?status=running").split('id="runs"')[1]
    assert "+manual@" in section and "2026-11-2" not in section.replace("2026-11-25+manual@2026-11-25", "")
    # Unknown values are ignored: everything is listed.
    section = _page(client, "/coordination/jobs?job=nope&status=weird").split('id="runs"')[1]
    assert all(period in section for period in ("2026-11-23", "2026-11-24", "+manual@"))


def test_the_page_says_when_a_scheduler_is_running(app, client, make):
    login(client, app, make.coordinator())
    with app.app_context():
        lease = Lease(db.engine, 30, holder="scheduler-host:1234:abcd")
        if db.engine.dialect.name == "postgresql":
            pytest.skip("on PostgreSQL the page reads the advisory lock (tests/scheduler/test_leader.py)")
        assert lease.heartbeat()
    html = _page(client)
    assert "scheduler-host:1234" in html and "abcd" not in html
    assert 'class="flash flash-success"' in html and 'class="flash flash-warning"' not in html
