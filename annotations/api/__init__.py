"""The annotation endpoints, one module per resource: claims (with ClaimReview and the JSON
Lines export), appearances, annotations (review actions, versions, history, W3C Web
Annotation), evidence, tags, a capture's analysis, agreement and the change feed;
`linked_data` holds the JSON-LD pieces they share. Reads are built on the QuerySet methods;
writes validate their input, call a service, and answer with the read representation
(`annotations.representations`)."""

from .analysis import CaptureAnalysisView
from .annotations import AnnotationViewSet
from .appearances import AppearanceViewSet
from .changes import changes, changes_jsonl
from .claims import ClaimViewSet
from .evidence import EvidenceViewSet
from .linked_data import claimdesk_context
from .tags import TagViewSet

__all__ = [
    "AnnotationViewSet",
    "AppearanceViewSet",
    "CaptureAnalysisView",
    "ClaimViewSet",
    "EvidenceViewSet",
    "TagViewSet",
    "changes",
    "changes_jsonl",
    "claimdesk_context",
]
