"""Leader election between scheduler processes: only the leader starts jobs.

- PostgreSQL: a session-level `pg_try_advisory_lock` held on a dedicated connection for as
  long as the process lives. The server releases it the moment that connection ends (exit,
  crash, kill -9, lost network), and a standby's next try takes it.
- SQLite (one machine, one clock): a row in `scheduler_lease` with a holder and an expiry,
  taken or renewed in one `UPDATE … WHERE holder = me OR expired`; the leader renews it every
  third of its lifetime, a standby takes it once it has expired.

Either way the per-period unique JobRun is the second guard: a leader that lost its lease in
the middle of a run and a new leader can never both run the same job for the same period.
Each object is used by the scheduler's heartbeat thread and, at shutdown, the main thread:
a lock keeps them from overlapping.
"""

import logging
import os
import secrets
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from sem.core.db import utcnow
from sem.scheduler.models import SchedulerLease
from sem.scheduler.runner import HOST, logfmt

log = logging.getLogger("sem.scheduler")
# "SEMSCHED" as a 64-bit integer: the advisory lock's key, the same in every process.
ADVISORY_KEY = int.from_bytes(b"SEMSCHED", "big")
LEASE_NAME = "scheduler"


def holder_id() -> str:
    """Who holds the lease: host and pid for people, a random suffix against pid reuse."""
    return f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"


class AdvisoryLock:
    """Leadership on PostgreSQL."""

    def __init__(self, url, key: int = ADVISORY_KEY):
        # Its own engine without a pool: closing the connection really ends the session
        # (and releases the lock) instead of parking it, lock held, in a pool.
        self.engine: Engine = sa.create_engine(url, poolclass=NullPool)
        self.key = key
        self.connection: Connection | None = None
        self.held = False
        self.holder = holder_id()
        self._lock = threading.Lock()

    @property
    def heartbeat_seconds(self) -> float:
        return 1.0

    def heartbeat(self) -> bool:
        """Take the lock if it is free, or check that our connection (and so the lock) is alive."""
        with self._lock:
            try:
                if self.connection is None:
                    self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                if self.held:
                    self.connection.execute(sa.text("SELECT 1"))
                else:
                    self.held = bool(self.connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                                            {"key": self.key}))
            except SQLAlchemyError as error:  # the connection died: with it, the lock
                if self.held:
                    log.warning(logfmt("leadership_lost", reason=str(error).splitlines()[0]))
                self._drop_connection()
            return self.held

    def is_leader(self) -> bool:
        return self.held

    def _drop_connection(self) -> None:
        self.held = False
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except SQLAlchemyError:
                pass
            self.connection = None

    def release(self) -> None:
        with self._lock:
            if self.connection is not None and self.held:
                try:
                    self.connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                except SQLAlchemyError:
                    pass
            self._drop_connection()
            self.engine.dispose()


class Lease:
    """Leadership through a lease row (SQLite; works on any database)."""

    def __init__(self, engine: Engine, seconds: float = 15, name: str = LEASE_NAME, holder: str | None = None,
                 clock=utcnow):
        self.engine = engine
        self.seconds = seconds
        self.name = name
        self.holder = holder or holder_id()
        self.clock = clock
        self.expires_at: datetime | None = None
        self._lock = threading.Lock()

    @property
    def heartbeat_seconds(self) -> float:
        return min(1.0, self.seconds / 3)

    def heartbeat(self) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours. True if we lead."""
        with self._lock:
            now = self.clock()
            until = now + timedelta(seconds=self.seconds)
            table = SchedulerLease.__table__
            try:
                with self.engine.begin() as conn:
                    taken = conn.execute(
                        sa.update(table)
                        .where(table.c.name == self.name,
                               sa.or_(table.c.holder == self.holder, table.c.holder.is_(None),
                                      table.c.expires_at.is_(None), table.c.expires_at < now))
                        .values(holder=self.holder, expires_at=until,
                                acquired_at=sa.case((table.c.holder == self.holder, table.c.acquired_at), else_=now))
                    ).rowcount == 1
                if not taken:
                    taken = self._create(now, until)
            except IntegrityError:
                taken = False
            except DBAPIError as error:  # e.g. "database is locked": keep what we had until it expires
                log.warning(logfmt("lease_not_renewed", reason=str(error).splitlines()[0]))
                return self.is_leader()
            self.expires_at = until if taken else None
            return taken

    def _create(self, now: datetime, until: datetime) -> bool:
        """The first scheduler ever (or after the table was emptied) creates the row."""
        table = SchedulerLease.__table__
        with self.engine.begin() as conn:
            if conn.scalar(sa.select(table.c.name).where(table.c.name == self.name)) is not None:
                return False
            conn.execute(sa.insert(table).values(name=self.name, holder=self.holder, acquired_at=now,
                                                 expires_at=until))
        return True

    def is_leader(self) -> bool:
        return self.expires_at is not None and self.clock() < self.expires_at

    def release(self) -> None:
        """Give the lease up (clean shutdown), so a standby takes over at its next heartbeat."""
        with self._lock:
            table = SchedulerLease.__table__
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.update(table).where(table.c.name == self.name, table.c.holder == self.holder)
                                 .values(holder=None, expires_at=None))
            except DBAPIError as error:
                log.warning(logfmt("lease_not_released", reason=str(error).splitlines()[0]))
            self.expires_at = None


def leadership_for(engine: Engine, config) -> AdvisoryLock | Lease:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine.url)
    return Lease(engine, seconds=config["SCHEDULER_LEASE_SECONDS"])
