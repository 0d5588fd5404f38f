"""The journal entry: one editorial write to one object, with its field changes."""

from django.db import models

from core.models import person_or_none


class EntryQuerySet(models.QuerySet):
    def about(self, kind: str, object_id: int):
        return self.filter(kind=kind, object_id=object_id)

    def in_order(self):
        """Oldest first: by transaction (PostgreSQL), then by id."""
        return self.order_by("xid", "id")


class Entry(models.Model):
    """One write to one object (`kind`, `object_id`): what was done (`action`), the fields it
    changed (`changes`: a list of {"field", "from", "to"} in the API's names and types), who
    did it (a user, or a system actor's name), why (`reason`), and in which request.

    `claim_id` is the claim the object belongs to (claims, appearances, annotations,
    evidence), for the claim's history and the change feed. `public` says whether a reader
    who sees only published material may read the entry; `owner` is the user whose draft it
    concerns, who may read it too (`annotations.visibility.entries` applies both, with blind
    mode). `xid` is the writing transaction's id on PostgreSQL (0 elsewhere), so the change
    feed can pass only what every older transaction has finished."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    claim_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=30)
    version = models.PositiveIntegerField(null=True, blank=True)
    from_version = models.PositiveIntegerField(null=True, blank=True)
    actor = person_or_none()
    actor_name = models.CharField(max_length=150)
    request_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=list, blank=True)
    public = models.BooleanField(default=False)
    owner = person_or_none()
    xid = models.BigIntegerField(default=0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["xid", "id"]
        indexes = [
            # One object's history, oldest first.
            models.Index(fields=["kind", "object_id", "id"], name="journal_entry_object"),
            # A claim's history (with its appearances, annotations and evidence).
            models.Index(fields=["claim_id", "id"], name="journal_entry_claim"),
            # The change feed: entries after a cursor, in commit-safe order.
            models.Index(fields=["xid", "id"], name="journal_entry_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.action} by {self.actor_name}"
