"""Imports point one way, down the pipeline: a stage uses the stages before it, never those after.

Every module under src/policydsl is parsed with `ast` and each of its imports (at the top, inside
functions, under TYPE_CHECKING) is placed in a layer. A module may import its own layer and the
layers below it. So the checked model never learns about the engines, the engines never about SQL,
and the command line is a client of the API like any script.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "policydsl"

# Lowest first. A module belongs to the first layer with a prefix of its dotted name (a prefix is
# a module or a package).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Leaves: codes, values, diagnostics and small utilities every stage may use (files written
    # whole, signals, caches on disk, the collector paused).
    ("foundation", ("policydsl.codes", "policydsl.values", "policydsl.diagnostics", "policydsl.prepared",
                    "policydsl.atomic", "policydsl.interrupts", "policydsl.gc_pause", "policydsl.disk_cache")),
    # What an evaluation returns (statuses, amounts, explanation trees): built by the engines.
    ("result", ("policydsl.result",)),
    ("syntax", ("policydsl.syntax",)),
    ("model", ("policydsl.model",)),
    ("check", ("policydsl.checker",)),
    ("profile", ("policydsl.profile",)),
    ("engine", ("policydsl.engine",)),
    ("sql", ("policydsl.sql",)),
    ("batch", ("policydsl.batch",)),
    # The package's own __init__ only names the API's functions and types.
    ("api", ("policydsl.api", "policydsl")),
    # Clients of the API: running a policy's examples, rich text output.
    ("api clients", ("policydsl.examples", "policydsl.present")),
    # Test helpers for policy authors: may use anything but the command line.
    ("testing", ("policydsl.testing",)),
    ("cli", ("policydsl.cli", "policydsl.__main__")),
)

# Imports that point up, each with why it remains. Empty: keep it so.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

# The command line is a thin client: it parses flags, calls the API and prints (and runs under
# the signal handling of `interrupts`).
CLI_MAY_IMPORT = frozenset({"policydsl", "policydsl.api", "policydsl.diagnostics", "policydsl.result",
                            "policydsl.present", "policydsl.examples", "policydsl.interrupts"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(name: str) -> int:
    best, best_length = -1, -1
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = rank, len(prefix)
    if best < 0:
        raise AssertionError(f"{name} is in no layer: add it to LAYERS in {__file__}")
    return best


def imports_of(name: str) -> set[str]:
    """The policydsl modules a module imports, resolved to modules that exist."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from policydsl import model` imports the module policydsl.model
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target.startswith("policydsl") and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_the_graph_is_read() -> None:
    # The test can fail: these imports exist (if one moves, name another that does).
    assert "policydsl.model" in GRAPH["policydsl.engine.closures"]
    assert "policydsl.syntax.ast" in GRAPH["policydsl.checker.policy"]
    assert "policydsl.values" in GRAPH["policydsl.model"]
    assert "policydsl.api" in GRAPH["policydsl.cli"]
    assert layer_of("policydsl.checker.policy") < layer_of("policydsl.engine.closures") < layer_of("policydsl.cli")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name: str) -> None:
    upward = [
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for target in sorted(GRAPH[name])
        if layer_of(target) > layer_of(name) and (name, target) not in ALLOWED_UPWARD
    ]
    assert not upward, "imports must point down the pipeline:\n" + "\n".join(upward)


def test_allowed_upward_imports_still_exist() -> None:
    for (source, target), why in ALLOWED_UPWARD.items():
        assert target in GRAPH[source], f"{source} no longer imports {target} ({why}): drop it from ALLOWED_UPWARD"


def test_the_command_line_is_a_client_of_the_api() -> None:
    assert GRAPH["policydsl.cli"] <= CLI_MAY_IMPORT, sorted(GRAPH["policydsl.cli"] - CLI_MAY_IMPORT)
