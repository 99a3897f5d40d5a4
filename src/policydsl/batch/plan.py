"""The SQL of a DuckDB batch, built once per policy, parameters, day and input shape, and kept.

A batch runs a few statements (`Plan`; `batch_statements` builds them with sqlglot). Building
them — compiling the policy and writing the text — takes about a fifth of a second, as long as
screening 100,000 rows, and gives the same text every night: so the texts are kept on disk
(`disk_cache`), named by a digest of everything they depend on: the checked policy (its `repr`,
which holds every file's text), the parameters, the day, the input's format, columns and their
types, the profile limits, and the code of policydsl and of sqlglot. No statement names a file:
the input is a view of a relation DuckDB's Python API opened, and the output file is the COPY's
parameter. So a batch whose plan is kept neither imports nor runs sqlglot.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from policydsl import disk_cache, gc_pause
from policydsl import model as m
from policydsl.engine.semantics import fixed_status
from policydsl.profile import Limits

RAW_FILE = "raw_file"  # a Parquet input, as DuckDB's Python API opened it (with `file_row_number`)
RAW = "raw_input"  # the input: `ROW` and the raw columns
CHECKED = "checked"  # `ROW`, the typed facts and `CLEAN` (batch_validate)
RESULTS = "results"  # the output columns of every row, `CLEAN` rows evaluated in SQL
# The input row's number until it becomes the output's `row`: a name no fact can have (a `$`), so
# that a fact named `row` is read like any other.
ROW = "$row"
ARROW = "arrow"  # the input's layout when it is a table registered from Arrow (`duckdb_engine._input_view`)
WRITTEN = "written"  # the file DuckDB wrote, read back for the tally
UNCHECKED = "\x00left to Python"  # the error of a row SQL cannot vouch for, in the staging file
MAX_ENTRIES = 200  # plans kept; the oldest go first when there are more
PRUNE_EVERY = 20


_TEXT = attrs.validators.instance_of(str)
_TEXTS = attrs.validators.deep_iterable(_TEXT, attrs.validators.instance_of(tuple))


@attrs.frozen
class Plan:
    """The statements of a batch, as text that sqlglot printed (a kept one is checked to be text)."""

    # CREATE TEMP VIEW raw_input (Parquet), checked, results
    views: tuple[str, ...] = attrs.field(validator=_TEXTS)
    # COPY results TO $1: DuckDB writes the output file
    copy: str = attrs.field(validator=_TEXT)
    # the measures' output columns: M_status, M_total, M_unknowns per measure
    columns: tuple[str, ...] = attrs.field(validator=_TEXTS)
    # the output rows of the clean rows, in row order, statuses as text
    stream: str = attrs.field(validator=_TEXT)
    # per goal, the rows that meet it (every row clean); None: no goals
    goals_all: str | None = attrs.field(validator=attrs.validators.optional(_TEXT))
    # the rows left to Python, then per goal the clean rows that meet it
    goals_some: str = attrs.field(validator=_TEXT)
    # over `written`: rows, errors, then per measure its statuses' counts and total (`batch_statements._tally`)
    tally: str = attrs.field(validator=_TEXT)


def plan(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, source_format: str,
         origins: Mapping[str, str], json_line: str | None, limits: Limits) -> Plan:
    """The statements for a batch whose input has these raw columns (`origins`, see `batch_validate`)
    and whose rows have these resource limits; read from disk, or built (raises SqlUnsupported) and kept."""
    entry = _entry(policy, params, as_of, source_format, origins, json_line, limits)
    if entry is not None:
        stored = _load(disk_cache.read(entry))
        if stored is not None:
            return stored
    from policydsl.batch import statements as batch_statements  # sqlglot: only where no kept plan fits

    with gc_pause.paused():  # sqlglot's trees (gc_pause)
        built = batch_statements.build(policy, params, as_of, source_format, origins, json_line, limits)
    if entry is not None:
        data = json.dumps(attrs.asdict(built), ensure_ascii=False).encode()
        disk_cache.write(entry, data, MAX_ENTRIES, PRUNE_EVERY)
    return built


def possible_statuses(measure: m.Measure, as_of: datetime.date) -> tuple[str, ...]:
    """The statuses a measure can have on this day (`SqlCompiler.measure` decides them alike)."""
    fixed = fixed_status(measure, as_of)
    return (fixed,) if fixed is not None else ("eligible", "not_eligible", "undetermined")


def _entry(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, source_format: str,
           origins: Mapping[str, str], json_line: str | None, limits: Limits) -> Path | None:
    if not disk_cache.enabled():
        return None
    folder = disk_cache.cache_folder("sql")
    if folder is None:
        return None
    parts = (repr(policy), repr(sorted(params.items())), as_of.isoformat(), source_format,
             repr(sorted(origins.items())), repr(json_line), repr(limits), _sqlglot_version())
    return folder / disk_cache.entry_name(*parts)


def _sqlglot_version() -> str:
    """sqlglot's version file, read without importing sqlglot (which takes ~70 ms)."""
    spec = importlib.util.find_spec("sqlglot")
    if spec is None or spec.origin is None:
        return ""
    try:
        return Path(spec.origin).with_name("_version.py").read_text("utf-8")
    except OSError:
        return ""


def _load(data: bytes | None) -> Plan | None:
    if data is None:
        return None
    try:
        kept = json.loads(data)
        values: dict[str, Any] = {f.name: tuple(kept[f.name]) if isinstance(kept[f.name], list) else kept[f.name]
                                  for f in attrs.fields(Plan)}
        return Plan(**values)
    except Exception:  # a truncated or foreign file, or one that is not all text: build again, overwrite it
        return None
