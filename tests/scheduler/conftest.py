import logging

import pytest


@pytest.fixture(autouse=True)
def _scheduler_logs():
    # Alembic's fileConfig (the app fixture runs the migrations) disables loggers that
    # existed before it; the scheduler's log lines are part of what these tests check.
    logging.getLogger("sem.scheduler").disabled = False

TEST_JOBS = {"tick": "tests.scheduler.fake_jobs:tick", "boom": "tests.scheduler.fake_jobs:boom"}


@pytest.fixture
def test_jobs(app, monkeypatch, tmp_path):
    """Register the test jobs (tick writes to a file, boom fails) for one test."""
    monkeypatch.setitem(app.config, "EXTRA_JOBS", TEST_JOBS)
    monkeypatch.setitem(app.config, "JOB_PERIODS", {**app.config["JOB_PERIODS"], "tick": "minute", "boom": "day"})
    ticks = tmp_path / "ticks.txt"
    monkeypatch.setenv("SEM_TEST_TICK_FILE", str(ticks))
    return ticks
