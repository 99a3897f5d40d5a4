"""The resource limits in a batch: both engines write the same error rows, and SQL keeps the rest.

The DuckDB engine vouches only for rows within the batch's `Limits` and leaves the others to the
Python reader, which refuses them (PD313–PD317) with the same limits, as `policydsl eval` would. The
limits are lowered here so that rows just at and just past each of them are small.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

import policydsl
from policydsl.batch.inputs import _json_lines
from policydsl.batch.run import run_batch
from policydsl.profile import Limits
from tests.batch.helpers import AS_OF, DATA, write_csv

POLICY = policydsl.load(DATA / "nested.pol").policy

# (profile, the code of its error or None): each just within or just past a lowered limit.
ROWS: list[tuple[dict[str, Any], str | None]] = [
    ({"revenue": 3000, "projects": [{"investment": 1}, {"investment": 2}, {"investment": 3}]}, None),
    ({"projects": [{"investment": 1}] * 4}, "PD313"),  # max_list_items = 3
    ({"labels": ["green", "smart"]}, None),
    ({"projects": [{"phases": [{"cost": 1}] * 3}, {"phases": [{"cost": 200}] * 3}]}, "PD314"),  # 2 + 6 > 7
    ({"revenue": 3000, "projects": [{"phases": [{"cost": 1}] * 2}, {"phases": [{"cost": 200}] * 3}]}, None),  # 7
    ({"name": "12345"}, None),  # max_text_length = 5
    ({"name": "123456"}, "PD315"),
    ({"name": "智能产线项"}, None),  # five characters, fifteen bytes
    ({"projects": [{"name": "abcdef"}]}, "PD315"),
    ({"revenue": "150万元 "}, "PD315"),  # a valid amount, but a string of six characters
    ({"projects": [{"phases": [{}, {}]}, {}, {}]}, "PD317"),  # 2·3 + 3·3 + 3·2 = 21 > max_loop_work = 20
    # 2·2 + 2·2 + 2·3 = 14, the costs in the nested list unknown: both engines name each of them.
    ({"projects": [{"phases": [{}, {}, {}]}, {}]}, None),
    ({"revenue": 3000, "projects": [{"phases": [{"cost": 1}, {}, {}]}, {}]}, None),
]


SMALL = Limits(max_list_items=3, max_profile_items=7, max_text_length=5, max_loop_work=20)


def _both(source: Path, tmp_path: Path, limits: Limits) -> list[dict[str, Any]]:
    outputs, summaries = {}, {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{source.stem}-{engine}.parquet"
        summaries[engine] = run_batch(POLICY, source, out, as_of=AS_OF, params={}, engine=engine, limits=limits)
        outputs[engine] = pq.read_table(out).to_pylist()
    assert outputs["duckdb"] == outputs["python"]
    rows = outputs["duckdb"]
    errors = sum(1 for row in rows if row["error"] is not None)
    # The valid rows are evaluated in SQL, but for one: SQL measures strings in bytes, so it leaves
    # "智能产线项" (five characters, fifteen bytes) to Python, which reads it.
    assert summaries["duckdb"].by_python <= errors + 1
    return rows


def _check(rows: list[dict[str, Any]]) -> None:
    for row, (data, code) in zip(rows, ROWS, strict=True):
        if code is None:
            assert row["error"] is None, (data, row["error"])
        else:
            assert row["error"] is not None and f"error[{code}]" in row["error"], (data, row["error"])


def test_json_lines(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps(data, ensure_ascii=False) for data, _ in ROWS) + "\n", encoding="utf-8")
    _check(_both(source, tmp_path, SMALL))


def test_csv(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    write_csv(source, POLICY.schema.root, [data for data, _ in ROWS])
    _check(_both(source, tmp_path, SMALL))


def test_parquet(tmp_path: Path) -> None:
    phase = pa.struct([("cost", pa.int64())])
    project = pa.struct([("name", pa.string()), ("investment", pa.int64()), ("phases", pa.list_(phase))])
    schema = pa.schema([("name", pa.string()), ("revenue", pa.string()), ("labels", pa.list_(pa.string())),
                        ("projects", pa.list_(project))])
    table = pa.Table.from_pylist([{k: v if k != "revenue" or v is None else str(v) for k, v in data.items()}
                                  for data, _ in ROWS], schema=schema)
    source = tmp_path / "rows.parquet"
    pq.write_table(table, source)
    _check(_both(source, tmp_path, SMALL))


def test_a_json_line_past_the_byte_limit(tmp_path: Path) -> None:
    line = '{"name": "x"}'
    lines = [line + " " * (40 - len(line)), line + " " * (41 - len(line)), line]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = _both(source, tmp_path, Limits(max_profile_bytes=40))
    assert [row["error"] is None for row in rows] == [True, False, True]
    assert "error[PD316]" in rows[1]["error"]


def test_a_huge_json_line_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    line = '{"name": "x"}'
    huge = '{"name": "' + "x" * 100_000 + '"}'
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join([line, huge, line, huge]) + "\n", encoding="utf-8")
    # Each row holds at most one byte past the limit: enough to refuse it.
    assert [len(raw) for _, raw in _json_lines(source, 40)] == [len(line), 41, len(line), 41]
    rows = _both(source, tmp_path, Limits(max_profile_bytes=40))
    assert [row["error"] is None for row in rows] == [True, False, True, False]
    assert "error[PD316]" in rows[1]["error"] and "more than 40 bytes" in rows[1]["error"]


def _nested_lists(folder: Path, levels: int) -> Path:
    """A policy whose profiles can nest lists `levels` deep."""
    lines = ['policy t.nest { title "嵌套" }', 'entity e0 "层0" {', '  fact x "x" : bool', '  fact items "下层" : list of e1',
             "}"]
    for level in range(1, levels + 1):
        inner = f'  fact items "下层" : list of e{level + 1}\n' if level < levels else ""
        lines.append(f'entity e{level} "层{level}" {{\n  fact v "v" : integer\n{inner}}}')
    lines.append('measure M1 "m" {\n  benefit service s "s" { when x }\n}')
    path = folder / f"nested{levels}.pol"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lists_nested_past_the_limit_are_left_to_the_python_engine(tmp_path: Path) -> None:
    from policydsl.batch.duckdb_engine import MAX_LIST_DEPTH, list_depth
    from policydsl.cli import main

    assert list_depth(policydsl.load(DATA / "nested.pol").policy.schema) == 2
    deep = _nested_lists(tmp_path, MAX_LIST_DEPTH + 1)
    assert list_depth(policydsl.load(deep).policy.schema) == MAX_LIST_DEPTH + 1
    source = tmp_path / "rows.jsonl"
    source.write_text('{"x": true, "items": [{"v": 1, "items": []}]}\n', encoding="utf-8")
    out = tmp_path / "out.parquet"
    assert main(["batch", str(deep), str(source), "-o", str(out), "--engine", "duckdb"]) == 2
    assert not out.exists()
    assert main(["batch", str(deep), str(source), "-o", str(out), "--engine", "python"]) == 0
    assert pq.read_table(out).to_pylist()[0]["M1_status"] == "eligible"
