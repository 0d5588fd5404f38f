import pytest
from django.utils import timezone

from annotations.models import Annotation, Claim
from tests.factories import AnnotationFactory, ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(alice_journalist, bob_journalist):
    published_claim = ClaimFactory(created_by=alice_journalist)
    published = AnnotationFactory(
        claim=published_claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    alice_draft = AnnotationFactory(claim=published_claim, author=bob_journalist)
    draft_only_claim = ClaimFactory(created_by=bob_journalist)
    bob_draft = AnnotationFactory(claim=draft_only_claim, author=bob_journalist)
    return {
        "published_claim": published_claim,
        "published": published,
        "bobs_second": alice_draft,
        "draft_only_claim": draft_only_claim,
        "bob_draft": bob_draft,
    }


def test_anonymous_sees_published_annotations_only(anon, corpus):
    assert list(Annotation.objects.visible_to(anon)) == [corpus["published"]]


def test_claim_without_published_annotation_is_hidden_from_anonymous(anon, corpus):
    assert list(Claim.objects.visible_to(anon)) == [corpus["published_claim"]]


def test_author_sees_own_drafts_but_not_others(alice_journalist, bob_journalist, corpus):
    assert set(Annotation.objects.visible_to(bob_journalist)) == {
        corpus["published"],
        corpus["bobs_second"],
        corpus["bob_draft"],
    }
    assert set(Annotation.objects.visible_to(alice_journalist)) == {corpus["published"]}
    assert set(Claim.objects.visible_to(bob_journalist)) == {
        corpus["published_claim"],
        corpus["draft_only_claim"],
    }


def test_editor_sees_everything_not_deleted(erin_editor, corpus):
    assert Annotation.objects.visible_to(erin_editor).count() == 3
    Annotation.objects.filter(pk=corpus["bob_draft"].pk).update(deleted_at=timezone.now())
    assert Annotation.objects.visible_to(erin_editor).count() == 2


def test_with_details_loads_everything_in_constant_queries(
    anon, erin_editor, django_assert_num_queries, corpus
):
    for user in (anon, erin_editor):
        # Editors are checked against their groups once (1 query); then: claims, appearances,
        # annotations, tags, evidence.
        expected = 5 + (1 if user.is_authenticated else 0)
        with django_assert_num_queries(expected):
            claims = list(Claim.objects.visible_to(user).with_details(user))
            for claim in claims:
                for annotation in claim.visible_annotations:
                    list(annotation.tags.all())
                    list(annotation.evidence.all())
                    str(annotation.author)
                for appearance in claim.appearances.all():
                    str(appearance.capture.article.source)
