"""The table of transitions (annotations/transitions.py) against every path that moves an
annotation. The table is first checked against the workflow written out by hand; then, for
each action, from each status, as each persona, the service, the API action and the page
must agree with it: allowed, the annotation moves to the row's target and the journal records
it; refused, nothing changes. An annotation of a removed claim moves on no path."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import URLPattern, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from annotations import services, transitions
from annotations.models import Annotation, Claim
from core.exceptions import PreconditionRequired
from desk.views.review import STEPS
from journal.models import Entry
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

Status = Annotation.Status
STATUSES = list(Status.values)

# persona -> (who acts, whose annotation it is)
PERSONAS = {
    "author": ("alice", "alice"),
    "other journalist": ("bob", "alice"),
    "editor": ("erin", "alice"),
    "editor on own work": ("erin", "erin"),
    "admin": ("adam", "alice"),
    "admin on own work": ("adam", "adam"),
}

# The workflow as the product states it, written out by hand: who may take each action
# from each status (anything not named here is refused).
AUTHOR_OR_ADMIN = {"author", "editor on own work", "admin", "admin on own work"}
REVIEWERS = {"editor", "admin", "admin on own work"}
ADMINS = {"admin", "admin on own work"}
WORKFLOW = {
    ("submit", "draft"): AUTHOR_OR_ADMIN,
    ("submit", "returned"): AUTHOR_OR_ADMIN,
    ("publish", "submitted"): REVIEWERS,
    ("return", "submitted"): REVIEWERS,
    ("return", "published"): REVIEWERS,
    ("retract", "published"): {"editor", "editor on own work", *ADMINS},
    **{
        (action, status): AUTHOR_OR_ADMIN
        for action in ("edit", "revert", "delete")
        for status in ("draft", "returned")
    },
    ("edit", "published"): ADMINS,
    ("revert", "published"): ADMINS,
}
# What the journal calls each action once taken.
JOURNALED = {
    "submit": "submitted",
    "publish": "published",
    "return": "returned",
    "retract": "retracted",
    "edit": "edited",
    "revert": "reverted",
    "delete": "deleted",
}
REASON = "The ministry answered."

CASES = [
    (action, status, persona)
    for action in transitions.ACTIONS
    for status in STATUSES
    for persona in PERSONAS
]


@pytest.fixture
def people(alice_journalist, bob_journalist, erin_editor, adam_admin) -> dict[str, User]:
    return {
        "alice": alice_journalist,
        "bob": bob_journalist,
        "erin": erin_editor,
        "adam": adam_admin,
    }


def annotation_in(status: str, author: User) -> Annotation:
    """`author`'s annotation in `status`, at version 2 (made through the services, so that a
    revert to version 1 has its content), its status then set as the workflow would have."""
    annotation = services.create_annotation(
        user=author, claim=ClaimFactory(created_by=author), confidence="0.4"
    )
    services.update_annotation(
        user=author, annotation=annotation, confidence="0.55", expected_version=1
    )
    now = timezone.now()
    Annotation.objects.filter(pk=annotation.pk).update(
        status=status,
        published_at=now if status in (Status.PUBLISHED, Status.RETRACTED) else None,
        review_comment="Earlier comment." if status in (Status.RETURNED, Status.RETRACTED) else "",
        reviewed_at=now if status != Status.DRAFT else None,
    )
    return Annotation.objects.select_related("claim").get(pk=annotation.pk)


def state(annotation: Annotation) -> tuple:
    """The annotation's stored row and how many journal entries it has."""
    row = Annotation.objects.filter(pk=annotation.pk).values().get()
    return row, Entry.objects.about("annotation", annotation.pk).count()


def service_call(
    action: str, user: User, annotation: Annotation, *, precondition: bool = True
) -> None:
    """The service of `action`, on the version read (on none, without `precondition`)."""
    version = annotation.version if precondition else None
    calls = {
        "submit": lambda: services.submit_annotation(
            user=user, annotation=annotation, expected_version=version
        ),
        "publish": lambda: services.publish_annotation(
            user=user, annotation=annotation, expected_version=version
        ),
        "return": lambda: services.return_annotation(
            user=user, annotation=annotation, comment=REASON, expected_version=version
        ),
        "retract": lambda: services.retract_annotation(
            user=user, annotation=annotation, reason=REASON, expected_version=version
        ),
        "edit": lambda: services.update_annotation(
            user=user,
            annotation=annotation,
            confidence="0.3",
            reason=REASON,
            expected_version=version,
        ),
        "revert": lambda: services.revert_annotation(
            user=user, annotation=annotation, version=1, reason=REASON, expected_version=version
        ),
        "delete": lambda: services.delete_annotation(
            user=user, annotation=annotation, expected_version=version
        ),
    }
    calls[action]()


