"""Job runs (one row per job and period: the record, and the guard against running twice)
and the scheduler lease (who leads, on SQLite)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sem.core.db import UTCDateTime, enum_column, utcnow
from sem.extensions import db


class RunStatus(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RunTrigger(enum.Enum):
    SCHEDULER = "scheduler"
    MANUAL = "manual"


class JobRun(db.Model):
    """One run of one job. `(job, period)` is unique: whoever inserts the row first owns the
    period, so a job runs at most once per period whatever the number of schedulers.

    `period` is the job's period in Europe/Brussels time at its granularity ("2026-11-25",
    "2026-W48", "2026-11-25T10:31"); a manual run gets a period of its own
    ("2026-11-25+manual@2026-11-25T09:31:07.123456Z") so that it always runs."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.UniqueConstraint("job", "period", name="uq_job_run_job_period"),
        sa.Index("ix_job_run_started_at", "started_at"),
        sa.Index("ix_job_run_job_started_at", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, name="run_status"), default=RunStatus.RUNNING,
                                              index=True)
    trigger: Mapped[RunTrigger] = mapped_column(enum_column(RunTrigger, name="run_trigger"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    host: Mapped[str] = mapped_column(sa.String(255), default="")
    pid: Mapped[int] = mapped_column(default=0)

    @property
    def key(self) -> str:
        """The period key as people write it: "digest:2026-W48"."""
        return f"{self.job}:{self.period}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SchedulerLease(db.Model):
    """The scheduler's leadership on SQLite (PostgreSQL uses an advisory lock instead): the
    holder renews `expires_at`; anyone may take the row once it has expired, in one
    `UPDATE … WHERE`."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(255))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
