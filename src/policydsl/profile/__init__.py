"""JSON enterprise profile → typed facts, with every validation problem collected (PD3xx)."""

from __future__ import annotations

import codecs
import datetime
import functools
import json
import math
import numbers
import os
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, NoReturn

import attrs

from policydsl import model as m
from policydsl.codes import CODES  # noqa: F401 - the profile codes are listed there
from policydsl.diagnostics import Diagnostic, ProfileError, Source, Span, did_you_mean
from policydsl.model import Entity, EnumType, Schema, Type
from policydsl.values import DEFAULT_UNIT, UNITS, Money, ValueError_, parse_money, parse_ratio

# Numbers beyond these limits are refused (PD307) rather than carried into arithmetic that
# would overflow the decimal context or a SQL column.
MAX_INTEGER = 2**63 - 1  # |integer fact| ≤ this: what a 64-bit BIGINT holds
MAX_MONEY = Decimal(10) ** 18  # |money| ≤ this many 万元 (10^22 元)
MAX_NUMBER = Decimal(10) ** 18  # |decimal| and |ratio| facts ≤ this
MIN_EXPONENT = -28  # a nonzero number smaller than 10^-28 is a typo that would underflow
MAX_DIGITS = 28  # significant digits: what the default decimal context multiplies without rounding
_MAX_EXPONENT = 18  # both limits are 10^18: Decimal.adjusted() tests them cheaply

# Resource limits (docs/semantics.md, "Resource limits"): a profile beyond them is refused before
# it is read or evaluated, so that no accepted profile makes reading or evaluating a checked policy
# exhaust memory or time. They are read when used: a program embedding policydsl may change them
# (`policydsl.profile.MAX_LIST_ITEMS = 50_000`) before it reads or evaluates profiles.
MAX_LIST_ITEMS = 10_000  # entries of one list or set (PD313)
MAX_PROFILE_ITEMS = 100_000  # entries of all the lists and sets of one profile, nested ones included (PD314)
MAX_TEXT_LENGTH = 10_000  # characters of one string value (PD315)
MAX_PROFILE_BYTES = 10_000_000  # bytes of a profile given as a file or as bytes (PD316)
MAX_LOOP_WORK = 1_000_000  # evaluations of loop bodies (`for each`, `any`, `all`) for one profile (PD317)



@attrs.frozen
class Facts:
    """The typed facts of one profile: every root fact is a key, None where unknown.

    >>> facts = read_profile(schema, {"revenue": "1.5亿元", "projects": []})
    >>> facts.values["revenue"], facts.values["projects"], facts.values["employees"]
    (Money(yuan=Decimal('150000000.0')), (), None)
    """

    values: dict[str, object]
    warnings: tuple[Diagnostic, ...] = ()


class _Odd:
    """What JSON text decodes NaN/Infinity or an over-long integer to, so they are reported by path."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def is_number(self) -> bool:  # an over-long integer rather than NaN or ±Infinity
        return self.text[-1:].isdigit()


class _DuplicateKeys(dict):  # type: ignore[type-arg]
    """A decoded JSON object in which some key was repeated (the last value is kept)."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


class _Invalid(Exception):
    """What a reader raises; the caller, which knows the path, turns it into a Diagnostic."""

    __slots__ = ("code", "hint", "message")

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        self.code, self.message, self.hint = code, message, hint

    def at(self, path: str) -> Diagnostic:
        return Diagnostic(self.code, self.message, hint=self.hint, path=path)


# ---- messages ------------------------------------------------------------------------


def _number_text(number: object) -> str:
    if isinstance(number, int) and not isinstance(number, bool) and number.bit_length() > 100:
        return f"{Decimal(number):.6E}"  # str() of an int of 4,300 digits or more raises
    text = str(number)
    return f"{Decimal(number):.6E}" if len(text) > 30 and isinstance(number, Decimal | int) else text


def _describe(raw: object) -> str:
    """A value as a message shows it; never a full repr, since containers may be huge or deep."""
    if raw is None or raw is True or raw is False:
        return json.dumps(raw)
    if isinstance(raw, str):
        return "the string " + json.dumps(raw if len(raw) <= 40 else raw[:40] + "…", ensure_ascii=False)
    if isinstance(raw, int | Decimal | float):
        return f"the number {_number_text(raw)}"
    if isinstance(raw, _Odd):
        return f"a number with {len(raw.text.lstrip('-'))} digits" if raw.is_number else raw.text
    for kinds, shown in ((Money, None), (Mapping, "an object"), (list | tuple, "a list"), (set | frozenset, "a set")):
        if isinstance(raw, kinds):
            return shown or str(raw)
    return f"a Python {type(raw).__name__}"


