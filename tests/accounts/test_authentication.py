"""Authentication of API requests: a request without credentials is anonymous without any
look-up (no session loaded, no user or token read); a session cookie or a token is checked as
ever, CSRF included."""

import pytest
from django.contrib import auth
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import APIToken
from annotations.models import Annotation
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC_READS = ["/api/claims/?page_size=5", "/api/claims/{claim}/", "/api/claims/?q=public"]


@pytest.fixture
def public_claim(alice_journalist):
    claim = factories.ClaimFactory(created_by=alice_journalist, text="A public claim")
    factories.AnnotationFactory(
        claim=claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    return claim


@pytest.fixture
def lookups(monkeypatch):
    """Every session loaded, user looked up and token read while serving a request."""
    seen = []

    def recorded(name, original):
        def call(*args, **kwargs):
            seen.append(name)
            return original(*args, **kwargs)

        return call

    monkeypatch.setattr(SessionStore, "load", recorded("session", SessionStore.load))
    monkeypatch.setattr(auth, "get_user", recorded("user", auth.get_user))
    manager = type(APIToken.objects)
    monkeypatch.setattr(manager, "active", recorded("token", manager.active))
    return seen


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_request_without_credentials_is_anonymous_without_any_lookup(path, public_claim, lookups):
    response = APIClient().get(path.format(claim=public_claim.pk))
    assert response.status_code == 200
    assert lookups == []
    # As when the session was read for nobody: the answer depends on the session cookie.
    assert response["Vary"] == "Accept-Language, Cookie"
    assert "Set-Cookie" not in response


def test_a_logged_in_browser_is_looked_up_and_sees_its_drafts(
    alice_journalist, public_claim, lookups
):
    draft = factories.ClaimFactory(created_by=alice_journalist)
    factories.AnnotationFactory(claim=draft, author=alice_journalist)
    client = APIClient()
    client.force_login(alice_journalist)
    response = client.get("/api/claims/")
    assert {"session", "user"} <= set(lookups)
    assert {claim["id"] for claim in response.json()["results"]} == {public_claim.pk, draft.pk}
    assert response["Vary"] == "Accept-Language, Cookie"


def test_a_session_cookie_of_nobody_is_read_and_cleared_as_before(public_claim, lookups):
    client = APIClient()
    client.cookies["sessionid"] = "no-such-session"
    response = client.get("/api/claims/")
    assert response.status_code == 200
    assert "session" in lookups
    assert response.cookies["sessionid"].value == ""  # Django deletes an unknown session's cookie


def test_a_token_is_read_and_its_owner_authenticated(alice_journalist, token_client, lookups):
    response = token_client(alice_journalist).get("/api/tokens/")
    assert response.status_code == 200
    assert "token" in lookups
    assert [token["name"] for token in response.json()["results"]] == ["test"]


def test_a_bad_token_is_refused_even_on_a_public_read(public_claim):
    response = APIClient().get("/api/claims/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_write_without_credentials_is_refused_as_unauthenticated(public_claim):
    response = APIClient().patch(
        f"/api/claims/{public_claim.pk}/", {"claimant": "Bishkek"}, format="json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_logged_in_browser_still_needs_the_csrf_token_to_write(alice_journalist, public_claim):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice_journalist)
    refused = client.post("/api/tokens/", {"name": "script"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get("/accounts/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/tokens/", {"name": "script"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
