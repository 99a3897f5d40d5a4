"""The reference's reading of bounded unknowns and exact unknowns (docs/semantics.md, "Intervals"
and "Exact unknowns"), written apart from engine/intervals.py and engine/exact.py.

An unknown number is the set of values between its bounds; each operation's result is the set of
its results over every pair of values, so its bounds are those of the corners (a division by a
set holding 0 is unbounded). Values are plain Decimals here (money in 元); `None` is unbounded.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from typing import Any

from policydsl import model as m
from policydsl.values import Money, Unknown

NUMBERS = ("integer", "decimal", "money", "ratio", "points")
BIG = Decimal("Infinity")


def edges(value: object) -> tuple[Decimal, Decimal] | None:
    """(least, greatest) of a number, known or unknown; None for what is not a number."""
    if isinstance(value, Unknown):
        low = -BIG if value.low is None else plain(value.low)
        high = BIG if value.high is None else plain(value.high)
        return low, high
    if isinstance(value, bool) or not isinstance(value, Money | Decimal | int):
        return None
    return plain(value), plain(value)


def plain(value: Any) -> Decimal:
    return value.yuan if isinstance(value, Money) else Decimal(value)


def as_type(number: Decimal, kind: str) -> object:
    if kind == "money":
        return Money(number)
    if kind == "integer" and number == int(number):
        return int(number)
    return number


def unknown_between(paths: frozenset[str], low: Decimal, high: Decimal, kind: str) -> object:
    if low == high and low.is_finite():
        return as_type(low, kind)
    return Unknown(paths, "", None if low == -BIG else as_type(low, kind), None if high == BIG else as_type(high, kind))


def declared(paths: frozenset[str], typ: m.Type, minimum: Decimal | None, maximum: Decimal | None) -> Unknown:
    scale = 10_000 if typ.kind == "money" else 1
    low = None if minimum is None else as_type(minimum * scale, typ.kind)
    high = None if maximum is None else as_type(maximum * scale, typ.kind)
    return Unknown(paths, "", low, high)


def times(a: Decimal, b: Decimal) -> Decimal:
    return Decimal(0) if 0 in (a, b) else a * b


def over(a: Decimal, b: Decimal) -> Decimal:
    if a.is_infinite() and b.is_infinite():
        return BIG if (a > 0) == (b > 0) else -BIG
    return a / b


def combine(op: str, left: object, right: object, kind: str, paths: frozenset[str]) -> object:
    a, b = edges(left), edges(right)
    if a is None or b is None:
        return Unknown(paths)
    if op == "/" and b[0] <= 0 <= b[1]:
        return Unknown(paths)
    if op == "+":
        return unknown_between(paths, a[0] + b[0], a[1] + b[1], kind)
    if op == "-":
        return unknown_between(paths, a[0] - b[1], a[1] - b[0], kind)
    join = times if op == "*" else over
    corners = [join(x, y) for x, y in itertools.product(a, b)]
    return unknown_between(paths, min(corners), max(corners), kind)


def decide(op: str, left: object, right: object) -> bool | None:
    a, b = edges(left), edges(right)
    if a is None or b is None:
        return None
    always = {"<": a[1] < b[0], "<=": a[1] <= b[0], ">": a[0] > b[1], ">=": a[0] >= b[1],
              "=": False, "!=": a[1] < b[0] or b[1] < a[0]}[op]
    never = {"<": a[0] >= b[1], "<=": a[0] > b[1], ">": a[1] <= b[0], ">=": a[1] < b[0],
             "=": a[1] < b[0] or b[1] < a[0], "!=": False}[op]
    return True if always else False if never else None


ROUND = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "round": ROUND_HALF_UP}


def number_function(name: str, value: Any) -> object:
    """floor, ceil, round (half away from zero) and sqrt (28 significant digits) of a known number."""
    if name == "sqrt":
        number = Decimal(value)
        if number < 0:
            return Unknown(frozenset(), "square root of a negative number")
        result = number.sqrt(Context(prec=28))
        return result.normalize() if result == int(result) else result
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND[name]))


def values_of(typ: m.Type, minimum: Decimal | None, maximum: Decimal | None) -> list[object] | None:
    if typ.kind == "bool":
        return [True, False]
    if typ.kind == "enum" and typ.enum is not None:
        return list(typ.enum.values)
    if typ.kind == "set" and typ.enum is not None and len(typ.enum.values) <= 12:
        return [frozenset(c) for n in range(len(typ.enum.values) + 1) for c in itertools.combinations(typ.enum.values, n)]
    if typ.kind == "integer" and minimum is not None and maximum is not None and maximum - minimum < 4096:
        return list(range(int(minimum), int(maximum) + 1))
    return None
