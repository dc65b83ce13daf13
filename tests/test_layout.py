"""The package's shape: concept folders, imports one way, no cycles, small typed modules.

These are the rules of pipeline/'s layout (issue 11, DESIGN.md "Layout"), checked on the source
itself so that a later change cannot quietly break them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

#: Lowest first: a module may import its own folder and the folders before it, never after.
LAYERS = (
    "",
    "audio",
    "video",
    "transcript",
    "timing",
    "translation",
    "subtitles",
    "review",
    "run",
    "cli",
)
RECORDS = {"__init__", "__main__", "model", "errors", "timecode", "lang"}  # the records layer
MAX_LOOSE = 10
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Pipeline modules ``path`` imports anywhere (lazy imports included), TYPE_CHECKING aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for n in ast.walk(tree) if isinstance(n, ast.If) and _is_type_checking(n)}
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if id(node) in skip:
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules}


def _layer(module: str) -> int:
    if module == "pipeline.__main__":  # ``python -m pipeline``: the command line's entry
        return LAYERS.index("cli")
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in RECORDS):
        return 0
    return LAYERS.index(parts[1])


def test_concept_folders_and_few_loose_modules() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(LAYERS[1:]), "a folder the layers do not place"
    loose = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert len(loose) <= MAX_LOOSE, loose
    assert set(loose) <= RECORDS, "a loose module outside the records layer"


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_every_module_says_what_it_does() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert not missing


def test_imports_run_one_way() -> None:
    """Each module imports its own layer and the ones below it (see LAYERS), never above."""
    modules = _modules()
    wrong = [
        f"{name} imports {dep}"
        for name, path in modules.items()
        for dep in _imports(path, modules)
        if _layer(dep) > _layer(name)
    ]
    assert not wrong


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # a package's __init__ importing its own submodules is how a registry works
    graph = {n: {d for d in deps if not d.startswith(n + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            pytest.fail(" -> ".join(cycle))


def _count(pattern: str) -> int:
    rx = re.compile(pattern)
    return sum(len(rx.findall(p.read_text(encoding="utf-8"))) for p in PACKAGE.rglob("*.py"))


def test_any_is_rare() -> None:
    """JSON codecs at the edges; everything else typed (``Any`` <= 50, ``dict[str, Any]`` <= 15)."""
    assert _count(r"\bAny\b") <= 50
    assert _count(r"dict\[str, Any\]") <= 15
