"""The house, read from its source: the import direction between the project's packages
(from the top floor down: config → api, desk → webhooks → publication, agreement, intelligence,
watching, notifications → annotations → archive → journal → accounts → core) and no import
circle between modules, imports inside functions included."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The floors, top first; a package may import only packages on the floors below its own.
FLOORS = [
    {"config"},
    {"api", "desk"},
    {"webhooks"},
    {"publication", "agreement", "intelligence", "watching", "notifications"},
    {"annotations"},
    {"archive"},
    {"journal"},
    {"accounts"},
    {"core"},
]
PROJECT = set().union(*FLOORS) | {"bench"}
# bench drives the product from outside, as a user would; nothing imports it.
FORBIDDEN = {
    package: PROJECT - {package} - set().union(*FLOORS[depth + 1 :])
    for depth, floor in enumerate(FLOORS)
    for package in floor
}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found = {}
    for package in sorted(PROJECT - {"bench"}):
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """The dotted names the module at `path` imports (anywhere in it, functions included),
    relative imports resolved; `from a import b` names `a.b`, which is a module or a name in
    `a`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    package = parts[:-1]  # a module's package; for __init__.py, the package itself
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imported_packages(path: Path, root: Path = ROOT) -> set[str]:
    return {name.split(".")[0] for name in imports_of(path, root)}


def violations(package: str, root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)} imports {name}"
        for path in sorted((root / package).rglob("*.py"))
        for name in sorted(imported_packages(path, root) & FORBIDDEN[package])
    ]


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the project modules it imports (a name imported from a module is an edge to
    that module; a package's __init__ only when the name is not a submodule)."""
    known = modules(root)
    graph = {}
    for name, path in known.items():
        edges = set()
        for imported in imports_of(path, root):
            target = imported
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_the_floors_below(package):
    found = violations(package)
    assert not found, "\n".join(found)


def test_no_import_circle_between_modules_lazy_imports_included():
    found = cycles(import_graph())
    assert not found, "\n".join(" ↔ ".join(cycle) for cycle in found)


def test_no_package_holds_more_than_40_percent_of_the_product():
    """Product lines: every package's modules, migrations aside."""
    lines = {
        package: sum(
            len(path.read_text(encoding="utf-8").splitlines())
            for path in (ROOT / package).rglob("*.py")
            if "migrations" not in path.parts
        )
        for package in PROJECT - {"bench"}
    }
    total = sum(lines.values())
    too_big = {package: n for package, n in lines.items() if n > 0.4 * total}
    assert not too_big, f"{too_big} of {total} lines"


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
    assert imported_packages(module, tmp_path) == {"core", "archive", "annotations", "config"}
    assert violations("archive", tmp_path) == [
        "archive/sub/module.py imports annotations",
        "archive/sub/module.py imports config",
    ]


def test_cycle_finder_sees_a_circle_made_by_a_lazy_import(tmp_path):
    package = tmp_path / "archive"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from archive.a import thing\n")
    (package / "c.py").write_text("from archive import a\n")
    for other in PROJECT - {"bench", "archive"}:
        (tmp_path / other).mkdir()
    assert cycles(import_graph(tmp_path)) == [["archive.a", "archive.b"]]
