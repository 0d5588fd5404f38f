"""The reading pages: home, articles, the reader, claims, capture history. Each list page is
checked at 1 and at several rows for a constant number of queries."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.actors import IMPORT
from annotations.models import Claim
from archive.ingest.documents import CapturePayload
from archive.services import add_capture
from tests.factories import (
    CLAIM_SENTENCE,
    AnnotationFactory,
    AppearanceFactory,
    ArticleFactory,
    CaptureFactory,
    EvidenceFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def annotated_claim(author, *, capture=None, status="published", tags=(), quote=None, **fields):
    capture = capture or CaptureFactory()
    span = {}
    if quote is not None:
        start = capture.text.index(quote)
        span = {"start": start, "end": start + len(quote), "quote": quote, "claim__text": quote}
    appearance = AppearanceFactory(capture=capture, claim__created_by=author, **span)
    annotation = AnnotationFactory(
        claim=appearance.claim,
        author=author,
        status=status,
        published_at=timezone.now() if status == "published" else None,
        review_comment="Cite the ministry." if status == "returned" else "",
        tags=list(tags),
        **fields,
    )
    EvidenceFactory(annotation=annotation)
    return appearance.claim, annotation


def corpus(author, n: int, tag):
    for _ in range(n):
        annotated_claim(author, tags=[tag])
        annotated_claim(author, status="draft", tags=[tag])
        annotated_claim(author, status="returned", tags=[tag])
        annotated_claim(author, status="submitted", tags=[tag])


def test_home_shows_my_drafts_returned_comments_and_tag_counts(client, alice_journalist):
    tag = TagFactory(label="No official reason given")
    corpus(alice_journalist, 1, tag)
    client.force_login(alice_journalist)
    html = client.get("/").text
    assert "Your drafts" in html and "Returned to you" in html
    assert "Cite the ministry." in html
    assert re.search(r"No official reason given</a> <span class=\"count\">4</span>", html)
    assert "Awaiting your review" not in html


def test_home_counts_only_published_claims_for_anonymous_visitors(client, alice_journalist):
    tag = TagFactory(label="No official reason given")
    corpus(alice_journalist, 1, tag)
    html = client.get("/").text
    assert re.search(r"No official reason given</a> <span class=\"count\">1</span>", html)
    assert "Your drafts" not in html


def test_home_lists_submitted_annotations_for_editors(client, alice_journalist, erin_editor):
    claim, _ = annotated_claim(alice_journalist, status="submitted")
    client.force_login(erin_editor)
    html = client.get("/").text
    assert "Awaiting your review" in html
    assert f"/claims/{claim.pk}/#annotation-" in html


@pytest.mark.parametrize("rows", [1, 4])
def test_home_queries_do_not_grow_with_rows(
    client, alice_journalist, erin_editor, django_assert_num_queries, rows
):
    corpus(alice_journalist, rows, TagFactory())
    client.force_login(erin_editor)
    # session, user, the editor's groups, recent articles, tag counts, drafts, returned,
    # submitted by me, assigned to me, awaiting review, and the navigation's counts of what
    # waits and of unread notifications.
    with django_assert_num_queries(12):
        client.get("/")


def test_articles_filter_by_source_language_tag_claims_and_text(client, alice_journalist):
    tag = TagFactory(slug="unverified")
    source = SourceFactory(slug="eurasia")
    tagged = CaptureFactory(article__source=source)
    annotated_claim(alice_journalist, capture=tagged, tags=[tag])
    plain = CaptureFactory(article__language="en", text="Nothing to see in Bishkek.")
    draft_only = CaptureFactory()
    annotated_claim(alice_journalist, capture=draft_only, status="draft", tags=[tag])

    def titles(query):
        html = client.get("/articles/?" + query).text
        return {
            a.article.title
            for a in (tagged, plain, draft_only)
            if f'href="/articles/{a.article_id}/"' in html
        }

    assert titles("source=eurasia") == {tagged.article.title}
    assert titles("language=en") == {plain.article.title}
    assert titles("tag=unverified") == {tagged.article.title}
    assert titles("has_claims=true") == {tagged.article.title}
    assert titles("has_claims=false") == {plain.article.title, draft_only.article.title}
    assert titles("q=bishkek") == {plain.article.title}
    client.force_login(alice_journalist)
    assert titles("tag=unverified") == {tagged.article.title, draft_only.article.title}


@pytest.mark.parametrize("rows", [1, 5])
def test_articles_list_queries_do_not_grow_with_rows(
    client, alice_journalist, django_assert_num_queries, rows
):
    for _ in range(rows):
        annotated_claim(alice_journalist, tags=[TagFactory()])
    # count, articles with their source and claim counts, sources and tags for the filters.
    with django_assert_num_queries(4):
        client.get("/articles/?has_claims=true")


def test_claims_filter_on_one_annotation_at_a_time(client, alice_journalist, bob_journalist):
    unverified, disputed = TagFactory(slug="unverified"), TagFactory(slug="disputed")
    source = SourceFactory(slug="eurasia")
    high, _ = annotated_claim(
        alice_journalist,
        capture=CaptureFactory(article__source=source),
        tags=[unverified],
        confidence="0.900",
        verdict="false",
    )
    low, _ = annotated_claim(bob_journalist, tags=[disputed], confidence="0.200")
    # Bob's published annotation of the first claim has neither tag nor verdict.
    AnnotationFactory(
        claim=high, author=bob_journalist, status="published", published_at=timezone.now()
    )

    def found(query):
        html = client.get("/claims/?" + query).text
        return {c for c in (high, low) if f'href="/claims/{c.pk}/"' in html}

    assert found("tag=unverified") == {high}
    assert found("tag=unverified&tag=disputed") == {high, low}
    assert found("verdict=false") == {high}
    assert found("min_confidence=50") == {high}
    assert found("max_confidence=50") == {low}
    # Alice's 0.9 is high enough and Bob annotated the claim, but not with that confidence.
    assert found("min_confidence=85&author=bob_journalist") == set()
    assert found("min_confidence=85&author=alice_journalist") == {high}
    assert found("source=eurasia") == {high}
    # Anonymous readers are not offered a status (they see published annotations only).
    client.force_login(bob_journalist)
    assert found("status=draft") == set()


def test_claims_filter_explains_an_empty_confidence_range(client):
    html = client.get("/claims/?min_confidence=80&max_confidence=20").text
    assert "The confidence range is empty" in html


def test_claims_list_hides_drafts_from_anonymous_visitors(client, alice_journalist):
    published, _ = annotated_claim(alice_journalist)
    draft, _ = annotated_claim(alice_journalist, status="draft")
    Claim.objects.filter(pk=draft.pk).update(text="Un brouillon <script>alert(1)</script>")
    html = client.get("/claims/").text
    assert f"/claims/{published.pk}/" in html and f"/claims/{draft.pk}/" not in html
    client.force_login(alice_journalist)
    html = client.get("/claims/").text
    assert "Un brouillon &lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("rows", [1, 5])
def test_claims_list_queries_do_not_grow_with_rows(
    client, alice_journalist, django_assert_num_queries, rows
):
    corpus(alice_journalist, rows, TagFactory())
    client.force_login(alice_journalist)
    # session, user, the user's groups, count, claims, appearances (with capture, article,
    # source), annotations (with author, reviewer), their tags, their evidence, and the tags
    # and sources of the filter form, and the navigation's count of unread notifications.
    with django_assert_num_queries(12):
        client.get("/claims/")


def test_reader_shows_published_highlights_to_anonymous_and_drafts_to_their_author(
    client, alice_journalist
):
    capture = CaptureFactory()
    annotated_claim(alice_journalist, capture=capture)
    other = "Juste un jour avant l’annulation"
    start = capture.text.index(other)
    draft = AppearanceFactory(
        capture=capture,
        claim__created_by=alice_journalist,
        claim__text=other,
        start=start,
        end=start + len(other),
        quote=other,
    ).claim
    AnnotationFactory(claim=draft, author=alice_journalist)
    url = f"/articles/{capture.article_id}/"
    html = client.get(url).text
    assert html.count("<mark ") == 1 and "status-published" in html
    assert "Mark claim" not in html
    client.force_login(alice_journalist)
    html = client.get(url).text
    assert html.count("<mark ") == 2 and "status-draft" in html
    assert 'id="mark-button"' in html


@pytest.mark.parametrize("rows", [1, 4])
def test_reader_queries_do_not_grow_with_highlights(
    client, alice_journalist, django_assert_num_queries, rows
):
    capture = CaptureFactory()
    for _ in range(rows):
        annotated_claim(alice_journalist, capture=capture, tags=[TagFactory()])
    # article with source, captures (no text), the capture's text, appearances with claims,
    # their visible annotations, their tags; the changed/orphaned appearances (none here);
    # the capture's stored analysis and the tag patterns of its language.
    with django_assert_num_queries(9):
        client.get(f"/articles/{capture.article_id}/")


def test_reader_shows_an_earlier_capture_on_request(client):
    capture = CaptureFactory()
    later = add_capture(
        actor=IMPORT,
        article=capture.article,
        capture=CapturePayload(text=capture.text + " Mise à jour.", origin="url"),
    )
    html = client.get(f"/articles/{capture.article_id}/").text
    assert "Mise à jour." in html
    html = client.get(f"/articles/{capture.article_id}/?capture={capture.pk}").text
    assert "Mise à jour." not in html and "(an earlier capture)" in html
    assert client.get(f"/articles/{capture.article_id}/?capture={later.pk + 99}").status_code == 404


def test_claim_panel_is_a_partial_for_htmx_and_a_page_otherwise(client, alice_journalist):
    claim, _ = annotated_claim(alice_journalist)
    page = client.get(f"/claims/{claim.pk}/")
    assert page.text.startswith("<!doctype html>") and CLAIM_SENTENCE in page.text
    panel = client.get(f"/claims/{claim.pk}/", headers={"HX-Request": "true"})
    assert "<html" not in panel.text and CLAIM_SENTENCE in panel.text
    assert "Where it appears" in panel.text


def test_unpublished_claim_is_404_for_others_with_a_friendly_page(
    client, alice_journalist, bob_journalist
):
    claim, annotation = annotated_claim(alice_journalist, status="draft")
    for url in (f"/claims/{claim.pk}/", f"/annotations/{annotation.pk}/edit/"):
        client.force_login(bob_journalist)
        response = client.get(url)
        assert response.status_code == 404
        assert "Nothing here" in response.text
    assert list(Claim.objects.visible_to(AnonymousUser())) == []


def test_capture_history_marks_insertions_deletions_and_flags_moved_and_changed_claims(
    client, alice_journalist
):
    capture = CaptureFactory(
        text="Intro.\n\nUne event distinctive.\n\nAucune raison.\n\nPhrase retirée ensuite."
    )
    article = capture.article
    annotated_claim(alice_journalist, capture=capture, quote="Aucune raison.")
    annotated_claim(alice_journalist, capture=capture, quote="Une event distinctive.")
    annotated_claim(alice_journalist, capture=capture, quote="Phrase retirée ensuite.")
    # Re-anchoring follows the claims into the new capture.
    add_capture(
        actor=IMPORT,
        article=article,
        capture=CapturePayload(
            text="Intro longue.\n\nUne events distinctive.\n\nAucune raison.", origin="url"
        ),
    )
    html = client.get(f"/articles/{article.pk}/history/").text
    assert "Intro<ins> longue</ins>." in html
    assert "<del>event</del><ins>events</ins>" in html
    assert "<del>\n\nPhrase retirée ensuite.</del>" in html
    assert '<strong class="flag">moved</strong> <span class="meta" title="from character' in html
    assert "“Une event distinctive.” became “Une events distinctive.”" in html
    assert '<strong class="flag">not found</strong> in the newer capture' in html


def test_capture_history_refuses_a_capture_of_another_article(client):
    capture = CaptureFactory()
    add_capture(
        actor=IMPORT,
        article=capture.article,
        capture=CapturePayload(text=capture.text + " Suite.", origin="url"),
    )
    stranger = CaptureFactory(article=ArticleFactory())
    html = client.get(
        f"/articles/{capture.article_id}/history/?from={stranger.pk}&to={capture.pk}"
    ).text
    assert "Choose two captures of this article to compare." in html


def test_pages_have_no_inline_scripts_styles_or_handlers(client, alice_journalist, seeded):
    claim = Claim.objects.get()
    client.force_login(alice_journalist)
    article_id = claim.appearances.get().capture.article_id
    for url in (
        "/",
        "/articles/",
        f"/articles/{article_id}/",
        f"/articles/{article_id}/history/",
        "/claims/",
        f"/claims/{claim.pk}/",
        f"/claims/{claim.pk}/annotate/",
        "/accounts/login/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
        html = response.text
        for script in re.findall(r"<script[^>]*>", html):
            # A JSON-LD block is data the browser never runs (no CSP applies to it).
            data = script == '<script type="application/ld+json">'
            assert "src=" in script or "nonce=" in script or data, (url, script)
        assert not re.search(r"\sstyle=\"", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url


# The face (issue #24): what a newcomer found, checked without a browser.
STYLESHEET = (settings.BASE_DIR / "static" / "css" / "claimdesk.css").read_text()


def test_a_retracted_highlight_has_its_own_colour_and_a_place_in_the_legend(
    client, alice_journalist
):
    """`status-retracted` had no style: the browser's yellow, easy to take for "awaiting
    review", and no entry in the legend."""
    capture = CaptureFactory()
    annotated_claim(alice_journalist, capture=capture, status="retracted")
    rule = re.search(r"mark\.status-retracted \{([^}]*)\}", STYLESHEET)
    assert rule and "var(--retracted)" in rule.group(1)
    assert re.search(r"--retracted: #[0-9a-f]{6}", STYLESHEET)
    client.force_login(alice_journalist)
    page = client.get(f"/articles/{capture.article_id}/").text
    assert "hl status-retracted" in page
    legend = page[page.index('class="legend') :]
    assert '<span class="badge status-retracted">retracted</span>' in legend


