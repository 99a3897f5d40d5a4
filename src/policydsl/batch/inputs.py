"""Batch input: tables of profiles (.jsonl, .csv, .parquet) → rows, and typed facts → Arrow tables.

How a row of an input table becomes an enterprise profile:

- `.jsonl`: each line is one profile, the JSON object `policydsl eval` reads from a file.
- `.csv`: one column per fact of the root entity, named as the fact; an empty cell is an unknown
  fact. A cell is text read by the fact's type: `true`/`false`; a whole number; a number; money
  as `150` (万元) or with its unit (`150万元`, `1.5亿元`, `1500000元`); a ratio as `0.035` or
  `3.5%`; a date `2024-06-01`; an enum value. A set is a JSON array (`["a", "b"]`) or the values
  separated by commas (`a,b`); a list of items (such as `projects`) is a JSON array of objects.
- `.parquet`: one column per fact, typed as in a JSON profile (booleans, integers, floats or
  decimals, strings; dates as DATE or `YYYY-MM-DD` strings). A set is a list of strings or a
  string as in CSV; a list of items is a list of structs (their fields the item's facts) or a
  JSON string.

A column that is not a fact is an error of the whole input (PD302), reported before any row is
read. Rows are numbered from 1 in the order of the file (JSON Lines: the line number).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from policydsl import model as m
from policydsl.batch.plan import ROW
from policydsl.diagnostics import Diagnostic, UsageError, did_you_mean
from policydsl.profile import Limits
from policydsl.sql.shapes import INTEGER_TYPE, MONEY_TYPE, NUMBER_TYPE
from policydsl.values import Money

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

FORMATS = (".jsonl", ".csv", ".parquet")
CHUNK = 10_000


def table_format(path: str | Path, what: str = "input") -> str:
    """The format a file name says: .jsonl (or .json for JSON Lines input), .csv or .parquet."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json" and what == "input":
        suffix = ".jsonl"
    if suffix not in FORMATS:
        raise UsageError([Diagnostic(
            "PD404", f"cannot tell the format of the {what} {str(path)!r} from its name", path=str(path),
            hint=f"name the file with one of the endings {', '.join(FORMATS)}")])
    return suffix


# ---- typed facts → the Arrow table the compiled query reads ---------------------------------


def arrow_type(typ: m.Type, schema: m.Schema) -> pa.DataType:
    import pyarrow as pa  # type: ignore[import-untyped]

    kind = typ.kind
    if kind in ("money", "decimal", "ratio", "points"):
        return pa.decimal128(*(MONEY_TYPE if kind == "money" else NUMBER_TYPE))
    simple = {"bool": pa.bool_(), "integer": pa.int64(), "date": pa.date32(), "text": pa.string(),
              "enum": pa.string(), "set": pa.list_(pa.string())}
    if kind in simple:
        return simple[kind]
    if kind == "series":  # year → value (SQL refuses reading series, PD406; the table still holds them)
        return pa.map_(pa.int64(), arrow_type(typ.element_type(), schema))
    entity = schema.entities[typ.entity or ""]
    struct = pa.struct([pa.field(f.name, arrow_type(f.type, schema)) for f in entity.facts])
    return struct if kind == "entity" else pa.list_(struct)  # a record is one struct


_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_TYPE[1])
_NUMBER_QUANTUM = Decimal(1).scaleb(-NUMBER_TYPE[1])
_MONEY_LIMIT = Decimal(10) ** (MONEY_TYPE[0] - MONEY_TYPE[1])
_NUMBER_LIMIT = Decimal(10) ** (NUMBER_TYPE[0] - NUMBER_TYPE[1])
_INTEGER_LIMIT = 10 ** INTEGER_TYPE[0]


