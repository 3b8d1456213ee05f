"""Ledger forms and the names of ledger values. Services check the rules (quarter hours,
floors, reasons) and say why; forms only parse what people typed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from sem.catalogue import services as catalogue
from sem.core.forms import REQUIRED, MultiCheckboxField
from sem.ledger.models import AccountKind, TransactionKind
from sem.market.forms import HoursField, int_or_none, to_minutes
from sem.members.labels import STAGE_LABELS
from sem.members.models import Stage

HOURS_REQUIRED = _l("Enter a number of hours.")
REASON_REQUIRED = _l("Please give a reason.")

KIND_LABELS = {
    TransactionKind.EXCHANGE: _l("Exchange"),
    TransactionKind.DONATION: _l("Donation to the fund"),
    TransactionKind.GRANT: _l("Grant"),
    TransactionKind.CORRECTION: _l("Correction"),
    TransactionKind.IMPORT: _l("Imported exchange"),
}
ACCOUNT_LABELS = {AccountKind.SOLIDARITY: _l("Solidarity fund"), AccountKind.NETWORK: _l("Network account")}


class _HoursForm(FlaskForm):
    """A form with an `hours` field; services name it `minutes` in their errors."""

    @property
    def minutes(self):
        return self.hours

    @property
    def minutes_value(self) -> int | None:
        return to_minutes(self.hours.data)


class DonateForm(_HoursForm):
    hours = HoursField(_l("Hours to give to the solidarity fund"), validators=[InputRequired(HOURS_REQUIRED)])
    memo = StringField(_l("Note (optional)"), validators=[Length(max=200)])


class GrantForm(_HoursForm):
    hours = HoursField(_l("Hours to grant to each one"), validators=[InputRequired(HOURS_REQUIRED)])
    reason = TextAreaField(_l("Reason (shown in the open ledger and kept in the audit log)"),
                           validators=[DataRequired(REASON_REQUIRED), Length(max=2000)])
    # The checkboxes are in the rows of the balances table; only members' ids are used.
    organisations = MultiCheckboxField(_l("Organisations"), coerce=int, validate_choice=False)
    to_fund = BooleanField(_l("Also grant these hours to the solidarity fund"))


class SignedHoursField(HoursField):
    """Hours that may be negative, typed with a hyphen or a true minus sign."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("\u2212", "-")]
        super().process_formdata(valuelist)


class FloorForm(FlaskForm):
    target = SelectField(_l("For"), validators=[DataRequired(REQUIRED)])
    floor = SignedHoursField(_l("Lowest balance allowed, in hours"), validators=[InputRequired(HOURS_REQUIRED)])
    reason = TextAreaField(_l("Reason (kept in the floor history and the audit log)"),
                           validators=[DataRequired(REASON_REQUIRED), Length(max=2000)])

    def __init__(self, *args, organisations: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = {
            _l("A stage"): [(f"stage:{stage.value}", STAGE_LABELS[stage]) for stage in Stage],
            _l("One organisation"): [(f"organisation:{org_id}", name) for org_id, name in organisations],
        }

    @property
    def floor_minutes(self) -> int | None:
        return to_minutes(self.floor.data)


class ReverseForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the correction (shown in the open ledger)"),
                           validators=[DataRequired(REASON_REQUIRED), Length(max=2000)])


class LedgerFilterForm(FlaskForm):
    """The open ledger's filters: a GET form, so without a CSRF token."""

    class Meta:
        csrf = False

    # A name typed (matched on the server, so it works without JavaScript), not a list of
    # every organisation of the network: a federation has thousands. Links name one by id
    # (`organisation=`), which the view reads itself.
    org = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    competence = SelectField(_l("Competence"), coerce=int_or_none, validate_choice=False, validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, formdata):
        super().__init__(formdata)
        # Grouped by domain: the template draws this select itself, with an "all" option first.
        self.competence.choices = catalogue.competence_choices([self.competence.data])
        self.kind.choices = [("", _l("All kinds")), *((kind.value, label) for kind, label in KIND_LABELS.items())]


class ImportCheckForm(FlaskForm):
    file = FileField(_l("CSV file of past exchanges"), validators=[FileRequired(_l("Choose a file."))])


class ImportRecordForm(FlaskForm):
    """The checked file travels back in the page, so what is recorded is what was checked."""

    content = HiddenField(validators=[DataRequired()])
    filename = HiddenField()
    expected = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (shown in the open ledger and kept in the audit log)"),
                           validators=[DataRequired(REASON_REQUIRED), Length(max=2000)])
