"""Output and column names as each dialect reads them: PostgreSQL keeps the first 63 bytes of a
name, DuckDB and Spark ignore case. The compiled query's names must stay apart either way."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from sqlglot import exp

import policydsl
from policydsl.batch.run import run_batch
from policydsl.sql.dialects import shorten
from policydsl.sql.query import SqlUnsupported, compile_policy
from policydsl.values import Money
from tests.batch.helpers import AS_OF, DATA, assert_same, profiles

LONG = policydsl.load(DATA / "long_ids.pol").policy
PG_LIMIT = 63


def truncated(name: str) -> str:
    """The name PostgreSQL keeps: its first 63 bytes, without a partial character."""
    return name.encode("utf-8")[:PG_LIMIT].decode("utf-8", errors="ignore")


def test_the_long_ids_collide_when_truncated() -> None:
    # The premise: the policy's own output names are alike in their first 63 bytes.
    names = [f"{measure.id}_{part}" for measure in LONG.measures for part in ("status", "total", "unknowns")]
    assert all(len(name.encode("utf-8")) > PG_LIMIT for name in names)
    assert len({truncated(name) for name in names}) < len(names)


def test_postgres_names_fit_in_63_bytes_and_stay_apart() -> None:
    query = compile_policy(LONG, {}, AS_OF, dialect="postgres")
    identifiers = [i.name for i in query.select.find_all(exp.Identifier)]
    assert max(len(name.encode("utf-8")) for name in identifiers) <= PG_LIMIT
    columns = [name for m in query.measures for name in (m.status, m.total, m.unknowns)]
    assert len(set(columns)) == len(columns) == 3 * len(LONG.measures)
    assert [e.alias for e in query.select.expressions][1:] == columns
    # Every SELECT of the query defines distinct columns (its layers add the computed ones).
    for select in query.select.find_all(exp.Select):
        defined = [e.alias for e in select.expressions if isinstance(e, exp.Alias)]
        assert len({truncated(name) for name in defined}) == len(defined)
    # A shortened name keeps its kind, and the three columns of a measure share one hash.
    for measure in query.measures:
        assert measure.status.endswith("_status") and measure.total.endswith("_total")
        assert len({name.rsplit("_", 2)[-2] for name in (measure.status, measure.total, measure.unknowns)}) == 1
    # The query says which measure each shortened column is, in a comment beside it.
    text = query.sql()
    for measure in LONG.measures:
        assert f"/* {measure.id}_status */" in text


def test_postgres_mapping_is_deterministic() -> None:
    first = compile_policy(LONG, {}, AS_OF, dialect="postgres")
    again = compile_policy(policydsl.load(DATA / "long_ids.pol").policy, {}, AS_OF, dialect="postgres")
    assert first.measures == again.measures and first.sql() == again.sql()


def test_other_dialects_keep_long_names() -> None:
    # DuckDB has no limit, nor Spark SQL (its catalogs may: Unity Catalog, 255 characters).
    for dialect in ("duckdb", "spark"):
        query = compile_policy(LONG, {}, AS_OF, dialect=dialect)
        assert [m.status for m in query.measures] == [f"{m.id}_status" for m in LONG.measures]


def test_long_ids_evaluate_alike() -> None:
    assert_same(LONG, profiles(LONG.schema, 500, seed=5), {})


@pytest.mark.parametrize(("name", "limit"), [
    ("专精特新中小企业高质量发展支持措施之技术改造项目资金奖励甲_status", 63),
    ("a" * 70, 63), ("短", 63), ("é" * 40 + "_total", 20),
])
def test_shorten(name: str, limit: int) -> None:
    short = shorten(name, limit, tail="_status")
    assert len(short.encode("utf-8")) <= limit
    assert short == name or short != shorten(name[:-1] + "乙", limit, tail="_status")
    assert short == shorten(name, limit, tail="_status")


CASES = """
policy t.case {
  title "大小写"
  valid from unknown until 2030-12-31
}
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact employees "人数" : integer >= 0
}
define Big "大" = revenue >= 100万元
define big "小" = employees >= 10
measure M1 "一" {
  benefit service s "服务" { when Big and not big }
}
measure m1 "二" {
  benefit service s "服务" { when big }
}
"""


def test_names_that_differ_only_in_case(tmp_path: Path) -> None:
    # DuckDB reads `"def_Big"` and `"def_big"`, `"M1_status"` and `"m1_status"`, as one column.
    source = tmp_path / "case.pol"
    source.write_text(CASES, encoding="utf-8")
    policy = policydsl.load(source).policy
    facts = [{"revenue": Money.of(200), "employees": 5}, {"revenue": None, "employees": None},
             {"revenue": Money.of(1), "employees": 50}]
    assert_same(policy, facts, {})
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"revenue": 200, "employees": 5}\n{}\n{"revenue": 1, "employees": 50}\n', encoding="utf-8")
    for out in ("out.parquet", "out.jsonl"):
        written = {}
        for engine in ("duckdb", "python"):
            target = tmp_path / f"{engine}-{out}"
            run_batch(policy, rows, target, as_of=AS_OF, params={}, engine=engine)
            if out.endswith(".parquet"):
                written[engine] = pq.read_table(target).to_pylist()
            else:
                written[engine] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert written["duckdb"] == written["python"]
        assert [row["m1_status"] for row in written["duckdb"]] == ["not_eligible", "undetermined", "eligible"]


def test_facts_that_differ_only_in_case(tmp_path: Path) -> None:
    source = tmp_path / "facts.pol"
    source.write_text(CASES.replace('fact employees "人数" : integer >= 0',
                                    'fact employees "人数" : integer >= 0\n  fact Revenue "收入" : money >= 0'),
                      encoding="utf-8")
    policy = policydsl.load(source).policy
    for dialect in ("duckdb", "spark"):
        with pytest.raises(SqlUnsupported, match="differ only in case"):
            compile_policy(policy, {}, datetime.date(2024, 6, 1), dialect=dialect)
    compile_policy(policy, {}, datetime.date(2024, 6, 1), dialect="postgres")  # quoted names keep their case
