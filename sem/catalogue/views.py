"""Coordinators manage the identity vocabularies (sectors, methods, target publics) and the
competence catalogue (domain → competence)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from sem.catalogue import services as catalogue
from sem.catalogue.forms import CatalogueEntryForm, CompetenceForm, MergeForm, TermForm
from sem.catalogue.models import Competence, Domain, Term, TermKind
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


# --- the competence catalogue ---------------------------------------------------------------

competences_bp = Blueprint("competences", __name__, url_prefix="/coordination/competences",
                           template_folder="templates")


@competences_bp.before_request
@login_required
def require_coordinator_for_competences():
    policy.require(policy.is_coordinator(current_user))


def _to_catalogue(domain_id: int | None = None):
    return redirect(url_for(".index", _anchor=f"domain-{domain_id}" if domain_id else None))


def _domain_choices(current: Domain | None = None) -> list[tuple[int, str]]:
    """Open domains, plus the current one even if it is retired."""
    return [(d.id, d.label) for d in catalogue.catalogue_domains() if not d.retired or d is current]


@competences_bp.route("/", methods=["GET", "POST"], endpoint="index")
def catalogue_page():
    form = CatalogueEntryForm()
    if form.validate_on_submit():
        ok, domain = commit(lambda: catalogue.add_domain(**form.entry(), actor=current_user), form)
        if ok:
            flash(_("The domain is added."), "success")
            return _to_catalogue(domain.id)
    return render_template("catalogue/competences.html", form=form, domains=catalogue.catalogue_domains(),
                           competences_of=catalogue.competences_of, counts=catalogue.open_post_counts())


@competences_bp.route("/domains/<int:domain_id>", methods=["GET", "POST"])
def edit_domain(domain_id):
    domain = db.get_or_404(Domain, domain_id)
    form = CatalogueEntryForm(obj=domain)
    if form.validate_on_submit() and commit(lambda: catalogue.update_domain(
            domain, **form.entry(), actor=current_user), form)[0]:
        flash(_("The domain is saved."), "success")
        return _to_catalogue(domain.id)
    return render_template("catalogue/edit_domain.html", domain=domain, form=form)


@competences_bp.post("/domains/<int:domain_id>/<any(retire, restore):change>")
def retire_domain(domain_id, change):
    domain = db.get_or_404(Domain, domain_id)
    if ActionForm().validate_on_submit() and commit(lambda: catalogue.set_domain_retired(
            domain, change == "retire", actor=current_user))[0]:
        flash(_("The domain is retired: its competences are no longer offered.") if change == "retire"
              else _("The domain is back in use."), "success")
    return _to_catalogue(domain.id)


@competences_bp.route("/domains/<int:domain_id>/new", methods=["GET", "POST"])
def add_competence(domain_id):
    domain = db.get_or_404(Domain, domain_id)
    form = CatalogueEntryForm()
    if form.validate_on_submit() and commit(lambda: catalogue.add_competence(
            domain, **form.entry(), actor=current_user), form)[0]:
        flash(_("The competence is added."), "success")
        return _to_catalogue(domain.id)
    return render_template("catalogue/edit_competence.html", domain=domain, competence=None, form=form)


@competences_bp.route("/<int:competence_id>", methods=["GET", "POST"])
def edit_competence(competence_id):
    competence = db.get_or_404(Competence, competence_id)
    form = CompetenceForm(obj=competence)
    form.domain_id.choices = _domain_choices(competence.domain)
    if form.validate_on_submit() and commit(lambda: catalogue.update_competence(
            competence, **form.entry(), domain=db.session.get(Domain, form.domain_id.data or 0),
            actor=current_user), form)[0]:
        flash(_("The competence is saved."), "success")
        return _to_catalogue(competence.domain_id)
    return render_template("catalogue/edit_competence.html", domain=competence.domain, competence=competence,
                           form=form)


@competences_bp.post("/<int:competence_id>/<any(retire, restore):change>")
def retire_competence(competence_id, change):
    competence = db.get_or_404(Competence, competence_id)
    if ActionForm().validate_on_submit() and commit(lambda: catalogue.set_competence_retired(
            competence, change == "retire", actor=current_user))[0]:
        flash(_("The competence is retired: posts keep it, new ones cannot choose it.") if change == "retire"
              else _("The competence is back in use."), "success")
    return _to_catalogue(competence.domain_id)


@competences_bp.route("/<int:competence_id>/merge", methods=["GET", "POST"])
def merge_competence(competence_id):
    competence = db.get_or_404(Competence, competence_id)
    form = MergeForm()
    form.target_id.choices = {group: [(value, label) for value, label in options if value != competence.id]
                              for group, options in catalogue.competence_choices()}
    if form.validate_on_submit():
        ok, moved = commit(lambda: catalogue.merge_competences(
            competence, db.session.get(Competence, form.target_id.data or 0), actor=current_user,
            reason=form.reason.data or ""), form)
        if ok:
            flash(ngettext("The competences are merged: %(num)d post moved.",
                           "The competences are merged: %(num)d posts moved.", moved), "success")
            return _to_catalogue(competence.domain_id)
    offers, needs = catalogue.post_counts(competence)
    return render_template("catalogue/merge_competence.html", competence=competence, form=form, offers=offers,
                           needs=needs)
