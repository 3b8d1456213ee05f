"""The coordinators' matching forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from sem.core.forms import REQUIRED, strip
from sem.matching import scoring
from sem.matching.labels import PART_LABELS
from sem.matching.services import MAX_K


class SettingsForm(FlaskForm):
    proposals_per_need = IntegerField(_l("Proposals per need (k)"),
                                      validators=[InputRequired(REQUIRED), NumberRange(1, MAX_K)])
    reason = TextAreaField(_l("Reason for the change"), filters=[strip], validators=[InputRequired(REQUIRED)])

    def weights(self) -> dict[str, int]:
        return {part: getattr(self, f"weight_{part}").data for part in scoring.PARTS}

    def weight_fields(self):
        return [getattr(self, f"weight_{part}") for part in scoring.PARTS]


for _part in scoring.PARTS:
    setattr(SettingsForm, f"weight_{_part}", IntegerField(
        PART_LABELS[_part], validators=[InputRequired(REQUIRED), NumberRange(0, scoring.MAX_WEIGHT)]))


class HandMatchForm(FlaskForm):
    offer_id = SelectField(_l("Offer"), coerce=int, validate_choice=True, validators=[InputRequired(REQUIRED)])