def _key_path(prefix: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return prefix + key
    return f"{prefix.removesuffix('.')}[{json.dumps(str(key), ensure_ascii=False)}]"


def _an(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _choices(enum: EnumType) -> str:
    listed = (f"{value} ({label})" if label and label != value else value
              for value, label in zip(enum.values, enum.labels, strict=True))
    return f"allowed values of {enum.name}: {', '.join(listed)}"


_MONEY_HINT = ('write a number of 万元 (150) or a string with the unit 元, 万元 or 亿元: '
               '"150万元", "1.5亿元", "1500000元"; other currencies and units are not accepted')
_HINTS = {
    "bool": "write true or false without quotes (not 0/1, \"yes\" or \"true\")",
    "integer": "write a whole number without quotes or decimal point, e.g. 320 (not 320.0)",
    "decimal": "write a number without quotes, e.g. 1.5",
    "money": _MONEY_HINT,
    "ratio": 'write a fraction (0.035) or a percentage string ("3.5%")',
    "date": 'write an ISO date string "YYYY-MM-DD", e.g. "2024-06-01"',
    "text": 'write a string in quotes, e.g. "智能产线"',
}
_EXPECTED = {"bool": "true or false", "integer": "a whole number", "decimal": "a number",
             "money": "an amount of money", "ratio": "a ratio", "date": "a date", "text": "a string"}
_NUMERIC = ("integer", "decimal", "money", "ratio")


def _non_finite(raw: object) -> str | None:
    """"NaN" or "Infinity" for the values that neither JSON nor exact arithmetic admit."""
    if isinstance(raw, _Odd):
        return None if raw.is_number else raw.text
    if isinstance(raw, float) and not math.isfinite(raw):
        return "NaN" if math.isnan(raw) else "Infinity"
    if isinstance(raw, Decimal) and not raw.is_finite():  # no comparisons: a signalling NaN would raise
        return "NaN" if raw.is_nan() else "Infinity"
    return None


def _limit_hint(kind: str) -> str:
    if kind == "integer":
        return f"whole numbers are limited to ±{MAX_INTEGER} (2**63 − 1)"
    unit = " 万元" if kind == "money" else ""
    return (f"numbers are limited to ±10^18{unit} and {MAX_DIGITS} significant digits; "
            f"a nonzero number must be at least 10^{MIN_EXPONENT}")


def _wrong(subject: str, kind: str, raw: object, expected: str | None = None, hint: str | None = None) -> _Invalid:
    """The error for a value of the wrong type (or NaN/Infinity, or an over-long integer)."""
    non_finite = _non_finite(raw)
    if non_finite is not None:
        return _Invalid("PD310", f"{subject} cannot be {non_finite}",
                        "JSON has no NaN or Infinity; leave the fact out (or null) when it is unknown")
    if isinstance(raw, _Odd) and kind in _NUMERIC:
        return _Invalid("PD307", f"{subject} is too large: {_describe(raw)}", _limit_hint(kind))
    if hint is None:
        hint = _HINTS.get(kind)
        if kind in ("integer", "decimal") and isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+(\.\d+)?\s*", raw):
            hint = f"write the number without quotes: {raw.strip()}"
    return _Invalid("PD301", f"{subject} must be {expected or _EXPECTED.get(kind, kind)}, not {_describe(raw)}", hint)


def _limit(name: str, value: int) -> str:
    """How a hint names a resource limit."""
    return (f"the limit is policydsl.profile.{name} = {value:,}; a program embedding policydsl may change it, "
            "the command line cannot")


def _too_long(subject: str, raw: str) -> _Invalid:
    return _Invalid("PD315", f"{subject} is a string of {len(raw):,} characters, more than the limit of "
                             f"{MAX_TEXT_LENGTH:,}", _limit("MAX_TEXT_LENGTH", MAX_TEXT_LENGTH))


def _below(subject: str, shown: str, minimum: str) -> _Invalid:
    hint = "negative values are not allowed" if minimum in ("0", "0万元") else f"the smallest allowed value is {minimum}"
    return _Invalid("PD304", f"{subject} must be at least {minimum}, not {shown}", hint)


# ---- scalar readers: a raw JSON/Python value → its typed value, or raise _Invalid ---------

ScalarReader = Callable[[object], object]
CompositeReader = Callable[[object, str, list[Diagnostic]], object]
EntityReader = Callable[[Mapping[str, object], str, list[Diagnostic]], dict[str, object]]


def _precise(number: Decimal, subject: str, kind: str) -> None:
    """Refuse more than MAX_DIGITS significant digits: converting units would round them."""
    if len(str(number)) > MAX_DIGITS and len(bytes(number.as_tuple().digits).rstrip(b"\0")) > MAX_DIGITS:
        raise _Invalid("PD307", f"{subject} has too many digits: {_number_text(number)}", _limit_hint(kind))


def _precise_text(text: str, subject: str, kind: str) -> None:
    """_precise for the number written in an amount or ratio, checked before a unit scales it."""
    if len(text) > MAX_DIGITS and (number := re.search(r"\d+(?:\.\d+)?", text)) is not None:
        _precise(Decimal(number.group()), subject, kind)


def _checked(number: Decimal, limit: Decimal, subject: str, kind: str) -> Decimal:
    """`number` if it is finite, in range and not over-precise, so later exact arithmetic is."""
    if not number.is_finite():
        raise _wrong(subject, kind, number)
    magnitude = number.adjusted()  # O(1), and so is a short str: the common case stops here
    if MIN_EXPONENT <= magnitude < _MAX_EXPONENT and len(str(number)) <= MAX_DIGITS:
        return number
    if not number:
        return Decimal(0)  # a zero such as 0E-50 carries a needless exponent
    if magnitude < MIN_EXPONENT:
        raise _Invalid("PD307", f"{subject} is too small to be meant: {_number_text(number)}", _limit_hint(kind))
    if not -limit <= number <= limit:
        raise _Invalid("PD307", f"{subject} is too large: {_number_text(number)}", _limit_hint(kind))
    _precise(number, subject, kind)
    return number


def _number(raw: object, subject: str, kind: str, limit: Decimal) -> Decimal:
    """A JSON/Python number (not a string, not a bool) as an exact Decimal."""
    # Exact types first: an isinstance test against an ABC such as numbers.Integral is slow.
    if type(raw) is Decimal:
        return _checked(raw, limit, subject, kind)
    if type(raw) is int:
        return _checked(Decimal(raw), limit, subject, kind)
    if isinstance(raw, float):  # read by its shortest printed form, so 149.99 stays 149.99
        return _checked(Decimal(float.__repr__(raw)) if math.isfinite(raw) else Decimal(raw), limit, subject, kind)
    if isinstance(raw, Decimal):
        return _checked(Decimal(raw), limit, subject, kind)
    if isinstance(raw, numbers.Integral) and not isinstance(raw, bool):
        return _checked(Decimal(int(raw)), limit, subject, kind)
    raise _wrong(subject, kind, raw)


def _bool_reader(subject: str) -> ScalarReader:
    def read(raw: object) -> object:
        if raw is True or raw is False:
            return raw
        raise _wrong(subject, "bool", raw)

    return read


def _integer_reader(subject: str, minimum: Decimal | None) -> ScalarReader:
    low = None if minimum is None else math.ceil(minimum)

    def read(raw: object) -> object:
        if type(raw) is int:
            value = raw
        elif isinstance(raw, numbers.Integral) and not isinstance(raw, bool):
            value = int(raw)  # an int subclass, numpy.int64 and the like
        else:  # floats and decimals are refused even when integral: 320.0 is not a head count
            raise _wrong(subject, "integer", raw)
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise _Invalid("PD307", f"{subject} is too large: {_number_text(value)}", _limit_hint("integer"))
        if low is not None and value < low:
            raise _below(subject, str(value), str(minimum))
        return value

    return read


def _decimal_reader(subject: str, minimum: Decimal | None, kind: str) -> ScalarReader:
    def read(raw: object) -> object:
        if isinstance(raw, str) and kind == "ratio":
            if len(raw) > MAX_TEXT_LENGTH:
                raise _too_long(subject, raw)
            try:
                value = parse_ratio(raw)
            except (ValueError_, InvalidOperation):
                raise _Invalid("PD305", f"{subject}: {_describe(raw)} is not a ratio", _HINTS["ratio"]) from None
            _precise_text(raw, subject, kind)
            value = _checked(value, MAX_NUMBER, subject, kind)
        else:
            value = _number(raw, subject, kind, MAX_NUMBER)
        if minimum is not None and value < minimum:
            raise _below(subject, _number_text(value), str(minimum))
        return value

    return read


_WAN = UNITS[DEFAULT_UNIT]
_MAX_MONEY_INT = int(MAX_MONEY)
_ZERO_MONEY = Money(Decimal(0))


def _money_reader(subject: str, minimum: Decimal | None) -> ScalarReader:
    low = None if minimum is None else minimum * _WAN
    shown_minimum = "" if minimum is None else str(Money.of(minimum))

    def read(raw: object) -> object:
        if type(raw) is int and -_MAX_MONEY_INT <= raw <= _MAX_MONEY_INT:
            money = Money(Decimal(raw * 10_000))
        elif isinstance(raw, str) or type(raw) is Money:
            if isinstance(raw, str) and len(raw) > MAX_TEXT_LENGTH:
                raise _too_long(subject, raw)
            try:
                money = raw if isinstance(raw, Money) else parse_money(raw)
            except (ValueError_, InvalidOperation):
                raise _Invalid("PD305", f"{subject}: {_describe(raw)} is not an amount of money",
                               _MONEY_HINT) from None
            if isinstance(raw, Money):
                _precise(raw.yuan, subject, "money")
            else:
                _precise_text(raw, subject, "money")  # before parse_money's unit scaling rounded it
            if not money.yuan:
                money = _ZERO_MONEY  # 0E-50万元 carries a needless exponent
            _checked(money.in_unit(), MAX_MONEY, subject, "money")
        else:
            money = Money(_number(raw, subject, "money", MAX_MONEY) * _WAN)
        if low is not None and money.yuan < low:
            raise _below(subject, str(money), shown_minimum)
        return money

    return read


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_reader(subject: str) -> ScalarReader:
    def read(raw: object) -> object:
        if isinstance(raw, str):
            if len(raw) > MAX_TEXT_LENGTH:
                raise _too_long(subject, raw)
            try:
                if _ISO_DATE.fullmatch(raw):
                    return datetime.date.fromisoformat(raw)
            except ValueError:  # 2024-02-30
                pass
            raise _Invalid("PD305", f"{subject}: {_describe(raw)} is not a date", _HINTS["date"])
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return raw
        raise _wrong(subject, "date", raw)

    return read


def _text_reader(subject: str) -> ScalarReader:
    def read(raw: object) -> object:
        if isinstance(raw, str):
            if len(raw) > MAX_TEXT_LENGTH:
                raise _too_long(subject, raw)
            return raw if type(raw) is str else str(raw)
        raise _wrong(subject, "text", raw)

    return read


def _enum_hint(enum: EnumType, raw: str) -> str:
    for value, label in zip(enum.values, enum.labels, strict=True):
        if raw.strip() == label or raw.strip().casefold() == value.casefold():
            return f"write \"{value}\"; {_choices(enum)}"
    guess = did_you_mean(raw, enum.values)
    return f"{guess} {_choices(enum)}" if guess else _choices(enum)


def _enum_reader(subject: str, enum: EnumType) -> ScalarReader:
    allowed = {value: value for value in enum.values}

    def read(raw: object) -> object:
        if not isinstance(raw, str):
            raise _wrong(subject, "enum", raw, f"one of the values of {enum.name}", _choices(enum))
        value = allowed.get(str(raw))
        if value is None:
            if len(raw) > MAX_TEXT_LENGTH:  # before a hint compares it with every value
                raise _too_long(subject, raw)
            raise _Invalid("PD303", f"{subject} cannot be {_describe(raw).removeprefix('the string ')}",
                           _enum_hint(enum, raw))
        return value

    return read


def _scalar_reader(subject: str, typ: Type, minimum: Decimal | None) -> ScalarReader | None:
    kind = typ.kind
    if kind == "enum" and typ.enum is not None:
        return _enum_reader(subject, typ.enum)
    if kind in ("decimal", "ratio"):
        return _decimal_reader(subject, minimum, kind)
    if kind in ("integer", "money"):
        return (_integer_reader if kind == "integer" else _money_reader)(subject, minimum)
    make = {"bool": _bool_reader, "date": _date_reader, "text": _text_reader}.get(kind)
    return make(subject) if make else None


# ---- composite readers: sets and lists report their own problems, with their paths -------


def _structure(subject: str, expected: str, raw: object, hint: str) -> _Invalid:
    if _non_finite(raw) is not None:
        return _wrong(subject, "", raw)
    return _Invalid("PD306", f"{subject} must be {expected}, not {_describe(raw)}", hint)


class _Problems(list[Diagnostic]):
    """The problems of one profile, and the entries of its lists and sets read so far (PD314)."""

    __slots__ = ("entries", "over")

    def __init__(self) -> None:
        super().__init__()
        self.entries = 0
        self.over = False


def _too_many(subject: str, raw: list[object] | tuple[object, ...] | set[object] | frozenset[object], path: str,
              problems: list[Diagnostic]) -> bool:
    """Whether a list or set is refused for its length (PD313) or for the profile's entries (PD314).

    Tested before any entry is read, so a list of ten million entries costs no more than one of ten.
    """
    count = len(raw)
    if count > MAX_LIST_ITEMS:
        problems.append(Diagnostic("PD313", f"{subject} has {count:,} entries, more than the limit of "
                                            f"{MAX_LIST_ITEMS:,}", hint=_limit("MAX_LIST_ITEMS", MAX_LIST_ITEMS),
                                   path=path))
        return True
    if isinstance(problems, _Problems):
        problems.entries += count
        if problems.entries > MAX_PROFILE_ITEMS:
            if not problems.over:  # reported once, where the count passes the limit
                problems.over = True
                problems.append(Diagnostic(
                    "PD314", f"the lists and sets of the profile have more than {MAX_PROFILE_ITEMS:,} entries "
                             f"in all, {problems.entries:,} with the {count:,} of {subject}",
                    hint=_limit("MAX_PROFILE_ITEMS", MAX_PROFILE_ITEMS), path=path))
            return True
    return False


def _set_reader(subject: str, enum: EnumType) -> CompositeReader:
    element = _enum_reader(f"an entry of {subject}", enum)
    hint = f"write a list of distinct values, e.g. [\"{enum.values[0]}\"]; {_choices(enum)}"

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if type(raw) is list or isinstance(raw, list | tuple):
            if _too_many(subject, raw, path, problems):
                return None
            items: list[object] | tuple[object, ...] = raw
        elif isinstance(raw, set | frozenset):
            if _too_many(subject, raw, path, problems):
                return None
            items = sorted(raw, key=repr)  # a stable order for the paths of any problems
        else:
            problems.append(_structure(subject, f"a list of values of {enum.name}", raw, hint).at(path))
            return None
        seen: set[object] = set()
        for index, item in enumerate(items):
            try:
                value = element(item)
            except _Invalid as bad:
                problems.append(bad.at(f"{path}[{index}]"))
                continue
            if value in seen:
                problems.append(Diagnostic("PD312", f"{subject} lists \"{value}\" more than once",
                                           hint="a set names each value once; remove the repeat",
                                           path=f"{path}[{index}]"))
            seen.add(value)
        return frozenset(seen)

    return read


def _list_reader(subject: str, entity: Entity, readers: Mapping[str, EntityReader]) -> CompositeReader:
    hint = (f"write a JSON list of objects, [{{…}}, …]; {_an(entity.name)} object has the facts: "
            + ", ".join(fact.name for fact in entity.facts))

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if type(raw) is not list and not isinstance(raw, list | tuple):
            problems.append(_structure(subject, f"a list of {entity.name} objects", raw, hint).at(path))
            return None
        if _too_many(subject, raw, path, problems):
            return None
        read_entity = readers[entity.name]  # looked up late: the entity readers are built together
        items = []
        for index, item in enumerate(raw):
            if type(item) is dict or isinstance(item, Mapping):
                items.append(read_entity(item, f"{path}[{index}].", problems))
            else:
                problems.append(_structure(f"each entry of {subject}", f"{_an(entity.name)} object", item,
                                           hint).at(f"{path}[{index}]"))
        return tuple(items)

    return read


_LONGEST_GUESS = 200  # a longer unknown key gets no "did you mean" (comparing it would be slow)
_LONGEST_SHOWN = 200  # and is cut to this many characters where it is shown


def _entity_reader(entity: Entity, entities: Mapping[str, Entity],
                   readers: Mapping[str, EntityReader]) -> EntityReader:
    scalars: dict[str, ScalarReader] = {}
    composites: dict[str, CompositeReader] = {}
    for fact in entity.facts:
        subject, typ = fact.label or fact.name, fact.type
        scalar = _scalar_reader(subject, typ, fact.minimum)
        if scalar is not None:
            scalars[fact.name] = scalar
        elif typ.kind == "set" and typ.enum is not None:
            composites[fact.name] = _set_reader(subject, typ.enum)
        elif typ.kind == "list" and typ.entity in entities:
            composites[fact.name] = _list_reader(subject, entities[typ.entity], readers)  # type: ignore[index]
        else:  # pragma: no cover - the checker admits no other fact types
            raise TypeError(f"cannot read a fact of type {typ}")
    template: dict[str, object] = dict.fromkeys(fact.name for fact in entity.facts)
    names = list(template)
    where = f"{entity.label} ({entity.name})" if entity.label and entity.label != entity.name else entity.name

    def read(obj: Mapping[str, object], prefix: str, problems: list[Diagnostic]) -> dict[str, object]:
        values = template.copy()
        for key, raw in obj.items():
            scalar = scalars.get(key)
            if scalar is not None:
                if raw is not None:  # null is the same as absent: unknown
                    try:
                        values[key] = scalar(raw)
                    except _Invalid as bad:
                        problems.append(bad.at(prefix + key))
                continue
            composite = composites.get(key)
            if composite is not None:
                if raw is not None:
                    values[key] = composite(raw, prefix + key, problems)
                continue
            shown = key if isinstance(key, str) else repr(key)  # a Python caller's dict may have any keys
            guess = did_you_mean(shown, names) if len(shown) <= _LONGEST_GUESS else None
            if len(shown) > _LONGEST_SHOWN:  # a key of megabytes is not repeated in the message
                shown = shown[:_LONGEST_SHOWN] + "…"
                key = shown
            problems.append(Diagnostic(
                "PD302", f"unknown field '{shown}': {where} has no such fact", path=_key_path(prefix, key),
                hint=guess or f"the facts of {entity.name} are: {', '.join(names)}"))
        return values

    return read


# ---- the fast path: a plain, valid profile read without bookkeeping ------------------------
#
# Most profiles are valid and hold plain JSON values. read_profile reads them first with these
# readers, which take only what they can see is valid and build exactly what the readers above
# build; on anything else (an unknown field, a value not of a plain JSON type, a list beyond a
# limit, a value a scalar reader refuses) they raise, and the readers above read the profile
# again from the start. So every problem is found, worded and ordered by the code above alone.
# tests/evaluate/test_profile_fast.py holds the two paths equal.


class _Slow(Exception):
    """The fast path gives up on this profile; the full reader reads it."""


# (raw value, [entries of the lists and sets so far, keys of the objects so far]) → typed value, or raise
FastReader = Callable[[Any, list[int]], object]
FastEntityReader = Callable[[Any, list[int]], dict[str, object]]
_FLOAT_LIMIT = 1e18  # exactly 10**_MAX_EXPONENT: a float below it is printed below it
_new = object.__new__
_set_yuan = Money.yuan.__set__  # type: ignore[attr-defined] # the slot of Money's only field


def _plain_number(raw: Any) -> Decimal | None:
    """What _number returns for a float or a Decimal that _checked passes at its first test; None
    for anything else. A float's shortest form has at most 17 digits: it passes the length test."""
    if type(raw) is float:
        if -_FLOAT_LIMIT < raw < _FLOAT_LIMIT:  # also false for NaN
            number = Decimal(float.__repr__(raw))
            if number.adjusted() >= MIN_EXPONENT:
                return number
    elif (type(raw) is Decimal and raw.is_finite() and MIN_EXPONENT <= raw.adjusted() < _MAX_EXPONENT
          and len(str(raw)) <= MAX_DIGITS):
        return raw
    return None


_CENTS_LIMIT = 2.0**40  # below it, neighbouring doubles are at most 2**-13 apart (see _float_yuan)
_TENTHS, _HUNDREDTHS = Decimal("100.0"), Decimal("100.00")  # cents × these: 元 with the exponent of the repr


def _float_yuan(raw: float) -> Decimal | None:
    """`Decimal(float.__repr__(raw)) * _WAN` if _number and _checked pass that number at their first
    test, else None. An amount with at most two decimals is found without printing the float, in
    half the time.

    For 0 < |raw| < 2**40 neighbouring doubles are at most 2**-13 apart, so at most one number of
    cents rounds to raw, and round(raw * 100) is that number (the product is off by less than
    2**-6). The repr of raw is the shortest decimal that rounds to raw: those cents, with one
    decimal when they end in 0 (150.0, 149.9), two otherwise, as the multipliers' exponents give.
    """
    if raw and -_CENTS_LIMIT < raw < _CENTS_LIMIT:  # not ±0.0: round() would drop the sign of -0.0
        cents = round(raw * 100)
        if cents / 100 == raw:  # correctly rounded, as the repr's digits are read back
            return Decimal(cents) * (_HUNDREDTHS if cents % 10 else _TENTHS)
    if -_FLOAT_LIMIT < raw < _FLOAT_LIMIT:  # also false for NaN
        number = Decimal(float.__repr__(raw))
        if number.adjusted() >= MIN_EXPONENT:
            return number * _WAN
    return None


def _fast_money(minimum: Decimal | None, scalar: ScalarReader) -> ScalarReader:
    low = None if minimum is None else minimum * _WAN  # as _money_reader compares

    def read(raw: Any) -> object:
        if type(raw) is float:
            yuan = _float_yuan(raw)
        elif type(raw) is int:
            yuan = Decimal(raw * 10_000) if -_MAX_MONEY_INT <= raw <= _MAX_MONEY_INT else None
        else:
            number = _plain_number(raw)
            yuan = None if number is None else number * _WAN
        if yuan is None or (low is not None and yuan < low):
            return scalar(raw)
        money = _new(Money)  # Money(yuan) without attrs' frozen setattr, in half the time
        _set_yuan(money, yuan)
        return money

    return read


def _fast_number(minimum: Decimal | None, scalar: ScalarReader) -> ScalarReader:
    def read(raw: Any) -> object:
        if type(raw) is int:  # |raw| < 10**18: _checked passes Decimal(raw) at its first test
            number = Decimal(raw) if -_MAX_MONEY_INT < raw < _MAX_MONEY_INT else None
        else:
            number = _plain_number(raw)
        if number is None or (minimum is not None and number < minimum):
            return scalar(raw)
        return number

    return read


def _count_items(raw: Any, counts: list[int]) -> None:
    """A JSON array within the limits of a list and of the profile's entries (counted in `counts`);
    anything else is left to the full reader, which words the problem."""
    if type(raw) is not list or len(raw) > MAX_LIST_ITEMS:
        raise _Slow
    counts[0] += len(raw)
    if counts[0] > MAX_PROFILE_ITEMS:
        raise _Slow


def _fast_set_reader(enum: EnumType) -> FastReader:
    allowed = frozenset(enum.values)

    def read(raw: Any, counts: list[int]) -> object:
        _count_items(raw, counts)
        for item in raw:
            if type(item) is not str:
                raise _Slow
        values = frozenset(raw)
        if len(values) != len(raw) or not values <= allowed:
            raise _Slow  # a value repeated or not of the enum
        return values

    return read


def _fast_list_reader(entity: str, readers: Mapping[str, FastEntityReader]) -> FastReader:
    def read(raw: Any, counts: list[int]) -> object:
        _count_items(raw, counts)
        read_entity = readers[entity]  # looked up late: the entity readers are built together
        return tuple(map(read_entity, raw, repeat(counts)))

    return read


def _fast_entity_reader(entity: Entity, entities: Mapping[str, Entity],
                        readers: Mapping[str, FastEntityReader]) -> FastEntityReader:
    """The fast reader of one entity. The object is copied whole into the facts; the values that are
    kept as they are (true/false, enum values, whole numbers, strings) are then tested fact by fact
    without a call, and the others read and replaced: a call per value would cost 15% more."""
    template: dict[str, object] = dict.fromkeys(fact.name for fact in entity.facts)
    size = len(template)
    bools: list[str] = []
    texts: list[str] = []
    enums: list[tuple[str, frozenset[str]]] = []
    integers: list[tuple[str, int | None]] = []
    scalars: list[tuple[str, ScalarReader]] = []  # read and replaced: amounts, numbers, dates
    composites: list[tuple[str, FastReader]] = []  # sets and lists
    for fact in entity.facts:
        typ, kind, name = fact.type, fact.type.kind, fact.name
        scalar = _scalar_reader(fact.label or name, typ, fact.minimum)
        if kind == "bool":
            bools.append(name)
        elif kind == "text":
            texts.append(name)
        elif kind == "enum" and typ.enum is not None:
            enums.append((name, frozenset(typ.enum.values)))
        elif kind == "integer":
            integers.append((name, None if fact.minimum is None else math.ceil(fact.minimum)))
        elif kind in ("money", "decimal", "ratio") and scalar is not None:
            scalars.append((name, (_fast_money if kind == "money" else _fast_number)(fact.minimum, scalar)))
        elif kind == "date" and scalar is not None:
            scalars.append((name, scalar))
        elif kind == "set" and typ.enum is not None:
            composites.append((name, _fast_set_reader(typ.enum)))
        elif kind == "list" and typ.entity is not None and typ.entity in entities:
            composites.append((name, _fast_list_reader(typ.entity, readers)))
        else:  # pragma: no cover - the checker admits no other fact types
            raise TypeError(f"cannot read a fact of type {typ}")

    def read(obj: Any, counts: list[int]) -> dict[str, object]:
        if type(obj) is not dict:
            raise _Slow
        values = template | obj  # in the schema's order; null is the same as absent: unknown
        if len(values) != size:  # an unknown field
            raise _Slow
        counts[1] += len(obj)
        for name in bools:
            raw = values[name]
            if raw is not None and raw is not True and raw is not False:
                raise _Slow
        for name, allowed in enums:
            raw = values[name]
            if raw is not None and (type(raw) is not str or raw not in allowed):
                raise _Slow
        if integers:
            high = MAX_INTEGER
            for name, low in integers:
                raw = values[name]
                if raw is not None and not (type(raw) is int and -high <= raw <= high and (low is None or raw >= low)):
                    raise _Slow
        if texts:
            longest = MAX_TEXT_LENGTH
            for name in texts:
                raw = values[name]
                if raw is not None and (type(raw) is not str or len(raw) > longest):
                    raise _Slow
        for name, scalar in scalars:
            raw = values[name]
            if raw is not None:
                values[name] = scalar(raw)
        for name, composite in composites:
            raw = values[name]
            if raw is not None:
                values[name] = composite(raw, counts)
        return values

    return read


# ---- warnings: facts valid one by one but unusual together ------------------------------


@attrs.frozen
class Coherence:
    """A check of the published profile contract: it applies to a schema that declares the
    facts it reads (with those types), and it warns, never refuses."""

    needs: tuple[tuple[str, str, str | None], ...]  # (fact, type kind, an enum value it must have)
    path: str  # the fact the warning is reported on
    test: Callable[[Mapping[str, object]], str | None]  # a message when the combination is unusual
    hint: str

    def applies(self, root: Entity) -> bool:
        for name, kind, value in self.needs:
            fact = root.fact(name)
            if fact is None or fact.type.kind != kind:
                return False
            if value is not None and (fact.type.enum is None or value not in fact.type.enum.values):
                return False
        return True


def _key_giant_level(values: Mapping[str, object]) -> str | None:
    level = values["srdi_level"]
    if values["key_little_giant"] is True and level is not None and level != "little_giant":
        return f"key_little_giant is true but srdi_level is {level}, not little_giant"
    return None


def _fund_without_key(values: Mapping[str, object]) -> str | None:
    fund = values["national_fund_received"]
    if values["key_little_giant"] is False and isinstance(fund, Money) and fund.yuan > 0:
        return f"national_fund_received is {fund} but key_little_giant is false"
    return None


# The combinations the enterprise-profile contract (enterprise-profile.md) calls unusual.
COHERENCE_CHECKS: tuple[Coherence, ...] = (
    Coherence((("key_little_giant", "bool", None), ("srdi_level", "enum", "little_giant")),
              "key_little_giant", _key_giant_level,
              "a key little giant (国家重点“小巨人”) is normally a national little giant; evaluated as given"),
    Coherence((("national_fund_received", "money", None), ("key_little_giant", "bool", None)),
              "national_fund_received", _fund_without_key,
              "the central funds are paid to key little giants; evaluated as given"),
)


# ---- one reader per schema, built once ----------------------------------------------------


class _ProfileReader:
    __slots__ = ("checks", "fast", "root")

    def __init__(self, schema: Schema) -> None:
        entities = {schema.root.name: schema.root, **schema.entities}
        readers: dict[str, EntityReader] = {}
        fast: dict[str, FastEntityReader] = {}
        for name, entity in entities.items():
            readers[name] = _entity_reader(entity, entities, readers)
            fast[name] = _fast_entity_reader(entity, entities, fast)
        self.root = readers[schema.root.name]
        self.fast = fast[schema.root.name]
        self.checks = tuple(check for check in COHERENCE_CHECKS if check.applies(schema.root))

    def warnings(self, values: Mapping[str, object]) -> tuple[Diagnostic, ...]:
        found: tuple[Diagnostic, ...] = ()
        for check in self.checks:
            message = check.test(values)
            if message is not None:
                found += (Diagnostic("PD320", message, hint=check.hint, severity="warning", path=check.path),)
        return found


# Keyed by id: a Schema holds dicts, so it is not hashable; the weak reference both checks
# that the id still names the same schema and drops the entry when the schema goes.
_READERS: dict[int, tuple[weakref.ref[Schema], _ProfileReader]] = {}


def _reader_for(schema: Schema) -> _ProfileReader:
    key = id(schema)
    entry = _READERS.get(key)
    if entry is not None and entry[0]() is schema:
        return entry[1]
    reader = _ProfileReader(schema)

    def forget(ref: weakref.ref[Schema]) -> None:
        if _READERS.get(key, (None,))[0] is ref:
            del _READERS[key]

    _READERS[key] = (weakref.ref(schema, forget), reader)
    return reader


# ---- JSON text ------------------------------------------------------------------------------


def _fatal(code: str, message: str, path: str, hint: str | None = None, span: Span | None = None) -> NoReturn:
    raise ProfileError([Diagnostic(code, message, span=span, hint=hint, path=path)])


_DECODING = threading.local()  # .duplicates: whether this thread's current decode saw a repeated key


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    _DECODING.duplicates = True
    marked, seen = _DuplicateKeys(obj), set()
    marked.duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    return marked


def _int_or_odd(text: str) -> int | _Odd:
    return int(text) if len(text) <= 4000 else _Odd(text)  # Python refuses int() of > 4300 digits


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_Odd, object_pairs_hook=_pairs)
_LONG_INT_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_Odd, object_pairs_hook=_pairs,
                                     parse_int=_int_or_odd)


