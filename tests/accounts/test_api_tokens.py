"""API tokens: created and revoked by their owner, stored hashed, read-only ones never
write; throttling."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts.models import APIToken, hash_key
from tests import factories

pytestmark = pytest.mark.django_db


def test_user_creates_a_token_and_sees_the_key_only_once(as_user, alice_journalist):
    client = as_user(alice_journalist)
    response = client.post("/api/tokens/", {"name": "nightly export"}, format="json")
    assert response.status_code == 201
    body = response.json()
    key = body.pop("key")
    assert key.startswith("cd_") and len(key) > 40
    assert body == {
        "id": body["id"],
        "name": "nightly export",
        "key_hint": key[:10],
        "read_only": False,
        "created_at": body["created_at"],
        "last_used_at": None,
    }
    token = APIToken.objects.get()
    assert token.key_hash == hash_key(key)
    assert key not in {str(v) for v in APIToken.objects.values().get().values()}
    listed = client.get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["nightly export"]
    assert "key" not in listed[0]


def test_token_authenticates_with_token_or_bearer_and_records_use(alice_journalist):
    token, key = APIToken.issue(user=alice_journalist, name="script")
    for scheme in ("Token", "Bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
        response = client.get("/api/tokens/")
        assert response.status_code == 200
        assert response.json()["results"][0]["id"] == token.pk
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "Bearer cd_unknown"])
def test_bad_token_is_a_401(header, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/claims/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_revoked_token_no_longer_works(as_user, alice_journalist):
    token, key = APIToken.issue(user=alice_journalist, name="script")
    response = as_user(alice_journalist).delete(f"/api/tokens/{token.pk}/")
    assert response.status_code == 204
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/claims/").status_code == 401
    assert as_user(alice_journalist).get("/api/tokens/").json()["results"] == []


def test_users_cannot_see_or_revoke_each_others_tokens(as_user, alice_journalist, bob_journalist):
    token, _ = APIToken.issue(user=alice_journalist, name="alice's")
    bob = as_user(bob_journalist)
    assert bob.get("/api/tokens/").json()["results"] == []
    assert bob.delete(f"/api/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_endpoints_need_a_login(api):
    assert api.get("/api/tokens/").status_code == 401
    assert api.post("/api/tokens/", {"name": "x"}, format="json").status_code == 401


def test_read_only_token_cannot_write_even_for_an_editor(token_client, erin_editor, capture):
    client = token_client(erin_editor, read_only=True)
    response = client.post("/api/tags/", {"slug": "x", "label": "X"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "This token is read-only: it cannot change anything."}
    assert client.post("/api/tokens/", {"name": "more"}, format="json").status_code == 403


def test_read_write_token_writes_without_csrf(token_client, erin_editor):
    response = token_client(erin_editor).post(
        "/api/tags/", {"slug": "satire", "label": "Satire"}, format="json"
    )
    assert response.status_code == 201


def test_token_name_is_required(as_user, alice_journalist):
    response = as_user(alice_journalist).post("/api/tokens/", {"name": ""}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_command_creates_a_token_and_prints_the_key_once(alice_journalist):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "alice_journalist",
        "--name",
        "ci",
        "--read-only",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = APIToken.objects.get()
    assert token.key_hash == hash_key(key)
    assert token.read_only
    assert "read-only token “ci” for alice_journalist" in err.getvalue()


def test_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named “ghost”"):
        call_command("create_api_token", "ghost")


def test_token_list_query_count(as_user, django_assert_num_queries, alice_journalist):
    client = as_user(alice_journalist)
    for count in (1, 30):
        while APIToken.objects.count() < count:
            APIToken.issue(user=alice_journalist, name="t")
        # session; user; tokens.
        with django_assert_num_queries(3):
            assert len(client.get("/api/tokens/").json()["results"]) == min(count, 20)


def test_anonymous_and_user_requests_are_throttled(monkeypatch, db):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": None})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": None, "user": "3/minute"})
    anon = APIClient()
    assert [anon.get("/api/tags/").status_code for _ in range(3)] == [200, 200, 429]
    refused = anon.get("/api/tags/")
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    user = APIClient()
    user.force_login(factories.journalist())
    assert [user.get("/api/tags/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_admin_lists_and_revokes_tokens(client, adam_admin, alice_journalist):
    token, _ = APIToken.issue(user=alice_journalist, name="script")
    client.force_login(adam_admin)
    url = "/admin/accounts/apitoken/"
    assert "script" in client.get(url).text
    assert client.get(f"{url}{token.pk}/change/").status_code == 200
    response = client.post(url, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
