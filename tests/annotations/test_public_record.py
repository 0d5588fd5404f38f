"""The public record, for readers and search engines: the claim page's canonical link,
summary, Open Graph data and embedded ClaimReview; the corrections log (page and Atom feed);
the Atom feed of published fact-checks; the sitemap and robots.txt."""

import datetime as dt
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.utils import dateformat, translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from annotations import services
from annotations.models import Annotation
from journal.models import Entry
from publication import corrections
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = "https://claims.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.CLAIMDESK_PUBLIC_URL = PUBLIC


class Head(HTMLParser):
    """The <head>'s links, metas and JSON-LD blocks of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self.metas, self.json_ld = [], {}, []
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            key = attrs.get("name") or attrs["property"]
            self.metas.setdefault(key, []).append(attrs["content"])
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True

    def handle_endtag(self, tag):
        self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def link(self, rel: str, **attrs) -> list[str]:
        return [
            link["href"]
            for link in self.links
            if link.get("rel") == rel and all(link.get(k) == v for k, v in attrs.items())
        ]


def _publish(annotation, editor):
    services.submit_annotation(
        user=annotation.author, annotation=annotation, expected_version=annotation.version
    )
    return services.publish_annotation(
        user=editor, annotation=annotation, expected_version=annotation.version
    )


@pytest.fixture
def fact_check(alice_journalist, erin_editor):
    """Alice's published "false" verdict on the seed sentence, marked in a Le Monde article
    by Jeanne Dupont; the claim is made by the Ministry of Defence."""
    alice_journalist.first_name, alice_journalist.last_name = "Alice", "Martin"
    alice_journalist.save()
    capture = factories.CaptureFactory(
        article__source=factories.SourceFactory(name="Le Monde", slug="le-monde"),
        article__authors=["Jeanne Dupont"],
        article__published_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
        article__url="https://www.lemonde.fr/kirghizistan",
    )
    claim = factories.mark_sentence(alice_journalist, capture)
    services.update_claim(user=alice_journalist, claim=claim, claimant="Ministry of Defence")
    tag = factories.TagFactory(slug="unverified", label="Unverified", labels={"fr": "Non vérifié"})
    annotation = services.create_annotation(
        user=alice_journalist,
        claim=claim,
        confidence="0.9",
        tags=[tag],
        verdict=Annotation.Verdict.FALSE,
        rationale="Bishkek's statement gives <a reason> </script> after all.",
    )
    annotation = _publish(annotation, erin_editor)
    return {"claim": claim, "annotation": annotation, "capture": capture, "tag": tag}


# The claim page


def test_the_claim_page_embeds_the_claimreview_google_asks_for(client, fact_check):
    claim, annotation = fact_check["claim"], fact_check["annotation"]

    response = client.get(f"/claims/{claim.pk}/")

    [document] = Head(response.text).json_ld
    [review] = document["@graph"]
    canonical = f"{PUBLIC}/claims/{claim.pk}/"
    assert document["@context"] == "https://schema.org"
    assert review == {
        "@type": "ClaimReview",
        "url": f"{canonical}#annotation-{annotation.pk}",
        "claimReviewed": claim.text,
        "itemReviewed": {
            "@type": "Claim",
            "text": claim.text,
            "inLanguage": "fr",
            "appearance": [
                {
                    "@type": "NewsArticle",
                    "headline": fact_check["capture"].article.title,
                    "url": "https://www.lemonde.fr/kirghizistan",
                    "archivedAt": f"{PUBLIC}/api/captures/{fact_check['capture'].pk}/",
                    "datePublished": "2026-11-02T09:00:00Z",
                    "inLanguage": "fr",
                    "author": [{"@type": "Person", "name": "Jeanne Dupont"}],
                    "publisher": {"@type": "Organization", "name": "Le Monde"},
                }
            ],
            "author": {"@type": "Thing", "name": "Ministry of Defence"},
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Faux",  # the claim's language
            "ratingValue": 1,
            "worstRating": 1,
            "bestRating": 5,
        },
        "author": {"@type": "Person", "name": "Alice Martin"},
        "datePublished": annotation.published_at.date().isoformat(),
        "inLanguage": "fr",
        "reviewBody": annotation.rationale,
    }


def test_the_embedded_claimreview_is_the_api_s_with_the_public_address(client, api, fact_check):
    claim = fact_check["claim"]
    embedded = Head(client.get(f"/claims/{claim.pk}/").text).json_ld[0]
    served = api.get(f"/api/claims/{claim.pk}/claimreview/").json()
    assert json.loads(json.dumps(served).replace("http://testserver", PUBLIC)) == embedded


def test_the_json_ld_block_cannot_end_early_whatever_the_text_holds(client, fact_check):
    html = client.get(f"/claims/{fact_check['claim'].pk}/").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    assert "<" not in block and ">" not in block
    assert "\\u003C/script\\u003E" in block


def test_the_csp_does_not_need_the_json_ld_block(client, fact_check):
    response = client.get(f"/claims/{fact_check['claim'].pk}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # A data block: no nonce, so the page's policy stays as strict as every page's.
    assert '<script type="application/ld+json" nonce' not in response.text


def test_the_claim_page_names_its_canonical_address_and_language_alternates(client, fact_check):
    claim = fact_check["claim"]
    head = Head(client.get(f"/claims/{claim.pk}/?capture=1&utm_source=x").text)
    canonical = f"{PUBLIC}/claims/{claim.pk}/"
    assert head.link("canonical") == [canonical]
    for language in ("en", "fr", "x-default"):
        assert head.link("alternate", hreflang=language) == [canonical]


def test_the_claim_page_summarises_the_claim_and_its_verdict_for_sharing(client, fact_check):
    claim = fact_check["claim"]

    english = Head(client.get(f"/claims/{claim.pk}/").text).metas
    french = Head(client.get(f"/claims/{claim.pk}/", **FRENCH).text).metas

    assert english["description"] == [f"Fact-check of the claim “{claim.text}”: false."]
    assert french["description"] == [
        f"Vérification de l’affirmation «\xa0{claim.text}\xa0»\xa0: faux."
    ]
    assert english["og:type"] == ["article"]
    assert english["og:title"] == english["twitter:title"] == [claim.text]
    assert english["og:description"] == english["twitter:description"]
    assert english["og:url"] == [f"{PUBLIC}/claims/{claim.pk}/"]
    assert english["og:locale"] == ["en_US"] and english["og:locale:alternate"] == ["fr_FR"]
    assert french["og:locale"] == ["fr_FR"]
    assert english["twitter:card"] == ["summary"]


def test_a_claim_anonymous_readers_cannot_see_has_no_public_head(client, alice_journalist):
    claim = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    client.force_login(alice_journalist)
    head = Head(client.get(f"/claims/{claim.pk}/").text)
    assert head.json_ld == [] and head.link("canonical") == []
    # The site's own description, not one that would tell the claim to a crawler.
    assert [claim.text not in d for d in head.metas["description"]] == [True]


def test_a_published_claim_without_a_verdict_has_a_head_but_no_claimreview(
    client, alice_journalist, erin_editor
):
    claim = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    annotation = services.create_annotation(user=alice_journalist, claim=claim, confidence="0.5")
    _publish(annotation, erin_editor)
    head = Head(client.get(f"/claims/{claim.pk}/").text)
    assert head.json_ld == []
    assert head.link("canonical") == [f"{PUBLIC}/claims/{claim.pk}/"]
    assert head.metas["description"] == [
        f"The claim “{claim.text}”, with its published assessments."
    ]


# The corrections log


@pytest.fixture
def corrected(fact_check, alice_journalist, erin_editor, adam_admin):
    """The fact-check retracted ("Source misread"); a second claim removed; a third claim's
    published wording corrected; a fourth's published assessment returned with an internal
    comment; a draft's edit, which is not public."""
    services.retract_annotation(
        user=erin_editor,
        annotation=fact_check["annotation"],
        reason="Source misread",
        expected_version=fact_check["annotation"].version,
    )
    capture = factories.CaptureFactory()
    removed = factories.mark_sentence(alice_journalist, capture)
    _publish(
        services.create_annotation(user=alice_journalist, claim=removed, confidence="0.5"),
        erin_editor,
    )
    services.delete_claim(user=erin_editor, claim=removed, reason="Marked twice")
    reworded = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    _publish(
        services.create_annotation(user=alice_journalist, claim=reworded, confidence="0.5"),
        erin_editor,
    )
    services.update_claim(
        user=erin_editor, claim=reworded, text="Bishkek gave no reason.", reason="Typo"
    )
    returned = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    annotation = _publish(
        services.create_annotation(user=alice_journalist, claim=returned, confidence="0.5"),
        erin_editor,
    )
    services.return_annotation(
        user=erin_editor,
        annotation=annotation,
        comment="Internal: check with the desk",
        expected_version=annotation.version,
    )
    draft = services.create_annotation(
        user=alice_journalist,
        claim=factories.mark_sentence(alice_journalist, factories.CaptureFactory()),
        confidence="0.5",
    )
    services.update_annotation(
        user=alice_journalist,
        annotation=draft,
        rationale="x",
        expected_version=draft.version,
        reason="Private draft note",
    )
    return {**fact_check, "removed": removed, "reworded": reworded}


