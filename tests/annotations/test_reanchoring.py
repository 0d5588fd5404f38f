"""Claims follow an article across captures: moved, reworded (flagged) or lost (orphaned)."""

import pytest
from django.conf import settings

from accounts.actors import IMPORT
from annotations import services
from annotations.models import Appearance, AppearanceAnchor
from archive.ingest.documents import CapturePayload, parse_text_document
from archive.models import Article, Capture
from archive.services import Outcome, archive_article
from tests.factories import CLAIM_SENTENCE, CaptureFactory

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "000_8c62be7ee0a13371.txt"
INSERTED = "Mise à jour : le ministère de la Défense du Kirghizistan a confirmé l’annulation mardi."
REWORDED = "Aucune raison officielle de l’annulation n’a été donnée par les autorités kirghizes."
REMOVED = (
    "Juste un jour avant l’annulation, les exercices internationaux CTSO se sont terminés au "
    "Kazakhstan."
)
KEPT = "Ce dernier développement est potentiellement symbolique du déclin de la puissance"


def seed_text() -> tuple[str, str]:
    return parse_text_document(SEED.read_text(encoding="utf-8"))


def recapture(text: str):
    title, _ = seed_text()
    return archive_article(
        actor=IMPORT,
        title=title,
        capture=CapturePayload(text=text, origin=Capture.Origin.FILE, extractor="text"),
    )


def mark(capture: Capture, quote: str, user) -> Appearance:
    start = capture.text.index(quote)
    return services.mark_claim(
        user=user, capture=capture, start=start, end=start + len(quote), quote=quote
    )[0]


def with_inserted_paragraph(body: str) -> str:
    anchor = "Cependant, dans une décision unilatérale"
    return body.replace(anchor, INSERTED + "\n\n" + anchor, 1)


@pytest.fixture
def seed_appearances(seeded, alice_journalist):
    """The seed claim plus two more sentences of the seed article marked as claims."""
    first = Capture.objects.get()
    return {
        "seed": Appearance.objects.get(quote=CLAIM_SENTENCE),
        "removed": mark(first, REMOVED, alice_journalist),
        "kept": mark(first, KEPT, alice_journalist),
    }


def test_a_paragraph_inserted_before_the_claim_moves_it_exactly(seed_appearances):
    seed = seed_appearances["seed"]
    old_start = seed.start
    _, body = seed_text()

    result = recapture(with_inserted_paragraph(body))

    assert result.outcome == Outcome.NEW_CAPTURE
    seed.refresh_from_db()
    assert seed.capture == result.capture
    assert seed.start > old_start
    assert result.capture.text[seed.start : seed.end] == seed.quote == CLAIM_SENTENCE
    assert (seed.anchor_status, seed.anchor_method, seed.anchor_score) == ("anchored", "exact", 1)
    assert seed.prefix == result.capture.text[seed.start - 32 : seed.start]


def test_an_edited_seed_moves_rewords_and_orphans_its_claims(seed_appearances):
    first = Capture.objects.get()
    _, body = seed_text()
    edited = with_inserted_paragraph(body).replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, "")

    result = recapture(edited)
    new = result.capture
    seed, removed, kept = (
        Appearance.objects.get(pk=seed_appearances[name].pk) for name in ("seed", "removed", "kept")
    )

    # Moved: same wording, new offsets.
    assert (kept.capture, kept.anchor_status, kept.anchor_method) == (new, "anchored", "exact")
    assert new.text[kept.start : kept.end] == KEPT
    # Reworded: follows the text, flagged as a stealth edit, the original kept in history.
    assert (seed.capture, seed.anchor_status, seed.anchor_method) == (new, "changed", "fuzzy")
    assert seed.quote == REWORDED == new.text[seed.start : seed.end]
    assert 0.75 <= seed.anchor_score < 1
    assert seed.anchors.order_by("pk").first().quote == CLAIM_SENTENCE
    assert seed.claim.text == CLAIM_SENTENCE
    # Removed: orphaned, never deleted, still pointing at the capture it was last found in.
    assert (removed.capture, removed.anchor_status, removed.anchor_method) == (
        first,
        "orphaned",
        "none",
    )
    assert removed.quote == REMOVED == first.text[removed.start : removed.end]
    assert Appearance.objects.count() == 3


def test_every_anchoring_is_recorded_starting_with_the_original(seed_appearances):
    _, body = seed_text()
    first = Capture.objects.get()
    second = recapture(body.replace(CLAIM_SENTENCE, REWORDED)).capture
    third = recapture(body.replace(CLAIM_SENTENCE, REWORDED) + "\n\nUn ajout final.").capture

    seed = Appearance.objects.get(pk=seed_appearances["seed"].pk)
    history = list(seed.anchors.order_by("pk").values_list("capture", "method", "status", "quote"))
    assert history == [
        (first.pk, "selection", "anchored", CLAIM_SENTENCE),
        (second.pk, "fuzzy", "changed", REWORDED),
        # Found verbatim again, yet still not the original wording: it stays flagged.
        (third.pk, "exact", "changed", REWORDED),
    ]
    assert seed.anchor_status == "changed"


