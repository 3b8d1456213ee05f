"""Hours as SEM counts them: integer minutes, in whole quarter hours."""

from flask_babel import lazy_gettext as _l

from sem.core.errors import DomainError


def check_quarter_hours(minutes, *, maximum: int, field: str) -> int:
    """Return `minutes` if it is a positive whole number of quarter hours up to `maximum`;
    otherwise raise a DomainError for `field`."""
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise DomainError(_l("Enter a number of hours greater than zero."), field=field)
    if minutes % 15:
        raise DomainError(_l("Use quarter hours: 1, 1.25, 1.5, 1.75…"), field=field)
    if minutes > maximum:
        raise DomainError(_l("At most %(hours)d hours.", hours=maximum // 60), field=field)
    return minutes
