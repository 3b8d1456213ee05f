"""No page's query count grows with the rows it shows (no N+1): the main pages, filled with a
generated network, answer in at most ten SQL statements, whoever asks."""

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from sem.demo import DEMO_PASSWORD
from sem.demo_scale import Scale, load_scale
from sem.extensions import db
from sem.members.models import Organisation, Person
from tests.conftest import csrf_token

MAX_QUERIES = 10
MEMBER = "admin.alterego@demo.sem.brussels"


@contextmanager
def counting_queries(app):
    """Collects every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def network(app):
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        load_scale(Scale(organisations=60, open_posts=240, entries=3_000, years=2))
        db.session.commit()
        own = db.session.scalar(sa.select(Person.organisation_id).where(Person.email == MEMBER))
        # The generated organisation with the most open posts, so its page lists many.
        busy = db.session.scalar(sa.text(
            "SELECT organisation_id FROM offer WHERE status = 'open' GROUP BY organisation_id "
            "ORDER BY count(*) DESC LIMIT 1"))
        return {"own": own, "busy": busy}


def _log_in(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": MEMBER,
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302


PAGES = [
    # name, path (formatted with the network's ids), a pattern counted in the page, its minimum
    ("home", "/", None, 0),
    ("directory", "/directory?kind=offer", r'href="/offers/\d+"', 20),
    ("directory search", "/directory?q=aide&kind=need", r'href="/needs/\d+"', 5),
    ("directory organisations", "/directory?kind=organisation", r'href="/organisations/\d+"', 20),
    ("organisation page", "/organisations/{busy}", r'href="/offers/\d+"', 3),
    ("balance page", "/ledger/organisations/{own}", r"<tr", 20),
    ("open ledger", "/ledger", r"<tr", 40),
    ("API organisations", "/api/v1/organisations", r'"id":', 20),
    ("API offers", "/api/v1/offers", r'"id":', 20),
    ("API needs", "/api/v1/needs", r'"id":', 20),
]


def test_main_pages_need_at_most_ten_queries(app, client, network):
    """Every page, for a visitor and for a member, with enough rows to show an N+1."""
    failures, measured = [], []
    for who in ("anonymous", "member"):
        if who == "member":
            _log_in(client)
        for name, path, pattern, minimum in PAGES:
            url = path.format(**network)
            client.get(url)  # warm: a process's first request loads caches (translations)
            with counting_queries(app) as statements:
                response = client.get(url)
            if response.status_code in (302, 403) and who == "anonymous":
                continue  # for members only
            assert response.status_code == 200, (who, name, response.status_code)
            body = response.get_data(as_text=True)
            if pattern:
                assert len(re.findall(pattern, body)) >= minimum, f"{name} shows too few rows to catch an N+1"
            measured.append((who, name))
            if len(statements) > MAX_QUERIES:
                failures.append(f"{who} {name}: {len(statements)} queries\n  "
                                + "\n  ".join(s[:140].replace("\n", " ") for s in statements))
    assert not failures, "\n".join(failures)
    assert ("member", "balance page") in measured and len(measured) >= 2 * len(PAGES) - 1


def test_the_counter_sees_every_query(app, network):
    with counting_queries(app) as statements, app.app_context():
        db.session.scalars(sa.select(Organisation).limit(3)).all()
        db.session.execute(sa.text("SELECT 1"))
    assert len(statements) == 2
