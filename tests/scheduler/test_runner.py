"""The run wrapper: one run per job and period, failures recorded and rolled back, manual
runs recorded."""

import os
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sem.extensions import db
from sem.members.models import Organisation
from sem.scheduler.models import JobRun, RunStatus, RunTrigger
from sem.scheduler.runner import HOST, current_run, logfmt, mark_interrupted_runs, run_job

NOON = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 12:00 in Brussels


def _runs(app):
    with app.app_context():
        runs = db.session.scalars(sa.select(JobRun).order_by(JobRun.id))
        return [(r.job, r.period, r.status, r.trigger) for r in runs]


def test_a_scheduled_run_claims_its_period_and_records_success(app, ctx, test_jobs):
    outcome = run_job("tick", now=NOON)
    assert outcome.status is RunStatus.SUCCEEDED and outcome.period == "2026-11-25T12:00"
    assert outcome.summary == "tick 2026-11-25T12:00"
    run = db.session.get(JobRun, outcome.run_id)
    assert run.key == "tick:2026-11-25T12:00" and run.trigger is RunTrigger.SCHEDULER
    assert run.finished_at >= run.started_at and run.host == HOST and run.pid == os.getpid()
    assert test_jobs.read_text() == f"2026-11-25T12:00 {os.getpid()}\n"


def test_a_second_claim_of_the_same_period_skips_and_says_so(app, ctx, test_jobs, caplog):
    first = run_job("tick", now=NOON)
    caplog.set_level("INFO", logger="sem.scheduler")
    second = run_job("tick", now=NOON + timedelta(seconds=30))  # same minute
    assert second.skipped and second.run_id == first.run_id
    assert "job_skipped job=tick period=2026-11-25T12:00" in caplog.text and "already claimed" in caplog.text
    third = run_job("tick", now=NOON + timedelta(minutes=1))  # next period
    assert third.status is RunStatus.SUCCEEDED
    assert len(test_jobs.read_text().splitlines()) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 2


def test_daily_and_weekly_jobs_run_once_per_day_and_week(app, ctx, test_jobs, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_PERIODS", {"tick": "week"})
    assert run_job("tick", now=NOON).period == "2026-W48"
    assert run_job("tick", now=NOON + timedelta(days=2)).skipped
    assert run_job("tick", now=NOON + timedelta(days=5)).period == "2026-W49"


def test_concurrent_claims_run_the_job_once(app, test_jobs):
    """Eight threads, each with its own session, claim the same period at once."""
    barrier = threading.Barrier(8)
    outcomes = []

    def claim():
        with app.app_context():
            barrier.wait()
            outcomes.append(run_job("tick", now=NOON))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.skipped for o in outcomes) == [False] + [True] * 7
    assert len(test_jobs.read_text().splitlines()) == 1
    assert len(_runs(app)) == 1


def test_a_failing_job_is_recorded_and_its_work_rolled_back(app, ctx, test_jobs):
    outcome = run_job("boom", now=NOON)
    assert outcome.status is RunStatus.FAILED
    run = db.session.get(JobRun, outcome.run_id)
    assert run.status is RunStatus.FAILED and run.finished_at is not None and run.summary == ""
    assert run.error.startswith("RuntimeError: the job broke")
    assert "fake_jobs.py" in run.error and "raise RuntimeError" in run.error  # the traceback's end
    assert db.session.scalar(sa.select(Organisation).where(Organisation.name == "Made by a failing job")) is None
    # The failed period stays claimed: the next scheduled run is the next period.
    assert run_job("boom", now=NOON + timedelta(hours=1)).skipped


def test_a_failure_that_is_not_an_error_is_recorded_and_still_stops(app, ctx, test_jobs, monkeypatch):
    from tests.scheduler import fake_jobs

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_jobs, "tick", interrupted)
    try:
        run_job("tick", now=NOON)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("KeyboardInterrupt swallowed")
    assert _runs(app)[0][2] is RunStatus.FAILED


