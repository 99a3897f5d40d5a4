"""Batch output: the rows of results, the writers of the three formats, and the summary.

The output has exactly one row per input row: `row`, `error` (the problems of an invalid row,
whose other columns are empty) and, per measure `M`, `M_status`, `M_total` (万元, exact) and
`M_unknowns` (sorted profile paths and parameter names); a measure in dated versions adds `M_version`,
a scored one `M_score`, `M_score_min` and `M_score_max` (exact decimals; the bounds are given
whenever the score is, and are the open score's bounds otherwise). Parquet keeps the types (DECIMAL(38, 10),
a list of strings); CSV and JSON Lines write totals as exact decimal text and unknowns as a JSON
array (CSV) or an array (JSON Lines).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from policydsl import model as m
from policydsl.atomic import cannot_write
from policydsl.diagnostics import Diagnostic, ProfileError
from policydsl.engine.closures import evaluate as evaluate_compiled
from policydsl.engine.loop_work import LoopWork
from policydsl.profile import Limits, ProfileReader
from policydsl.result import MeasureResult
from policydsl.values import Money, plain

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

TOTAL_SCALE = Decimal("1e-10")  # totals are DECIMAL(38, 10) of 万元, rounded half away from zero like SQL
# What a total column holds: 38 digits, 10 of them decimals. A total is rounded to its 10 decimals
# with as many digits as the column has (the default context's 28 would fail from 10^18 万元 on).
_TOTAL_CONTEXT = decimal.Context(prec=38, rounding=ROUND_HALF_UP, traps=[decimal.InvalidOperation])
_TOTAL_LIMIT = Decimal(10) ** 28
# The summary's sums of totals: exact however many rows (Python's default 28 digits would round them).
SUM_CONTEXT = decimal.Context(prec=80, traps=[decimal.Inexact, decimal.InvalidOperation])


@attrs.frozen
class GoalProgress:
    """How many profiles of the batch count toward a goal of the policy."""

    id: str
    label: str
    count: int
    at_least: int
    by: datetime.date | None


@attrs.frozen
class BatchSummary:
    """What a batch found: rows, error rows, statuses and totals per measure, goals."""

    rows: int
    errors: int
    statuses: dict[str, dict[str, int]]  # measure id → status → rows
    totals: dict[str, Decimal]  # measure id → the sum of its totals, 万元
    goals: tuple[GoalProgress, ...]
    engine: str
    by_python: int  # rows the DuckDB engine left to the Python reader (errors included)
    seconds: float


# ---- output rows -------------------------------------------------------------------------------


def output_schema(policy: m.Policy) -> pa.Schema:
    import pyarrow as pa  # type: ignore[import-untyped]

    fields = [pa.field("row", pa.int64(), nullable=False), pa.field("error", pa.string())]
    for measure in policy.measures:
        fields += [pa.field(f"{measure.id}_status", pa.string()),
                   pa.field(f"{measure.id}_total", pa.decimal128(38, 10)),
                   pa.field(f"{measure.id}_unknowns", pa.list_(pa.string()))]
        outcome = outcome_columns(measure)
        if "version" in outcome:
            fields.append(pa.field(f"{measure.id}_version", pa.string()))
        fields += [pa.field(f"{measure.id}_{part}", pa.decimal128(38, 10)) for part in outcome if part != "version"]
    return pa.schema(fields)


def outcome_columns(measure: m.Measure) -> tuple[str, ...]:
    """The outcome columns of a measure beyond status, total and unknowns."""
    every = measure.versions or (measure,)
    parts: tuple[str, ...] = ("version",) if measure.versions else ()
    if any(v.score is not None for v in every):
        parts += ("score", "score_min", "score_max")
    return parts


def _width(policy: m.Policy) -> int:
    return sum(3 + len(outcome_columns(measure)) for measure in policy.measures)


def _outcome_values(measure: MeasureResult, parts: tuple[str, ...]) -> list[object]:
    values: list[object] = []
    score = measure.score
    for part in parts:
        if part == "version":
            values.append(measure.version)
            continue
        if score is None:
            values.append(None)
            continue
        total = score.total
        known = isinstance(total, int | Decimal)
        value = total if part == "score" or known else getattr(total, "low" if part == "score_min" else "high")
        values.append(None if value is None or (part == "score" and not known) else Decimal(value))  # type: ignore[arg-type]
    return values


def error_text(error: ProfileError) -> str:
    """The problems of an invalid row on one line: `path: error[PDnnn]: message (help: …)`."""
    parts = []
    for diagnostic in error.diagnostics:
        where = f"{diagnostic.path}: " if diagnostic.path else ""
        hint = f" (help: {diagnostic.hint})" if diagnostic.hint else ""
        parts.append(f"{where}{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}{hint}")
    return "; ".join(parts)


@attrs.define
class Rows:
    """Output rows gathered column by column, for one Arrow batch."""

    schema: pa.Schema
    columns: list[list[object]] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.columns = [[] for _ in self.schema]

    def __len__(self) -> int:
        return len(self.columns[0])

    def add(self, values: list[object]) -> None:
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)

    def batch(self) -> pa.RecordBatch:
        import pyarrow as pa  # type: ignore[import-untyped]

        arrays = [pa.array(values, field.type) for values, field in zip(self.columns, self.schema, strict=True)]
        self.columns = [[] for _ in self.schema]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


@attrs.frozen
class RowReader:
    """What reads the rows of one batch in Python: the policy, its profile reader and its loop work,
    under the batch's limits (the DuckDB engine's input checks are built from the same limits)."""

    policy: m.Policy
    profile: ProfileReader
    loops: LoopWork

    @property
    def limits(self) -> Limits:
        return self.profile.limits

    @classmethod
    def of(cls, policy: m.Policy, limits: Limits) -> RowReader:
        return cls(policy, ProfileReader(policy.schema, limits), LoopWork(policy, limits))


def evaluate_row(reader: RowReader, number: int, raw: object, params: Mapping[str, object], as_of: datetime.date,
                 goals: dict[str, int] | None = None) -> list[object]:
    """One output row, by the Python reader and engine; goals met by it are counted in `goals`."""
    policy = reader.policy
    try:
        facts = reader.profile.read(raw)
        reader.loops.check(facts.values)
    except ProfileError as error:
        return [number, error_text(error)] + [None] * _width(policy)
    try:
        result = evaluate_compiled(policy, facts.values, params, as_of)
        values: list[object] = [number, None]
        for model, measure in zip(policy.measures, result.measures, strict=True):
            values += [measure.status, _total(measure.id, measure.total), list(measure.unknowns)]
            parts = outcome_columns(model)
            if parts:
                values += _outcome_values(measure, parts)
    except _BeyondRange as beyond:
        return [number, error_text(ProfileError([beyond.diagnostic]))] + [None] * _width(policy)
    except ArithmeticError as error:  # Python's decimals: an operation without an exact result
        diagnostic = Diagnostic("PD318", f"the evaluation of this profile leaves the exact range of numbers "
                                f"({type(error).__name__})", hint=_BEYOND_HINT)
        return [number, error_text(ProfileError([diagnostic]))] + [None] * _width(policy)
    if goals is not None:
        for goal_id, met in result.goals:
            if met is True:
                goals[goal_id] = goals.get(goal_id, 0) + 1
    return values


_BEYOND_HINT = "the row's values are each within the limits, but together too large to compute exactly: check them"


class _BeyondRange(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _total(measure_id: str, total: Money | None) -> Decimal | None:
    """A measure's total as the output column holds it: 万元, 10 decimals, less than 10^28."""
    if total is None:
        return None
    value = total.in_unit()
    try:
        if value.is_finite() and abs(value) < _TOTAL_LIMIT:
            return value.quantize(TOTAL_SCALE, context=_TOTAL_CONTEXT)
    except decimal.InvalidOperation:  # rounds up to 10^28
        pass
    raise _BeyondRange(Diagnostic(
        "PD318", f"the total of {measure_id} (about 10^{value.adjusted()} 万元) is beyond what a total holds exactly "
        "(less than 10^28 万元, to 10 decimals)", path=f"{measure_id}_total", hint=_BEYOND_HINT))


