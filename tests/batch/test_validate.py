"""The SQL checks of batch input never decide differently from read_profile.

A value is given in every awkward way each format allows — valid, invalid, or valid but beyond the
SQL types — one per row, and both engines must write the same output: the same error rows with
the same messages, the same results. The DuckDB engine must still evaluate the plainly valid rows
in SQL (a check that refused everything would pass the first test).
"""

from __future__ import annotations

import datetime
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from policydsl.batch.run import run_batch
from tests.batch.helpers import AS_OF, DATA

POLICY = policydsl.load(DATA / "core").policy
PARAMS: dict[str, object] = {}

# JSON text of values for one fact, each put into an otherwise valid profile.
JSON_VALUES: dict[str, list[str]] = {
    "employees": ["120", "0", "-5", "1.0", "\"120\"", "true", "1e2", "9223372036854775807", "9223372036854775808",
                  "1000000000000000000000000000000", "null", "[]", "{}", "007"],
    "revenue": ["150", "149.99", "150.01", "\"150万元\"", "\"1.5亿元\"", "\"1500000元\"", "\"150\"", "\" 150 \"",
                "\"15万美元\"", "-1", "0.001", "0.0000001", "1e-7", "12345678901234.5", "1e30", "\"1e3\"", "NaN",
                "true", "\"150.0万元\"", "0.30000000000000004", "1234567890123456789", "\"1.234567万元\"",
                "\"0.01元\"", "\"0.001元\"", "\"-0\"", "-0.0", "null"],
    "growth": ["0.035", "\"3.5%\"", "\"3.5 %\"", "\"35\"", "-0.5", "\"0.12345678901\"", "\"abc\"", "1e-30",
               "\"2.5e-3\"", "\"125%\"", "100000000", "Infinity", "null"],
    "listed_on": ["\"2024-06-01\"", "\"2024-02-30\"", "\"0000-01-01\"", "\"2024-6-1\"", "20240601",
                  "\" 2024-06-01\"", "\"9999-12-31\"", "null"],
    "level": ["\"provincial\"", "\"Provincial\"", "\"省级\"", "1", "\"little_giant\"", "\"none\"", "null"],
    "pool": ["true", "false", "\"true\"", "1", "0", "null"],
    "honours": ["[\"heritage\"]", "[\"heritage\", \"heritage\"]", "[]", "[\"nope\"]", "\"heritage\"", "[1]",
                "[null]", "[\"heritage\", \"brand\"]", "null"],
    "projects": ["[{\"investment\": 800}]", "[{\"investment\": \"150万元\", \"category\": \"green_upgrade\"}]",
                 "[{}]", "[null]", "[{\"invest\": 1}]", "{\"investment\": 1}", "[{\"investment\": 1, \"investment\": 2}]",
                 "[[1]]", "\"[]\"", "[{\"name\": 1}]", "[{\"name\": \"a\", \"category\": \"other\", \"investment\": 0}]",
                 "[{\"investment\": 150.01}, {\"investment\": 149.99}, {\"investment\": null}]", "null",
                 "[{\"investment\": 800, \"category\": null, \"name\": null}]"],
}
BASE = {"level": "provincial", "employees": 100, "revenue": 15000, "rd_expense": 450, "pool": True}
WHOLE_LINES = ["{\"level\": \"provincial\",}", "{\"level\": \"provincial\", \"level\": \"none\"}", "{\"levle\": 1}",
               "[1, 2]", "", "\ufeff{\"pool\": true}", "{\"pool\": true} // note", "not json", "{\"pool\": true}",
               "{\"projects\": [{\"investment\": 1e2}]}", "{\"name\": \"1234567890123456789\"}"]


def lines() -> list[str]:
    out = []
    for fact, values in JSON_VALUES.items():
        for value in values:
            base = json.dumps({k: v for k, v in BASE.items() if k != fact}, ensure_ascii=False)
            out.append(base[:-1] + f", \"{fact}\": {value}}}")
    return out + WHOLE_LINES


