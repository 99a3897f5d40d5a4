"""The batch floor: the 28 Sanmenxia measures as one DuckDB query written by hand.

    python bench/handwritten_sql.py IN.parquet OUT.parquet [--as-of 2024-06-01] [--cap 500] [--threshold 200]

It reads the Parquet profiles that `policydsl batch` reads and writes, per row, `row` and each
measure's `M<n>_status` and `M<n>_total` (万元), as lean as a careful programmer writes it without
policydsl: what several measures read (SRDI, little giant, SME, M4's funding, M2's grant per project,
M15's wish for fund investment) is computed once a row in an inner query, each project is looked at
once per measure that reads the projects, and the statuses are an ENUM (DuckDB writes four values
of an ENUM several times faster than as many strings). SQL's NULL is the unknown: AND, OR and
comparisons already follow three-valued logic. It names no unknown facts and validates nothing,
so it does less than `policydsl batch`; ratios against it are conservative. `--threshold`, the base
policy's threshold, is taken as `policydsl batch` takes it and changes no answer (M2 applies only to
SRDI enterprises, whose threshold its amendment sets to 150万元). The reading of the
policy is the one of bench/lean_floor.py (the Python floor); bench/batch_bench.py checks it against
`policydsl batch` before timing it.
"""

from __future__ import annotations

import argparse
import datetime
from decimal import Decimal

import duckdb

# Days when all 28 measures are surely in force: the document from its issue day, a day of 2022 not
# stated (so from 2023 surely), until 2025-12-31; M16's own window 2021–2025 holds within.
START = datetime.date(2023, 1, 1)
END = datetime.date(2025, 12, 31)

STATUS = "status"  # an ENUM: the statuses are four values, so no row holds a string until it is written
STATUS_TYPE = f"CREATE TYPE {STATUS} AS ENUM ('eligible', 'not_eligible', 'undetermined', 'not_applicable')"
SCOPE = "('intelligent_upgrade', 'green_upgrade', 'technical_upgrade', '5g', 'industrial_internet')"

# What several measures read, computed once a row (the innermost query computes `srdi`).
SHARED = [
    "srdi_level = 'little_giant' AS giant",
    "(employees < 1000 OR revenue < 40000) AS sme",
    "(national_fund_received > 0) AS funded",  # M4: having received the national funds is the only condition
]
# The measures whose only condition is a boolean of the enterprise, M2 and M4 aside.
SIMPLE = {
    1: "srdi", 3: "giant", 5: "srdi", 6: "tech_sme", 7: "srdi", 8: "(sme OR srdi)", 9: "srdi", 10: "srdi", 11: "srdi",
    12: "(sme OR len(heritage_titles) >= 1)", 13: "srdi", 14: "(srdi AND listing_intent)", 15: "(srdi AND seeks)",
    16: "(in_cultivation_pool OR srdi)", 17: "srdi", 18: "srdi", 19: "srdi", 20: "srdi", 21: "srdi", 22: "srdi",
    23: "srdi", 24: "srdi", 25: "srdi", 26: "(srdi OR in_cultivation_pool)", 28: "(srdi OR sme)",
}


def status(applies: str) -> str:
    return (f"CASE WHEN {applies} THEN 'eligible'::{STATUS} WHEN NOT {applies} THEN 'not_eligible'::{STATUS} "
            f"ELSE 'undetermined'::{STATUS} END")


def m2_grants(cap: Decimal) -> str:
    """Per project, M2's support: its amount where it applies, -1 where it does not, NULL where it
    is unknown. M2 applies to SRDI enterprises alone, on its amended terms: threshold 150万元, ratio
    40%, the base cap. The base threshold is never read (where M2 applies the threshold is 150万元),
    so with SRDI unknown a project stays open only if it could pass as an SRDI project, which
    three-valued AND gives."""
    item = f"(srdi AND p.category IN {SCOPE} AND p.investment >= 150)"
    return (f"list_transform(projects, lambda p: CASE WHEN {item} THEN least(p.investment * 0.4, {cap}) "
            f"WHEN NOT {item} THEN -1 END) AS grants")


def m15_seeks() -> str:
    """Some project seeks industry-fund investment, in three-valued logic (bool_or skips NULLs)."""
    seeks = "list_transform(projects, lambda p: p.seeks_industry_fund)"
    return (f"CASE WHEN projects IS NULL THEN NULL WHEN list_bool_or({seeks}) THEN true "
            f"WHEN list_count({seeks}) < len(projects) THEN NULL ELSE false END AS seeks")


def measure_columns() -> list[str]:
    """Status and total of each measure, in order M1..M28."""
    special = {
        # With the projects unknown, some project might qualify unless the enterprise is known not to be SRDI.
        2: [f"CAST(CASE WHEN projects IS NULL THEN CASE WHEN srdi IS NOT FALSE THEN 'undetermined' ELSE 'not_eligible' "
            "END WHEN list_max(grants) >= 0 THEN 'eligible' WHEN list_count(grants) < len(grants) THEN 'undetermined' "
            f"ELSE 'not_eligible' END AS {STATUS}) AS M2_status",
            "CASE WHEN list_max(grants) >= 0 THEN list_sum(list_filter(grants, lambda g: g >= 0)) END AS M2_total"],
        4: [f"{status('funded')} AS M4_status", "CASE WHEN funded THEN national_fund_received END AS M4_total"],
        27: [f"'not_applicable'::{STATUS} AS M27_status", "NULL AS M27_total"],  # a directive: it addresses no one
    }
    columns: list[str] = []
    for n in range(1, 29):
        columns += special.get(n) or [f"{status(SIMPLE[n])} AS M{n}_status", f"NULL AS M{n}_total"]
    return columns


def query(source: str, target: str, as_of: datetime.date, cap: Decimal, threshold: Decimal) -> str:
    if not START <= as_of <= END:
        raise SystemExit(f"the hand-written query covers days when all 28 measures are in force ({START}..{END})")
    quoted = source.replace("'", "''")
    read = (f"SELECT *, file_row_number + 1 AS row, srdi_level IN ('provincial', 'little_giant') AS srdi "
            f"FROM read_parquet('{quoted}', file_row_number = true)")
    shared = ", ".join(["*", *SHARED, m2_grants(cap), m15_seeks()])
    select = ",\n  ".join(["row", *measure_columns()])
    return (f"COPY (SELECT\n  {select}\nFROM (SELECT {shared} FROM ({read})))\n"
            f"TO '{target.replace(chr(39), chr(39) * 2)}' (FORMAT PARQUET)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=datetime.date(2024, 6, 1))
    parser.add_argument("--cap", type=Decimal, default=Decimal(500), help="three_upgrades.cap in 万元")
    parser.add_argument("--threshold", type=Decimal, default=Decimal(200), help="three_upgrades.threshold in 万元")
    args = parser.parse_args()
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    connection.execute(STATUS_TYPE)
    connection.execute(query(args.input, args.output, args.as_of, args.cap, args.threshold))


if __name__ == "__main__":
    main()
