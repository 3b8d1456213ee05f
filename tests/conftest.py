"""Fixtures: one app and one database per run (SQLite file, or PostgreSQL when
DATABASE_URL is set), built by the real migrations, emptied before every test."""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from sem import create_app
from sem.catalogue.models import Competence
from sem.catalogue.seed import seed_competences, seed_vocabularies
from sem.core.db import utcnow
from sem.extensions import db
from sem.mail.models import MailStatus, OutboxMessage
from sem.mail.services import as_mail
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
from sem.members.models import CharterVersion, Organisation, OrganisationLanguage, OrgStatus, Person, Role, Stage
from sem.members.passwords import _hasher_for

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = _hasher_for("cheapest").hash(PASSWORD)
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _database_url(tmp_dir: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:
            # Parallel workers (pytest -n): each gets its own database beside the given one.
            base, name = url.rsplit("/", 1)
            url = f"{base}/{name}_{worker}"
            _pg_database("create", url)
        return url
    # A file, not :memory:, so the browser tests' server thread sees the same data.
    return f"sqlite:///{tmp_dir}/sem-test.db"


def _pg_database(action: str, url: str) -> None:
    from tests.pg_database import main

    base, name = url.rsplit("/", 1)
    if main(action, base, name) != 0:
        raise RuntimeError(f"could not {action} the PostgreSQL test database {name}")


@pytest.fixture(scope="session")
def app():
    with tempfile.TemporaryDirectory() as tmp_dir:
        url = _database_url(tmp_dir)
        options = {"pool_pre_ping": True}
        if url.startswith("postgresql"):
            # Tests commit thousands of tiny transactions: don't wait for each to reach the disk.
            options["connect_args"] = {"options": "-c synchronous_commit=off"}
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=options)
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade(directory=MIGRATIONS)
        yield app
        with app.app_context():
            db.engine.dispose()
        if url.startswith("postgresql") and os.environ.get("PYTEST_XDIST_WORKER"):
            _pg_database("drop", url)


def _empty_database():
    # DELETE, not TRUNCATE: on PostgreSQL, truncating twenty tiny tables costs far more.
    tables = [t.name for t in db.metadata.sorted_tables]
    postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        # The ledger is append-only; only the maintenance switch lets the cleanup through.
        conn.execute(sa.text("SET LOCAL sem.ledger_maintenance = 'on'" if postgresql
                             else "UPDATE ledger_guard SET maintenance = 1"))
        for name in reversed(tables):
            conn.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
        if not postgresql:
            conn.execute(sa.text("UPDATE ledger_guard SET maintenance = 0"))


@pytest.fixture(autouse=True)
def _clean(app):
    with app.app_context():
        _empty_database()
    app.extensions.setdefault("sem_mail_outbox", []).clear()  # what the memory backend delivered
    yield


@pytest.fixture
def ctx(app):
    """An application context with a request context, for calling services directly."""
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


class Outbox:
    """The mails written to the outbox table (queued or already delivered), as a list.

    Mails leave through the outbox and the `send-mail` job; tests look at what was written,
    committed, in the order it was written. `clear()` forgets what is there so far."""

    SHOWN = (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.SENT, MailStatus.FAILED)

    def __init__(self, app):
        self.app = app
        self.after = 0

    def _mails(self) -> list:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(OutboxMessage).where(
                OutboxMessage.id > self.after, OutboxMessage.status.in_(self.SHOWN)).order_by(OutboxMessage.id))
            return [as_mail(row) for row in rows]

    def clear(self) -> None:
        with self.app.app_context():
            self.after = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0

    def __iter__(self):
        return iter(self._mails())

    def __len__(self) -> int:
        return len(self._mails())

    def __getitem__(self, index):
        return self._mails()[index]

    def __eq__(self, other) -> bool:
        return self._mails() == list(other)

    def __repr__(self) -> str:
        return repr(self._mails())


@pytest.fixture
def outbox(app):
    return Outbox(app)


# --- factories ---------------------------------------------------------------------------


