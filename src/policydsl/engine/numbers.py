"""The number functions `floor`, `ceil`, `round` and `sqrt` on known values (docs/semantics.md).

`round` rounds half away from zero (2.5 → 3, -2.5 → -3), as people round by hand; `sqrt` is exact
where the root is a whole or finite decimal number (sqrt(16) = 4, sqrt(2.25) = 1.5) and otherwise
the Decimal root at 28 significant digits, correctly rounded. floor/ceil/round give an integer.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from policydsl.values import Money

ROUNDINGS = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "round": ROUND_HALF_UP}
_ROOTS = Context(prec=28)


def rounded(name: str, value: object) -> object:
    """floor/ceil/round of a known number: an integer (money keeps its type, rounded in 元)."""
    if isinstance(value, Money):
        return Money(value.yuan.quantize(Decimal(1), rounding=ROUNDINGS[name]))
    if isinstance(value, int):
        return value
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUNDINGS[name]))  # type: ignore[arg-type]


def root(value: object) -> Decimal | None:
    """The square root of a known number; None for a negative one (unknown: no real root)."""
    number = Decimal(value)  # type: ignore[arg-type]
    if number < 0:
        return None
    result = number.sqrt(_ROOTS)
    return result.normalize() if result == result.to_integral_value() else result
