"""Read-only questions the job runs page asks."""

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.scheduler.leader import ADVISORY_KEY, LEASE_NAME
from sem.scheduler.models import JobRun, RunStatus, SchedulerLease


def recorded_jobs() -> list[str]:
    return list(db.session.scalars(sa.select(JobRun.job).distinct()))


def latest_runs() -> dict[str, dict[str, JobRun]]:
    """For each job, its latest run and its latest successful run."""
    latest: dict[str, dict[str, JobRun]] = {}
    for key, condition in (("last", sa.true()), ("success", JobRun.status == RunStatus.SUCCEEDED)):
        newest = (sa.select(JobRun.job, sa.func.max(JobRun.id).label("id")).where(condition)
                  .group_by(JobRun.job).subquery())
        for run in db.session.scalars(sa.select(JobRun).join(newest, JobRun.id == newest.c.id)):
            latest.setdefault(run.job, {})[key] = run
    return latest


def leader_status() -> dict:
    """Whether a scheduler process leads now: on PostgreSQL, someone holds the advisory lock;
    elsewhere, the lease is held and not expired."""
    if db.engine.dialect.name == "postgresql":
        held = db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = :high AND objid = :low AND objsubid = 1"),
            {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF})
        return {"running": bool(held), "holder": None, "since": None}
    lease = db.session.get(SchedulerLease, LEASE_NAME)
    if lease is None or lease.holder is None or lease.expires_at is None or lease.expires_at < utcnow():
        return {"running": False, "holder": None, "since": None}
    return {"running": True, "holder": lease.holder.rsplit(":", 1)[0], "since": lease.acquired_at}
