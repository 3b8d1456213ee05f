"""The coordinator area: applications, members, decisions, charter, audit log."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sem.core.forms import commit
from sem.extensions import db
from sem.members import policy, stats
from sem.members import services as members
from sem.members.forms import ApproveForm, CharterForm, ReasonForm, StageForm
from sem.members.models import AuditEvent, Organisation, OrgStatus, Stage

bp = Blueprint("coordination", __name__, url_prefix="/coordination", template_folder="templates")
PAGE_SIZE = 50


@bp.before_request
@login_required
def require_coordinator():
    policy.require(policy.is_coordinator(current_user))


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/")
def index():
    return redirect(url_for(".applications"))


@bp.get("/applications")
def applications():
    pending = db.session.scalars(
        sa.select(Organisation).where(Organisation.status == OrgStatus.PENDING).order_by(Organisation.created_at)
    ).all()
    return render_template("coordination/applications.html", organisations=pending, counts=stats.status_counts())


@bp.get("/organisations")
def organisations():
    status = request.args.get("status", "")
    q = (request.args.get("q") or "").strip()
    query = sa.select(Organisation)
    if status in {s.value for s in OrgStatus}:
        query = query.where(Organisation.status == OrgStatus(status))
    if q:
        query = query.where(sa.func.lower(Organisation.name).contains(q.lower(), autoescape=True))
    page = db.paginate(query.order_by(Organisation.name), page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("coordination/organisations.html", page=page, status=status, q=q,
                           statuses=list(OrgStatus), counts=stats.status_counts())


def _organisation_page(org: Organisation, status: int = 200, **forms):
    """The organisation's file; `forms` replaces blank forms with submitted ones (and their errors)."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.organisation_id == org.id).order_by(AuditEvent.id.desc()).limit(50)
    ).all()
    blank = {"approve_form": ApproveForm(stage=org.stage.value, formdata=None),
             "reason_form": ReasonForm(formdata=None),
             "stage_form": StageForm(stage=org.stage.value, formdata=None)}
    return render_template("coordination/organisation.html", organisation=org, events=events,
                           charter_ok=policy.charter_accepted(org), **{**blank, **forms}), status


@bp.get("/organisations/<int:org_id>")
def organisation(org_id):
    return _organisation_page(db.get_or_404(Organisation, org_id))


def _decide(org: Organisation, form, form_name: str, action, message: str, target: str):
    """Validate a decision form, run the decision, commit; or show the page again with errors."""
    if not form.validate_on_submit():
        return _organisation_page(org, 400, **{form_name: form})
    ok, outcome = commit(action, form)
    if not ok:
        return _organisation_page(org, outcome.status_code, **{form_name: form})
    flash(message, "success")
    return redirect(target)


@bp.post("/organisations/<int:org_id>/approve")
def approve(org_id):
    org = db.get_or_404(Organisation, org_id)
    form = ApproveForm()
    return _decide(org, form, "approve_form",
                   lambda: members.approve_application(org, actor=current_user, stage=Stage(form.stage.data),
                                                       reason=form.reason.data),
                   _("%(name)s is now a member.", name=org.name), url_for(".applications"))


DECISIONS = {
    "reject": (members.reject_application, lambda: _("The application is rejected.")),
    "suspend": (members.suspend_organisation, lambda: _("The organisation is suspended.")),
    "reinstate": (members.reinstate_organisation, lambda: _("The organisation is reinstated.")),
}


@bp.post("/organisations/<int:org_id>/<any(reject, suspend, reinstate):decision>")
def decide(org_id, decision):
    org = db.get_or_404(Organisation, org_id)
    form = ReasonForm()
    service, message = DECISIONS[decision]
    return _decide(org, form, "reason_form", lambda: service(org, actor=current_user, reason=form.reason.data),
                   message(), url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/stage")
def set_stage(org_id):
    org = db.get_or_404(Organisation, org_id)
    form = StageForm()
    return _decide(org, form, "stage_form",
                   lambda: members.set_stage(org, Stage(form.stage.data), actor=current_user, reason=form.reason.data),
                   _("The stage is saved."), url_for(".organisation", org_id=org.id))


@bp.route("/charter", methods=["GET", "POST"])
def charter():
    current = members.current_charter()
    form = CharterForm(obj=current)
    if form.validate_on_submit():
        ok, version = commit(lambda: members.publish_charter(form.text_fr.data, form.text_nl.data,
                                                             actor=current_user), form)
        if ok:
            flash(_("Version %(n)d of the charter is published.", n=version.version), "success")
            return redirect(url_for(".charter"))
    return render_template("coordination/charter.html", form=form, charter=current)


@bp.get("/audit")
def audit():
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    action = request.args.get("action", "")
    if action:
        query = query.where(AuditEvent.action == action)
    page = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("coordination/audit.html", page=page, action=action, actions=actions)
