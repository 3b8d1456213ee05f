"""Locale selection and the helpers that show things in the page's language."""

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from flask import has_request_context, request, session
from flask_babel import force_locale, format_date, format_datetime, format_decimal, get_locale  # noqa: F401
from flask_login import current_user

# French first: the default when nothing else tells us. English is the source language.
LOCALES = ("fr", "nl", "en")
LOCALE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
DEFAULT_LOCALE = "fr"
_CENT = Decimal("0.01")


def select_locale() -> str:
    """The person's preference, else the language switch, else Accept-Language, else fr."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else DEFAULT_LOCALE


def label(obj, locale: str | None = None) -> str:
    """The label of a vocabulary row (or any object with label_fr/label_nl/label_en)."""
    locale = locale or current_locale()
    return getattr(obj, f"label_{locale}", None) or obj.label_fr


@lru_cache(maxsize=16)
def _number_symbols(locale: str) -> tuple[str, str, str]:
    """The locale's digit group separator, decimal separator and minus sign (CLDR, by Babel)."""
    symbols = Locale.parse(locale).number_symbols
    symbols = symbols.get("latn", symbols)
    return symbols["group"], symbols["decimal"], symbols["minusSign"]


def _hours_number(minutes: int, locale: str) -> str:
    """What `format_decimal(Decimal(minutes) / 60, format="#,##0.##")` writes (two decimals at
    most, rounded half to even, trailing zeros left out, digits grouped by three), some ten
    times faster: the reports' tables show a thousand of these on a page."""
    group, decimal, minus = _number_symbols(locale)
    value = (Decimal(abs(minutes)) / 60).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    whole, _, fraction = f"{value:f}".partition(".")
    fraction = fraction.rstrip("0")
    text = f"{int(whole):,}".replace(",", group) + (decimal + fraction if fraction else "")
    return minus + text if minutes < 0 and value else text


def format_hours(minutes: int | None) -> str:
    """Integer minutes as hours for the page's language: 90 → "1,5 h" (fr), "1,5 u" (nl)."""
    if minutes is None:
        return ""
    locale = current_locale()
    return f"{_hours_number(minutes, locale)}\u00a0{'u' if locale == 'nl' else 'h'}"


def init_app(app) -> None:
    app.jinja_env.globals.update(
        get_locale=current_locale,
        label=label,
        LOCALES=LOCALES,
        LOCALE_NAMES=LOCALE_NAMES,
    )
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
