"""Membership pages for organisations and their people: apply, log in, reset, my
organisation, people and invitations, charter, account."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from sem.core.errors import DomainError
from sem.core.forms import commit, show_domain_error
from sem.core.i18n import current_locale
from sem.core.security import client_address, safe_next
from sem.extensions import db
from sem.market import queries as market_queries
from sem.market.models import Need, Offer
from sem.members import policy
from sem.members import services as members
from sem.members.forms import (
    AcceptInvitationForm,
    AccountForm,
    ActionForm,
    ApplicationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    OrganisationProfileForm,
    RoleForm,
)
from sem.members.models import Invitation, Organisation, OrgStatus, Person, Role, Stage

bp = Blueprint("members", __name__, template_folder="templates")


def _profile(form: OrganisationProfileForm) -> members.Profile:
    return members.Profile(
        name=form.name.data, legal_form=form.legal_form.data, commune=form.commune.data,
        contact_email=form.contact_email.data, website=form.website.data or "",
        description=form.description.data or "", languages=form.languages.data, term_ids=form.term_ids,
    )


def _my_organisation() -> Organisation:
    org = current_user.organisation
    if org is None:
        abort(404)
    return org


# --- applying and logging in ---------------------------------------------------------------


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    if current_user.is_authenticated:
        return redirect(url_for(".my_organisation"))
    form = ApplicationForm()
    charter = members.current_charter()
    if form.validate_on_submit():
        ok, person = commit(lambda: members.apply_for_membership(
            _profile(form), stage=Stage(form.stage.data), person_name=form.person_name.data,
            email=form.email.data, password=form.password.data, locale=current_locale(),
            accepts_charter=form.accept_charter.data,
        ), form)
        if ok:
            login_user(person)
            flash(_("Thank you! Your application is sent to the network's coordinators."), "success")
            return redirect(url_for(".application"))
    return render_template("members/apply.html", form=form, charter=charter, locale=current_locale())


@bp.get("/application")
@login_required
def application():
    org = _my_organisation()
    return render_template("members/application.html", organisation=org)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = members.authenticate(form.email.data, form.password.data, address=client_address())
        except DomainError as error:
            db.session.commit()  # keep the failure count
            if error.status_code == 429:
                raise
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(person, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) if request.args.get("next") else _landing(person))
    return render_template("members/login.html", form=form)


def _landing(person: Person) -> str:
    if person.organisation is not None and person.organisation.status in (OrgStatus.PENDING, OrgStatus.REJECTED):
        return url_for(".application")
    if person.organisation is None and person.is_coordinator:
        return url_for("coordination.applications")
    return url_for("market.home")


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        members.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for(".login"))
    return render_template("members/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    person = members.person_from_reset_token(token)
    form = NewPasswordForm()
    if form.validate_on_submit() and commit(lambda: members.set_password(person, form.password.data), form)[0]:
        flash(_("Your password is changed. You can log in with it now."), "success")
        return redirect(url_for(".login"))
    return render_template("members/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation = members.invitation_from_token(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        ok, person = commit(lambda: members.accept_invitation(
            invitation, name=form.name.data, password=form.password.data, locale=current_locale()), form)
        if ok:
            logout_user()  # whoever used this browser before
            login_user(person)
            flash(_("Welcome to SEM!"), "success")
            return redirect(url_for(".my_organisation"))
    return render_template("members/accept_invitation.html", form=form, invitation=invitation)


# --- my account -----------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit() and commit(
            lambda: members.update_account(current_user, name=form.name.data, locale=form.locale.data), form)[0]:
        flash(_("Your account is saved."), "success")
        return redirect(url_for(".account"))
    return render_template("members/account.html", form=form, password_form=password_form)


@bp.post("/account/password")
@login_required
def change_password():
    form = AccountForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit() and commit(lambda: members.change_password(
            current_user, password_form.current_password.data, password_form.password.data), password_form)[0]:
        login_user(current_user._get_current_object())  # keep this session; others end
        flash(_("Your password is changed."), "success")
        return redirect(url_for(".account"))
    return render_template("members/account.html", form=form, password_form=password_form), 400


# --- my organisation ------------------------------------------------------------------------


@bp.get("/organisation")
@login_required
def my_organisation():
    if current_user.organisation is None:
        if current_user.is_coordinator:
            return redirect(url_for("coordination.applications"))
        abort(404)
    return redirect(url_for(".organisation", org_id=current_user.organisation_id))


@bp.get("/organisations/<int:org_id>")
def organisation(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_view_profile(current_user, org))
    own = policy.can_view_private(current_user, org)
    return render_template(
        "members/organisation.html", organisation=org,
        offers=market_queries.posts_of(org, Offer, include_hidden=own),
        needs=market_queries.posts_of(org, Need, include_hidden=own),
        can_manage=policy.can_manage(current_user, org),
        can_view_private=policy.can_view_private(current_user, org),
        charter_pending=policy.can_accept_charter(current_user, org) and not policy.charter_accepted(org),
    )


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_manage(current_user, org))
    form = OrganisationProfileForm(obj=org, organisation=org)
    if request.method == "GET":
        form.languages.data = org.language_codes
        form.sectors.data = [t.id for t in org.sectors]
        form.methods.data = [t.id for t in org.methods]
        form.publics.data = [t.id for t in org.publics]
    if form.validate_on_submit() and commit(
            lambda: members.update_profile(org, _profile(form), actor=current_user), form)[0]:
        flash(_("The profile is saved."), "success")
        return redirect(url_for(".organisation", org_id=org.id))
    return render_template("members/edit_organisation.html", form=form, organisation=org)


@bp.get("/organisations/<int:org_id>/people")
@login_required
def people(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_view_private(current_user, org))
    invitations = db.session.scalars(
        db.select(Invitation).where(Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None)).order_by(Invitation.created_at)
    ).all()
    return render_template(
        "members/people.html", organisation=org, invitations=invitations,
        can_manage=policy.can_manage(current_user, org), invite_form=InviteForm(),
        role_form=RoleForm(), action_form=ActionForm(),
    )


@bp.post("/organisations/<int:org_id>/invitations")
@login_required
def invite(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_manage(current_user, org))
    form = InviteForm()
    if form.validate_on_submit():
        if commit(lambda: members.invite_person(org, form.email.data, Role(form.role.data), actor=current_user))[0]:
            flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".people", org_id=org.id))


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    policy.require(policy.can_manage(current_user, invitation.organisation))
    if ActionForm().validate_on_submit():
        members.revoke_invitation(invitation, actor=current_user)
        db.session.commit()
        flash(_("The invitation is withdrawn."), "success")
    return redirect(url_for(".people", org_id=invitation.organisation_id))


def _managed_person(person_id: int) -> Person:
    person = db.get_or_404(Person, person_id)
    policy.require(policy.can_manage_person(current_user, person))
    return person


@bp.post("/people/<int:person_id>/role")
@login_required
def set_role(person_id):
    person = _managed_person(person_id)
    form = RoleForm()
    if form.validate_on_submit() and commit(lambda: members.set_role(person, Role(form.role.data),
                                                                     actor=current_user))[0]:
        flash(_("The role of %(name)s is changed.", name=person.name), "success")
    return redirect(url_for(".people", org_id=person.organisation_id))


@bp.post("/people/<int:person_id>/remove")
@login_required
def remove_person(person_id):
    person = _managed_person(person_id)
    org_id = person.organisation_id
    if ActionForm().validate_on_submit() and commit(lambda: members.remove_person(person, actor=current_user))[0]:
        flash(_("%(name)s no longer acts for the organisation.", name=person.name), "success")
    return redirect(url_for(".people", org_id=org_id))


# --- charter ---------------------------------------------------------------------------------


@bp.get("/charter")
def charter():
    current = members.current_charter()
    org = current_user.organisation if current_user.is_authenticated else None
    can_accept = org is not None and policy.can_accept_charter(current_user, org) and not policy.charter_accepted(org)
    return render_template("members/charter.html", charter=current, can_accept=can_accept,
                           form=ActionForm(), locale=current_locale())


@bp.post("/charter/accept")
@login_required
def accept_charter():
    org = _my_organisation()
    policy.require(policy.can_accept_charter(current_user, org))
    if ActionForm().validate_on_submit():
        members.accept_charter(org, actor=current_user)
        db.session.commit()
        flash(_("Thank you: your organisation accepts the current charter."), "success")
    return redirect(url_for(".organisation", org_id=org.id))
