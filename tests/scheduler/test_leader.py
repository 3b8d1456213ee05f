"""Leader election: the lease (SQLite; its SQL runs on any backend) and PostgreSQL's
advisory lock."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sem.extensions import db
from sem.scheduler.leader import AdvisoryLock, Lease, leadership_for
from sem.scheduler.models import SchedulerLease


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def engine(app):
    with app.app_context():
        yield db.engine


def _lease_row(app):
    with app.app_context():
        row = db.session.get(SchedulerLease, "scheduler")
        return (row.holder, row.expires_at) if row else None


def test_the_first_claimant_leads_and_the_second_stands_by(app, engine):
    clock = Clock()
    first, second = Lease(engine, 10, holder="a", clock=clock), Lease(engine, 10, holder="b", clock=clock)
    assert first.heartbeat() and first.is_leader()
    assert not second.heartbeat() and not second.is_leader()
    assert _lease_row(app) == ("a", clock.now + timedelta(seconds=10))


def test_the_leader_renews_and_keeps_the_lease(app, engine):
    clock = Clock()
    first, second = Lease(engine, 10, holder="a", clock=clock), Lease(engine, 10, holder="b", clock=clock)
    first.heartbeat()
    for _ in range(5):
        clock.advance(3)
        assert first.heartbeat() and not second.heartbeat()
    assert _lease_row(app) == ("a", clock.now + timedelta(seconds=10))


def test_a_standby_takes_over_once_the_lease_expires(app, engine):
    clock = Clock()
    first, second = Lease(engine, 10, holder="a", clock=clock), Lease(engine, 10, holder="b", clock=clock)
    first.heartbeat()
    clock.advance(9.9)
    assert not second.heartbeat()  # not yet expired
    clock.advance(0.2)
    assert not first.is_leader()  # the leader stops starting jobs at its own expiry
    assert second.heartbeat() and second.is_leader()
    assert not first.heartbeat()  # the old leader comes back: it stands by
    assert _lease_row(app)[0] == "b"


def test_a_released_lease_is_taken_at_once(app, engine):
    clock = Clock()
    first, second = Lease(engine, 10, holder="a", clock=clock), Lease(engine, 10, holder="b", clock=clock)
    first.heartbeat()
    first.release()
    assert not first.is_leader() and _lease_row(app) == (None, None)
    assert second.heartbeat()


def test_a_lease_that_cannot_be_renewed_lasts_until_its_expiry(app, engine, monkeypatch):
    clock = Clock()
    lease = Lease(engine, 10, holder="a", clock=clock)
    lease.heartbeat()

    def locked():
        raise sa.exc.OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(lease.engine, "begin", locked)
    clock.advance(5)
    assert lease.heartbeat()  # still ours for 5 s
    clock.advance(6)
    assert not lease.heartbeat()


def test_many_claimants_at_once_elect_one(app, engine):
    import threading

    leases = [Lease(engine, 10, holder=f"h{i}") for i in range(6)]
    barrier, results = threading.Barrier(6), []

    def claim(lease):
        barrier.wait()
        results.append(lease.heartbeat())

    threads = [threading.Thread(target=claim, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the advisory lock is PostgreSQL's")
        return db.engine.url


def test_postgresql_uses_the_advisory_lock_and_sqlite_the_lease(app, engine):
    leadership = leadership_for(engine, app.config)
    expected = AdvisoryLock if engine.dialect.name == "postgresql" else Lease
    assert isinstance(leadership, expected)
    leadership.release()


def test_advisory_lock_one_leader_and_takeover_when_its_connection_ends(postgresql):
    key = 0x5345_4D54_4553_5401  # a key of the test's own, so a running scheduler does not interfere
    first, second = AdvisoryLock(postgresql, key), AdvisoryLock(postgresql, key)
    try:
        assert first.heartbeat() and not second.heartbeat()
        assert first.heartbeat()  # checks the connection, keeps the lock
        # The leader's connection dies (crash, kill -9): the server frees the lock.
        first.connection.invalidate()
        assert not first.heartbeat() and not first.is_leader()
        assert second.heartbeat() and second.is_leader()
        assert not first.heartbeat()
        second.release()
        assert first.heartbeat()
    finally:
        first.release()
        second.release()


def test_advisory_lock_is_seen_by_the_jobs_page_query(app, postgresql):
    from sem.scheduler.queries import leader_status

    lock = AdvisoryLock(postgresql)
    try:
        with app.app_context():
            assert leader_status()["running"] is False
        assert lock.heartbeat()
        with app.app_context():
            assert leader_status()["running"] is True
    finally:
        lock.release()
