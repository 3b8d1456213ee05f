"""Locale selection and the helpers that show things in the page's language."""

from decimal import Decimal

from flask import has_request_context, request, session
from flask_babel import force_locale, format_date, format_datetime, format_decimal, get_locale  # noqa: F401
from flask_login import current_user

# French first: the default when nothing else tells us. English is the source language.
LOCALES = ("fr", "nl", "en")
LOCALE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
DEFAULT_LOCALE = "fr"


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


def format_hours(minutes: int | None) -> str:
    """Integer minutes as hours for the page's language: 90 → "1,5 h" (fr), "1,5 u" (nl)."""
    if minutes is None:
        return ""
    number = format_decimal(Decimal(minutes) / 60, format="#,##0.##")
    return f"{number}\u00a0{'u' if current_locale() == 'nl' else 'h'}"


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