def _duplicates(document: object) -> list[Diagnostic]:
    """PD308 for every repeated key, found by a walk with an explicit stack (no recursion)."""
    found: list[Diagnostic] = []
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            prefix = f"{path}." if path else ""
            found.extend(Diagnostic("PD308", f"duplicate key '{key}'", path=_key_path(prefix, key),
                                    hint="a key may appear once in an object; keep the one you mean")
                         for key in getattr(node, "duplicates", ()))
            stack.extend((value, _key_path(prefix, key)) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{index}]") for index, value in reversed(list(enumerate(node))))
    return found


def _text(data: bytes, source: str) -> str:
    """JSON bytes → text, or PD309 for another encoding than UTF-8."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # also the UTF-32 marks
        _fatal("PD309", f"{source} is encoded as UTF-16 or UTF-32", source, "save the profile as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        start = len(data[: error.start].decode("utf-8"))
        _fatal("PD309", f"invalid UTF-8: the byte 0x{data[error.start]:02x} cannot be decoded", source,
               "save the profile as UTF-8", Span(Source(source, text), start, start + 1))
    return text


# Without a hook the objects are built in C, in a quarter less time; read_profile then finds that
# no key was repeated by counting colons (see there), and decodes with _decode when one may have been.
_PLAIN_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_Odd)


def _plain_decode(text: str) -> object:
    """The document, decoded as _decode does but with no note of repeated keys; None for any
    problem, which _decode reports."""
    try:
        return _PLAIN_DECODER.decode(text)
    except (ValueError, RecursionError):
        return None


def _decode(text: str, source: str) -> tuple[object, list[Diagnostic]]:
    """JSON text → the document (exact decimals) and its duplicate-key problems."""
    _DECODING.duplicates = False
    try:
        try:
            document = _DECODER.decode(text)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer literal beyond Python's digit limit: decode it apart
            document = _LONG_INT_DECODER.decode(text)
    except json.JSONDecodeError as error:
        _fatal("PD309", f"invalid JSON: {error.msg[:1].lower()}{error.msg[1:]}", source,
               'a profile is one JSON object of facts: {"revenue": 150, "srdi_level": "provincial"}',
               Span(Source(source, text), error.pos, min(error.pos + 1, len(text))))
    except RecursionError:
        _fatal("PD311", "the JSON nests too deeply to be read", source,
               "a profile is an object of facts whose lists hold objects of facts")
    return document, _duplicates(document) if _DECODING.duplicates else []


def _load(data: object, source: str) -> tuple[str | None, str]:
    """What read_profile was given → (its JSON text, or None when it is not bytes or a path; the
    source's name)."""
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) > MAX_PROFILE_BYTES:
            # Readers of long inputs (a JSON Lines batch) keep one byte past the limit, no more.
            _too_large(source, f"{len(data):,} bytes" if len(data) > MAX_PROFILE_BYTES + 1
                       else f"more than {MAX_PROFILE_BYTES:,} bytes")
        return _text(bytes(data), source), source
    if not isinstance(data, str | os.PathLike):
        return None, source
    name = os.fsdecode(data)
    source = name if source == "profile" else source
    too_large = ""
    try:
        with open(name, "rb") as file:
            # A file of gigabytes is refused, not read. Reading the size fstat gives (and a byte more)
            # rather than the limit at once: a read(n) allocates n bytes first, 10 MB in 15 µs.
            size = os.fstat(file.fileno()).st_size
            raw = file.read(min(size, MAX_PROFILE_BYTES) + 1)
            if len(raw) > size:  # it grew, or a pipe or /proc file, whose size is 0: read on to the limit
                raw += file.read(MAX_PROFILE_BYTES + 1 - len(raw))
            if len(raw) > MAX_PROFILE_BYTES:
                size = os.fstat(file.fileno()).st_size
                too_large = f"{size:,} bytes" if size > MAX_PROFILE_BYTES else f"more than {MAX_PROFILE_BYTES:,} bytes"
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        looks_like_json = isinstance(data, str) and data.lstrip().startswith(("{", "["))
        _fatal("PD309", f"cannot read the profile {name!r}: {getattr(error, 'strerror', None) or error}", source,
               "a str is read as a file path; pass JSON text as bytes or a dict" if looks_like_json else None)
    if too_large:
        _too_large(source, too_large)
    return _text(raw, source), source