def test_the_corrections_log_lists_retractions_removals_and_reasoned_edits_newest_first(
    corrected,
):
    rows = list(corrections.entries())
    assert [(corrections.kind_of(r), r["kind"], r["reason"], r["claim_id"]) for r in rows] == [
        ("corrected", "claim", "Typo", corrected["reworded"].pk),
        ("removed", "claim", "Marked twice", corrected["removed"].pk),
        ("retracted", "annotation", "Source misread", corrected["claim"].pk),
    ]
    assert rows[1]["claim_text"] == corrected["removed"].text  # a removed claim keeps its words


def test_a_withdrawal_states_what_when_and_why(corrected):
    retraction = list(corrections.entries())[-1]
    assert corrections.withdrawal(retraction) == {
        "as": "retracted",
        "at": retraction["at"].isoformat().replace("+00:00", "Z"),
        "reason": "Source misread",
    }
    assert corrections.withdrawal(corrections.entries().first()) is None  # an edit


def test_the_corrections_page_shows_each_with_its_reason_and_a_link_to_the_claim(client, corrected):
    page = client.get("/corrections/").text
    for reason in ("Source misread", "Marked twice", "Typo"):
        assert f"Reason: {reason}" in page
    assert f'href="/claims/{corrected["claim"].pk}/"' in page
    assert "Retracted" in page and "Removed" in page and "Corrected" in page
    assert "Internal: check with the desk" not in page  # a return's comment is internal
    assert "Private draft note" not in page
    assert page.index("Typo") < page.index("Marked twice") < page.index("Source misread")


