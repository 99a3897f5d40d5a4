"""The batch path: a checked policy compiled to one SQL query of sqlglot expressions, same answers.

One row in — the typed facts of a profile, columns `input_types(schema)` of the table `profiles`
— and one row out: the key `row` and, per measure `M`, `M_status`, `M_total` (DECIMAL(38, 10) of
万元, NULL when there is none) and `M_unknowns` (the sorted profile paths and parameter names the
status and amount depend on), field for field what `interpret.evaluate` gives.

Expressions are compiled by `sql_expressions`; this module adds benefits, statuses and totals. A
per-item benefit (`for each p in projects`) maps each item to a struct of its applicability,
amount, bound and unknown paths with one lambda, then folds that list: the benefit applies if an
item does, is unknown if none does and one is unknown, and so on, exactly as the interpreter's
statuses and totals read its per-item results. An unknown list is decided, as in the
interpreter, by evaluating the benefit once for an item whose every fact is unknown.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import attrs
from sqlglot import exp

from policydsl import model as m
from policydsl.engine.semantics import fixed_status, in_force, list_source, version_in_force, window_unknowns
from policydsl.sql.dialects import (
    TEXT,
    Item,
    all_of,
    any_of,
    binary,
    case,
    cast,
    coalesce,
    decimal,
    finish,
    is_null,
    name_key,
    negate,
    node,
    number,
    text,
    unique_name,
    write,
)
from policydsl.sql.expressions import (
    INT,
    ExpressionCompiler,
    Val,
    input_types,
    is_constant,
    is_false,
    is_true,
    kleene_code,
    null_test,
    sample_item,
    sql_type,
    static_path,
)
from policydsl.sql.paths import Paths
from policydsl.sql.shapes import KEY, TOTAL_TYPE, SqlUnsupported

BOOLEAN = exp.DataType.build("BOOLEAN")

TABLE = "profiles"

__all__ = ["KEY", "TABLE", "CompiledQuery", "SqlUnsupported", "compile_policy", "input_types", "sql_type"]


@attrs.frozen
class MeasureColumns:
    """A measure's output columns: `<id>_status`, `<id>_total`, `<id>_unknowns`, unless a name is
    too long for the dialect or equal to another but for case (`SqlCompiler.output_names`)."""

    id: str
    status: str
    total: str
    unknowns: str
    # `<id>_version` (a measure in versions), `<id>_score`, `_score_min`, `_score_max` (a scored one):
    # the output columns beyond the three, in `batch.outputs.outcome_columns` order.
    outcome: tuple[str, ...] = ()

    def columns(self) -> tuple[str, ...]:
        return (self.status, self.total, self.unknowns, *self.outcome)


@attrs.frozen
class CompiledQuery:
    """The SELECT, the names of its output columns and the dialect it is written in."""

    select: exp.Select
    measures: tuple[MeasureColumns, ...]
    goals: dict[str, str]  # goal id → its column: the truth of the goal's `count` expression
    dialect: str

    def sql(self, pretty: bool = True) -> str:
        return write(self.select, self.dialect, pretty)


@attrs.frozen
class MeasureOutcome:
    """A measure's conclusion as SQL: its status, total, unknown paths, version and score."""

    status: exp.Expression
    total: exp.Expression
    unknowns: Paths | None
    version: str | None
    score: Val | None


def outcome_parts(measure: m.Measure) -> tuple[str, ...]:
    """The output columns of a measure beyond status, total and unknowns (`batch.outputs`)."""
    every = measure.versions or (measure,)
    parts: tuple[str, ...] = ("version",) if measure.versions else ()
    if any(v.score is not None for v in every):
        parts += ("score", "score_min", "score_max")
    return parts


@attrs.frozen
class Parts:
    """One benefit for one item (or for a benefit without items), as SQL."""

    applies: Val
    amount: exp.Expression | None  # the capped amount, NULL when unknown; None: no amount at all
    capped: exp.Expression | None  # the same (read where the benefit applies)
    blocked: exp.Expression | None  # where it applies: only a bound of the amount is known (no total)
    unknowns: Paths | None  # its unknown paths; None: never any


@attrs.frozen
class BenefitColumns:
    """What a measure needs of one benefit (of a per-item benefit: of all its items)."""

    applies: exp.Expression  # TRUE if it applies (to some item), NULL if unknown, else FALSE
    amount: exp.Expression | None
    blocked: exp.Expression | None
    unknowns: Paths | None


