"""Proposals, exchanges and disputes: thin views over sem.exchanges.services.

Each view parses the request, asks sem.exchanges.policy, runs one service through
`commit` and redirects; when the service refuses, the page is shown again with the
message and the error's status code.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sem.core.forms import commit
from sem.exchanges import labels, policy, queries
from sem.exchanges import services as exchanges
from sem.exchanges.forms import AskForm, DeclareForm, DeclineForm, FeedbackForm, HelpForm, ResolveForm, StatementForm
from sem.exchanges.models import Dispute, Exchange, ExchangeStatus, Feedback, HourDeclaration, Proposal
from sem.extensions import db
from sem.market.models import Need, Offer
from sem.members.forms import ActionForm

bp = Blueprint("exchanges", __name__, template_folder="templates")


@bp.record_once
def _register_labels(state) -> None:
    state.app.jinja_env.globals.update(labels.template_globals())


# --- proposing, from an offer's or a need's page --------------------------------------------------


@bp.app_template_global()
def proposal_panel(post):
    """What the post page offers the visitor: a form to propose one of their organisation's
    open posts ("I can help" on a need, "ask for help" on an offer), and the proposals that
    already pair this post with theirs. None when the visitor cannot propose."""
    if not policy.can_propose(current_user, post):
        return None
    org = current_user.organisation
    existing = queries.proposals_between(post, org)
    taken = {p.offer_id if isinstance(post, Need) else p.need_id for p in existing
             if p.status in exchanges.PAIR_REFUSALS}
    own_model, form_class = (Offer, HelpForm) if isinstance(post, Need) else (Need, AskForm)
    own = [p for p in queries.own_open_posts(org, own_model) if p.id not in taken]
    form = form_class(formdata=None)
    form.fill(form.offer_id if isinstance(post, Need) else form.need_id, own, post)
    return {"form": form if own else None, "existing": existing, "has_posts": bool(own or taken)}


def _propose(post, form, own_model, field):
    policy.require(policy.can_propose(current_user, post))
    org = current_user.organisation
    form.fill(field, queries.own_open_posts(org, own_model), post)
    status = 400
    if form.validate_on_submit():
        own = db.get_or_404(own_model, field.data)
        need, offer = (post, own) if isinstance(post, Need) else (own, post)
        ok, outcome = commit(lambda: exchanges.create_proposal(need, offer, actor=current_user,
                                                                message=form.message.data), form)
        if ok:
            flash(_("Your proposal is sent: %(org)s will answer.", org=post.organisation.name), "success")
            return redirect(url_for(".proposal", proposal_id=outcome.id))
        status = outcome.status_code
    return render_template("exchanges/propose.html", post=post, form=form, field=field), status


@bp.post("/needs/<int:need_id>/help")
@login_required
def help_with_need(need_id):
    form = HelpForm()
    return _propose(db.get_or_404(Need, need_id), form, Offer, form.offer_id)


@bp.post("/offers/<int:offer_id>/ask")
@login_required
def ask_offer(offer_id):
    form = AskForm()
    return _propose(db.get_or_404(Offer, offer_id), form, Need, form.need_id)


# --- proposals ---------------------------------------------------------------------------------


def _proposal_page(proposal: Proposal, status: int = 200, **forms):
    exchange = db.session.scalar(db.select(Exchange).where(Exchange.proposal_id == proposal.id))
    return render_template(
        "exchanges/proposal.html", proposal=proposal, exchange=exchange, side=policy.side_of(current_user, proposal),
        awaited=policy.awaited_sides(proposal), proposer=policy.proposer_side(proposal),
        can_answer=policy.can_answer(current_user, proposal), can_withdraw=policy.can_withdraw(current_user, proposal),
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None), action_form=ActionForm(),
    ), status


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id):
    item = db.get_or_404(Proposal, proposal_id)
    policy.require(policy.can_view_proposal(current_user, item))
    return _proposal_page(item)


@bp.post("/proposals/<int:proposal_id>/accept")
@login_required
def accept(proposal_id):
    item = db.get_or_404(Proposal, proposal_id)
    policy.require(policy.can_answer(current_user, item))
    ok, outcome = commit(lambda: exchanges.accept_proposal(item, actor=current_user))
    if not ok:
        return _proposal_page(item, outcome.status_code)
    if outcome is not None:
        flash(_("Both organisations agree: the exchange starts."), "success")
        return redirect(url_for(".exchange", exchange_id=outcome.id))
    flash(_("You accepted: the other organisation's answer is awaited."), "success")
    return redirect(url_for(".proposal", proposal_id=item.id))


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id):
    item = db.get_or_404(Proposal, proposal_id)
    policy.require(policy.can_answer(current_user, item))
    form = DeclineForm()
    if not form.validate_on_submit():
        return _proposal_page(item, 400, decline_form=form)
    ok, outcome = commit(lambda: exchanges.decline_proposal(item, actor=current_user, reason=form.reason.data), form)
    if not ok:
        return _proposal_page(item, outcome.status_code, decline_form=form)
    flash(_("The proposal is declined. It will not be proposed again."), "success")
    return redirect(url_for(".proposal", proposal_id=item.id))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id):
    item = db.get_or_404(Proposal, proposal_id)
    policy.require(policy.can_withdraw(current_user, item))
    ok, outcome = commit(lambda: exchanges.withdraw_proposal(item, actor=current_user))
    if not ok:
        return _proposal_page(item, outcome.status_code)
    flash(_("Your proposal is withdrawn."), "success")
    return redirect(url_for(".proposal", proposal_id=item.id))


# --- my exchanges ------------------------------------------------------------------------------------


@bp.get("/exchanges")
@login_required
def index():
    org = current_user.organisation
    if org is None:
        policy.require(policy.is_coordinator(current_user))
        return redirect(url_for(".disputes"))
    return render_template(
        "exchanges/index.html", organisation=org, waiting_for_us=queries.proposals_waiting_for(org),
        waiting_for_them=queries.proposals_waiting_for_others(org),
        open_exchanges=queries.exchanges_of(org, ExchangeStatus.OPEN),
        closed_exchanges=queries.exchanges_of(org, ExchangeStatus.CLOSED), past_proposals=queries.past_proposals(org))


def _exchange_page(exchange: Exchange, status: int = 200, *, failed=None, failed_key: str = "", **forms):
    """The exchange page; `forms` replaces blank forms with a submitted one and its errors.
    `failed` is a submitted contest or statement form; `failed_key` says which one
    ("contest-<declaration id>" or "statement-<dispute id>")."""
    side = policy.side_of(current_user, exchange)
    feedback = {f.organisation_id: f for f in db.session.scalars(
        db.select(Feedback).where(Feedback.exchange_id == exchange.id))}
    own_org_id = current_user.organisation_id if side else None
    blank = {
        "declare_form": DeclareForm(formdata=None, worked_on=exchanges.today()),
        "feedback_form": FeedbackForm(formdata=None, text=feedback[own_org_id].text if own_org_id in feedback else ""),
    }
    return render_template(
        "exchanges/exchange.html", exchange=exchange, hours=queries.hours_of(exchange), side=side,
        feedback=feedback, can_declare=policy.can_declare(current_user, exchange),
        can_take_part=policy.can_take_part(current_user, exchange),
        can_decide=side == policy.RECIPIENT and policy.can_take_part(current_user, exchange),
        auto_confirm_date=exchanges.auto_confirm_date, settled_minutes=exchanges.settled_minutes,
        blank_statement=StatementForm(formdata=None), failed=failed, failed_key=failed_key,
        action_form=ActionForm(), **{**blank, **forms}), status


@bp.get("/exchanges/<int:exchange_id>")
@login_required
def exchange(exchange_id):
    item = db.get_or_404(Exchange, exchange_id)
    policy.require(policy.can_view_exchange(current_user, item))
    return _exchange_page(item)


def _run(exchange: Exchange, action, message: str, form=None, **page):
    """Validate `form` (if any), run `action` as the unit of work, then back to the exchange page."""
    if form is not None and not form.validate_on_submit():
        return _exchange_page(exchange, 400, **page)
    ok, outcome = commit(action, form)
    if not ok:
        return _exchange_page(exchange, outcome.status_code, **page)
    flash(message, "success")
    return redirect(url_for(".exchange", exchange_id=exchange.id))


@bp.post("/exchanges/<int:exchange_id>/declarations")
@login_required
def declare(exchange_id):
    item = db.get_or_404(Exchange, exchange_id)
    policy.require(policy.can_declare(current_user, item))
    form = DeclareForm()
    return _run(item, lambda: exchanges.declare_hours(item, worked_on=form.worked_on.data, minutes=form.minutes,
                                                      note=form.note.data, actor=current_user),
                _("Your hours are declared: %(org)s is asked to confirm them.", org=item.recipient.name),
                form, declare_form=form)


@bp.post("/declarations/<int:declaration_id>/confirm")
@login_required
def confirm(declaration_id):
    declaration = db.get_or_404(HourDeclaration, declaration_id)
    policy.require(policy.can_decide(current_user, declaration))
    return _run(declaration.exchange, lambda: exchanges.confirm_declaration(declaration, actor=current_user),
                _("The hours are confirmed and recorded in the ledger."))


@bp.post("/declarations/<int:declaration_id>/contest")
@login_required
def contest(declaration_id):
    declaration = db.get_or_404(HourDeclaration, declaration_id)
    policy.require(policy.can_decide(current_user, declaration))
    form = StatementForm()
    return _run(declaration.exchange,
                lambda: exchanges.contest_declaration(declaration, actor=current_user, statement=form.statement.data),
                _("The hours are contested: a coordinator will look into it."), form,
                failed=form, failed_key=f"contest-{declaration.id}")


@bp.post("/disputes/<int:dispute_id>/statement")
@login_required
def statement(dispute_id):
    dispute = db.get_or_404(Dispute, dispute_id)
    policy.require(policy.can_state(current_user, dispute))
    form = StatementForm()
    return _run(dispute.declaration.exchange,
                lambda: exchanges.add_statement(dispute, actor=current_user, statement=form.statement.data),
                _("Your statement is saved: the coordinator will read it."), form,
                failed=form, failed_key=f"statement-{dispute.id}")


@bp.post("/exchanges/<int:exchange_id>/close")
@login_required
def close(exchange_id):
    item = db.get_or_404(Exchange, exchange_id)
    policy.require(policy.can_take_part(current_user, item))
    return _run(item, lambda: exchanges.close_exchange(item, actor=current_user), _("The exchange is closed."))


@bp.post("/exchanges/<int:exchange_id>/feedback")
@login_required
def feedback(exchange_id):
    item = db.get_or_404(Exchange, exchange_id)
    policy.require(policy.can_take_part(current_user, item))
    form = FeedbackForm()
    return _run(item, lambda: exchanges.leave_feedback(item, actor=current_user, text=form.text.data),
                _("Thank you: your note is saved."), form, feedback_form=form)


# --- coordinators: disputes ------------------------------------------------------------------------


@bp.get("/coordination/disputes")
@login_required
def disputes():
    policy.require(policy.can_resolve(current_user))
    return render_template("exchanges/disputes.html", open_disputes=queries.disputes(resolved=False),
                           resolved_disputes=queries.disputes(resolved=True))


def _dispute_page(dispute: Dispute, status: int = 200, form=None):
    exchange = dispute.declaration.exchange
    return render_template("exchanges/dispute.html", dispute=dispute, declaration=dispute.declaration,
                           exchange=exchange, hours=queries.hours_of(exchange),
                           form=form or ResolveForm(formdata=None, resolution=None)), status


@bp.get("/coordination/disputes/<int:dispute_id>")
@login_required
def dispute(dispute_id):
    policy.require(policy.can_resolve(current_user))
    return _dispute_page(db.get_or_404(Dispute, dispute_id))


@bp.post("/coordination/disputes/<int:dispute_id>/resolve")
@login_required
def resolve(dispute_id):
    policy.require(policy.can_resolve(current_user))
    item = db.get_or_404(Dispute, dispute_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _dispute_page(item, 400, form)
    ok, outcome = commit(lambda: exchanges.resolve_dispute(item, actor=current_user, resolution=form.decision,
                                                           reason=form.reason.data, minutes=form.minutes), form)
    if not ok:
        return _dispute_page(item, outcome.status_code, form)
    flash(_("The dispute is resolved; both organisations are told."), "success")
    return redirect(url_for(".disputes"))

