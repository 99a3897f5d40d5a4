"""The deepest policies the checker accepts compile to SQL, print, and run in DuckDB with Python's answers.

Expressions may nest 64 operations as written (PD117) and 100 with the definitions they name written
out (PD233). sqlglot's SQL writer recurses at every level of the tree, five frames or so a level, so
`policydsl sql` once raised RecursionError from about 55 nested calls; `sql_dialects.write` writes
the same text within a bounded depth. DuckDB, for its part, expands NULLIF (and a simple CASE) by
copying its operand, and Spark plans CAST(COALESCE(…)) in time exponential in its nesting: nested
max/min once took DuckDB exponential time to bind, so the SQL now reads each operand once
(`Dialect.extreme`, `Dialect.decode`).
"""

from __future__ import annotations

import inspect
import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from policydsl import model as m
from policydsl.checker.policy import check_path
from policydsl.cli import main
from policydsl.sql.dialects import NAMES, write
from policydsl.sql.query import compile_policy
from policydsl.syntax.parse import MAX_EXPANDED_DEPTH, MAX_EXPRESSION_DEPTH, parse_text
from tests.batch.deep import HEAD, alternate, condition, per_item, when
from tests.batch.helpers import AS_OF, DATA, assert_same, profiles
from tests.conftest import SANMENXIA

# Each shape: n → a policy nesting n of its operations, and the largest n the parser accepts (PD117).
SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "nested max": (lambda n: condition("max(" * n + "employees" + ", 1)" * n + " >= 0"), 63),
    "nested max and min": (lambda n: condition(
        "".join("max(revenue, " if i % 2 == 0 else "min(revenue, " for i in range(n)) + "revenue" + ")" * n
        + " >= 100万元"), 63),
    "right nested sum": (lambda n: condition("employees + (" * n + "1" + ")" * n + " >= 0"), 63),
    "left nested sum": (lambda n: condition("revenue" + " + 1万元" * n + " >= 0万元"), 63),
    "negations": (lambda n: condition("-" * n + "employees != 3"), 63),
    "and/or": (lambda n: condition(alternate(n, "tech and (", "flag or (", "tech")), 64),
    "not/and": (lambda n: condition(alternate(n, "not (", "tech and (", "flag")), 64),
    "comparisons": (lambda n: condition("(" * n + "tech" + " = flag)" * n), 64),
    "max in a loop": (lambda n: when("any p in projects: (" + "max(" * n + "p.investment" + ", revenue)" * n
                                     + " >= 100万元)"), 62),
    "and/or in a loop": (lambda n: when("any p in projects: (" + alternate(n, "p.ok and (", "tech or (", "p.ok")
                                        + ")"), 63),
    "sum in a loop": (lambda n: when("all p in projects: (" + "p.investment + (" * n + "revenue" + ")" * n
                                     + " >= 100万元)"), 62),
    "amount of an item": (lambda n: per_item("max(" * n + "p.investment" + ", revenue)" * n), 64),
}


def chain(kind: str, count: int) -> str:
    """`count` definitions, each naming the one before: d0 … d{count-1}, read by a benefit."""
    first, step, use = {
        "alias": ("tech", "d{}", "d{}"),
        "max": ("revenue", "max(d{}, revenue)", "d{} >= 100万元"),
        "and/or": ("tech", "d{} and flag", "d{}"),
        "sum": ("revenue", "revenue + d{}", "d{} >= 100万元"),
    }[kind]
    lines = [f"define d0 = {first}"] + [f"define d{i} = {step.format(i - 1)}" for i in range(1, count)]
    if kind == "and/or":
        lines = [line.replace(" and ", " or ") if i % 2 == 0 else line for i, line in enumerate(lines)]
    return HEAD + "\n".join(lines) + f'\nmeasure M1 "一" {{\n  benefit service s "服务" {{ when {use.format(count - 1)} }}\n}}\n'


# The longest chain of each kind the checker accepts: a name counts one, an operation one more.
CHAINS = {"alias": 100, "max": 50, "and/or": 50, "sum": 50}

CASES = [*SHAPES, *(f"chain of {kind}" for kind in CHAINS)]


def policy_text(case: str, more: int = 0) -> str:
    if case in SHAPES:
        make, depth = SHAPES[case]
        return make(depth + more)
    kind = case.removeprefix("chain of ")
    return chain(kind, CHAINS[kind] + more)


def load(case: str, folder: Path) -> m.Policy:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.pol").write_text(policy_text(case), encoding="utf-8")
    policy, problems = check_path(folder)
    assert policy is not None, [p.message for p in problems]
    return policy


def test_the_limits_are_those_the_cases_reach() -> None:
    assert (MAX_EXPRESSION_DEPTH, MAX_EXPANDED_DEPTH) == (64, 100)


@pytest.mark.parametrize("case", CASES)
def test_each_case_is_the_deepest_the_checker_accepts(case: str, tmp_path: Path) -> None:
    load(case, tmp_path / "at")
    if case in SHAPES:
        assert [p.code for p in parse_text(policy_text(case, more=1))[1]] == ["PD117"]
        return
    (tmp_path / "past").mkdir()
    (tmp_path / "past" / "p.pol").write_text(policy_text(case, more=1), encoding="utf-8")
    assert [p.code for p in check_path(tmp_path / "past")[1]] == ["PD233"]


