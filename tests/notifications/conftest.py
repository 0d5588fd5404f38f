import pytest

from annotations import services
from tests.factories import CaptureFactory, mark_sentence


@pytest.fixture
def claim(alice_journalist):
    """A claim Alice marked, with nobody's annotation yet."""
    return mark_sentence(alice_journalist, CaptureFactory())


@pytest.fixture
def submitted(claim, alice_journalist, erin_editor, fred_editor):
    """Alice's annotation of the claim, submitted for review (Erin and Fred review)."""
    return services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.8, verdict="false", submit=True
    )


@pytest.fixture
def published(submitted, erin_editor):
    """Alice's annotation, published by Erin."""
    return services.publish_annotation(
        user=erin_editor, annotation=submitted, expected_version=submitted.version
    )
