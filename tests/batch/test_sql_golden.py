"""Golden SQL: the compiled query of a small policy in each dialect, reviewed in diffs.

Regenerate with `pytest tests/batch/test_sql_golden.py --update-golden` and read the diff: the
files show how unknowns, lists, amendments and exact division are written in SQL.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

import policydsl
from policydsl.sql.query import compile_policy
from policydsl.values import Money
from tests.batch.helpers import DATA
from tests.conftest import ROOT
from tests.golden import assert_golden


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_golden_sql(dialect: str, update_golden: bool) -> None:
    policy = policydsl.load(DATA / "small.pol").policy
    query = compile_policy(policy, {"cap": Money.of(500)}, datetime.date(2024, 6, 1), dialect=dialect)
    assert_golden(query.sql() + "\n", ROOT / "tests" / "golden" / "sql" / f"small.{dialect}.sql", update_golden)


def test_the_golden_duckdb_query_runs() -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute("""CREATE TABLE profiles AS SELECT * FROM (VALUES
        (1, 450::DECIMAL(18,6), 15000::DECIMAL(18,6), 'provincial',
         [{'investment': 800::DECIMAL(18,6)}, {'investment': 149.99::DECIMAL(18,6)}]),
        (2, NULL, 0::DECIMAL(18,6), NULL, NULL)) AS t(row, rd_expense, revenue, level, projects)""")
    query = (ROOT / "tests" / "golden" / "sql" / "small.duckdb.sql").read_text(encoding="utf-8")
    rows = connection.execute(query).fetchall()
    # 450 / 15000 = 3% exactly; 800万元 × 40% (amended for provincial SRDI) under the 500万元 cap.
    assert rows[0][1:] == ("eligible", None, [], "eligible", Decimal("320.0000000000"), [])
    # An unknown numerator decides before the division by zero: only rd_expense is named.
    policies = policydsl.load(DATA / "small.pol")
    second = policies.evaluate({"revenue": 0}, as_of=datetime.date(2024, 6, 1), params={"cap": 500})
    assert rows[1][1:] == (second["M1"].status, None, list(second["M1"].unknowns),
                           second["M2"].status, None, list(second["M2"].unknowns))
    assert rows[1][3] == ["rd_expense"] and rows[1][6] == ["projects"]
