"""Membership forms. Choices are filled per request so labels follow the page's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional

from sem.catalogue import services as catalogue
from sem.catalogue.models import TermKind
from sem.catalogue.vocab import COMMUNES, LANGUAGES, LEGAL_FORMS, choices
from sem.core.forms import REQUIRED, MultiCheckboxField, strip
from sem.core.i18n import LOCALE_NAMES, LOCALES
from sem.members.models import Role, Stage


def stage_choices():
    return [(Stage.EMERGING.value, _l("Emerging: we are starting or growing and need help first")),
            (Stage.ESTABLISHED.value, _l("Established: we have competences to give"))]


def role_choices():
    return [(Role.MEMBER.value, _l("Member")), (Role.ADMIN.value, _l("Admin"))]


class OrganisationProfileForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(REQUIRED), Length(max=160)])
    legal_form = SelectField(_l("Legal form"), validators=[DataRequired(REQUIRED)])
    commune = SelectField(_l("Commune"), validators=[DataRequired(REQUIRED)])
    contact_email = EmailField(_l("Contact email"), filters=[strip], validators=[
        DataRequired(REQUIRED), Email(_l("Enter a valid email address.")), Length(max=254)])
    website = StringField(_l("Website"), filters=[strip], validators=[
        Optional(), URL(message=_l("Enter a full address, starting with https://")), Length(max=300)])
    description = TextAreaField(_l("What does your organisation do?"), validators=[Length(max=4000)])
    languages = MultiCheckboxField(_l("Working languages"), validators=[
        DataRequired(_l("Choose at least one working language."))])
    sectors = MultiCheckboxField(_l("Sectors (what you do)"), coerce=int)
    methods = MultiCheckboxField(_l("Methods (how you do it)"), coerce=int)
    publics = MultiCheckboxField(_l("Target publics (for whom)"), coerce=int)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_form.choices = [("", _l("Choose…")), *choices(LEGAL_FORMS)]
        self.commune.choices = [("", _l("Choose…")), *choices(COMMUNES)]
        self.languages.choices = choices(LANGUAGES)
        kept = {t.id for t in organisation.terms} if organisation else set()
        for field_name, kind in (("sectors", TermKind.SECTOR), ("methods", TermKind.METHOD),
                                 ("publics", TermKind.PUBLIC)):
            terms = [t for t in catalogue.terms(kind, include_retired=True) if not t.retired or t.id in kept]
            getattr(self, field_name).choices = [(t.id, t.label) for t in terms]

    @property
    def term_ids(self) -> list[int]:
        return [*self.sectors.data, *self.methods.data, *self.publics.data]


class ApplicationForm(OrganisationProfileForm):
    stage = RadioField(_l("Where does your organisation stand?"), default=Stage.EMERGING.value,
                       validators=[DataRequired(REQUIRED)])
    person_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(_l("Your email address (to log in)"), filters=[strip], validators=[
        DataRequired(REQUIRED), Email(_l("Enter a valid email address.")), Length(max=254)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))])
    accept_charter = BooleanField(_l("We have read the charter and accept it on behalf of our organisation."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = stage_choices()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Stay logged in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=[
        DataRequired(REQUIRED), Email(_l("Enter a valid email address."))])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=120)])


class AccountForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    locale = SelectField(_l("Language of the site and of your mails"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [(code, LOCALE_NAMES[code]) for code in LOCALES]


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email address"), filters=[strip], validators=[
        DataRequired(REQUIRED), Email(_l("Enter a valid email address.")), Length(max=254)])
    role = SelectField(_l("Role"), default=Role.MEMBER.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the organisation and kept in the audit log)"),
                           validators=[DataRequired(_l("Please give a reason.")), Length(max=2000)])


class ApproveForm(FlaskForm):
    stage = RadioField(_l("Stage"), validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("Note to the organisation (optional)"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = stage_choices()


class StageForm(ReasonForm):
    stage = RadioField(_l("Stage"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = stage_choices()


class CharterForm(FlaskForm):
    text_fr = TextAreaField(_l("Charter in French"), validators=[DataRequired(REQUIRED), Length(max=20000)])
    text_nl = TextAreaField(_l("Charter in Dutch"), validators=[DataRequired(REQUIRED), Length(max=20000)])
