"""The one way a job runs, for the scheduler and for `flask sem run-job` alike.

1. Claim the period: insert the JobRun row (job, period) and commit. The pair is unique, so
   a second claimant for the same period (another scheduler process, a leader that lost its
   lease mid-run) gets an IntegrityError, skips and says so.
2. Run the job: its work is one unit of work, and the JobRun turns "succeeded" with its
   summary in the same commit, so a succeeded run is never missing its work nor the reverse.
3. On any error: roll the unit of work back, then record "failed" with a traceback summary
   in a separate transaction.

Manual runs (`flask sem run-job NAME`) always run: they get a period of their own,
"<period>+manual@<UTC timestamp>", and are recorded like the others, so they neither block
nor are blocked by the scheduled run of the period. The jobs' own rules keep them from
doing the same work twice (a reminder once per period, a digest once per week, …).
`--once-per-period` claims the scheduled period instead, for running jobs from cron.
"""

import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string

from sem.core.db import utcnow
from sem.extensions import db
from sem.scheduler.models import JobRun, RunStatus, RunTrigger
from sem.scheduler.timetable import granularity, period_of

log = logging.getLogger("sem.scheduler")
ERROR_MAX_CHARS = 4000
HOST = socket.gethostname()[:255]


@dataclass(frozen=True)
class CurrentRun:
    """What a job may ask about the run it is part of (e.g. the digest's week)."""

    run_id: int
    job: str
    period: str  # the claimed key: "2026-W48", or "2026-W48+manual@…" for a manual run
    trigger: RunTrigger
    scheduled_period: str  # the job's period at its granularity, manual or not: "2026-W48"


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    status: RunStatus | None  # None: skipped, the period was already claimed
    run_id: int | None
    summary: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def skipped(self) -> bool:
        return self.status is None


_current: ContextVar[CurrentRun | None] = ContextVar("sem_current_run", default=None)


def current_run() -> CurrentRun | None:
    """The run being executed in this thread, or None outside a job."""
    return _current.get()


class UnknownJob(LookupError):
    pass


def registry() -> dict[str, Callable[[], str]]:
    """Every job: sem.scheduler.jobs.JOBS plus EXTRA_JOBS from the configuration
    ({"name": "package.module:function"})."""
    from sem.scheduler.jobs import JOBS

    jobs = dict(JOBS)
    for name, path in current_app.config.get("EXTRA_JOBS", {}).items():
        jobs[name] = import_string(path.replace(":", "."))
    return jobs


def logfmt(event: str, **fields) -> str:
    """One structured log line: `event key=value …`, values with spaces JSON-quoted."""
    parts = [event]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, float):
            text = f"{value:.3f}"
        else:
            text = getattr(value, "value", value)
            text = str(text)
        if not text or any(c in text for c in ' "=\n\t'):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def scheduled_period(job: str, now: datetime) -> str:
    return period_of(now, granularity(job, current_app.config))


def manual_period(job: str, now: datetime) -> str:
    """A manual run's own period: the scheduled one, marked manual with the UTC instant."""
    return f"{scheduled_period(job, now)}+manual@{now.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}Z"


def _traceback_summary(error: BaseException) -> str:
    """The error line first, then the end of the traceback (the frames nearest the error)."""
    head = "".join(traceback.format_exception_only(type(error), error)).strip()
    full = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    tail = full[-(ERROR_MAX_CHARS - len(head) - 10):] if len(full) > ERROR_MAX_CHARS - len(head) - 10 else full
    return f"{head}\n\n{tail}"[:ERROR_MAX_CHARS]


def run_job(name: str, *, trigger: RunTrigger = RunTrigger.SCHEDULER, now: datetime | None = None,
            once_per_period: bool | None = None) -> Outcome:
    """Run job `name` once, recorded as a JobRun. Scheduler runs (and manual ones with
    `once_per_period`) claim the current period and skip if it is taken; other manual runs
    always run. `now` (tests, catching up) is the instant whose period is claimed; it
    defaults to the present. Needs an application context; commits on the session itself (it is a
    boundary, like a view or a CLI command)."""
    jobs = registry()
    if name not in jobs:
        raise UnknownJob(name)
    now = now or utcnow()
    if once_per_period is None:
        once_per_period = trigger is RunTrigger.SCHEDULER
    base = scheduled_period(name, now)
    period = base if once_per_period else manual_period(name, now)
    session = db.session

    run = JobRun(job=name, period=period, status=RunStatus.RUNNING, trigger=trigger, started_at=utcnow(), host=HOST,
                 pid=os.getpid())
    session.add(run)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        other = session.scalar(sa.select(JobRun).where(JobRun.job == name, JobRun.period == period))
        log.info(logfmt("job_skipped", job=name, period=period, trigger=trigger, reason="period already claimed",
                        by_run=other.id if other else None, by_host=other.host if other else None,
                        by_pid=other.pid if other else None))
        return Outcome(name, period, None, other.id if other else None)
    run_id = run.id
    log.info(logfmt("job_started", job=name, period=period, trigger=trigger, run_id=run_id, host=HOST,
                    pid=os.getpid()))

    token = _current.set(CurrentRun(run_id, name, period, trigger, base))
    started = time.perf_counter()
    try:
        summary = str(jobs[name]() or "")
        run = session.get(JobRun, run_id)
        run.status, run.summary, run.finished_at = RunStatus.SUCCEEDED, summary, utcnow()
        session.commit()
    except BaseException as error:  # noqa: BLE001 - recorded, then re-raised unless it is an ordinary error
        seconds = time.perf_counter() - started
        session.rollback()
        text = _traceback_summary(error)
        _record_failure(run_id, text)
        log.error(logfmt("job_failed", job=name, period=period, trigger=trigger, run_id=run_id, seconds=seconds,
                         error=text.splitlines()[0]))
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt, SystemExit: recorded, and the process still stops
        return Outcome(name, period, RunStatus.FAILED, run_id, error=text, seconds=seconds)
    finally:
        _current.reset(token)
    seconds = time.perf_counter() - started
    log.info(logfmt("job_succeeded", job=name, period=period, trigger=trigger, run_id=run_id, seconds=seconds,
                    summary=summary))
    return Outcome(name, period, RunStatus.SUCCEEDED, run_id, summary=summary, seconds=seconds)


def _record_failure(run_id: int, text: str) -> None:
    session = db.session
    try:
        session.execute(sa.update(JobRun).where(JobRun.id == run_id)
                        .values(status=RunStatus.FAILED, error=text, finished_at=utcnow()))
        session.commit()
    except Exception:  # the database itself may be what failed: say so, keep the first error
        session.rollback()
        log.exception(logfmt("job_failure_not_recorded", run_id=run_id))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted_runs() -> int:
    """Runs still "running" that were started on this machine by a process that is gone
    (killed, machine restarted) become "failed", so the page does not show them running
    forever. Runs of other machines are left alone: we cannot tell."""
    stale = db.session.scalars(sa.select(JobRun).where(JobRun.status == RunStatus.RUNNING, JobRun.host == HOST,
                                                       JobRun.pid != os.getpid())).all()
    count = 0
    for run in stale:
        if not _process_alive(run.pid):
            run.status, run.finished_at = RunStatus.FAILED, utcnow()
            run.error = f"Interrupted: process {run.pid} on {run.host} stopped before the job finished."
            count += 1
    db.session.commit()
    if count:
        log.warning(logfmt("runs_interrupted", count=count))
    return count
