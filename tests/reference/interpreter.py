"""The reference semantics: a plain tree-walking interpreter written from docs/semantics.md.

It reads the checked model (`policydsl.model`) and the value types (`policydsl.values`) and
nothing else of policydsl: no code of the engines (`policydsl.engine`, `policydsl.sql`) and not
their result types, so a mistake in an engine's rules cannot hide by being made twice. It is the
oracle of tests/reference/test_differential.py. Clarity over speed: every rule is written once,
where the section of docs/semantics.md it comes from says it.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policydsl import model as m
from policydsl.values import Money, Unknown
from tests.reference import bounds
from tests.reference.outcome import BenefitOutcome, MeasureOutcome, Outcome, TargetOutcome


class Unsupported(Exception):
    """A construct the semantics document gives no meaning to (a cycle, a list with no profile path)."""


# The items of a list that is not known are decided once with a stand-in item whose facts are
# all unknown, named after the list (§6).
STAND_IN: Mapping[str, object] = {}


@attrs.frozen
class Bound:
    """What a loop variable stands for: an item (or the stand-in) and its profile path."""

    item: Mapping[str, object]
    path: str


Env = Mapping[str, Bound]
NO_ENV: Env = {}


def unknown(*paths: Iterable[str]) -> Unknown:
    return Unknown(frozenset(path for group in paths for path in group))


def unknowns_of(*values: object) -> Unknown:
    """The unknown a strict operation gives: it carries the unknowns of all its operands (§4)."""
    return unknown(*(value.paths for value in values if isinstance(value, Unknown)))


def interval(value: object) -> tuple[Any, Any]:
    """[low, high] of a value: a known value is both; None is unbounded (§6)."""
    return (value.low, value.high) if isinstance(value, Unknown) else (value, value)


def plus(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return Money(a.yuan + b.yuan) if isinstance(a, Money) else a + b


def truth(value: object) -> bool | None:
    if isinstance(value, Unknown):
        return None
    assert isinstance(value, bool), value
    return value


def kleene(op: str, values: Iterable[object]) -> object:
    """`and`/`or` over several operands (§4): a decisive operand decides whatever the others are;
    otherwise unknown with every unknown operand's names, or the neutral value."""
    decisive = op == "or"
    values = list(values)
    if any(value is decisive for value in values):
        return decisive
    if any(isinstance(value, Unknown) for value in values):
        return unknowns_of(*values)
    return not decisive


def edge(day: datetime.date, bound: m.Bound, params: Mapping[str, object], start: bool) -> bool | None:
    """One side of a window (§11): a date includes its day; a year bound decides every day of
    other years, and in its own year only with its day parameter supplied (else None)."""
    if bound.kind == "date":
        assert bound.date is not None
        return bound.date <= day if start else day <= bound.date
    if bound.kind != "year":
        return True
    assert bound.year is not None
    if day.year < bound.year:
        return not start
    if day.year > bound.year:
        return start
    supplied = params.get(bound.day) if bound.day is not None else None
    if not isinstance(supplied, datetime.date):
        return None
    return supplied <= day if start else day <= supplied


def window_state(window: m.Window, day: datetime.date, params: Mapping[str, object]) -> bool | None:
    return kleene_bool(edge(day, window.start, params, True), edge(day, window.end, params, False))


def kleene_bool(*values: bool | None) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def number_bounds(value: object) -> tuple[Any, Any]:
    if isinstance(value, Unknown):
        return value.low, value.high
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value, value
    return None, None


def add_points(values: list[object]) -> object:
    """A score or subtotal (§21): the sum; unknown when any part is, with the sums of the bounds."""
    unknowns = [value for value in values if isinstance(value, Unknown)]
    if not unknowns:
        return Decimal(sum(values))  # type: ignore[arg-type]
    lows = [number_bounds(value)[0] for value in values]
    highs = [number_bounds(value)[1] for value in values]
    return Unknown(unknowns_of(*values).paths, low=None if None in lows else Decimal(sum(lows)),
                   high=None if None in highs else Decimal(sum(highs)))


def reaches(value: object, floor: Decimal) -> object:
    """`value >= floor` decided by the bounds of an unknown score (§21)."""
    if not isinstance(value, Unknown):
        return value >= floor  # type: ignore[operator]
    if value.low is not None and value.low >= floor:  # type: ignore[operator]
        return True
    if value.high is not None and value.high < floor:  # type: ignore[operator]
        return False
    return unknown(value.paths)


def arithmetic(op: str, left: Any, right: Any) -> object | None:
    """Exact arithmetic (§7) of two known values; None for a division by zero, which the caller
    names. Integers stay integers under `+ - *`; a quotient of numbers is a decimal."""
    if op in ("+", "-"):
        if isinstance(left, Money) and isinstance(right, Money):
            return Money(left.yuan + right.yuan if op == "+" else left.yuan - right.yuan)
        result: object = left + right if op == "+" else left - right
        return result
    if op == "*":
        if isinstance(left, Money):
            return Money(left.yuan * right)
        if isinstance(right, Money):
            return Money(left * right.yuan)
        product: object = left * right
        return product
    divisor = right.yuan if isinstance(right, Money) else Decimal(right)
    if divisor == 0:
        return None
    if isinstance(left, Money):
        quotient = left.yuan / divisor
        return quotient if isinstance(right, Money) else Money(quotient)  # money / money is a ratio
    return Decimal(left) / divisor


