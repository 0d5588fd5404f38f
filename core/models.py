"""Abstract base models: timestamps and soft deletion; the optional link to a person; the check
that a text is not empty; and the range of the database's ids."""

from django.conf import settings
from django.db import models

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


def not_empty(field: str, name: str, message: str | None = None) -> models.CheckConstraint:
    """A database check that the text column `field` is never empty, saying `message`."""
    return models.CheckConstraint(
        condition=~models.Q(**{field: ""}), name=name, violation_error_message=message
    )


def one_of(field: str, choices: type[models.Choices], name: str) -> models.CheckConstraint:
    """A database check that `field` holds one of `choices`' values."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)