def test_an_orphan_is_anchored_again_when_its_sentence_comes_back(seed_appearances):
    _, body = seed_text()
    recapture(body.replace(REMOVED, ""))
    removed = Appearance.objects.get(pk=seed_appearances["removed"].pk)
    assert removed.anchor_status == "orphaned"

    back = recapture(body + "\n\nCorrection : le paragraphe retiré a été rétabli.").capture

    removed.refresh_from_db()
    assert (removed.capture, removed.anchor_status, removed.anchor_method) == (
        back,
        "anchored",
        "exact",
    )


def test_an_older_snapshot_archived_late_leaves_claims_on_the_newer_text(seed_appearances):
    seed = seed_appearances["seed"]
    title, body = seed_text()
    older = archive_article(
        actor=IMPORT,
        title=title,
        capture=CapturePayload(
            text=body.replace(CLAIM_SENTENCE, REWORDED),
            origin=Capture.Origin.WARC,
            captured_at=seed.capture.captured_at.replace(year=2022),
        ),
    )
    assert older.outcome == Outcome.NEW_CAPTURE
    seed.refresh_from_db()
    assert (seed.capture_id, seed.anchor_status) == (Capture.objects.earliest("pk").pk, "anchored")
    assert not AppearanceAnchor.objects.exists()


def test_re_anchoring_keeps_the_quote_equal_to_the_captured_text(alice_journalist):
    capture = CaptureFactory()
    appearance = mark(capture, CLAIM_SENTENCE, alice_journalist)
    article = capture.article
    archive_article(
        actor=IMPORT,
        title=article.title,
        url=article.url,
        capture=CapturePayload(
            text=capture.text.replace("Aucune raison", "Aucune  raison").replace(
                "\n\n", "\n\nNB.\n\n"
            ),
            origin=Capture.Origin.URL,
        ),
    )
    appearance.refresh_from_db()
    assert appearance.capture.text[appearance.start : appearance.end] == appearance.quote
    assert appearance.capture == Article.objects.get().captures.latest()
    appearance.full_clean()


def test_reader_page_flags_reworded_and_orphaned_claims(client, seed_appearances, erin_editor):
    _, body = seed_text()
    article = recapture(body.replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, "")).article
    client.force_login(erin_editor)
    page = client.get(f"/articles/{article.pk}/").text
    assert "Wording changed" in page
    assert f"originally <q>{CLAIM_SENTENCE}</q>" in page
    assert f"now <q>{REWORDED}</q>" in page
    assert "Orphaned" in page
    assert REMOVED in page


def test_anonymous_readers_see_only_flags_of_published_claims(client, seed_appearances):
    _, body = seed_text()
    article = recapture(body.replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, "")).article
    page = client.get(f"/articles/{article.pk}/").text
    # The seed claim's annotation is published; the removed sentence's claim has none.
    assert "Wording changed" in page
    assert "Orphaned" not in page


def test_reader_page_queries_do_not_grow_with_flagged_claims(
    client, django_assert_num_queries, seed_appearances, alice_journalist
):
    _, body = seed_text()
    article = recapture(body.replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, "")).article
    client.force_login(alice_journalist)

    def count_queries() -> int:
        # session, user, article + source, its captures, the shown capture's text, the
        # user's groups (visibility), appearances with claims, their annotations, their tags;
        # the anchor notices: flagged appearances + captures, their anchor history; the
        # analysis: stored spans, the language's patterns, the marked sentences, whether the
        # vocabulary has spun-or-garbled-text, the suggested tags' labels; the unread
        # notifications in the navigation.
        with django_assert_num_queries(17):
            client.get(f"/articles/{article.pk}/")

    count_queries()
    first = Capture.objects.earliest("pk")
    for quote in ("Le 10 octobre", "Cependant, dans une décision", "De plus, leur scenario"):
        mark(first, quote, alice_journalist)
    recapture(
        body.replace(CLAIM_SENTENCE, REWORDED)
        .replace(REMOVED, "")
        .replace("Le 10 octobre", "Le 11 octobre")
        .replace("Cependant, dans", "Pourtant, dans")
        .replace("De plus, leur scenario", "Et leur situation")
    )
    assert Appearance.objects.filter(anchor_status__in=["changed", "orphaned"]).count() >= 4
    count_queries()


def test_a_reverted_edit_is_a_new_capture_and_the_claims_move_back(seed_appearances):
    # A → B → A: the return to the first text is identical to an earlier capture but not to
    # the latest, so it is archived and re-anchoring takes the claims back to the original.
    first = Capture.objects.get()
    _, body = seed_text()
    edited = recapture(body.replace(CLAIM_SENTENCE, REWORDED))
    assert edited.outcome == Outcome.NEW_CAPTURE

    reverted = recapture(body)

    assert reverted.outcome == Outcome.NEW_CAPTURE
    assert reverted.capture not in (first, edited.capture)
    assert reverted.capture.sha256 == first.sha256
    assert list(first.article.captures.all()) == [first, edited.capture, reverted.capture]
    seed = Appearance.objects.get(pk=seed_appearances["seed"].pk)
    assert seed.capture == reverted.capture
    assert seed.quote == CLAIM_SENTENCE == reverted.capture.text[seed.start : seed.end]
    assert list(seed.anchors.order_by("pk").values_list("capture", flat=True)) == [
        first.pk,
        edited.capture.pk,
        reverted.capture.pk,
    ]
    # The same text once more is identical to the latest: nothing stored.
    assert recapture(body).outcome == Outcome.UNCHANGED
    assert first.article.captures.count() == 3