class SqlCompiler(ExpressionCompiler):
    """Compiles one checked policy, for one set of parameters and one day, to a SELECT."""

    def __init__(self, policy: m.Policy, params: Mapping[str, object], as_of: datetime.date,
                 dialect: str = "duckdb", table: str = TABLE, key: str = KEY) -> None:
        super().__init__(policy, params, dialect, key)
        self.as_of = self.day = as_of
        self.table = table
        self.outcomes: dict[str, MeasureOutcome] = {}  # measure id → its conclusion (`measure_outcome`)
        self.measuring: set[str] = set()

    def compile(self, goals: bool = False, measures_: bool = True, extra: Sequence[str] = ()) -> CompiledQuery:
        wanted = [f"{measure.id}_{part}" for measure in self.policy.measures if measures_
                  for part in ("status", "total", "unknowns", *outcome_parts(measure))]
        wanted += [f"goal_{goal.id}" for goal in self.policy.goals] if goals else []
        named = self.output_names([self.key, *extra], wanted)
        outputs: list[tuple[str, exp.Expression]] = [(name, exp.column(name, quoted=True)) for name in extra]
        measures: list[MeasureColumns] = []
        for measure in self.policy.measures if measures_ else ():
            parts = outcome_parts(measure)
            names = MeasureColumns(measure.id, named[f"{measure.id}_status"], named[f"{measure.id}_total"],
                                   named[f"{measure.id}_unknowns"], tuple(named[f"{measure.id}_{part}"] for part in parts))
            status, total, unknowns, extra_values = self.measure(measure)
            outputs += [(names.status, status), (names.total, total), (names.unknowns, unknowns)]
            outputs += list(zip(names.outcome, (extra_values[part] for part in parts), strict=True))
            measures.append(names)
        goal_columns: dict[str, str] = {}
        if goals:
            for goal in self.policy.goals:
                goal_columns[goal.id] = named[f"goal_{goal.id}"]
                outputs.append((goal_columns[goal.id], self.value(goal.count, {}).v))
        renamed = {column: name for name, column in named.items() if column != name}
        return CompiledQuery(finish(self.query(outputs, renamed)), tuple(measures), goal_columns, self.dialect.name)

    def output_names(self, fixed: Sequence[str], wanted: Sequence[str]) -> dict[str, str]:
        """The column of each output name: the name itself, unless it is longer than the dialect
        allows (PostgreSQL: 63 bytes) or equal to an earlier name but for case (DuckDB and Spark
        would read both as one column); then a name shortened with a hash (`unique_name`)."""
        limit = self.dialect.max_identifier_bytes
        taken = {name_key(name) for name in fixed}
        kept: set[str] = set()
        for name in wanted:  # the names that fit are kept first, so that no shortened name takes one
            if (limit is None or len(name.encode("utf-8")) <= limit) and name_key(name) not in taken:
                taken.add(name_key(name))
                kept.add(name)
        columns = {}
        for name in wanted:
            tail = "_" + name.rpartition("_")[2] if not name.startswith("goal_") else ""
            columns[name] = name if name in kept else unique_name(name, limit, taken, tail=tail)
            taken.add(name_key(columns[name]))
        return columns

    def query(self, outputs: list[tuple[str, exp.Expression]], renamed: Mapping[str, str]) -> exp.Select:
        source: exp.Expression = exp.to_table(self.table)
        for index, layer in enumerate(self.layers, start=1):
            select = exp.select(exp.Star(), *layer).from_(source)
            source = exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(f"l{index}")))
        key = exp.column(self.key, quoted=True)
        columns = []
        for name, expr in outputs:
            column = exp.alias_(expr, name, quoted=True)
            if name in renamed:  # the mapping, in the query: `AS "M…_1a2b3c4d" /* M…_status */`
                column.add_comments([f"{renamed[name]}".replace("*/", "* /")])
            columns.append(column)
        return exp.select(key, *columns).from_(source)

    # ---- measures
    def measure(self, measure: m.Measure) -> tuple[exp.Expression, exp.Expression, exp.Expression,
                                                     dict[str, exp.Expression]]:
        """A measure's status, total, unknowns, and its outcome columns (`outcome_parts`)."""
        found = self.measure_outcome(measure)
        unknowns = self.dialect.strings([]) if found.unknowns is None else self.paths.to_list(found.unknowns)
        extra: dict[str, exp.Expression] = {}
        parts = outcome_parts(measure)
        if "version" in parts:
            extra["version"] = cast(text(found.version) if found.version is not None else exp.Null(), TEXT)
        if "score" in parts:
            score = found.score.v if found.score is not None and not found.score.null else exp.Null()
            score = cast(score, decimal(*TOTAL_TYPE))
            # The bounds are the score where it is known; where it is open, only Python knows
            # them, and the row names unknowns, so the batch evaluates it again (`_refined`).
            extra.update(score=score, score_min=score.copy(), score_max=score.copy())
        return found.status, found.total, unknowns, extra

    def measure_outcome(self, measure: m.Measure) -> MeasureOutcome:
        """What a measure concludes on the query's day, computed once (outputs and `eligible(m)`
        read it): the version in force decides a measure in versions (semantics.version_in_force)."""
        key = measure.id
        if key in self.outcomes:
            return self.outcomes[key]
        if key in self.measuring:
            raise SqlUnsupported(f"measure {measure.name} reads its own outcome through a cycle")
        self.measuring.add(key)
        try:
            found = self._measure_outcome(measure)
        finally:
            self.measuring.discard(key)
        self.outcomes[key] = found
        return found

    def _measure_outcome(self, measure: m.Measure) -> MeasureOutcome:
        empty = None
        no_total = cast(exp.Null(), decimal(*TOTAL_TYPE))
        status = self.dialect.status
        if measure.versions:
            version, undecided = version_in_force(self.policy, measure, self.as_of, self.params)
            if version is None:
                if undecided:
                    names = sorted({n for v in measure.versions for n in window_unknowns(self.policy, v)})
                    return MeasureOutcome(status("undetermined"), no_total, self.paths.static(names) if names
                                          else None, None, None)
                return MeasureOutcome(status("not_in_force"), no_total, empty, None, None)
            inner = self.measure_outcome(version)
            return attrs.evolve(inner, version=version.version)
        # A bound known only to its year: the window is read with the day and the parameters, once
        # for the whole query (semantics.in_force); in its year, without the day, undetermined.
        state = in_force(self.policy, measure, self.as_of, self.params)
        if state is False:
            return MeasureOutcome(status("not_in_force"), no_total, empty, None, None)
        if state is None:
            names = list(window_unknowns(self.policy, measure))
            return MeasureOutcome(status("undetermined"), no_total, self.paths.static(names) if names else None,
                                  None, None)
        fixed = fixed_status(measure, self.as_of)
        if fixed == "not_in_force":
            return MeasureOutcome(status(fixed), no_total, empty, None, None)
        score = self.score_value(measure) if measure.score is not None else None
        score_paths = [self.when_null(score)] if score is not None and score.u is not None else []
        if fixed is not None:
            paths = self.paths.union(score_paths) if score_paths else None
            return MeasureOutcome(status(fixed), no_total, paths, None, score)
        parts = [self.benefit(measure, index, benefit) for index, benefit in enumerate(measure.benefits)]
        applies = any_of(*(p.applies for p in parts))
        decided = case((applies, status("eligible")), (negate(applies), status("not_eligible")),
                       default=status("undetermined"))
        # A scored measure names its score's unknowns too (closures `plan`: `scored`).
        found = [p.unknowns for p in parts if p.unknowns is not None] + score_paths
        paths = self.paths.union(found) if found else None
        return MeasureOutcome(decided, self.total([p for p in parts if p.amount is not None], no_total), paths,
                              None, score)

    def outcome(self, expr: m.Outcome) -> Val:
        """`eligible(m)`: true where the measure is eligible, NULL naming its unknowns where it is
        undetermined, false otherwise (closures `outcome`); the rest in `ExpressionCompiler`."""
        if expr.function != "eligible":
            return super().outcome(expr)
        found = self.measure_outcome(self.policy.all_measures[expr.measure])
        status = found.status
        if is_constant(status):
            name = status.this.name if isinstance(status, exp.Cast) else status.name
            if name == "eligible":
                return Val(exp.true())
            if name != "undetermined":
                return Val(exp.false())
            return Val(cast(exp.Null(), BOOLEAN), found.unknowns or Paths(), null=True)
        value = case((binary(exp.EQ, status, self.dialect.status("eligible")), exp.true()),
                     (binary(exp.EQ, status.copy(), self.dialect.status("undetermined")), cast(exp.Null(), BOOLEAN)),
                     default=exp.false())
        if found.unknowns is None:
            return Val(value, Paths(), guarded=True)
        return Val(value, found.unknowns, guarded=True)

    def total(self, parts: list[BenefitColumns], no_total: exp.Expression) -> exp.Expression:
        """The sum of the known amounts of what applies; none when only a bound of one is known."""
        if not parts:
            return no_total
        amounts = [cast(p.amount, decimal(*TOTAL_TYPE)) for p in parts if p.amount is not None]
        summed: exp.Expression = amounts[0]
        if len(amounts) > 1:
            for amount in amounts[1:]:
                summed = binary(exp.Add, coalesce(summed, number(0)), coalesce(amount, number(0)))
            every_null = all_of(*(is_null(p.amount) for p in parts if p.amount is not None))
            summed = case((every_null, no_total), default=cast(summed, decimal(*TOTAL_TYPE)))
        blocked = [p.blocked for p in parts if p.blocked is not None]
        if blocked:
            summed = case((any_of(*blocked), no_total), default=summed)
        return summed

    def unknown_paths(self, parts: list[BenefitColumns]) -> exp.Expression:
        found = [p.unknowns for p in parts if p.unknowns is not None]
        if not found:
            return self.dialect.strings([])
        return self.paths.to_list(self.paths.union(found))

    # ---- benefits
    def benefit(self, measure: m.Measure, index: int, benefit: m.Benefit) -> BenefitColumns:
        stem = f"b_{measure.id}_{benefit.id}"
        if benefit.for_each is None:
            parts = self.benefit_item(benefit, {})
            amount = None if parts.amount is None else self.applying(parts, parts.amount)
            blocked = None if parts.blocked is None else self.applying(parts, parts.blocked, exp.false())
            return self.store(stem, BenefitColumns(parts.applies.v, amount, blocked, parts.unknowns))
        for_each = benefit.for_each
        values = self.value(for_each.collection, {})
        known = self.items(stem, benefit, values)
        if values.u is None:
            return self.store(stem, known)
        # The list is not known: decide what can be decided without its items, with an item
        # whose every fact is unknown (as the interpreter does).
        unknown_item = Item(None, None, None, static_path(list_source(self.policy, for_each.collection)))
        parts = self.benefit_item(benefit, {for_each.var: unknown_item})
        missing = null_test(values)
        unknowns0: Paths | None = None
        if is_false(parts.applies):
            applies0: exp.Expression = exp.false()
        else:
            decided = negate(parts.applies.v)  # FALSE decides; TRUE and unknown leave it unknown
            applies0 = case((decided, exp.false()), default=cast(exp.Null(), BOOLEAN))
            # Undetermined: no amount, so only the condition's unknowns and the list's (§10).
            condition = self.when_null(parts.applies) if parts.applies.u is not None else None
            paths = self.paths.union([u for u in (condition, values.u) if u is not None])
            unknowns0 = self.paths.choose([(decided, None)], paths)

        def either(unknown: exp.Expression | None, items: exp.Expression | None) -> exp.Expression | None:
            if items is None:
                return None
            return case((missing, unknown if unknown is not None else exp.Null()), default=items)

        unknowns = None
        if known.unknowns is not None or unknowns0 is not None:
            unknowns = self.paths.choose([(missing, unknowns0)], known.unknowns)
        return self.store(stem, BenefitColumns(
            case((missing, applies0), default=known.applies), either(None, known.amount),
            either(exp.false(), known.blocked), unknowns))

    def store(self, stem: str, columns: BenefitColumns) -> BenefitColumns:
        """The benefit's columns, each computed once, so that the measure reads them cheaply."""
        def keep(expr: exp.Expression | None, suffix: str) -> exp.Expression | None:
            if expr is None or expr.find(exp.Column) is None:
                return expr
            return self.add(expr, self.column_name(f"{stem}_{suffix}"))

        applies = keep(columns.applies, "applies")
        assert applies is not None
        unknowns = columns.unknowns
        if unknowns is not None:
            unknowns = self.add_paths(unknowns, self.column_name(f"{stem}_unknowns"))
        return BenefitColumns(applies, keep(columns.amount, "amount"), keep(columns.blocked, "blocked"), unknowns)

    def items(self, stem: str, benefit: m.Benefit, values: Val) -> BenefitColumns:
        """A per-item benefit over a known list.

        One pass computes each item's applicability and capped amount; a fold of flags per row
        (1: an item is unknown, 2: an item applies, 4: one that applies lacks its amount) decides
        the benefit, and the amounts, bounds and unknown paths are folded only where a flag says
        they matter.
        """
        assert benefit.for_each is not None
        for_each, dialect = benefit.for_each, self.dialect
        path = text(static_path(list_source(self.policy, for_each.collection)))
        fields = self.entity_fields(for_each.collection)

        def parts(item: Item) -> Parts:
            return self.benefit_item(benefit, {for_each.var: item})

        def flag(applies: exp.Expression, amount: exp.Expression | None) -> exp.Expression:
            if amount is None:
                return kleene_code(applies, 2)
            lacks = binary(exp.Mul, cast(is_null(amount), INT), number(4))
            return kleene_code(applies, binary(exp.Add, number(2), lacks))

        with dialect.unbound():
            sample = parts(sample_item(path))
        with_amount = sample.capped is not None
        if dialect.lambdas:
            def stage(item: Item) -> exp.Expression:
                found = parts(item)
                if found.capped is None:
                    return found.applies.v
                return dialect.struct({"a": found.applies.v, "m": found.capped})

            staged = self.add(dialect.transform(values.v, stage, path, fields), self.column_name(f"{stem}_items"))

            def pick(s: exp.Expression, name: str) -> exp.Expression:
                return dialect.field(s, name) if with_amount else s

            flags = dialect.aggregate(dialect.map_list(
                staged, lambda s: flag(pick(s, "a"), pick(s, "m") if with_amount else None)), "bit_or")
            amounts = dialect.aggregate(dialect.map_list(
                staged, lambda s: case((pick(s, "a"), pick(s, "m")))), "sum") if with_amount else None
        else:
            def item_flag(item: Item) -> exp.Expression:
                found = parts(item)
                return flag(found.applies.v, found.capped)

            def item_amount(item: Item) -> exp.Expression:
                found = parts(item)
                assert found.capped is not None
                return case((found.applies.v, found.capped))

            flags = dialect.over(values.v, item_flag, "bit_or", path, fields)
            amounts = dialect.over(values.v, item_amount, "sum", path, fields) if with_amount else None
        flag_column = self.add(coalesce(flags, number(0)), self.column_name(f"{stem}_flags"))

        def has(bits: int) -> exp.Expression:
            return binary(exp.NEQ, binary(exp.BitwiseAnd, flag_column, number(bits)), number(0))

        applies = case((has(2), exp.true()), (has(1), cast(exp.Null(), BOOLEAN)), default=exp.false())
        amount = case((has(2), amounts)) if amounts is not None else None
        blocked = None
        if sample.blocked is not None:
            def item_blocked(item: Item) -> exp.Expression:
                found = parts(item)
                assert found.blocked is not None
                return self.applying(found, found.blocked, exp.false())

            blocked = case((has(4), dialect.over(values.v, item_blocked, "any", path, fields)), default=exp.false())
        unknowns = None
        if sample.unknowns is not None:
            unknowns = self.fold_paths(values.v, lambda item: parts(item).unknowns, path, fields, guard=has(5),
                                       stem=f"{stem}_paths")
        return BenefitColumns(applies, amount, blocked, unknowns)

    def applying(self, parts: Parts, expr: exp.Expression, otherwise: exp.Expression | None = None) -> exp.Expression:
        """`expr` where the benefit applies (`otherwise` elsewhere)."""
        if is_true(parts.applies):
            return expr
        return case((parts.applies.v, expr), default=otherwise)

    def benefit_item(self, benefit: m.Benefit, env: Mapping[str, Item]) -> Parts:
        """`Evaluation.benefit_item`: the conditions, then the amount under its cap."""
        applies = self.kleene("and", [self.value(when, env) for when in benefit.when])
        if is_false(applies) or benefit.amount is None:
            unknowns = self.when_null(applies) if applies.u is not None else None
            return Parts(applies, None, None, None, unknowns)
        raw = self.value(benefit.amount, env)
        cap = self.value(benefit.cap, env) if benefit.cap is not None else None
        amount, blocked, lacking = self.capped(raw, cap)
        branches: list[tuple[exp.Expression, Paths | None]] = []
        if applies.u is not None:
            branches.append((null_test(applies), applies.u))
        if lacking is not None:
            branches.append((all_of(applies.v, is_null(amount)), lacking))
        unknowns = self.paths.choose(branches, None) if branches else None
        return Parts(applies, amount, amount, blocked, unknowns)

    def capped(self, raw: Val, cap: Val | None) -> tuple[exp.Expression, exp.Expression | None, Paths | None]:
        """(amount, only-a-bound-is-known, unknown paths) of `min(raw, cap)`, as `_capped` reads
        them: without the amount there is no total, whether a bound is known or not (§13)."""
        if cap is None:
            if raw.u is None:
                return raw.v, None, None
            return raw.v, null_test(raw), raw.u  # unknown, even naming nothing: no total (§13)
        num = self.common(raw, cap)
        smaller = node(exp.Least, this=self.as_decimal(raw, num), expressions=[self.as_decimal(cap, num)],
                       ignore_nulls=True)
        nullable = [v for v in (raw, cap) if v.u is not None]
        if not nullable:
            return smaller, None, None
        if any(v.null for v in nullable):
            amount: exp.Expression = cast(exp.Null(), decimal(*num))
        else:
            amount = case((any_of(*(null_test(v) for v in nullable)), cast(exp.Null(), decimal(*num))),
                          default=smaller)
        lacking = self.paths.union([self.when_null(v) for v in nullable])
        if len(nullable) == 1:  # the other is known, so it is the bound whenever this one is not
            return amount, null_test(nullable[0]), lacking
        return amount, any_of(null_test(raw), null_test(cap)), lacking


