"""Every construct of the language, written once over the primitive operations an engine provides.

An engine is a `Domain`: its own representation `V` of a value (a closure over one evaluation, a
sqlglot expression with its unknown paths, …) and the primitive operations on it — Kleene logic,
strict comparisons and arithmetic, `choose`, loops over a list, values shared per evaluation. What a
construct *means* in terms of those primitives is written here once, in `build`: how names are
resolved, which values are shared, how amendments fold (`amended`), and every construct added to
the language gets its reading here. The closures (engine/closures.py) and the SQL lowering
(sql/expressions.py) are built by it; the reference interpreter (tests/reference) is written apart
from it and holds both to docs/semantics.md.

`S` is what the domain knows, while building, of the loop variables in scope: the SQL lowering
binds each variable to the SQL item it stands for; the closures resolve variables when they run
and keep no scope.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from policydsl import model as m
from policydsl.engine.semantics import amendments_by_target

V = TypeVar("V")
S = TypeVar("S")


class Domain(Protocol[V, S]):
    """The primitive operations of an engine, on its representation `V` of values."""

    def top(self) -> S:
        """The scope outside every loop (definitions, parameters and conditions are read there)."""

    def visit(self, expr: m.TExpr, scope: S, compute: Callable[[], V]) -> V:
        """Around every expression: `compute()` builds it; a domain may cache or rewrite it."""

    def constant(self, expr: m.Const) -> V: ...

    def fact(self, expr: m.FactRef) -> V: ...

    def field(self, expr: m.FieldRef, scope: S) -> V: ...

    def variable(self, expr: m.VarRef, scope: S) -> V: ...

    def logic(self, expr: m.Logic, items: list[V]) -> V:
        """Kleene `and`/`or`: a decisive operand decides, otherwise unknown with the unknowns."""

    def negation(self, expr: m.Not, operand: V) -> V: ...

    def minus(self, expr: m.Neg, operand: V) -> V: ...

    def compare(self, expr: m.Compare, left: V, right: V) -> V: ...

    def arith(self, expr: m.Arith, left: V, right: V, scope: S) -> V:
        """Exact arithmetic; a division by zero is unknown, named by what the divisor reads."""

    def member(self, expr: m.In, value: V) -> V: ...

    def quantify(self, expr: m.Quant, collection: V, body: Callable[[S], V], scope: S) -> V:
        """`any`/`all` over a list: `body(inner)` builds the body in the scope the domain makes for
        the loop variable."""

    def call(self, expr: m.Func, args: list[V]) -> V: ...

    def aggregate(self, expr: m.Aggregate, collection: V, item: Callable[[S], tuple[V | None, V | None]],
                  default: V | None, scope: S) -> V:
        """`count`/`sum`/`min`/`max` over a list (semantics.md §6): `item(inner)` builds the filter
        and the value (None where the aggregate has none) in the loop variable's scope."""

    def record(self, expr: m.RecordRef) -> V:
        """A field of a record fact: `niche_market.share_domestic`."""

    def choose(self, condition: V, then: V, otherwise: V, typ: m.Type) -> V:
        """`semantics.choose`: `then` where the condition holds, `otherwise` where it does not."""

    def at_least(self, value: V, minimum: Decimal, expr: m.TExpr) -> V:
        """`semantics.at_least`: an amendment's value `expr` for a parameter with a minimum,
        unknown where it is below it, named by what `expr` reads."""

    def today(self, expr: m.Today) -> V:
        """The evaluation day (a date)."""

    def shift(self, expr: m.Shift, day: V, amount: V, scope: S) -> V:
        """`values.shift`: a date moved by a duration; outside the calendar, unknown named by what
        the date reads (as a division by zero is)."""

    def series_at(self, expr: m.Index, year: V, scope: S) -> V:
        """One year of a series fact: unknown, named `revenue.2024`, where the profile does not
        give that year (or the series); where the year is unknown, unknown with its paths and the
        series' name."""

    def outcome(self, expr: m.Outcome) -> V:
        """`score(m)`, `subtotal(m, g)`, `floors_met(m)`, `eligible(m)`: what a measure concluded
        on the evaluation day (the version in force); the checker orders measures so none reads
        its own outcome through a cycle."""

    def band(self, expr: m.Band, subject: V, tests: list[V], values: list[V]) -> V:
        """The value of the row whose test holds. Where the tests are unknown, the rows whose test
        is not false are those the subject can be in: their values when all alike, else `choose`
        joins them (the hull of numbers), naming the subject's unknowns. `subject` is for
        explanations: the tests read it."""

    def parameter_base(self, parameter: m.Parameter) -> V:
        """A parameter's value before its amendments: supplied, else default, else unknown."""

    def shared(self, key: tuple[str, ...], build: Callable[[], V]) -> V:
        """A value computed once per evaluation and read wherever the name is used: `key` is
        ("def", name), ("param", name) or ("cond", measure, name)."""