def choose(condition: object, then: object, otherwise: object, kind: str = "") -> object:
    """One amendment over the value below it (§9): its value when its condition is true, the value
    below when false; when unknown, a value both sides agree on, else unknown with the condition's
    names and those of whichever side is unknown."""
    if condition is True:
        return then  # a chosen value keeps its bounds (§21 Intervals)
    if condition is False:
        return otherwise
    assert isinstance(condition, Unknown)
    if not isinstance(then, Unknown) and not isinstance(otherwise, Unknown) and then == otherwise:
        return then
    # Between two numbers each known or bounded, the value lies in the hull of both.
    sides = [bounds.edges(side) for side in (then, otherwise)]
    if kind in bounds.NUMBERS and all(
            span is not None and (not isinstance(side, Unknown) or side.bounded)
            for span, side in zip(sides, (then, otherwise), strict=True)):
        return bounds.unknown_between(unknowns_of(condition, then, otherwise).paths, min(s[0] for s in sides),  # type: ignore[index]
                                      max(s[1] for s in sides), kind)  # type: ignore[index]
    return unknowns_of(condition, then, otherwise)


def amendment_orders(policy: m.Policy) -> dict[str, tuple[m.Amendment, ...]]:
    """The amendments of each parameter or definition, lowest first: each after every amendment it
    prevails over (`over`, transitively, through any amendment), ties in declaration order."""
    amendments = policy.amendments
    by_id: dict[str, list[int]] = {}
    for index, amendment in enumerate(amendments):
        by_id.setdefault(amendment.id, []).append(index)
    direct = [{j for name in getattr(a, "over", ()) for j in by_id.get(name, [])} for a in amendments]
    below: list[set[int]] = []
    for index in range(len(amendments)):
        seen: set[int] = set()
        todo = list(direct[index])
        while todo:
            j = todo.pop()
            if j not in seen:
                seen.add(j)
                todo.extend(direct[j])
        if index in seen:
            raise Unsupported(f"amendment {amendments[index].id} prevails over itself")
        below.append(seen)
    orders: dict[str, tuple[m.Amendment, ...]] = {}
    names = {name for amendment in amendments for name, _ in amendment.sets}
    for name in names:
        left = [i for i, amendment in enumerate(amendments) if any(n == name for n, _ in amendment.sets)]
        placed: list[int] = []
        while left:
            ready = next(i for i in left if not (below[i] & set(left)))
            placed.append(ready)
            left.remove(ready)
        orders[name] = tuple(amendments[i] for i in placed)
    return orders


def _walk_reads(expr: m.TExpr) -> Iterator[m.TExpr]:
    yield expr
    if not isinstance(expr, m.Index):
        for child in m.children(expr):
            yield from _walk_reads(child)


def _ordered(low: object, high: object, typ: m.Type) -> object:
    """`low <= high` of two values (unknown if either is)."""
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return unknowns_of(low, high)
    if typ.kind == "enum" and typ.enum is not None:
        return typ.enum.values.index(low) <= typ.enum.values.index(high)  # type: ignore[arg-type]
    return low <= high  # type: ignore[operator]