ROWS = 120


def raw_profiles(count: int, seed: int) -> list[dict[str, Any]]:
    """Profiles as `policydsl batch` reads them, a fifth of the facts unknown (left out)."""
    rng = random.Random(seed)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.2 else value

    rows = []
    for _ in range(count):
        projects = [{k: v for k, v in (("investment", maybe(rng.choice([0, 50, 99.99, 100, 150, 800]))),
                                       ("ok", maybe(rng.random() < 0.5))) if v is not None}
                    for _ in range(rng.randint(0, 3))]
        row = {"revenue": maybe(rng.choice([0, 99.99, 100, 100.01, 5000])), "tech": maybe(rng.random() < 0.5),
               "flag": maybe(rng.random() < 0.5), "employees": maybe(rng.choice([0, 1, 2, 3, 300])),
               "projects": maybe(projects)}
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


@pytest.mark.parametrize("case", CASES)
def test_sql_prints_in_every_dialect_and_batches_agree(case: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "policy"
    load(case, folder)
    for dialect in NAMES:
        assert main(["sql", str(folder), "--dialect", dialect, "--as-of", str(AS_OF)]) == 0, dialect
        out = capsys.readouterr()
        assert out.out.rstrip().endswith(";") and "Traceback" not in out.err and "error" not in out.err, out.err
    source = tmp_path / "profiles.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in raw_profiles(ROWS, seed=len(case))), encoding="utf-8")
    outputs = {}
    for engine in ("duckdb", "python"):
        output = tmp_path / f"{engine}.parquet"
        code = main(["batch", str(folder), str(source), "-o", str(output), "--as-of", str(AS_OF), "--engine", engine])
        assert code == 0, capsys.readouterr().err
        outputs[engine] = pq.read_table(output).to_pylist()
    assert outputs["duckdb"] == outputs["python"]
    assert len(outputs["duckdb"]) == ROWS and not any(row["error"] for row in outputs["duckdb"])


@pytest.mark.parametrize("case", CASES)
def test_generated_profiles_agree_with_python(case: str, tmp_path: Path) -> None:
    policy = load(case, tmp_path)
    assert_same(policy, profiles(policy.schema, 300, seed=3), {})


# ---- the writer ---------------------------------------------------------------------------------------


def sqlglot_text(query: Any, dialect: str, pretty: bool) -> str:
    """What sqlglot itself writes, given the stack it needs (for the comparison only)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        return str(query.select.sql(dialect=dialect, pretty=pretty))
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("case", ["nested max", "and/or in a loop", "chain of alias"])
def test_the_text_is_the_one_sqlglot_writes(case: str, tmp_path: Path) -> None:
    policy = load(case, tmp_path)
    for dialect in NAMES:
        query = compile_policy(policy, {}, AS_OF, dialect=dialect)
        for pretty in (True, False):
            assert query.sql(pretty=pretty) == sqlglot_text(query, dialect, pretty), (dialect, pretty)


@pytest.mark.parametrize("path", [DATA / "core", DATA / "loop_names.pol", SANMENXIA], ids=lambda p: Path(p).stem)
def test_the_text_of_ordinary_policies_is_the_one_sqlglot_writes(path: Path) -> None:
    policy = policydsl.load(path).policy
    for dialect in NAMES:
        query = compile_policy(policy, {}, AS_OF, dialect=dialect)
        for pretty in (True, False):
            assert query.sql(pretty=pretty) == sqlglot_text(query, dialect, pretty), (dialect, pretty)


def test_writing_needs_a_bounded_stack(tmp_path: Path) -> None:
    # sqlglot needs ~1,300 frames for 63 nested calls; the writer ~150 whatever the depth.
    query = compile_policy(load("nested max", tmp_path), {}, AS_OF)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 250)
    try:
        write(query.select, "duckdb", pretty=True)
    finally:
        sys.setrecursionlimit(limit)


def test_sql_in_a_thread_with_the_default_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "policy"
    load("nested max and min", folder)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(main(["sql", str(folder), "--as-of", str(AS_OF)])))
    thread.start()
    thread.join()
    assert codes == [0], capsys.readouterr().err


def test_nested_max_binds_in_linear_time(tmp_path: Path) -> None:
    # 63 nested max() once made DuckDB expand NULLIF into 2^63 copies when binding the query. Run
    # apart, within 2 GB and a minute, so that a regression fails rather than takes the machine.
    query = tmp_path / "query.sql"
    query.write_text(compile_policy(load("nested max", tmp_path / "policy"), {}, AS_OF).sql(pretty=False),
                     encoding="utf-8")
    script = (
        "import resource, sys, duckdb\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "connection = duckdb.connect(config={'threads': 1})\n"
        "connection.execute(\"CREATE TABLE profiles AS SELECT 1::BIGINT AS row, NULL::DECIMAL(18, 6) AS revenue, "
        "TRUE AS tech, NULL::BOOLEAN AS flag, 3::BIGINT AS employees, "
        "[]::STRUCT(investment DECIMAL(18, 6), ok BOOLEAN)[] AS projects\")\n"
        "print(connection.execute(open(sys.argv[1], encoding='utf-8').read()).fetchall())\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(query)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[(1, 'eligible', None, [])]"
