"""Turning a ValidationError into what a person reads: errors on the form fields it names, or
one line of text. The archive's and the annotations' pages, the admin and the commands share
it (annotations imports archive, never the reverse)."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_to_form(form: forms.Form, error: ValidationError) -> None:
    """Show `error` on the form fields it names, and above the form what names no field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def as_text(error: ValidationError, *, separator: str = " ", name_fields: bool = False) -> str:
    """All of `error`'s messages on one line; with `name_fields`, each prefixed by its field."""
    if name_fields and hasattr(error, "error_dict"):
        return "; ".join(
            " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return separator.join(error.messages)