class Interpreter:
    """One evaluation: a checked policy, the typed facts of one enterprise, typed parameters, a day."""

    def __init__(self, policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
                 as_of: datetime.date, orders: Mapping[str, tuple[m.Amendment, ...]] | None = None) -> None:
        self.policy = policy
        self.facts = facts
        self.params = params
        self.as_of = as_of
        self.orders = amendment_orders(policy) if orders is None else orders
        self.known_names: dict[str, object] = {}  # definitions and parameters, amendments applied
        self.computing: list[str] = []

    # ---- expressions (§3–§5)
    def value(self, expr: m.TExpr, env: Env) -> object:
        if isinstance(expr, m.Const):
            return expr.value
        if isinstance(expr, m.FactRef):
            fact = self.facts.get(expr.fact.name)
            declared = expr.fact
            if fact is None:
                return bounds.declared(frozenset([declared.name]), declared.type, declared.minimum, declared.maximum)
            return fact
        if isinstance(expr, m.FieldRef):
            bound = env[expr.var]
            declared = expr.fact
            if bound.item is STAND_IN:
                return bounds.declared(frozenset([bound.path]), declared.type, declared.minimum, declared.maximum)
            field = bound.item.get(expr.fact.name)
            if field is None:
                return bounds.declared(frozenset([f"{bound.path}.{declared.name}"]), declared.type, declared.minimum,
                                       declared.maximum)
            return field
        if isinstance(expr, m.VarRef):
            return env[expr.var].item
        if isinstance(expr, m.RecordRef):  # a record's field; absent record or field: unknown (§5)
            record = self.facts.get(expr.record.name)
            field = record.get(expr.fact.name) if isinstance(record, Mapping) else None
            return unknown([f"{expr.record.name}.{expr.fact.name}"]) if field is None else field
        if isinstance(expr, m.Aggregate):
            return self.aggregate(expr, env)
        if isinstance(expr, m.Logic):
            return kleene(expr.op, (self.value(item, env) for item in expr.items))
        if isinstance(expr, m.Not):
            operand = self.value(expr.operand, env)
            return operand if isinstance(operand, Unknown) else not operand
        if isinstance(expr, m.Neg):
            operand = self.value(expr.operand, env)
            if isinstance(operand, Unknown):
                return bounds.combine("-", 0, operand, expr.type.kind, operand.paths)
            return Money(-operand.yuan) if isinstance(operand, Money) else -operand  # type: ignore[operator]
        if isinstance(expr, m.Compare):
            return self.compare(expr, env)
        if isinstance(expr, m.Arith):
            left, right = self.value(expr.left, env), self.value(expr.right, env)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return bounds.combine(expr.op, left, right, expr.type.kind, unknowns_of(left, right).paths)
            result = arithmetic(expr.op, left, right)
            # A division by zero is unknown, named by what the divisor reads (§5).
            return unknown(self.reads(expr.right, env)) if result is None else result
        if isinstance(expr, m.In):
            member = self.value(expr.value, env)
            if isinstance(member, Unknown):
                return member
            return any(member == option for option in expr.options) != expr.negated
        if isinstance(expr, m.Quant):
            return self.quantified(expr, env)
        if isinstance(expr, m.Func):
            return self.function(expr, env)
        if isinstance(expr, m.DefRef):
            return self.named(expr.name)
        if isinstance(expr, m.ParamRef):
            return self.named(expr.name)
        if isinstance(expr, m.CondRef):
            measure = self.policy.all_measures[expr.measure]
            condition = next(c for c in measure.conditions if c.name == expr.name)
            return self.value(condition.expr, NO_ENV)
        if isinstance(expr, m.If):  # §4: `choose` on the condition
            return choose(self.value(expr.condition, env), self.value(expr.then, env),
                          self.value(expr.otherwise, env), expr.type.kind)
        if isinstance(expr, m.Today):  # §5: the evaluation day
            return self.as_of
        if isinstance(expr, m.Shift):
            return self.shifted(expr, env)
        if isinstance(expr, m.Between):  # §4: low <= value and value <= high, in Kleene logic
            value, low, high = (self.value(part, env) for part in (expr.value, expr.low, expr.high))
            return kleene("and", [self.ordered(low, value, expr.operand_type),
                                  self.ordered(value, high, expr.operand_type)])
        if isinstance(expr, m.Index):
            return self.series_value(expr, env)
        if isinstance(expr, m.Outcome):
            return self.outcome_of(expr)
        if isinstance(expr, m.Band):
            return self.band(expr, env)
        raise Unsupported(f"no meaning for {type(expr).__name__}")

    def band(self, expr: m.Band, env: Env) -> object:
        """§ Bands: the value of the row the subject is in. An unknown subject may be in the rows its
        bounds meet: one such row, or rows all giving one value, decide it; numbers between the
        least and greatest of theirs otherwise, naming the subject's unknowns and the values'."""
        subject = self.value(expr.subject, env)
        span = bounds.edges(subject)
        low, high = span if span is not None else (-bounds.BIG, bounds.BIG)

        def meets(row: m.BandRow) -> bool:
            above_low = row.low is None or high > bounds.plain(row.low) or (
                high == bounds.plain(row.low) and row.low_closed)
            below_high = row.high is None or low < bounds.plain(row.high) or (
                low == bounds.plain(row.high) and row.high_closed)
            return above_low and below_high

        reachable = [row for row in expr.rows if meets(row)]
        values = [self.value(row.value, env) for row in reachable]
        if len(values) == 1:
            return values[0]
        if not any(isinstance(v, Unknown) for v in values) and all(v == values[0] for v in values):
            return values[0]
        paths = unknowns_of(subject, *values).paths
        spans = [bounds.edges(v) for v in values]
        if expr.type.kind in bounds.NUMBERS and all(s is not None for s in spans) and all(
                not isinstance(v, Unknown) or v.bounded for v in values):
            return bounds.unknown_between(paths, min(s[0] for s in spans), max(s[1] for s in spans),  # type: ignore[index]
                                          expr.type.kind)
        return unknowns_of(subject, *values)

    def shifted(self, expr: m.Shift, env: Env) -> object:
        """§5: years and months move the month, keeping the day (at most the month's last day);
        then days; a day outside years 1–9999 is unknown, named by what the date reads."""
        day, amount = self.value(expr.date, env), self.value(expr.amount, env)
        if isinstance(day, Unknown) or isinstance(amount, Unknown):
            return unknowns_of(day, amount)
        assert isinstance(day, datetime.date)
        sign = 1 if expr.op == "+" else -1
        total = day.year * 12 + (day.month - 1) + sign * (amount.years * 12 + amount.months)  # type: ignore[attr-defined]
        year, month = divmod(total, 12)
        if not 1 <= year <= 9999:
            return unknown(self.reads(expr.date, env))
        last = calendar.monthrange(year, month + 1)[1]
        ordinal = datetime.date(year, month + 1, min(day.day, last)).toordinal() + sign * amount.days  # type: ignore[attr-defined]
        if not 1 <= ordinal <= datetime.date.max.toordinal():
            return unknown(self.reads(expr.date, env))
        return datetime.date.fromordinal(ordinal)

    def series_value(self, expr: m.Index, env: Env) -> object:
        """§5: one year of a series; unknown `revenue.2024` where the profile lacks it."""
        year = self.value(expr.year, env)
        series = expr.series
        if isinstance(series, m.FactRef):
            path, values = series.fact.name, self.facts.get(series.fact.name)
        else:
            bound = env[series.var]
            if bound.item is STAND_IN:
                return unknown([bound.path]) if not isinstance(year, Unknown) else unknowns_of(year, unknown([bound.path]))
            path, values = f"{bound.path}.{series.fact.name}", bound.item.get(series.fact.name)
        if isinstance(year, Unknown):
            return year if values is not None else unknowns_of(year, unknown([path]))
        found = None if values is None else values.get(year)  # type: ignore[attr-defined]
        return unknown([f"{path}.{year}"]) if found is None else found

    def compare(self, expr: m.Compare, env: Env) -> object:
        left, right = self.value(expr.left, env), self.value(expr.right, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            if expr.operand_type.kind in bounds.NUMBERS:
                decided = bounds.decide(expr.op, left, right)
                if decided is not None:
                    return decided
            return self.compare_intervals(expr.op, left, right)
        if expr.operand_type.kind in ("list", "entity"):  # §4: whole items and lists
            same = self.same(left, self.whole_path(expr.left, env), right, self.whole_path(expr.right, env))
            return (not same if isinstance(same, bool) else same) if expr.op == "!=" else same
        enum = expr.operand_type.enum
        if expr.operand_type.kind == "enum" and enum is not None:
            left, right = enum.values.index(left), enum.values.index(right)  # declaration order
        if expr.op == "=":
            return left == right
        if expr.op == "!=":
            return left != right
        if expr.op == "<":
            return left < right  # type: ignore[operator]
        if expr.op == "<=":
            return left <= right  # type: ignore[operator]
        if expr.op == ">":
            return left > right  # type: ignore[operator]
        return left >= right  # type: ignore[operator]

    def ordered(self, low: object, high: object, typ: m.Type) -> object:
        """`low <= high`, one half of `between`: decided by an unknown's bounds as a comparison is
        (§23: `max(x, 2) between 0 and 1` is false whatever x is)."""
        if isinstance(low, Unknown) or isinstance(high, Unknown):
            if typ.kind in bounds.NUMBERS:
                decided = bounds.decide("<=", low, high)
                if decided is not None:
                    return decided
            return self.compare_intervals("<=", low, high)
        return _ordered(low, high, typ)

    @staticmethod
    def compare_intervals(op: str, left: object, right: object) -> object:
        """§6: a comparison with an unknown is decided when it holds, or fails, for every pair
        of values the two intervals allow; else unknown with both sides' unknowns."""
        (a, b), (c, d) = interval(left), interval(right)
        if None not in (a, b, c, d):
            holds = {"<": b < c, "<=": b <= c, ">": a > d, ">=": a >= d, "=": a == b == c == d,
                     "!=": b < c or d < a}[op]
            fails = {"<": a >= d, "<=": a > d, ">": b <= c, ">=": b < c, "=": b < c or d < a,
                     "!=": a == b == c == d}[op]
        else:  # one side unbounded somewhere: only the bounds that exist can decide
            holds = fails = False
            if op in ("<", "<=") and b is not None and c is not None:
                holds = b < c if op == "<" else b <= c
            if op in ("<", "<=") and a is not None and d is not None:
                fails = a >= d if op == "<" else a > d
            if op in (">", ">=") and a is not None and d is not None:
                holds = a > d if op == ">" else a >= d
            if op in (">", ">=") and b is not None and c is not None:
                fails = b <= c if op == ">" else b < c
            if op in ("=", "!=") and ((b is not None and c is not None and b < c)
                                      or (d is not None and a is not None and d < a)):
                holds, fails = op == "!=", op == "="
        if holds:
            return True
        if fails:
            return False
        return unknowns_of(left, right)

    def aggregate(self, expr: m.Aggregate, env: Env) -> object:
        """§6 "List aggregates": each item whose filter is not false adds an interval — what it
        gives if it counts, joined with "nothing" where the filter is unknown; a value's unknown
        is bounded below by the minimum its fact declares."""
        items = self.value(expr.collection, env)
        try:
            path = self.collection_path(expr.collection, env)
        except Unsupported:
            if not isinstance(items, Unknown):
                raise
            path = "list"  # the stand-in's name only: the list's own unknowns name the result
        floor = None
        if isinstance(expr.value, m.FieldRef | m.FactRef | m.RecordRef) and expr.value.fact.minimum is not None:
            floor = expr.value.fact.minimum
            floor = Money.of(floor) if expr.value.type.kind == "money" else floor
        if isinstance(items, Unknown):
            return self.unknown_list(expr, env, items, path, floor)
        assert isinstance(items, tuple)
        rows: list[tuple[object, object]] = []  # (filter, value) of the items not surely left out
        for index, item in enumerate(items):
            inner = {**env, expr.var: Bound(item, f"{path}[{index}]")}
            holds = True if expr.where is None else self.value(expr.where, inner)
            if holds is False:
                continue
            value = self.value(expr.value, inner) if expr.value is not None else 1
            rows.append((holds, value))
        names = unknowns_of(*(part for row in rows for part in row))
        if expr.op == "count":
            low = sum(1 for holds, _ in rows if holds is True)
            return low if low == len(rows) else Unknown(names.paths, low=low, high=len(rows))

        def bounds(value: object) -> tuple[Any, Any]:
            low, high = interval(value)
            if isinstance(value, Unknown) and low is None:
                low = floor
            return low, high

        if expr.op == "sum":
            zero: Any = Money(Decimal(0)) if expr.type.kind == "money" else 0 if expr.type.kind == "integer" else Decimal(0)
            low = high = zero
            for holds, value in rows:
                a, b = bounds(value)
                if holds is not True:  # counted or not: 0 or the value
                    a = None if a is None else min(zero, a)
                    b = None if b is None else max(zero, b)
                low, high = plus(low, a), plus(high, b)
            if not names.paths and all(not isinstance(p, Unknown) for row in rows for p in row):
                return low
            return low if low is not None and low == high else Unknown(names.paths, low=low, high=high)
        default = self.value(expr.default, env) if expr.default is not None else None
        if isinstance(default, Unknown):
            return unknowns_of(default, *(part for row in rows for part in row))
        pick = max if expr.op == "max" else min
        if all(not isinstance(p, Unknown) for row in rows for p in row):
            return pick(value for _, value in rows) if rows else default  # type: ignore[type-var]
        # The result is one of the matching values, or the default when none matches.
        sure = [bounds(value) for holds, value in rows if holds is True]
        every = [bounds(value) for _, value in rows]
        if sure:
            if expr.op == "max":
                lows = [a for a, _ in sure if a is not None]
                low = max(lows) if lows else None
                highs = [b for _, b in every]
                high = None if None in highs else max(highs)
            else:
                highs = [b for _, b in sure if b is not None]
                high = min(highs) if highs else None
                lows = [a for a, _ in every]
                low = None if None in lows else min(lows)
        else:
            lows = [default, *(a for a, _ in every)]
            highs = [default, *(b for _, b in every)]
            low = None if None in lows else min(lows)
            high = None if None in highs else max(highs)
        return low if low is not None and low == high else Unknown(names.paths, low=low, high=high)

    def unknown_list(self, expr: m.Aggregate, env: Env, items: Unknown, path: str, floor: object) -> object:
        """§6 "List aggregates" over a list that is not known: it may hold any number of items,
        each like one stand-in whose facts are unknown. A filter false for the stand-in means no
        item matches (as an empty list); otherwise count ≥ 0, a sum is ≥ 0 when the value cannot
        be negative (≤ 0 when it cannot be positive), a max/min lies between d and the value."""
        inner = {**env, expr.var: Bound(STAND_IN, path)}
        holds = True if expr.where is None else self.value(expr.where, inner)
        zero: Any = Money(Decimal(0)) if expr.type.kind == "money" else 0 if expr.type.kind == "integer" else Decimal(0)
        default = self.value(expr.default, env) if expr.default is not None else None
        if holds is False:
            if expr.op == "count":
                return 0
            if expr.op == "sum":
                return zero
            return unknowns_of(default) if isinstance(default, Unknown) else default
        value = self.value(expr.value, inner) if expr.value is not None else 1
        # The stand-in's facts are named by the stand-in's path; the list's own unknowns name them.
        names = items.paths | (unknowns_of(holds, value, default).paths - {path})
        if expr.op == "count":
            return Unknown(names, low=0)
        if expr.op != "sum" and isinstance(default, Unknown):
            return Unknown(names)
        low, high = interval(value)
        if isinstance(value, Unknown) and low is None:
            low = floor
        if expr.op == "sum":
            low = zero if low is not None and low >= zero else None
            high = zero if high is not None and high <= zero else None
        else:
            low = None if low is None else min(default, low)  # type: ignore[type-var]
            high = None if high is None else max(default, high)  # type: ignore[type-var]
        return low if low is not None and low == high else Unknown(names, low=low, high=high)

    def quantified(self, expr: m.Quant, env: Env) -> object:
        """`any` is an `or` over the items, `all` an `and`; an unknown list is unknown (§6)."""
        items = self.value(expr.collection, env)
        if isinstance(items, Unknown):
            return items
        path = self.collection_path(expr.collection, env)
        assert isinstance(items, tuple)
        op = "or" if expr.quantifier == "any" else "and"
        return kleene(op, (self.value(expr.body, {**env, expr.var: Bound(item, f"{path}[{index}]")})
                           for index, item in enumerate(items)))

    def function(self, expr: m.Func, env: Env) -> object:
        args = [self.value(arg, env) for arg in expr.args]
        if any(isinstance(arg, Unknown) for arg in args):
            paths = unknowns_of(*args).paths
            spans = [bounds.edges(arg) for arg in args]
            if expr.name in ("min", "max") and all(span is not None for span in spans):
                pick = min if expr.name == "min" else max
                return bounds.unknown_between(paths, pick(s[0] for s in spans), pick(s[1] for s in spans),  # type: ignore[index]
                                              expr.type.kind)
            if expr.name in bounds.ROUND and spans[0] is not None:
                low, high = spans[0]
                return bounds.unknown_between(
                    paths, low if low.is_infinite() else Decimal(bounds.number_function(expr.name, low)),  # type: ignore[arg-type]
                    high if high.is_infinite() else Decimal(bounds.number_function(expr.name, high)),  # type: ignore[arg-type]
                    expr.type.kind)
            if expr.name == "sqrt" and spans[0] is not None and spans[0][0] >= 0:
                low, high = spans[0]
                top = high if high.is_infinite() else bounds.number_function("sqrt", high)
                return bounds.unknown_between(paths, bounds.number_function("sqrt", low), top, "decimal")  # type: ignore[arg-type]
            return unknowns_of(*args)
        if expr.name in ("floor", "ceil", "round", "sqrt"):
            return bounds.number_function(expr.name, args[0])
        if expr.name == "count":
            return len(args[0])  # type: ignore[arg-type]
        if expr.name == "contains":
            return args[1] in args[0]  # type: ignore[operator]
        if expr.name == "min":
            return min(args)  # type: ignore[type-var]
        if expr.name == "max":
            return max(args)  # type: ignore[type-var]
        if expr.name == "year":
            return args[0].year  # type: ignore[attr-defined]
        if expr.name == "date":  # §5: a day the calendar lacks is unknown, named by what the arguments read
            try:
                return datetime.date(*args)  # type: ignore[arg-type]
            except (ValueError, OverflowError):
                return unknown(set().union(*(self.reads(arg, env) for arg in expr.args)))
        raise Unsupported(f"no function {expr.name}")

    def whole_path(self, expr: m.TExpr, env: Env) -> str:
        if isinstance(expr, m.VarRef):
            return env[expr.var].path
        return self.collection_path(expr, env)

    def same(self, a: object, a_at: str, b: object, b_at: str) -> object:
        """Whether two items, or two lists, are equal (§4): `and` over their facts, in Kleene's logic;
        a fact unknown on either side is named there; lists of different lengths differ."""
        if a is STAND_IN or b is STAND_IN:
            return unknown([at for value, at in ((a, a_at), (b, b_at)) if value is STAND_IN])
        if isinstance(a, tuple):
            assert isinstance(b, tuple)
            if len(a) != len(b):
                return False
            return kleene("and", [self.same(x, f"{a_at}[{i}]", y, f"{b_at}[{i}]")
                                  for i, (x, y) in enumerate(zip(a, b, strict=True))])
        assert isinstance(a, Mapping) and isinstance(b, Mapping)
        parts: list[object] = []
        for name in sorted(set(a) | set(b)):
            x, y = a.get(name), b.get(name)
            if x is None or y is None:
                parts.append(unknown([f"{a_at}.{name}"] if x is None else [], [f"{b_at}.{name}"] if y is None else []))
            elif isinstance(x, tuple | Mapping):
                parts.append(self.same(x, f"{a_at}.{name}", y, f"{b_at}.{name}"))
            else:
                parts.append(x == y)
        return kleene("and", parts)

    def collection_path(self, expr: m.TExpr, env: Env) -> str:
        """Where a list stands in the profile: `projects`, `projects[0].phases` (§5)."""
        if isinstance(expr, m.FactRef):
            return expr.fact.name
        if isinstance(expr, m.FieldRef):
            return f"{env[expr.var].path}.{expr.fact.name}"
        if isinstance(expr, m.DefRef) and expr.name not in self.orders:
            return self.collection_path(self.policy.definitions[expr.name].expr, NO_ENV)
        raise Unsupported("a list that is not a fact has no profile path to name its items by")

    def reads(self, expr: m.TExpr, env: Env) -> set[str]:
        """The facts and parameters an expression reads, through the definitions it uses."""
        found: set[str] = set()
        for node in _walk_reads(expr):
            if isinstance(node, m.Index):  # a series names the year it reads, where that is known
                year = self.value(node.year, env)
                series = node.series
                path = series.fact.name if isinstance(series, m.FactRef) else f"{env[series.var].path}.{series.fact.name}"
                found.add(path if isinstance(year, Unknown) else f"{path}.{year}")
                found |= self.reads(node.year, env)
            elif isinstance(node, m.FactRef):
                found.add(node.fact.name)
            elif isinstance(node, m.FieldRef):
                found.add(f"{env[node.var].path}.{node.fact.name}")
            elif isinstance(node, m.ParamRef):
                found.add(node.name)
            elif isinstance(node, m.RecordRef):
                found.add(f"{node.record.name}.{node.fact.name}")
            elif isinstance(node, m.DefRef):
                found |= self.reads(self.policy.definitions[node.name].expr, NO_ENV)
        return found

    # ---- definitions and parameters, amendments applied (§8, §9)
    def named(self, name: str) -> object:
        if name in self.known_names:
            return self.known_names[name]
        if name in self.computing:
            raise Unsupported(f"{name} depends on itself: {' → '.join([*self.computing, name])}")
        self.computing.append(name)
        try:
            value = self.base(name)
            for amendment in self.orders.get(name, ()):
                condition = self.value(amendment.when, NO_ENV)
                if condition is False:
                    continue  # its value is not needed
                set_to = next(expr for target, expr in amendment.sets if target == name)
                new = self.value(set_to, NO_ENV)
                parameter = self.policy.parameters.get(name)
                if parameter is not None and parameter.minimum is not None and not isinstance(new, Unknown):
                    # §8: a computed value below the parameter's minimum is unknown, named by
                    # what it was computed from (a constant one is refused by the checker)
                    shown = new.in_unit() if isinstance(new, Money) else new
                    if shown < parameter.minimum:  # type: ignore[operator]
                        new = unknown(self.reads(set_to, NO_ENV))
                value = choose(condition, new, value, self.policy.parameters[name].type.kind
                               if name in self.policy.parameters else self.policy.definitions[name].type.kind)
        finally:
            self.computing.pop()
        # A name read through amendments keeps its bounds: the chosen side's, or the hull of both
        # where a condition is undecided (semantics.md §6 "Where bounds are kept", §23).
        self.known_names[name] = value
        return value

    def base(self, name: str) -> object:
        definition = self.policy.definitions.get(name)
        if definition is not None:
            return self.value(definition.expr, NO_ENV)
        parameter = self.policy.parameters[name]
        if name in self.params:
            return self.params[name]
        if parameter.default is not None:
            return parameter.default
        return bounds.declared(frozenset([name]), parameter.type, parameter.minimum, parameter.maximum)

    # ---- outcomes of measures read in expressions, scores, versions (§21, §22)
    def outcome_of(self, expr: m.Outcome) -> object:
        measure = self.policy.all_measures[expr.measure]
        if expr.function == "eligible":
            status = self.measure(measure)
            if status.status == "eligible":
                return True
            return unknown(status.unknowns) if status.status == "undetermined" else False
        if measure.versions:
            chosen = next((v for v in measure.versions if self.window_of(v) is True), None)
            if chosen is None or chosen.score is None:
                return Unknown(frozenset())
            measure = chosen
        total, subtotals, floors = self.score(measure)
        if expr.function == "score":
            return total
        if expr.function == "subtotal":
            return dict(subtotals)[expr.group]
        return kleene("and", floors)

    def score(self, measure: m.Measure) -> tuple[object, tuple[tuple[str, object], ...], list[object]]:
        assert measure.score is not None
        values = {i.name: self.value(i.expr, NO_ENV) for i in measure.score.indicators}
        subtotals = tuple((g.name, add_points([values[i.name] for i in g.indicators])) for g in measure.score.groups)
        floors = [reaches(sub, g.floor) if g.floor is not None else True
                  for g, (_, sub) in zip(measure.score.groups, subtotals, strict=True)]
        return add_points(list(values.values())), subtotals, floors

    def window_of(self, measure: m.Measure) -> bool | None:
        own = window_state(measure.own_window, self.as_of, self.params) if measure.own_window else True
        whole = (window_state(self.policy.header.window, self.as_of, self.params)
                 if measure.policy == self.policy.header.id else True)
        return kleene_bool(own, whole)

    def day_names(self, measure: m.Measure) -> tuple[str, ...]:
        windows = [measure.own_window] if measure.own_window else []
        if measure.policy == self.policy.header.id:
            windows.append(self.policy.header.window)
        return tuple(sorted({b.day for w in windows for b in (w.start, w.end) if b.kind == "year" and b.day}))

    def measure(self, measure: m.Measure) -> MeasureOutcome:
        if measure.versions:
            states = [(v, self.window_of(v)) for v in measure.versions]
            chosen = next((v for v, state in states if state is True), None)
            if chosen is None:
                if any(state is None for _, state in states):
                    names = sorted({n for v in measure.versions for n in self.day_names(v)})
                    return MeasureOutcome(measure.id, "undetermined", (), (), None, tuple(names), ())
                return MeasureOutcome(measure.id, "not_in_force", (), (), None, (), ())
            return attrs.evolve(self.measure(chosen), id=measure.id, version=chosen.version)
        state = self.window_of(measure)
        if state is None:
            return MeasureOutcome(measure.id, "undetermined", (), (), None, self.day_names(measure), ())
        if state is False:
            return MeasureOutcome(measure.id, "not_in_force", (), (), None, (), ())
        plain = self.measure_in_force(measure)
        if measure.score is None:
            return plain
        total, subtotals, _ = self.score(measure)
        named = {n for v in [total, *(s for _, s in subtotals)] if isinstance(v, Unknown) for n in v.paths}
        values = {i.name: self.value(i.expr, NO_ENV) for i in measure.score.indicators}
        named |= {n for v in values.values() if isinstance(v, Unknown) for n in v.paths}
        return attrs.evolve(plain, unknowns=tuple(sorted(set(plain.unknowns) | named)), score=total,
                            subtotals=subtotals)

    def measure_in_force(self, measure: m.Measure) -> MeasureOutcome:
        agencies = self.agencies(measure)
        targets = tuple(self.target(target) for target in measure.targets)
        if not measure.benefits:
            return MeasureOutcome(measure.id, "not_applicable", agencies, (), None, (), targets)
        decided = [(benefit, outcome) for benefit in measure.benefits for outcome in self.benefit(benefit)]
        outcomes = tuple(outcome for _, outcome in decided)
        if any(outcome.applies is True for outcome in outcomes):
            status = "eligible"
        elif any(outcome.applies is None for outcome in outcomes):
            status = "undetermined"
        else:
            status = "not_eligible"
        unknowns = tuple(sorted({name for outcome in outcomes for name in outcome.unknowns}))
        return MeasureOutcome(measure.id, status, agencies, outcomes, self.total(decided), unknowns, targets)

    def exactly(self, measure: m.Measure, outcome: MeasureOutcome) -> MeasureOutcome:
        """An undetermined measure tried on every completion of its unknowns that have finitely many
        values (at most 4096 completions): all completions alike decide it, else only the unknowns
        whose value changes the status are named, with the others of the undetermined completions."""
        if outcome.status != "undetermined" or not outcome.unknowns:
            return outcome
        choices: dict[str, list[object]] = {}
        looked: set[str] = set()
        todo = set(outcome.unknowns)
        results: dict[tuple[object, ...], MeasureOutcome] = {}
        while todo - looked:
            for path in sorted(todo - looked):
                looked.add(path)
                values = self.choices(path)
                if values is not None:
                    choices[path] = values
            count = 1
            for values in choices.values():
                count *= len(values)
            if not choices or count > 4096:
                return outcome
            results = {}
            for picked in itertools.product(*choices.values()):
                facts, params = dict(self.facts), dict(self.params)
                for path, value in zip(choices, picked, strict=True):
                    self.fill(facts, params, path, value)
                results[picked] = Interpreter(self.policy, facts, params, self.as_of, self.orders).measure(measure)
            todo = {u for r in results.values() if r.status == "undetermined" for u in r.unknowns}
        statuses = {r.status for r in results.values()}
        if statuses != {"undetermined"} and len(statuses) == 1:
            first = next(iter(results.values()))
            total = first.total if len({r.total for r in results.values()}) == 1 else None
            return attrs.evolve(outcome, status=first.status, total=total, unknowns=())
        names = list(choices)
        named: set[str] = set()
        for position, name in enumerate(names):
            for picked, result in results.items():
                for other in choices[name]:
                    changed = (*picked[:position], other, *picked[position + 1:])
                    if {result.status, results[changed].status} != {result.status} or result.status == "undetermined":
                        named.add(name)
        named |= {u for r in results.values() if r.status == "undetermined" for u in r.unknowns if u not in choices}
        return attrs.evolve(outcome, unknowns=tuple(sorted(named)))

    def choices(self, path: str) -> list[object] | None:
        """The values an absent fact, parameter or item field can take, when finitely many."""
        if path in self.policy.parameters:
            p = self.policy.parameters[path]
            return None if self.params.get(path) is not None else bounds.values_of(p.type, p.minimum, p.maximum)
        fact = self.policy.schema.root.fact(path)
        if fact is not None:
            return None if self.facts.get(path) is not None else bounds.values_of(fact.type, fact.minimum, fact.maximum)
        head, _, field = path.partition("].")
        name, _, index = head.partition("[")
        items = self.facts.get(name)
        list_fact = self.policy.schema.root.fact(name)
        if not field or not index.isdigit() or list_fact is None or not isinstance(items, tuple):
            return None
        if int(index) >= len(items) or items[int(index)].get(field) is not None or list_fact.type.entity is None:
            return None
        declared = self.policy.schema.entities[list_fact.type.entity].fact(field)
        return None if declared is None else bounds.values_of(declared.type, declared.minimum, declared.maximum)

    def fill(self, facts: dict[str, object], params: dict[str, object], path: str, value: object) -> None:
        if path in self.policy.parameters:
            params[path] = value
        elif "[" not in path:
            facts[path] = value
        else:
            head, _, field = path.partition("].")
            name, _, index = head.partition("[")
            items = list(facts[name])  # type: ignore[call-overload]
            items[int(index)] = {**items[int(index)], field: value}
            facts[name] = tuple(items)

    @staticmethod
    def total(decided: list[tuple[m.Benefit, BenefitOutcome]]) -> Money | None:
        """The sum of the amounts of the results that surely apply; none when one of them has an
        amount that is not known, or when none has an amount (§13)."""
        applying = [(benefit, outcome) for benefit, outcome in decided if outcome.applies is True]
        if any(benefit.amount is not None and outcome.amount is None for benefit, outcome in applying):
            return None
        amounts = [outcome.amount.yuan for _, outcome in applying if outcome.amount is not None]
        return Money(sum(amounts, Decimal(0))) if amounts else None

    def benefit(self, benefit: m.Benefit) -> list[BenefitOutcome]:
        loop = benefit.for_each
        if loop is None:
            return [self.decide(benefit, NO_ENV, None, None)]
        items = self.value(loop.collection, NO_ENV)
        path = self.collection_path(loop.collection, NO_ENV)
        if isinstance(items, Unknown):
            # Decided as far as it can be without the items: a condition that is false even for
            # the stand-in makes it not apply; otherwise undetermined, naming the list too.
            condition = self.condition(benefit, {loop.var: Bound(STAND_IN, path)})
            if condition is False:
                return [BenefitOutcome(benefit.id, False, None, None, None, None, (), ())]
            names = (condition.paths if isinstance(condition, Unknown) else frozenset()) | items.paths
            return [BenefitOutcome(benefit.id, None, None, None, None, None, (), tuple(sorted(names)))]
        assert isinstance(items, tuple)
        if not items:
            return [BenefitOutcome(benefit.id, False, None, None, None, None, (), ())]
        outcomes = []
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            name = item.get("name")
            label = name if isinstance(name, str) and name else item_path
            outcomes.append(self.decide(benefit, {loop.var: Bound(item, item_path)}, label, item_path))
        return outcomes

    def condition(self, benefit: m.Benefit, env: Env) -> object:
        """A benefit's `when` (a reused benefit has its base's and its own: all must hold)."""
        return kleene("and", (self.value(when, env) for when in benefit.when))

    def decide(self, benefit: m.Benefit, env: Env, item: str | None, item_path: str | None) -> BenefitOutcome:
        applies = self.condition(benefit, env)
        if applies is False:
            return BenefitOutcome(benefit.id, False, item, item_path, None, None, (), ())
        if isinstance(applies, Unknown):
            return BenefitOutcome(benefit.id, None, item, item_path, None, None, (), tuple(sorted(applies.paths)))
        if benefit.amount is None:
            return BenefitOutcome(benefit.id, True, item, item_path, None, None, (), ())
        amount, at_most, lacking = self.capped(benefit, env)
        missing = tuple(sorted(name for name in lacking if name in self.policy.parameters))
        return BenefitOutcome(benefit.id, True, item, item_path, amount, at_most, missing, tuple(sorted(lacking)))

    def capped(self, benefit: m.Benefit, env: Env) -> tuple[Money | None, Money | None, set[str]]:
        """(amount, at_most, names that left it open) of `min(amount, cap)` (§10)."""
        assert benefit.amount is not None
        raw = self.value(benefit.amount, env)
        if benefit.cap is None:
            if isinstance(raw, Unknown):
                return None, None, set(raw.paths)
            assert isinstance(raw, Money)
            return raw, None, set()
        cap = self.value(benefit.cap, env)
        if isinstance(raw, Unknown) and isinstance(cap, Unknown):
            return None, None, set(raw.paths | cap.paths)
        if isinstance(cap, Unknown):
            assert isinstance(raw, Money)
            return None, raw, set(cap.paths)
        assert isinstance(cap, Money)
        if isinstance(raw, Unknown):
            return None, cap, set(raw.paths)
        assert isinstance(raw, Money)
        return (raw if raw.yuan <= cap.yuan else cap), None, set()

    def agencies(self, measure: m.Measure) -> tuple[str, ...]:
        """Named agencies and table rows in order, first occurrence kept; an unknown `when` keeps
        the entry as a candidate, an unknown key gives the table's `unknown` row (§14)."""
        names: list[str] = []
        for agency in measure.agencies:
            if agency.when is not None and self.value(agency.when, NO_ENV) is False:
                continue
            if agency.name is not None:
                names.append(agency.name)
                continue
            assert agency.table is not None
            table = self.policy.tables[agency.table]
            key = self.value(table.key, NO_ENV)
            names.extend(table.unknown_row if isinstance(key, Unknown) else table.rows[key])  # type: ignore[index]
        return tuple(dict.fromkeys(names))

    def target(self, target: m.Target) -> TargetOutcome:
        applies = True if target.when is None else truth(self.value(target.when, NO_ENV))
        met = None
        if applies is not False and target.require is not None:
            met = truth(self.value(target.require, NO_ENV))
        return TargetOutcome(target.id, applies, met)

    def outcome(self) -> Outcome:
        measures = tuple(self.exactly(measure, self.measure(measure)) for measure in self.policy.measures)
        goals = tuple((goal.id, truth(self.value(goal.count, NO_ENV))) for goal in self.policy.goals)
        return Outcome(self.as_of, window_state(self.policy.header.window, self.as_of, self.params) is not False,
                       measures, goals)


def evaluate(policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
             as_of: datetime.date) -> Outcome:
    """The reference answer for one enterprise: typed facts (`read_profile(...).values`) and
    typed parameters (`PolicySet.read_params`), on one day."""
    return Interpreter(policy, facts, params, as_of).outcome()
