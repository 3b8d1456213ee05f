"""Command-line tools: demo network, coordinators, jobs."""

from datetime import timedelta

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.members.models import Organisation, OrgStatus, Person


def test_demo_network_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sem", "demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = (db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
                  db.session.scalar(sa.select(sa.func.count()).select_from(Person)))
        assert counts[0] >= 40
        statuses = set(db.session.scalars(sa.select(Organisation.status)))
        assert {OrgStatus.APPROVED, OrgStatus.PENDING} <= statuses
        assert db.session.scalar(sa.select(Person).where(Person.is_coordinator.is_(True))) is not None
    second = runner.invoke(args=["sem", "demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert (db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Person))) == counts


def test_demo_logins_in_the_readme_work(app, client):
    from pathlib import Path

    from sem.demo import DEMO_ADMINS, DEMO_PASSWORD
    from tests.conftest import post

    app.test_cli_runner().invoke(args=["sem", "demo"])
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for email in ["coordination@demo.sem.brussels", *DEMO_ADMINS.values()]:
        assert email in readme
        response = post(client, "/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        post(client, "/logout")
    assert DEMO_PASSWORD in readme


def test_create_coordinator(app):
    result = app.test_cli_runner().invoke(args=["sem", "create-coordinator", "Chef@Example.org", "Chef"],
                                          input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Person).where(Person.email == "chef@example.org")).is_coordinator


def test_remind_job_reminds_coordinators_once_per_period(app, make, outbox):
    coordinator = make.coordinator(locale="nl")
    old = make.org(name="Oude aanvraag", status=OrgStatus.PENDING)
    make.org(name="Fresh", status=OrgStatus.PENDING)
    with app.app_context():
        db.session.get(Organisation, old).created_at = utcnow() - timedelta(days=5)
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sem", "run-job", "remind"])
    assert result.exit_code == 0 and "1 waiting" in result.output
    assert len(outbox) == 1 and "Oude aanvraag" in outbox[0].text and "Fresh" not in outbox[0].text
    with app.app_context():
        assert outbox[0].to == db.session.get(Person, coordinator).email
    runner.invoke(args=["sem", "run-job", "remind"])
    assert len(outbox) == 1  # not again before the period is over


def test_unknown_job_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["sem", "run-job", "nope"])
    assert result.exit_code != 0 and "unknown job" in result.output
