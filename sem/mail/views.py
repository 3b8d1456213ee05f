"""Mail pages: a person's preferences, the signed unsubscribe link, and for coordinators
the outbox (failed and recent messages, with a retry) and the digest preview."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from sem.core.errors import DomainError
from sem.core.forms import commit
from sem.extensions import csrf, db
from sem.mail import delivery
from sem.mail import services as mail
from sem.mail.digest import build_digests, render_digest
from sem.mail.models import Delivery, MailStatus, OutboxMessage
from sem.members import policy
from sem.members.models import Person

bp = Blueprint("mail", __name__, template_folder="templates")
RECENT = 50


# --- preferences -----------------------------------------------------------------------------


def _choices(kind: str) -> list[SelectChoice]:
    if kind == mail.DIGEST:
        pairs = [(Delivery.IMMEDIATELY, _("Receive it")), (Delivery.NEVER, _("Do not receive it"))]
    else:
        pairs = [(Delivery.IMMEDIATELY, _("At once")), (Delivery.DIGEST, _("In the weekly digest only")),
                 (Delivery.NEVER, _("Never"))]
    return [SelectChoice(choice.value, label) for choice, label in pairs]


def preferences_form(person: Person, formdata=None):
    """One radio group per kind this person can choose for."""

    class PreferencesForm(FlaskForm):
        pass

    current = mail.preferences_of(person)
    for kind in current:
        setattr(PreferencesForm, kind, RadioField(mail.KINDS[kind], choices=_choices(kind),
                                                  default=current[kind].value))
    return PreferencesForm() if formdata is None else PreferencesForm(formdata=formdata)


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def preferences():
    form = preferences_form(current_user)
    if form.validate_on_submit():
        choices = {kind: Delivery(getattr(form, kind).data) for kind in mail.kinds_for(current_user)}
        if commit(lambda: mail.set_preferences(current_user, choices, actor=current_user), form)[0]:
            flash(_("Your mail preferences are saved."), "success")
            return redirect(url_for(".preferences"))
    status = 400 if form.errors else 200
    return render_template("mail_pages/preferences.html", form=form, kinds=mail.kinds_for(current_user),
                           always=sorted(mail.ALWAYS_SENT)), status


# --- the signed link in every mail --------------------------------------------------------------


@bp.get("/mail/unsubscribe/<token>")
def unsubscribe(token):
    """Shows what the link stops and one button: a GET never changes anything (mail
    scanners open links)."""
    try:
        person, kind = mail.read_unsubscribe_token(token)
    except DomainError:
        abort(400)
    return render_template("mail_pages/unsubscribe.html", token=token, person=person, kind=kind, done=False)


@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt  # the signed token is the permission; mail clients POST here for RFC 8058 one-click
def unsubscribe_confirm(token):
    try:
        person, kind = mail.unsubscribe(token)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        abort(400)
    return render_template("mail_pages/unsubscribe.html", token=token, person=person, kind=kind, done=True)


# --- coordinators -------------------------------------------------------------------------------


def _coordinator() -> None:
    policy.require(policy.is_coordinator(current_user))


@bp.get("/coordination/mail")
@login_required
def outbox():
    _coordinator()
    failed = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == MailStatus.FAILED)
                                .order_by(OutboxMessage.id.desc()).limit(200)).all()
    recent = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status != MailStatus.FAILED)
                                .order_by(OutboxMessage.id.desc()).limit(RECENT)).all()
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    return render_template("mail_pages/outbox.html", failed=failed, recent=recent, counts=counts,
                           statuses=list(MailStatus))


@bp.post("/coordination/mail/<int:message_id>/retry")
@login_required
def retry(message_id):
    _coordinator()
    row = db.get_or_404(OutboxMessage, message_id)
    if commit(lambda: delivery.retry_message(row, actor=current_user))[0]:
        flash(_("The message is queued again."), "success")
    return redirect(url_for(".outbox"))


def _digest_of(person_id: int):
    _coordinator()
    person = db.get_or_404(Person, person_id)
    digests = build_digests(person_ids=[person.id], include_sent=True)
    if not digests:
        abort(404)  # a coordinator without an organisation gets no digest
    return person, digests[0]


@bp.get("/coordination/digest/<int:person_id>")
@login_required
def digest_preview(person_id):
    person, digest = _digest_of(person_id)
    return render_template("mail_pages/digest_preview.html", person=person, digest=digest,
                           rendered=render_digest(digest))


@bp.get("/coordination/digest/<int:person_id>/mail.html")
@login_required
def digest_preview_html(person_id):
    """The digest's HTML part alone, for the preview's frame: mails carry inline styles,
    which the site's policy forbids, so this response gets a policy of its own (styles
    only: no script, no outside resource) and may only be framed by SEM itself."""
    _person, digest = _digest_of(person_id)
    response = make_response(render_digest(digest).html)
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                                   "frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


MAIL_STATUS_LABELS = {
    MailStatus.QUEUED: _l("Queued"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
    MailStatus.HELD: _l("Kept for the digest"),
    MailStatus.DIGESTED: _l("Listed in a digest"),
}


@bp.context_processor
def _labels():
    return {"KINDS": mail.KINDS, "MAIL_STATUS_LABELS": MAIL_STATUS_LABELS}
