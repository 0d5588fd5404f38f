import logging
import sys

import pytest

from tests.factories import AnnotationFactory


@pytest.mark.django_db
def test_a_refused_request_logs_one_line_without_a_traceback(client, erin_editor, caplog):
    # Editors may not publish their own work: a 403.
    annotation = AnnotationFactory(author=erin_editor, status="submitted")
    client.force_login(erin_editor)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(f"/annotations/{annotation.pk}/publish/")

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage().startswith("Forbidden")
    assert record.exc_info is None


def test_server_errors_keep_their_traceback():
    from core.logging import ClientErrorsWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), sys.exc_info())
    record.status_code = 500

    assert ClientErrorsWithoutTraceback().filter(record)
    assert record.exc_info is not None
