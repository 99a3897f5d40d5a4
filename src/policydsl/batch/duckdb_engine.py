"""The DuckDB engine of a batch: check the table in SQL, evaluate it with the compiled query, and
merge back, in row order, the rows that the Python reader decides.

The statements come from `batch_plan` (built once and kept; this module builds no SQL, so a
batch whose plan is kept does not import sqlglot). With Parquet output, DuckDB writes
the file itself, marking in it the rows SQL cannot vouch for, so that valid input — nearly every
batch — is read once; the file is then tallied and the goals counted. Where some row is left to
Python, the results stream through Python instead, which evaluates the other rows
(`batch_output.evaluate_row`) and writes the merged rows over the same (temporary) file.

SQL is Kleene's logic without the bounds of unknown numbers or the completions of finite unknowns
(docs/semantics.md, "Exact unknowns"): a row whose measures name unknowns may be decided, or name
fewer, in Python. So such rows are evaluated again by the Python engine as the results stream
(`_refined`), and when DuckDB wrote the file itself and the tally finds such rows, the results are
streamed through Python over the same (temporary) file before it is renamed: the statuses, totals
and unknowns of a batch are `evaluate()`'s.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from policydsl import interrupts
from policydsl import model as m
from policydsl.atomic import cannot_write
from policydsl.batch.inputs import CHUNK, Source, one_line
from policydsl.batch.outputs import SUM_CONTEXT, RowReader, Rows, Tally, Writer, evaluate_row, output_schema
from policydsl.batch.plan import ARROW, RAW, RAW_FILE, ROW, UNCHECKED, WRITTEN, Plan, plan, possible_statuses
from policydsl.diagnostics import Diagnostic, UsageError
from policydsl.model import STATUSES
from policydsl.sql.shapes import KEY, TOTAL_TYPE, SqlUnsupported

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped]

Progress = Callable[[int, int], None]

__all__ = ["MAX_LIST_DEPTH", "UNCHECKED", "list_depth", "run_duckdb", "watch"]


def run_duckdb(reader: RowReader, source: Source, output: Path, out_format: str, params: Mapping[str, object],
               as_of: datetime.date, tally: Tally, report: Progress, shown: Path | None = None) -> int:
    """Evaluate `source` into `output`; returns the number of rows left to the Python reader, which
    reads them with `reader` (the SQL checks are built from the same limits). `output` is a new
    file to fill (`atomic`), named `shown` in messages; a query stops when the command is
    interrupted (`interrupts`); DuckDB's failures are PD408 (the output) or PD309 (the input)."""
    import duckdb

    policy = reader.policy
    depth = list_depth(policy.schema)
    if depth > MAX_LIST_DEPTH:
        raise UsageError([Diagnostic(
            "PD406", f"the duckdb engine checks lists nested at most {MAX_LIST_DEPTH} deep in its input, and this "
            f"policy's profiles nest lists {depth} deep",
            hint="run the batch with --engine python")])
    connection = duckdb.connect()
    with _guarded(connection, source, output, shown or output):
        connection.execute("SET enable_progress_bar = true")
        connection.execute("SET enable_progress_bar_print = false")
        # DuckDB returns memory to the system after large frees; a batch frees and takes again the
        # same few hundred megabytes all along, and giving them back costs a third of its time.
        connection.execute("SET allocator_bulk_deallocation_flush_threshold = '2GB'")
        origins, json_line, layout = _input_view(connection, source)
        try:
            statements = plan(policy, params, as_of, layout, origins, json_line, reader.limits)
        except SqlUnsupported as error:
            raise UsageError([Diagnostic("PD406", f"the duckdb engine cannot evaluate this policy: {error}",
                                         hint="run the batch with --engine python")]) from None
        for view in statements.views:
            connection.execute(view)
        # DuckDB names the file's columns after the query's, which are the output names unless two
        # measure ids differ only in case (`SqlCompiler.output_names`); then Python writes the file.
        schema = output_schema(policy)
        as_named = list(statements.columns) == schema.names[2:]
        if out_format == ".parquet" and as_named and _all_in_sql(connection, statements, output, policy, as_of, tally,
                                                                 report, source.count) and not tally.open_rows:
            _count_goals(connection, statements, policy, tally, every_row_clean=True)
            return 0
        # Some rows are left to Python: they are evaluated there and merged back in row order.
        tally.rows = tally.errors = 0
        tally.statuses.clear()
        tally.totals.clear()
        by_python = _count_goals(connection, statements, policy, tally, every_row_clean=False)
        stream = _refined(_stream(connection, statements, schema), reader, source, params, as_of)
        fallback = _python_rows(reader, source, by_python, params, as_of, tally.goals)
        with Writer(output, out_format, schema, shown=shown).open() as writer:
            for batch in _merge(stream, fallback, schema):
                writer.write(batch)
                tally.add(batch)
                report(tally.rows, source.count)
        if tally.rows != source.count:  # pragma: no cover - a broken invariant, not a user's mistake
            raise RuntimeError(f"the batch wrote {tally.rows} rows for {source.count} input rows")
        return len(by_python)