class Factory:
    """Builds and commits data; every call returns fresh objects from the test's session."""

    def __init__(self, app):
        self.app = app
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def vocabularies(self):
        with self.app.app_context():
            seed_vocabularies()
            seed_competences()
            db.session.commit()

    def charter(self, text_fr="Charte v1", text_nl="Charter v1") -> int:
        with self.app.app_context():
            last = db.session.scalar(sa.select(sa.func.max(CharterVersion.version))) or 0
            charter = CharterVersion(version=last + 1, text_fr=text_fr, text_nl=text_nl)
            db.session.add(charter)
            db.session.commit()
            return charter.id

    def org(self, name=None, *, status=OrgStatus.APPROVED, stage=Stage.ESTABLISHED, commune="ixelles",
            languages=("fr",), admin=True) -> int:
        n = self._next()
        with self.app.app_context():
            org = Organisation(
                name=name or f"Organisation {n}", legal_form="asbl", stage=stage, status=status, commune=commune,
                contact_email=f"info{n}@example.org",
                languages=[OrganisationLanguage(language=code) for code in languages],
            )
            db.session.add(org)
            db.session.flush()
            # Organisations made by the factory have accepted every charter published so far.
            from sem.members.models import CharterAcceptance

            for charter_id in db.session.scalars(sa.select(CharterVersion.id)):
                db.session.add(CharterAcceptance(organisation_id=org.id, charter_version_id=charter_id))
            db.session.commit()
            org_id = org.id
        if admin:
            self.person(org_id, role=Role.ADMIN)
        return org_id

    def person(self, org_id=None, *, role=Role.MEMBER, coordinator=False, email=None, locale="fr",
               active=True) -> int:
        n = self._next()
        with self.app.app_context():
            person = Person(organisation_id=org_id, email=email or f"person{n}@example.org", name=f"Person {n}",
                            password_hash=_PASSWORD_HASH, role=role, is_coordinator=coordinator, locale=locale,
                            active=active)
            db.session.add(person)
            db.session.commit()
            return person.id

    def coordinator(self, **kwargs) -> int:
        return self.person(None, coordinator=True, **kwargs)

    def admin_of(self, org_id) -> int:
        with self.app.app_context():
            return db.session.scalar(
                sa.select(Person.id).where(Person.organisation_id == org_id, Person.role == Role.ADMIN)
                .order_by(Person.id).limit(1)
            )


@pytest.fixture
def make(app):
    return Factory(app)


def csrf_token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def login(client, app, person_id: int, password: str = PASSWORD):
    with app.app_context():
        email = db.session.get(Person, person_id).email
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def link_path(mail, marker: str) -> str:
    """The path of the first link in a mail's text that contains `marker`."""
    from urllib.parse import urlsplit

    link = next(word for word in mail.text.split() if marker in word)
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def post(client, url: str, data=None, **kwargs):
    """POST a form with a valid CSRF token, as the browser would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


# --- offers and needs --------------------------------------------------------------------

class Posts:
    def __init__(self, app, make):
        self.app, self.make = app, make
        make.vocabularies()

    def competence(self, code: str) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(Competence.id).where(Competence.code == code))

    def offer(self, org_id, code="it-network", *, title="Aide réseau", description="", languages=("fr",),
              mode=Mode.BOTH, hours=10, status=PostStatus.OPEN, expires_in=timedelta(days=100),
              standing=False, created_ago=timedelta(days=1)) -> int:
        with self.app.app_context():
            offer = Offer(organisation_id=org_id, competence_id=self.competence(code), title=title,
                          description=description, languages=list(languages), mode=mode,
                          monthly_capacity_minutes=hours * 60, status=status, standing=standing,
                          created_at=utcnow() - created_ago, expires_at=utcnow() + expires_in)
            db.session.add(offer)
            db.session.commit()
            return offer.id

    def need(self, org_id, code="it-network", *, title="Besoin réseau", description="", languages=("fr",),
             urgency=Urgency.NORMAL, hours=4, status=PostStatus.OPEN, expires_in=timedelta(days=60),
             created_ago=timedelta(days=1)) -> int:
        with self.app.app_context():
            need = Need(organisation_id=org_id, competence_id=self.competence(code), title=title,
                        description=description, languages=list(languages), urgency=urgency,
                        estimated_minutes=hours * 60, status=status, created_at=utcnow() - created_ago,
                        expires_at=utcnow() + expires_in)
            db.session.add(need)
            db.session.commit()
            return need.id


@pytest.fixture
def posts(app, make):
    return Posts(app, make)


def tr(app, msgid: str, locale: str = "fr", **variables) -> str:
    """`msgid` as the page shows it in `locale` (the factories' people speak French)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(locale):
        return gettext(msgid, **variables)


def tr_html(app, msgid: str, locale: str = "fr", **variables) -> str:
    """The same, escaped as a template shows it."""
    from markupsafe import escape

    return str(escape(tr(app, msgid, locale, **variables)))
