import pytest

from annotations import services
from tests.factories import CaptureFactory, TagFactory, mark_sentence


@pytest.fixture
def public_claim(alice_journalist, erin_editor):
    """Alice's claim with her annotation, published by Erin."""
    claim = mark_sentence(alice_journalist, CaptureFactory())
    annotation = services.create_annotation(
        user=alice_journalist,
        claim=claim,
        confidence=0.6,
        tags=[TagFactory(slug="disputed", label="Disputed")],
        verdict="false",
        submit=True,
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    return claim
