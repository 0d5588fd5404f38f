"""Abstract base models: timestamps and soft deletion; the optional link to a person; the check
that a text is not empty; and the range of the database's ids."""

import operator

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, models

# The largest id a BigAutoField (DEFAULT_AUTO_FIELD) holds.
MAX_ID = 2**63 - 1
# The longest slug of a tag or a source (their SlugField's max_length).
SLUG_MAX_LENGTH = 100


class TimestampedModel(models.Model):
    """A row that records when it was created and last saved."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SoftDeletableQuerySet(models.QuerySet):
    def alive(self):
        """The rows not deleted."""
        return self.filter(deleted_at__isnull=True)


class SoftDeletableModel(models.Model):
    """A row that is marked deleted (`deleted_at`) rather than removed, so what refers to it
    keeps its history. Its QuerySet derives from SoftDeletableQuerySet, for `alive()`."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SoftDeletableQuerySet.as_manager()

    class Meta:
        abstract = True


def person_or_none(related_name: str = "+", **options) -> models.ForeignKey:
    """A link to the person who did something, left empty for work no person did (imports,
    the seeds) and emptied, not deleted, when their account is removed."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        **options,
    )


def not_empty(field: str, name: str, message: str | None = None) -> "CheckConstraint":
    """A database check that the text column `field` is never empty, saying `message`."""
    return CheckConstraint(
        condition=~models.Q(**{field: ""}), name=name, violation_error_message=message
    )


def one_of(field: str, choices: type[models.Choices], name: str) -> "CheckConstraint":
    """A database check that `field` holds one of `choices`' values."""
    return CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class CheckConstraint(models.CheckConstraint):
    """A database CHECK that `full_clean` evaluates in Python when its condition is made of
    plain comparisons of the row's own fields (=, IN, <, <=, >, >=, IS NULL, F() of another
    field, combined with AND/OR/NOT): the same answer as Django's query per constraint, with
    SQL's three-valued logic (a comparison with NULL is unknown, and an unknown condition
    holds), without a query and its savepoint. Any other condition is checked by the
    database, as Django does. Migrations see a plain `models.CheckConstraint`."""

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if exclude and self._expression_refs_exclude(model, self.condition, exclude):
            return
        try:
            holds = _holds(self.condition, model._meta, instance)
        except _NotInPython:
            super().validate(model, instance, exclude=exclude, using=using)
            return
        if holds is False:
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs


class _NotInPython(Exception):
    """A condition `CheckConstraint` leaves to the database."""


_COMPARE = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _holds(condition: models.Q, meta, instance) -> bool | None:
    """The value of `condition` for `instance`'s fields: True, False or None (unknown)."""
    values = []
    for child in condition.children:
        if isinstance(child, models.Q):
            values.append(_holds(child, meta, instance))
        else:
            values.append(_lookup(*child, meta=meta, instance=instance))
    if condition.connector == models.Q.AND:
        value = False if False in values else (None if None in values else True)
    elif condition.connector == models.Q.OR:
        value = True if True in values else (None if None in values else False)
    else:
        raise _NotInPython
    return (None if value is None else not value) if condition.negated else value


def _field_value(name: str, meta, instance) -> object:
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        raise _NotInPython from None
    if not field.concrete or field.many_to_many:
        raise _NotInPython
    value = getattr(instance, field.attname)
    if hasattr(value, "resolve_expression"):
        raise _NotInPython
    return value


def _lookup(key: str, rhs: object, *, meta, instance) -> bool | None:
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    value = _field_value(name, meta, instance)
    if isinstance(rhs, models.F):
        rhs = _field_value(rhs.name, meta, instance)
    elif hasattr(rhs, "resolve_expression") or isinstance(rhs, models.Model):
        raise _NotInPython
    if lookup == "isnull":
        return (value is None) is bool(rhs)
    if lookup == "exact" and rhs is None:
        return value is None
    if value is None or rhs is None:
        return None
    try:
        if lookup == "in":
            options = list(rhs)
            if None in options:
                raise _NotInPython
            return value in options
        if lookup not in _COMPARE:
            raise _NotInPython
        return _COMPARE[lookup](value, rhs)
    except TypeError:
        raise _NotInPython from None
