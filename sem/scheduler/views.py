"""The coordinators' page of job runs: the timetable, whether a scheduler is running, and
the recent runs (filtered by job and status)."""

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from sem.extensions import db
from sem.members import policy
from sem.scheduler import queries
from sem.scheduler.models import JobRun, RunStatus, RunTrigger
from sem.scheduler.runner import registry
from sem.scheduler.timetable import granularity, is_off

bp = Blueprint("scheduler", __name__, url_prefix="/coordination", template_folder="templates")
PAGE_SIZE = 50

JOB_LABELS = {
    "match": _l("Matching"),
    "expire": _l("Expiry of offers and needs"),
    "remind": _l("Reminders"),
    "digest": _l("Weekly digest"),
    "send-mail": _l("Mail delivery"),
}
STATUS_LABELS = {RunStatus.RUNNING: _l("Running"), RunStatus.SUCCEEDED: _l("Succeeded"),
                 RunStatus.FAILED: _l("Failed")}
STATUS_BADGES = {RunStatus.RUNNING: "badge-pending", RunStatus.SUCCEEDED: "badge-approved",
                 RunStatus.FAILED: "badge-rejected"}
TRIGGER_LABELS = {RunTrigger.SCHEDULER: _l("Scheduler"), RunTrigger.MANUAL: _l("By hand")}
PERIOD_LABELS = {"second": _l("second"), "minute": _l("minute"), "hour": _l("hour"), "day": _l("day"),
                 "week": _l("week"), "month": _l("month")}


@bp.before_request
@login_required
def require_coordinator():
    policy.require(policy.is_coordinator(current_user))


@bp.context_processor
def _labels():
    return {"JOB_LABELS": JOB_LABELS, "STATUS_LABELS": STATUS_LABELS, "STATUS_BADGES": STATUS_BADGES,
            "TRIGGER_LABELS": TRIGGER_LABELS, "PERIOD_LABELS": PERIOD_LABELS}


@bp.get("/jobs")
def runs():
    config = current_app.config
    jobs = registry()
    names = sorted(set(jobs) | set(queries.recorded_jobs()))
    job = request.args.get("job", "")
    job = job if job in names else ""
    status = request.args.get("status", "")
    status = status if status in {s.value for s in RunStatus} else ""
    query = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job:
        query = query.where(JobRun.job == job)
    if status:
        query = query.where(JobRun.status == RunStatus(status))
    page = db.paginate(query, page=max(1, request.args.get("page", 1, type=int) or 1), per_page=PAGE_SIZE,
                       error_out=False)
    latest = queries.latest_runs()
    timetable = [{"job": name, "when": config["SCHEDULE"].get(name), "period": granularity(name, config),
                  "last": latest.get(name, {}).get("last"), "last_success": latest.get(name, {}).get("success")}
                 for name in sorted(jobs)]
    for row in timetable:
        if is_off(row["when"]):
            row["when"] = None
    return render_template("scheduler/runs.html", page=page, job=job, status=status, names=names,
                           statuses=list(RunStatus), timetable=timetable, leader=queries.leader_status())
