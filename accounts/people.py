"""People's names: how the interface names a user (their full name when they set one, else
their login) and the check of a name a person sets."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from .roles import AnyUser

NAME_MAX_LENGTH = 150  # User.first_name and User.last_name


def display_name(user: AnyUser | None) -> str:
    """The person's full name where one is set, else their login name ("" for nobody)."""
    if user is None or not user.is_authenticated:
        return ""
    return user.get_full_name() or user.get_username()


def checked_name(first_name: str, last_name: str) -> tuple[str, str]:
    """A first and last name as stored (trimmed), or ValidationError by field when too long.
    The service that sets them is `annotations.services.people`, which journals it."""
    first_name, last_name = first_name.strip(), last_name.strip()
    errors = {
        field: gettext("At most %(count)d characters.") % {"count": NAME_MAX_LENGTH}
        for field, value in (("first_name", first_name), ("last_name", last_name))
        if len(value) > NAME_MAX_LENGTH
    }
    if errors:
        raise ValidationError(errors)
    return first_name, last_name
