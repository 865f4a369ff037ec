"""The architecture holds by test, not by convention.

``lint-imports`` (run by ``make lint``) checks the layer contracts in
``pyproject.toml``; these tests check what it cannot: no import cycle anywhere,
deferred (function-level) imports included, and what a fresh interpreter really
loads for the headless paths (no Textual for a report, no python-gitlab for the
domain).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "gltui"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str], here: str) -> set[str]:
    """Every gltui module ``tree`` imports when it runs: top level and inside functions,
    but not under ``if TYPE_CHECKING`` (never executed)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # gltui uses none, but a relative import must not hide an edge
                base = ".".join([*here.split(".")[: -node.level], node.module])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name in modules and name != here}


def import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(path) for path in files}
    return {
        _module_name(path): _imports(ast.parse(path.read_text()), modules, _module_name(path))
        for path in files
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                strong(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            strong(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_scan_sees_deferred_imports() -> None:
    graph = import_graph()
    # walk_instance imports the adapter's client inside a function (first paint skips it)
    assert "gltui.inventory.connect" in graph["gltui.inventory.walk"]
    assert "gltui.adapters.gitlab_api" in graph["gltui.inventory.connect"]


def test_no_import_cycle_anywhere() -> None:
    assert cycles(import_graph()) == []


def loaded_after(*modules: str) -> list[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def roots(names: list[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    "entry",
    [
        "gltui.cli",
        "gltui.report.command",
        "gltui.report.render",
        "gltui.inventory.engine",
        "gltui.inventory.walk",
        "gltui.actions.command",
        "gltui.wiring.check",
        "gltui.sandbox.server",
    ],
)
def test_headless_paths_load_no_textual(entry: str) -> None:
    assert not roots(loaded_after(entry)) & {"textual", "rich"}


def test_the_domain_loads_no_io_library() -> None:
    loaded = loaded_after("gltui.domain.states", "gltui.domain.templates", "gltui.domain.redact")
    assert not roots(loaded) & {"gitlab", "requests", "urllib3", "textual", "rich", "platformdirs"}
    ours = {name for name in loaded if name.startswith("gltui.")}
    assert ours
    assert all(name.startswith("gltui.domain") for name in ours), ours


def test_the_sandbox_loads_nothing_of_gltui_but_itself() -> None:
    loaded = loaded_after("gltui.sandbox.server")
    ours = {name for name in loaded if name.startswith("gltui.")}
    assert ours
    assert all(name.startswith("gltui.sandbox") for name in ours)


FIRST_FRAME = (
    "gltui.inventory.cache",
    "gltui.inventory.engine",
    "gltui.tui.app",
    "gltui.tui.screens.dashboard",
)
"""What a cold start imports before the dashboard's first frame from the cache."""
LATER = (
    "gltui.inventory.walk",
    "gltui.inventory.admin_walk",
    "gltui.inventory.crawl",
    "gltui.inventory.collect",
    "gltui.inventory.probe",
    "gltui.inventory.connect",
    "gltui.inventory.reviews",
    "gltui.actions.pending",
    "gltui.actions.yank",
    "gltui.domain.templates",
    "gltui.domain.review",
    "gltui.domain.changes",
    "gltui.domain.links",
    "gltui.tui.screens.yank",
    "gltui.tui.screens.details",
    "gltui.tui.screens.help",
    "gltui.tui.screens.review",
    "gltui.tui.screens.instances",
    "gltui.tui.screens.request_log",
    "gltui.tui.screens.identify",
    "gltui.tui.screens.create",
    "webbrowser",
)
"""Loaded on first use: the walk once a refresh starts, the rest when opened."""


def test_the_first_frame_loads_no_walk_and_no_other_screen() -> None:
    # issue 19: a cold start paid for importing all of these before its first frame
    loaded = set(loaded_after(*FIRST_FRAME))
    assert not roots(sorted(loaded)) & {"gitlab", "requests", "urllib3"}
    adapters = {name for name in loaded if name.startswith("gltui.adapters.")}
    assert adapters == {"gltui.adapters.log"}  # the request log the app holds
    assert not loaded & set(LATER), sorted(loaded & set(LATER))
    assert not any(name.startswith("gltui.actions.") for name in loaded)
