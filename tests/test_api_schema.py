"""The OpenAPI schema: it validates, documents every endpoint and error, and the offline docs
page works under the CSP (tests/security/test_schema_conformance.py runs schemathesis on it)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CHROMIUM = "/usr/bin/chromium"


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_schema_documents_every_endpoint_filter_and_error(api):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/claims/",
        "/api/claims/{id}/",
        "/api/claims/{id}/claimreview/",
        "/api/claims/export.jsonl",
        "/api/appearances/",
        "/api/annotations/",
        "/api/annotations/{id}/",
        "/api/annotations/{id}/submit/",
        "/api/annotations/{id}/publish/",
        "/api/annotations/{id}/return/",
        "/api/annotations/{id}/w3c/",
        "/api/annotations/w3c/",
        "/api/annotations/w3c/page/",
        "/api/evidence/",
        "/api/tags/",
        "/api/tags/{slug}/",
        "/api/sources/",
        "/api/sources/{slug}/",
        "/api/articles/",
        "/api/articles/{id}/captures/",
        "/api/captures/{id}/",
        "/api/tokens/",
        "/api/tokens/{id}/",
    ):
        assert path in paths, path
    claim_filters = {p["name"] for p in paths["/api/claims/"]["get"]["parameters"]}
    assert claim_filters >= {
        "tag",
        "source",
        "article",
        "language",
        "status",
        "min_confidence",
        "max_confidence",
        "author",
        "verdict",
        "q",
        "created_after",
        "created_before",
        "published_after",
        "published_before",
        "updated_since",
        "ordering",
        "cursor",
        "page_size",
    }
    export_filters = {p["name"] for p in paths["/api/claims/export.jsonl"]["get"]["parameters"]}
    assert export_filters == claim_filters - {"ordering", "cursor", "page_size"}
    patch = paths["/api/annotations/{id}/"]["patch"]["responses"]
    assert patch["412"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StaleVersion"
    }
    assert paths["/api/claims/"]["get"]["responses"]["400"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Error"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_page_is_served_offline_and_fits_the_csp(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    # Every script and stylesheet is ours (drf-spectacular-sidecar), none inline or remote.
    assert "<script>" not in page and "<style>" not in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(src.startswith("/") for src in sources), sources
    static = [src.removeprefix("/static/") for src in sources if src.startswith("/static/")]
    assert len(static) == 5  # favicon, Swagger UI's css and two scripts, our css
    for path in static:
        assert finders.find(path), path
    [init_url] = [src for src in sources if src.startswith("/api/docs/")]
    init = client.get(init_url.replace("&amp;", "&"))
    assert init["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in init.content


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (apt install chromium)")
def test_docs_page_renders_every_operation_in_a_real_browser(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-background-networking"]
        )
        page = browser.new_page()
        # A CSP violation shows up as a console error.
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(live_server.url + "/api/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)
        operations = page.locator(".opblock").count()
        browser.close()
    assert operations > 40
    assert problems == []