def _too_large(source: str, size: str) -> NoReturn:
    _fatal("PD316", f"the profile is {size}, more than the limit of {MAX_PROFILE_BYTES:,} bytes", source,
           _limit("MAX_PROFILE_BYTES", MAX_PROFILE_BYTES))


# ---- public entry points ----------------------------------------------------------------


def read_profile(schema: Schema, data: object, *, source: str = "profile") -> Facts:
    """Validate one enterprise profile against `schema`; raise ProfileError listing every problem.

    `data` is a dict (decoded JSON or Python values; a float is read by its printed form), a
    path to a JSON file, or JSON text as bytes. `source` names the profile in diagnostics about
    the whole document (a file's own path by default); a field's diagnostic has its JSON path.

    >>> read_profile(schema, {"employees": 320, "revenue": "1.5亿元"}).values["revenue"]
    Money(yuan=Decimal('150000000.0'))
    """
    reader = _reader_for(schema)
    document: object = data
    text = None
    if type(data) is not dict:
        text, source = _load(data, source)
        if text is not None:
            document = _plain_decode(text)
    if type(document) is dict:
        counts = [0, 0]  # entries of lists and sets, keys of objects
        try:
            values = reader.fast(document, counts)
        except (_Slow, _Invalid, RecursionError):
            pass  # read again below, by the code that reports problems
        else:
            # In JSON text a colon outside a string follows each key, so as many colons as keys
            # read means that no key was repeated (a repeat leaves a key fewer in the objects).
            if text is None or text.count(":") == counts[1]:
                return Facts(values, reader.warnings(values) if reader.checks else ())
    problems = _Problems()
    if text is not None:
        document, decoding = _decode(text, source)
        problems.extend(decoding)
    if type(document) is not dict and not isinstance(document, Mapping):
        _fatal("PD306", f"the profile must be a JSON object of facts, not {_describe(document)}", source,
               'write {"revenue": 150, "srdi_level": "provincial", …}; a fact that is not known may be left out')
    try:
        values = reader.root(document, "", problems)
    except RecursionError:  # only a schema whose entities nest could get here
        _fatal("PD311", "the profile nests too deeply to be read", source)
    if problems:
        raise ProfileError(problems)
    return Facts(values, reader.warnings(values) if reader.checks else ())


