"""The public record, for readers and search engines: the claim page's canonical link,
summary, Open Graph data and embedded ClaimReview; the corrections log (page and Atom feed);
the Atom feed of published fact-checks; the sitemap and robots.txt."""

import datetime as dt
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from annotations import services
from annotations.models import Annotation
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