def test_the_job_knows_its_run(app, ctx, test_jobs, monkeypatch):
    from tests.scheduler import fake_jobs

    seen = []
    monkeypatch.setattr(fake_jobs, "tick", lambda: seen.append(current_run()) or "ok")
    outcome = run_job("tick", now=NOON)
    assert seen[0].run_id == outcome.run_id and seen[0].period == seen[0].scheduled_period == "2026-11-25T12:00"
    manual = run_job("tick", trigger=RunTrigger.MANUAL, now=NOON)
    assert seen[1].run_id == manual.run_id and seen[1].period.startswith("2026-11-25T12:00+manual@")
    assert seen[1].scheduled_period == "2026-11-25T12:00" and seen[1].trigger is RunTrigger.MANUAL
    assert current_run() is None


def test_manual_runs_always_run_and_are_recorded(app, ctx, test_jobs):
    scheduled = run_job("tick", now=NOON)
    manual = [run_job("tick", trigger=RunTrigger.MANUAL, now=NOON + timedelta(seconds=s)) for s in (1, 2)]
    assert all(o.status is RunStatus.SUCCEEDED for o in manual)
    assert manual[0].period == "2026-11-25T12:00+manual@2026-11-25T11:00:01.000000Z"
    assert len(test_jobs.read_text().splitlines()) == 3
    assert [r[3] for r in _runs(app)] == [RunTrigger.SCHEDULER, RunTrigger.MANUAL, RunTrigger.MANUAL]
    # A manual run does not take the scheduled period either.
    assert not scheduled.skipped and run_job("tick", now=NOON + timedelta(seconds=59)).skipped


def test_run_job_command_records_a_manual_run(app, test_jobs):
    result = app.test_cli_runner().invoke(args=["sem", "run-job", "remind"])
    assert result.exit_code == 0, result.output
    assert "remind: 0 waiting application(s) reminded" in result.output
    [(job, period, status, trigger)] = _runs(app)
    assert (job, status, trigger) == ("remind", RunStatus.SUCCEEDED, RunTrigger.MANUAL) and "+manual@" in period


def test_run_job_command_once_per_period_skips_the_second_time(app, test_jobs):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sem", "run-job", "--once-per-period", "tick"])
    assert first.exit_code == 0 and first.output.startswith("tick: tick ")
    second = runner.invoke(args=["sem", "run-job", "--once-per-period", "tick"])
    if second.output.startswith("tick: tick "):  # the minute turned over between the two: once more
        second = runner.invoke(args=["sem", "run-job", "--once-per-period", "tick"])
    assert second.exit_code == 0 and "already run for period" in second.output and "skipped" in second.output


def test_run_job_command_fails_with_the_error_and_records_it(app, test_jobs):
    result = app.test_cli_runner().invoke(args=["sem", "run-job", "boom"])
    assert result.exit_code == 1
    assert "boom failed (run #" in result.output and "RuntimeError: the job broke" in result.output
    assert _runs(app)[0][2] is RunStatus.FAILED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_unknown_job_lists_the_jobs(app):
    result = app.test_cli_runner().invoke(args=["sem", "run-job", "nope"])
    assert result.exit_code != 0 and "unknown job 'nope'" in result.output and "remind" in result.output
    assert _runs(app) == []


def test_runs_of_dead_processes_on_this_host_are_marked_interrupted(app, ctx):
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    db.session.add_all([
        JobRun(job="match", period="2026-11-24", trigger=RunTrigger.SCHEDULER, host=HOST, pid=dead),
        JobRun(job="match", period="2026-11-25", trigger=RunTrigger.SCHEDULER, host=HOST, pid=os.getppid()),
        JobRun(job="remind", period="2026-11-25", trigger=RunTrigger.SCHEDULER, host="elsewhere", pid=dead),
    ])
    db.session.commit()
    assert mark_interrupted_runs() == 1
    statuses = {(r.period, r.host): r.status for r in db.session.scalars(sa.select(JobRun))}
    assert statuses == {("2026-11-24", HOST): RunStatus.FAILED, ("2026-11-25", HOST): RunStatus.RUNNING,
                        ("2026-11-25", "elsewhere"): RunStatus.RUNNING}


def test_log_lines_are_key_value_pairs():
    line = logfmt("job_succeeded", job="send-mail", trigger=RunTrigger.SCHEDULER, seconds=0.5, summary="2 sent",
                  skipped=None)
    assert line == 'job_succeeded job=send-mail trigger=scheduler seconds=0.500 summary="2 sent"'