def test_the_corrections_page_speaks_french(client, corrected):
    page = client.get("/corrections/", **FRENCH).text
    assert "Rectificatifs" in page and "Motif\xa0: Source misread" in page and "Retiré" in page


def test_the_corrections_page_is_paged_in_constant_queries(
    client, fact_check, erin_editor, django_assert_max_num_queries
):
    # The count and the page (entries joined to their claims' wording).
    with django_assert_max_num_queries(2):
        client.get("/corrections/")
    for _ in range(30):
        services.update_claim(
            user=erin_editor,
            claim=fact_check["claim"],
            text=f"Wording {_}",
            reason=f"Correction {_}",
        )
    with django_assert_max_num_queries(2):
        response = client.get("/corrections/")
    assert "Correction 29" in response.text and "Correction 4" not in response.text
    assert "Correction 4" in client.get("/corrections/?page=2").text


def test_the_corrections_feed_carries_the_same_entries(client, corrected):
    response = client.get("/corrections.atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}summary").text for e in entries] == [
        "Corrected, the claim: Typo",
        "Removed, the claim: Marked twice",
        "Retracted, an assessment of the claim: Source misread",
    ]
    assert entries[2].find(f"{ATOM}link").get("href") == (
        f"{PUBLIC}/claims/{corrected['claim'].pk}/"
    )
    assert b"Internal: check with the desk" not in response.content


# Withdrawals stated in public: 410 Gone on the claim's page and API, tombstones that say why