def test_the_navigation_has_at_most_six_entries_and_a_menu_for_the_rest(client, adam_admin):
    client.force_login(adam_admin)
    page = client.get("/").text
    masthead = page[page.index('class="primary-nav"') : page.index('class="menu-panel"')]
    entries = masthead.count("<li>") + masthead.count('<details class="menu"')
    assert entries <= 6, entries
    menu = page[page.index('class="menu-panel"') : page.index("</details>")]
    for path in ("/articles/add/", "/imports/", "/agreement/", "/accounts/name/", "/admin/"):
        assert f'href="{path}"' in menu, path


def test_pages_have_a_favicon_and_a_wordmark_of_their_own(client):
    page = client.get("/").text
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    assert 'src="/static/img/wordmark.svg"' in page
    for name in ("favicon.svg", "wordmark.svg"):
        assert (settings.BASE_DIR / "static" / "img" / name).read_text().startswith("<svg")


def test_cancel_and_clear_links_look_like_the_buttons_beside_them(client, alice_journalist):
    """They were plain links in the text's serif beside sans-serif buttons."""
    capture = CaptureFactory()
    client.force_login(alice_journalist)
    claims = client.get("/claims/?q=raison").text
    assert '<a class="button quiet" href="?">Clear</a>' in claims
    mark = client.get(f"/articles/{capture.article_id}/mark/?capture={capture.pk}&start=0&end=5")
    assert re.search(r'<a class="button quiet" href="[^"]+">Cancel</a>', mark.text)
