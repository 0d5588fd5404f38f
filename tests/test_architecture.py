"""The import direction between the project's packages, read from their source: the house
from the top floor down is config → annotations → archive → journal → accounts → core."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"accounts", "annotations", "archive", "bench", "config", "core", "journal"}

# Package → the project packages none of its modules may import (also inside a function).
FORBIDDEN = {
    "core": PROJECT - {"core"},
    "accounts": {"annotations", "archive", "bench", "config", "journal"},
    "archive": {"annotations", "bench", "config"},
    # The journal sits under both apps that write it, above accounts and core.
    "journal": {"annotations", "archive", "bench", "config"},
    "annotations": {"bench", "config"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages the module at `path` imports; relative imports name their own
    package."""
    package = path.relative_to(ROOT).parts[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else node.module.split(".")[0])
    return found


def violations(package: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(imported_packages(path) & FORBIDDEN[package])
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_the_floors_below(package):
    found = violations(package)
    assert not found, "\n".join(found)


def test_import_reader_sees_absolute_relative_and_nested_imports(tmp_path, monkeypatch):
    module = tmp_path / "archive" / "sub" / "module.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import core.models\n"
        "from . import models\n"
        "def f():\n"
        "    from annotations.models import Claim\n"
        "    import config.settings as s\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imported_packages(module) == {"core", "archive", "annotations", "config"}
    assert violations("archive") == [
        "archive/sub/module.py imports annotations",
        "archive/sub/module.py imports config",
    ]
