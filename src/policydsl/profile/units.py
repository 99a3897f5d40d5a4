"""Numbers and amounts in a profile: exact Decimals within the limits of numbers, money in 元 from 万元."""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal

from policydsl.profile.limits import MAX_DIGITS, MAX_EXPONENT, MAX_MONEY, MIN_EXPONENT
from policydsl.profile.messages import Invalid, limit_hint, number_text, wrong
from policydsl.values import DEFAULT_UNIT, UNITS, Money

WAN = UNITS[DEFAULT_UNIT]  # 元 in one 万元, the unit of a bare number of money
MAX_MONEY_INT = int(MAX_MONEY)
ZERO_MONEY = Money(Decimal(0))


def precise(number: Decimal, subject: str, kind: str) -> None:
    """Refuse more than MAX_DIGITS significant digits: converting units would round them."""
    if len(str(number)) > MAX_DIGITS and len(bytes(number.as_tuple().digits).rstrip(b"\0")) > MAX_DIGITS:
        raise Invalid("PD307", f"{subject} has too many digits: {number_text(number)}", limit_hint(kind))


def precise_text(text: str, subject: str, kind: str) -> None:
    """`precise` for the number written in an amount or ratio, checked before a unit scales it."""
    if len(text) > MAX_DIGITS and (number := re.search(r"\d+(?:\.\d+)?", text)) is not None:
        precise(Decimal(number.group()), subject, kind)


def checked(number: Decimal, limit: Decimal, subject: str, kind: str) -> Decimal:
    """`number` if it is finite, in range and not over-precise, so later exact arithmetic is."""
    if not number.is_finite():
        raise wrong(subject, kind, number)
    magnitude = number.adjusted()  # O(1), and so is a short str: the common case stops here
    if MIN_EXPONENT <= magnitude < MAX_EXPONENT and len(str(number)) <= MAX_DIGITS:
        return number
    if not number:
        return Decimal(0)  # a zero such as 0E-50 carries a needless exponent
    if magnitude < MIN_EXPONENT:
        raise Invalid("PD307", f"{subject} is too small to be meant: {number_text(number)}", limit_hint(kind))
    if not -limit <= number <= limit:
        raise Invalid("PD307", f"{subject} is too large: {number_text(number)}", limit_hint(kind))
    precise(number, subject, kind)
    return number


def exact_number(raw: object, subject: str, kind: str, limit: Decimal) -> Decimal:
    """A JSON/Python number (not a string, not a bool) as an exact Decimal."""
    # Exact types first: an isinstance test against an ABC such as numbers.Integral is slow.
    if type(raw) is Decimal:
        return checked(raw, limit, subject, kind)
    if type(raw) is int:
        return checked(Decimal(raw), limit, subject, kind)
    if isinstance(raw, float):  # read by its shortest printed form, so 149.99 stays 149.99
        return checked(Decimal(float.__repr__(raw)) if math.isfinite(raw) else Decimal(raw), limit, subject, kind)
    if isinstance(raw, Decimal):
        return checked(Decimal(raw), limit, subject, kind)
    if isinstance(raw, numbers.Integral) and not isinstance(raw, bool):
        return checked(Decimal(int(raw)), limit, subject, kind)
    raise wrong(subject, kind, raw)
