"""Project-level safety nets: migrations, pages, settings."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent


def test_no_missing_migrations(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def argument_free_paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        # Regex routes (DRF's router) carry their own anchors: drop them before joining.
        route = prefix + str(entry.pattern).removeprefix("^").removesuffix("$")
        if "<" in route or "(?P" in route or route.startswith(("admin/", "^admin")):
            continue
        if isinstance(entry, URLResolver):
            yield from argument_free_paths(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$")


def test_every_page_without_arguments_answers(client, db, seeded):
    paths = sorted(set(argument_free_paths()))
    assert "/" in paths
    for path in paths:
        response = client.get(path)
        # Logout only accepts POST; the password pages redirect anonymous users to log in;
        # the API's own-token list, imports, watches, webhooks and the person's notifications
        # ask for credentials (401); agreement figures are for editors (403).
        assert response.status_code in (200, 302, 405) or path in (
            "/api/tokens/",
            "/api/imports/",
            "/api/webhooks/",
            "/api/agreement/",
            "/api/watches/",
            "/api/notifications/",
            "/api/notifications/read/",
            "/api/notifications/preferences/",
        ), (
            path,
            response.status_code,
        )
        if response.status_code == 200:
            # robots.txt is plain text by definition.
            kinds = ("text/plain",) if path == "/robots.txt" else ("text/html", "application/")
            assert response["Content-Type"].startswith(kinds), path


def test_home_lists_the_seed_article_and_reader_shows_it(client, seeded):
    from archive.models import Article

    article = Article.objects.get()
    response = client.get("/")
    assert article.title in response.text
    response = client.get(f"/articles/{article.pk}/")
    assert "Aucune raison officielle de l’annulation" in response.text


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": "x" * 30 + "production-like-secret-key-" + "y" * 30,
            "DJANGO_ALLOWED_HOSTS": "claimdesk.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_server_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_dev_login_command_refuses_outside_debug():
    result = run_manage("ensure_dev_login", env_overrides={})
    assert result.returncode != 0
    assert "only for local use" in result.stderr


@pytest.mark.django_db
def test_dev_login_creates_one_login_per_role(settings):
    from django.contrib.auth.models import User

    from accounts.roles import role_name

    settings.DEBUG = True
    out = io.StringIO()
    call_command("ensure_dev_login", stdout=out)
    call_command("ensure_dev_login", stdout=out)
    roles = {u.username: role_name(u) for u in User.objects.all()}
    assert roles == {"admin": "admin", "editor": "editor", "journalist": "journalist"}
    assert User.objects.get(username="editor").check_password("editor")
    assert "password unchanged" in out.getvalue()
