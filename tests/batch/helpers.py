"""Generated profiles and the field-by-field comparison of the SQL path with the Python path."""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

from policydsl import model as m
from policydsl.batch.exact import refine_rows
from policydsl.batch.inputs import facts_table
from policydsl.engine import closures as compiled
from policydsl.sql.query import compile_policy
from policydsl.values import Money
from tests.facts import MONEY_POINTS

DATA = Path(__file__).parent / "data"
AS_OF = datetime.date(2024, 6, 1)
TOTAL = Decimal("1e-10")


def value_of(typ: m.Type, schema: m.Schema, rng: random.Random, max_items: int = 3, hole: float = 0.15) -> Any:
    """A typed value as `tests.facts.value_of` draws it: boundary points half of the time."""
    kind = typ.kind
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "integer":
        return rng.choice([0, 1, 10, 300, 301, 999, 1000, 1001]) if rng.random() < 0.5 else rng.randint(0, 5000)
    if kind == "decimal":
        return Decimal(rng.randint(0, 100_000)) / 100
    if kind == "money":
        if rng.random() < 0.5:
            return Money.of(rng.choice(MONEY_POINTS))
        return Money.of(Decimal(rng.randint(0, 10_000_000)) / 100)
    if kind == "ratio":
        return rng.choice([Decimal("0"), Decimal("0.03"), Decimal("0.04"), Decimal("0.2"), Decimal("0.21"),
                           Decimal("0.5")])
    if kind == "date":
        return datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2900))
    if kind == "text":
        return rng.choice(["智能产线", "绿色工厂", "项目"])
    if kind == "enum":
        assert typ.enum is not None
        return rng.choice(typ.enum.values)
    if kind == "set":
        assert typ.enum is not None
        return frozenset(v for v in typ.enum.values if rng.random() < 0.4)
    entity = schema.entities[typ.entity or ""]
    return tuple(profile(entity, schema, rng, max_items, hole) for _ in range(rng.randint(0, max_items)))


def profile(entity: m.Entity, schema: m.Schema, rng: random.Random, max_items: int = 3,
            hole: float = 0.15) -> dict[str, Any]:
    """Typed facts with unknown holes (None)."""
    return {f.name: None if rng.random() < hole else value_of(f.type, schema, rng, max_items, hole)
            for f in entity.facts}


def profiles(schema: m.Schema, count: int, seed: int = 0, max_items: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [profile(schema.root, schema, rng, max_items) for _ in range(count)]


_QUERIES: dict[tuple[int, str, datetime.date], tuple[m.Policy, str, dict[str, str]]] = {}


def query_for(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date) -> tuple[str, dict[str, str]]:
    """The query, and the output name of each column that has another name in it."""
    key = (id(policy), repr(sorted(params.items())), as_of)
    if key not in _QUERIES or _QUERIES[key][0] is not policy:
        query = compile_policy(policy, params, as_of)
        renamed = {getattr(columns, part): f"{columns.id}_{part}" for columns in query.measures
                   for part in ("status", "total", "unknowns")}
        _QUERIES[key] = (policy, query.sql(pretty=False), {k: v for k, v in renamed.items() if k != v})
    return _QUERIES[key][1], _QUERIES[key][2]


def run_sql(policy: m.Policy, facts: Sequence[Mapping[str, object]], params: Mapping[str, object],
            as_of: datetime.date = AS_OF) -> list[dict[str, Any]]:
    """Every profile through the compiled SQL, in one DuckDB query; columns by their output names."""
    connection = duckdb.connect()
    connection.register("profiles", facts_table(policy.schema, facts))
    sql, renamed = query_for(policy, params, as_of)
    table = connection.sql(sql).to_arrow_table()
    connection.close()
    rows: list[dict[str, Any]] = table.rename_columns([renamed.get(n, n) for n in table.column_names]).to_pylist()
    return refine_rows(policy, facts, params, as_of, rows)  # exact unknowns: undetermined rows by Python


def expected(result: Any) -> dict[str, Any]:
    """The Python result as the SQL row holds it (totals as DECIMAL(38, 10), rounded like SQL)."""
    row: dict[str, Any] = {}
    for measure in result.measures:
        total = measure.total.in_unit().quantize(TOTAL, ROUND_HALF_UP) if measure.total is not None else None
        row[f"{measure.id}_status"] = measure.status
        row[f"{measure.id}_total"] = total
        row[f"{measure.id}_unknowns"] = list(measure.unknowns)
    return row


def assert_same(policy: m.Policy, facts: Sequence[Mapping[str, object]], params: Mapping[str, object],
                as_of: datetime.date = AS_OF) -> int:
    """SQL and Python agree on every field of every profile; returns the number of fields compared."""
    rows = run_sql(policy, facts, params, as_of)
    assert len(rows) == len(facts)
    compared, mismatches = 0, []
    for number, (fact, row) in enumerate(zip(facts, rows, strict=True), start=1):
        assert row["row"] == number
        want = expected(compiled.evaluate(policy, fact, params, as_of))
        for key, value in want.items():
            compared += 1
            if row[key] != value:
                mismatches.append(f"row {number} {key}: SQL {row[key]!r}, Python {value!r}; facts {fact}")
    assert not mismatches, f"{len(mismatches)} fields differ, e.g.:\n" + "\n".join(mismatches[:5])
    return compared


def write_csv(path: Path, entity: m.Entity, rows: Sequence[Mapping[str, Any]]) -> None:
    """Raw profiles as a CSV file the batch reads: every cell quoted, lists and numbers as JSON."""
    names = [fact.name for fact in entity.facts]
    lines = [",".join(names)]
    for data in rows:
        cells = []
        for name in names:
            value = data.get(name)
            text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            cells.append('"' + str(text).replace('"', '""') + '"')
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
