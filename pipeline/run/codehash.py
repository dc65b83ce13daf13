"""The code version of a stage: derived from what its body imports, never from a hand-kept list.

A stage's result depends on its body, the helpers of its own module it calls, and every
pipeline module those reach: the modules its body imports (stage bodies import the domain
lazily, inside the function) and the pipeline objects it refers to, then everything those
modules import in turn, records (:mod:`pipeline.model`) included. The source of exactly that
set is hashed, so editing how subtitles are segmented never makes a two-hour episode
transcribe again, and editing a record every stage reads re-runs every stage.

:mod:`pipeline.run.config` (and the CLI) are followed through their module-level imports only:
the config imports every options class lazily to build the tree, and following that would tie
every stage to every module. The names in a body's annotations count as references (its
``Context`` is how it reaches the audio decoder).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import FunctionType, ModuleType

from pipeline import __version__

PACKAGE = "pipeline"
SHALLOW = ("pipeline.run.config", "pipeline.cli")  # followed through module-level imports only


def _functions(body: FunctionType) -> list[FunctionType]:
    """``body`` and every function of its module it calls, transitively."""
    seen: dict[str, FunctionType] = {}
    todo = [body]
    while todo:
        fn = todo.pop()
        if fn.__name__ in seen:
            continue
        seen[fn.__name__] = fn
        annotated = " ".join(str(a) for a in fn.__annotations__.values())
        for name in (*fn.__code__.co_names, *re.findall(r"[A-Za-z_]\w*", annotated)):
            ref = fn.__globals__.get(name)
            if isinstance(ref, FunctionType) and ref.__module__ == body.__module__:
                todo.append(ref)
    return [seen[k] for k in sorted(seen)]


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _imported(tree: ast.AST, top_level_only: bool) -> set[str]:
    """Pipeline modules named by the import statements of ``tree``."""
    nodes: Iterable[ast.AST]
    if top_level_only and isinstance(tree, ast.Module):
        nodes = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    else:
        nodes = ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            for alias in node.names:  # `from pipeline.run import artifacts`
                if _is_module(f"{node.module}.{alias.name}"):
                    found.add(f"{node.module}.{alias.name}")
    return {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}


def _source_path(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return Path(spec.origin) if spec is not None and spec.origin else None


@cache
def _module_imports(name: str) -> frozenset[str]:
    path = _source_path(name)
    if path is None or path.suffix != ".py":
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(_imported(tree, name.startswith(SHALLOW)))


def stage_modules(body: Callable[..., object]) -> tuple[str, ...]:
    """Every pipeline module the stage ``body`` depends on, sorted (its own module excluded:
    only the functions of it that the body reaches count)."""
    if not isinstance(body, FunctionType):
        return ()
    roots: set[str] = set()
    for fn in _functions(body):
        roots |= _imported(ast.parse(textwrap.dedent(inspect.getsource(fn))), False)
        annotated = " ".join(str(a) for a in fn.__annotations__.values())
        for name in (*fn.__code__.co_names, *re.findall(r"[A-Za-z_]\w*", annotated)):
            ref = fn.__globals__.get(name)
            if isinstance(ref, ModuleType):
                roots.add(ref.__name__)
            elif ref is not None and getattr(ref, "__module__", None):
                roots.add(str(ref.__module__))  # its own module's functions: _functions
    roots.discard(body.__module__)
    todo = [r for r in roots if r == PACKAGE or r.startswith(PACKAGE + ".")]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for dep in _module_imports(name):
            todo.append(dep)
    seen.discard(body.__module__)
    return tuple(sorted(seen))


@cache
def _file_digest(name: str) -> str:
    path = _source_path(name)
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_version(body: Callable[..., object]) -> str:
    """Hash of the package version, the stage body (and its module's helpers it calls) and the
    source of every module :func:`stage_modules` finds."""
    digest = hashlib.sha256(__version__.encode())
    if isinstance(body, FunctionType):
        try:
            for fn in _functions(body):
                digest.update(inspect.getsource(fn).encode())
        except (OSError, TypeError):  # no source (a frozen app): the version alone
            pass
    for name in stage_modules(body):
        digest.update(name.encode())
        digest.update(_file_digest(name).encode())
    return digest.hexdigest()[:16]
