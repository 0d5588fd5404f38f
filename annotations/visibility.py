"""Who may see what: the one visibility policy. Every read path — the API's lists and
details, history, linked data, the export, the change feed, search, agreement and the pages —
asks it, through filters (`Q` objects with at most a subquery, so a list's query count does
not grow with its size) that the QuerySets' `visible_to` and the views apply.

The policy, person × object:

- **Removed claims** (`deleted_at` set) are seen by nobody on any read path; their
  annotations and evidence by editors and admins only (to review what was removed), never by
  anonymous readers, read-only tokens or the authors.
- **Editors and admins** see every living claim and annotation and every history event.
- **Everyone else** sees the published annotations of living claims and, signed in, their
  own; a claim when they may see one of its annotations, or created it, or are assigned it.
  Anonymous readers and read-only API tokens see the same, which is what the published read
  model stores.
- **Blind mode**: a journalist assigned a claim blind (`Assignment.blind`, `show_published`
  off) sees none of the others' annotations of it, published or not, nor any history event
  about them, until they have submitted their own.
- **History events** (journal entries): others read those written while the object was
  published or public by nature (tags, sources) and those about their own work, minus what
  blind mode hides. A history is served only with its object (a claim or an annotation the
  reader may see), so removal hides it too.
- **An editor's comment to the author** (returning an annotation, also a published one) is
  read by editors, admins and the annotation's author only: everyone else reads that the
  annotation was returned (unpublished) without the words — not as the event's reason, not
  as a value of its `review_comment` change, nor in the republication that clears it. A
  retraction's reason, the only public review comment, stays public. Every path that shows
  history events (`event_as_read`) or states a reason (`reason_as_read`) asks this.
- **Forms**: the linked-data forms (W3C Web Annotation, ClaimReview) and the export show
  published annotations of living claims only, to editors too; the export leaves out the
  claims a reader is blind on; a retracted annotation shows as a public notice (who, when,
  why) to whoever may see its claim, blind mode aside.

The models are read through the app registry: `annotations.models` calls this module from its
QuerySets, so importing it here would close a circle."""

from collections.abc import Mapping

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import roles

PUBLISHED = "published"
RETRACTED = "retracted"
# The journal actions on an annotation whose reason is the editor's comment to its author.
COMMENTED_TO_AUTHOR = ("returned",)
# The annotation field holding the editor's comment (on a retraction, its public reason).
REVIEW_COMMENT = "review_comment"
# Once an annotation is submitted, its author judged without seeing the others.
SUBMITTED = ("submitted", "published", "returned")


def _model(name: str):
    return apps.get_model("annotations", name)


def blind_claims(user: roles.AnyUser) -> QuerySet:
    """The ids of the claims `user` is assigned blind and has not yet submitted an
    annotation of (a subquery)."""
    Assignment, Annotation = _model("Assignment"), _model("Annotation")
    if not user.is_authenticated:
        return Assignment.objects.none().values("claim_id")
    submitted = Annotation.objects.filter(
        claim=OuterRef("claim_id"), author=user, deleted_at__isnull=True, status__in=SUBMITTED
    )
    return (
        Assignment.objects.filter(assignee=user, blind=True, show_published=False)
        .exclude(Exists(submitted))
        .values("claim_id")
    )


