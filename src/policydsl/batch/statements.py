"""The statements of a DuckDB batch (`batch_plan.Plan`), built with sqlglot.

`raw_input` is the input: a view of the Parquet file (`raw_file`, `row` from its row numbers) or
the registered table of a CSV or JSON Lines file. Then the views `checked` (the input checks,
`batch_validate.canonical`) and `results` (the output columns of every row), the COPY of
`results` to the file named by its parameter, and the queries that count goals, stream the clean
rows, and tally the written file (the view `written`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from sqlglot import exp

from policydsl import model as m
from policydsl.batch.plan import CHECKED, RAW, RAW_FILE, RESULTS, ROW, UNCHECKED, WRITTEN, Plan, possible_statuses
from policydsl.batch.validate import CLEAN, canonical
from policydsl.engine.loop_work import loop_nests
from policydsl.profile import Limits
from policydsl.sql.dialects import TEXT, all_of, any_of, binary, call, case, cast, is_null, number, text, write
from policydsl.sql.query import CompiledQuery, compile_policy
from policydsl.sql.shapes import KEY, TOTAL_TYPE


def build(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date, source_format: str,
          origins: Mapping[str, str], json_line: str | None, limits: Limits) -> Plan:
    """The statements (raises SqlUnsupported); rows beyond `limits` are left to Python."""
    query = compile_policy(policy, params, as_of, table=CHECKED, extra=[CLEAN], key=ROW)
    # The goals read only the input: a query of their own is far smaller for DuckDB to plan.
    goals = compile_policy(policy, params, as_of, table=CHECKED, goals=True, measures=False, extra=[CLEAN], key=ROW)
    checked = canonical(policy.schema, exp.to_table(RAW), dict(origins), limits, json_line, key=ROW,
                        loops=loop_nests(policy))
    clean = exp.column(CLEAN, quoted=True)
    measures = [exp.column(name, quoted=True) for columns in query.measures for name in columns.columns()]
    statuses = tuple(columns.status for columns in query.measures)
    error = case((clean, cast(exp.Null(), TEXT)), default=text(UNCHECKED))
    results = exp.select(exp.alias_(exp.column(ROW, quoted=True), KEY, quoted=True), exp.alias_(error, "error", quoted=True),
                         *measures).from_(exp.Subquery(this=query.select))
    # The clean rows are those without an error in `results`; statuses as text, as Python writes them.
    shaped: list[exp.Expr] = [exp.alias_(cast(c.copy(), TEXT), c.name, quoted=True) if c.name in statuses else c.copy()
                              for c in measures]
    stream = exp.select(exp.column(KEY, quoted=True), exp.column("error", quoted=True), *shaped).from_(
        exp.to_table(RESULTS)).where(is_null(exp.column("error", quoted=True)))
    views = [_view(CHECKED, checked), _view(RESULTS, results)]
    if source_format == ".parquet":
        position = exp.column("file_row_number")
        raw = exp.select(exp.alias_(binary(exp.Add, position, number(1)), ROW, quoted=True),
                         exp.Star(except_=[position.copy()])).from_(exp.to_table(RAW_FILE))
        views.insert(0, _view(RAW, raw))
    # The file's name is the statement's parameter: the statement is the same for every file.
    copy = exp.Copy(this=exp.to_table(RESULTS), kind=False, files=[exp.Placeholder(this="1")], params=[
        exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("PARQUET")),
        exp.CopyParameter(this=exp.var("COMPRESSION"), expression=exp.var("zstd"))])
    return Plan(
        views=tuple(views),
        copy=write(copy, "duckdb"),
        columns=tuple(c.name for c in measures),
        stream=write(stream, "duckdb"),
        goals_all=_goals(policy, goals, every_row_clean=True),
        goals_some=_goals(policy, goals, every_row_clean=False) or "",
        tally=write(_tally(policy, query, as_of), "duckdb"),
    )


def _view(name: str, select: exp.Expression) -> str:
    create = exp.Create(this=exp.to_table(name), kind="VIEW", expression=select,
                        properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
    return write(create, "duckdb", copy=False)  # each view's tree is built for it and written once


def _goals(policy: m.Policy, query: CompiledQuery, every_row_clean: bool) -> str | None:
    if every_row_clean and not policy.goals:
        return None
    clean = exp.column(CLEAN, quoted=True)
    columns: list[exp.Expression] = []
    if not every_row_clean:
        columns.append(exp.Filter(this=call("list", exp.column(ROW, quoted=True)),
                                  expression=exp.Where(this=exp.not_(clean))))
    for goal in policy.goals:
        met = exp.column(query.goals[goal.id], quoted=True)
        columns.append(call("count_if", met if every_row_clean else all_of(clean.copy(), met)))
    return write(exp.select(*columns).from_(exp.Subquery(this=query.select.copy())), "duckdb", copy=False)


def _tally(policy: m.Policy, query: CompiledQuery, as_of: datetime.date) -> exp.Select:
    """Rows, errors, then per measure the rows with a status, those of each possible status but
    the last (the rest have the last), and the total: the sum of the whole 万元 and the sum of the
    ten decimals (as whole numbers), which `duckdb_engine` adds up exactly. A sum of DECIMAL(38, 10)
    stops the query with an overflow from 10^28 on; these sums reach 10^38 (HUGEINT). Last, the
    rows whose measures name unknowns, which Python evaluates again (`duckdb_engine._refined`)."""
    columns: list[exp.Expression] = [call("count", exp.Star()), call("count", exp.column("error", quoted=True))]
    for measure, names in zip(policy.measures, query.measures, strict=True):
        status = exp.column(names.status, quoted=True)
        columns.append(call("count", status.copy()))
        columns += [call("count_if", binary(exp.EQ, status.copy(), text(s)))
                    for s in possible_statuses(measure, as_of)[:-1]]
        total = exp.column(names.total, quoted=True)
        whole = call("floor", total)
        columns.append(call("sum", cast(whole, HUGEINT)))
        columns.append(call("sum", cast(binary(exp.Mul, binary(exp.Sub, total.copy(), whole.copy()),
                                               number(10**TOTAL_TYPE[1])), HUGEINT)))
    named = [binary(exp.GT, call("len", exp.column(names.unknowns, quoted=True)), number(0)) for names in query.measures]
    columns.append(call("count_if", any_of(*named)) if named else number(0))
    return exp.select(*columns).from_(exp.to_table(WRITTEN))


HUGEINT = exp.DataType.build("HUGEINT", dialect="duckdb")
