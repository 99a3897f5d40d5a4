"""A policy's facts never collide with the names the DuckDB batch uses for itself (issue 19): its
columns (`clean`, `row`, DuckDB's `file_row_number`, the checks' own), views, aliases and lambda
variables. A fact named `clean` made every row of the DuckDB engine look valid; one named `row`
was refused, and one named `file_row_number` stopped a Parquet batch with a binder error."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from tests.batch.helpers import DATA

POLICY = DATA / "internal_names"
FLAGS = ["clean", "element", "raw", "read", "typed", "l1", "raw_input", "raw_file", "checked", "results", "written",
         "_facts", "_trusted", "_ok_row", "M1_status"]
COUNTS = ["row", "file_row_number", "key", "limit0", "_value_row"]
GOOD: dict[str, Any] = {**dict.fromkeys(FLAGS, True), "error": False, **dict.fromkeys(COUNTS, 1), "line": "好",
                        "item": 10, "part": 5,
                        "projects": [{"item": 100, "key": "intelligent_upgrade", "element": True},
                                     {"item": 7, "key": "other", "element": True}]}

# Row by row: the profile, and what the output says of it (an error's code and fact, or M1 and M2).
CASES: list[tuple[dict[str, Any], tuple[str, ...]]] = [
    (GOOD, ("eligible", "15", "eligible", "100")),  # 10 + 5; only the first project's key qualifies
    ({**GOOD, "clean": "yes"}, ("PD301", "clean")),
    ({**GOOD, "row": -1}, ("PD304", "row")),
    ({**GOOD, "file_row_number": -5}, ("PD304", "file_row_number")),
    ({**GOOD, "projects": [{"item": 1, "key": "bad"}]}, ("PD303", "projects[0].key")),
    ({**GOOD, "_value_row": "many"}, ("PD301", "_value_row")),
    ({**GOOD, "error": True}, ("not_eligible", None, "eligible", "100")),
    ({k: v for k, v in GOOD.items() if k != "clean"}, ("undetermined", None, "eligible", "100")),
]


def cases(fmt: str) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """The cases a file of this format can hold: a typed Parquet column has no string "yes" for a bool."""
    return [case for case in CASES if fmt != ".parquet" or case[1][0] != "PD301"]


def write_input(folder: Path, fmt: str) -> Path:
    profiles = [profile for profile, _ in cases(fmt)]
    path = folder / f"in{fmt}"
    if fmt == ".jsonl":
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profiles), encoding="utf-8")
        return path
    names = list(GOOD)
    if fmt == ".csv":
        def cell(value: Any) -> str | None:
            if value is None:
                return None
            if isinstance(value, bool):
                return str(value).lower()
            return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)

        pcsv.write_csv(pa.table({n: pa.array([cell(p.get(n)) for p in profiles], pa.string()) for n in names}), path)
        return path
    table = {n: pa.array([p.get(n) for p in profiles]) for n in names}
    table["projects"] = pa.array([json.dumps(p.get("projects"), ensure_ascii=False) for p in profiles])
    pq.write_table(pa.table(table), path)
    return path


@pytest.mark.parametrize("fmt", [".jsonl", ".csv", ".parquet"])
def test_facts_named_like_internal_columns_read_alike_in_both_engines(tmp_path: Path, fmt: str) -> None:
    source = write_input(tmp_path, fmt)
    policies = policydsl.load(POLICY)
    found = {}
    for engine in ("python", "duckdb"):
        output = tmp_path / f"{engine}.jsonl"
        policies.batch(source, output, engine=engine, as_of=datetime.date(2024, 6, 1))
        found[engine] = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert found["duckdb"] == found["python"]
    for row, (_, expected) in zip(found["duckdb"], cases(fmt), strict=True):
        if expected[0].startswith("PD"):
            code, fact = expected
            assert row["error"] is not None and row["error"].startswith(f"{fact}: error[{code}]"), (row, expected)
            assert row["M1_status"] is None
        else:
            assert row["error"] is None, row
            assert (row["M1_status"], row["M1_total"], row["M2_status"], row["M2_total"]) == expected
    assert [row["row"] for row in found["duckdb"]] == list(range(1, len(cases(fmt)) + 1))


def test_a_fact_named_row_in_a_warehouse_query_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    """`policydsl sql` reads a table whose key column is `row`: a fact cannot have that name there."""
    from policydsl.cli import main

    assert main(["sql", str(POLICY), "--as-of", "2024-06-01"]) == 2
    err = capsys.readouterr().err
    assert "error[PD406]" in err and "the fact `row` of `enterprise` has the name of the query's key column" in err
