"""Batch evaluation: a table of profiles in, one row of results per profile out, and a summary.

Two engines give the same output. `python` reads each row with `read_profile` and evaluates it
with the compiled Python path. `duckdb` reads and checks the whole table in SQL
(`batch_validate`), evaluates it with the policy compiled to SQL (`evaluate.sql`), and hands the
rows SQL cannot vouch for — invalid ones, or values beyond the SQL types — to the Python reader
and engine, merging their results back in row order (`batch_sql`). The output is described in
`batch_output`, the input tables in `batch_input`.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from policydsl import atomic
from policydsl import model as m
from policydsl.batch.duckdb_engine import run_duckdb
from policydsl.batch.inputs import CHUNK, Source, open_source, table_format
from policydsl.batch.outputs import (
    BatchSummary,
    GoalProgress,
    RowReader,
    Rows,
    Tally,
    Writer,
    evaluate_row,
    output_schema,
)
from policydsl.diagnostics import Diagnostic, UsageError
from policydsl.profile import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

ENGINES = ("duckdb", "python")
Progress = Callable[[int, int], None]  # (rows done, rows in all)

__all__ = ["ENGINES", "BatchSummary", "GoalProgress", "run_batch"]


# ---- the engines ------------------------------------------------------------------------------


def run_batch(policy: m.Policy, input_path: Path, output_path: Path, *, as_of: datetime.date,
              params: Mapping[str, object], engine: str = "duckdb", progress: Progress | None = None,
              limits: Limits = DEFAULT_LIMITS) -> BatchSummary:
    """Evaluate every row of `input_path` and write one output row per input row to `output_path`.

    `params` are typed parameter values (`PolicySet.read_params`); `limits` are the resource limits
    of a row, which both engines apply alike (`PolicySet.limits`). Raises UsageError for an input
    that cannot be read as a whole (missing file, a column that is not a fact), an output whose
    format is unknown, that is the input (PD407) or that cannot be written (PD408); a row that is
    not a valid profile becomes an error row. The output is written under a temporary name and
    renamed when complete (`atomic`): after a failure or an interrupt no part of it exists.

    >>> summary = run_batch(policies.policy, Path("firms.parquet"), Path("out.parquet"),
    ...                     as_of=date(2024, 6, 1), params={})
    """
    started = time.perf_counter()
    out_format = table_format(output_path, "output")
    if engine not in ENGINES:
        raise UsageError([Diagnostic("PD404", f"unknown engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")])
    if atomic.same_file(input_path, output_path):
        raise UsageError([Diagnostic(
            "PD407", f"the output {output_path} is the input file", path=str(output_path),
            hint="write the results to another file: the input is read while the output is written")])
    atomic.check_folder(output_path)
    source = open_source(input_path, policy.schema, limits)
    reader = RowReader.of(policy, limits)
    tally = Tally(policy)
    report = progress or (lambda done, total: None)
    with atomic.replacing(output_path) as temporary:
        if engine == "python":
            with Writer(temporary, out_format, output_schema(policy), shown=output_path).open() as writer:
                for batch in _python_batches(reader, source, params, as_of, tally.goals):
                    writer.write(batch)
                    tally.add(batch)
                    report(tally.rows, source.count)
            by_python = source.count
        else:
            by_python = run_duckdb(reader, source, temporary, out_format, params, as_of, tally, report,
                                   shown=output_path)
    return tally.summary(engine, by_python, time.perf_counter() - started)


def _python_batches(reader: RowReader, source: Source, params: Mapping[str, object], as_of: datetime.date,
                    goals: dict[str, int]) -> Iterator[pa.RecordBatch]:
    rows = Rows(output_schema(reader.policy))
    for number, raw in source.rows(reader.policy.schema):
        rows.add(evaluate_row(reader, number, raw, params, as_of, goals))
        if len(rows) >= CHUNK:
            yield rows.batch()
    if len(rows):
        yield rows.batch()
