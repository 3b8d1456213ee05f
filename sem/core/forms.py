"""Form helpers shared by every area."""

from flask import flash
from wtforms import SelectMultipleField, widgets

from sem.core.errors import DomainError


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, readable by screen readers."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def show_domain_error(form, error: DomainError) -> None:
    """Put a service's error beside its field, or above the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        flash(error.message, "error")
