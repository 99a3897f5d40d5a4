"""The thresholds a checked policy compares facts with, found by walking its typed expressions."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

import attrs

from policydsl import model as m
from policydsl.values import Money

FactKey = tuple[str, str]  # (entity name, fact name): a fact wherever its entity appears in a profile


@attrs.frozen
class RatioBoundary:
    """`numerator / denominator` (two money facts of the root) is compared with `value`, e.g. rd_ratio >= 3%."""

    numerator: str
    denominator: str
    value: Decimal


@attrs.frozen
class Boundaries:
    """Every constant a policy compares each fact with: the values where a decision may flip."""

    values: Mapping[FactKey, frozenset[object]]  # typed constants: Money, int, Decimal, date, str
    counts: Mapping[FactKey, frozenset[int]]  # `count(projects) >= 2`: sizes of lists and sets
    ratios: tuple[RatioBoundary, ...] = ()

    def of(self, fact: m.Fact) -> frozenset[object]:
        return self.values.get((fact.entity, fact.name), frozenset())

    def count_of(self, fact: m.Fact) -> frozenset[int]:
        return self.counts.get((fact.entity, fact.name), frozenset())


NO_BOUNDARIES = Boundaries({}, {})


# The walkers live in the model, shared with the compiler and the checker.
top_level_expressions, children, walk = m.top_level_expressions, m.children, m.walk


class _Finder:
    def __init__(self, policy: m.Policy, params: Mapping[str, object]) -> None:
        self.policy = policy
        self.params = params
        self.values: dict[FactKey, set[object]] = {}
        self.counts: dict[FactKey, set[int]] = {}
        self.ratios: set[RatioBoundary] = set()
        self.amended: dict[str, list[m.TExpr]] = {}
        for amendment in policy.amendments:
            for target, value in amendment.sets:
                self.amended.setdefault(target, []).append(value)

    def constants(self, expr: m.TExpr, seen: frozenset[str] = frozenset()) -> set[object]:
        """The values an expression can take without reading a fact: literals, parameter defaults,
        supplied parameters, amendment values, definitions that are constants."""
        if isinstance(expr, m.Const):
            return {expr.value}
        if isinstance(expr, m.Neg):
            return {_negate(value) for value in self.constants(expr.operand, seen)}
        if isinstance(expr, m.ParamRef | m.DefRef) and expr.name not in seen:
            found: set[object] = set()
            if isinstance(expr, m.ParamRef):
                parameter = self.policy.parameters[expr.name]
                found |= {value for value in (parameter.default, self.params.get(expr.name)) if value is not None}
            else:
                found |= self.constants(self.policy.definitions[expr.name].expr, seen | {expr.name})
            for value in self.amended.get(expr.name, ()):
                found |= self.constants(value, seen | {expr.name})
            return found
        return set()

    def fact_of(self, expr: m.TExpr) -> m.Fact | None:
        if isinstance(expr, m.FactRef | m.FieldRef):
            return expr.fact
        if isinstance(expr, m.DefRef):  # `define size = employees`, compared elsewhere
            return self.fact_of(self.policy.definitions[expr.name].expr)
        return None

    def counted(self, expr: m.TExpr) -> m.Fact | None:
        if isinstance(expr, m.Func) and expr.name == "count" and expr.args:
            return self.fact_of(expr.args[0])
        return None

    def ratio_of(self, expr: m.TExpr) -> tuple[str, str] | None:
        if isinstance(expr, m.DefRef):
            expr = self.policy.definitions[expr.name].expr
        if isinstance(expr, m.Arith) and expr.op == "/" and isinstance(expr.left, m.FactRef) and isinstance(
            expr.right, m.FactRef
        ) and expr.left.type.kind == expr.right.type.kind == "money":
            return expr.left.fact.name, expr.right.fact.name
        return None

    def visit(self, expr: m.TExpr) -> None:
        for node in walk(expr):
            if isinstance(node, m.Compare):
                self.compare(node.left, node.right)
                self.compare(node.right, node.left)
            elif isinstance(node, m.In):
                fact = self.fact_of(node.value)
                if fact is not None and fact.type.kind in ("integer", "decimal", "text"):
                    self.values.setdefault((fact.entity, fact.name), set()).update(node.options)

    def compare(self, side: m.TExpr, other: m.TExpr) -> None:
        constants = self.constants(other)
        if not constants:
            return
        fact = self.fact_of(side)
        if fact is not None:
            self.values.setdefault((fact.entity, fact.name), set()).update(constants)
            return
        counted = self.counted(side)
        if counted is not None:
            self.counts.setdefault((counted.entity, counted.name), set()).update(
                value for value in constants if isinstance(value, int))
            return
        ratio = self.ratio_of(side)
        if ratio is not None:
            self.ratios.update(RatioBoundary(*ratio, Decimal(value)) for value in constants  # type: ignore[arg-type]
                               if isinstance(value, Decimal | int) and not isinstance(value, bool))


def _negate(value: object) -> object:
    if isinstance(value, Money):
        return Money(-value.yuan)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return -value
    return value


def find_boundaries(policy: m.Policy, params: Mapping[str, object] | None = None) -> Boundaries:
    """The constants each fact is compared with anywhere in the policy: directly (`p.investment >=
    150万元`), through a parameter's default or supplied value, an amendment's value or a constant
    definition; sizes compared with `count(…)`; and ratios of two facts (`rd_ratio >= 3%`)."""
    if not params:  # kept with the policy (`prepared`): strategies ask for each example drawn
        return policy.prepared.get(_find_without_params, policy)
    return _find(policy, params)


def _find_without_params(policy: m.Policy) -> Boundaries:
    return _find(policy, {})


def _find(policy: m.Policy, params: Mapping[str, object]) -> Boundaries:
    finder = _Finder(policy, params)
    for expr in top_level_expressions(policy):
        finder.visit(expr)
    return Boundaries(
        {key: frozenset(values) for key, values in finder.values.items()},
        {key: frozenset(values) for key, values in finder.counts.items()},
        tuple(sorted(finder.ratios, key=lambda r: (r.numerator, r.denominator, r.value))),
    )


def neighbours(fact: m.Fact, value: object) -> list[object]:
    """A boundary and the values just below and above it, as a profile could hold them."""
    kind = fact.type.kind
    if kind == "money" and isinstance(value, Money):
        cent = Decimal("0.01") * 10_000  # 0.01万元: the smallest step a 万元 figure usually shows
        return [Money(value.yuan - cent), value, Money(value.yuan + cent)]
    if kind == "integer" and isinstance(value, int):
        return [value - 1, value, value + 1]
    if kind in ("decimal", "ratio") and isinstance(value, Decimal | int) and not isinstance(value, bool):
        step = Decimal("0.0001") if kind == "ratio" else Decimal("0.01")
        return [Decimal(value) - step, Decimal(value), Decimal(value) + step]
    if kind == "date" and isinstance(value, datetime.date):
        day = datetime.timedelta(days=1)
        return [value - day, value, value + day]
    if kind == "text" and isinstance(value, str):
        return [value]
    return []
