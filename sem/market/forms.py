"""Forms for offers and needs: short, with sensible defaults, labels in the page's language."""

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from sem.catalogue import services as catalogue
from sem.catalogue.vocab import LANGUAGES, choices
from sem.core.forms import REQUIRED, MultiCheckboxField, strip
from sem.market.labels import MODE_LABELS, URGENCY_LABELS
from sem.market.models import Mode, Urgency
from sem.market.services import NeedDraft, OfferDraft

HOURS_HINT = _l("In hours; quarter hours allowed (1.5 = 1 h 30).")




def to_minutes(hours: Decimal | None) -> int | None:
    """Hours as typed (1.5) to exact integer minutes (90); the service checks the quarters."""
    if hours is None:
        return None
    minutes = hours * 60
    return int(minutes) if minutes == minutes.to_integral_value() else -1


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class HoursField(DecimalField):
    """Hours as people type them: "1.5" or "1,5" (French and Dutch write a decimal comma,
    which a number input refuses in some browsers: hence a text input with a decimal keypad)."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").strip()]
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0.##")


class PostForm(FlaskForm):
    # The service checks the competence (and says why in the page's language).
    competence_id = SelectField(_l("Competence"), coerce=int_or_none, validate_choice=False,
                                validators=[InputRequired(REQUIRED)])
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=140)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    languages = MultiCheckboxField(_l("Languages"), validators=[
        DataRequired(_l("Choose at least one working language."))])

    def __init__(self, *args, post=None, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [post.competence_id] if post is not None else []
        self.competence_id.choices = {group: options for group, options in catalogue.competence_choices(keep)}
        self.languages.choices = choices(LANGUAGES)
        if post is None and organisation is not None and not self.is_submitted():
            self.languages.data = organisation.language_codes[:2] or ["fr"]


class OfferForm(PostForm):
    mode = RadioField(_l("Where"), default=Mode.BOTH.value, validators=[DataRequired(REQUIRED)])
    monthly_capacity = HoursField(_l("Hours you can give per month"), default=Decimal(4),
                                    validators=[InputRequired(_l("Enter a number of hours.")),
                                                NumberRange(min=Decimal("0.25"), max=160,
                                                            message=_l("Between 0.25 and 160 hours."))])
    conditions = TextAreaField(_l("Conditions (optional)"), validators=[Length(max=1000)])
    standing = BooleanField(_l("Standing offer (a room, equipment): ask us once a year whether it still holds"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [(mode.value, text) for mode, text in MODE_LABELS.items()]

    def draft(self) -> OfferDraft:
        return OfferDraft(competence_id=self.competence_id.data, title=self.title.data,
                          description=self.description.data or "", languages=self.languages.data,
                          mode=Mode(self.mode.data), monthly_capacity_minutes=to_minutes(self.monthly_capacity.data),
                          conditions=self.conditions.data or "", standing=self.standing.data)


class NeedForm(PostForm):
    urgency = RadioField(_l("Urgency"), default=Urgency.NORMAL.value, validators=[DataRequired(REQUIRED)])
    estimated_hours = HoursField(_l("Estimated hours"), default=Decimal(4),
                                   validators=[InputRequired(_l("Enter a number of hours.")),
                                               NumberRange(min=Decimal("0.25"), max=500,
                                                           message=_l("Between 0.25 and 500 hours."))])
    wished_by = DateField(_l("Needed by (optional)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urgency.choices = [(urgency.value, text) for urgency, text in URGENCY_LABELS.items()]

    def draft(self) -> NeedDraft:
        return NeedDraft(competence_id=self.competence_id.data, title=self.title.data,
                         description=self.description.data or "", languages=self.languages.data,
                         urgency=Urgency(self.urgency.data), estimated_minutes=to_minutes(self.estimated_hours.data),
                         wished_by=self.wished_by.data)
