"""Safe by construction: no text a user writes is ever run as Python or pasted into SQL.

Policies are parsed by a grammar and evaluated by an interpreter and by closures built from the
checked model; SQL is a sqlglot expression tree printed by sqlglot, where names are quoted
identifiers and strings are literals (tests/batch/test_sql_injection.py puts hostile text in each).
These tests read the source of policydsl to keep it so: no eval, exec or compile of text, no
pickle, shell or subprocess, and SQL text built by hand only around what sqlglot printed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

SOURCE = ROOT / "src" / "policydsl"
RUNS_TEXT = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "subprocess", "pty", "code", "codeop"}
# importlib.import_module is used by the lazy attributes of the packages, with module names from a
# fixed table, never with text from a user.
LAZY_IMPORTS = {SOURCE / "__init__.py", SOURCE / "testing" / "__init__.py"}
SQL_STARTS = ("SELECT", "COPY", "DESCRIBE", "CREATE", "INSERT", "DELETE", "DROP", "UPDATE", "WITH", "ATTACH")


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text("utf-8"), str(path))) for path in sorted(SOURCE.rglob("*.py"))]


def test_the_source_is_found() -> None:
    assert len(_trees()) > 20


def test_no_eval_exec_or_compile_of_text() -> None:
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "builtins":
                name = func.attr
            if name in RUNS_TEXT:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(…)")
            if isinstance(func, ast.Attribute) and func.attr == "import_module" and path not in LAZY_IMPORTS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import_module(…)")
            if isinstance(func, ast.Attribute) and func.attr in ("system", "popen", "spawnl", "execv"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {func.attr}(…)")
            if any(k.arg == "shell" for k in node.keywords):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: shell=…")
    assert not found, "code that runs text:\n" + "\n".join(found)


def test_no_module_that_runs_or_loads_code() -> None:
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names
                      if name.split(".")[0] in FORBIDDEN_MODULES]
    assert not found, "\n".join(found)


def _printed_by_sqlglot(call: ast.expr) -> bool:
    """`<tree>.sql(...)`, or `write(<tree>, …)`: sql_dialects.write, which has sqlglot's generator
    write a deep tree in parts (tests/batch/test_deep_sql.py holds its text equal to `.sql()`)."""
    if not isinstance(call, ast.Call):
        return False
    if isinstance(call.func, ast.Attribute) and call.func.attr == "sql":
        return True
    return isinstance(call.func, ast.Name) and call.func.id == "write"


def test_sql_text_is_built_only_around_what_sqlglot_printed() -> None:
    """An f-string of SQL interpolates only what sqlglot printed: never a name, a path or a value."""
    checked, found = 0, []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            head = node.values[0] if node.values else None
            if not (isinstance(head, ast.Constant) and isinstance(head.value, str)
                    and head.value.lstrip().upper().startswith(SQL_STARTS)):
                continue
            checked += 1
            for part in node.values:
                if isinstance(part, ast.FormattedValue) and not _printed_by_sqlglot(part.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(part.value)}")
    assert checked >= 2  # DESCRIBE and COPY in batch_sql.py
    assert not found, "SQL text with a value pasted in:\n" + "\n".join(found)


def test_sql_is_run_only_from_constants_or_sqlglot_trees() -> None:
    """Every `execute(…)`/`sql(…)` on a connection gets a constant, what sqlglot printed or such an f-string."""
    found = []
    for path, tree in _trees():
        if not path.name.startswith(("batch", "sql")):
            continue
        assignments = {target.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                       for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "sql") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "connection" and node.args):
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Name):
                argument = assignments.get(argument.id, argument)
            ok = isinstance(argument, ast.Constant | ast.JoinedStr) or _printed_by_sqlglot(argument)
            if not ok:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node.args[0])}")
    assert not found, "\n".join(found)