_TRUE_FALSE = {"true": True, "false": False}
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_DECIMAL_TEXT = re.compile(r"\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*")


def _from_text(typ: Type, text: str, subject: str) -> object:
    """A command-line string → the raw value a profile would hold for `typ`."""
    if typ.kind == "bool":
        if text.strip().lower() in _TRUE_FALSE:
            return _TRUE_FALSE[text.strip().lower()]
        raise _Invalid("PD305", f"{subject}: {_describe(text)} is not true or false", "write true or false")
    if typ.kind == "integer":
        if _INTEGER_TEXT.fullmatch(text):
            return _int_or_odd(text.strip())
        raise _Invalid("PD305", f"{subject}: {_describe(text)} is not a whole number", _HINTS["integer"])
    if typ.kind == "decimal":
        if _DECIMAL_TEXT.fullmatch(text):
            return Decimal(text)
        raise _Invalid("PD305", f"{subject}: {_describe(text)} is not a number", "write a number such as 1.5")
    if typ.kind == "set":
        return [item.strip() for item in text.split(",") if item.strip()]
    return text  # money, ratio, date, text and enum values are strings in a profile too


@functools.lru_cache(maxsize=512)
def _value_reader(typ: Type, subject: str) -> CompositeReader:
    scalar = _scalar_reader(subject, typ, None)
    if typ.kind == "set" and typ.enum is not None:
        return _set_reader(subject, typ.enum)

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        try:
            if scalar is None:
                raise _Invalid("PD301", f"{subject} is of type {typ}, which is not given as one value")
            return scalar(raw)
        except _Invalid as bad:
            problems.append(bad.at(path))
            return None

    return read