def _blinded(user: roles.AnyUser, *, claim: str = "claim_id", author: str = "author") -> Q:
    """The others' work on the claims `user` is blind on (`claim` and `author` name the
    fields that say whose work it is and on which claim); nothing for anonymous readers."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{claim}__in": blind_claims(user)}) & ~Q(**{author: user})


def annotations(user: roles.AnyUser) -> Q:
    """The annotations `user` may see (a filter on Annotation)."""
    alive = Q(deleted_at__isnull=True)
    if roles.is_editor(user):
        return alive
    alive &= Q(claim__deleted_at__isnull=True)
    if not user.is_authenticated:
        return alive & Q(status=PUBLISHED)
    return alive & (Q(status=PUBLISHED) | Q(author=user)) & ~_blinded(user)


def linked_data(user: roles.AnyUser) -> Q:
    """The annotations `user` may ask for in a linked-data form (W3C Web Annotation,
    ClaimReview): those they may see, of living claims, editors included; the form itself
    shows only the published ones."""
    return annotations(user) & Q(claim__deleted_at__isnull=True)


def published_annotations(user: roles.AnyUser) -> Q:
    """The annotations the linked-data forms show `user`: the published ones of
    `linked_data`."""
    return linked_data(user) & Q(status=PUBLISHED)


def retractions(user: roles.AnyUser) -> Q:
    """The retracted annotations whose public notice `user` may read beside a claim they
    may see: all but those blind mode hides."""
    notices = Q(deleted_at__isnull=True, status=RETRACTED)
    return notices if roles.is_editor(user) else notices & ~_blinded(user)


def claims(user: roles.AnyUser) -> Q:
    """The claims `user` may see (a filter on Claim)."""
    alive = Q(deleted_at__isnull=True)
    if roles.is_editor(user):
        return alive
    Annotation, Assignment = _model("Annotation"), _model("Assignment")
    condition = Exists(Annotation.objects.filter(annotations(user), claim=OuterRef("pk")))
    if user.is_authenticated:
        condition |= Q(created_by=user)
        condition |= Exists(Assignment.objects.filter(claim=OuterRef("pk"), assignee=user))
    return alive & condition


def evidence(user: roles.AnyUser) -> Q:
    """The evidence `user` may see (a filter on Evidence): living, of annotations they may
    see."""
    visible = _model("Annotation").objects.filter(annotations(user)).values("pk")
    return Q(deleted_at__isnull=True, annotation__in=visible)


def entries(user: roles.AnyUser) -> Q:
    """The history events (journal entries) `user` may read, once they may see the object
    whose history it is (a filter on journal.Entry)."""
    if roles.is_editor(user):
        return Q()
    readable = Q(public=True)
    if user.is_authenticated:
        readable |= Q(owner=user)
    return readable & ~(Q(kind="annotation") & _blinded(user, author="owner"))


def unchanged_by_blind_mode(user: roles.AnyUser) -> Q:
    """The claims whose published document (what anonymous readers see) shows `user` nothing
    the policy hides from them: all but those they are blind on (a filter on Claim)."""
    return ~Q(pk__in=blind_claims(user)) if user.is_authenticated else Q()


def reads_review_comments(user: roles.AnyUser, owner_id: int | None) -> bool:
    """Whether `user` may read an editor's comment to the author of the work `owner_id` did:
    editors, admins and that author."""
    return roles.is_editor(user) or (user.is_authenticated and user.pk == owner_id)


def public_reason(kind: str, action: str, reason: str) -> str:
    """The reason of a journal entry as it is stated in public: none for a return (the
    editor's comment is for the author)."""
    return "" if kind == "annotation" and action in COMMENTED_TO_AUTHOR else reason


def reason_as_read(
    user: roles.AnyUser, *, kind: str, action: str, reason: str, owner_id: int | None
) -> str:
    """The reason of a journal entry (one `user` may read) as `user` reads it."""
    if reads_review_comments(user, owner_id):
        return reason
    return public_reason(kind, action, reason)


def event_as_read(row: Mapping, user: roles.AnyUser) -> dict:
    """A journal entry `user` may read (a row with its `kind`, `action`, `reason`, `changes`
    and `owner_id`) as they read it: for those who may not read the editor's comment to the
    author, a return's reason left out and every `review_comment` value that is not the
    entry's public reason withheld (a change that then changes nothing is left out)."""
    if row["kind"] != "annotation" or reads_review_comments(user, row["owner_id"]):
        return dict(row)
    reason = public_reason(row["kind"], row["action"], row["reason"])
    changes = []
    for change in row["changes"]:
        if change["field"] == REVIEW_COMMENT:
            old, new = (_stated(change[end], reason) for end in ("from", "to"))
            if old == new:
                continue
            change = {**change, "from": old, "to": new}
        changes.append(change)
    return {**row, "reason": reason, "changes": changes}


def _stated(value, reason: str):
    """A `review_comment` value as stated in public: itself when empty or the public reason
    (a retraction's), else withheld (empty)."""
    return value if value in (None, "") or value == reason else ""
