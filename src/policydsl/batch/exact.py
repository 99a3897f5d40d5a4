"""Exact unknowns for rows computed in SQL: an undetermined measure is evaluated again by the
Python engine, which tries the completions of its finite unknowns (engine/exact.py) and follows the
bounds of unknown numbers (engine/intervals.py), so DuckDB's statuses, totals and unknowns are the
closures'. Only rows whose measures name unknowns pay for it.

Not yet wired into `policydsl batch` (batch/duckdb_engine.py streams SQL results straight to the
output file); the differential tests apply it to the query's rows (tests/batch/helpers.run_sql).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from policydsl import model as m
from policydsl.engine import closures

_TOTAL = Decimal("1e-10")  # the SQL total is a DECIMAL(38, 10) of 万元


def refine_rows(policy: m.Policy, facts: Sequence[Mapping[str, object]], params: Mapping[str, object],
                as_of: datetime.date, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each measure that names unknowns given the status, total and unknowns the Python
    engine gives it (SQL is Kleene's without bounds: an unknown it names may not matter)."""
    for fact, row in zip(facts, rows, strict=True):
        open_ = [measure.id for measure in policy.measures if row.get(f"{measure.id}_unknowns")]
        if not open_:
            continue
        result = closures.evaluate(policy, fact, params, as_of)
        for ident in open_:
            measure = result[ident]
            row[f"{ident}_status"] = measure.status
            total = measure.total
            row[f"{ident}_total"] = None if total is None else total.in_unit().quantize(_TOTAL, ROUND_HALF_UP)
            row[f"{ident}_unknowns"] = list(measure.unknowns)
    return rows
