"""The reports' filters: a GET form (no CSRF token); wrong values are shown beside their
field and the default is used instead."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MonthField, SelectField
from wtforms.validators import Optional

from sem.core.i18n import label
from sem.reports.queries import ReportFilters, add_months

MAX_MONTHS = 120


def int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = MonthField(_l("From (month)"), validators=[Optional()], name="from")
    date_to = MonthField(_l("To (month)"), validators=[Optional()], name="to")
    sector = SelectField(_l("Sector"), coerce=int_or_none, validate_choice=False, validators=[Optional()])
    public = SelectField(_l("Target public"), coerce=int_or_none, validate_choice=False, validators=[Optional()])
    commune = SelectField(_l("Commune"), validate_choice=False, validators=[Optional()])

    def __init__(self, formdata, *, sectors=None, publics=None, communes=None, organisation_filters=True):
        super().__init__(formdata)
        self.organisation_filters = organisation_filters
        self.sector.choices = [("", _l("All sectors")), *((t.id, label(t)) for t in (sectors or {}).values())]
        self.public.choices = [("", _l("All publics")), *((t.id, label(t)) for t in (publics or {}).values())]
        self.commune.choices = [("", _l("All communes")), *((c, c) for c in (communes or []))]

    def filters(self, *, now=None) -> ReportFilters:
        """Validate and return the filters to apply (defaults where a value is wrong)."""
        self.validate()
        default = ReportFilters.default(now=now)
        start = self.date_from.data.replace(day=1) if self.date_from.data and not self.date_from.errors else None
        end = self.date_to.data.replace(day=1) if self.date_to.data and not self.date_to.errors else None
        if start and end and start > end:
            self.date_to.errors = [*self.date_to.errors, _l("The end of the period comes before its start.")]
            start = end = None
        if start and not end:
            end = max(start, default.month_to)
        if end and not start:
            start = add_months(end, -11)
        start, end = start or default.month_from, end or default.month_to
        if add_months(start, MAX_MONTHS) <= end:
            self.date_from.errors = [*self.date_from.errors,
                                     _l("A period is at most %(n)s months.", n=MAX_MONTHS)]
            start = add_months(end, -(MAX_MONTHS - 1))
        valid = {choice[0] for choice in self.sector.choices}
        sector = self.sector.data if self.sector.data in valid else None
        valid = {choice[0] for choice in self.public.choices}
        public = self.public.data if self.public.data in valid else None
        valid = {choice[0] for choice in self.commune.choices}
        commune = self.commune.data if self.commune.data in valid and self.commune.data else None
        if not self.organisation_filters:
            sector = public = commune = None
        return ReportFilters(month_from=start, month_to=end, sector_id=sector, public_id=public, commune=commune)