def read_value(type: Type, raw: object, path: str, *, from_text: bool = False) -> object:
    """Read one value of `type`, e.g. a parameter; raise ProfileError (PD3xx) when it is bad.

    `path` names the value in diagnostics. None stays None (unknown). With `from_text=True` a
    string is command-line text: "true"/"false" for bool, "320" for an integer, "a,b" for a
    set; money is a bare number of 万元 or has a unit, as in a profile.

    >>> read_value(MONEY, "500", "three_upgrades.cap", from_text=True)
    Money(yuan=Decimal('5000000'))
    """
    if raw is None:
        return None
    if from_text and isinstance(raw, str):
        try:
            raw = _from_text(type, raw, path)
        except _Invalid as bad:
            raise ProfileError([bad.at(path)]) from None
    problems: list[Diagnostic] = []
    value = _value_reader(type, path)(raw, path, problems)
    if problems:
        raise ProfileError(problems)
    return value


# ---- loop work: bounded before evaluation ----------------------------------------------------
#
# A loop (`for each p in projects`, `any p in projects: (…)`) evaluates its body once per entry,
# and loops may nest — `any q in projects: (…)` inside `for each p in projects` is quadratic — so
# a list of an accepted length can still make evaluation take hours. The loops of a policy are
# gathered once, as nests: the entities each nest goes through, outermost first. For a profile,
# the work of a nest is the product of the longest list of each of its entities (at least 1: an
# unknown list is evaluated once), and the work of the policy is the sum over its nests. A
# definition, condition or amendment read inside a loop counts its own loops at every reading,
# as an explanation evaluates them (the plain evaluation computes each once), so this is an upper
# bound of the loop bodies any evaluation of the profile runs.

