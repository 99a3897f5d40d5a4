"""The fast path: a checked policy compiled once into closures, with the interpreter's answers.

Each expression becomes a closure, and each measure one plan that runs its conditions and
benefits and computes status, total and unknowns without the interpreter's per-clause dispatch.
Results that do not depend on the enterprise (a benefit that does not apply, a fixed list of
agencies, a measure out of force) are built once per policy. The outcome of each measure is kept
as a compact row and becomes a `MeasureResult` only when a caller reads it; explanations are built
by the reference interpreter, tracing, when asked for. Both engines share `semantics`, and a
property test holds them equal (tests/evaluate/test_compiled.py).
"""

from __future__ import annotations

import datetime
import operator
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from policydsl import model as m
from policydsl.engine import exact, intervals, semantics
from policydsl.engine.domain import Builder
from policydsl.engine.explain import Clause, Explainer, band_noter, clause_of, measure_explainer, show, shower
from policydsl.engine.numbers import ROUNDINGS, root, rounded
from policydsl.engine.semantics import (
    UNKNOWN_ITEM,
    Env,
    amendments_by_target,
    arithmetic,
    at_least,
    capped,
    choose,
    collection_path,
    declared_minimum,
    equal_wholes,
    expr_text,
    fold_amendments,
    fold_count,
    fold_extreme,
    fold_sum,
    fold_unknown_list,
    list_source,
    priced,
    status_of,
    truth,
    whole_path,
)
from policydsl.result import (
    BenefitResult,
    MeasureResult,
    Node,
    Read,
    Result,
    ScoreResult,
    TargetResult,
    benefit_result,
    measure_result,
    show_points,
)
from policydsl.values import Money, Unknown, make_date, merge_unknown, money, shift

Fn = Callable[["CompiledEvaluation", Env], object]
Outcome = Callable[["CompiledEvaluation", Env, "str | None", "str | None"], BenefitResult]
BenefitFn = Callable[["CompiledEvaluation"], "BenefitResult | list[BenefitResult]"]
# A measure's outcome before it becomes a MeasureResult: status, agencies, benefits, total,
# unknowns, targets.
Row = tuple[str, tuple[str, ...], tuple[BenefitResult, ...], "Money | None", tuple[str, ...],
            tuple[TargetResult, ...]]
Plan = Callable[["CompiledEvaluation"], Row]
Agencies = tuple[str, ...] | Callable[["CompiledEvaluation"], tuple[str, ...]]  # fixed, or by the enterprise
TargetFn = Callable[["CompiledEvaluation"], TargetResult]
Unknowing = Callable[[Unknown], Row]  # the row of a measure whose one condition is unknown
# An evaluation's schedule on one day (Compiler.layout): the rows fixed that day (None where a plan
# runs); groups of measures decided by one condition (its closure; each measure's place and row when
# it holds, when it does not, and when it is unknown); the other plans; the policy in force.
Layout = tuple[tuple[Row | None, ...],
               tuple[tuple[Fn, tuple[tuple[int, Row], ...], tuple[tuple[int, Row], ...],
                           tuple[tuple[int, Unknowing], ...]], ...],
               tuple[tuple[int, Plan], ...], bool]
EMPTY_ENV: Env = {}
NOT_IN_FORCE: Row = ("not_in_force", (), (), None, (), ())
_MISSING = object()
_WINDOW = object()  # a row's score slot: undetermined because a year bound leaves the window open
_ZERO = Decimal(0)
_LOCK = threading.Lock()
_WINDOW_CACHE_SIZE = 256  # as-of days remembered per policy (a batch run uses one)
# Conditions that only read a name or state a constant: nothing to keep per evaluation.
_READS = (m.DefRef, m.CondRef, m.ParamRef, m.FactRef, m.Const)
_KEPT_PATHS = 16  # the paths of a list's first items, written once
_MOST_BENEFITS_BY_TRUTH = 6  # rows kept per combination of applying benefits: 2**6 a measure …
_MOST_ROWS_BY_TRUTH = 1024  # … times the agencies and targets' results that occur, within a bound

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


