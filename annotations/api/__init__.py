"""The annotation endpoints, one module per resource: claims (with ClaimReview and the JSON
Lines export), appearances, annotations (review actions, versions, W3C Web Annotation),
evidence, tags, and a capture's analysis; `linked_data` holds the JSON-LD pieces they
share. Reads are built on the QuerySet methods; writes validate their input, call a
service, and answer with the read representation (`annotations.representations`)."""

from .analysis import CaptureAnalysisView
from .annotations import AnnotationViewSet
from .appearances import AppearanceViewSet
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
    "claimdesk_context",
]
