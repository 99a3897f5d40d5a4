"""Write generated profiles of any policy's schema to Parquet, fast (DuckDB generates them).

    python -m tests.batch.generate_profiles policies/sanmenxia profiles.parquet --rows 1000000

Every fact is unknown (NULL) in 10% of the rows; money is DECIMAL(18, 2) of 万元, lists hold zero
to three items. The same seed gives the same file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

import policydsl
from policydsl import model as m

HOLE = 0.1


def _random_value(typ: m.Type, schema: m.Schema, depth: int = 0) -> str:
    kind = typ.kind
    if kind == "bool":
        return "random() < 0.5"
    if kind == "integer":
        return "CAST(floor(random() * 3000) AS BIGINT)"
    if kind == "money":
        return "CAST(round(random() * 60000, 2) AS DECIMAL(18, 2))"
    if kind == "decimal":
        return "CAST(round(random() * 1000, 2) AS DECIMAL(18, 2))"
    if kind == "ratio":
        return "CAST(round(random() * 0.6, 4) AS DECIMAL(18, 4))"
    if kind == "date":
        return "DATE '2019-01-01' + CAST(floor(random() * 2500) AS INTEGER)"
    if kind == "text":
        return "['智能产线', '绿色工厂', '项目'][1 + CAST(floor(random() * 3) AS INTEGER)]"
    if kind in ("enum", "set"):
        assert typ.enum is not None
        values = "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in typ.enum.values) + "]"
        if kind == "set":
            return f"list_filter({values}, lambda v: random() < 0.3)"
        return f"{values}[1 + CAST(floor(random() * {len(typ.enum.values)}) AS INTEGER)]"
    entity = schema.entities[typ.entity or ""]
    fields = ", ".join(f"'{f.name}': {_maybe(f.type, schema, depth + 1)}" for f in entity.facts)
    return f"list_transform(range(CAST(floor(random() * 4) AS INTEGER)), lambda k{depth}: {{{fields}}})"


def _maybe(typ: m.Type, schema: m.Schema, depth: int = 0) -> str:
    return f"CASE WHEN random() < {HOLE} THEN NULL ELSE {_random_value(typ, schema, depth)} END"


def write_profiles(policy: m.Policy, output: Path, rows: int, seed: float = 0.5) -> None:
    connection = duckdb.connect()
    connection.execute("SET threads = 1")  # one stream of random numbers: the same seed, the same file
    connection.execute(f"SELECT setseed({seed})")
    columns = ", ".join(f'{_maybe(f.type, policy.schema)} AS "{f.name}"' for f in policy.schema.root.facts)
    target = str(output).replace("'", "''")
    connection.execute(f"COPY (SELECT {columns} FROM range({rows})) TO '{target}' (FORMAT PARQUET)")


def main() -> None:
    parser = argparse.ArgumentParser(description="write generated profiles of a policy's schema to Parquet")
    parser.add_argument("policy", help="a .pol file or a policy folder")
    parser.add_argument("output", help="the .parquet file to write")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=float, default=0.5, help="a number between -1 and 1")
    args = parser.parse_args()
    write_profiles(policydsl.load(args.policy).policy, Path(args.output), args.rows, args.seed)


if __name__ == "__main__":
    main()
