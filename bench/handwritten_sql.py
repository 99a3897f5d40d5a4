"""The batch floor: the 28 Sanmenxia measures as one DuckDB query written by hand.

    python bench/handwritten_sql.py IN.parquet OUT.parquet [--as-of 2024-06-01] [--cap 500] [--threshold 200]

It reads the Parquet profiles that `policydsl batch` reads and writes, per row, `row` and each
measure's `M<n>_status` and `M<n>_total` (万元), as a careful programmer would without policydsl.
SQL's NULL is the unknown: AND, OR and comparisons already follow three-valued logic. It names no
unknown facts and validates nothing, so it does less than `policydsl batch`; ratios against it
are conservative. The reading of the policy is the one of bench/handwritten.py (the Python floor).
"""

from __future__ import annotations

import argparse
import datetime
from decimal import Decimal

import duckdb

START = datetime.date(2021, 1, 1)  # M16's own window starts here; the document's start is unknown (open)
END = datetime.date(2025, 12, 31)

SRDI = "(srdi_level IN ('provincial', 'little_giant'))"
GIANT = "(srdi_level = 'little_giant')"
SME = "(employees < 1000 OR revenue < 40000)"
SCOPE = "('intelligent_upgrade', 'green_upgrade', 'technical_upgrade', '5g', 'industrial_internet')"

# The measures whose only condition is a boolean expression of the enterprise, M2 and M4 aside.
SIMPLE = {
    1: SRDI, 3: GIANT, 5: SRDI, 6: "tech_sme", 7: SRDI, 8: f"({SME} OR {SRDI})", 9: SRDI, 10: SRDI, 11: SRDI,
    12: f"({SME} OR len(heritage_titles) >= 1)", 13: SRDI, 14: f"({SRDI} AND listing_intent)",
    16: f"(in_cultivation_pool OR {SRDI})", 17: SRDI, 18: SRDI, 19: SRDI, 20: SRDI, 21: SRDI, 22: SRDI,
    23: SRDI, 24: SRDI, 25: SRDI, 26: f"({SRDI} OR in_cultivation_pool)", 28: f"({SRDI} OR {SME})",
}


def status(applies: str) -> str:
    return f"CASE WHEN {applies} THEN 'eligible' WHEN ({applies}) IS NULL THEN 'undetermined' ELSE 'not_eligible' END"


def m2_item(threshold: Decimal) -> str:
    """Whether project p gets M2's support: the threshold is 150万元 for SRDI enterprises (M2's
    amendment), the base threshold otherwise, and unknown when SRDI is unknown and they differ."""
    limit = f"CASE WHEN {SRDI} THEN 150 WHEN NOT {SRDI} THEN {threshold} WHEN {threshold} = 150 THEN 150 END"
    return f"({SRDI} AND p.category IN {SCOPE} AND p.investment >= ({limit}))"


def m2_columns(cap: Decimal, threshold: Decimal) -> list[str]:
    item = m2_item(threshold)
    # An item that applies has SRDI true, so its ratio is the amended 40%.
    amounts = f"list_sum(list_transform(projects, lambda p: CASE WHEN {item} THEN least(p.investment * 0.4, {cap}) END))"
    some_true = f"coalesce(list_bool_or(list_transform(projects, lambda p: coalesce({item}, false))), false)"
    some_unknown = f"coalesce(list_bool_or(list_transform(projects, lambda p: ({item}) IS NULL)), false)"
    # With the projects unknown, some project might qualify unless the enterprise is known not to be SRDI.
    unknown = f"(projects IS NULL AND {SRDI} IS NOT FALSE) OR (projects IS NOT NULL AND {some_unknown})"
    return [
        f"CASE WHEN projects IS NOT NULL AND {some_true} THEN 'eligible' WHEN {unknown} THEN 'undetermined' "
        "ELSE 'not_eligible' END AS M2_status",
        f"CASE WHEN projects IS NOT NULL AND {some_true} THEN {amounts} END AS M2_total",
    ]


def m15_seeks() -> str:
    """Some project seeks industry-fund investment, in three-valued logic (bool_or skips NULLs)."""
    seeks = "p.seeks_industry_fund"
    return (f"CASE WHEN projects IS NULL THEN NULL WHEN len(projects) = 0 THEN false "
            f"WHEN list_bool_or(list_transform(projects, lambda p: coalesce({seeks}, false))) THEN true "
            f"WHEN list_bool_or(list_transform(projects, lambda p: {seeks} IS NULL)) THEN NULL ELSE false END")


def measure_columns(cap: Decimal, threshold: Decimal) -> list[str]:
    """Status and total of each measure, in order M1..M28."""
    funded = "(key_little_giant AND national_fund_received > 0)"
    special = {
        2: m2_columns(cap, threshold),
        4: [f"{status(funded)} AS M4_status", f"CASE WHEN {funded} THEN national_fund_received END AS M4_total"],
        15: [f"{status(f'({SRDI} AND {m15_seeks()})')} AS M15_status", "NULL AS M15_total"],
        27: ["'not_applicable' AS M27_status", "NULL AS M27_total"],  # a directive: it addresses no enterprise
    }
    columns: list[str] = []
    for n in range(1, 29):
        columns += special.get(n) or [f"{status(SIMPLE[n])} AS M{n}_status", f"NULL AS M{n}_total"]
    return columns


def query(source: str, target: str, as_of: datetime.date, cap: Decimal, threshold: Decimal) -> str:
    if not START <= as_of <= END:
        raise SystemExit(f"the hand-written query covers days when all 28 measures are in force ({START}..{END})")
    select = ",\n  ".join(["file_row_number + 1 AS row", *measure_columns(cap, threshold)])
    quoted = source.replace("'", "''")
    return (f"COPY (SELECT\n  {select}\nFROM read_parquet('{quoted}', file_row_number = true))\n"
            f"TO '{target.replace(chr(39), chr(39) * 2)}' (FORMAT PARQUET)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=datetime.date(2024, 6, 1))
    parser.add_argument("--cap", type=Decimal, default=Decimal(500), help="three_upgrades.cap in 万元")
    parser.add_argument("--threshold", type=Decimal, default=Decimal(200), help="three_upgrades.threshold in 万元")
    args = parser.parse_args()
    duckdb.connect().execute(query(args.input, args.output, args.as_of, args.cap, args.threshold))


if __name__ == "__main__":
    main()
