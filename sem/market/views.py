"""Offers, needs, the directory and a member's home. One set of views serves both kinds of
post: the URL says which (`/offers/…` or `/needs/…`)."""

from dataclasses import astuple
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from sem.core.forms import commit
from sem.core.i18n import current_locale
from sem.extensions import db
from sem.market import cards, directory, directory_cache, queries
from sem.market import policy as market_policy
from sem.market import services as market
from sem.market.forms import NeedForm, OfferForm
from sem.market.models import Need, Offer
from sem.members import policy
from sem.members.forms import ActionForm

bp = Blueprint("market", __name__, template_folder="templates")

KINDS = {"offers": (Offer, OfferForm), "needs": (Need, NeedForm)}
ACTIONS = {
    "pause": (market.pause_post, lambda: _("The post is paused: it no longer appears in the directory.")),
    "resume": (market.resume_post, lambda: _("The post is open again.")),
    "close": (market.close_post, lambda: _("The post is closed.")),
    "renew": (market.renew_post, lambda: _("The post is renewed.")),
}


def _post(kinds: str, post_id: int):
    model, _form = KINDS[kinds]
    return db.get_or_404(model, post_id)


@bp.get("/directory")
def directory_page():
    filters = directory.Filters.from_args(request.args)
    kind = request.args.get("kind", "offer")
    if kind not in directory.KIND_MODELS:
        kind = "offer"
    number = max(1, request.args.get("page", 1, type=int) or 1)
    locale = current_locale()

    def render() -> str:
        listing = directory.listing(kind, filters, page=number)
        catalogue = cards.Catalogue(locale)
        items = (cards.organisation_cards(listing.page.items, catalogue) if kind == "organisation"
                 else cards.post_cards(kind, listing.page.items, catalogue))
        return render_template("market/_directory_content.html", filters=filters, kind=kind, page=listing.page,
                               counts=listing.counts, cards=items, catalogue=catalogue,
                               options=cards.options)

    if current_app.config["DIRECTORY_CACHE"] and not current_user.is_authenticated:
        # Every input of the content is in the key; the cache checks the data's version.
        key = (kind, number, locale, request.script_root, astuple(filters))
        content = directory_cache.content(key, render)
    else:
        content = render()
    # Rendered by Jinja with autoescaping: already safe HTML.
    return render_template("market/directory.html", content=Markup(content))  # noqa: S704


@bp.get("/home")
@login_required
def home():
    org = current_user.organisation
    if org is None:
        return redirect(url_for("coordination.applications" if current_user.is_coordinator else "main.home"))
    return render_template(
        "market/home.html", organisation=org,
        offers=queries.posts_of(org, Offer, include_hidden=True),
        needs=queries.posts_of(org, Need, include_hidden=True),
        fitting_needs=queries.needs_we_could_answer(org), fitting_offers=queries.offers_that_answer_us(org),
        can_post=market_policy.can_post(current_user),
    )


@bp.route("/<any(offers, needs):kinds>/new", methods=["GET", "POST"])
@login_required
def new_post(kinds):
    policy.require(market_policy.can_post(current_user))
    org = current_user.organisation
    model, form_class = KINDS[kinds]
    form = form_class(organisation=org)
    if request.method == "GET" and request.args.get("competence", type=int):
        form.competence_id.data = request.args.get("competence", type=int)
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            create = market.create_offer if model is Offer else market.create_need
            ok, outcome = commit(lambda: create(org, form.draft(), actor=current_user), form)
            if ok:
                flash(_("Your offer is published.") if model is Offer else _("Your need is published."), "success")
                return redirect(url_for(".post", kinds=kinds, post_id=outcome.id))
            status = outcome.status_code
    return render_template("market/post_form.html", form=form, kinds=kinds, post=None), status


@bp.get("/<any(offers, needs):kinds>/<int:post_id>")
def post(kinds, post_id):
    item = _post(kinds, post_id)
    policy.require(market_policy.can_view(current_user, item))
    return render_template("market/post.html", post=item, kinds=kinds, action_form=ActionForm(),
                           can_edit=market_policy.can_edit(current_user, item))


@bp.route("/<any(offers, needs):kinds>/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(kinds, post_id):
    item = _post(kinds, post_id)
    policy.require(market_policy.can_edit(current_user, item))
    _model, form_class = KINDS[kinds]
    form = form_class(obj=item, post=item)
    if request.method == "GET":
        form.languages.data = item.languages
        if isinstance(item, Offer):
            form.monthly_capacity.data = Decimal(item.monthly_capacity_minutes) / 60
        else:
            form.estimated_hours.data = Decimal(item.estimated_minutes) / 60
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            update = market.update_offer if isinstance(item, Offer) else market.update_need
            ok, outcome = commit(lambda: update(item, form.draft(), actor=current_user), form)
            if ok:
                flash(_("Your changes are saved."), "success")
                return redirect(url_for(".post", kinds=kinds, post_id=item.id))
            status = outcome.status_code
    return render_template("market/post_form.html", form=form, kinds=kinds, post=item), status


@bp.post("/<any(offers, needs):kinds>/<int:post_id>/<any(pause, resume, close, renew):action>")
@login_required
def post_action(kinds, post_id, action):
    item = _post(kinds, post_id)
    policy.require(market_policy.can_edit(current_user, item))
    service, message = ACTIONS[action]
    if ActionForm().validate_on_submit() and commit(lambda: service(item, actor=current_user))[0]:
        flash(message(), "success")
    return redirect(url_for(".post", kinds=kinds, post_id=item.id))


@bp.route("/renew/<token>", methods=["GET", "POST"])
def renew_by_link(token):
    """The link in the expiry warning: one button renews the post, without logging in."""
    item = market.post_from_renewal_token(token)
    kinds = "offers" if isinstance(item, Offer) else "needs"
    form = ActionForm()
    if form.validate_on_submit() and commit(lambda: market.renew_post(item, actor=None))[0]:
        flash(_("Thank you: the post stays open until %(date)s.", date=format_date(item.expires_at, "long")),
              "success")
        if market_policy.can_view(current_user, item):
            return redirect(url_for(".post", kinds=kinds, post_id=item.id))
        return redirect(url_for("main.home"))
    if not item.organisation.is_approved:
        abort(403)
    return render_template("market/renew.html", post=item, kinds=kinds, form=form)
