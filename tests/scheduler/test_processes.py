"""Real `flask sem scheduler` processes against one database: a job that fires every second
runs exactly once per period; killing the leader lets a standby continue; SIGTERM stops a
leader cleanly and hands over at once."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestingConfig
from sem import create_app
from sem.extensions import db
from sem.scheduler.models import JobRun, RunStatus

ROOT = Path(__file__).resolve().parents[2]
# Every default job off: only the test's job fires, every second, in periods of one second.
SCHEDULE = {"match": "off", "expire": "off", "remind": "off", "digest": "off", "send-mail": "off", "reports": "off",
            "tick": "* * * * * *"}


def _sqlite_file_database(tmp_path) -> str:
    from flask_migrate import upgrade

    from tests.conftest import MIGRATIONS

    url = f"sqlite:///{tmp_path}/schedulers.db"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
    return url


@pytest.fixture(params=["test-database", "sqlite-file"])
def database(request, app, tmp_path):
    """The test run's database (SQLite file or PostgreSQL), and a SQLite file when the run is
    on PostgreSQL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if request.param == "sqlite-file":
        if url.startswith("sqlite"):
            pytest.skip("the test run's database is already a SQLite file")
        url = _sqlite_file_database(tmp_path)
    return url


class Scheduler:
    def __init__(self, url, ticks: Path, log: Path, schedule=None, **env_vars):
        env = {**os.environ, "SEM_ENV": "testing", "FLASK_APP": "wsgi.py", "DATABASE_URL": url,
               "SCHEDULE": json.dumps(schedule or SCHEDULE), "SCHEDULER_LEASE_SECONDS": "2",
               "EXTRA_JOBS": json.dumps({"tick": "tests.scheduler.fake_jobs:tick",
                                         "slow": "tests.scheduler.fake_jobs:slow"}),
               "SEM_TEST_TICK_FILE": str(ticks), **env_vars}
        self.log = log
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "sem", "scheduler"], cwd=ROOT, env=env,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def text(self) -> str:
        return self.log.read_text()

    def stop(self, sig=signal.SIGTERM, timeout=15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def _ticks(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [(period, int(pid)) for period, pid in (line.split() for line in path.read_text().splitlines())]


def _wait_for(predicate, timeout: float, what: str, schedulers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {s.pid}\n{s.text()[-3000:]}" for s in schedulers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def test_two_schedulers_run_each_period_once_and_a_standby_takes_over(app, database, tmp_path):
    ticks = tmp_path / "ticks.txt"
    a, b = (Scheduler(database, ticks, tmp_path / f"scheduler-{n}.log") for n in "ab")
    c = None
    try:
        _wait_for(lambda: len(_ticks(ticks)) >= 3, 30, "three ticks", (a, b))
        assert a.process.poll() is None and b.process.poll() is None
        leaders = {pid for _, pid in _ticks(ticks)}
        assert len(leaders) == 1, "two schedulers ran the job"
        leader, standby = (a, b) if leaders == {a.pid} else (b, a)
        assert "role=standby" in standby.text() or "leadership_acquired" not in standby.text()
        standby_log_before = standby.text()

        # The leader dies without a word (kill -9): the standby takes over.
        leader.stop(signal.SIGKILL)
        killed_at = len(_ticks(ticks))
        _wait_for(lambda: sum(pid == standby.pid for _, pid in _ticks(ticks)) >= 2, 15, "the standby's ticks",
                  (standby,))
        assert "job_started" not in standby_log_before and "job_skipped" not in standby_log_before
        assert {pid for _, pid in _ticks(ticks)[:killed_at]} == {leader.pid}
        assert "leadership_acquired" in standby.text()

        # A new standby joins; the leader stops cleanly (SIGTERM) and hands over at once.
        c = Scheduler(database, ticks, tmp_path / "scheduler-c.log")
        _wait_for(lambda: "scheduler_started" in c.text(), 20, "the third scheduler", (c,))
        assert standby.stop() == 0
        assert "scheduler_stopped" in standby.text()
        handed_over = time.monotonic()
        _wait_for(lambda: any(pid == c.pid for _, pid in _ticks(ticks)), 10, "the third scheduler's ticks", (c,))
        # Released, not expired: the next heartbeat (a third of the 2 s lease, or 1 s) takes it.
        assert time.monotonic() - handed_over < 2.5
        assert c.stop() == 0
    finally:
        for scheduler in (a, b, c):
            if scheduler is not None and scheduler.process.poll() is None:
                scheduler.stop(signal.SIGKILL)

    lines = _ticks(ticks)
    repeated = [period for period, count in Counter(period for period, _ in lines).items() if count > 1]
    assert not repeated, f"periods run twice: {repeated}"
    assert len(lines) >= 6
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        runs = conn.execute(sa.select(JobRun.period, JobRun.pid, JobRun.status, JobRun.error)
                            .where(JobRun.job == "tick")).all()
    engine.dispose()
    assert len({run.period for run in runs}) == len(runs)
    succeeded = sorted((run.period, run.pid) for run in runs if run.status is RunStatus.SUCCEEDED)
    # Every run finished, except perhaps the one the leader was killed in (its tick may or may
    # not have been written): the standby marks it interrupted when it takes over.
    unfinished = [run for run in runs if run.status is not RunStatus.SUCCEEDED]
    assert len(unfinished) <= 1 and all(run.error.startswith("Interrupted") for run in unfinished)
    assert set(succeeded) <= set(lines) and len(lines) - len(succeeded) <= len(unfinished)


def test_sigterm_lets_the_running_job_finish_then_stops(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    ticks = tmp_path / "ticks.txt"
    scheduler = Scheduler(url, ticks, tmp_path / "scheduler.log", schedule={**SCHEDULE, "tick": "off",
                                                                            "slow": "* * * * * *"},
                          JOB_PERIODS=json.dumps({"slow": "hour"}))
    try:
        _wait_for(lambda: ticks.exists() and "started" in ticks.read_text(), 30, "the slow job", (scheduler,))
        assert scheduler.stop(signal.SIGTERM) == 0
    finally:
        if scheduler.process.poll() is None:
            scheduler.stop(signal.SIGKILL)
    log = scheduler.text()
    assert log.index("scheduler_stopping signal=SIGTERM") < log.index("job_succeeded job=slow") \
        < log.index("scheduler_stopped")
    with app.app_context():
        [run] = db.session.scalars(sa.select(JobRun).where(JobRun.job == "slow")).all()
        assert run.status is RunStatus.SUCCEEDED and run.summary == "slow done" and run.pid == scheduler.pid
