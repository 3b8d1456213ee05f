"""The coordinator area: applications, members, decisions, charter, audit log."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sem.core.errors import DomainError
from sem.core.forms import show_domain_error
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


@bp.get("/organisations/<int:org_id>")
def organisation(org_id):
    org = db.get_or_404(Organisation, org_id)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.organisation_id == org.id).order_by(AuditEvent.id.desc()).limit(50)
    ).all()
    return render_template("coordination/organisation.html", organisation=org, events=events,
                           approve_form=ApproveForm(stage=org.stage.value), reason_form=ReasonForm(),
                           stage_form=StageForm(stage=org.stage.value),
                           charter_ok=policy.charter_accepted(org))


DECISIONS = {
    "reject": (members.reject_application, lambda: _("The application is rejected.")),
    "suspend": (members.suspend_organisation, lambda: _("The organisation is suspended.")),
    "reinstate": (members.reinstate_organisation, lambda: _("The organisation is reinstated.")),
}


def _render_with_error(org, error, **forms):
    db.session.rollback()
    context = {"approve_form": ApproveForm(stage=org.stage.value, formdata=None),
               "reason_form": ReasonForm(formdata=None), "stage_form": StageForm(stage=org.stage.value, formdata=None)}
    context.update(forms)
    for form in forms.values():
        show_domain_error(form, error)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.organisation_id == org.id).order_by(AuditEvent.id.desc()).limit(50)
    ).all()
    return render_template("coordination/organisation.html", organisation=org, events=events,
                           charter_ok=policy.charter_accepted(org), **context), error.status_code


@bp.post("/organisations/<int:org_id>/approve")
def approve(org_id):
    org = db.get_or_404(Organisation, org_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_with_error(org, DomainError(_("Choose a stage."), field="stage"), approve_form=form)
    try:
        members.approve_application(org, actor=current_user, stage=Stage(form.stage.data), reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _render_with_error(org, error, approve_form=form)
    flash(_("%(name)s is now a member.", name=org.name), "success")
    return redirect(url_for(".applications"))


@bp.post("/organisations/<int:org_id>/<any(reject, suspend, reinstate):decision>")
def decide(org_id, decision):
    org = db.get_or_404(Organisation, org_id)
    form = ReasonForm()
    service, message = DECISIONS[decision]
    if not form.validate_on_submit():
        return _render_with_error(org, DomainError(_("Please give a reason."), field="reason"), reason_form=form)
    try:
        service(org, actor=current_user, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _render_with_error(org, error, reason_form=form)
    flash(message(), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/stage")
def set_stage(org_id):
    org = db.get_or_404(Organisation, org_id)
    form = StageForm()
    if not form.validate_on_submit():
        return _render_with_error(org, DomainError(_("Please give a reason."), field="reason"), stage_form=form)
    try:
        members.set_stage(org, Stage(form.stage.data), actor=current_user, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _render_with_error(org, error, stage_form=form)
    flash(_("The stage is saved."), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.route("/charter", methods=["GET", "POST"])
def charter():
    current = members.current_charter()
    form = CharterForm(obj=current)
    if form.validate_on_submit():
        try:
            version = members.publish_charter(form.text_fr.data, form.text_nl.data, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
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
