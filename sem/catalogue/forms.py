from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from sem.core.forms import REQUIRED, strip


class TermForm(FlaskForm):
    label_fr = StringField(_l("Label in French"), validators=[DataRequired(REQUIRED), Length(max=120)])
    label_nl = StringField(_l("Label in Dutch"), validators=[DataRequired(REQUIRED), Length(max=120)])
    label_en = StringField(_l("Label in English"), validators=[DataRequired(REQUIRED), Length(max=120)])




def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CatalogueEntryForm(TermForm):
    """A domain or a competence: labels and short descriptions in the three languages."""

    description_fr = TextAreaField(_l("Description in French"), filters=[strip], validators=[Length(max=500)])
    description_nl = TextAreaField(_l("Description in Dutch"), filters=[strip], validators=[Length(max=500)])
    description_en = TextAreaField(_l("Description in English"), filters=[strip], validators=[Length(max=500)])

    def entry(self) -> dict[str, str]:
        """The labels and descriptions, as the catalogue services take them."""
        return {name: getattr(self, name).data or "" for name in (
            "label_fr", "label_nl", "label_en", "description_fr", "description_nl", "description_en")}


class CompetenceForm(CatalogueEntryForm):
    # The service checks the domain (and says why in the page's language).
    domain_id = SelectField(_l("Domain"), coerce=int_or_none, validate_choice=False,
                            validators=[InputRequired(REQUIRED)])


class MergeForm(FlaskForm):
    target_id = SelectField(_l("Merge into"), coerce=int_or_none, validate_choice=False,
                            validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Reason (optional, kept in the audit log)"), filters=[strip],
                           validators=[Length(max=2000)])
