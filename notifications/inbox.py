"""From the journal to people's inboxes: the journal's listener (registered in
NotificationsConfig.ready) turns each entry that concerns someone into their notification, in
the writing transaction, and asks for the mail once it commits.

Who is told (never the actor, never Claimdesk's own accounts, never someone who may not see
the claim — `annotations.visibility` is asked for each recipient):

- assignment "assigned": the assignee;
- annotation "submitted": the editors;
- annotation "published", "returned", "retracted": the annotation's author;
- claim "source_edited": the claim's annotators and the editors who published an annotation
  of it."""

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db.models import Q

from accounts import roles
from accounts.actors import people
from annotations import visibility
from annotations.models import Annotation, Appearance, Claim
from journal.models import Entry

from . import schedule
from .models import Kind, Notification

# The journal's (kind, action) that notify, and the notification's kind.
KINDS = {
    ("assignment", "assigned"): Kind.ASSIGNED,
    ("annotation", "submitted"): Kind.SUBMITTED,
    ("annotation", "published"): Kind.PUBLISHED,
    ("annotation", "returned"): Kind.RETURNED,
    ("annotation", "retracted"): Kind.RETRACTED,
    ("claim", "source_edited"): Kind.SOURCE_EDITED,
}
# Kinds with a comment or reason worth quoting.
WITH_COMMENT = {Kind.RETURNED, Kind.RETRACTED}


def notify_for_entries(entries: Sequence[Entry]) -> None:
    """The journal's listener: a notification for each person each entry concerns."""
    wanted = [e for e in entries if (e.kind, e.action) in KINDS and e.claim_id is not None]
    if not wanted:
        return
    claim_ids = {e.claim_id for e in wanted}
    # Removed claims are seen by nobody: nothing to tell about them.
    living = set(Claim.objects.filter(pk__in=claim_ids).alive().values_list("pk", flat=True))
    wanted = [e for e in wanted if e.claim_id in living]
    if not wanted:
        return
    addressed = _recipients(wanted)
    candidates = set().union(*addressed)
    recipients = {
        user.pk: user for user in people(User.objects.filter(pk__in=candidates, is_active=True))
    }
    seen = _claims_seen(recipients.values(), living)
    articles = _articles(living)
    notifications = [
        Notification(
            recipient_id=pk,
            kind=KINDS[entry.kind, entry.action],
            at=entry.at,
            entry=entry,
            actor_id=entry.actor_id,
            claim_id=entry.claim_id,
            article_id=articles.get(entry.claim_id),
            comment=_comment(entry, recipients[pk]),
        )
        for entry, addressees in zip(wanted, addressed, strict=True)
        for pk in sorted(addressees)
        if pk in recipients and pk != entry.actor_id and entry.claim_id in seen[pk]
    ]
    if notifications:
        Notification.objects.bulk_create(notifications)
        schedule.mail_after_commit(notifications)


def _comment(entry: Entry, recipient: User) -> str:
    """The comment or reason a notification quotes to `recipient`, as the visibility policy
    lets them read it (an editor's comment on a return: its author's)."""
    if KINDS[entry.kind, entry.action] not in WITH_COMMENT:
        return ""
    return visibility.reason_as_read(
        recipient,
        kind=entry.kind,
        action=entry.action,
        reason=entry.reason,
        owner_id=entry.owner_id,
    )


def _recipients(entries: list[Entry]) -> list[set[int]]:
    """Each entry's addressees by id, in order, before the checks (actor, system accounts,
    visibility)."""
    found: list[set[int]] = []
    edited = {e.claim_id for e in entries if KINDS[e.kind, e.action] == Kind.SOURCE_EDITED}
    concerned = _concerned_by_claim(edited) if edited else {}
    editors = None
    for entry in entries:
        kind = KINDS[entry.kind, entry.action]
        if kind == Kind.SUBMITTED:
            if editors is None:
                editors = set(_editors())
            found.append(editors)
        elif kind == Kind.SOURCE_EDITED:
            found.append(concerned.get(entry.claim_id, set()))
        else:
            found.append({entry.owner_id} if entry.owner_id else set())
    return found


def _editors():
    """The ids of the people who review (editors and admins)."""
    editing = Q(groups__name=roles.EDITORS) | Q(is_staff=True) | Q(is_superuser=True)
    return (
        people(User.objects.filter(is_active=True))
        .filter(editing)
        .values_list("pk", flat=True)
        .distinct()
    )


def _concerned_by_claim(claim_ids: set[int]) -> dict[int, set[int]]:
    """Per claim: its annotators, and the editors who published an annotation of it (from the
    journal)."""
    concerned: dict[int, set[int]] = defaultdict(set)
    annotators = Annotation.objects.filter(claim_id__in=claim_ids).alive()
    for claim_id, author_id in annotators.values_list("claim_id", "author_id"):
        concerned[claim_id].add(author_id)
    publishers = Entry.objects.filter(
        kind="annotation", action="published", claim_id__in=claim_ids, actor__isnull=False
    )
    for claim_id, actor_id in publishers.values_list("claim_id", "actor_id"):
        concerned[claim_id].add(actor_id)
    return concerned


def _claims_seen(users, claim_ids: set[int]) -> dict[int, set[int]]:
    """Which of `claim_ids` each user may see (the visibility policy): a query per distinct
    condition the policy gives — one for all the editors, who see every living claim — not
    per person."""
    users = list(users)
    roles.load_roles(users)
    by_condition: dict = {}
    seen = {}
    for user in users:
        condition = visibility.claims(user)
        if condition not in by_condition:
            by_condition[condition] = set(
                Claim.objects.filter(condition, pk__in=claim_ids).values_list("pk", flat=True)
            )
        seen[user.pk] = by_condition[condition]
    return seen


def _articles(claim_ids: set[int]) -> dict[int, int]:
    """Each claim's article: where it was first marked."""
    articles: dict[int, int] = {}
    rows = (
        Appearance.objects.filter(claim_id__in=claim_ids)
        .order_by("claim_id", "id")
        .values_list("claim_id", "capture__article_id")
    )
    for claim_id, article_id in rows:
        articles.setdefault(claim_id, article_id)
    return articles
