"""Writes to how people are named. Published work shows usernames (a claim's creator, an
annotation's author and reviewer, evidence's adder) and full names (ClaimReview's author, a
Web Annotation's creator), so a change of either is journaled, publicly, as a change of the
person: the published read model and the change feed follow it like any other write."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.people import checked_name
from accounts.roles import is_admin
from journal import services as journal

from .. import rules

# A person's fields that published work shows (publication.representations.SHOWN["person"]).
NAME_FIELDS = ("username", "first_name", "last_name")


@transaction.atomic
def set_name(*, user: User, first_name: str, last_name: str) -> User:
    """Set the signed-in `user`'s own first and last name (blank clears them)."""
    if not user.is_authenticated:
        raise ValidationError(_("Log in to set your name."))
    first_name, last_name = checked_name(first_name, last_name)
    return _rename(user, user, first_name=first_name, last_name=last_name)


@transaction.atomic
def rename_person(
    *, user: User, person: User, username: str, first_name: str, last_name: str
) -> User:
    """Change `person`'s login name and full name (admins, in the Django admin)."""
    rules.require(is_admin(user), _("Only administrators rename people."))
    first_name, last_name = checked_name(first_name, last_name)
    return _rename(user, person, username=username, first_name=first_name, last_name=last_name)


def _rename(actor: User, person: User, **names: str) -> User:
    before = journal.state(person, *NAME_FIELDS)
    for name, value in names.items():
        setattr(person, name, value)
    others = [field.name for field in person._meta.fields if field.name not in names]
    person.full_clean(exclude=others)
    after = journal.state(person, *NAME_FIELDS)
    if after == before:
        return person
    person.save(update_fields=list(names))
    journal.record_change(actor, "person", person, "edited", before, after, public=True)
    return person
