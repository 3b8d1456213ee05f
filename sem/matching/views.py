"""The coordinators' matching pages: settings, preview, run now, past runs, one need matched
by hand. Thin views over sem.matching.services; only coordinators see them."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from sem.core.forms import commit
from sem.extensions import db
from sem.market.models import Need, Offer
from sem.matching import labels, scoring
from sem.matching import services as matching
from sem.matching.forms import HandMatchForm, SettingsForm
from sem.matching.models import MatchRun
from sem.members.forms import ActionForm
from sem.members.policy import is_coordinator, require

bp = Blueprint("matching", __name__, template_folder="templates", url_prefix="/coordination/matching")


@bp.record_once
def _register_labels(state) -> None:
    state.app.jinja_env.globals.update(labels.template_globals())
    state.app.jinja_env.globals["MATCHING_PARTS"] = scoring.PARTS


@bp.before_request
@login_required
def _coordinators_only():
    require(is_coordinator(current_user))


@bp.get("/")
def index():
    weights, k = matching.current_settings()
    return render_template("matching/index.html", weights=weights, k=k, runs=matching.recent_runs(),
                           action_form=ActionForm())


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            ok, outcome = commit(lambda: matching.update_settings(
                weights=form.weights(), proposals_per_need=form.proposals_per_need.data, reason=form.reason.data,
                actor=current_user), form)
            if ok:
                flash(_("The matching settings are saved."), "success")
                return redirect(url_for(".index"))
            status = outcome.status_code
    else:
        weights, k = matching.current_settings()
        form.proposals_per_need.data = k
        for part, value in weights.items():
            getattr(form, f"weight_{part}").data = value
    return render_template("matching/settings.html", form=form, history=matching.settings_history()), status


@bp.post("/preview")
def preview():
    require(ActionForm().validate_on_submit())
    ok, run = commit(lambda: matching.preview(actor=current_user))
    if not ok:
        return redirect(url_for(".index"))
    flash(ngettext("Preview: %(num)d proposal would be made. Nothing was sent.",
                   "Preview: %(num)d proposals would be made. Nothing was sent.", run.proposals), "success")
    return redirect(url_for(".run_detail", run_id=run.id))


@bp.post("/run")
def run_now():
    require(ActionForm().validate_on_submit())
    ok, run = commit(lambda: matching.run(actor=current_user))
    if not ok:
        return redirect(url_for(".index"))
    flash(ngettext("%(num)d proposal was made and sent.", "%(num)d proposals were made and sent.", run.proposals),
          "success")
    return redirect(url_for(".run_detail", run_id=run.id))


@bp.get("/runs/<int:run_id>")
def run_detail(run_id):
    run = db.get_or_404(MatchRun, run_id)
    rows = []
    if run.dry_run:
        needs = {n.id: n for n in db.session.scalars(db.select(Need).where(
            Need.id.in_([r["need_id"] for r in run.preview])))}
        offers = {o.id: o for o in db.session.scalars(db.select(Offer).where(
            Offer.id.in_([r["offer_id"] for r in run.preview])))}
        rows = [(needs.get(r["need_id"]), offers.get(r["offer_id"]), r, None) for r in run.preview]
    else:
        rows = [(p.need, p.offer, p.score_parts, p) for p, _score in matching.run_proposals(run)]
    return render_template("matching/run.html", run=run, rows=rows)


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
def match_need(need_id):
    need = db.get_or_404(Need, need_id)
    ranked = matching.ranked_offers(need)
    form = HandMatchForm()
    form.offer_id.choices = [(r["offer"].id, r["offer"].title) for r in ranked]
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            offer = db.get_or_404(Offer, form.offer_id.data)
            ok, outcome = commit(lambda: matching.match_by_hand(need, offer, actor=current_user), form)
            if ok:
                flash(_("The proposal is made; both organisations are told."), "success")
                return redirect(url_for("exchanges.proposal", proposal_id=outcome.id))
            status = outcome.status_code
    return render_template("matching/need.html", need=need, ranked=ranked, form=form), status
