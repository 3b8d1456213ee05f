from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

REQUIRED = _l("This field is required.")


class TermForm(FlaskForm):
    label_fr = StringField(_l("Label in French"), validators=[DataRequired(REQUIRED), Length(max=120)])
    label_nl = StringField(_l("Label in Dutch"), validators=[DataRequired(REQUIRED), Length(max=120)])
    label_en = StringField(_l("Label in English"), validators=[DataRequired(REQUIRED), Length(max=120)])
