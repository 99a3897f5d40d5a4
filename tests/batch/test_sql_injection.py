"""No text of a policy, a parameter, a profile or a file name can change the shape of the SQL.

The query is a sqlglot expression tree, printed by sqlglot: names are quoted identifiers, strings are
literals, and profile values reach DuckDB as columns of an Arrow table, never as query text. Each
test puts hostile text where a user can — measure, benefit, condition, fact and enum names that are
SQL keywords or Chinese, string constants and agencies with quotes, backslashes, semicolons, comment
openers and newlines, a text parameter, profile strings, file names — and checks that the query of
every dialect parses back into exactly one statement holding the text unchanged, and that DuckDB
gives the Python engine's answers.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
import sqlglot
from sqlglot import exp

import policydsl
from policydsl.batch.run import run_batch
from policydsl.cli import main
from policydsl.profile import read_profile
from policydsl.sql.query import compile_policy
from tests.batch.helpers import AS_OF, assert_same, write_csv

HOSTILE = [
    "'); DROP TABLE x; --",
    "it's",
    'say "hi"',
    "back`tick`",
    "back\\slash\\",
    "semi;colon",
    "-- a comment",
    "/* a block */",
    "*/ closes",
    "new\nline",
    "tab\there",
    "$$dollar$$",
    "E'escape'",
    "智能产线'; DELETE FROM profiles; --",
]
# Names that SQL reserves, and Chinese ones, for each kind of name of the policy.
MEASURES = ["select", "drop", "order", "group", "join", "union", "删除表", "项目"]  # `where` is a keyword (aggregates)
ENUM = ["select", "drop", "order", "group", "删除表", "项目"]
FACTS = ["select", "drop", "删除表"]  # money facts of the enterprise
CONDITIONS = ["join", "union", "having", "条件"]
LOOPS = ["limit", "offset", "行"]
BENEFITS = ["group", "order", "select", "表"]


def _pol_string(text: str) -> str:
    """A string of the policy language: the escapes are \\" \\\\ \\n and \\t."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def measure_id(index: int) -> str:
    """The measure whose agency and condition hold HOSTILE[index] (a name SQL reserves)."""
    name = MEASURES[index % len(MEASURES)]
    return name if index < len(MEASURES) else f"{name}_{index}"


def _measure(index: int, text: str) -> str:
    condition, benefit = CONDITIONS[index % len(CONDITIONS)], BENEFITS[index % len(BENEFITS)]
    return (f'measure {measure_id(index)} "m" {{\n'
            f'  agencies {_pol_string(text)}, "市财政局"\n'
            f'  condition {condition} = name = {_pol_string(text)}\n'
            f'  benefit service {benefit} "b" {{ when {condition} }}\n'
            f'}}')


def _items() -> str:
    """One per-item grant whose condition compares the items' titles with every hostile string."""
    loop = LOOPS[2]
    titles = " or ".join(f"{loop}.title = {_pol_string(text)}" for text in HOSTILE)
    return (f'measure items "项目" {{\n  benefit grant {BENEFITS[3]} "b" {{\n    for each {loop} in projects\n'
            f'    when {titles}\n    amount {loop}.select + select\n  }}\n}}')


