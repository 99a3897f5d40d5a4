"""The fast path: typed expressions compiled once into closures, with the interpreter's answers.

Only expression evaluation changes; measures, benefits, statuses and totals are computed by the
same code as the reference interpreter (`Evaluation`), and explanations are rebuilt by the
interpreter itself. Parameters, whose effective value (amendments applied) depends only on the
enterprise, are resolved once per evaluation.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping
from typing import Any

from policydsl import model as m
from policydsl.evaluate.interpret import (
    UNKNOWN_ITEM,
    Env,
    Evaluation,
    _capped,
    _collection_path,
    _status,
    _total,
    arithmetic,
)
from policydsl.result import BenefitResult, MeasureResult, Node, Result
from policydsl.values import Money, Unknown, merge_unknown

Fn = Callable[["CompiledEvaluation", Env], object]
EMPTY_ENV: Env = {}

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


class Compiler:
    """Turns typed expressions into closures; one instance per checked policy."""

    def __init__(self, policy: m.Policy) -> None:
        self.policy = policy
        self.fns: dict[int, Fn] = {}
        for expr in m.top_level_expressions(policy):
            self.fns[id(expr)] = self.compile(expr)
        # Results that do not depend on the enterprise are built once: a benefit that does not
        # apply or applies without an amount, and the agencies of measures with fixed names.
        self.constant_benefits: dict[tuple[str, str, bool], BenefitResult] = {}
        for measure in policy.all_measures.values():
            for benefit in measure.benefits:
                for applies in (True, False):
                    self.constant_benefits[(measure.id, benefit.id, applies)] = BenefitResult(
                        benefit.id, benefit.kind, benefit.label, applies, reference=benefit.reference)
        self.fixed_agencies: dict[str, tuple[str, ...]] = {
            measure.id: tuple(dict.fromkeys(a.name for a in measure.agencies if a.name is not None))
            for measure in policy.all_measures.values()
            if all(a.name is not None and a.when is None for a in measure.agencies)
        }

    def compile(self, expr: m.TExpr) -> Fn:
        if isinstance(expr, m.Const):
            value = expr.value
            return lambda ctx, env: value
        if isinstance(expr, m.FactRef):
            name = expr.fact.name
            missing = Unknown(frozenset({name}))

            def fact(ctx: CompiledEvaluation, env: Env) -> object:
                value = ctx.facts.get(name)
                return missing if value is None else value

            return fact
        if isinstance(expr, m.FieldRef):
            var, field = expr.var, expr.fact.name

            def item_field(ctx: CompiledEvaluation, env: Env) -> object:
                item, path = env[var]
                if item is UNKNOWN_ITEM:
                    return Unknown(frozenset({path}))
                value = item.get(field)
                return Unknown(frozenset({f"{path}.{field}"})) if value is None else value

            return item_field
        if isinstance(expr, m.VarRef):
            var = expr.var
            return lambda ctx, env: env[var][0]
        if isinstance(expr, m.Logic):
            return self._logic(expr)
        if isinstance(expr, m.Not):
            operand = self.compile(expr.operand)

            def negation(ctx: CompiledEvaluation, env: Env) -> object:
                value = operand(ctx, env)
                return value if isinstance(value, Unknown) else not value

            return negation
        if isinstance(expr, m.Compare):
            return self._compare(expr)
        if isinstance(expr, m.Arith):
            return self._arith(expr)
        if isinstance(expr, m.Neg):
            operand = self.compile(expr.operand)

            def negative(ctx: CompiledEvaluation, env: Env) -> object:
                value = operand(ctx, env)
                if isinstance(value, Unknown):
                    return value
                return Money(-value.yuan) if isinstance(value, Money) else -value  # type: ignore[operator]

            return negative
        if isinstance(expr, m.In):
            inner = self.compile(expr.value)
            options, negated = frozenset(expr.options), expr.negated

            def member(ctx: CompiledEvaluation, env: Env) -> object:
                value = inner(ctx, env)
                if isinstance(value, Unknown):
                    return value
                return (value in options) != negated

            return member
        if isinstance(expr, m.DefRef):
            name = expr.name
            return lambda ctx, env: ctx.definition(name)
        if isinstance(expr, m.ParamRef):
            name = expr.name
            return lambda ctx, env: ctx.parameter(name)
        if isinstance(expr, m.CondRef):
            key = (expr.measure, expr.name)
            return lambda ctx, env: ctx.condition(key, env)
        if isinstance(expr, m.Quant):
            return self._quantified(expr)
        if isinstance(expr, m.Func):
            return self._function(expr)
        raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover

    def _logic(self, expr: m.Logic) -> Fn:
        items = tuple(self.compile(item) for item in expr.items)
        decisive = expr.op == "or"

        def logic(ctx: CompiledEvaluation, env: Env) -> object:
            unknowns = None
            for item in items:
                value = item(ctx, env)
                if value is decisive:
                    return decisive
                if isinstance(value, Unknown):
                    unknowns = [value] if unknowns is None else [*unknowns, value]
            return merge_unknown(*unknowns) if unknowns else not decisive

        return logic

    def _compare(self, expr: m.Compare) -> Fn:
        left, right = self.compile(expr.left), self.compile(expr.right)
        test = _ORDER[expr.op]
        enum = expr.operand_type.enum if expr.operand_type.kind == "enum" else None
        if enum is not None:
            rank = {value: index for index, value in enumerate(enum.values)}

            def compare_enum(ctx: CompiledEvaluation, env: Env) -> object:
                a, b = left(ctx, env), right(ctx, env)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    return merge_unknown(a, b)
                return test(rank[a], rank[b])  # type: ignore[index]

            return compare_enum

        def compare(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = left(ctx, env), right(ctx, env)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return merge_unknown(a, b)
            return test(a, b)

        return compare

    def _arith(self, expr: m.Arith) -> Fn:
        left, right = self.compile(expr.left), self.compile(expr.right)
        op, divisor = expr.op, expr.right

        def arith(ctx: CompiledEvaluation, env: Env) -> object:
            a, b = left(ctx, env), right(ctx, env)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return merge_unknown(a, b)
            return arithmetic(op, a, b, lambda: ctx.dependencies(divisor, env))

        return arith

    def _quantified(self, expr: m.Quant) -> Fn:
        collection, body = self.compile(expr.collection), self.compile(expr.body)
        decisive, var, source = expr.quantifier == "any", expr.var, expr.collection

        def quantified(ctx: CompiledEvaluation, env: Env) -> object:
            items = collection(ctx, env)
            if isinstance(items, Unknown):
                return items
            path = ctx.collection_path(source, env)
            unknowns: list[Unknown] = []
            entries: tuple[dict[str, object], ...] = items  # type: ignore[assignment]
            for index, item in enumerate(entries):
                value = body(ctx, {**env, var: (item, f"{path}[{index}]")})
                if value is decisive:
                    return decisive
                if isinstance(value, Unknown):
                    unknowns.append(value)
            return merge_unknown(*unknowns) if unknowns else not decisive

        return quantified

    def _function(self, expr: m.Func) -> Fn:
        args = tuple(self.compile(arg) for arg in expr.args)
        name = expr.name

        def function(ctx: CompiledEvaluation, env: Env) -> object:
            values = [arg(ctx, env) for arg in args]
            if any(isinstance(v, Unknown) for v in values):
                return merge_unknown(*values)
            if name == "count":
                return len(values[0])  # type: ignore[arg-type]
            if name == "contains":
                return values[1] in values[0]  # type: ignore[operator]
            return (min if name == "min" else max)(values)  # type: ignore[type-var]

        return function


class CompiledEvaluation(Evaluation):
    """An `Evaluation` whose expressions run as compiled closures (the interpreter when tracing)."""

    def __init__(self, compiler: Compiler, facts: Mapping[str, object], params: Mapping[str, object],
                 as_of: datetime.date) -> None:
        super().__init__(compiler.policy, facts, params, as_of)
        self._fns = compiler.fns
        self._constant = compiler.constant_benefits
        self._fixed_agencies = compiler.fixed_agencies
        self._params: dict[str, object] = {}

    def measure(self, measure: m.Measure) -> MeasureResult:
        """The interpreter's `measure()`, with the clause wrappers and per-call lookups taken out."""
        if not measure.window.contains(self.as_of):
            return super().measure(measure)
        fns = self._fns
        conditions = self._conditions
        for condition in measure.conditions:
            conditions[(measure.id, condition.name)] = fns[id(condition.expr)](self, EMPTY_ENV)
        benefits: list[BenefitResult] = []
        for benefit in measure.benefits:
            if benefit.for_each is None:
                benefits.append(self.fast_item(benefit, EMPTY_ENV, None, None, measure.id))
            else:
                benefits.extend(self.benefit(benefit)[0])
        status = _status(measure, benefits)
        unknowns = sorted({u for b in benefits for u in b.unknowns})
        policy, facts, params, as_of = self.policy, self.facts, self.params, self.as_of
        return MeasureResult(
            measure.id, measure.title, status, self._fixed_agencies.get(measure.id) or self.agencies(measure),
            tuple(benefits), _total(benefits),
            tuple(unknowns), tuple(self.target(t) for t in measure.targets) if measure.targets else (),
            measure.directives,
            explainer=lambda: Evaluation(policy, facts, params, as_of, trace=True).explain(measure),
        )

    def benefit_item(self, benefit: m.Benefit, env: Env, item: str | None,
                     item_path: str | None) -> tuple[BenefitResult, Node | None]:
        if self.trace:
            return super().benefit_item(benefit, env, item, item_path)
        return self.fast_item(benefit, env, item, item_path), None

    def fast_item(self, benefit: m.Benefit, env: Env, item: str | None, item_path: str | None,
                  measure: str | None = None) -> BenefitResult:
        fns = self._fns
        unknowns: list[Unknown] = []
        for when in benefit.when:
            value = fns[id(when)](self, env)
            if value is False:
                if measure is not None:
                    return self._constant[(measure, benefit.id, False)]
                return BenefitResult(benefit.id, benefit.kind, benefit.label, False, item, item_path,
                                     reference=benefit.reference)
            if isinstance(value, Unknown):
                unknowns.append(value)
        if unknowns:
            paths = merge_unknown(*unknowns).paths
            return BenefitResult(benefit.id, benefit.kind, benefit.label, None, item, item_path,
                                 unknowns=tuple(sorted(paths)), reference=benefit.reference)
        if benefit.amount is None:
            if measure is not None:
                return self._constant[(measure, benefit.id, True)]
            return BenefitResult(benefit.id, benefit.kind, benefit.label, True, item, item_path,
                                 reference=benefit.reference)
        raw = fns[id(benefit.amount)](self, env)
        cap = fns[id(benefit.cap)](self, env) if benefit.cap is not None else None
        amount, at_most, lacking = _capped(raw, cap)
        missing = tuple(sorted(p for p in lacking if p in self.policy.parameters)) if lacking else ()
        return BenefitResult(benefit.id, benefit.kind, benefit.label, True, item, item_path, amount, at_most,
                             missing, tuple(sorted(lacking)), benefit.reference)

    def value(self, expr: m.TExpr, env: Env) -> object:
        fn = self._fns.get(id(expr))
        if fn is None:  # an expression built after compiling: interpret it
            return super().value(expr, env)
        return fn(self, env)

    def parameter(self, name: str) -> object:
        # Amendment conditions read only the enterprise, so a parameter's value is fixed per evaluation.
        if name not in self._params:
            self._params[name] = super().parameter(name)
        return self._params[name]

    def condition(self, key: tuple[str, str], env: Env) -> object:
        if key in self._conditions:
            return self._conditions[key]
        measure = self.policy.all_measures[key[0]]
        condition = next(c for c in measure.conditions if c.name == key[1])
        return self.value(condition.expr, env)

    def collection_path(self, expr: m.TExpr, env: Env) -> str:
        return _collection_path(expr, env)


_COMPILERS: dict[int, tuple[m.Policy, Compiler]] = {}


def compiler_for(policy: m.Policy) -> Compiler:
    """The compiler of a checked policy, built once (policies are immutable)."""
    entry = _COMPILERS.get(id(policy))
    if entry is None or entry[0] is not policy:
        entry = (policy, Compiler(policy))
        _COMPILERS[id(policy)] = entry
    return entry[1]


def evaluate(policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
             as_of: datetime.date) -> Result:
    evaluation = CompiledEvaluation(compiler_for(policy), facts, params, as_of)
    return evaluation.result()