Nests = dict[tuple[str, ...], tuple[int, str]]  # the entities of a nest → (how many, where the innermost is)


def _add(into: Nests, nests: Nests, prefix: tuple[str, ...] = ()) -> None:
    for key, (count, where) in nests.items():
        found = into.get(prefix + key)
        into[prefix + key] = (count + found[0], found[1]) if found else (count, where)


class _LoopNests:
    """The nests of loops of one policy, each definition, condition and amendment walked once."""

    _LEAVES = (m.Const, m.FactRef, m.FieldRef, m.VarRef)
    _SKIPPED = frozenset({"type", "span", "fact", "operand_type", "options", "var", "op", "name", "quantifier",
                          "measure", "negated"})

    def __init__(self, policy: m.Policy) -> None:
        self.policy = policy
        self.memo: dict[tuple[str, ...], Nests] = {}
        self.amended: dict[str, list[m.Amendment]] = {}
        for amendment in policy.amendments:
            for target, _ in amendment.sets:
                self.amended.setdefault(target, []).append(amendment)

    def policy_nests(self) -> Nests:
        nests: Nests = {}
        for measure in self.policy.measures:
            for condition in measure.conditions:
                _add(nests, self.expr(condition.expr))
            for agency in measure.agencies:
                if agency.when is not None:
                    _add(nests, self.expr(agency.when))
                if agency.table is not None and agency.table in self.policy.tables:
                    _add(nests, self.expr(self.policy.tables[agency.table].key))
            for benefit in measure.benefits:
                parts: Nests = {}
                for expr in (*benefit.when, benefit.amount, benefit.cap):
                    if expr is not None:
                        _add(parts, self.expr(expr))
                if benefit.for_each is None:
                    _add(nests, parts)
                    continue
                _add(nests, self.expr(benefit.for_each.collection))
                where = benefit.span.location() if benefit.span is not None else f"{measure.id}.{benefit.id}"
                _add(nests, {(benefit.for_each.entity,): (1, where)})
                _add(nests, parts, (benefit.for_each.entity,))
            for target in measure.targets:
                for expr in (target.when, target.require):
                    if expr is not None:
                        _add(nests, self.expr(expr))
        for goal in self.policy.goals:
            _add(nests, self.expr(goal.count))
        return nests

    def expr(self, expr: object) -> Nests:
        if isinstance(expr, self._LEAVES) or expr is None:
            return {}
        if isinstance(expr, m.Quant):
            nests = self.expr(expr.collection)
            entity = expr.collection.type.entity or "?"
            _add(nests, {(entity,): (1, expr.span.location() if expr.span is not None else "a loop")})
            _add(nests, self.expr(expr.body), (entity,))
            return nests
        if isinstance(expr, m.DefRef):
            definition = self.policy.definitions.get(expr.name)
            return self.named(("def", expr.name), lambda: [definition.expr] if definition else [], expr.name)
        if isinstance(expr, m.ParamRef):
            return self.named(("param", expr.name), lambda: [], expr.name)
        if isinstance(expr, m.CondRef):
            measure = self.policy.all_measures.get(expr.measure)
            conditions = [c.expr for c in measure.conditions if c.name == expr.name] if measure else []
            return self.named(("cond", expr.measure, expr.name), lambda: conditions, None)
        found: Nests = {}
        for field in getattr(type(expr), "__attrs_attrs__", ()):
            if field.name in self._SKIPPED:
                continue
            child = getattr(expr, field.name)
            for part in child if isinstance(child, tuple) else (child,):
                if hasattr(part, "__attrs_attrs__"):
                    _add(found, self.expr(part))
        return found

    def named(self, key: tuple[str, ...], exprs: Callable[[], list[m.TExpr]], amended: str | None) -> Nests:
        """The nests of a definition, parameter or condition, with its amendments'; walked once."""
        found = self.memo.get(key)
        if found is not None:
            return found
        self.memo[key] = {}  # a cycle (the checker refuses them) adds nothing
        nests: Nests = {}
        for expr in exprs():
            _add(nests, self.expr(expr))
        for amendment in self.amended.get(amended or "", ()) if amended else ():
            _add(nests, self.expr(amendment.when))
            for target, value in amendment.sets:
                if target == amended:
                    _add(nests, self.expr(value))
        self.memo[key] = nests
        return nests