class Compiler:
    """Turns a checked policy into closures and measure plans; one instance per policy."""

    def __init__(self, policy: m.Policy) -> None:
        self.policy = policy
        self.amended = amendments_by_target(policy)
        # id(benefit) → its compiled outcome for one item (or none); filled by benefit().
        self.outcomes: dict[int, Outcome] = {}
        # id(benefit) → its results when it applies and when it does not (no item, no amount).
        self.constants: dict[int, tuple[BenefitResult, BenefitResult]] = {}
        self._tracing = False
        self._shared_fns: dict[tuple[str, ...], Fn] = {}  # a definition's or amended parameter's closure
        self.builder: Builder[Fn, None] = Builder(policy, self)  # the one semantics, for closures
        self.years: dict[int, Fn] = {}  # id of a series read → its year's closure (`dependencies`)
        self.fns: dict[int, Fn] = {}
        for expr in m.top_level_expressions(policy):
            self.fns[id(expr)] = self.compile(expr)
        # Measures decided by one condition: id(measure) → (what the condition reads, its closure,
        # the rows when it holds and when it does not, the row when it is unknown); see _plan_by_truth.
        self._one_condition: dict[int, tuple[object, Fn, Row, Row, Callable[[Unknown], Row]]] = {}
        self.score_fns: dict[str, tuple[Fn, ...]] = {}  # a scored measure's indicators, in order
        self.plans: dict[str, Plan] = {measure.id: self.plan(measure) for measure in policy.all_measures.values()}
        # A bound known only to its year somewhere: each evaluation reads the windows with its
        # parameters (semantics.in_force) after the day's layout.
        # Outside the years of such bounds the windows' `contains` is exact.
        windows = [policy.header.window, *(ms.own_window for ms in policy.all_measures.values() if ms.own_window)]
        self.bound_years = frozenset(b.year for w in windows for b in (w.start, w.end) if b.kind == "year" and b.year)
        self.root_plans: tuple[Plan, ...] = tuple(self.plans[measure.id] for measure in policy.measures)
        self.index = {measure.id: index for index, measure in enumerate(policy.measures)}
        self.goals = tuple((goal.id, self.fns[id(goal.count)]) for goal in policy.goals)
        self._in_force: dict[datetime.date, tuple[bool, ...]] = {}
        self._layouts: dict[datetime.date, Layout] = {}
        self._traced: dict[int, Fn] | None = None
        self._explainers: dict[str, Explainer] = {}
        self._definition_clauses: dict[str, Clause] = {}
        self._shared_clauses: dict[object, Clause] = {}

    def in_force(self, as_of: datetime.date) -> tuple[bool, ...]:
        """Which root measures are in force on a day (cached: a day is usually asked many times)."""
        flags = self._in_force.get(as_of)
        if flags is None:
            if len(self._in_force) >= _WINDOW_CACHE_SIZE:
                self._in_force.clear()
            flags = tuple(any(v.window.contains(as_of) for v in measure.versions) if measure.versions
                          else measure.window.contains(as_of) for measure in self.policy.measures)
            self._in_force[as_of] = flags
        return flags

    def layout(self, as_of: datetime.date) -> Layout:
        """How an evaluation on a day computes its rows (cached per day, as `in_force`): the rows
        fixed that day (out of force), then the measures decided by one condition, grouped by what
        the condition reads (Sanmenxia's "is SRDI" decides 17 measures: one read, one row each),
        then the other plans, each with its row's place."""
        layout = self._layouts.get(as_of)
        if layout is None:
            if len(self._layouts) >= _WINDOW_CACHE_SIZE:
                self._layouts.clear()
            fixed: list[Row | None] = []
            groups: dict[object, tuple[Fn, list[tuple[int, Row]], list[tuple[int, Row]], list[tuple[int, Unknowing]]]] = {}
            others: list[tuple[int, Plan]] = []
            inside = self.in_force(as_of)
            for index, (measure, plan) in enumerate(zip(self.policy.measures, self.root_plans, strict=True)):
                fixed.append(None if inside[index] else NOT_IN_FORCE)
                one = self._one_condition.get(id(measure))
                if not inside[index]:
                    continue
                if one is None:
                    others.append((index, plan))
                    continue
                reads, when, yes, no, of_unknown = one
                group = groups.setdefault(reads, (when, [], [], []))
                group[1].append((index, yes))
                group[2].append((index, no))
                group[3].append((index, of_unknown))
            layout = self._layouts[as_of] = (
                tuple(fixed),
                tuple((when, tuple(yes), tuple(no), tuple(open_)) for when, yes, no, open_ in groups.values()),
                tuple(others),
                self.policy.header.window.contains(as_of),
            )
        return layout

    def _read_by(self, expr: m.TExpr) -> object:
        """What a condition reads when it only names a value (a definition, a fact, a parameter,
        through conditions that name one another): conditions that read the same are decided
        alike. Anything else is its own."""
        while isinstance(expr, m.CondRef):
            condition = next(c for c in self.policy.all_measures[expr.measure].conditions if c.name == expr.name)
            if not isinstance(condition.expr, _READS):
                return ("condition", expr.measure, expr.name)
            expr = condition.expr
        if isinstance(expr, m.DefRef):
            return ("definition", expr.name)
        if isinstance(expr, m.FactRef):
            return ("fact", expr.fact.name)
        if isinstance(expr, m.ParamRef):
            return ("parameter", expr.name)
        return ("expression", id(expr))

    # ---- measures and benefits
    def plan(self, measure: m.Measure) -> Plan:
        """A measure's plan; a measure in versions runs the version in force, a scored measure adds
        its score to the row (a seventh element: the measure applied and its score)."""
        if measure.versions:
            return lambda ctx: ctx.versioned_row(measure)
        base = self.status_plan(measure)
        if measure.score is None:
            return base
        self._one_condition.pop(id(measure), None)  # its row needs the score: run the plan
        self.score_fns[measure.id] = tuple(self.fns[id(i.expr)] for i in measure.score.indicators)

        def scored(ctx: CompiledEvaluation) -> Row:
            row = base(ctx)
            score = ctx.score_of(measure)
            unknowns = row[4]
            if score.unknowns:
                unknowns = tuple(sorted({*unknowns, *score.unknowns}))
            return (*row[:4], unknowns, row[5], (measure, score))  # type: ignore[return-value]

        return scored

    def status_plan(self, measure: m.Measure) -> Plan:
        """A measure's plan. Its conditions are computed when a benefit reads them (once per
        evaluation, `shared`); its agencies and targets are compiled (`agencies`, `target`)."""
        singles = tuple(self.benefit(measure, b) for b in measure.benefits if b.for_each is None)
        if len(singles) != len(measure.benefits):
            singles = ()
        loops = () if singles else tuple(self.benefit(measure, b) for b in measure.benefits)
        with_amount = priced(measure)
        monetary = bool(with_amount)
        agencies = self.agencies(measure)
        fixed_agencies = agencies if isinstance(agencies, tuple) else None
        targets = tuple(self.target(t) for t in measure.targets)
        status = status_of(measure, [])  # what the measure is when no benefit applies or is open
        if not measure.benefits and fixed_agencies is not None and not targets:
            fixed: Row = (status, fixed_agencies, (), None, (), ())  # a directive: nothing to decide
            return lambda ctx: fixed
        if len(singles) == 1 and monetary and not targets:
            return self._plan_of_one(measure, agencies, status)

        def run(ctx: CompiledEvaluation) -> Row:
            if singles:
                results: list[BenefitResult] = [fn(ctx) for fn in singles]  # type: ignore[misc]
            else:
                results = []
                for loop in loops:
                    outcome = loop(ctx)
                    if isinstance(outcome, list):
                        results.extend(outcome)
                    else:
                        results.append(outcome)
            # One pass for what status_of(), total_of() and the unknowns would take four.
            eligible = undetermined = lacking = open_total = False
            total = _ZERO
            amounts = 0
            for result in results:
                applies = result.applies
                if applies is True:
                    eligible = True
                    amount = result.amount
                    if amount is not None:
                        total += amount.yuan
                        amounts += 1
                    elif result.id in with_amount:  # unknown, even if it names nothing (§13)
                        open_total = True
                elif applies is None:
                    undetermined = True
                if result.unknowns:
                    lacking = True
            unknowns: tuple[str, ...] = ()
            if lacking:
                unknowns = tuple(sorted({u for b in results for u in b.unknowns}))
            return (
                "eligible" if eligible else "undetermined" if undetermined else status,
                fixed_agencies if fixed_agencies is not None else agencies(ctx),  # type: ignore[operator]
                tuple(results),
                money(total) if monetary and amounts and not open_total else None,  # semantics.total_of
                unknowns,
                tuple(target(ctx) for target in targets) if targets else (),
            )

        if singles and not monetary:
            return self._plan_by_truth(measure, agencies, targets, status, run)
        return run

    def _plan_by_truth(self, measure: m.Measure, agencies: Agencies, targets: tuple[TargetFn, ...], status: str,
                       general: Plan) -> Plan:
        """The plan of the commonest measures: benefits without amounts or items. Each benefit is
        then decided by its conditions alone: it applies, it does not, or it is unknown for want of
        some paths; the row depends only on these states, the agencies and the targets' results.
        A row is built once per policy for each combination that occurs (the results of benefits
        that apply or not are the constant ones `benefit` made), as `run` would build it."""
        whens = tuple(tuple(self.fns[id(w)] for w in b.when) for b in measure.benefits)
        if len(whens) > _MOST_BENEFITS_BY_TRUTH:
            return general
        results = tuple((*self.constants[id(b)], b) for b in measure.benefits)
        rows: dict[object, Row] = {}

        def row_of(key: tuple[bool | frozenset[str], ...], names: tuple[str, ...],
                   reached: tuple[TargetResult, ...]) -> Row:
            """The row for each benefit's state: True, False or the paths that leave it unknown."""
            if len(rows) >= _MOST_ROWS_BY_TRUTH:
                rows.clear()
            made: list[BenefitResult] = []
            lacking: set[str] = set()
            undetermined = False  # not `lacking`: an unknown may name no path (a division by zero)
            for state, (applies, fails, benefit) in zip(key, results, strict=True):
                if state is True or state is False:
                    made.append(applies if state else fails)
                    continue
                undetermined = True
                lacking |= state
                made.append(benefit_result(benefit.id, benefit.kind, benefit.label, None, None, None, None, None, (),
                                           tuple(sorted(state)), benefit.reference))
            decided = "eligible" if any(state is True for state in key) else "undetermined" if undetermined else status
            row = rows[key, names, tuple(map(id, reached))] = (decided, names, tuple(made), None,
                                                               tuple(sorted(lacking)), reached)
            return row

        if isinstance(agencies, tuple) and not targets and len(whens) == 1 and len(whens[0]) == 1:
            # One benefit with one condition: a row when it holds, one when it does not, one for
            # each set of paths that leaves it unknown.
            when, fixed_names = whens[0][0], agencies
            yes, no = row_of((True,), fixed_names, ()), row_of((False,), fixed_names, ())

            def of_unknown(value: Unknown) -> Row:
                row = rows.get(((value.paths,), fixed_names, ()))
                return row_of((value.paths,), fixed_names, ()) if row is None else row

            def run_on_one(ctx: CompiledEvaluation) -> Row:
                value = when(ctx, EMPTY_ENV)
                return yes if value is True else no if value is False else of_unknown(value)  # type: ignore[arg-type]

            self._one_condition[id(measure)] = (self._read_by(measure.benefits[0].when[0]), when, yes, no, of_unknown)
            return run_on_one

        def run_by_truth(ctx: CompiledEvaluation) -> Row:
            key: list[bool | frozenset[str]] = []
            for conditions in whens:
                state: bool | frozenset[str] = True
                for when in conditions:
                    value = when(ctx, EMPTY_ENV)
                    if value is False:
                        state = False
                        break
                    if value is not True:  # unknown, unless a later condition is false
                        paths: frozenset[str] = value.paths  # type: ignore[attr-defined]
                        state = paths if state is True else state | paths  # type: ignore[operator]
                key.append(state)
            names = agencies if isinstance(agencies, tuple) else agencies(ctx)
            reached = tuple([target(ctx) for target in targets]) if targets else ()
            known = tuple(key)
            row = rows.get((known, names, tuple(map(id, reached))))
            return row_of(known, names, reached) if row is None else row

        return run_by_truth

    def _plan_of_one(self, measure: m.Measure, agencies: Agencies, status: str) -> Plan:
        """The plan of a measure of one benefit with an amount and no targets; what `run`
        computes, without its loops (a benefit's unknowns are sorted already)."""
        outcome = self.outcomes[id(measure.benefits[0])]
        fixed = agencies if isinstance(agencies, tuple) else None

        def run_one(ctx: CompiledEvaluation) -> Row:
            result = outcome(ctx, EMPTY_ENV, None, None)
            applies, amount = result.applies, result.amount
            return (
                "eligible" if applies is True else "undetermined" if applies is None else status,
                fixed if fixed is not None else agencies(ctx),  # type: ignore[operator]
                (result,),
                money(_ZERO + amount.yuan) if applies is True and amount is not None else None,  # total_of
                result.unknowns,
                (),
            )

        return run_one

    def agencies(self, measure: m.Measure) -> Agencies:
        """A measure's agencies: the names themselves when they are fixed, else a closure. An
        agency whose condition is unknown stays a candidate; a table's unknown key gives its
        `unknown` row."""
        if all(a.name is not None and a.when is None for a in measure.agencies):
            return tuple(dict.fromkeys(a.name for a in measure.agencies if a.name is not None))
        parts: list[tuple[Fn | None, Fn | None, tuple[str, ...], Mapping[object, tuple[str, ...]]]] = []
        for agency in measure.agencies:
            when = self.fns[id(agency.when)] if agency.when is not None else None
            if agency.name is not None:
                parts.append((when, None, (agency.name,), {}))
            else:
                assert agency.table is not None
                table = self.policy.tables[agency.table]
                parts.append((when, self.fns[id(table.key)], tuple(table.unknown_row),
                              {key: tuple(names) for key, names in table.rows.items()}))
        if len(parts) == 1 and parts[0][0] is None:  # one table, always consulted
            _, key_fn, unknown_row, table_rows = parts[0]
            assert key_fn is not None
            unknown_names = tuple(dict.fromkeys(unknown_row))
            by_key = {key: tuple(dict.fromkeys(names)) for key, names in table_rows.items()}

            def by_table(ctx: CompiledEvaluation) -> tuple[str, ...]:
                key = key_fn(ctx, EMPTY_ENV)
                return unknown_names if isinstance(key, Unknown) else by_key[key]

            return by_table

        def agencies(ctx: CompiledEvaluation) -> tuple[str, ...]:
            names: list[str] = []
            for when, key_fn, fixed, table_rows in parts:
                if when is not None and when(ctx, EMPTY_ENV) is False:
                    continue  # an unknown condition keeps the agency as a candidate
                if key_fn is None:
                    names.extend(fixed)
                    continue
                key = key_fn(ctx, EMPTY_ENV)
                names.extend(fixed if isinstance(key, Unknown) else table_rows[key])
            return tuple(dict.fromkeys(names))

        return agencies

    def target(self, target: m.Target) -> TargetFn:
        """A target's result: whether it applies and, where it may, whether it is met. Results are
        values, so each of the few combinations is built once per policy."""
        when = self.fns[id(target.when)] if target.when is not None else None
        require = self.fns[id(target.require)] if target.require is not None else None
        made: dict[tuple[bool | None, bool | None], TargetResult] = {}

        def run_target(ctx: CompiledEvaluation) -> TargetResult:
            applies = when(ctx, EMPTY_ENV) if when is not None else True
            if applies is not True and applies is not False:
                applies = None  # `truth`: unknown
            met = None
            if applies is not False and require is not None:
                met = require(ctx, EMPTY_ENV)
                if met is not True and met is not False:
                    met = None
            result = made.get((applies, met))  # type: ignore[arg-type]
            if result is None:
                result = made[applies, met] = TargetResult(target.id, target.label, applies, met)  # type: ignore[index,arg-type]
            return result

        return run_target

    def benefit(self, measure: m.Measure, benefit: m.Benefit) -> BenefitFn:
        # A false condition decides, whichever it is, and unknowns are merged as sets: the names
        # (computed once per evaluation) are tried first, so an item is often decided by one read.
        whens = tuple(self.fns[id(w)] for w in sorted(benefit.when, key=lambda w: not isinstance(w, _READS)))
        ident, kind, label, reference = benefit.id, benefit.kind, benefit.label, benefit.reference
        applies = BenefitResult(ident, kind, label, True, reference=reference)
        fails = BenefitResult(ident, kind, label, False, reference=reference)
        self.constants[id(benefit)] = (applies, fails)
        amount = self.fns[id(benefit.amount)] if benefit.amount is not None else None
        cap = self.fns[id(benefit.cap)] if benefit.cap is not None else None
        parameters = self.policy.parameters

        def outcome(ctx: CompiledEvaluation, env: Env, item: str | None, item_path: str | None) -> BenefitResult:
            unknown: Unknown | None = None
            for when in whens:
                value = when(ctx, env)
                if value is False:
                    return fails if item_path is None else benefit_result(ident, kind, label, False, item, item_path,
                                                                          None, None, (), (), reference)
                if isinstance(value, Unknown):
                    unknown = value if unknown is None else merge_unknown(unknown, value)
            if unknown is not None:
                return benefit_result(ident, kind, label, None, item, item_path, None, None, (),
                                      tuple(sorted(unknown.paths)), reference)
            if amount is None:
                return applies if item_path is None else benefit_result(ident, kind, label, True, item, item_path,
                                                                        None, None, (), (), reference)
            raw = amount(ctx, env)
            limit = cap(ctx, env) if cap else None
            if type(raw) is not Unknown and type(limit) is not Unknown:  # `capped`, known amounts
                total = raw if limit is None or not limit < raw else limit  # type: ignore[operator] # min(raw, limit)
                return benefit_result(ident, kind, label, True, item, item_path, total, None, (), (),  # type: ignore[arg-type]
                                      reference)
            total, at_most, lacking = capped(raw, limit)
            if not lacking:
                return benefit_result(ident, kind, label, True, item, item_path, total, at_most, (), (), reference)
            missing = tuple(sorted(p for p in lacking if p in parameters))
            return benefit_result(ident, kind, label, True, item, item_path, total, at_most, missing,
                                  tuple(sorted(lacking)), reference)

        self.outcomes[id(benefit)] = outcome
        if benefit.for_each is None:
            return lambda ctx: outcome(ctx, EMPTY_ENV, None, None)
        loop = benefit.for_each
        collection, var = self.fns[id(loop.collection)], loop.var
        path = collection_path(list_source(self.policy, loop.collection), EMPTY_ENV)  # a root fact: fixed
        item_paths = tuple(f"{path}[{index}]" for index in range(_KEPT_PATHS))

        def each(ctx: CompiledEvaluation) -> list[BenefitResult]:
            items = collection(ctx, EMPTY_ENV)
            if isinstance(items, Unknown):
                # Decided without the items where it can be: a known false condition (say, not
                # SRDI) makes the benefit not apply whatever the list holds (semantics.md §6).
                stand_in = outcome(ctx, {var: (UNKNOWN_ITEM, path)}, None, None)
                if stand_in.applies is False:
                    return [stand_in]
                # Undetermined: no amount, so only the condition's unknowns and the list's (§10).
                paths = items.paths if stand_in.applies is True else items.paths | set(stand_in.unknowns)
                return [BenefitResult(ident, kind, label, None, reference=reference, unknowns=tuple(sorted(paths)))]
            if not items:
                return [fails]
            results: list[BenefitResult] = []
            entries: tuple[dict[str, object], ...] = items  # type: ignore[assignment]
            for index, entry in enumerate(entries):
                item_path = item_paths[index] if index < _KEPT_PATHS else f"{path}[{index}]"
                name = entry.get("name")
                results.append(outcome(ctx, {var: (entry, item_path)}, name if name.__class__ is str and name
                                       else item_path, item_path))
            return results

        return each

    def explainer(self, measure: m.Measure) -> Explainer:
        """The compiled explanation of a measure (explain.py), built on first use."""
        explain = self._explainers.get(measure.id)
        if explain is None:
            explain = self._explainers[measure.id] = measure_explainer(self.traced_fns(), measure, self._shared)
        return explain

    def _shared(self, clause: Clause, key: object) -> Clause:
        """One clause for all equal ones (same label, same expression, no loop variable), whose
        value and node are kept by the tracing evaluation: they depend on the enterprise alone."""
        once = self._shared_clauses.get(key)
        if once is None:
            slot = len(self._shared_clauses)

            def once(ctx: CompiledEvaluation, env: Env) -> tuple[object, Node]:
                done = ctx._clause_results.get(slot)
                if done is None:
                    done = ctx._clause_results[slot] = clause(ctx, env)
                return done

            self._shared_clauses[key] = once
        return once

    def indicator_clauses(self, measure: m.Measure) -> tuple[Clause, ...]:
        """The clauses of a scored measure's indicators, prepared once."""
        key = ("indicators", measure.id)
        clauses = self._shared_clauses.get(key)
        if clauses is None:
            assert measure.score is not None
            fns = self.traced_fns()
            clauses = self._shared_clauses[key] = tuple(  # type: ignore[assignment]
                clause_of(fns, "indicator", f"{i.name}: {i.label}", i.expr) for i in measure.score.indicators)
        return clauses  # type: ignore[return-value]

    def definition_clause(self, name: str) -> Clause:
        """A definition's clause as the explanations show it, prepared once."""
        clause = self._definition_clauses.get(name)
        if clause is None:
            definition = self.policy.definitions[name]
            clause = self._definition_clauses[name] = clause_of(
                self.traced_fns(), "definition", f"{name}: {definition.label or name}", definition.expr)
        return clause

    # ---- expressions
    def traced_fns(self) -> dict[int, Fn]:
        """Closures that also record what they read, for explanations; built on first use."""
        if self._traced is not None:
            return self._traced
        with _LOCK:
            if self._traced is None:
                self._tracing = True
                try:
                    self._traced = {id(expr): self.compile(expr) for expr in m.top_level_expressions(self.policy)}
                finally:
                    self._tracing = False
            return self._traced

    def compile(self, expr: m.TExpr) -> Fn:
        """An expression as a closure, built by the one semantics (engine/domain.py) in this domain."""
        return self.builder.build(expr, None)

    # ---- the domain of engine/domain.py: closures over one evaluation, no scope while building
    # (loop variables are bound in `env` when the closures run). Tracing changes only the leaves:
    # facts, fields, definitions, parameters and conditions record a read (or a definition's node).
    def top(self) -> None:
        return None

    def visit(self, expr: m.TExpr, scope: None, compute: Callable[[], Fn]) -> Fn:
        return compute()

    def constant(self, expr: m.Const) -> Fn:
        value = expr.value
        return lambda ctx, env: value

    def _fact_read(self, expr: m.FactRef) -> tuple[str, Unknown]:
        """A root fact's name and its value where the profile does not know it (with the bounds
        its declared minimum or range gives)."""
        return expr.fact.name, _missing(frozenset({expr.fact.name}), expr.fact)

    def fact(self, expr: m.FactRef) -> Fn:
        name, missing = self._fact_read(expr)

        def fact(ctx: CompiledEvaluation, env: Env) -> object:
            value = ctx.facts.get(name)
            return missing if value is None else value

        if not self._tracing:
            return fact
        label, show_fact = expr.fact.label, shower(expr.type)

        def fact_read(ctx: CompiledEvaluation, env: Env) -> object:
            value = fact(ctx, env)
            stack = ctx._reads
            if stack:  # a fact's read is the same in every clause of one evaluation: built once
                read = ctx._read_cache.get(name)
                if read is None:
                    read = ctx._read_cache[name] = Read(name, label, show_fact(value))
                stack[-1].append(read)
            return value

        return fact_read

    def record(self, expr: m.RecordRef) -> Fn:
        """A record's field: unknown, named `record.field`, where the record or the field is absent."""
        name, field = expr.record.name, expr.fact.name
        path = f"{name}.{field}"
        missing = Unknown(frozenset({path}))

        def record_field(ctx: CompiledEvaluation, env: Env) -> object:
            record = ctx.facts.get(name)
            value = record.get(field) if isinstance(record, dict) else None
            return missing if value is None else value

        if not self._tracing:
            return record_field
        label, show_field = expr.fact.label, shower(expr.type)

        def record_read(ctx: CompiledEvaluation, env: Env) -> object:
            value = record_field(ctx, env)
            if ctx._reads:
                ctx._reads[-1].append(Read(path, label, show_field(value)))
            return value

        return record_read

    def field(self, expr: m.FieldRef, scope: None) -> Fn:
        var, field, declared = expr.var, expr.fact.name, expr.fact

        def item_field(ctx: CompiledEvaluation, env: Env) -> object:
            item, path = env[var]
            if item is UNKNOWN_ITEM:
                return _missing(frozenset({path}), declared)
            value = item.get(field)
            return _missing(frozenset({f"{path}.{field}"}), declared) if value is None else value

        if not self._tracing:
            return item_field
        field_label, show_field = expr.fact.label, shower(expr.type)

        def item_field_read(ctx: CompiledEvaluation, env: Env) -> object:
            value = item_field(ctx, env)
            item, path = env[var]
            stack = ctx._reads
            if item is not UNKNOWN_ITEM and stack:
                stack[-1].append(Read(f"{path}.{field}", field_label, show_field(value)))
            return value

        return item_field_read

    def variable(self, expr: m.VarRef, scope: None) -> Fn:
        var = expr.var
        return lambda ctx, env: env[var][0]

    def negation(self, expr: m.Not, operand: Fn) -> Fn:
        def negation(ctx: CompiledEvaluation, env: Env) -> object:
            value = operand(ctx, env)
            return value if isinstance(value, Unknown) else not value

        return negation

    def minus(self, expr: m.Neg, operand: Fn) -> Fn:
        kind = expr.type.kind

        def negative(ctx: CompiledEvaluation, env: Env) -> object:
            value = operand(ctx, env)
            if isinstance(value, Unknown):
                return intervals.negate(value, kind) if value.bounded else value
            return Money(-value.yuan) if isinstance(value, Money) else -value  # type: ignore[operator]

        return negative

    def member(self, expr: m.In, inner: Fn) -> Fn:
        options, negated = frozenset(expr.options), expr.negated

        def member(ctx: CompiledEvaluation, env: Env) -> object:
            value = inner(ctx, env)
            if isinstance(value, Unknown):
                return value
            return (value in options) != negated

        return member

    def at_least(self, value: Fn, minimum: Decimal, expr: m.TExpr) -> Fn:
        def within(ctx: CompiledEvaluation, env: Env) -> object:
            return at_least(value(ctx, env), minimum, lambda: ctx.dependencies(expr, env))

        return within

    def outcome(self, expr: m.Outcome) -> Fn:
        function, measure, group = expr.function, expr.measure, expr.group
        if not self._tracing:
            return lambda ctx, env: ctx.outcome(function, measure, group)
        read_as = f"{function}({measure}{', ' + group if group else ''})"
        show_value = shower(expr.type)

        def outcome_read(ctx: CompiledEvaluation, env: Env) -> object:
            value = ctx.outcome(function, measure, group)
            if ctx._reads:
                shown = show_value(value) if expr.type.kind == "bool" else show_points(value)
                ctx._reads[-1].append(Read(read_as, None, shown))
            return value

        return outcome_read

    def parameter_base(self, parameter: m.Parameter) -> Fn:
        name, default = parameter.name, parameter.default
        if default is None:
            default = intervals.declared(frozenset({name}), parameter.type.kind, parameter.minimum, parameter.maximum,
                                         "parameter not supplied")

        def plain(ctx: CompiledEvaluation, env: Env) -> object:
            return ctx.params.get(name, default)

        return plain

    def choose(self, condition: Fn, then: Fn, otherwise: Fn, typ: m.Type) -> Fn:
        def chosen(ctx: CompiledEvaluation, env: Env) -> object:
            holds = condition(ctx, env)
            if holds is True:
                value = then(ctx, env)
            elif holds is False:
                value = otherwise(ctx, env)
            else:
                return choose(holds, then(ctx, env), otherwise(ctx, env))
            return value

        return chosen

    def band(self, expr: m.Band, subject: Fn, tests: list[Fn], values: list[Fn]) -> Fn:
        rows = list(zip(tests, values, strict=True))

        def banded(ctx: CompiledEvaluation, env: Env) -> object:
            open_: list[tuple[object, Fn]] = []
            for test, value in rows:
                holds = test(ctx, env)
                if holds is True:
                    return value(ctx, env)
                if holds is not False:
                    open_.append((holds, value))
            if not open_:  # pragma: no cover - the checker makes the rows cover every value
                return Unknown(frozenset(), "no row of the band holds")
            result = open_[-1][1](ctx, env)
            for holds, value in reversed(open_[:-1]):
                result = choose(holds, value(ctx, env), result)
            return result

        if not self._tracing:
            return banded
        labels = {name: d.label for name, d in self.policy.definitions.items()}
        labels.update({name: p.label for name, p in self.policy.parameters.items()})
        note = band_noter(expr, labels)

        def traced_band(ctx: CompiledEvaluation, env: Env) -> object:
            result = banded(ctx, env)
            if ctx._children:
                measured = subject(ctx, env)
                holding = [row for row, test in zip(expr.rows, tests, strict=True) if test(ctx, env) is not False]
                ctx._children[-1].append(note(measured, holding, result))
            return result

        return traced_band

    def shared(self, key: tuple[str, ...], build: Callable[[], Fn]) -> Fn:
        """Definitions, amended parameters and conditions: computed when first read and kept for
        the evaluation (in `ctx._definitions`, `ctx._params`, `ctx._conditions`); a condition that
        only names a value is that value's closure. The closure that computes each is built once
        per policy."""
        kind = key[0]
        if self._tracing:
            return self._traced_shared(key)
        if kind == "param" and key[1] not in self.amended:
            return build()  # a supplied value or the default: nothing to keep
        fn = self._shared_fns.get(key)
        if fn is None:
            fn = self._shared_fns[key] = build()
        compute = fn
        if kind == "def":
            name = key[1]

            def definition(ctx: CompiledEvaluation, env: Env) -> object:
                value = ctx._definitions.get(name, _MISSING)
                if value is _MISSING:
                    value = ctx._definitions[name] = compute(ctx, EMPTY_ENV)
                return value

            return definition
        if kind == "param":
            name = key[1]

            def amended(ctx: CompiledEvaluation, env: Env) -> object:
                value = ctx._params.get(name, _MISSING)
                if value is _MISSING:
                    value = ctx._params[name] = compute(ctx, EMPTY_ENV)
                return value

            return amended
        condition_key = (key[1], key[2])
        expr = next(c.expr for c in self.policy.all_measures[key[1]].conditions if c.name == key[2])
        if isinstance(expr, _READS):
            return compute  # a name or a constant: kept already, or as cheap to read again

        def condition(ctx: CompiledEvaluation, env: Env) -> object:
            value = ctx._conditions.get(condition_key, _MISSING)
            if value is _MISSING:
                value = ctx._conditions[condition_key] = compute(ctx, EMPTY_ENV)
            return value

        return condition

    def _traced_shared(self, key: tuple[str, ...]) -> Fn:
        """A definition shows its node under the clause that reads it; a parameter or condition
        records a read, with a parameter's note on where its value came from."""
        kind = key[0]
        if kind == "def":
            name = key[1]

            def definition_node(ctx: CompiledEvaluation, env: Env) -> object:
                traced = ctx._traced_definitions.get(name)
                value, node = ctx.traced_definition(name) if traced is None else traced
                # A definition read several times by one clause (a band's rows, `x[y] / z[y]`) is
                # shown once under it: the same node, traced once per evaluation.
                if node is not None and ctx._children and not any(n is node for n in ctx._children[-1]):
                    ctx._children[-1].append(node)
                return value

            return definition_node
        if kind == "param":
            name = key[1]
            return lambda ctx, env: ctx.parameter(name)
        condition_key = (key[1], key[2])
        read_as = f"condition {key[2]}"
        show_bool = shower(m.BOOL)

        def condition_read(ctx: CompiledEvaluation, env: Env) -> object:
            value = ctx._conditions.get(condition_key, _MISSING)
            if value is _MISSING:
                value = ctx.condition(condition_key, env)
            stack = ctx._reads
            if stack:
                stack[-1].append(Read(read_as, None, show_bool(value)))
            return value

        return condition_read

    def logic(self, expr: m.Logic, built: list[Fn]) -> Fn:
        items = tuple(built)
        decisive = expr.op == "or"

        def logic(ctx: CompiledEvaluation, env: Env) -> object:
            unknowns = None
            for item in items:
                value = item(ctx, env)
                if value is decisive:
                    return decisive
                if type(value) is Unknown:
                    unknowns = [value] if unknowns is None else [*unknowns, value]
            return _merged(unknowns) if unknowns else not decisive

        return logic

    def compare(self, expr: m.Compare, left: Fn, right: Fn) -> Fn:
        if expr.operand_type.kind in ("list", "entity"):
            return self.compare_wholes(expr, left, right)
        test = _ORDER[expr.op]
        test, op = _ORDER[expr.op], expr.op
        enum = expr.operand_type.enum if expr.operand_type.kind == "enum" else None
        rank = {value: index for index, value in enumerate(enum.values)} if enum is not None else None
        if isinstance(expr.right, m.Const):  # the commonest comparison: with a constant, ranked once
            bound = expr.right.value if rank is None else rank[expr.right.value]  # type: ignore[index]
            if isinstance(expr.left, m.FactRef) and not self._tracing:  # … of a fact: read here
                name, missing = self._fact_read(expr.left)

                if missing.bounded and rank is None:  # decided by the fact's declared bounds, once
                    by_bounds = intervals.compare(expr.op, missing, bound)
                    if by_bounds is not None:
                        missing = by_bounds  # type: ignore[assignment]

                def compare_fact(ctx: CompiledEvaluation, env: Env) -> object:
                    a = ctx.facts.get(name)
                    if a is None:
                        return missing
                    return test(a if rank is None else rank[a], bound)  # type: ignore[index]

                return compare_fact

            op = expr.op

            def compare_constant(ctx: CompiledEvaluation, env: Env) -> object:
                a = left(ctx, env)
                if type(a) is Unknown:
                    if a.bounded and rank is None:
                        decided = intervals.compare(op, a, bound)
                        if decided is not None:
                            return decided
                    return _either(a, bound)
                return test(a if rank is None else rank[a], bound)  # type: ignore[index]

            return compare_constant
        if rank is not None:

            def compare_enum(ctx: CompiledEvaluation, env: Env) -> object:
                a, b = left(ctx, env), right(ctx, env)
                if type(a) is Unknown or type(b) is Unknown:
                    return _either(a, b)
                return test(rank[a], rank[b])  # type: ignore[index]

            return compare_enum

        numeric = expr.operand_type.kind in intervals.NUMBER_KINDS

        def compare(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = left(ctx, env), right(ctx, env)
            if type(a) is Unknown or type(b) is Unknown:
                if numeric:
                    decided = intervals.compare(op, a, b)
                    if decided is not None:
                        return decided
                return _either(a, b)
            return test(a, b)

        return compare

    @staticmethod
    def compare_wholes(expr: m.Compare, left: Fn, right: Fn) -> Fn:
        """Two items or two lists, `=` or `!=`: `semantics.equal_wholes`, fact by fact."""
        negated = expr.op == "!="

        def compare_wholes(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = left(ctx, env), right(ctx, env)
            if type(a) is Unknown or type(b) is Unknown:
                return _either(a, b)
            same = equal_wholes(a, b, whole_path(expr.left, env), whole_path(expr.right, env))
            return not same if negated and type(same) is bool else same

        return compare_wholes

    def arith(self, expr: m.Arith, left: Fn, right: Fn, scope: None) -> Fn:
        op, divisor, kind = expr.op, expr.right, expr.type.kind

        def arith(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = left(ctx, env), right(ctx, env)
            if type(a) is Unknown or type(b) is Unknown:
                if (type(a) is Unknown and a.bounded) or (type(b) is Unknown and b.bounded):  # type: ignore[union-attr]
                    return intervals.arith(op, a, b, kind)
                return _either(a, b)
            return arithmetic(op, a, b, lambda: ctx.dependencies(divisor, env))

        return arith

    def quantify(self, expr: m.Quant, collection: Fn, build_body: Callable[[None], Fn], scope: None) -> Fn:
        body = build_body(None)
        decisive, var, source = expr.quantifier == "any", expr.var, list_source(self.policy, expr.collection)

        def quantified(ctx: CompiledEvaluation, env: Env) -> object:
            items = collection(ctx, env)
            if isinstance(items, Unknown):
                return items
            path = collection_path(source, env)
            unknowns: list[Unknown] = []
            entries: tuple[dict[str, object], ...] = items  # type: ignore[assignment]
            for index, item in enumerate(entries):
                value = body(ctx, {**env, var: (item, f"{path}[{index}]")})
                if value is decisive:
                    return decisive
                if isinstance(value, Unknown):
                    unknowns.append(value)
            return _merged(unknowns) if unknowns else not decisive

        return quantified

    def aggregate(self, expr: m.Aggregate, collection: Fn, item: Callable[[None], tuple[Fn | None, Fn | None]],
                  default: Fn | None, scope: None) -> Fn:
        """semantics.md §6: each item's filter and value, folded by `semantics.fold_*`."""
        where, value = item(None)
        op, var, source, typ = expr.op, expr.var, list_source(self.policy, expr.collection), expr.type
        minimum = declared_minimum(expr.value)

        def aggregated(ctx: CompiledEvaluation, env: Env) -> object:
            items = collection(ctx, env)
            path = collection_path(source, env)
            if isinstance(items, Unknown):  # any number of items, each like a stand-in (semantics.md §6)
                inner = {**env, var: (UNKNOWN_ITEM, path)}
                holds = True if where is None else where(ctx, inner)
                found = value(ctx, inner) if value is not None and holds is not False else None
                return fold_unknown_list(op, items, path, holds, found, minimum,
                                         default(ctx, env) if default is not None else None, typ)
            seen: list[tuple[object, object, object | None]] = []
            entries: tuple[dict[str, object], ...] = items  # type: ignore[assignment]
            for index, entry in enumerate(entries):
                inner = {**env, var: (entry, f"{path}[{index}]")}
                holds = True if where is None else where(ctx, inner)
                seen.append((holds, value(ctx, inner) if value is not None and holds is not False else None, minimum))
            if op == "count":
                return fold_count([holds for holds, _, _ in seen])
            if op == "sum":
                return fold_sum(seen, typ)
            return fold_extreme(op, seen, default(ctx, env) if default is not None else None)

        return aggregated

    # ---- time and series
    def today(self, expr: m.Today) -> Fn:
        if not self._tracing:
            return lambda ctx, env: ctx.as_of

        def today_read(ctx: CompiledEvaluation, env: Env) -> object:
            if ctx._reads:
                ctx._reads[-1].append(Read("today", "评估日期", ctx.as_of.isoformat()))
            return ctx.as_of

        return today_read

    def shift(self, expr: m.Shift, day: Fn, amount: Fn, scope: None) -> Fn:
        sign, source = (1 if expr.op == "+" else -1), expr.date

        def shifted(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = day(ctx, env), amount(ctx, env)
            if type(a) is Unknown or type(b) is Unknown:
                return _either(a, b)
            moved = shift(a, b, sign)  # type: ignore[arg-type]
            return Unknown(ctx.dependencies(source, env), "outside the calendar") if moved is None else moved

        return shifted

    def series_at(self, expr: m.Index, year: Fn, scope: None) -> Fn:
        series = expr.series
        name = series.fact.name
        if isinstance(series, m.FactRef):

            def located(ctx: CompiledEvaluation, env: Env) -> tuple[object, str]:
                return ctx.facts.get(name), name
        else:
            var = series.var

            def located(ctx: CompiledEvaluation, env: Env) -> tuple[object, str]:
                item, path = env[var]
                return (None, path) if item is UNKNOWN_ITEM else (item.get(name), f"{path}.{name}")

        def at(ctx: CompiledEvaluation, env: Env, when: object) -> object:
            values, path = located(ctx, env)
            if type(when) is Unknown:
                return when if values is not None else merge_unknown(when, Unknown(frozenset({path})))
            value = None if values is None else values.get(when)  # type: ignore[attr-defined]
            return Unknown(frozenset({f"{path}.{when}"})) if value is None else value

        if not self._tracing:
            self.years[id(expr)] = year
            return lambda ctx, env: at(ctx, env, year(ctx, env))
        label, show_value = series.fact.label, shower(expr.type)

        def by_year_read(ctx: CompiledEvaluation, env: Env) -> object:
            when = year(ctx, env)
            value = at(ctx, env, when)
            if ctx._reads and type(when) is not Unknown:
                path = located(ctx, env)[1]
                ctx._reads[-1].append(Read(f"{path}.{when}", f"{label}({when}年)", show_value(value)))
            return value

        return by_year_read

    def _calendar(self, expr: m.Func, args: tuple[Fn, ...]) -> Fn:
        return _calendar_fn(expr, args)

    def call(self, expr: m.Func, built: list[Fn]) -> Fn:
        args = tuple(built)
        name = expr.name
        if name in ("year", "date"):
            return self._calendar(expr, args)

        kind = expr.type.kind

        def function(ctx: CompiledEvaluation, env: Env) -> object:
            values = [arg(ctx, env) for arg in args]
            if any(isinstance(v, Unknown) for v in values):
                return _function_of_unknown(name, values, kind)
            if name in ROUNDINGS:
                return rounded(name, values[0])
            if name == "sqrt":
                found = root(values[0])
                return Unknown(frozenset(), "square root of a negative number") if found is None else found
            if name == "count":
                return len(values[0])  # type: ignore[arg-type]
            if name == "contains":
                return values[1] in values[0]  # type: ignore[operator]
            return (min if name == "min" else max)(values)  # type: ignore[type-var]

        return function


def _reads_of(expr: m.TExpr) -> Iterator[m.TExpr]:
    """`m.walk`, except that a series read is one node (its series is named with its year)."""
    yield expr
    if not isinstance(expr, m.Index):
        for child in m.children(expr):
            yield from _reads_of(child)


def _calendar_fn(expr: m.Func, args: tuple[Fn, ...]) -> Fn:
    """`year(d)`, `date(y, m, d)`: an impossible day is unknown, named by what the arguments read."""
    if expr.name == "year":
        (day,) = args

        def year_of(ctx: CompiledEvaluation, env: Env) -> object:
            value = day(ctx, env)
            return value if type(value) is Unknown else value.year  # type: ignore[attr-defined]

        return year_of
    parts = expr.args

    def date_of(ctx: CompiledEvaluation, env: Env) -> object:
        values = [arg(ctx, env) for arg in args]
        if any(type(v) is Unknown for v in values):
            return merge_unknown(*values)
        made = make_date(*values)  # type: ignore[arg-type]
        if made is None:
            return Unknown(frozenset().union(*(ctx.dependencies(part, env) for part in parts)), "no such day")
        return made

    return date_of


def _missing(paths: frozenset[str], fact: m.Fact) -> Unknown:
    """An unknown fact or field: bounded where its declaration gives a minimum or a range."""
    if fact.minimum is None and fact.maximum is None:
        return Unknown(paths)
    return intervals.declared(paths, fact.type.kind, fact.minimum, fact.maximum)


def _decisive(measure: m.Measure, status: str, values: Mapping[tuple[str, str], object]) -> tuple[Node, ...]:
    """What decided a designation, from its conditions' values in the explanation: for an eligible
    one the alternatives (the items of an `or`) that hold, e.g. the route that passed; otherwise the
    conditions that fail, or that are still open. Only named conditions are cited, by their labels."""
    labels = {c.name: c.label or c.name for c in measure.conditions}

    def truth(expr: m.TExpr) -> object:
        if isinstance(expr, m.CondRef):
            return values.get((expr.measure, expr.name), _MISSING)
        if isinstance(expr, m.Not):
            inner = truth(expr.operand)
            return (not inner) if isinstance(inner, bool) else inner
        return _MISSING

    def named(expr: m.TExpr) -> str | None:
        if isinstance(expr, m.CondRef):
            return f"{expr.name}（{labels.get(expr.name, expr.name)}）"
        if isinstance(expr, m.Not) and isinstance(expr.operand, m.CondRef):
            return f"{named(expr.operand)} 成立"  # fails when the condition holds (an exclusion)
        return None

    exprs = {c.name: c.expr for c in measure.conditions}

    routes: list[str] = []
    failing: list[str] = []
    open_: list[str] = []

    def walk(expr: m.TExpr) -> None:
        if isinstance(expr, m.Logic):
            if expr.op == "or" and all(named(i) for i in expr.items):
                holds = [named(i) for i in expr.items if truth(i) is True]
                routes.extend(h for h in holds if h)
                if all(truth(i) is False for i in expr.items):
                    failing.append("以下均不满足：" + "、".join(n for i in expr.items if (n := named(i))))
                elif not holds:
                    open_.append("、".join(n for i in expr.items if (n := named(i))))
                return
            for item in expr.items:
                walk(item)
            return
        name, value = named(expr), truth(expr)
        if name is None or value is _MISSING:
            return
        inner = exprs.get(expr.name) if isinstance(expr, m.CondRef) else None
        if value is True and isinstance(inner, m.Logic) and inner.op == "or" and all(named(i) for i in inner.items):
            walk(inner)  # a condition that is itself a choice of routes (2022 srdi (四)): which held
            return
        if value is False:
            failing.append(name)
        elif value is not True:
            open_.append(name)

    for benefit in measure.benefits:
        for when in benefit.when:
            walk(when)
    if status == "eligible":
        return (Node("note", "判定途径", "、".join(routes) if routes else "各项条件均满足"),)
    if status == "not_eligible" and failing:
        return (Node("note", "未满足的条件", "；".join(failing)),)
    if status == "undetermined" and open_:
        return (Node("note", "尚未确定的条件", "；".join(open_)),)
    return ()


def _function_of_unknown(name: str, values: list[object], kind: str) -> object:
    """A function of which an argument is unknown: bounded where the bounds say enough."""
    if name in ("min", "max") and all(intervals.is_number(v) or isinstance(v, Unknown) for v in values):
        return intervals.extreme(name, values, kind)
    value = values[0]
    if name in ROUNDINGS and isinstance(value, Unknown) and value.bounded:
        return intervals.rounding(name, value, kind)
    if name == "sqrt" and isinstance(value, Unknown) and value.bounded:
        low, high = intervals.low_of(value), intervals.high_of(value)
        if low >= 0:
            top = root(high) if high.is_finite() else intervals.INF
            return intervals.bounded(value, root(low) or Decimal(0), top or Decimal(0), "decimal")
    return merge_unknown(*values)


def _either(a: object, b: object) -> Unknown:
    """`merge_unknown(a, b)` where a or b is unknown. An unknown without a reason beside a known
    value is that unknown: the merge would build an equal one."""
    if type(a) is Unknown:
        if type(b) is not Unknown and not a.reason and not a.bounded:
            return a
    elif not b.reason and not b.bounded:  # type: ignore[attr-defined]
        return b  # type: ignore[return-value]
    return merge_unknown(a, b)  # without bounds: they were an operand's, not the result's


def _merged(unknowns: list[Unknown]) -> Unknown:
    """`merge_unknown(*unknowns)`, without building an equal unknown for one without a reason."""
    if len(unknowns) == 1 and not unknowns[0].reason:
        return unknowns[0]
    return merge_unknown(*unknowns)


class CompiledEvaluation:
    """One evaluation: a policy's compiled closures and measure plans applied to the facts of one
    enterprise, parameters and a day. With `trace=True` its closures record what they read, for
    explanations (explain.py): the same closures, built by the same semantics, with tracing leaves.
    """

    def __init__(self, compiler: Compiler, facts: Mapping[str, object], params: Mapping[str, object],
                 as_of: datetime.date, trace: bool = False) -> None:
        self.policy = compiler.policy
        self.facts = facts
        self.params = params
        self.as_of = as_of
        self.trace = trace
        self._compiler = compiler
        self._amended = compiler.amended
        self._fns = compiler.fns
        self._traced_fns = compiler.traced_fns() if trace else compiler.fns
        # Values computed once per evaluation: definitions, amended parameters, the conditions of
        # the measure being evaluated (the compiled closures read and fill these).
        self._definitions: dict[str, object] = {}
        self._params: dict[str, object] = {}
        self._conditions: dict[tuple[str, str], object] = {}
        self._outcomes: dict[object, object] = {}  # scores and rows other measures read (`outcome`)
        self._tracer: CompiledEvaluation | None = None
        self._exact = False  # True in an evaluation that completes another's unknowns (exact.py)
        self._tracer_lock: threading.Lock | None = None  # made when an explanation is first asked for
        if trace:
            # While tracing: the reads and child nodes of the clauses being evaluated, and what is fixed
            # for one evaluation (a fact's read, a parameter's value and read, a definition's node).
            self._reads: list[list[Read]] = []
            self._children: list[list[Node]] = []
            self._traced_definitions: dict[str, tuple[object, Node | None]] = {}
            self._read_cache: dict[str, Read] = {}
            self._param_reads: dict[str, tuple[object, Read]] = {}
            self._clause_results: dict[int, tuple[object, Node]] = {}  # shared clauses (Compiler._shared)

    def result(self) -> Result:
        compiler, policy, as_of = self._compiler, self.policy, self.as_of
        fixed, groups, others, in_force = compiler.layout(as_of)
        rows = list(fixed)
        for when, yes, no, open_ in groups:
            value = when(self, EMPTY_ENV)
            if value is True or value is False:
                for index, row in yes if value else no:
                    rows[index] = row
            else:
                for index, of_unknown in open_:
                    rows[index] = of_unknown(value)  # type: ignore[arg-type]
        for index, plan in others:
            rows[index] = plan(self)
        if not self._exact:
            for index, computed in enumerate(rows):
                if computed is not None and computed[0] == "undetermined":
                    rows[index] = self.exact_row(policy.measures[index], computed)
        if compiler.bound_years and as_of.year in compiler.bound_years:
            in_force = self._year_windows(rows)
        goals = tuple((ident, truth(count(self, EMPTY_ENV))) for ident, count in compiler.goals)
        warnings: tuple[str, ...] = ()
        if not in_force:
            warnings = (f"the policy is not in force on {as_of}: it is valid {policy.header.window.describe()}",)
        elif compiler.bound_years and policy.header.window.state(as_of, self.params) is None:
            days = ", ".join(policy.header.window.day_params()) or "its start day"
            warnings = (f"whether the policy is in force on {as_of} depends on {days}: it is valid "
                        f"{policy.header.window.describe()}",)
        return Result(policy.header.id, as_of, _Rows(self, rows), in_force, warnings, goals)  # type: ignore[arg-type]

    def _year_windows(self, rows: list[Row | None]) -> bool:
        """Windows with a bound known only to its year, read with the parameters (semantics.in_force):
        out of force, or undetermined naming the parameter that gives the day. Returns whether the
        policy is in force (False only when surely not)."""
        policy, params, as_of = self.policy, self.params, self.as_of
        for index, measure in enumerate(policy.measures):
            if measure.versions:
                continue  # its plan chooses the version with the parameters
            state = semantics.in_force(policy, measure, as_of, params)
            if state is False:
                rows[index] = NOT_IN_FORCE
            elif state is None:
                rows[index] = self.undetermined_window(measure)
        return policy.header.window.state(as_of, params) is not False

    def undetermined_window(self, measure: m.Measure) -> Row:
        """The row of a measure that may or may not be in force (a year bound's own year)."""
        names = semantics.window_unknowns(self.policy, measure)
        return ("undetermined", (), (), None, names, (), (measure, _WINDOW))  # type: ignore[return-value]

    def versioned_row(self, measure: m.Measure) -> Row:
        """The row of a measure in versions: the version in force decides (semantics.version_in_force)."""
        version, undecided = semantics.version_in_force(self.policy, measure, self.as_of, self.params)
        if version is None:
            if undecided:
                names = sorted({n for v in measure.versions for n in semantics.window_unknowns(self.policy, v)})
                return ("undetermined", (), (), None, tuple(names), (), (measure, _WINDOW))  # type: ignore[return-value]
            return NOT_IN_FORCE
        row = self._compiler.plans[version.id](self)
        return row if len(row) > 6 else (*row, (version, None))  # type: ignore[return-value]

    # ---- what other measures read of a measure: `score(m)`, `eligible(m)`, …
    def score_of(self, measure: m.Measure) -> ScoreResult:
        """A scored measure's score, computed once per evaluation."""
        key = ("score", measure.id)
        score = self._outcomes.get(key)
        if score is None:
            assert measure.score is not None
            fns = self._compiler.score_fns[measure.id]
            values = [fn(self, EMPTY_ENV) for fn in fns]
            score = self._outcomes[key] = semantics.score_of(measure.score, values)
        return score  # type: ignore[return-value]

    def row_of(self, measure: m.Measure) -> Row:
        """A measure's row as `result()` computes it, once per evaluation."""
        key = ("row", measure.id)
        row = self._outcomes.get(key)
        if row is None:
            state = semantics.in_force(self.policy, measure, self.as_of, self.params) if not measure.versions else True
            if state is False:
                row = NOT_IN_FORCE
            elif state is None:
                row = self.undetermined_window(measure)
            else:
                row = self._compiler.plans[measure.id](self)
            self._outcomes[key] = row
        return row  # type: ignore[return-value]

    def outcome(self, function: str, name: str, group: str | None) -> object:
        measure = self.policy.all_measures[name]
        if function == "eligible":
            row = self.row_of(measure)
            status = row[0]
            if status == "eligible":
                return True
            if status == "undetermined":
                return Unknown(frozenset(row[4]))
            return False
        if measure.versions:
            version, _ = semantics.version_in_force(self.policy, measure, self.as_of, self.params)
            if version is None or version.score is None:
                return Unknown(frozenset(), f"{name} has no score in force on {self.as_of}")
            measure = version
        score = self.score_of(measure)
        if function == "score":
            return score.total
        if function == "floors_met":
            return semantics.floors_met(score)
        return next(g.value for g in score.subtotals if g.name == group)

    def exact_row(self, measure: m.Measure, row: Row) -> Row:
        """engine/exact.py: the measure evaluated again over the completions of its finite unknowns."""
        compiler, plan, as_of = self._compiler, self._compiler.plans[measure.id], self.as_of

        def evaluate(facts: Mapping[str, object], params: Mapping[str, object]) -> Row:
            completion = CompiledEvaluation(compiler, facts, params, as_of)
            completion._exact = True  # a completion is not refined again
            return plan(completion)

        refined = exact.refine(row, exact.Completer(self.policy, self.facts, self.params), evaluate)
        # The completions decide the status only: an open score still names what keeps it open
        # (national-criteria.md §2, "an open score still names its unknowns").
        score = row[6][1] if len(row) > 6 else None  # type: ignore[misc]
        if isinstance(score, ScoreResult) and score.unknowns and refined is not row:
            merged = tuple(sorted({*refined[4], *score.unknowns}))
            refined = (*refined[:4], merged, *refined[5:])  # type: ignore[assignment]
        return refined

    def materialise(self, measure: m.Measure, row: Row) -> MeasureResult:
        """The MeasureResult of a row; its explanation is traced on demand."""
        status, agencies, benefits, total, unknowns, targets = row[:6]
        applied, score = row[6] if len(row) > 6 else (measure, None)  # type: ignore[misc]
        version = applied.version if status != "not_in_force" else None
        versioned = bool(measure.versions) or measure.version is not None
        if score is _WINDOW:
            return measure_result(measure.name, measure.title, status, (), (), None, unknowns, (), (),
                                  lambda: self.explain_open_window(measure), None, None, versioned)
        if status == "not_in_force":  # the window alone explains it: nothing to trace
            return measure_result(measure.name, measure.title, status, (), (), None, (), (), (),
                                  lambda: self.explain_out_of_force(measure), None, None, versioned)
        if applied is not measure and row[:6] == NOT_IN_FORCE[:6]:
            applied = measure
        return measure_result(measure.name, measure.title, status, agencies, benefits, total, unknowns, targets,
                              applied.directives, lambda: self.explain_traced(applied, row), version, score, versioned)

    def explain_open_window(self, measure: m.Measure) -> Node:
        names = semantics.window_unknowns(self.policy, measure) or sorted(
            {n for v in measure.versions for n in semantics.window_unknowns(self.policy, v)})
        window = measure.own_window or self.policy.header.window
        note = ("只知道年份的日期界限：评估日在该年内，是否已生效取决于具体日期"
                + (f"（参数 {'、'.join(names)} 可给出该日期）" if names else ""))
        node = Node("window", f"in force {window.describe()}", "unknown",
                    reads=(Read("as_of", "评估日期", self.as_of.isoformat()),), note=note)
        return Node("measure", f"{measure.name} {measure.title}", "undetermined", None, (), (node,), measure.quotes,
                    f"source: {measure.ref}" if measure.ref else None)

    def score_node(self, measure: m.Measure, score: ScoreResult) -> Node:
        """The score: each indicator with its value and what it read, each group's subtotal once
        with its floor, the total."""
        assert measure.score is not None
        clauses = self._compiler.indicator_clauses(measure)
        made: dict[str | None, list[Node]] = {}
        tracer = self._tracing_evaluation()
        for indicator, clause in zip(measure.score.indicators, clauses, strict=True):
            value, node = clause(tracer, EMPTY_ENV)
            made.setdefault(indicator.group, []).append(node._replace(value=show_points(value)))
        children = list(made.get(None, ()))
        for group in score.subtotals:
            floor = "" if group.floor is None else f"，下限 {show_points(group.floor)}"
            met = {True: "达到", False: "未达到", None: "不确定是否达到"}[group.floor_met]
            note = None if group.floor is None else f"小计{met}下限"
            children.append(Node("group", f"{group.name}: {group.label}（小计{floor}）", show_points(group.value),
                                 children=tuple(made.get(group.name, ())), note=note))
        note = f"得分未定，取决于 {'、'.join(score.unknowns)}" if score.unknowns else None
        return Node("score", f"{score.label}（各指标得分之和）", show_points(score.total), children=tuple(children),
                    note=note)

    def _tracing_evaluation(self) -> CompiledEvaluation:
        if self.trace:
            return self
        tracer = self._tracer
        if tracer is None:
            tracer = self._tracer = CompiledEvaluation(self._compiler, self.facts, self.params, self.as_of, trace=True)
        return tracer

    def explain_traced(self, measure: m.Measure, row: Row) -> Node:
        node = self._explain_status(measure, row)
        score = row[6][1] if len(row) > 6 else None  # type: ignore[misc]
        extra: list[Node] = []
        if isinstance(score, ScoreResult):
            with self._lock():
                extra.append(self.score_node(measure, score))
        label = node.label
        if measure.version is not None:
            label = f"{measure.public} {measure.title}（版本 {measure.version}）"
        if measure.benefits and all(b.kind == "designation" for b in measure.benefits):
            tracer = self if self.trace else self._tracer
            decisive = _decisive(measure, row[0], tracer._conditions if tracer is not None else {})
            extra.append(Node("note", "评估结论", None, children=decisive,
                              note="符合条件仅为按所述标准的预评估，不等于认定；仍需主管部门审核、公示后认定"))
        if not extra and label == node.label:
            return node
        return node._replace(label=label, children=(*node.children, *extra))

    def _lock(self) -> threading.Lock:
        lock = self._tracer_lock
        if lock is None:
            with _LOCK:
                if self._tracer_lock is None:
                    self._tracer_lock = threading.Lock()
                lock = self._tracer_lock
        return lock

    def _explain_status(self, measure: m.Measure, row: Row) -> Node:
        """The explanation of a measure, compiled (explain.py); one tracing evaluation serves every
        measure of a result, so each definition's node and each read is built once."""
        explain = self._compiler.explainer(measure)
        lock = self._tracer_lock
        if lock is None:
            with _LOCK:
                if self._tracer_lock is None:
                    self._tracer_lock = threading.Lock()
                lock = self._tracer_lock
        with lock:
            tracer = self._tracer
            if tracer is None:
                tracer = self._tracer = CompiledEvaluation(self._compiler, self.facts, self.params, self.as_of,
                                                           trace=True)
            return explain(tracer, row)

    # ---- expressions: the compiled closures
    def value(self, expr: m.TExpr, env: Env) -> object:
        return (self._traced_fns if self.trace else self._fns)[id(expr)](self, env)

    def quiet(self, expr: m.TExpr) -> object:
        """A top-level expression's value without recording reads (an amendment's condition is
        shown in the note of the value it amends)."""
        return self._fns[id(expr)](self, EMPTY_ENV)

    def _reads_of(self, expr: m.TExpr) -> Callable[[], frozenset[str]]:
        return lambda: self.dependencies(expr, EMPTY_ENV)

    def dependencies(self, expr: m.TExpr, env: Env) -> frozenset[str]:
        """The facts and parameters an expression reads (used to name why a division failed)."""
        found: set[str] = set()
        for node in _reads_of(expr):
            if isinstance(node, m.Index):  # a series read names its year where the year is known
                when = self._compiler.years[id(node)](self, env)
                series = node.series
                path = (series.fact.name if isinstance(series, m.FactRef) or series.var not in env
                        else f"{env[series.var][1]}.{series.fact.name}")
                found.add(path if type(when) is Unknown else f"{path}.{when}")
                found |= self.dependencies(node.year, env)
            elif isinstance(node, m.FactRef):
                found.add(node.fact.name)
            elif isinstance(node, m.FieldRef):
                found.add(f"{env[node.var][1]}.{node.fact.name}" if node.var in env else node.fact.name)
            elif isinstance(node, m.ParamRef):
                found.add(node.name)
            elif isinstance(node, m.DefRef):
                found |= self.dependencies(self.policy.definitions[node.name].expr, env)
        return frozenset(found)

    def condition(self, key: tuple[str, str], env: Env) -> object:
        if key in self._conditions:
            return self._conditions[key]
        measure = self.policy.all_measures[key[0]]
        condition = next(c for c in measure.conditions if c.name == key[1])
        return self.value(condition.expr, env)

    # ---- what explanations show beside a definition or parameter
    def parameter(self, name: str) -> object:
        """A parameter read while tracing: its value and a read saying where it came from."""
        entry = self._param_reads.get(name)
        if entry is None:
            value, note = self.parameter_value(name)
            parameter = self.policy.parameters[name]
            entry = self._param_reads[name] = (value, Read(name, parameter.label, show(value, parameter.type), note))
        if self._reads:
            self._reads[-1].append(entry[1])
        return entry[0]

    def parameter_value(self, name: str) -> tuple[object, str]:
        """A parameter's value, amendments applied, and the note a read of it shows."""
        parameter = self.policy.parameters[name]
        if name in self.params:
            base, origin = self.params[name], "supplied"
        elif parameter.default is not None:
            base, origin = parameter.default, "default"
        else:
            base = intervals.declared(frozenset({name}), parameter.type.kind, parameter.minimum, parameter.maximum,
                                      "parameter not supplied")
            origin = "not supplied"
        value, note = self.amendments(name, base, parameter.type)
        return value, note or origin

    def amendments(self, name: str, base: object, typ: m.Type) -> tuple[object, str | None]:
        """The base value read through its amendments (`semantics.fold_amendments`, the rule the
        closures are built with), and the note an explanation shows beside it."""
        parameter = self.policy.parameters.get(name)
        minimum = parameter.minimum if parameter is not None else None
        steps = []
        for a in self._amended.get(name, ()):
            set_to = next(v for t, v in a.sets if t == name)
            new = self.quiet(set_to)
            if not isinstance(set_to, m.Const):  # as the Builder reads it (§8)
                new = at_least(new, minimum, self._reads_of(set_to))
            steps.append((a, self.quiet(a.when), new))
        amended = fold_amendments(base, steps)
        if amended.undecided:
            ids = ", ".join(a.id for a in amended.undecided)
            return amended.value, f"unknown whether amendment {ids} applies"
        if amended.by is not None:
            where = f"{amended.by.measure} " if amended.by.measure else ""
            return amended.value, f"amended by {where}{amended.by.id} ({amended.by.label}); base value {show(base, typ)}"
        return amended.value, None

    def traced_definition(self, name: str) -> tuple[object, Node | None]:
        """A definition's value and node. It reads only the enterprise, so its node is built once
        and shown under every clause that uses it."""
        traced = self._traced_definitions.get(name)
        if traced is None:
            value, node = self._compiler.definition_clause(name)(self, EMPTY_ENV)
            if name in self._amended:
                definition = self.policy.definitions[name]
                value, note = self.amendments(name, value, definition.type)
                if note:
                    node = node._replace(value=show(value, definition.type), note=note)
            traced = self._traced_definitions[name] = (value, node)
            self._definitions[name] = value
        return traced

    # ---- explanation nodes that read no clause
    def window_node(self, measure: m.Measure) -> Node:
        inside = measure.window.contains(self.as_of)
        note = None
        if measure.window.start.kind == "unknown":
            note = "the start of the window is not known (the issue date is not stated) and counts as open"
        return Node("window", f"in force {measure.window.describe()}", "true" if inside else "false",
                    reads=(Read("as_of", "评估日期", self.as_of.isoformat()),), note=note)

    def agencies_node(self, measure: m.Measure, names: tuple[str, ...]) -> Node:
        reads: list[Read] = []
        for agency in measure.agencies:
            if agency.table is not None:
                table = self.policy.tables[agency.table]
                key = self.value(table.key, EMPTY_ENV)
                reads.append(Read(expr_text(table.key) or "", table.label, show(key, table.key.type),
                                  "unknown: the collective name is listed" if isinstance(key, Unknown) else None))
            if agency.when is not None:
                value = self.value(agency.when, EMPTY_ENV)
                reads.append(Read(expr_text(agency.when) or "", agency.name or agency.table, show(value, m.BOOL),
                                  "kept as a candidate" if isinstance(value, Unknown) else None))
        return Node("agencies", "responsible agencies", "、".join(names), reads=tuple(reads))

    def explain_out_of_force(self, measure: m.Measure) -> Node:
        return Node("measure", f"{measure.id} {measure.title}", "not_in_force", None, (),
                    (self.window_node(measure),), measure.quotes,
                    f"source: {measure.ref}" if measure.ref else None)


class _Rows:
    """The rows of one evaluation, turned into MeasureResults one by one as they are read."""

    __slots__ = ("_built", "_complete", "_evaluation", "_index", "_rows")

    def __init__(self, evaluation: CompiledEvaluation, rows: list[Row]) -> None:
        self._evaluation = evaluation
        self._rows = rows
        self._built: list[MeasureResult | None] = [None] * len(rows)
        self._complete = False
        self._index = evaluation._compiler.index

    def _at(self, index: int) -> MeasureResult:
        built = self._built[index]
        if built is None:
            evaluation = self._evaluation
            built = self._built[index] = evaluation.materialise(evaluation.policy.measures[index], self._rows[index])
        return built

    def all(self) -> tuple[MeasureResult, ...]:
        built = self._built
        if not self._complete:  # every row at once: a caller listing the measures reads them all
            evaluation = self._evaluation
            measures, materialise = evaluation.policy.measures, evaluation.materialise
            for index, row in enumerate(self._rows):
                if built[index] is None:
                    built[index] = materialise(measures[index], row)
            self._complete = True
        return tuple(built)  # type: ignore[arg-type]

    def get(self, measure_id: str) -> MeasureResult:
        index = self._index[measure_id]
        built = self._built[index]  # read often: the built result without a call
        return built if built is not None else self._at(index)


def compiler_for(policy: m.Policy) -> Compiler:
    """The compiler of a checked policy, built once and kept with it (`prepared`)."""
    return policy.prepared.get(Compiler, policy)


def evaluate(policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
             as_of: datetime.date) -> Result:
    return CompiledEvaluation(compiler_for(policy), facts, params, as_of).result()
