"""Measures stated alike compile to the same SQL expressions, which DuckDB computes once.

Most Sanmenxia measures hold when the enterprise is SRDI (`is_srdi`): their statuses and unknowns
lists are the same expressions over the definition's columns, not over one alias column per
measure and benefit, so DuckDB's common-subexpression elimination computes each once a row (a
seventh of the batch's time, measured: docs/performance.md).
"""

from __future__ import annotations

import datetime

from sqlglot import exp

import policydsl
from policydsl.sql.query import compile_policy
from tests.conftest import SANMENXIA


def outputs() -> dict[str, exp.Expression]:
    policies = policydsl.load(SANMENXIA)
    query = compile_policy(policies.policy, {}, datetime.date(2024, 6, 1))
    return {e.alias: e.this for e in query.select.expressions if isinstance(e, exp.Alias)}


def test_measures_on_the_same_definition_have_the_same_expressions() -> None:
    found = outputs()
    srdi_only = ["M1", "M5", "M7", "M9", "M10", "M11", "M13", "M17", "M18", "M19", "M20", "M22", "M23", "M24", "M25"]
    for part in ("status", "unknowns"):
        texts = {found[f"{m}_{part}"].sql("duckdb") for m in srdi_only}
        assert len(texts) == 1, (part, texts)
    assert "def_is_srdi" in found["M1_status"].sql("duckdb")


def test_no_layer_column_only_renames_another() -> None:
    policies = policydsl.load(SANMENXIA)
    query = compile_policy(policies.policy, {}, datetime.date(2024, 6, 1))
    renames = [select for select in query.select.find_all(exp.Select) for e in select.expressions
               if isinstance(e, exp.Alias) and isinstance(e.this, exp.Column) and e.alias != e.this.name
               and e.alias not in ("clean",)]
    assert not renames
