"""Runtime values: exact money with units, unknowns that remember why, and value parsing."""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

import attrs

# Units of money, in 元. Money is stored in 元 so conversions are exact multiplications.
UNITS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
DEFAULT_UNIT = "万元"  # numbers in profiles and results are 万元 unless a unit is written


def plain(number: Decimal) -> str:
    """An exact decimal as plain text without exponent or trailing zeros: 320, 0.035, 1500."""
    if number == 0:
        return "0"
    text = format(number.normalize(), "f")
    return text


@attrs.frozen(eq=False)
class Money:
    """An exact amount of money, stored in 元."""

    yuan: Decimal

    # Written out rather than generated: attrs compares through tuples, and comparisons of
    # amounts are on the hot path of every evaluation.
    def __eq__(self, other: object) -> bool:
        return other.__class__ is Money and self.yuan == other.yuan  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((Money, self.yuan))

    def __lt__(self, other: Money) -> bool:
        return self.yuan < other.yuan

    def __le__(self, other: Money) -> bool:
        return self.yuan <= other.yuan

    def __gt__(self, other: Money) -> bool:
        return self.yuan > other.yuan

    def __ge__(self, other: Money) -> bool:
        return self.yuan >= other.yuan

    @classmethod
    def of(cls, amount: Decimal | int | str, unit: str = DEFAULT_UNIT) -> Money:
        return cls(Decimal(amount) * UNITS[unit])

    def in_unit(self, unit: str = DEFAULT_UNIT) -> Decimal:
        return self.yuan / UNITS[unit]

    def to_dict(self, unit: str = DEFAULT_UNIT) -> dict[str, str]:
        return {"value": plain(self.in_unit(unit)), "unit": unit}

    def __str__(self) -> str:
        # Explanations show the same few amounts again and again: their text is kept by value.
        text = _SHOWN.get(self.yuan)
        if text is None:
            if len(_SHOWN) >= _SHOWN_LIMIT:
                _SHOWN.clear()
            text = _SHOWN[self.yuan] = f"{plain(self.in_unit())}万元"
        return text


_SHOWN: dict[Decimal, str] = {}
_SHOWN_LIMIT = 4096
_set_yuan = Money.yuan.__set__  # type: ignore[attr-defined] # the slot of Money's only field


def money(yuan: Decimal) -> Money:
    """`Money(yuan)` without attrs' frozen setattr: amounts are made on the hot path of evaluations."""
    made = object.__new__(Money)
    _set_yuan(made, yuan)
    return made


@attrs.frozen
class Unknown:
    """A value that is not known, with the profile paths and parameters it depends on."""

    paths: frozenset[str] = frozenset()
    reason: str = ""
    # What is known of an unknown number (points, money, a ratio…): inclusive bounds, None where
    # unbounded. Operations that know nothing of bounds drop them, which is always sound.
    low: object | None = None
    high: object | None = None

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None

    def __bool__(self) -> bool:  # an unknown is never silently truthy
        raise TypeError("an Unknown has no truth value; test with `is_unknown`")

    def __str__(self) -> str:
        return "unknown"


@attrs.frozen
class Duration:
    """A span of the calendar: `3 years`, `6 months`, `30 days` (one unit each, as written)."""

    years: int = 0
    months: int = 0
    days: int = 0

    def __str__(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n) or "0 days"


def shift(day: datetime.date, duration: Duration, sign: int) -> datetime.date | None:
    """`day + duration` (sign 1) or `day - duration` (sign -1); None outside the calendar (years
    1–9999). Years and months move the month and keep the day, clamped to the month's last day
    (2024-02-29 + 1 year = 2025-02-28; 2024-03-31 - 1 month = 2024-02-29); then days are added."""
    months = day.month - 1 + sign * (duration.years * 12 + duration.months)
    year, month = day.year + months // 12, months % 12 + 1
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return None
    moved = datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    try:
        return moved + datetime.timedelta(days=sign * duration.days)
    except OverflowError:
        return None


def make_date(year: int, month: int, day: int) -> datetime.date | None:
    """`date(y, m, d)`; None for a day the calendar does not have (2023-02-29, month 13)."""
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def merge_unknown(*values: object) -> Unknown:
    paths: set[str] = set()
    for value in values:
        if isinstance(value, Unknown):
            paths |= value.paths
    return Unknown(frozenset(paths))


# The values a fact, definition or parameter can take at run time.
Value: TypeAlias = (
    bool
    | int
    | Decimal
    | Money
    | datetime.date
    | str
    | frozenset[str]
    | tuple[dict[str, object], ...]
    | Unknown
)

_AMOUNT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*(亿元|万元|元)?\s*")
_PERCENT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*%\s*")


class ValueError_(ValueError):
    """A value that cannot be read as its declared type; the message says what is allowed."""


def exact_decimal(value: object) -> Decimal:
    """Read a JSON/Python number exactly: floats by their shortest printed form."""
    if isinstance(value, bool):
        raise ValueError_("a number is expected, not true/false")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        text = str(value)
        if text in ("nan", "inf", "-inf"):
            raise ValueError_("NaN and Infinity are not numbers a profile may hold")
        return Decimal(text)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError_("NaN and Infinity are not numbers a profile may hold")
        return value
    raise ValueError_(f"a number is expected, not {type(value).__name__}")


def parse_money(value: object) -> Money:
    """150 (万元), "150万元", "1.5亿元", "1500000元" → exact Money."""
    if isinstance(value, str):
        match = _AMOUNT.fullmatch(value)
        if not match:
            raise ValueError_(
                f"{value!r} is not an amount of money: write a number of 万元, "
                'or a number with a unit: "150万元", "1.5亿元", "1500000元"'
            )
        try:
            return Money.of(Decimal(match.group(1)), match.group(2) or DEFAULT_UNIT)
        except InvalidOperation as error:  # pragma: no cover - the regex admits only decimals
            raise ValueError_(f"{value!r} is not a number") from error
    return Money.of(exact_decimal(value))


def parse_ratio(value: object) -> Decimal:
    """0.035 or "3.5%" → Decimal('0.035')."""
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match:
            return Decimal(match.group(1)) / 100
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError_(
                f"{value!r} is not a ratio: write a fraction such as 0.035 or a percentage such as \"3.5%\""
            ) from None
        if not number.is_finite():
            raise ValueError_("NaN and Infinity are not ratios")
        return number
    return exact_decimal(value)
