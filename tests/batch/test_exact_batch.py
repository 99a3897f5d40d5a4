"""`policydsl batch --engine duckdb` gives `evaluate()`'s statuses where SQL alone would not: a row
whose measures name unknowns is evaluated again by the Python engine (bounds of unknown numbers,
exact unknowns by completions), both where DuckDB writes the Parquet file itself and where the
results stream through Python (CSV, JSON Lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from policydsl.cli import main
from tests.batch.test_batch_cli import read_output

POLICY = """policy t.exact { title "完备" }
entity enterprise "企业" {
  fact digital_level "数字化水平" : integer 0..4
  fact employees "从业人员" : integer >= 0
}
measure M1 "数字化" {
  # level 0..4: `>= 0` holds for every level, so an unknown level is eligible (Kleene alone: undetermined)
  benefit service s "服务" { when digital_level >= 0 and employees >= 10 }
}
measure M2 "二级以上" {
  benefit service s "服务" { when digital_level >= 2 }
}
"""

# digital_level, employees → M1, M2 by hand (0..4 is the declared range of digital_level):
ROWS = [({"digital_level": 3, "employees": 20}, ("eligible", []), ("eligible", [])),
        ({"employees": 20}, ("eligible", []), ("undetermined", ["digital_level"])),  # 0..4 ≥ 0 always
        ({"employees": 5}, ("not_eligible", []), ("undetermined", ["digital_level"])),
        ({}, ("undetermined", ["employees"]), ("undetermined", ["digital_level"]))]


@pytest.mark.parametrize("fmt", [".parquet", ".csv", ".jsonl"])
def test_duckdb_batch_statuses_are_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    (tmp_path / "p.pol").write_text(POLICY, encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(facts) + "\n" for facts, *_ in ROWS), encoding="utf-8")
    outputs = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}{fmt}"
        code = main(["batch", str(tmp_path / "p.pol"), str(source), "-o", str(out), "--as-of", "2024-06-01",
                     "--engine", engine])
        assert code == 0, capsys.readouterr().err
        outputs[engine] = read_output(out)
    assert outputs["duckdb"] == outputs["python"]
    got = [(r["M1_status"], r["M1_unknowns"], r["M2_status"], r["M2_unknowns"]) for r in outputs["duckdb"]]
    if fmt == ".csv":  # unknowns as JSON text
        got = [(a, json.loads(b), c, json.loads(d)) for a, b, c, d in got]
    assert got == [(m1[0], m1[1], m2[0], m2[1]) for _, m1, m2 in ROWS]
    if fmt == ".parquet":
        assert pq.read_table(tmp_path / "duckdb.parquet").num_rows == len(ROWS)


def test_sqrt_is_refused_by_sql_not_miscompiled() -> None:
    # sqrt is not lowered to SQL yet: PD406 (use --engine python)
    from policydsl.sql.query import compile_policy
    from policydsl.sql.shapes import SqlUnsupported
    from policydsl.testing import load_text

    policy = load_text(POLICY.replace("employees >= 10", "sqrt(employees / 10) >= 1")).policy
    with pytest.raises(SqlUnsupported, match="sqrt"):
        compile_policy(policy, {}, __import__("datetime").date(2024, 6, 1))


ROUNDING = """policy t.rounding { title "取整" }
entity enterprise "企业" {
  fact a "甲" : integer
  fact b "乙" : integer
}
measure F "向下" { benefit service s "服务" { when floor(a / b) = -2 } }
measure C "向上" { benefit service s "服务" { when ceil(a / b) = 2 } }
measure R "四舍五入" { benefit service s "服务" { when round(a / b) = -3 or round(a / b) = 3 } }
measure D "小数" { benefit service s "服务" { when floor(a * 0.5) = 2 and ceil(b * 0.5) = -1 } }
"""


def test_floor_ceil_round_in_sql_are_python_s(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Quotients on both sides of zero, whole and not, halves (round: away from zero), a zero divisor.
    (tmp_path / "p.pol").write_text(ROUNDING, encoding="utf-8")
    pairs = [(a, b) for a in (-12, -10, -9, -8, -7, -5, -4, 0, 4, 5, 7, 8, 9, 10, 12) for b in (4, -4, 0)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"a": a, "b": b}) + "\n" for a, b in pairs), encoding="utf-8")
    outputs = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}.jsonl"
        code = main(["batch", str(tmp_path / "p.pol"), str(source), "-o", str(out), "--as-of", "2024-06-01",
                     "--engine", engine])
        assert code == 0, capsys.readouterr().err
        outputs[engine] = read_output(out)
    assert outputs["duckdb"] == outputs["python"]
    by_hand = {(-8, 4): "eligible", (-5, 4): "eligible", (-9, 4): "not_eligible", (8, -4): "eligible"}
    for (a, b), row in zip(pairs, outputs["duckdb"], strict=True):
        if (a, b) in by_hand:
            assert row["F_status"] == by_hand[(a, b)], (a, b)
    # round(-10 / 4) = round(-2.5) = -3 and round(10 / 4) = 3: half away from zero
    assert outputs["duckdb"][pairs.index((-10, 4))]["R_status"] == "eligible"
    assert outputs["duckdb"][pairs.index((10, 4))]["R_status"] == "eligible"
    assert outputs["duckdb"][pairs.index((9, 4))]["R_status"] == "not_eligible"
