"""The public claim declares what it shows (`publication.representations.SHOWN`), and the
declaration and the representation agree: changing a field of a tag, an article, a source or
a person around a published claim changes the claim's public representation — its JSON and
its linked data (ClaimReview, Web Annotations) — exactly when the field is declared; and each
declared path leads from the claim to the object, so that `claims_affected_by` finds it."""

import datetime as dt

import orjson
import pytest
from django.contrib.auth.models import User
from django.db import models
from django.test import RequestFactory
from django.utils import timezone

from annotations import services
from annotations.models import Annotation, Claim, Tag
from archive.models import Article, Source
from journal.models import Entry
from publication import jsonld, published
from publication.representations import SHOWN, claims_affected_by
from tests.factories import CaptureFactory, SourceFactory, TagFactory, mark_sentence

pytestmark = pytest.mark.django_db

MODELS = {"tag": Tag, "article": Article, "source": Source, "person": User}


@pytest.fixture
def world(alice_journalist, erin_editor):
    """Alice's published claim in an article with a date and authors, from a source; her
    verdict has two tags of two categories and evidence; Erin reviewed it."""
    source = SourceFactory(slug="akipress", name="AKIpress", country="KG", domains=["akipress.kg"])
    capture = CaptureFactory(
        article__source=source,
        article__published_at=timezone.now() - dt.timedelta(days=3),
        article__authors=["A. Writer"],
    )
    claim = mark_sentence(alice_journalist, capture)
    first = TagFactory(slug="disputed", label="Disputed", category="a")
    second = TagFactory(slug="no-source", label="No source", category="b")
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.6, tags=[first, second], verdict="false"
    )
    services.add_evidence(
        user=alice_journalist, annotation=annotation, stance="supports", url="https://e.org/a"
    )
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    return {
        "claim": claim,
        "tag": first,
        "article": capture.article,
        "source": source,
        "person": alice_journalist,
    }


def public_claim(pk: int) -> tuple:
    """The claim as the public gets it, live: its JSON, its ClaimReview, its Web Annotations."""
    [document] = published.live_documents([pk]).values()
    links = jsonld.Links(RequestFactory().get("/"))
    rows = Annotation.objects.filter(claim_id=pk).published().values(*jsonld.WEB_ANNOTATION_FIELDS)
    return (
        document,
        jsonld.claim_reviews(orjson.loads(document), links),
        jsonld.web_annotations(rows, links),
    )


def another(field: models.Field, value):
    """A value of `field` different from `value`, stored as it is (no validation)."""
    if isinstance(field, models.ForeignKey):
        return SourceFactory(slug="another", name="Another")
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return (value or timezone.now()) + dt.timedelta(days=1)
    if isinstance(field, models.JSONField):
        if isinstance(value, dict):  # translations by language (a tag's labels)
            return {**value, "de": "another"}
        return [*(value or []), "another"]
    text = "z" + (value or "")  # "z": an order by this field changes too
    return text[: field.max_length] if field.max_length else text


FIELDS = [
    (kind, field.name)
    for kind, model in MODELS.items()
    for field in model._meta.concrete_fields
    if not field.primary_key
]


@pytest.mark.parametrize(("kind", "name"), FIELDS, ids=[f"{k}.{n}" for k, n in FIELDS])
def test_the_public_claim_changes_exactly_when_a_declared_field_changes(world, kind, name):
    obj = world[kind]
    field = type(obj)._meta.get_field(name)
    before = public_claim(world["claim"].pk)
    type(obj).objects.filter(pk=obj.pk).update(**{name: another(field, getattr(obj, name))})
    changed = public_claim(world["claim"].pk) != before
    declared = name in SHOWN[kind].fields
    assert changed == declared, (
        f"the public claim {'shows' if changed else 'does not show'} {kind}.{name}, "
        f"which SHOWN {'declares' if declared else 'does not declare'}"
    )


@pytest.mark.parametrize("kind", SHOWN)
def test_each_declared_path_leads_from_the_claim_to_what_it_shows(world, kind):
    claim = world["claim"]
    for path in SHOWN[kind].paths:
        reached = set(Claim.objects.filter(pk=claim.pk).values_list(path, flat=True)) - {None}
        assert reached, f"{kind}: {path} leads nowhere from the claim"
        entries = [
            Entry(
                kind=kind,
                object_id=object_id,
                action="edited",
                changes=[{"field": SHOWN[kind].fields[0], "from": "a", "to": "b"}],
            )
            for object_id in reached
        ]
        assert claims_affected_by(entries) == [{claim.pk}] * len(entries)


def test_a_change_to_an_undeclared_field_or_a_creation_touches_no_claim(world):
    source = world["source"]
    notes = Entry(
        kind="source",
        object_id=source.pk,
        action="edited",
        changes=[{"field": "notes", "from": "", "to": "Kept."}],
    )
    created = Entry(
        kind="source",
        object_id=source.pk,
        action="created",
        changes=[{"field": "name", "from": None, "to": "AKIpress"}],
    )
    assert claims_affected_by([notes, created]) == [set(), set()]