def iso(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


def withdrawal_entry(claim, action):
    """The journal entry that withdrew `claim` (`retracted` or `deleted`)."""
    return Entry.objects.get(claim_id=claim.pk, action=action)


@pytest.fixture
def returned(corrected):
    """The claim whose only published assessment was returned to its author."""
    return Annotation.objects.get(review_comment="Internal: check with the desk").claim


def test_a_retracted_claims_page_is_gone_saying_what_when_and_why(client, corrected):
    claim = corrected["claim"]
    retracted = withdrawal_entry(claim, "retracted")

    response = client.get(f"/claims/{claim.pk}/")

    assert response.status_code == 410
    page = response.text
    assert '<h1 id="withdrawn-title">This fact-check was withdrawn</h1>' in page
    assert claim.text in page
    assert "<strong>Retracted</strong>: an assessment of the claim" in page
    assert "Reason: Source misread" in page
    at = localtime(retracted.at)
    assert f'<time datetime="{dateformat.format(at, "c")}">{date_format(at)}</time>' in page
    assert 'href="/corrections/"' in page
    assert Head(page).metas["robots"] == ["noindex"]
    assert corrected["annotation"].rationale not in page  # what was withdrawn stays so


def test_a_withdrawn_claims_page_speaks_french(client, corrected):
    retracted = withdrawal_entry(corrected["claim"], "retracted")
    response = client.get(f"/claims/{corrected['claim'].pk}/", **FRENCH)
    assert response.status_code == 410
    assert "Cette vérification a été retirée" in response.text
    assert "Motif\xa0: Source misread" in response.text
    with translation.override("fr"):
        assert date_format(localtime(retracted.at)) in response.text


def test_a_removed_claims_page_is_gone_with_the_reason_of_its_removal(client, corrected):
    response = client.get(f"/claims/{corrected['removed'].pk}/")
    assert response.status_code == 410
    assert "This claim was removed" in response.text
    assert "<strong>Removed</strong>: the claim" in response.text
    assert "Reason: Marked twice" in response.text


def test_a_claim_never_public_or_only_returned_stays_not_found(
    client, corrected, returned, alice_journalist, erin_editor
):
    draft = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    quietly_removed = factories.mark_sentence(alice_journalist, factories.CaptureFactory())
    services.delete_claim(user=alice_journalist, claim=quietly_removed)
    for claim in (draft, quietly_removed, returned):
        assert client.get(f"/claims/{claim.pk}/").status_code == 404
        assert client.get(f"/api/claims/{claim.pk}/").status_code == 404
        assert client.get(f"/api/claims/{claim.pk}/claimreview/").status_code == 404
        assert client.get(f"/api/claims/{claim.pk}/history/").status_code == 404
    client.force_login(erin_editor)
    assert client.get(f"/claims/{quietly_removed.pk}/").status_code == 404


def test_editors_and_the_author_still_see_a_retracted_claim_others_learn_it_is_gone(
    client, corrected, alice_journalist, bob_journalist, erin_editor
):
    claim = corrected["claim"]
    for person, status in ((erin_editor, 200), (alice_journalist, 200), (bob_journalist, 410)):
        client.force_login(person)
        assert client.get(f"/claims/{claim.pk}/").status_code == status, person
        assert client.get(f"/api/claims/{claim.pk}/").status_code == status, person
    client.force_login(erin_editor)
    page = client.get(f"/claims/{claim.pk}/").text
    assert "retracted: Source misread" in page and "Bishkek" in page
    # Nobody sees a removed claim: editors too learn it is gone.
    assert client.get(f"/claims/{corrected['removed'].pk}/").status_code == 410


def test_a_claim_with_another_published_assessment_is_not_withdrawn(
    client, api, fact_check, bob_journalist, erin_editor
):
    claim = fact_check["claim"]
    other = services.create_annotation(user=bob_journalist, claim=claim, confidence="0.4")
    _publish(other, erin_editor)
    services.retract_annotation(
        user=erin_editor,
        annotation=fact_check["annotation"],
        reason="Source misread",
        expected_version=fact_check["annotation"].version,
    )
    assert client.get(f"/claims/{claim.pk}/").status_code == 200
    assert api.get(f"/api/claims/{claim.pk}/").status_code == 200
    [change] = api.get("/api/changes/").json()["results"]
    assert change["action"] == "upsert" and "withdrawn" not in change


@pytest.mark.parametrize("reader", ["anonymous", "read-only token", "journalist"])
def test_the_api_answers_410_for_a_retracted_claim_with_the_withdrawal(
    reader, api, token_client, as_user, corrected, bob_journalist
):
    client = {
        "anonymous": lambda: api,
        "read-only token": lambda: token_client(bob_journalist, read_only=True),
        "journalist": lambda: as_user(bob_journalist),
    }[reader]()
    claim = corrected["claim"]
    retracted = withdrawal_entry(claim, "retracted")
    expected = {
        "id": claim.pk,
        "status": "retracted",
        "withdrawn": {"as": "retracted", "at": iso(retracted.at), "reason": "Source misread"},
        "detail": "The published assessment of this claim was retracted on "
        f"{retracted.at.date().isoformat()}: Source misread (every withdrawal is listed at "
        f"{PUBLIC}/corrections/).",
    }
    for path in (f"/api/claims/{claim.pk}/", f"/api/claims/{claim.pk}/claimreview/"):
        response = client.get(path)
        assert response.status_code == 410, path
        assert response["Content-Type"] == "application/json", path
        assert response.json() == expected, path


def test_the_api_answers_410_for_a_removed_claim_with_its_reason(api, corrected):
    removed = corrected["removed"]
    deleted = withdrawal_entry(removed, "deleted")
    expected = {
        "id": removed.pk,
        "status": "removed",
        "withdrawn": {"as": "removed", "at": iso(deleted.at), "reason": "Marked twice"},
        "detail": f"This claim was removed on {deleted.at.date().isoformat()}, giving the "
        f"reason: Marked twice (every withdrawal is listed at {PUBLIC}/corrections/).",
    }
    for path in ("", "claimreview/", "history/"):
        response = api.get(f"/api/claims/{removed.pk}/{path}")
        assert (response.status_code, response.json()) == (410, expected), path


def test_anonymous_history_of_a_retracted_claim_shows_the_retraction_and_its_reason(api, corrected):
    claim, annotation = corrected["claim"], corrected["annotation"]
    response = api.get(f"/api/claims/{claim.pk}/history/")
    assert response.status_code == 200
    events = response.json()["results"]
    assert [(e["kind"], e["action"]) for e in events] == [
        ("annotation", "published"),
        ("annotation", "retracted"),
    ]
    assert events[-1]["id"] == annotation.pk and events[-1]["reason"] == "Source misread"


def test_a_gone_claim_costs_two_queries_to_anonymous_readers(
    api, corrected, django_assert_num_queries
):
    # the stored document (none); the claim's withdrawals with its wording
    with django_assert_num_queries(2):
        assert api.get(f"/api/claims/{corrected['claim'].pk}/").status_code == 410


def test_the_change_feed_says_why_each_claim_left_the_public_record(api, corrected, returned):
    results = read_feed(api)
    retracted = withdrawal_entry(corrected["claim"], "retracted")
    deleted = withdrawal_entry(corrected["removed"], "deleted")
    unpublished = Entry.objects.get(claim_id=returned.pk, action="returned")
    tombstones = {r["id"]: r for r in results if r["action"] == "delete"}
    assert tombstones == {
        corrected["claim"].pk: {
            "kind": "claim",
            "id": corrected["claim"].pk,
            "action": "delete",
            "at": tombstones[corrected["claim"].pk]["at"],
            "claim": None,
            "withdrawn": {"as": "retracted", "at": iso(retracted.at), "reason": "Source misread"},
        },
        corrected["removed"].pk: {
            "kind": "claim",
            "id": corrected["removed"].pk,
            "action": "delete",
            "at": iso(deleted.at),
            "claim": None,
            "withdrawn": {"as": "removed", "at": iso(deleted.at), "reason": "Marked twice"},
        },
        returned.pk: {
            "kind": "claim",
            "id": returned.pk,
            "action": "delete",
            "at": iso(unpublished.at),
            "claim": None,
            "withdrawn": {"as": "unpublished", "at": iso(unpublished.at), "reason": ""},
        },
    }
    assert [r["id"] for r in results if r["action"] == "upsert"] == [corrected["reworded"].pk]


def test_the_bulk_change_feed_carries_the_same_tombstones(api, corrected, returned):
    response = api.get("/api/changes.jsonl")
    body = b"".join(response.streaming_content)
    lines = [json.loads(line) for line in body.splitlines()]
    assert lines == read_feed(api)
    assert b"Internal: check with the desk" not in body


def read_feed(client) -> list[dict]:
    """The feed from the beginning, in one page: each claim once, in its latest state."""
    page = client.get("/api/changes/?page_size=1000").json()
    assert page["has_more"] is False
    return page["results"]


@pytest.mark.parametrize("count", [1, 5])
def test_a_feed_page_of_tombstones_costs_the_same_queries_at_any_size(
    api, erin_editor, count, django_assert_num_queries
):
    for claim in factories.annotated_claims(count):
        services.delete_claim(user=erin_editor, claim=claim, reason="Marked twice")
    # journal entries with their stored documents (none), in one statement; which claims the
    # reader once saw; their withdrawals
    with django_assert_num_queries(3):
        results = api.get("/api/changes/?page_size=1000").json()["results"]
    assert [r["withdrawn"]["as"] for r in results] == ["removed"] * count


# The feed of published fact-checks


def test_the_claims_feed_lists_published_fact_checks_newest_first(client, fact_check):
    response = client.get("/claims.atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    [entry] = feed.findall(f"{ATOM}entry")
    claim, annotation = fact_check["claim"], fact_check["annotation"]
    assert entry.find(f"{ATOM}title").text == claim.text
    assert entry.find(f"{ATOM}link").get("href") == (
        f"{PUBLIC}/claims/{claim.pk}/#annotation-{annotation.pk}"
    )
    assert entry.find(f"{ATOM}summary").text == f"Verdict: false. {annotation.rationale}"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Alice Martin"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Unverified"]


def test_the_claims_feed_leaves_out_what_anonymous_readers_cannot_see(
    client, fact_check, erin_editor
):
    services.retract_annotation(
        user=erin_editor,
        annotation=fact_check["annotation"],
        reason="Source misread",
        expected_version=fact_check["annotation"].version,
    )
    factories.AnnotationFactory(status=Annotation.Status.SUBMITTED)
    feed = ElementTree.fromstring(client.get("/claims.atom").content)
    assert feed.findall(f"{ATOM}entry") == []


def test_the_claims_feed_and_the_sitemap_leave_out_every_withdrawn_claim(client, corrected):
    feed = ElementTree.fromstring(client.get("/claims.atom").content)
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    sitemap = client.get("/sitemap.xml").text
    reworded = corrected["reworded"].pk
    assert [link.split("#")[0] for link in links] == [f"{PUBLIC}/claims/{reworded}/"]
    assert sitemap.count("<url>") == 1 and f"/claims/{reworded}/" in sitemap


def test_the_claims_feed_narrows_by_tag_and_language(client, fact_check):
    def titles(query):
        feed = ElementTree.fromstring(client.get(f"/claims.atom?{query}").content)
        return [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]

    text = fact_check["claim"].text
    assert titles("tag=unverified") == [text]
    assert titles("tag=disputed") == []
    assert titles("language=fr") == [text]
    assert titles("language=en") == []


# Sitemap and robots.txt


def test_the_sitemap_lists_published_claim_pages_with_their_last_change(client, corrected):
    live = factories.annotated_claims(1)[0]

    response = client.get("/sitemap.xml")

    urls = {
        url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod")
        for url in ElementTree.fromstring(response.content).findall(f"{SITEMAP}url")
    }
    reworded = corrected["reworded"]
    assert set(urls) == {f"{PUBLIC}/claims/{reworded.pk}/", f"{PUBLIC}/claims/{live.pk}/"}
    # The retracted and the removed claims left; the rewording is the last change.
    reworded.refresh_from_db()
    assert urls[f"{PUBLIC}/claims/{reworded.pk}/"].text == reworded.updated_at.date().isoformat()


# The claims feed: the assessments with their claims and authors, then their tags. The
# sitemap: the count (for its pages), then the claims with their last public change.
@pytest.mark.parametrize(
    ("path", "item", "per_claim"), [("/claims.atom", b"<entry>", 3), ("/sitemap.xml", b"<url>", 1)]
)
@pytest.mark.parametrize("count", [1, 8])
def test_the_feed_and_the_sitemap_cost_the_same_queries_whatever_their_length(
    client, path, item, per_claim, count, django_assert_num_queries
):
    factories.annotated_claims(count)
    with django_assert_num_queries(2):
        response = client.get(path)
    assert response.content.count(item) == count * per_claim


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in response.text.splitlines()
    assert "Disallow: /admin/" in response.text.splitlines()


def test_the_public_url_defaults_to_the_development_server(settings):
    from config import settings as project_settings

    assert project_settings.CLAIMDESK_PUBLIC_URL == "http://127.0.0.1:8000"