class Builder(Generic[V, S]):
    """Builds the expressions of one checked policy in one domain."""

    def __init__(self, policy: m.Policy, domain: Domain[V, S]) -> None:
        self.policy = policy
        self.domain = domain
        self.amended = amendments_by_target(policy)  # lowest priority first

    def build(self, expr: m.TExpr, scope: S) -> V:
        domain = self.domain
        return domain.visit(expr, scope, lambda: self._construct(expr, scope))

    def _construct(self, expr: m.TExpr, scope: S) -> V:
        domain, build = self.domain, self.build
        if isinstance(expr, m.Const):
            return domain.constant(expr)
        if isinstance(expr, m.FactRef):
            return domain.fact(expr)
        if isinstance(expr, m.FieldRef):
            return domain.field(expr, scope)
        if isinstance(expr, m.VarRef):
            return domain.variable(expr, scope)
        if isinstance(expr, m.Logic):
            return domain.logic(expr, [build(item, scope) for item in expr.items])
        if isinstance(expr, m.Not):
            return domain.negation(expr, build(expr.operand, scope))
        if isinstance(expr, m.Neg):
            return domain.minus(expr, build(expr.operand, scope))
        if isinstance(expr, m.Compare):
            return domain.compare(expr, build(expr.left, scope), build(expr.right, scope))
        if isinstance(expr, m.Arith):
            return domain.arith(expr, build(expr.left, scope), build(expr.right, scope), scope)
        if isinstance(expr, m.In):
            return domain.member(expr, build(expr.value, scope))
        if isinstance(expr, m.Quant):
            body = expr.body
            return domain.quantify(expr, build(expr.collection, scope), lambda inner: build(body, inner), scope)
        if isinstance(expr, m.Func):
            return domain.call(expr, [build(arg, scope) for arg in expr.args])
        if isinstance(expr, m.Aggregate):
            where, value = expr.where, expr.value

            def item(inner: S) -> tuple[V | None, V | None]:
                return (build(where, inner) if where is not None else None,
                        build(value, inner) if value is not None else None)

            default = build(expr.default, scope) if expr.default is not None else None
            return domain.aggregate(expr, build(expr.collection, scope), item, default, scope)
        if isinstance(expr, m.RecordRef):
            return domain.record(expr)
        if isinstance(expr, m.If):
            return domain.choose(build(expr.condition, scope), build(expr.then, scope),
                                 build(expr.otherwise, scope), expr.type)
        if isinstance(expr, m.Today):
            return domain.today(expr)
        if isinstance(expr, m.Shift):
            return domain.shift(expr, build(expr.date, scope), build(expr.amount, scope), scope)
        if isinstance(expr, m.Between):
            # `low <= value and value <= high` in Kleene logic, the value built once.
            both, above, below = expr.parts()
            measured = build(expr.value, scope)
            return domain.logic(both, [domain.compare(above, build(expr.low, scope), measured),
                                       domain.compare(below, measured, build(expr.high, scope))])
        if isinstance(expr, m.Index):
            return domain.series_at(expr, build(expr.year, scope), scope)
        if isinstance(expr, m.Outcome):
            return domain.outcome(expr)
        if isinstance(expr, m.Band):  # docs/semantics.md "Bands": the row the subject is in
            return domain.band(expr, build(expr.subject, scope), [build(row.test, scope) for row in expr.rows],
                               [build(row.value, scope) for row in expr.rows])
        if isinstance(expr, m.DefRef):
            return self.definition(expr.name)
        if isinstance(expr, m.ParamRef):
            return self.parameter(expr.name)
        if isinstance(expr, m.CondRef):
            return self.condition(expr.measure, expr.name)
        raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover

    # ---- names: each computed once per evaluation, read through its amendments
    def definition(self, name: str) -> V:
        definition = self.policy.definitions[name]
        return self.domain.shared(("def", name), lambda: self.amended_value(
            name, self.build(definition.expr, self.domain.top()), definition.type))

    def parameter(self, name: str) -> V:
        parameter = self.policy.parameters[name]
        return self.domain.shared(("param", name), lambda: self.amended_value(
            name, self.domain.parameter_base(parameter), parameter.type, parameter.minimum))

    def condition(self, measure_id: str, name: str) -> V:
        measure = self.policy.all_measures[measure_id]
        condition = next(c for c in measure.conditions if c.name == name)
        return self.domain.shared(("cond", measure_id, name), lambda: self.build(condition.expr, self.domain.top()))

    def amended_value(self, name: str, base: V, typ: m.Type, minimum: Decimal | None = None) -> V:
        """semantics.md §9: `choose` folded over the name's amendments, lowest priority first; a
        parameter's minimum holds for the values amendments compute (§8: unknown below it)."""
        value = base
        for amendment in self.amended.get(name, ()):
            top = self.domain.top()
            holds = self.build(amendment.when, top)
            set_to = next(v for target, v in amendment.sets if target == name)
            new = self.build(set_to, top)
            if minimum is not None and not isinstance(set_to, m.Const):  # a constant: PD234 checks it
                new = self.domain.at_least(new, minimum, set_to)
            value = self.domain.choose(holds, new, value, typ)
        return value
