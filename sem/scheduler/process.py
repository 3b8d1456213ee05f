"""`flask sem scheduler`: the process that runs the jobs on their timetable.

One APScheduler 3 BlockingScheduler (Europe/Brussels) fires each job of the SCHEDULE that
exists in the registry; a heartbeat on its own thread keeps or seeks the leadership
(sem.scheduler.leader). Every process fires, but only the leader runs a job, through
runner.run_job, which claims the period first. SIGTERM or SIGINT: no new runs, wait for
the running ones, give the leadership up, exit 0.
"""

import logging
import os
import signal
import threading
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from sem.extensions import db
from sem.scheduler.leader import leadership_for
from sem.scheduler.runner import HOST, logfmt, mark_interrupted_runs, registry, run_job
from sem.scheduler.timetable import BRUSSELS, granularity, timetable

log = logging.getLogger("sem.scheduler")


class Running:
    """How many job runs are in progress, so shutdown can wait for them."""

    def __init__(self):
        self.count = 0
        self._condition = threading.Condition()

    def __enter__(self):
        with self._condition:
            self.count += 1

    def __exit__(self, *exc):
        with self._condition:
            self.count -= 1
            self._condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self.count == 0, timeout=timeout)


class SchedulerProcess:
    def __init__(self, app: Flask):
        self.app = app
        self.running = Running()
        self.stopping = threading.Event()
        with app.app_context():
            self.jobs = registry()
            self.triggers, unknown = timetable(app.config, self.jobs)
            self.leadership = leadership_for(db.engine, app.config)
        for name in unknown:
            log.warning(logfmt("job_not_registered", job=name, reason="in SCHEDULE but not in JOBS: skipped"))
        for name in sorted(set(self.jobs) - set(self.triggers)):
            log.info(logfmt("job_not_scheduled", job=name, reason="no SCHEDULE entry: run it with run-job"))
        self.scheduler = BlockingScheduler(
            timezone=BRUSSELS,
            executors={"default": ThreadPoolExecutor(8), "leadership": ThreadPoolExecutor(1)},
            # A run missed by up to 5 minutes (a busy machine, a restart) still happens;
            # several missed fires of one job make one run; never two runs of a job at once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        for name, trigger in self.triggers.items():
            self.scheduler.add_job(self.fire, trigger, args=[name], id=name, name=name)
        self.scheduler.add_job(self.heartbeat, "interval", seconds=self.leadership.heartbeat_seconds,
                               id="leadership", name="leadership", executor="leadership", misfire_grace_time=None)

    # --- jobs -------------------------------------------------------------------------

    def fire(self, name: str) -> None:
        """A timetable entry came due: run the job if this process leads."""
        if self.stopping.is_set() or not self.leadership.is_leader():
            log.debug(logfmt("job_not_run", job=name, reason="standby"))
            return
        with self.running, self.app.test_request_context(base_url=self.app.config["BASE_URL"]):
            try:
                run_job(name)
            except Exception:  # run_job records job errors; this is the database failing under it
                log.exception(logfmt("job_run_error", job=name))

    def heartbeat(self) -> None:
        was = self.leadership.is_leader()
        leads = self.leadership.heartbeat()
        if leads and not was:
            log.info(logfmt("leadership_acquired", holder=self.leadership.holder))
            with self.app.app_context():
                try:
                    mark_interrupted_runs()
                except Exception:
                    log.exception(logfmt("interrupted_runs_not_marked"))
        elif was and not leads:
            log.warning(logfmt("leadership_lost", holder=self.leadership.holder))

    # --- life -------------------------------------------------------------------------

    def describe(self) -> list[tuple[str, str, str]]:
        """(job, timetable entry, period) for each scheduled job."""
        return [(name, self.app.config["SCHEDULE"][name], granularity(name, self.app.config))
                for name in sorted(self.triggers)]

    def stop(self, signum=None, frame=None) -> None:
        """First signal: stop cleanly. A second one while runs are still finishing: exit now
        (the next leader marks those runs interrupted)."""
        if self.stopping.is_set():
            log.warning(logfmt("scheduler_killed", signal=signal.Signals(signum).name if signum else None,
                               running=self.running.count))
            os._exit(1)
        self.stopping.set()
        log.info(logfmt("scheduler_stopping", signal=signal.Signals(signum).name if signum else None))
        # Not from the signal handler itself: shutdown takes the scheduler's locks, which the
        # interrupted main thread may hold.
        threading.Thread(target=self._shutdown, daemon=True).start()

    def _shutdown(self) -> None:
        # A signal that arrives while the process is still starting waits for the start.
        for _ in range(600):
            try:
                self.scheduler.shutdown(wait=False)
                return
            except SchedulerNotRunningError:
                time.sleep(0.1)

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.heartbeat()
        log.info(logfmt("scheduler_started", host=HOST, holder=self.leadership.holder,
                        role="leader" if self.leadership.is_leader() else "standby",
                        backend=self._backend(),
                        jobs=",".join(f"{name}@{when}" for name, when, _ in self.describe())))
        self.scheduler.start()  # blocks until stop()
        while not self.running.wait_idle(self.leadership.heartbeat_seconds):
            log.info(logfmt("scheduler_waiting", running=self.running.count))
            self.leadership.heartbeat()  # keep the lease while the last runs finish
        self.leadership.release()
        log.info(logfmt("scheduler_stopped", holder=self.leadership.holder))

    def _backend(self) -> str:
        with self.app.app_context():
            return db.engine.dialect.name
