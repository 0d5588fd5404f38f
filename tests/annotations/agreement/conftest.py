"""The small desk the agreement tests share: four claims, three journalists, two tags."""

from decimal import Decimal

import pytest
from django.utils import timezone

from annotations.models import Annotation
from tests import factories

V = Annotation.Verdict
S = Annotation.Status


def annotate(claim, author, verdict, confidence, tags=(), status=S.SUBMITTED):
    return factories.AnnotationFactory(
        claim=claim,
        author=author,
        verdict=verdict,
        confidence=Decimal(confidence),
        status=status,
        published_at=timezone.now() if status == S.PUBLISHED else None,
        tags=list(tags),
    )


@pytest.fixture
def desk(db):
    """Three claims annotated by ann and bea (and one by cid too), a fourth by ann alone."""
    ann, bea, cid = (factories.journalist(name) for name in ("ann", "bea", "cid"))
    framing = factories.TagFactory(slug="framing", label="Framing")
    sourcing = factories.TagFactory(slug="sourcing", label="Sourcing")
    claims = [factories.ClaimFactory(created_by=ann) for _ in range(4)]
    annotate(claims[0], ann, V.FALSE, "0.900", [framing])
    annotate(claims[0], bea, V.FALSE, "0.800", [framing], status=S.PUBLISHED)
    annotate(claims[1], ann, V.ACCURATE, "0.700", [sourcing])
    annotate(claims[1], bea, V.MISLEADING, "0.200", [framing])
    annotate(claims[1], cid, V.ACCURATE, "0.600")
    annotate(claims[2], ann, V.MISLEADING, "0.500")
    annotate(claims[2], bea, V.MISLEADING, "0.500")
    annotate(claims[3], ann, V.FALSE, "0.900")
    return claims
