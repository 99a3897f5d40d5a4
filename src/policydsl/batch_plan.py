"""The SQL of a DuckDB batch, built once per policy, parameters, day and input shape, and kept.

A batch runs a few statements over a view of its input, `raw_input` (`batch_sql`): the input
checks (`batch_validate.canonical`) as the view `checked`, the compiled policy's results as the
view `results`, and the queries that count goals, stream the clean rows, and tally the written
file (the view `written`). Building them — compiling the policy with sqlglot and writing the text —
takes about a fifth of a second, as long as screening 100,000 rows, and gives the same text every
night: so the texts are kept on disk (`disk_cache`), named by a digest of everything they depend
on — the checked policy (its `repr`, which holds every file's text), the parameters, the day, the
input's columns and their types, the profile limits, and the code of policydsl and sqlglot.
The statements that name files (the input, the output) are built anew by every run.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
import sqlglot
from sqlglot import exp

from policydsl import disk_cache, profile
from policydsl import model as m
from policydsl.batch_validate import canonical
from policydsl.evaluate.sql import CompiledQuery, compile_policy
from policydsl.evaluate.sql_dialects import TEXT, all_of, binary, call, case, cast, is_null, text, write
from policydsl.evaluate.sql_shapes import KEY
from policydsl.model import STATUSES
from policydsl.profile import loop_nests

RAW = "raw_input"  # the input, as DuckDB reads it: `row` and the raw columns
CHECKED = "checked"  # `row`, the typed facts and `clean` (batch_validate)
RESULTS = "results"  # the output columns of every row, `clean` rows evaluated in SQL
WRITTEN = "written"  # the file DuckDB wrote, read back for the tally
UNCHECKED = "\x00left to Python"  # the error of a row SQL cannot vouch for, in the staging file
MAX_ENTRIES = 200  # plans kept; the oldest go first when there are more
PRUNE_EVERY = 20


@attrs.frozen
class Plan:
    """The statements of a batch, as text."""

    views: tuple[str, ...]  # CREATE TEMP VIEW checked …, CREATE TEMP VIEW results …
    columns: tuple[str, ...]  # the measures' output columns: M_status, M_total, M_unknowns per measure
    statuses: tuple[str, ...]  # the status columns among them
    stream: str  # the output rows of the clean rows, in row order, statuses as text
    goals_all: str | None  # per goal, the rows that meet it (every row clean); None: no goals
    goals_some: str  # the rows left to Python, then per goal the clean rows that meet it
    tally: str  # over `written`: rows, errors, then per measure the count of each status and the total


def plan(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, origins: Mapping[str, str],
         json_line: str | None) -> Plan:
    """The statements for a batch whose input view has these raw columns (`origins`, see
    `batch_validate`); kept on disk, and built only where no stored one fits."""
    entry = _entry(policy, params, as_of, origins, json_line)
    if entry is not None:
        stored = _load(disk_cache.read(entry))
        if stored is not None:
            return stored
    built = build(policy, params, as_of, origins, json_line)
    if entry is not None:
        data = json.dumps(attrs.asdict(built), ensure_ascii=False).encode()
        disk_cache.write(entry, data, MAX_ENTRIES, PRUNE_EVERY)
    return built


def build(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, origins: Mapping[str, str],
          json_line: str | None) -> Plan:
    """The statements, built with sqlglot (raises SqlUnsupported)."""
    query = compile_policy(policy, params, as_of, table=CHECKED, extra=["clean"])
    # The goals read only the input: a query of their own is far smaller for DuckDB to plan.
    goals = compile_policy(policy, params, as_of, table=CHECKED, goals=True, measures=False, extra=["clean"])
    checked = canonical(policy.schema, exp.to_table(RAW), dict(origins), json_line, loops=loop_nests(policy))
    clean = exp.column("clean", quoted=True)
    measures = [exp.column(name, quoted=True) for columns in query.measures
                for name in (columns.status, columns.total, columns.unknowns)]
    statuses = tuple(columns.status for columns in query.measures)
    error = case((clean, cast(exp.Null(), TEXT)), default=text(UNCHECKED))
    results = exp.select(exp.column(KEY, quoted=True), exp.alias_(error, "error", quoted=True), *measures).from_(
        exp.Subquery(this=query.select))
    # The clean rows are those without an error in `results`; statuses as text, as Python writes them.
    shaped: list[exp.Expr] = [exp.alias_(cast(c.copy(), TEXT), c.name, quoted=True) if c.name in statuses else c.copy()
                              for c in measures]
    stream = exp.select(exp.column(KEY, quoted=True), exp.column("error", quoted=True), *shaped).from_(
        exp.to_table(RESULTS)).where(is_null(exp.column("error", quoted=True)))
    return Plan(
        views=(_view(CHECKED, checked), _view(RESULTS, results)),
        columns=tuple(c.name for c in measures),
        statuses=statuses,
        stream=write(stream, "duckdb"),
        goals_all=_goals(policy, goals, every_row_clean=True),
        goals_some=_goals(policy, goals, every_row_clean=False) or "",
        tally=write(_tally(policy, query), "duckdb"),
    )


def _view(name: str, select: exp.Expression) -> str:
    create = exp.Create(this=exp.to_table(name), kind="VIEW", expression=select,
                        properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
    return write(create, "duckdb")


def _goals(policy: m.Policy, query: CompiledQuery, every_row_clean: bool) -> str | None:
    if every_row_clean and not policy.goals:
        return None
    clean = exp.column("clean", quoted=True)
    columns: list[exp.Expression] = []
    if not every_row_clean:
        columns.append(exp.Filter(this=call("list", exp.column(KEY, quoted=True)),
                                  expression=exp.Where(this=exp.not_(clean))))
    for goal in policy.goals:
        met = exp.column(query.goals[goal.id], quoted=True)
        columns.append(call("count_if", met if every_row_clean else all_of(clean.copy(), met)))
    return write(exp.select(*columns).from_(exp.Subquery(this=query.select.copy())), "duckdb")


def _tally(policy: m.Policy, query: CompiledQuery) -> exp.Select:
    columns: list[exp.Expression] = [call("count", exp.Star()), call("count", exp.column("error", quoted=True))]
    for measure in query.measures:
        status = exp.column(measure.status, quoted=True)
        columns += [call("count_if", binary(exp.EQ, status.copy(), text(s))) for s in STATUSES]
        columns.append(call("sum", exp.column(measure.total, quoted=True)))
    return exp.select(*columns).from_(exp.to_table(WRITTEN))


def _entry(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, origins: Mapping[str, str],
           json_line: str | None) -> Path | None:
    if not disk_cache.enabled():
        return None
    folder = disk_cache.cache_folder("sql")
    if folder is None:
        return None
    limits = {name: getattr(profile, name) for name in dir(profile) if name.startswith("MAX_")}
    parts = (repr(policy), repr(sorted(params.items())), as_of.isoformat(), repr(sorted(origins.items())),
             repr(json_line), repr(sorted(limits.items())), getattr(sqlglot, "__version__", ""))
    return folder / disk_cache.entry_name(*parts)


def _load(data: bytes | None) -> Plan | None:
    if data is None:
        return None
    try:
        fields = json.loads(data)
        found = Plan(views=tuple(fields["views"]), columns=tuple(fields["columns"]),
                     statuses=tuple(fields["statuses"]), stream=fields["stream"], goals_all=fields["goals_all"],
                     goals_some=fields["goals_some"], tally=fields["tally"])
    except Exception:  # a truncated or foreign file: build again, and overwrite it
        return None
    texts: Sequence[object] = (*found.views, *found.columns, *found.statuses, found.stream, found.tally,
                               found.goals_some, found.goals_all or "")
    if not all(isinstance(t, str) for t in texts):
        return None
    return found
