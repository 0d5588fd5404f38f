"""The interface's words: people's words rather than internal numbers and jargon, and a
highlight whose colour and tags describe the same annotation."""

import re

import pytest
from django.utils import timezone

from annotations.models import Annotation
from desk.templatetags.wording import changes
from tests.factories import AnnotationFactory, AppearanceFactory, CaptureFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("edits", "words"),
    [(0, "not changed since"), (1, "changed once"), (2, "changed twice"), (5, "changed 5 times")],
)
def test_edits_read_as_how_often_an_annotation_changed(edits, words):
    assert changes(edits) == words


def test_annotation_cards_say_when_they_were_saved_not_their_version(client, alice_journalist):
    appearance = AppearanceFactory(claim__created_by=alice_journalist)
    annotation = AnnotationFactory(
        claim=appearance.claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    html = client.get(f"/claims/{appearance.claim_id}/").text
    assert "saved <time" in html and "ago</time>" in html
    assert f"· version {annotation.version}" not in html


def test_a_journalists_own_pending_tags_do_not_colour_the_published_highlight(
    client, alice_journalist, bob_journalist
):
    capture = CaptureFactory()
    appearance = AppearanceFactory(capture=capture, claim__created_by=bob_journalist)
    AnnotationFactory(
        claim=appearance.claim,
        author=bob_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        tags=[TagFactory(slug="unverified", label="Unverified")],
    )
    AnnotationFactory(
        claim=appearance.claim,
        author=alice_journalist,
        status=Annotation.Status.SUBMITTED,
        tags=[TagFactory(slug="disputed", label="Disputed")],
    )
    client.force_login(alice_journalist)
    html = client.get(f"/articles/{capture.article_id}/").text
    mark = re.search(r"<mark [^>]*>", html).group(0)
    assert "status-published" in mark
    assert 'data-tags="Unverified"' in mark


def test_the_mark_page_offers_no_choice_when_there_is_only_a_new_claim(client, alice_journalist):
    capture = CaptureFactory(text="Une phrase unique ici.\n\nFin.")
    client.force_login(alice_journalist)
    html = client.get(
        f"/articles/{capture.article_id}/mark/",
        {"capture": capture.pk, "start": 0, "end": 22, "selected": "Une phrase unique ici."},
    ).text
    assert 'type="radio"' not in html
    assert '<input type="hidden" name="claim" value="new">' in html
    assert "The claim this passage states" in html
    assert '<option value="fr"' in html and ">French</option>" in html