def api_request(action: str, annotation: Annotation) -> tuple[str, str, dict]:
    """(method, url, body) of the API's `action` on `annotation`."""
    url = f"/api/annotations/{annotation.pk}/"
    version = {"version": annotation.version}
    return {
        "submit": ("post", f"{url}submit/", version),
        "publish": ("post", f"{url}publish/", version),
        "return": ("post", f"{url}return/", {**version, "comment": REASON}),
        "retract": ("post", f"{url}retract/", {**version, "reason": REASON}),
        "edit": ("patch", url, {**version, "confidence": 0.3, "reason": REASON}),
        "revert": (
            "post",
            f"{url}revert/",
            {"version": 1, "expected_version": annotation.version, "reason": REASON},
        ),
        "delete": ("delete", url, version),
    }[action]


def page_request(action: str, annotation: Annotation) -> tuple[str, dict] | None:
    """(url, form) of the page's `action` on `annotation`; None if no page takes it."""
    url = f"/annotations/{annotation.pk}/"
    version = {"version": annotation.version}
    return {
        "submit": (f"{url}submit/", version),
        "publish": (f"{url}publish/", version),
        "return": (f"{url}return/", {**version, "comment": REASON}),
        "retract": (f"{url}retract/", {**version, "reason": REASON}),
        "edit": (
            f"{url}edit/",
            {**version, "confidence": 30, "reason": REASON, "evidence-stance": "supports"},
        ),
        "revert": (f"{url}revert/", {**version, "to_version": 1, "reason": REASON}),
        "delete": None,  # the pages offer no deletion
    }[action]


def moved_as_the_table_says(action: str, before: tuple, annotation: Annotation) -> None:
    row, entries = state(annotation)
    row_before, entries_before = before
    target = next(
        t.target
        for t in transitions.TRANSITIONS
        if t.action == action and row_before["status"] in t.sources
    )
    assert row["status"] == (target or row_before["status"])
    assert (row["deleted_at"] is not None) == (action == "delete")
    assert row["version"] == row_before["version"] + 1
    assert entries == entries_before + 1
    last = Entry.objects.about("annotation", annotation.pk).in_order().last()
    assert last.action == JOURNALED[action]


def test_the_table_is_the_workflow_written_out(people):
    claim = Claim(text="A claim")
    for action in transitions.ACTIONS:
        for status in STATUSES:
            for persona, (actor, author) in PERSONAS.items():
                annotation = Annotation(claim=claim, author=people[author], status=status)
                allowed = transitions.allowed(people[actor], annotation, action)
                expected = persona in WORKFLOW.get((action, status), set())
                assert allowed is expected, (action, status, persona)


def test_the_table_names_every_status_of_an_annotation():
    named = {s for t in transitions.TRANSITIONS for s in t.sources} | {
        t.target for t in transitions.TRANSITIONS if t.target
    }
    assert named == set(STATUSES)


def test_the_table_covers_every_transition_the_api_exposes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    exposed = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        if path.startswith("/api/annotations/{id}/")
        for method in operations
        if method in {"post", "patch", "put", "delete"}
    }
    # Each action of the table at the address api_request() uses.
    table = {
        f"{method.upper()} {path.replace('/1/', '/{id}/')}"
        for method, path, _ in (
            api_request(action, Annotation(pk=1, version=1)) for action in transitions.ACTIONS
        )
    }
    assert exposed == table


def test_the_pages_offer_only_transitions_of_the_table_with_their_reasons():
    assert set(STEPS) <= set(transitions.ACTIONS)
    assert STEPS["return"].posted == ("comment",)
    assert STEPS["retract"].posted == ("reason",)
    pages = {
        pattern.name
        for pattern in get_resolver().namespace_dict["annotations"][1].url_patterns
        if isinstance(pattern, URLPattern) and pattern.name.startswith("annotation-")
    }
    assert {f"annotation-{action}" for action in STEPS} <= pages


