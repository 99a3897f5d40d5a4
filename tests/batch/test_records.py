"""Records (a fact whose type is an entity) in batch inputs: JSON Lines, CSV (a JSON object in the
cell) and Parquet (a struct column, or JSON text). Both engines write the same rows — the same error
rows with the same messages, the same results — and the DuckDB engine keeps the valid rows in SQL."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from policydsl.batch.run import run_batch
from policydsl.testing import load_text
from tests.batch.helpers import AS_OF

POLICY = load_text("""
policy records { title "细分市场" }
enum rank "排名" { first "第一", top3 "前三", other "其他" }
entity niche "细分市场" {
  fact share_domestic "国内市场占有率" : ratio
  fact rank "排名" : rank
  fact revenue "细分市场收入" : money >= 0
}
entity enterprise "企业" {
  fact niche_market "细分市场地位" : niche
  fact employees "从业人员" : integer >= 0
}
measure leading "细分市场领先" {
  benefit service s "认定" { when niche_market.share_domestic >= 10% or niche_market.rank = first }
}
measure large "细分市场收入" {
  benefit grant g "奖励" { when niche_market.revenue >= 1000万元 amount niche_market.revenue * 1% }
}
""").policy
RECORDS = ['{"share_domestic": "12%"}', '{"share_domestic": 0.05, "rank": "first"}', '{"rank": "other"}', "{}",
           '{"revenue": "1500万元"}', '{"revenue": -1}', '{"rank": "nope"}', '{"shares": 1}', "[]", '"12%"', "null",
           '{"share_domestic": null, "revenue": 2000}']


def run_both(source: Path, tmp_path: Path) -> list[dict[str, Any]]:
    outputs, summaries = {}, {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{source.stem}-{engine}.parquet"
        summaries[engine] = run_batch(POLICY, source, out, as_of=AS_OF, params={}, engine=engine)
        outputs[engine] = pq.read_table(out).to_pylist()
    rows = outputs["duckdb"]
    for sql_row, python_row in zip(rows, outputs["python"], strict=True):
        assert sql_row == python_row, f"row {sql_row['row']} differs"
    valid = sum(1 for row in rows if row["error"] is None)
    assert summaries["duckdb"].by_python - (len(rows) - valid) < valid / 2  # most valid rows stay in SQL
    return rows


def expect(rows: list[dict[str, Any]]) -> None:
    """What the records give, worked out by hand (the first five and the last of RECORDS)."""
    assert [r["leading_status"] for r in rows[:3]] == ["eligible", "eligible", "undetermined"]
    assert rows[2]["leading_unknowns"] == ["niche_market.share_domestic"]
    assert rows[3]["leading_unknowns"] == ["niche_market.rank", "niche_market.share_domestic"]
    assert (rows[4]["large_status"], rows[4]["large_total"]) == ("eligible", Decimal("15"))
    for bad in (5, 6, 7, 8, 9):  # a negative amount, a bad enum value, an unknown field, not an object
        assert rows[bad]["error"] is not None
    assert "niche_market.revenue" in rows[5]["error"] and "niche_market" in rows[8]["error"]
    assert rows[10]["leading_unknowns"] == ["niche_market.rank", "niche_market.share_domestic"]  # null: unknown
    assert rows[11]["large_total"] == Decimal("20")


def test_json_lines(tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join(f'{{"employees": 5, "niche_market": {r}}}' for r in RECORDS) + "\n", encoding="utf-8")
    expect(run_both(source, tmp_path))


def test_csv_cells_hold_json_objects(tmp_path: Path) -> None:
    source = tmp_path / "records.csv"
    with open(source, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["employees", "niche_market"])
        writer.writeheader()
        writer.writerows({"employees": "5", "niche_market": "" if r == "null" else r} for r in RECORDS)
    expect(run_both(source, tmp_path))


def test_parquet_struct_columns(tmp_path: Path) -> None:
    struct = pa.struct([("share_domestic", pa.decimal128(18, 10)), ("rank", pa.string()),
                        ("revenue", pa.decimal128(18, 6))])
    values = [{"share_domestic": Decimal("0.12"), "rank": None, "revenue": None},
              {"share_domestic": Decimal("0.05"), "rank": "first", "revenue": None},
              {"share_domestic": None, "rank": "other", "revenue": None},
              {"share_domestic": None, "rank": None, "revenue": None},
              {"share_domestic": None, "rank": None, "revenue": Decimal("1500")},
              {"share_domestic": None, "rank": None, "revenue": Decimal("-1")},
              {"share_domestic": None, "rank": "nope", "revenue": None}, None]
    source = tmp_path / "records.parquet"
    pq.write_table(pa.table({"niche_market": pa.array(values, struct), "employees": pa.array([5] * 8)}), source)
    rows = run_both(source, tmp_path)
    assert [r["leading_status"] for r in rows[:3]] == ["eligible", "eligible", "undetermined"]
    assert rows[4]["large_total"] == Decimal("15")
    assert rows[5]["error"] is not None and rows[6]["error"] is not None and rows[7]["error"] is None
    assert json.dumps(rows[7]["leading_unknowns"]) == '["niche_market.rank", "niche_market.share_domestic"]'