_NESTS: dict[int, tuple[weakref.ref[m.Policy], Nests, bool]] = {}


def _loop_plan(policy: m.Policy) -> tuple[Nests, bool]:
    """The policy's loop nests and whether a profile could make them exceed MAX_LOOP_WORK, worked
    out once per policy: `check_loop_work` runs on every evaluation."""
    key = id(policy)
    entry = _NESTS.get(key)
    if entry is not None and entry[0]() is policy:
        return entry[1], entry[2]
    nests = _LoopNests(policy).policy_nests()
    can_exceed = bool(nests) and loop_work_can_exceed(nests)

    def forget(ref: weakref.ref[m.Policy]) -> None:
        if _NESTS.get(key, (None,))[0] is ref:
            del _NESTS[key]

    _NESTS[key] = (weakref.ref(policy, forget), nests, can_exceed)
    return nests, can_exceed


def loop_nests(policy: m.Policy) -> Nests:
    """The nests of loops of a checked policy: entities outermost first → (how many, where)."""
    return _loop_plan(policy)[0]


def loop_work_can_exceed(nests: Nests) -> bool:
    """Whether some profile within the list limits could make the loops exceed MAX_LOOP_WORK."""
    longest = min(MAX_LIST_ITEMS, MAX_PROFILE_ITEMS)
    bound: int = sum(count * longest ** len(key) for key, (count, _) in nests.items())
    return bound > MAX_LOOP_WORK


def list_sizes(schema: Schema, values: Mapping[str, object]) -> dict[str, tuple[int, str]]:
    """Entity → (the entries of its longest list in the profile, that list's path)."""
    sizes: dict[str, tuple[int, str]] = {}
    stack: list[tuple[Entity, Mapping[str, object], str]] = [(schema.root, values, "")]
    while stack:
        entity, facts, prefix = stack.pop()
        for fact in entity.facts:
            items = facts.get(fact.name)
            if fact.type.kind != "list" or fact.type.entity is None or not isinstance(items, tuple | list):
                continue
            path = prefix + fact.name
            if len(items) > sizes.get(fact.type.entity, (-1, ""))[0]:
                sizes[fact.type.entity] = (len(items), path)
            child = schema.entities.get(fact.type.entity)
            if child is not None and any(f.type.kind == "list" for f in child.facts):
                stack.extend((child, item, f"{path}[{index}].") for index, item in enumerate(items)
                             if isinstance(item, Mapping))
    return sizes


def check_loop_work(policy: m.Policy, values: Mapping[str, object]) -> None:
    """Raise ProfileError (PD317) if the policy's loops would run more than MAX_LOOP_WORK bodies on
    these typed facts (`read_profile(...).values`); cheap, and free for a policy whose loops cannot.
    """
    nests, can_exceed = _loop_plan(policy)
    if not can_exceed:
        return
    sizes = list_sizes(policy.schema, values)
    work, worst, worst_work = 0, None, -1
    for key, (count, where) in nests.items():
        product = count
        for entity in key:
            product *= max(1, sizes.get(entity, (0, ""))[0])
        work += product
        if product > worst_work:
            worst, worst_work = (key, where), product
    if work <= MAX_LOOP_WORK:
        return
    assert worst is not None
    key, where = worst
    lists = [sizes.get(entity, (0, entity)) for entity in key]
    longest = max(lists)
    shown = " × ".join(f"{max(1, n):,} ({path or entity})" for (n, path), entity in zip(lists, key, strict=True))
    raise ProfileError([Diagnostic(
        "PD317", f"the policy's loops would evaluate their bodies {work:,} times on this profile, more than the "
                 f"limit of {MAX_LOOP_WORK:,}", path=longest[1] or None,
        hint=f"the loop at {where} goes through {shown}; give fewer entries, or write the policy without "
             f"nested loops; {_limit('MAX_LOOP_WORK', MAX_LOOP_WORK)}")])
