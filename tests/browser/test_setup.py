"""Without Chromium (or npm for axe-core) the browser tests are skipped locally and fail
under CI."""

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


def test_without_npm_the_accessibility_checker_skips_locally_and_fails_under_ci(
    monkeypatch, tmp_path
):
    from . import conftest

    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"npm is needed"):
        conftest.load_axe(tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI is set"):
        conftest.load_axe(tmp_path)


def test_an_installed_accessibility_checker_is_read_from_its_folder(tmp_path):
    from . import conftest

    script = tmp_path / "node_modules" / "axe-core" / "axe.min.js"
    script.parent.mkdir(parents=True)
    script.write_text("window.axe = {};")
    assert conftest.load_axe(tmp_path) == "window.axe = {};"
