"""Interval reasoning on unknown numbers: what `Unknown.low`/`Unknown.high` let an engine decide.

An unknown number may carry inclusive bounds (a ranged fact `integer 0..4`, a minimum `>= 0`, the
hull of the two branches of an undecided `if`). These functions propagate them soundly through
arithmetic, negation, min/max and rounding, and decide a comparison when the whole interval lies
on one side. Bounds are computed on plain Decimals (money in 元), with ±Infinity for an unbounded
side, and returned in the value's own type (Money, int or Decimal); None stands for unbounded in
an `Unknown`. An interval that shrinks to one point is that value, known (max(10分, [0, 10]) = 10).
"""

from __future__ import annotations

from decimal import Decimal

from policydsl.values import Money, Unknown, merge_unknown, money

INF = Decimal("Infinity")
NUMBER_KINDS = frozenset({"integer", "decimal", "money", "ratio", "points"})


def is_number(value: object) -> bool:
    return isinstance(value, Money | Decimal) or (isinstance(value, int) and not isinstance(value, bool))


def _number(value: object) -> Decimal:
    return value.yuan if isinstance(value, Money) else Decimal(value)  # type: ignore[arg-type]


def low_of(value: object) -> Decimal:
    """The least value a number can have: itself when known, -Infinity when unbounded below."""
    if isinstance(value, Unknown):
        return -INF if value.low is None else _number(value.low)
    return _number(value)


def high_of(value: object) -> Decimal:
    if isinstance(value, Unknown):
        return INF if value.high is None else _number(value.high)
    return _number(value)


def typed(number: Decimal, kind: str) -> object:
    """A bound (finite) in the type of the values it bounds."""
    if kind == "money":
        return money(number)
    if kind == "integer" and number == number.to_integral_value():
        return int(number)
    return number


def bounded(paths_of: Unknown, low: Decimal, high: Decimal, kind: str) -> object:
    """The unknown `paths_of` with bounds [low, high], or the known value where low = high."""
    if low == high and low.is_finite():
        return typed(low, kind)
    return Unknown(paths_of.paths, paths_of.reason,
                   None if low == -INF else typed(low, kind), None if high == INF else typed(high, kind))


def declared(paths: frozenset[str], kind: str, minimum: Decimal | None, maximum: Decimal | None,
             reason: str = "") -> Unknown:
    """The unknown value of a fact or parameter declared with a minimum or range (money in 万元)."""
    scale = Decimal(10_000) if kind == "money" else Decimal(1)
    low = None if minimum is None else typed(minimum * scale, kind)
    high = None if maximum is None else typed(maximum * scale, kind)
    return Unknown(paths, reason, low, high)


def _mul(a: Decimal, b: Decimal) -> Decimal:
    return Decimal(0) if a == 0 or b == 0 else a * b


def _div(a: Decimal, b: Decimal) -> Decimal:
    if not a.is_finite() and not b.is_finite():
        return INF if (a > 0) == (b > 0) else -INF
    return a / b


def arith(op: str, left: object, right: object, kind: str) -> object:
    """`left op right` where either is unknown: an unknown whose bounds hold every possible result,
    naming both sides' unknowns (a division by an interval holding 0 is unbounded)."""
    unknown = merge_unknown(left, right)
    la, ha, lb, hb = low_of(left), high_of(left), low_of(right), high_of(right)
    if op == "+":
        return bounded(unknown, la + lb, ha + hb, kind)
    if op == "-":
        return bounded(unknown, la - hb, ha - lb, kind)
    if op == "*":
        corners = [_mul(x, y) for x in (la, ha) for y in (lb, hb)]
        return bounded(unknown, min(corners), max(corners), kind)
    if lb <= 0 <= hb:
        return unknown
    corners = [_div(x, y) for x in (la, ha) for y in (lb, hb)]
    return bounded(unknown, min(corners), max(corners), kind)


def negate(value: Unknown, kind: str) -> object:
    return bounded(value, -high_of(value), -low_of(value), kind)


def compare(op: str, left: object, right: object) -> bool | None:
    """A comparison decided by the bounds, or None where the intervals leave it open."""
    la, ha, lb, hb = low_of(left), high_of(left), low_of(right), high_of(right)
    if op == "<":
        return True if ha < lb else False if la >= hb else None
    if op == "<=":
        return True if ha <= lb else False if la > hb else None
    if op == ">":
        return True if la > hb else False if ha <= lb else None
    if op == ">=":
        return True if la >= hb else False if ha < lb else None
    disjoint = ha < lb or hb < la
    if op == "=":
        return False if disjoint else None
    return True if disjoint else None  # !=


def extreme(name: str, values: list[object], kind: str) -> object:
    """min/max of numbers some of which are unknown: the interval of the result."""
    unknown = merge_unknown(*values)
    pick = min if name == "min" else max
    return bounded(unknown, pick(low_of(v) for v in values), pick(high_of(v) for v in values), kind)


def hull(condition: object, then: object, otherwise: object, kind: str) -> object | None:
    """`choose` with an unknown condition, when both branches are numbers (known or bounded): the
    smallest interval holding both; None where a branch is not a number."""
    if not all(is_number(v) or (isinstance(v, Unknown) and v.bounded) for v in (then, otherwise)):
        return None
    unknown = merge_unknown(condition, then, otherwise)
    return bounded(unknown, min(low_of(then), low_of(otherwise)), max(high_of(then), high_of(otherwise)), kind)


def kind_of(value: object) -> str:
    """The kind a known number's bounds are kept in."""
    if isinstance(value, Money):
        return "money"
    if isinstance(value, int):
        return "integer"
    return "decimal"


def rounding(name: str, value: Unknown, kind: str) -> object:
    """floor/ceil/round of an unknown number: each is monotone, so its bounds are the bounds' images."""
    from policydsl.engine.numbers import rounded  # the known case, one rule

    def image(bound: Decimal) -> Decimal:
        return bound if not bound.is_finite() else _number(rounded(name, typed(bound, kind)))

    out = "money" if kind == "money" else "integer" if kind in ("integer", "decimal", "ratio") else kind
    return bounded(value, image(low_of(value)), image(high_of(value)), out)