def sql_value(value: object, typ: m.Type, schema: m.Schema) -> object:
    """A typed fact as the SQL input table holds it; ValueError when SQL cannot hold it exactly."""
    if value is None:
        return None
    kind = typ.kind
    if kind == "money":
        assert isinstance(value, Money)
        return _fixed(value.in_unit(), _MONEY_QUANTUM, _MONEY_LIMIT)
    if kind in ("decimal", "ratio", "points"):
        assert isinstance(value, Decimal | int)
        return _fixed(Decimal(value), _NUMBER_QUANTUM, _NUMBER_LIMIT)
    if kind == "integer":
        assert isinstance(value, int)
        if not -_INTEGER_LIMIT < value < _INTEGER_LIMIT:
            raise ValueError(f"{value} is beyond the SQL range of integers")
        return value
    if kind == "set":
        return sorted(value)  # type: ignore[call-overload]
    if kind == "list":
        entity = schema.entities[typ.entity or ""]
        return [{f.name: sql_value(item.get(f.name), f.type, schema) for f in entity.facts}
                for item in value]  # type: ignore[attr-defined]
    if kind == "entity":
        entity = schema.entities[typ.entity or ""]
        return {f.name: sql_value(value.get(f.name), f.type, schema) for f in entity.facts}  # type: ignore[attr-defined]
    if kind == "series":
        element = typ.element_type()
        return [(year, sql_value(item, element, schema)) for year, item in sorted(value.items())]  # type: ignore[attr-defined]
    return value


def _fixed(number: Decimal, quantum: Decimal, limit: Decimal) -> Decimal:
    fixed = number.quantize(quantum)
    if fixed != number or not -limit < fixed < limit:
        raise ValueError(f"{number} is beyond what the SQL input type holds exactly")
    return fixed


def facts_table(schema: m.Schema, facts: Sequence[Mapping[str, object]], rows: Sequence[int] | None = None) -> pa.Table:
    """Typed facts (as `read_profile` gives them) → the input table of the compiled query."""
    import pyarrow as pa  # type: ignore[import-untyped]

    keys = list(rows) if rows is not None else list(range(1, len(facts) + 1))
    columns: dict[str, Any] = {"row": pa.array(keys, pa.int64())}
    for fact in schema.root.facts:
        values = [sql_value(f.get(fact.name), fact.type, schema) for f in facts]
        columns[fact.name] = pa.array(values, arrow_type(fact.type, schema))
    return pa.table(columns)


# ---- CSV cells: text read by the type of their fact ------------------------------------------

_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_DECIMAL_TEXT = re.compile(r"\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*")


def cell_value(text: str | None, typ: m.Type) -> object:
    """A CSV cell → the raw value a JSON profile would hold (the same rules as --param values)."""
    if text is None or text == "":
        return None
    kind = typ.kind
    if kind == "bool":
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    if kind == "integer" and _INTEGER_TEXT.fullmatch(text):
        digits = text.strip()
        return int(digits) if len(digits) <= 4000 else text
    if kind in ("decimal", "ratio", "points") and _DECIMAL_TEXT.fullmatch(text):
        return Decimal(text.strip())
    if kind in ("set", "list", "entity", "series"):
        return structured(text, typ)
    return text