def run_both(source: Path, tmp_path: Path, mostly_sql: bool = True) -> list[dict[str, Any]]:
    outputs, summaries = {}, {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{source.stem}-{engine}.parquet"
        summaries[engine] = run_batch(POLICY, source, out, as_of=AS_OF, params=PARAMS, engine=engine)
        outputs[engine] = pq.read_table(out).to_pylist()
    rows = outputs["duckdb"]
    for sql_row, python_row in zip(rows, outputs["python"], strict=True):
        assert sql_row == python_row, f"row {sql_row['row']} differs"
    valid = sum(1 for row in rows if row["error"] is None)
    left_to_python = summaries["duckdb"].by_python - (len(rows) - valid)  # valid rows SQL could not vouch for
    assert not mostly_sql or left_to_python < valid / 2  # most valid rows stay in SQL
    return rows


def test_json_lines(tmp_path: Path) -> None:
    source = tmp_path / "awkward.jsonl"
    source.write_bytes("\n".join(lines()).encode("utf-8") + b"\n\xff\xfe{}\n")  # and a line that is not UTF-8
    rows = run_both(source, tmp_path)
    assert len(rows) == len(lines()) + 1
    assert rows[-1]["error"] is not None


CSV_CELLS: dict[str, list[str]] = {
    "employees": ["120", " 120 ", "+5", "1.0", "abc", "007", "-3", "99999999999999999999"],
    "revenue": ["150", "150万元", "1.5亿元", "abc", "150.123456789", " 150 ", "1e3", "0.5元"],
    "growth": ["3.5%", "0.035", " 3.5 % ", "1e-2", "x", "-20%"],
    "pool": ["TRUE", "true", " false ", "yes", "1", "False"],
    "listed_on": ["2024-06-01", "2024-13-01", "2024/06/01"],
    "level": ["provincial", "PROVINCIAL", " provincial"],
    "honours": ["heritage,brand", "[\"heritage\"]", "heritage,,brand", "heritage, heritage", "nope", " brand ",
                "[\"heritage\",]", "{\"a\": 1}", "heritage\tbrand"],
    "projects": ["[{\"investment\": 800, \"category\": \"intelligent_upgrade\"}]", "[{\"investment\": \"1亿元\"}]",
                 "not json", "[{\"investment\": 1.5e3}]", "[]", "{}"],
}


def test_csv(tmp_path: Path) -> None:
    names = sorted(set(CSV_CELLS) | set(BASE))
    rows: list[dict[str, str]] = []
    base = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in BASE.items()}
    for fact, cells in CSV_CELLS.items():
        for cell in cells:
            rows.append({**base, fact: cell})
    source = tmp_path / "awkward.csv"
    import csv

    with open(source, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    assert len(run_both(source, tmp_path)) == len(rows)


def test_parquet_typed_columns(tmp_path: Path) -> None:
    count = 12
    revenue = [150.0, 149.99, 0.1 + 0.2, 1e-7, 1e15, math.nan, math.inf, -0.0, 123456.7, -1.0, 1.5e-5, None]
    table = pa.table({
        "revenue": pa.array(revenue, pa.float64()),
        "rd_expense": pa.array([Decimal("450.12345678")] * 6 + [Decimal("0.00000001"), None, Decimal("-1"),
                                                                Decimal("1E-8"), Decimal("12"), Decimal("7.5")],
                               pa.decimal128(20, 8)),
        "employees": pa.array([120, -1, 2**62, 0, 10**18, None, 5, 6, 7, 8, 9, 10], pa.int64()),
        "growth": pa.array([Decimal("0.035"), Decimal("1E-20"), None] + [Decimal("0.2")] * 9, pa.decimal128(38, 20)),
        "listed_on": pa.array([datetime.date(2024, 6, 1), None, datetime.date(1, 1, 1)] + [None] * 9, pa.date32()),
        "level": pa.array(["provincial", "nope", None] + ["little_giant"] * 9),
        "pool": pa.array([True, False, None] * 4),
        "honours": pa.array([["heritage"], ["heritage", "heritage"], [None], [], None, ["brand", "champion"]] * 2,
                            pa.list_(pa.string())),
        "projects": pa.array(
            [[{"name": "a", "category": "green_upgrade", "investment": Decimal("800")}],
             [{"name": None, "category": "nope", "investment": Decimal("1")}],
             [None], [], None,
             [{"name": "b", "category": None, "investment": Decimal("-1")}],
             [{"name": "c", "category": "other", "investment": Decimal("0.0000001")}]] + [None] * 5,
            pa.list_(pa.struct([("name", pa.string()), ("category", pa.string()),
                                ("investment", pa.decimal128(20, 8))]))),
    })
    assert table.num_rows == count
    source = tmp_path / "typed.parquet"
    pq.write_table(table, source)
    rows = run_both(source, tmp_path, mostly_sql=False)  # 8 decimals of 万元 are beyond the SQL money type
    assert [r["error"] is None for r in rows][:2] == [True, False]


def test_parquet_strings_for_sets_and_lists(tmp_path: Path) -> None:
    table = pa.table({
        "honours": pa.array(["heritage,brand", "[\"brand\"]", "nope", None, "heritage, heritage"]),
        "projects": pa.array(["[{\"investment\": 800}]", "[]", "[{\"investment\": \"abc\"}]", None, "[{]"]),
        "revenue": pa.array(["150万元", "1.5亿元", "150", None, "-1"]),
        "employees": pa.array(["1", None, None, None, None]),  # a string for a whole number: an error row
    })
    source = tmp_path / "strings.parquet"
    pq.write_table(table, source)
    rows = run_both(source, tmp_path)
    assert rows[0]["error"] is not None and "employees" in rows[0]["error"]


@pytest.mark.parametrize("fmt", [".jsonl", ".parquet"])
def test_an_empty_input_gives_an_empty_output(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / f"empty{fmt}"
    if fmt == ".jsonl":
        source.write_text("", encoding="utf-8")
    else:
        pq.write_table(pa.table({"pool": pa.array([], pa.bool_())}), source)
    for engine in ("duckdb", "python"):
        summary = run_batch(POLICY, source, tmp_path / f"out-{engine}.parquet", as_of=AS_OF, params={}, engine=engine)
        assert summary.rows == 0
        assert pq.read_table(tmp_path / f"out-{engine}.parquet").num_rows == 0
