"""Forms for proposals, hour declarations, disputes and feedback."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from sem.core.forms import REQUIRED
from sem.exchanges.labels import RESOLUTION_LABELS
from sem.exchanges.models import DisputeResolution
from sem.market.forms import HoursField, to_minutes


def _post_choice(post) -> tuple[int, str]:
    return post.id, f"{post.title} ({post.competence.label})"


class _ProposeForm(FlaskForm):
    message = TextAreaField(_l("A word for the other organisation (optional)"), validators=[Length(max=2000)])

    def fill(self, field, own_posts, target) -> None:
        """Offer the organisation's open posts, those in the target's competence first."""
        ordered = sorted(own_posts, key=lambda p: p.competence_id != target.competence_id)
        field.choices = [_post_choice(p) for p in ordered]
        if field.data is None and ordered:
            field.data = ordered[0].id


class HelpForm(_ProposeForm):
    """"I can help", on a need: which of our offers answers it."""

    offer_id = SelectField(_l("Our offer"), coerce=int, validators=[InputRequired(REQUIRED)])


class AskForm(_ProposeForm):
    """"Ask for help", on an offer: which of our needs it would answer."""

    need_id = SelectField(_l("Our need"), coerce=int, validators=[InputRequired(REQUIRED)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why not? (optional, sent to the other organisation)"), validators=[Length(max=2000)])


class DeclareForm(FlaskForm):
    worked_on = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    hours = HoursField(_l("Hours given"), validators=[InputRequired(_l("Enter a number of hours."))])
    note = TextAreaField(_l("What was done (optional)"), validators=[Length(max=2000)])

    @property
    def minutes(self) -> int | None:
        return to_minutes(self.hours.data)


class StatementForm(FlaskForm):
    statement = TextAreaField(_l("Your statement"), validators=[DataRequired(REQUIRED), Length(max=4000)])


class FeedbackForm(FlaskForm):
    text = TextAreaField(_l("Your note to the other organisation"),
                         validators=[DataRequired(REQUIRED), Length(max=2000)])


class ResolveForm(FlaskForm):
    resolution = RadioField(_l("Decision"), validators=[DataRequired(REQUIRED)])
    hours = HoursField(_l("Hours to settle (when adjusting)"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (sent to both organisations and kept in the audit log)"),
                           validators=[DataRequired(_l("Please give a reason.")), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolution.choices = [(r.value, text) for r, text in RESOLUTION_LABELS.items()]

    @property
    def minutes(self) -> int | None:
        return to_minutes(self.hours.data)

    @property
    def decision(self) -> DisputeResolution:
        return DisputeResolution(self.resolution.data)
