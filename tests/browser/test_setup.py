"""Without Chromium the browser tests are skipped locally and fail under CI."""

import pytest

from .conftest import require_chromium


def test_missing_chromium_skips_locally_saying_how_to_install_it(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"sudo apt-get install chromium"):
        require_chromium("/nonexistent/chromium")


def test_missing_chromium_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI is set"):
        require_chromium("/nonexistent/chromium")