# ---- writing -------------------------------------------------------------------------------------


class Writer:
    """Writes output batches as Parquet, CSV or JSON Lines into `path` (a temporary file, see
    `atomic`); a failure to write is PD408 about `shown`, the output's own name."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema, shown: Path | None = None) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.csv as pcsv  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        self.format = fmt
        self.shown = shown or path
        self.parquet: Any = None
        self.csv: Any = None
        self.text: Any = None
        with self._writing():
            if fmt == ".parquet":
                self.parquet = pq.ParquetWriter(path, schema, compression="zstd")
            elif fmt == ".csv":
                text_schema = pa.schema([pa.field(f.name, pa.int64() if f.name == "row" else pa.string())
                                         for f in schema])
                self.csv = pcsv.CSVWriter(path, text_schema)
                self.csv_schema = text_schema
            else:
                self.text = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:  # a full disk, a file size limit, a folder gone
            raise cannot_write(self.shown, error) from None

    @contextlib.contextmanager
    def open(self) -> Iterator[Writer]:
        """The writer, closed (the file complete) when the block ends, or abandoned on a failure."""
        try:
            yield self
        except BaseException:
            self.abandon()
            raise
        self.close()

    def write(self, batch: pa.RecordBatch) -> None:
        with self._writing():
            self._write(batch)

    def _write(self, batch: pa.RecordBatch) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        if self.parquet is not None:
            self.parquet.write_batch(batch)
            return
        if self.csv is not None:
            columns = []
            for name, column in zip(batch.schema.names, batch.columns, strict=True):
                if pa.types.is_decimal(column.type):  # totals and scores: exact decimal text
                    column = pa.array([plain(v) if v is not None else None for v in column.to_pylist()], pa.string())
                elif name.endswith("_unknowns"):
                    column = pa.array([json.dumps(v, ensure_ascii=False) if v is not None else None
                                       for v in column.to_pylist()], pa.string())
                columns.append(column)
            self.csv.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.csv_schema))
            return
        lines = []
        for record in batch.to_pylist():
            for key, value in record.items():
                if isinstance(value, Decimal):
                    record[key] = plain(value)
            lines.append(json.dumps(record, ensure_ascii=False))
        self.text.write("\n".join(lines) + "\n")

    def close(self) -> None:
        with self._writing():
            for handle in (self.parquet, self.csv, self.text):
                if handle is not None:
                    handle.close()

    def abandon(self) -> None:
        """Close without caring whether the rest reaches the disk (the file is about to be removed)."""
        for handle in (self.parquet, self.csv, self.text):
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()


# ---- the summary ----------------------------------------------------------------------------


@attrs.define
class Tally:
    """The summary, counted batch by batch."""

    policy: m.Policy
    rows: int = 0
    errors: int = 0
    statuses: dict[str, dict[str, int]] = attrs.Factory(dict)
    totals: dict[str, Decimal] = attrs.Factory(dict)
    goals: dict[str, int] = attrs.Factory(dict)
    open_rows: int = 0  # rows of a file DuckDB wrote whose measures name unknowns (`duckdb_engine._refined`)

    def add(self, batch: pa.RecordBatch) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        self.rows += batch.num_rows
        self.errors += batch.num_rows - batch.column("error").null_count
        for measure in self.policy.measures:
            counts = self.statuses.setdefault(measure.id, {})
            for entry in pc.value_counts(batch.column(f"{measure.id}_status")).to_pylist():
                if entry["values"] is not None:
                    counts[entry["values"]] = counts.get(entry["values"], 0) + entry["counts"]
            # Summed with 76 digits: a sum of DECIMAL(38, 10) values overflows (and wraps round) at 38.
            total = pc.sum(batch.column(f"{measure.id}_total").cast(pa.decimal256(76, 10))).as_py()
            if total is not None:
                self.totals[measure.id] = SUM_CONTEXT.add(self.totals.get(measure.id, Decimal(0)), total)

    def summary(self, engine: str, by_python: int, seconds: float) -> BatchSummary:
        goals = tuple(GoalProgress(g.id, g.label, self.goals.get(g.id, 0), g.at_least, g.by) for g in self.policy.goals)
        statuses = {m.id: dict(sorted(self.statuses.get(m.id, {}).items())) for m in self.policy.measures}
        totals = {m.id: self.totals.get(m.id, Decimal(0)) for m in self.policy.measures}
        return BatchSummary(self.rows, self.errors, statuses, totals, goals, engine, by_python, seconds)


def summary_lines(summary: BatchSummary, policy: m.Policy, output: str, as_of: datetime.date) -> list[str]:
    """The summary as text: rows and errors, statuses and totals per measure, goals."""
    engine = f"{summary.engine} engine"
    if summary.engine == "duckdb" and summary.by_python:
        engine += f"; {_rows(summary.by_python)} read by Python"
    lines = [f"{summary.rows:,} profiles → {output} in {summary.seconds:.1f} s ({engine}), as of {as_of}"]
    if summary.errors:
        lines.append("1 row is not a valid profile: its error column says why" if summary.errors == 1 else
                     f"{summary.errors:,} rows are not valid profiles: their error column says why")
    header = ["measure", *m.STATUSES, "total (万元)"]
    table = [header]
    for measure in policy.measures:
        counts = summary.statuses.get(measure.id, {})
        total = summary.totals.get(measure.id)
        table.append([measure.id, *(f"{counts.get(s, 0):,}" for s in m.STATUSES),
                      plain(total) if total else "-"])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines.append("")
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    if summary.goals:
        lines += ["", "goals"]
        for goal in summary.goals:
            share = f"{100 * goal.count / goal.at_least:.0f}%" if goal.at_least else "-"
            by = f" by {goal.by}" if goal.by else ""
            state = "met" if goal.count >= goal.at_least else "not yet met"
            lines.append(f"  {goal.id} {goal.label}: {goal.count:,} of at least {goal.at_least:,}{by} "
                         f"({share}, {state})")
    return lines


def _rows(count: int) -> str:
    return f"{count:,} row" + ("s" if count != 1 else "")
