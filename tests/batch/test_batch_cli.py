"""`policydsl batch` and `policydsl sql` end to end: three input and three output formats, both
engines, an invalid row in the middle, the summary, and bad input without tracebacks."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from policydsl.cli import main
from tests.batch.helpers import DATA

POLICY = str(DATA / "core")
AS_OF = "2024-06-01"
BAD_ROW = 3  # the invalid row, in the middle

PROFILES: list[dict[str, Any]] = [
    {"level": "provincial", "revenue": 15000, "rd_expense": "450万元", "employees": 120, "pool": True,
     "projects": [{"name": "智能产线", "category": "intelligent_upgrade", "investment": 800},
                  {"name": "二期", "category": "intelligent_upgrade", "investment": 149.99}]},
    {"level": "innovative", "county": "陕州区", "honours": ["heritage"], "listed_on": "2022-03-01",
     "growth": "25%"},
    {"level": "provincial", "employees": "many"},  # BAD_ROW: employees is not a whole number
    {"projects": [{"name": "绿色工厂", "category": "green_upgrade", "investment": "150.01万元"}], "pool": False},
    {},
]


def write_input(folder: Path, fmt: str) -> Path:
    path = folder / f"profiles{fmt}"
    if fmt == ".jsonl":
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PROFILES), encoding="utf-8")
        return path
    names = sorted({key for profile in PROFILES for key in profile})
    if fmt == ".csv":
        def cell(value: Any) -> str:
            if value is None:
                return ""
            if isinstance(value, list | dict):
                return json.dumps(value, ensure_ascii=False)
            return str(value).lower() if isinstance(value, bool) else str(value)

        table = pa.table({name: [cell(p.get(name)) for p in PROFILES] for name in names})
        import pyarrow.csv as pcsv  # type: ignore[import-untyped]

        pcsv.write_csv(table, path)
        return path
    columns = {}
    for name in names:
        values = [p.get(name) for p in PROFILES]
        if name == "projects":
            columns[name] = pa.array([json.dumps(v, ensure_ascii=False) if v is not None else None for v in values])
        elif name in ("revenue", "employees"):
            columns[name] = pa.array([str(v) if v is not None else None for v in values])  # strings: see below
        else:
            columns[name] = pa.array(values)
    # Typed columns for Parquet: revenue as a float (万元), employees as a string column (invalid
    # for an integer fact: every non-empty cell is an error row, like the JSON string "many").
    columns["revenue"] = pa.array([float(p["revenue"]) if "revenue" in p else None for p in PROFILES])
    columns["employees"] = pa.array([p.get("employees") if isinstance(p.get("employees"), int) else None
                                     for p in PROFILES], pa.int64())
    columns["level"] = pa.array([p.get("level") for p in PROFILES[:BAD_ROW - 1]] + ["provincal"]
                                + [p.get("level") for p in PROFILES[BAD_ROW:]])
    pq.write_table(pa.table(columns), path)
    return path


def read_output(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows = duckdb.sql(f"SELECT * FROM read_csv('{path}', all_varchar=true)").to_arrow_table().to_pylist()
    return rows  # type: ignore[no-any-return]


def batch(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["batch", POLICY, *args, "--as-of", AS_OF, "--param", "cap=500"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", [".jsonl", ".csv", ".parquet"])
def test_both_engines_write_one_row_per_input_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   fmt: str) -> None:
    source = write_input(tmp_path, fmt)
    outputs = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}.parquet"
        code, stdout, stderr = batch(capsys, str(source), "-o", str(out), "--engine", engine)
        assert code == 0, stderr
        assert "5 profiles" in stdout and "1 row is not a valid profile" in stdout
        if engine == "duckdb":  # the valid rows are checked and evaluated in SQL, the invalid one in Python
            assert "duckdb engine; 1 row read by Python" in stdout
        outputs[engine] = read_output(out)
    rows = outputs["duckdb"]
    assert rows == outputs["python"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    bad = rows[BAD_ROW - 1]
    assert bad["error"] and "error[PD30" in bad["error"]
    assert bad["M1_status"] is None and bad["M1_unknowns"] is None
    assert all(r["error"] is None for r in rows if r["row"] != BAD_ROW)
    # The good rows are what `evaluate` says of the same profile.
    policies = policydsl.load(POLICY)
    first = policies.evaluate(PROFILES[0], as_of=datetime.date(2024, 6, 1), params={"cap": 500})
    assert rows[0]["M2_status"] == first["M2"].status == "eligible"
    assert rows[0]["M2_total"] == Decimal(320)  # 800万元 × 40%, under the cap; 149.99万元 is below 150万元
    assert rows[0]["M2_unknowns"] == list(first["M2"].unknowns)
    assert rows[4]["M1_status"] == "undetermined" and rows[4]["M1_unknowns"] == ["level", "pool"]


def test_the_invalid_row_names_its_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    code, _, stderr = batch(capsys, str(write_input(tmp_path, ".jsonl")), "-o", str(out))
    assert code == 0, stderr
    bad = read_output(out)[BAD_ROW - 1]
    assert bad["row"] == BAD_ROW
    assert bad["error"].startswith("employees: error[PD301]: ")
    assert "not the string \"many\"" in bad["error"]


@pytest.mark.parametrize("fmt", [".csv", ".jsonl"])
def test_text_outputs_keep_exact_amounts(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    source = write_input(tmp_path, ".jsonl")
    texts = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}{fmt}"
        code, _, stderr = batch(capsys, str(source), "-o", str(out), "--engine", engine)
        assert code == 0, stderr
        texts[engine] = out.read_text(encoding="utf-8")
    assert texts["duckdb"] == texts["python"]
    rows = read_output(tmp_path / f"duckdb{fmt}")
    assert len(rows) == len(PROFILES)
    assert rows[0]["M2_total"] == "320"
    unknowns = rows[4]["M1_unknowns"]
    assert (json.loads(unknowns) if fmt == ".csv" else unknowns) == ["level", "pool"]


def test_summary_counts_statuses_totals_and_goals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = batch(capsys, str(write_input(tmp_path, ".jsonl")), "-o", str(tmp_path / "o.parquet"))
    assert code == 0
    m2 = next(line for line in stdout.splitlines() if line.startswith("M2 "))
    assert m2.split()[1:] == ["1", "2", "1", "0", "0", "320"]  # eligible, not, undetermined …; total
    assert "srdi_count 专精特新企业数: 1 of at least 100 by 2025-12-31 (1%, not yet met)" in stdout


def test_a_column_that_is_not_a_fact_stops_the_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("levle,pool\nprovincial,true\n", encoding="utf-8")
    code, stdout, stderr = batch(capsys, str(source), "-o", str(tmp_path / "o.parquet"))
    assert code == 2 and not stdout
    assert "error[PD302]: the column 'levle' is not a fact of enterprise" in stderr
    assert "did you mean 'level'?" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(("input_name", "output_name", "code"), [
    ("missing.jsonl", "o.parquet", "PD401"), ("profiles.jsonl", "o.xlsx", "PD404"), ("profiles.txt", "o.csv", "PD404"),
])
def test_bad_files_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], input_name: str,
                                    output_name: str, code: str) -> None:
    write_input(tmp_path, ".jsonl")
    status, _, stderr = batch(capsys, str(tmp_path / input_name), "-o", str(tmp_path / output_name))
    assert status == 2 and f"error[{code}]" in stderr and "Traceback" not in stderr


def test_unreadable_parquet_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "broken.parquet"
    source.write_bytes(b"not parquet at all")
    status, _, stderr = batch(capsys, str(source), "-o", str(tmp_path / "o.parquet"))
    assert status == 2 and "error[PD309]: cannot read" in stderr


def test_sql_prints_one_query_per_dialect(capsys: pytest.CaptureFixture[str]) -> None:
    for dialect in ("duckdb", "spark", "postgres"):
        code = main(["sql", POLICY, "--dialect", dialect, "--as-of", AS_OF])
        out = capsys.readouterr().out
        assert code == 0
        assert out.startswith("-- batch.core: the screening of every measure as of 2024-06-01")
        assert '"revenue" DECIMAL(18, 6)  -- 万元' in out or "`revenue` DECIMAL(18, 6)  -- 万元" in out
        assert out.rstrip().endswith(";") and "M12_unknowns" in out


def test_sql_runs_on_duckdb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", POLICY, "--as-of", AS_OF, "--param", "cap=500"]) == 0
    query = capsys.readouterr().out
    connection = duckdb.connect()
    connection.execute("CREATE TABLE profiles AS SELECT 1::BIGINT AS row, 'provincial' AS level, "
                       "NULL::BIGINT AS employees, NULL::DECIMAL(18,6) AS revenue, NULL::DECIMAL(18,6) AS rd_expense, "
                       "NULL::VARCHAR AS county, TRUE AS pool, NULL::DATE AS listed_on, NULL::VARCHAR[] AS honours, "
                       "NULL::DECIMAL(18,10) AS growth, "
                       "[{'name': 'a', 'category': 'intelligent_upgrade', 'investment': 800::DECIMAL(18,6)}] AS projects")
    row = connection.execute(query.rstrip().rstrip(";")).fetchone()
    columns = [d[0] for d in connection.description or ()]
    result = dict(zip(columns, row or (), strict=True))
    assert result["M2_status"] == "eligible" and result["M2_total"] == Decimal(320)


def test_help_explains_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", "--help"]) == 0
    text = capsys.readouterr().out
    for words in (".jsonl", ".csv", ".parquet", "error", "M_status", "--engine"):
        assert words in text