def structured(text: str, typ: m.Type) -> object:
    """A set, a list or a record given as text: JSON, or (a set) names separated by commas."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")) or typ.kind in ("list", "entity", "series"):
        try:
            return json.loads(stripped, parse_float=Decimal)
        except (ValueError, RecursionError):
            return text  # read_profile reports the wrong structure
    return [part.strip() for part in text.split(",") if part.strip()]


# ---- input files ------------------------------------------------------------------------------


@attrs.frozen
class Source:
    """An input file: its format, its columns, the number of its rows."""

    path: Path
    format: str
    columns: tuple[str, ...]  # JSON Lines: empty (each line names its own facts)
    count: int
    limits: Limits  # the rows' limits: a JSON line is kept up to one byte past max_profile_bytes

    def rows(self, schema: m.Schema, wanted: Sequence[int] | None = None) -> Iterator[tuple[int, object]]:
        """(row number, raw profile) of every row, or of the wanted rows (ascending numbers).

        A JSON Lines row is the line's bytes, for `read_profile` to decode; a table row is a dict
        of its non-empty cells, read as described in this module's docstring.
        """
        if self.format == ".jsonl":
            return _wanted(_json_lines(self.path, self.limits.max_profile_bytes), wanted)
        return _wanted(_table_rows(self, schema), wanted)

    def table(self) -> pa.Table:
        """The raw rows for DuckDB: `ROW` and the text of each line (JSON Lines) or cell (CSV), or
        the columns of a Parquet file (read whole into memory)."""
        import pyarrow as pa  # type: ignore[import-untyped]

        if self.format == ".jsonl":
            # Arrow arrays of CHUNK lines at a time: the Python strings of one chunk only are alive.
            chunks: list[pa.Array] = []
            lines: list[str | None] = []
            count = 0
            for _, line in _json_lines(self.path, self.limits.max_profile_bytes):
                try:
                    lines.append(line.decode("utf-8"))
                except UnicodeDecodeError:
                    lines.append(None)  # Python reports it
                if len(lines) == CHUNK:
                    chunks.append(pa.array(lines, pa.string()))
                    count += len(lines)
                    lines = []
            chunks.append(pa.array(lines, pa.string()))
            count += len(lines)
            return pa.table({ROW: pa.array(range(1, count + 1), pa.int64()),
                             "line": pa.chunked_array(chunks, pa.string())})
        if self.format == ".parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            table = pq.read_table(self.path)
        else:
            table = _read_csv(self.path)
        return table.add_column(0, ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))


def open_source(path: Path, schema: m.Schema, limits: Limits) -> Source:
    """Check that the input exists and that its columns are facts; count its rows."""
    fmt = table_format(path)
    if not path.is_file():
        raise UsageError([Diagnostic("PD401", f"no such input file: {path}", path=str(path),
                                     hint=f"give a {', '.join(FORMATS)} file of profiles")])
    columns: tuple[str, ...] = ()
    try:
        if fmt == ".jsonl":
            count = sum(1 for _ in _json_lines(path, limits.max_profile_bytes))
        elif fmt == ".csv":
            columns = _csv_header(path)
            count = _read_csv(path).num_rows
        else:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            parquet = pq.ParquetFile(path)
            columns, count = tuple(parquet.schema_arrow.names), parquet.metadata.num_rows
            _check_structs(parquet.schema_arrow, schema, path)
    except UsageError:
        raise
    except Exception as error:
        raise UsageError([Diagnostic("PD309", f"cannot read {path}: {error}", path=str(path),
                                     hint=f"the input must be a {fmt[1:]} file")]) from None
    _check_columns(columns, schema, path)
    return Source(path, fmt, columns, count, limits)


def _check_columns(columns: Sequence[str], schema: m.Schema, path: Path) -> None:
    names = [f.name for f in schema.root.facts]
    problems, seen = [], set()
    for column in columns:
        if column in seen:
            problems.append(Diagnostic("PD308", f"the column '{column}' appears twice", path=f"{path}: {column}",
                                       hint="a fact is given by one column"))
        seen.add(column)
        if column not in names:
            problems.append(Diagnostic(
                "PD302", f"the column '{column}' is not a fact of {schema.root.name}", path=f"{path}: {column}",
                hint=did_you_mean(column, names) or f"the columns may be: {', '.join(names)}"))
    if problems:
        raise UsageError(problems)


def _check_structs(arrow_schema: Any, schema: m.Schema, path: Path) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]

    problems = []
    for field in arrow_schema:
        fact = schema.root.fact(field.name)
        if fact is None or fact.type.kind != "list" or not pa.types.is_list(field.type):
            continue
        item = field.type.value_type
        if not pa.types.is_struct(item):
            continue
        entity = schema.entities[fact.type.entity or ""]
        names = [f.name for f in entity.facts]
        for sub in item:
            if sub.name not in names:
                problems.append(Diagnostic(
                    "PD302", f"the field '{sub.name}' of column '{field.name}' is not a fact of {entity.name}",
                    path=f"{path}: {field.name}.{sub.name}",
                    hint=did_you_mean(sub.name, names) or f"the facts of {entity.name} are: {', '.join(names)}"))
    if problems:
        raise UsageError(problems)


def _wanted(rows: Iterator[tuple[int, object]], wanted: Sequence[int] | None) -> Iterator[tuple[int, object]]:
    if wanted is None:
        yield from rows
        return
    targets = iter(wanted)
    target = next(targets, None)
    for number, raw in rows:
        if target is None:
            return
        if number == target:
            yield number, raw
            target = next(targets, None)


def _json_lines(path: Path, max_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Every line; a final line break does not start another row. A line longer than a profile
    may be (`max_bytes`) is kept only up to one byte past it (enough for PD316), so a file of one
    huge line is never read into memory whole."""
    keep = max_bytes + 1
    with open(path, "rb") as file:
        number = 0
        while line := file.readline(keep + 2):  # + "\r\n"
            number += 1
            if len(line) == keep + 2 and not line.endswith(b"\n"):
                while (rest := file.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # the rest of the over-long line, dropped
                yield number, line[:keep]
                continue
            yield number, line.rstrip(b"\r\n")


def _csv_header(path: Path) -> tuple[str, ...]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return tuple(next(csv.reader(io.StringIO(file.readline())), []))


def _read_csv(path: Path) -> pa.Table:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.csv as pcsv  # type: ignore[import-untyped]

    # Every cell as text (None when empty): the types come from the policy, not from a guess.
    names = _csv_header(path)
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True,
                                  null_values=[""], quoted_strings_can_be_null=True)
    table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(newlines_in_values=True), convert_options=convert)
    blanks = _blank_lines(path, table.num_rows)
    if blanks:  # put them back as rows of empty cells, so that row numbers stay the lines' numbers
        positions: list[int | None] = []
        kept = iter(range(table.num_rows))
        for index in range(table.num_rows + len(blanks)):
            positions.append(None if index in blanks else next(kept))
        table = table.take(pa.array(positions, pa.int64()))
    return table