@contextlib.contextmanager
def _guarded(connection: duckdb.DuckDBPyConnection, source: Source, output: Path, shown: Path) -> Iterator[None]:
    """The connection's queries stopped by an interrupt, DuckDB's failures said as what they are
    about (writing the output, or reading the input), and the connection closed."""
    import duckdb

    try:
        with interrupts.cancelling(connection.interrupt):
            yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except (duckdb.InternalError, duckdb.NotSupportedError, duckdb.BinderException, duckdb.CatalogException,
            duckdb.ParserException):
        raise  # about policydsl's own statements: a bug
    except (duckdb.Error, OSError) as error:  # OSError: DuckDB's error through an Arrow stream
        message = one_line(str(error))
        if output.name in message:  # DuckDB writes `tmp_NAME` and renames it: the name is in the message
            code = re.search(r'"errno":\s*"(\d+)"', message)
            raise cannot_write(shown, OSError(int(code[1]), os.strerror(int(code[1]))) if code else message) from None
        raise UsageError([Diagnostic("PD309", f"cannot read {source.path}: {message}", path=str(source.path),
                                     hint=f"the input must be a whole, readable {source.format[1:]} file")]) from None
    finally:
        connection.close()


# The input checks of a row grow about 2.3× with every level of lists inside lists (8 levels: ~2 s
# to plan, 12: ~26 s, ~120: past Python's recursion), so deeper schemas are left to Python.
MAX_LIST_DEPTH = 8


def list_depth(schema: m.Schema) -> int:
    """How many lists deep a profile of this schema can nest (an entity inside itself counts once)."""
    deepest = 0
    stack: list[tuple[str, int, frozenset[str]]] = [(schema.root.name, 0, frozenset())]
    entities = {schema.root.name: schema.root, **schema.entities}
    while stack:
        name, depth, seen = stack.pop()
        deepest = max(deepest, depth)
        for fact in entities[name].facts:
            inner = fact.type.entity
            if fact.type.kind == "list" and inner in entities and inner not in seen:
                stack.append((inner, depth + 1, seen | {name}))
    return deepest


def _all_in_sql(connection: duckdb.DuckDBPyConnection, statements: Plan, output: Path, policy: m.Policy,
                as_of: datetime.date, tally: Tally, report: Progress, total: int) -> bool:
    """DuckDB writes the Parquet file itself, in parallel; True unless some row is left to Python
    (those rows are marked in the file, which Python then writes again)."""
    _copy(connection, statements, output, total, report)
    _tally_file(connection, statements, output, policy, as_of, tally)
    return not tally.errors  # only marked rows can have an error here


def _count_goals(connection: duckdb.DuckDBPyConnection, statements: Plan, policy: m.Policy, tally: Tally,
                 every_row_clean: bool) -> list[int]:
    """Count the goals met by the rows SQL vouches for; returns the other rows, in order."""
    query = statements.goals_all if every_row_clean else statements.goals_some
    if query is None:  # no goals, and every row clean
        return []
    (row,) = connection.execute(query).fetchall()
    counts = row if every_row_clean else row[1:]
    for goal, count in zip(policy.goals, counts, strict=True):
        tally.goals[goal.id] = int(count or 0)  # no rows: NULL
    return [] if every_row_clean else sorted(row[0] or [])


def _input_view(connection: duckdb.DuckDBPyConnection,
                source: Source) -> tuple[dict[str, str], str | None, str]:
    """Open the input for the plan's views; returns the raw columns' origins, the JSON column and
    the input's layout for the plan (its format, or ARROW)."""
    if source.format == ".parquet" and _ROW_NUMBER not in source.columns:
        relation = connection.read_parquet(str(source.path), file_row_number=True)
        relation.create_view(RAW_FILE)
        kinds = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
        kinds.pop(_ROW_NUMBER, None)
        return kinds, None, source.format
    connection.register(RAW, source.table())
    if source.format == ".jsonl":
        return {}, "line", source.format
    if source.format == ".parquet":  # a fact named like DuckDB's row number: the file is read by Arrow
        relation = connection.table(RAW)
        kinds = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
        kinds.pop(ROW)
        return kinds, None, ARROW
    return dict.fromkeys(source.columns, "text"), None, source.format


# The column DuckDB adds to a Parquet file for its row numbers; it cannot be given another name, and
# a file that has a column of that name (a fact's) cannot be read with it.
_ROW_NUMBER = "file_row_number"


def _copy(connection: duckdb.DuckDBPyConnection, statements: Plan, output: Path, total: int,
          report: Progress) -> None:
    """DuckDB writes the Parquet file itself, in parallel and in row order."""
    stop = watch(connection, total, report)
    try:
        connection.execute(statements.copy, [str(output)]).fetchall()  # a finished result frees the connection
    finally:
        stop()
    report(total, total)


