"""Every scheduled job, in one place: one thin function each, returning a short summary.

To add a job: write a function that does its work through the area's services and returns
a one-line summary, and add one line to JOBS below. Do not commit: the runner
(sem.scheduler.runner.run_job) commits the job's unit of work together with its "succeeded"
record, or rolls it back and records the failure. `flask sem scheduler` runs the jobs named
in the SCHEDULE setting (config.py; a timetable entry for a job not in JOBS is skipped) at
most once per period (JOB_PERIODS); `flask sem run-job NAME` runs one now. A job that needs
its period (e.g. a digest's ISO week, "2026-W48") reads
`sem.scheduler.runner.current_run().scheduled_period` (the same for manual runs).
"""

from collections.abc import Callable

from sem.exchanges import services as exchanges
from sem.mail.jobs import digest_job, send_mail_job
from sem.market import services as market
from sem.matching.jobs import match
from sem.members import services as members
from sem.reports import rollup


def remind() -> str:
    """Remind coordinators of membership applications left waiting; remind recipients of
    declared hours waiting for confirmation, then confirm those left unanswered too long;
    remind the sides of proposals left unanswered for a week."""
    waiting = members.remind_waiting_applications()
    declarations = exchanges.remind_pending_declarations()
    confirmed, refused = exchanges.auto_confirm_declarations()
    proposals = exchanges.remind_pending_proposals()
    return (f"{waiting} waiting application(s) reminded, {declarations} declaration(s) reminded, "
            f"{confirmed} confirmed automatically ({refused} held at the credit floor), "
            f"{proposals} proposal(s) reminded")


def expire() -> str:
    """Warn owners of posts about to expire, then expire the posts whose time has run out."""
    warned = market.warn_expiring_posts()
    expired = market.expire_posts()
    return f"{warned} post(s) warned, {expired} expired"


def reports() -> str:
    """Build the reports' rollup of closed months again when it no longer matches the data."""
    return rollup.refresh()


JOBS: dict[str, Callable[[], str]] = {
    "remind": remind,
    "expire": expire,
    "match": match,
    "send-mail": send_mail_job,
    "digest": digest_job,
    "reports": reports,
}