def _may_have_blank_lines(path: Path) -> bool:
    """Whether two line breaks follow each other somewhere (read in chunks of 16 MB)."""
    previous = b""
    with open(path, "rb") as file:
        while chunk := file.read(1 << 24):
            window = previous + chunk
            if b"\n\n" in window or b"\n\r\n" in window:
                return True
            previous = chunk[-2:]
    return False


def _blank_lines(path: Path, rows: int) -> set[int]:
    """The data lines of a CSV file that are blank, by index from 0, before its last data line (Arrow
    skips them, which would number the rows after one differently from their lines)."""
    if not _may_have_blank_lines(path):  # nothing to read twice
        return set()
    with open(path, encoding="utf-8-sig", newline="") as text:
        records = list(csv.reader(text))[1:]
    while records and not records[-1]:
        records.pop()  # blank lines at the end are not between rows
    blanks = {index for index, record in enumerate(records) if not record}
    return blanks if len(records) - len(blanks) == rows else set()  # read otherwise: keep Arrow's rows


def one_line(message: str) -> str:
    """Another library's message on one printable line (pyarrow's may hold line breaks and bytes)."""
    return " ".join("".join(c if c.isprintable() else " " for c in message).split())


def _unbroken(batches: Iterator[Any], source: Source) -> Iterator[Any]:
    """The batches of a table; a file damaged past its header (a corrupt Parquet page) is PD309."""
    rows = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, ValueError) as error:  # pyarrow's ArrowIOError, ArrowInvalid
            raise UsageError([Diagnostic(
                "PD309", f"cannot read {source.path} after row {rows:,}: {one_line(str(error))}", path=str(source.path),
                hint=f"the file is damaged: write the {source.format[1:]} file again")]) from None
        rows += batch.num_rows
        yield batch


def _table_rows(source: Source, schema: m.Schema) -> Iterator[tuple[int, object]]:
    if source.format == ".csv":
        batches: Iterator[Any] = iter(_read_csv(source.path).to_batches(CHUNK))
    else:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        batches = pq.ParquetFile(source.path).iter_batches(CHUNK)
    types = {f.name: f.type for f in schema.root.facts}
    text = source.format == ".csv"
    number = 0
    for batch in _unbroken(batches, source):
        for record in batch.to_pylist():
            number += 1
            profile: dict[str, object] = {}
            for name, raw in record.items():
                if raw is None:
                    continue  # an unknown fact
                typ = types[name]
                if text:
                    raw = cell_value(raw, typ)
                elif isinstance(raw, str) and typ.kind in ("set", "list", "series"):
                    raw = structured(raw, typ)
                elif typ.kind == "series" and isinstance(raw, list):  # a Parquet MAP: (year, value) pairs
                    raw = dict(raw)
                if raw is not None:
                    profile[name] = raw
            yield number, profile
