"""Evidence: what backs an annotation (a link, a quote of an archived capture, a document)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import Capture
from journal import services as journal

from .. import rules
from ..models import Annotation, Evidence
from ._versions import annotation_state, record_annotation, touch_version


def evidence_state(evidence: Evidence) -> dict:
    return journal.state(
        evidence, "id", "kind", "url", "capture", "quote", "document", "stance", "note"
    )


@transaction.atomic
def add_evidence(
    *,
    user: User,
    annotation: Annotation,
    stance: str,
    url: str = "",
    capture: Capture | None = None,
    quote: str = "",
    document=None,
    note: str = "",
) -> Evidence:
    """Back `annotation` with a link, a quote of an archived capture, or a document."""
    rules.require(
        rules.can_add_evidence(user, annotation),
        _("You can add evidence only to your own annotations while they are drafts or returned."),
    )
    given = [
        name
        for name, value in (("url", url), ("capture", capture), ("document", document))
        if value
    ]
    if len(given) != 1:
        raise ValidationError(
            _(
                "Evidence is exactly one of: a link (url), an archived capture, or a document; "
                "got %(given)s."
            )
            % {"given": ", ".join(given) or _("none")}
        )
    evidence = Evidence(
        annotation=annotation,
        kind={
            "url": Evidence.Kind.URL,
            "capture": Evidence.Kind.CAPTURE,
            "document": Evidence.Kind.DOCUMENT,
        }[given[0]],
        url=url,
        capture=capture,
        quote=quote,
        stance=stance,
        note=note,
        added_by=user,
    )
    if document:
        evidence.document = document
    evidence.full_clean()
    evidence.save()
    before = annotation_state(annotation)
    touch_version(annotation)
    record_annotation(
        annotation,
        user=user,
        action="evidence added",
        before=before,
        extra_changes=[{"field": "evidence", "from": None, "to": evidence_state(evidence)}],
    )
    return evidence


@transaction.atomic
def remove_evidence(*, user: User, evidence: Evidence) -> None:
    rules.require(
        rules.can_remove_evidence(user, evidence),
        _("You can remove evidence only from your own annotations while they are editable."),
    )
    Evidence.objects.filter(pk=evidence.pk).update(deleted_at=timezone.now())
    annotation = evidence.annotation
    before = annotation_state(annotation)
    touch_version(annotation)
    record_annotation(
        annotation,
        user=user,
        action="evidence removed",
        before=before,
        extra_changes=[{"field": "evidence", "from": evidence_state(evidence), "to": None}],
    )
