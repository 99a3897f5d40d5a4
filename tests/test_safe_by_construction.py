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


def _pasted_sql(tree: ast.Module) -> tuple[int, list[str]]:
    """The f-strings of SQL in a module, and the parts of them that sqlglot did not print."""
    checked, found = 0, []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        head = node.values[0] if node.values else None
        if not (isinstance(head, ast.Constant) and isinstance(head.value, str)
                and head.value.lstrip().upper().startswith(SQL_STARTS)):
            continue
        checked += 1
        found += [f"{node.lineno}: {ast.unparse(part.value)}" for part in node.values
                  if isinstance(part, ast.FormattedValue) and not _printed_by_sqlglot(part.value)]
    return checked, found


def test_sql_text_is_built_only_around_what_sqlglot_printed() -> None:
    """An f-string of SQL interpolates only what sqlglot printed: never a name, a path or a value."""
    found = []
    for path, tree in _trees():
        found += [f"{path.relative_to(ROOT)}:{problem}" for problem in _pasted_sql(tree)[1]]
    assert not found, "SQL text with a value pasted in:\n" + "\n".join(found)


def test_pasted_sql_is_recognised() -> None:
    sample = ast.parse('a = f"DESCRIBE {name}"\nb = f"COPY ({write(q, d)}) TO x"\nc = f"{x} and {y}"\n')
    assert _pasted_sql(sample) == (2, ["1: name"])


# The statements of a batch (`batch_plan.Plan`) are texts that sqlglot printed, kept on disk.
PLAN = "statements"


def _from_plan(value: ast.expr, assignments: dict[str, ast.expr], loops: dict[str, ast.expr]) -> bool:
    if isinstance(value, ast.Attribute):
        return isinstance(value.value, ast.Name) and value.value.id == PLAN
    if isinstance(value, ast.IfExp):
        return _from_plan(value.body, assignments, loops) and _from_plan(value.orelse, assignments, loops)
    if isinstance(value, ast.Name) and value.id in loops:
        return _from_plan(loops[value.id], {}, {})
    if isinstance(value, ast.Name) and value.id in assignments:
        return _from_plan(assignments[value.id], {}, loops)
    return False


def _run_unsafely(tree: ast.Module) -> list[str]:
    """Calls `connection.execute(…)`/`connection.sql(…)` whose text is not a constant, what
    sqlglot printed, an f-string (checked above) or a statement of the batch's plan."""
    found = []
    assignments = {target.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   for target in node.targets if isinstance(target, ast.Name)}
    loops = {node.target.id: node.iter for node in ast.walk(tree)
             if isinstance(node, ast.For) and isinstance(node.target, ast.Name)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "sql") and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "connection" and node.args):
            continue
        argument = node.args[0]
        if _from_plan(argument, assignments, loops):
            continue
        if isinstance(argument, ast.Name):
            argument = assignments.get(argument.id, argument)
        if not (isinstance(argument, ast.Constant | ast.JoinedStr) or _printed_by_sqlglot(argument)):
            found.append(f"{node.lineno}: {ast.unparse(node.args[0])}")
    return found


def test_sql_is_run_only_from_constants_or_sqlglot_trees() -> None:
    found = []
    for path, tree in _trees():
        if path.parent.name in ("batch", "sql"):
            found += [f"{path.relative_to(ROOT)}:{problem}" for problem in _run_unsafely(tree)]
    assert not found, "\n".join(found)


def test_unsafe_runs_are_recognised() -> None:
    sample = ast.parse(
        "connection.execute(text)\nconnection.execute(statements.tally)\nfor v in statements.views:\n"
        "    connection.execute(v)\nq = a if b else statements.x\nconnection.sql(q)\n"
        "connection.execute(t.sql('duckdb'))\nconnection.execute(\"SET x = 1\")\n")
    assert _run_unsafely(sample) == ["1: text", "6: q"]


def test_plan_statements_are_what_sqlglot_printed() -> None:
    """Every text of a Plan is built by `write` (directly, or in `_view` and `_goals`): a kept plan
    is run as it is (`batch_plan`), its texts being what sqlglot printed when it was built."""
    tree = ast.parse((SOURCE / "batch" / "statements.py").read_text("utf-8"))
    (build,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build"]
    (built,) = [n for n in ast.walk(build) if isinstance(n, ast.Call) and ast.unparse(n.func) == "Plan"]
    texts = {"views", "copy", "stream", "goals_all", "goals_some", "tally"}
    for keyword in built.keywords:
        if keyword.arg not in texts:
            continue
        values = [keyword.value]
        if isinstance(keyword.value, ast.Call) and ast.unparse(keyword.value.func) == "tuple":  # tuple(views)
            (name,) = keyword.value.args
            assert isinstance(name, ast.Name)
            values = [n.value for n in ast.walk(build) if isinstance(n, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == name.id for t in n.targets)]
            values = [v for value in values for v in (value.elts if isinstance(value, ast.List) else [value])]
            values += [n.args[1] for n in ast.walk(build) if isinstance(n, ast.Call)
                       and ast.unparse(n.func) == f"{name.id}.insert"]
        assert len(values) >= (3 if keyword.arg == "views" else 1), keyword.arg
        for value in values:
            if isinstance(value, ast.BoolOp):  # `… or ""`
                value = value.values[0]
            assert isinstance(value, ast.Call) and ast.unparse(value.func) in ("write", "_view", "_goals"), \
                ast.unparse(value)
    for helper in ("_view", "_goals"):
        (function,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == helper]
        returns = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
        assert all((isinstance(r, ast.Constant) and r.value is None)
                   or (isinstance(r, ast.Call) and ast.unparse(r.func) == "write") for r in returns), helper
