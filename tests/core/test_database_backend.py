"""The PostgreSQL backend's health check: no statement per request, and a session the
server ended is still found before a request uses it."""

import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from bench import statements

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the health check is PostgreSQL's"
    ),
]


def a_second_connection():
    """A connection of Django's own (not the test's, whose transaction must live on)."""
    other = connection.copy()
    other.ensure_connection()
    return other


def test_the_health_check_sends_no_statement():
    other = a_second_connection()
    try:
        with statements.sent() as sent:
            assert other.is_usable()
        assert sent == []
    finally:
        other.close()


def test_a_session_the_server_ended_is_not_usable_and_is_replaced():
    other = a_second_connection()
    try:
        pid = other.connection.info.backend_pid
        with psycopg.connect(**other.get_connection_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]
            )  # the server has ended it once it is gone from the activity view
        for _ in range(50):
            if not other.is_usable():
                break
            time.sleep(0.05)
        assert not other.is_usable()
        other.health_check_enabled, other.health_check_done = True, False
        other.close_if_health_check_failed()
        assert other.connection is None
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        other.close()


def test_the_claims_page_sends_the_same_statements_at_10_and_100(client):
    from annotations.models import Annotation
    from tests.factories import AnnotationFactory, AppearanceFactory

    for appearance in AppearanceFactory.create_batch(12):
        AnnotationFactory(
            claim=appearance.claim,
            status=Annotation.Status.PUBLISHED,
            published_at=timezone.now(),
        )
    counts = {}
    for size in (10, 100):
        with statements.sent() as sent:
            assert client.get("/api/claims/", {"page_size": size}).status_code == 200
        counts[size] = len(sent)
    assert counts[10] == counts[100]
    assert not any(statement.strip().upper() == "SELECT 1" for statement in sent)