def _tally_file(connection: duckdb.DuckDBPyConnection, statements: Plan, output: Path, policy: m.Policy,
                as_of: datetime.date, tally: Tally) -> None:
    connection.read_parquet(str(output)).create_view(WRITTEN)
    (found,) = connection.execute(statements.tally).fetchall()
    tally.rows, tally.errors = int(found[0]), int(found[1])
    values = iter(found[2:])
    for measure in policy.measures:
        rest = int(next(values))  # the rows with a status
        counts: dict[str, int] = {}
        *counted, last = possible_statuses(measure, as_of)
        for status in counted:
            counts[status] = int(next(values) or 0)  # no rows: NULL
            rest -= counts[status]
        counts[last] = rest
        tally.statuses[measure.id] = {s: n for s in STATUSES if (n := counts.get(s, 0))}
        whole, decimals = next(values), next(values)  # `batch_statements._tally`: summed apart
        if whole is not None:
            fraction = SUM_CONTEXT.scaleb(Decimal(int(decimals)), -TOTAL_TYPE[1])
            tally.totals[measure.id] = SUM_CONTEXT.add(Decimal(int(whole)), fraction)
    tally.open_rows = int(next(values) or 0)


def _stream(connection: duckdb.DuckDBPyConnection, statements: Plan, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The results of the clean rows, in row order, as batches of the output schema (the columns
    are taken by position, and given the output names)."""
    for batch in connection.sql(statements.stream).to_arrow_reader(CHUNK):
        yield _conform(batch, schema)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa  # type: ignore[import-untyped]

    arrays = [column if column.type == field.type else column.cast(field.type)
              for column, field in zip(batch.columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _refined(stream: Iterator[pa.RecordBatch], reader: RowReader, source: Source, params: Mapping[str, object],
             as_of: datetime.date) -> Iterator[pa.RecordBatch]:
    """The SQL batches with each row whose measures name unknowns evaluated again by the Python
    engine (its bounds and completions may decide it, or name fewer unknowns). The input is read
    for them in one pass, in row order, and only once a batch has such a row."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    policy = reader.policy
    raw_rows: Iterator[tuple[int, object]] | None = None
    for batch in stream:
        named = [pc.fill_null(pc.greater(pc.list_value_length(batch.column(f"{m_.id}_unknowns")), 0), False)
                 for m_ in policy.measures]
        if not named or not pc.any(_either(named)).as_py():
            yield batch
            continue
        raw_rows = raw_rows if raw_rows is not None else source.rows(policy.schema)
        flags = _either(named).to_pylist()
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for position, number in enumerate(columns[0]):
            if not flags[position]:
                continue
            raw = next((raw for found, raw in raw_rows if found == number), _MISSING)
            if raw is _MISSING:  # pragma: no cover - a broken invariant: the input has every output row
                raise RuntimeError(f"row {number} is not in the input")
            again = evaluate_row(reader, number, raw, params, as_of)  # goals: SQL counted this clean row
            if again[1] is not None:  # pragma: no cover - SQL and Python check rows alike
                raise RuntimeError(f"row {number}: SQL found it valid, Python did not: {again[1]}")
            for column, value in zip(columns[2:], again[2:], strict=True):
                column[position] = value
        yield pa.RecordBatch.from_arrays([pa.array(values, field.type) for values, field in
                                          zip(columns, batch.schema, strict=True)], schema=batch.schema)


_MISSING = object()


def _either(flags: list[pa.Array]) -> pa.Array:
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    result = flags[0]
    for flag in flags[1:]:
        result = pc.or_(result, flag)
    return result


def _python_rows(reader: RowReader, source: Source, wanted: Sequence[int], params: Mapping[str, object],
                 as_of: datetime.date, goals: dict[str, int]) -> Iterator[list[object]]:
    if not wanted:
        return
    for number_, raw in source.rows(reader.policy.schema, wanted):
        yield evaluate_row(reader, number_, raw, params, as_of, goals)


def _merge(stream: Iterator[pa.RecordBatch], fallback: Iterator[list[object]],
           schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The SQL batches with the Python rows put back in their places (both in row order)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    pending = next(fallback, None)
    for batch in stream:
        if batch.num_rows == 0:
            continue
        last = batch.column(0)[-1].as_py()
        rows = Rows(schema)
        while pending is not None and pending[0] < last:  # type: ignore[operator]
            rows.add(pending)
            pending = next(fallback, None)
        if not len(rows):
            yield batch
            continue
        table = pa.Table.from_batches([rows.batch(), batch])
        yield from table.sort_by(KEY).combine_chunks().to_batches()
    rows = Rows(schema)
    while pending is not None:
        rows.add(pending)
        if len(rows) >= CHUNK:
            yield rows.batch()
        pending = next(fallback, None)
    if len(rows):
        yield rows.batch()


def watch(connection: duckdb.DuckDBPyConnection, total: int, report: Progress) -> Callable[[], None]:
    """Report a running query's progress from another thread; returns the function that stops it."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            try:
                done = connection.query_progress()
            except Exception:
                return
            if done >= 0:
                report(int(total * done / 100), total)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join()

    return finish
