"""How a problem with a profile value is worded: the error a reader raises, values described, hints."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal

from policydsl.diagnostics import Diagnostic
from policydsl.model import EnumType
from policydsl.profile.json_text import Odd
from policydsl.profile.limits import MAX_DIGITS, MAX_INTEGER, MIN_EXPONENT, Limits
from policydsl.values import Money


class Invalid(Exception):
    """What a reader raises; the caller, which knows the path, turns it into a Diagnostic."""

    __slots__ = ("code", "hint", "message")

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        self.code, self.message, self.hint = code, message, hint

    def at(self, path: str) -> Diagnostic:
        return Diagnostic(self.code, self.message, hint=self.hint, path=path)


def number_text(number: object) -> str:
    """A number as a message shows it: in scientific notation when it is long."""
    if isinstance(number, int) and not isinstance(number, bool) and number.bit_length() > 100:
        return f"{Decimal(number):.6E}"  # str() of an int of 4,300 digits or more raises
    text = str(number)
    return f"{Decimal(number):.6E}" if len(text) > 30 and isinstance(number, Decimal | int) else text


def describe(raw: object) -> str:
    """A value as a message shows it; never a full repr, since containers may be huge or deep."""
    if raw is None or raw is True or raw is False:
        return json.dumps(raw)
    if isinstance(raw, str):
        return "the string " + json.dumps(raw if len(raw) <= 40 else raw[:40] + "…", ensure_ascii=False)
    if isinstance(raw, int | Decimal | float):
        return f"the number {number_text(raw)}"
    if isinstance(raw, Odd):
        return f"a number with {len(raw.text.lstrip('-'))} digits" if raw.is_number else raw.text
    for kinds, shown in ((Money, None), (Mapping, "an object"), (list | tuple, "a list"), (set | frozenset, "a set")):
        if isinstance(raw, kinds):
            return shown or str(raw)
    return f"a Python {type(raw).__name__}"


def an(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def choices(enum: EnumType) -> str:
    listed = (f"{value} ({label})" if label and label != value else value
              for value, label in zip(enum.values, enum.labels, strict=True))
    return f"allowed values of {enum.name}: {', '.join(listed)}"


MONEY_HINT = ('write a number of 万元 (150) or a string with the unit 元, 万元 or 亿元: '
              '"150万元", "1.5亿元", "1500000元"; other currencies and units are not accepted')
HINTS = {
    "bool": "write true or false without quotes (not 0/1, \"yes\" or \"true\")",
    "integer": "write a whole number without quotes or decimal point, e.g. 320 (not 320.0)",
    "decimal": "write a number without quotes, e.g. 1.5",
    "money": MONEY_HINT,
    "ratio": 'write a fraction (0.035) or a percentage string ("3.5%")',
    "points": 'write a number of points (49.99) or a string with the unit 分 ("15分")',
    "date": 'write an ISO date string "YYYY-MM-DD", e.g. "2024-06-01"',
    "text": 'write a string in quotes, e.g. "智能产线"',
}
_EXPECTED = {"bool": "true or false", "integer": "a whole number", "decimal": "a number",
             "money": "an amount of money", "ratio": "a ratio", "date": "a date", "text": "a string", "points": "points"}
_NUMERIC = ("integer", "decimal", "money", "ratio", "points")


def non_finite(raw: object) -> str | None:
    """"NaN" or "Infinity" for the values that neither JSON nor exact arithmetic admit."""
    if isinstance(raw, Odd):
        return None if raw.is_number else raw.text
    if isinstance(raw, float) and not math.isfinite(raw):
        return "NaN" if math.isnan(raw) else "Infinity"
    if isinstance(raw, Decimal) and not raw.is_finite():  # no comparisons: a signalling NaN would raise
        return "NaN" if raw.is_nan() else "Infinity"
    return None


def limit_hint(kind: str) -> str:
    """The hint of PD307: the limits of numbers of this kind."""
    if kind == "integer":
        return f"whole numbers are limited to ±{MAX_INTEGER} (2**63 − 1)"
    unit = " 万元" if kind == "money" else ""
    return (f"numbers are limited to ±10^18{unit} and {MAX_DIGITS} significant digits; "
            f"a nonzero number must be at least 10^{MIN_EXPONENT}")


def wrong(subject: str, kind: str, raw: object, expected: str | None = None, hint: str | None = None) -> Invalid:
    """The error for a value of the wrong type (or NaN/Infinity, or an over-long integer)."""
    infinite = non_finite(raw)
    if infinite is not None:
        return Invalid("PD310", f"{subject} cannot be {infinite}",
                       "JSON has no NaN or Infinity; leave the fact out (or null) when it is unknown")
    if isinstance(raw, Odd) and kind in _NUMERIC:
        return Invalid("PD307", f"{subject} is too large: {describe(raw)}", limit_hint(kind))
    if hint is None:
        hint = HINTS.get(kind)
        if kind in ("integer", "decimal") and isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+(\.\d+)?\s*", raw):
            hint = f"write the number without quotes: {raw.strip()}"
    return Invalid("PD301", f"{subject} must be {expected or _EXPECTED.get(kind, kind)}, not {describe(raw)}", hint)


def too_long(subject: str, raw: str, limits: Limits) -> Invalid:
    return Invalid("PD315", f"{subject} is a string of {len(raw):,} characters, more than the limit of "
                            f"{limits.max_text_length:,}", limits.hint("max_text_length"))


def below(subject: str, shown: str, minimum: str) -> Invalid:
    hint = "negative values are not allowed" if minimum in ("0", "0万元") else f"the smallest allowed value is {minimum}"
    return Invalid("PD304", f"{subject} must be at least {minimum}, not {shown}", hint)


def structure(subject: str, expected: str, raw: object, hint: str) -> Invalid:
    """The error for a value that is not the list or object its fact is."""
    if non_finite(raw) is not None:
        return wrong(subject, "", raw)
    return Invalid("PD306", f"{subject} must be {expected}, not {describe(raw)}", hint)