def compile_policy(policy: m.Policy, params: Mapping[str, object], as_of: datetime.date,
                   dialect: str = "duckdb", table: str = TABLE, goals: bool = False, measures: bool = True,
                   extra: Sequence[str] = (), key: str = KEY) -> CompiledQuery:
    """The policy as one SELECT over `table` (columns: `input_types`) for these parameters and day.

    `params` are typed values (`PolicySet.read_params`). With `goals`, a column `goal_<id>` per
    goal holds the truth of its `count` expression; `measures=False` leaves out the measures;
    `extra` names input columns to pass through; `key` is the name of the key column (a batch
    names it so that no fact can have its name).

    >>> query = compile_policy(policies.policy, {"three_upgrades.cap": Money.of(500)}, date(2024, 6, 1))
    >>> print(query.sql())
    """
    return SqlCompiler(policy, params, as_of, dialect, table, key).compile(goals, measures, extra)


def describe_input(schema: m.Schema, dialect: str = "duckdb") -> list[str]:
    """The input table's columns as `name TYPE`, with the unit of money. In PostgreSQL a list of
    objects is an array of a composite type, whose CREATE TYPE statements come first."""
    lines = []
    composites: dict[str, str] = {}
    for name, typ in input_types(schema).items():
        fact = schema.root.fact(name)
        note = ""
        if fact is not None and fact.type.kind == "money":
            note = "  -- 万元"
        elif fact is not None and fact.type.kind == "enum" and fact.type.enum is not None:
            note = "  -- one of " + ", ".join(fact.type.enum.values)
        shown = write(typ, dialect)
        if dialect == "postgres" and fact is not None:
            shown = _postgres_type(fact.type, schema, composites)
        lines.append(f"{exp.to_identifier(name, quoted=True).sql(dialect=dialect)} {shown}{note}")
    return [*(f"(first: {statement})" for statement in composites.values()), *lines]


def _postgres_type(typ: m.Type, schema: m.Schema, composites: dict[str, str]) -> str:
    """A fact's type in PostgreSQL; an entity is a composite type, added to `composites` (inner first)."""
    if typ.kind not in ("list", "entity") or typ.entity not in schema.entities:
        return write(sql_type(typ, schema), "postgres")
    entity = schema.entities[typ.entity]
    named = exp.to_identifier(entity.name, quoted=True).sql(dialect="postgres")
    if entity.name not in composites:
        composites[entity.name] = ""  # being written: an entity that lists itself names it only
        members = ", ".join(f"{exp.to_identifier(f.name, quoted=True).sql(dialect='postgres')} "
                            f"{_postgres_type(f.type, schema, composites)}" for f in entity.facts)
        del composites[entity.name]
        # A comment for the reader to run by hand; every name and type in it is printed by sqlglot.
        composites[entity.name] = " ".join(("CREATE TYPE", named, "AS", "(" + members + ");"))
    return named + ("[]" if typ.kind == "list" else "")