def _policy_text() -> str:
    values = ", ".join(ENUM)
    facts = "\n".join(f'  fact {name} "{name}" : money >= 0' for name in FACTS)
    measures = "\n\n".join([*(_measure(index, text) for index, text in enumerate(HOSTILE)), _items()])
    return f'''policy batch.hostile {{
  title "注入"
  valid from unknown until 2030-12-31
}}

enum kind "类别" {{ {values} }}

entity enterprise "企业" {{
  fact name "名称" : text
  fact level "类别" : kind
  fact kinds "类别集" : set of kind
{facts}
  fact projects "项目" : list of project
}}

entity project "项目" {{
  fact title "项目名称" : text
  fact select "投资" : money >= 0
  fact drop "类别" : kind
}}

parameter label "名称" : text = {_pol_string(HOSTILE[0])}

{measures}

measure enums "枚举" {{
  condition join = level = order or contains(kinds, group) or name = label
  benefit grant group "g" {{
    when join or any limit in projects: (limit.drop = 项目)
    amount select + drop + 删除表
  }}
}}
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.pol"
    path.write_text(_policy_text(), encoding="utf-8")
    return path


def _statements(sql: str, dialect: str) -> list[exp.Expression]:
    return [statement for statement in sqlglot.parse(sql, read=dialect) if statement is not None]


def _literals(tree: exp.Expression) -> set[str]:
    return {literal.this for literal in tree.find_all(exp.Literal) if literal.is_string}


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_the_query_parses_back_into_one_statement(hostile: Path, dialect: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    label = "x'); DROP TABLE profiles; --\n/*"
    assert main(["sql", str(hostile), "--dialect", dialect, "--as-of", "2024-06-01", "--param",
                 f"label={label}"]) == 0
    printed = capsys.readouterr().out
    (statement,) = _statements(printed, dialect)
    assert isinstance(statement, exp.Select)
    literals = _literals(statement)
    for text in [*HOSTILE[1:], label]:
        assert text in literals, f"{text!r} does not come back unchanged"
    # Names are quoted identifiers: each output column is named as the measure says.
    names = {select.alias_or_name for select in statement.expressions}
    assert {f"{measure_id(i)}_status" for i in range(len(HOSTILE))} <= names
    assert {"enums_status", "enums_total", "enums_unknowns"} <= names
    # The statement prints back as itself: nothing was hidden in a comment.
    again = _statements(statement.sql(dialect=dialect), dialect)
    assert len(again) == 1 and again[0] == statement


def test_agency_strings_never_reach_the_query_and_come_back_unchanged(hostile: Path) -> None:
    policies = policydsl.load(hostile)
    sql = compile_policy(policies.policy, {}, AS_OF).sql()
    result = policies.evaluate({"name": HOSTILE[3]}, as_of=AS_OF)
    for index, text in enumerate(HOSTILE):
        measure = result[measure_id(index)]
        assert text in measure.agencies
    assert "市财政局" not in sql


def _profiles() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [{"name": text, "level": ENUM[i % len(ENUM)], "select": i,
                                      "projects": [{"title": text, "select": 10 + i, "drop": "drop"},
                                                   {"title": "普通", "select": 5}]}
                                     for i, text in enumerate(HOSTILE)]
    rows.append({"name": "Robert'); DROP TABLE profiles;--", "kinds": ["group", "select"], "drop": 1, "删除表": 2})
    rows.append({"projects": [{"title": None}], "select": 3})
    return rows


def test_duckdb_gives_the_python_answers(hostile: Path) -> None:
    policy = policydsl.load(hostile).policy
    facts = [read_profile(policy.schema, data).values for data in _profiles()]
    for params in ({}, {"label": HOSTILE[5]}, {"label": "Robert'); DROP TABLE profiles;--"}):
        assert_same(policy, facts, params, AS_OF)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_batch_with_hostile_values_and_file_names(hostile: Path, tmp_path: Path, suffix: str) -> None:
    policy = policydsl.load(hostile).policy
    folder = tmp_path / "it's; DROP TABLE x; --"
    folder.mkdir()
    source = folder / f"in 'put\" \\ -- ; *{suffix}"
    profiles = _profiles()
    if suffix == ".jsonl":
        source.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in profiles) + "\n", encoding="utf-8")
    elif suffix == ".csv":
        write_csv(source, policy.schema.root, profiles)
    else:
        pq.write_table(pa.Table.from_pylist(profiles), source)
    outputs = {}
    for engine in ("duckdb", "python"):
        output = folder / f"out'; DROP TABLE profiles; -- {engine}.parquet"
        summary = run_batch(policy, source, output, as_of=AS_OF, params={"label": HOSTILE[4]}, engine=engine)
        assert summary.rows == len(profiles) and summary.errors == 0
        outputs[engine] = pq.read_table(output).to_pylist()
    assert outputs["duckdb"] == outputs["python"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [source.name, "out'; DROP TABLE profiles; -- duckdb.parquet", "out'; DROP TABLE profiles; -- python.parquet"])


def test_a_text_parameter_reaches_the_query_as_one_literal(hostile: Path) -> None:
    policy = policydsl.load(hostile).policy
    for text in HOSTILE[:4]:
        query = compile_policy(policy, {"label": text}, datetime.date(2024, 6, 1), dialect="duckdb")
        (statement,) = _statements(query.sql(pretty=False), "duckdb")
        assert text in _literals(statement)