@pytest.mark.parametrize(("action", "status", "persona"), CASES)
def test_service_api_and_page_agree_with_the_table(people, action, status, persona):
    actor, author = (people[name] for name in PERSONAS[persona])
    annotation = annotation_in(status, author)
    allowed = transitions.allowed(actor, annotation, action)

    class Undo(Exception):
        """Leaves the savepoint, so that each path starts from the same annotation."""

    def on_each_path(check):
        with pytest.raises(Undo), transaction.atomic():
            fresh = Annotation.objects.select_related("claim").get(pk=annotation.pk)
            before = state(fresh)
            check(fresh)
            if allowed:
                moved_as_the_table_says(action, before, fresh)
            else:
                assert state(fresh) == before, "a refused transition changed something"
            raise Undo

    def service(fresh):
        if allowed:
            service_call(action, actor, fresh)
        else:
            with pytest.raises(PermissionDenied):
                service_call(action, actor, fresh)

    def api(fresh):
        client = APIClient()
        client.force_login(actor)
        method, url, body = api_request(action, fresh)
        # A refusal marks the transaction for rollback: this savepoint takes it.
        with transaction.atomic():
            response = getattr(client, method)(url, body, format="json")
        if allowed:
            assert response.status_code in (200, 204), response.content[:300]
        else:
            # 404 when the persona may not even see the annotation.
            assert response.status_code in (403, 404), response.content[:300]

    def page(fresh):
        request = page_request(action, fresh)
        if request is None:
            return
        client = APIClient()
        client.force_login(actor)
        url, form = request
        response = client.post(url, form, format="multipart")
        if allowed:
            assert response.status_code == 302, response.content[:300]
        else:
            assert response.status_code in (403, 404), response.content[:300]

    on_each_path(service)
    on_each_path(api)
    if page_request(action, annotation) is not None:
        on_each_path(page)


# A removed claim: no row moves its annotations.

ROWS = [(t.action, status) for t in transitions.TRANSITIONS for status in t.sources]


def remove_claim_of(annotation: Annotation) -> None:
    Claim.objects.filter(pk=annotation.claim_id).update(deleted_at=timezone.now())
    annotation.claim.refresh_from_db()


@pytest.mark.parametrize(("action", "status"), ROWS)
def test_no_transition_moves_an_annotation_of_a_removed_claim(adam_admin, action, status):
    # The admin may take every row of the table on their own work.
    annotation = annotation_in(status, adam_admin)
    assert transitions.allowed(adam_admin, annotation, action)
    remove_claim_of(annotation)
    before = state(annotation)

    with pytest.raises(PermissionDenied, match="claim was removed"):
        service_call(action, adam_admin, annotation)

    assert state(annotation) == before
    assert transitions.available_transitions(adam_admin, annotation) == frozenset()


@pytest.mark.parametrize(("action", "status"), ROWS)
def test_every_transition_needs_the_version_read(adam_admin, action, status):
    [row] = [t for t in transitions.TRANSITIONS if t.action == action and status in t.sources]
    assert row.version
    annotation = annotation_in(status, adam_admin)
    before = state(annotation)

    with pytest.raises(PreconditionRequired):
        service_call(action, adam_admin, annotation, precondition=False)

    assert state(annotation) == before


@pytest.fixture
def submitted_of_removed_claim(alice_journalist):
    annotation = annotation_in(Status.SUBMITTED, alice_journalist)
    remove_claim_of(annotation)
    return annotation


def test_editor_cannot_publish_an_annotation_of_a_removed_claim_through_the_api(
    as_user, erin_editor, submitted_of_removed_claim
):
    annotation = submitted_of_removed_claim
    before = state(annotation)

    response = as_user(erin_editor).post(
        f"/api/annotations/{annotation.pk}/publish/", {"version": annotation.version}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This annotation’s claim was removed: its annotations no longer change."
    }
    assert state(annotation) == before
    assert not Annotation.objects.published().filter(pk=annotation.pk).exists()


def test_editor_cannot_publish_an_annotation_of_a_removed_claim_from_the_page(
    client, erin_editor, submitted_of_removed_claim
):
    annotation = submitted_of_removed_claim
    before = state(annotation)
    client.force_login(erin_editor)

    response = client.post(
        f"/annotations/{annotation.pk}/publish/", {"version": annotation.version}
    )

    # The pages do not show annotations of removed claims at all.
    assert response.status_code == 404
    assert state(annotation) == before


def test_admin_cannot_publish_an_annotation_of_a_removed_claim_from_the_admin(
    client, adam_admin, submitted_of_removed_claim
):
    annotation = submitted_of_removed_claim
    before = state(annotation)
    client.force_login(adam_admin)

    response = client.post(
        "/admin/annotations/annotation/",
        {"action": "publish_selected", "_selected_action": [annotation.pk]},
        follow=True,
    )

    assert "claim was removed" in response.text
    assert state(annotation) == before


@pytest.mark.parametrize(
    ("status", "editable"),
    [("draft", True), ("submitted", False), ("published", True), ("retracted", False)],
)
def test_the_admin_offers_a_change_form_only_where_the_table_lets_an_admin_edit(
    client, adam_admin, alice_journalist, status, editable
):
    annotation = annotation_in(status, alice_journalist)
    client.force_login(adam_admin)

    page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").text

    assert ('name="confidence"' in page) is editable
    # Published work changes only with a reason.
    assert ('name="reason"' in page) is (status == "published")
