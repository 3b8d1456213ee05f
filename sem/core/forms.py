"""Form helpers shared by every area."""

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets

from sem.core.errors import DomainError
from sem.extensions import db

T = TypeVar("T")

REQUIRED = _l("This field is required.")


def strip(value):
    """A field filter: surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, readable by screen readers."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def show_domain_error(form, error: DomainError) -> None:
    """Put a service's error beside its field, or above the form when it has none."""
    # str(): a lazy string counts as safe markup in Jinja, and messages may carry names
    # that members typed; a plain string is escaped like any other text.
    message = str(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        flash(message, "error")


def commit(action: Callable[[], T], form=None) -> tuple[bool, T | DomainError]:
    """Run one service call as the request's unit of work and commit it.

    On a DomainError nothing is kept: the transaction rolls back and the message goes beside
    its field on `form` (or above the page). Returns (True, what the service returned) or
    (False, the error)."""
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False, error
    return True, result


class LongSelect:
    """A select widget for thousands of options (every organisation of a federation): the
    same HTML as WTForms' own, built in one pass instead of one widget call per option."""

    def __call__(self, field, **kwargs):
        from markupsafe import Markup, escape

        kwargs.setdefault("id", field.id)
        parts = [f"<select {widgets.html_params(name=field.name, **kwargs)}>"]
        for value, label, selected, *_ in field.iter_choices():
            parts.append(f'<option value="{escape(value)}"{" selected" if selected else ""}>{escape(label)}</option>')
        parts.append("</select>")
        return Markup("".join(parts))  # noqa: S704 - every value and label is escaped above
