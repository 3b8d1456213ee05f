"""Coordinators manage the identity vocabularies (sectors, methods, target publics)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sem.catalogue import services as catalogue
from sem.catalogue.forms import TermForm
from sem.catalogue.models import Term, TermKind
from sem.catalogue.vocab import TERM_KIND_LABELS
from sem.core.forms import commit
from sem.extensions import db
from sem.members import policy
from sem.members.forms import ActionForm

bp = Blueprint("catalogue", __name__, url_prefix="/coordination/vocabularies", template_folder="templates")


@bp.before_request
@login_required
def require_coordinator():
    policy.require(policy.is_coordinator(current_user))


def _kind(kind: str) -> TermKind:
    try:
        return TermKind(kind)
    except ValueError:
        abort(404)


@bp.get("/")
def index():
    return redirect(url_for(".vocabulary", kind=TermKind.SECTOR.value))


@bp.route("/<kind>", methods=["GET", "POST"])
def vocabulary(kind):
    term_kind = _kind(kind)
    form = TermForm()
    if form.validate_on_submit() and commit(lambda: catalogue.add_term(
            term_kind, label_fr=form.label_fr.data, label_nl=form.label_nl.data, label_en=form.label_en.data,
            actor=current_user), form)[0]:
        flash(_("The entry is added."), "success")
        return redirect(url_for(".vocabulary", kind=kind))
    return render_template("catalogue/vocabulary.html", kind=term_kind, kinds=list(TermKind),
                           kind_labels=TERM_KIND_LABELS, form=form, action_form=ActionForm(),
                           terms=catalogue.terms(term_kind, include_retired=True))


@bp.route("/terms/<int:term_id>", methods=["GET", "POST"])
def edit_term(term_id):
    term = db.get_or_404(Term, term_id)
    form = TermForm(obj=term)
    if form.validate_on_submit() and commit(lambda: catalogue.update_term(
            term, label_fr=form.label_fr.data, label_nl=form.label_nl.data, label_en=form.label_en.data,
            actor=current_user), form)[0]:
        flash(_("The entry is saved."), "success")
        return redirect(url_for(".vocabulary", kind=term.kind.value))
    return render_template("catalogue/edit_term.html", term=term, form=form, kind_labels=TERM_KIND_LABELS)


@bp.post("/terms/<int:term_id>/<any(retire, restore):change>")
def retire_term(term_id, change):
    term = db.get_or_404(Term, term_id)
    if ActionForm().validate_on_submit():
        catalogue.set_term_retired(term, change == "retire", actor=current_user)
        db.session.commit()
        flash(_("The entry is retired.") if change == "retire" else _("The entry is back in use."), "success")
    return redirect(url_for(".vocabulary", kind=term.kind.value))
