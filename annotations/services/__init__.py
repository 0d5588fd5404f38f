"""Every write to claims, appearances, annotations, evidence, tags, assignments and people's
names, one module per domain (Zulip's actions): `claims` (claims and marking), `reanchoring`,
`assessments` (annotations and their versions), `review` (the workflow), `evidence`, `tags`,
`assignments`, `people`. The web UI, the API, the admin and the management commands all call
these, so every path enforces the same rules (`annotations.rules`) and records every write in
the journal (`journal.services.record`), in the same transaction. The names below are the
package's public writes and the helpers the other apps use."""

from ._versions import StaleVersionError
from .assessments import (
    content_at,
    create_annotation,
    delete_annotation,
    revert_annotation,
    update_annotation,
)
from .assignments import assign_claims, unassign
from .claims import (
    SHOWN_CONTEXT_LENGTH,
    STORED_CONTEXT_LENGTH,
    claim_language,
    create_appearance,
    create_claim,
    delete_claim,
    is_published,
    mark_claim,
    quote_at,
    quote_context,
    update_claim,
)
from .evidence import add_evidence, remove_evidence
from .people import NAME_FIELDS, rename_person, set_name
from .reanchoring import finish_reanchoring, mark_for_background, reanchor_appearances
from .review import publish_annotation, retract_annotation, return_annotation, submit_annotation
from .tags import (
    delete_tag,
    delete_tag_pattern,
    save_tag,
    save_tag_pattern,
    tag_capture,
    tag_in_use,
)

__all__ = [
    "NAME_FIELDS",
    "SHOWN_CONTEXT_LENGTH",
    "STORED_CONTEXT_LENGTH",
    "StaleVersionError",
    "add_evidence",
    "assign_claims",
    "claim_language",
    "content_at",
    "create_annotation",
    "create_appearance",
    "create_claim",
    "delete_annotation",
    "delete_claim",
    "delete_tag",
    "delete_tag_pattern",
    "finish_reanchoring",
    "is_published",
    "mark_claim",
    "mark_for_background",
    "publish_annotation",
    "quote_at",
    "quote_context",
    "reanchor_appearances",
    "remove_evidence",
    "rename_person",
    "retract_annotation",
    "return_annotation",
    "revert_annotation",
    "save_tag",
    "save_tag_pattern",
    "set_name",
    "submit_annotation",
    "tag_capture",
    "tag_in_use",
    "unassign",
    "update_annotation",
    "update_claim",
]
