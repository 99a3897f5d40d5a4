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

    def choose(self, condition: V, then: V, otherwise: V, typ: m.Type) -> V:
        """`semantics.choose`: `then` where the condition holds, `otherwise` where it does not."""

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
        if isinstance(expr, m.If):
            return domain.choose(build(expr.condition, scope), build(expr.then, scope),
                                 build(expr.otherwise, scope), expr.type)
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
            name, self.domain.parameter_base(parameter), parameter.type))

    def condition(self, measure_id: str, name: str) -> V:
        measure = self.policy.all_measures[measure_id]
        condition = next(c for c in measure.conditions if c.name == name)
        return self.domain.shared(("cond", measure_id, name), lambda: self.build(condition.expr, self.domain.top()))

    def amended_value(self, name: str, base: V, typ: m.Type) -> V:
        """semantics.md §9: `choose` folded over the name's amendments, lowest priority first."""
        value = base
        for amendment in self.amended.get(name, ()):
            top = self.domain.top()
            holds = self.build(amendment.when, top)
            new = self.build(next(v for target, v in amendment.sets if target == name), top)
            value = self.domain.choose(holds, new, value, typ)
        return value
