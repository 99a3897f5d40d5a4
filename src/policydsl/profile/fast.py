"""The fast path: a plain, valid profile read without bookkeeping.

Most profiles are valid and hold plain JSON values. A ProfileReader reads them first with these
readers, which take only what they can see is valid and build exactly what the full readers
(values.py) build; on anything else (an unknown field, a value not of a plain JSON type, a list
beyond a limit, a value a scalar reader refuses) they raise, and the full readers read the profile
again from the start. So every problem is found, worded and ordered by the full readers alone.
tests/evaluate/test_profile_fast.py holds the two paths equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from itertools import repeat
from typing import Any

from policydsl.model import Entity, EnumType
from policydsl.profile.limits import MAX_DIGITS, MAX_EXPONENT, MAX_INTEGER, MIN_EXPONENT, Limits
from policydsl.profile.units import MAX_MONEY_INT, WAN
from policydsl.profile.values import ScalarReader, scalar_reader
from policydsl.values import UNITS, Money


class Slow(Exception):
    """The fast path gives up on this profile; the full reader reads it."""


# (raw value, [entries of the lists and sets so far, keys of the objects so far]) → typed value, or raise
FastReader = Callable[[Any, list[int]], object]
FastEntityReader = Callable[[Any, list[int]], dict[str, object]]
_FLOAT_LIMIT = 1e18  # exactly 10**MAX_EXPONENT: a float below it is printed below it
_new = object.__new__
_set_yuan = Money.yuan.__set__  # type: ignore[attr-defined] # the slot of Money's only field


def plain_number(raw: Any) -> Decimal | None:
    """What `units.exact_number` returns for a float or a Decimal that `units.checked` passes at
    its first test; None for anything else. A float's shortest form has at most 17 digits: it
    passes the length test."""
    if type(raw) is float:
        if -_FLOAT_LIMIT < raw < _FLOAT_LIMIT:  # also false for NaN
            number = Decimal(float.__repr__(raw))
            if number.adjusted() >= MIN_EXPONENT:
                return number
    elif (type(raw) is Decimal and raw.is_finite() and MIN_EXPONENT <= raw.adjusted() < MAX_EXPONENT
          and len(str(raw)) <= MAX_DIGITS):
        return raw
    return None


_CENTS_LIMIT = 2.0**40  # below it, neighbouring doubles are at most 2**-13 apart (see float_yuan)
_TENTHS, _HUNDREDTHS = Decimal("100.0"), Decimal("100.00")  # cents × these: 元 with the exponent of the repr


def float_yuan(raw: float) -> Decimal | None:
    """`Decimal(float.__repr__(raw)) * WAN` if `exact_number` and `checked` pass that number at
    their first test, else None. An amount with at most two decimals is found without printing the
    float, in half the time.

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
            return number * WAN
    return None


_SHORT_AMOUNT = 12  # characters of the number in a plain amount (see amount_yuan)
_YI, _YUAN = UNITS["亿元"], UNITS["元"]


def amount_yuan(text: str) -> Decimal | None:
    """`Decimal(number) * UNITS[unit]` for a plain amount such as "150万元", "1500000元" or
    "1.5亿元" (digits, at most one point with digits on both sides, a unit or none: 万元), which is
    what the full money reader makes of it; None for any other text, which the full reader reads.
    A number of at most 12 characters passes the full reader's checks at their first test: at most
    16 digits before the point in 万元, nonzero digits no further than 10^-16 after it, at most 19
    digits in all. Zero is Decimal(0), as the full reader writes it."""
    if text.endswith("万元"):
        number, scale = text[:-2], WAN
    elif text.endswith("亿元"):
        number, scale = text[:-2], _YI
    elif text.endswith("元"):
        number, scale = text[:-1], _YUAN
    else:
        number, scale = text, WAN
    if not 0 < len(number) <= _SHORT_AMOUNT or not number.isascii():
        return None
    whole, point, fraction = number.partition(".")
    if not whole.isdigit() or (point and not fraction.isdigit()):  # ASCII: isdigit is 0-9 alone
        return None
    yuan = Decimal(number) * scale
    return yuan if yuan else _ZERO


_ZERO = Decimal(0)


def fast_money(minimum: Decimal | None, scalar: ScalarReader, longest: int = 0) -> ScalarReader:
    """Money from a plain number, or from a plain amount with its unit of at most `longest`
    characters (the limit of a text); anything else by the full reader `scalar`."""
    low = None if minimum is None else minimum * WAN  # as the full money reader compares

    def read(raw: Any) -> object:
        if type(raw) is str:
            yuan = amount_yuan(raw) if len(raw) <= longest else None
        elif type(raw) is float:
            yuan = float_yuan(raw)
        elif type(raw) is int:
            yuan = Decimal(raw * 10_000) if -MAX_MONEY_INT <= raw <= MAX_MONEY_INT else None
        else:
            number = plain_number(raw)
            yuan = None if number is None else number * WAN
        if yuan is None or (low is not None and yuan < low):
            return scalar(raw)
        money = _new(Money)  # Money(yuan) without attrs' frozen setattr, in half the time
        _set_yuan(money, yuan)
        return money

    return read


def _fast_number(minimum: Decimal | None, scalar: ScalarReader) -> ScalarReader:
    def read(raw: Any) -> object:
        if type(raw) is int:  # |raw| < 10**18: `checked` passes Decimal(raw) at its first test
            number = Decimal(raw) if -MAX_MONEY_INT < raw < MAX_MONEY_INT else None
        else:
            number = plain_number(raw)
        if number is None or (minimum is not None and number < minimum):
            return scalar(raw)
        return number

    return read


def _counter(limits: Limits) -> Callable[[Any, list[int]], None]:
    """A check that a value is a JSON array within the limits of a list and of the profile's entries
    (counted in `counts`); anything else is left to the full reader, which words the problem."""
    longest, most = limits.max_list_items, limits.max_profile_items

    def count_items(raw: Any, counts: list[int]) -> None:
        if type(raw) is not list or len(raw) > longest:
            raise Slow
        counts[0] += len(raw)
        if counts[0] > most:
            raise Slow

    return count_items


def _fast_set_reader(enum: EnumType, count_items: Callable[[Any, list[int]], None]) -> FastReader:
    allowed = frozenset(enum.values)

    def read(raw: Any, counts: list[int]) -> object:
        count_items(raw, counts)
        for item in raw:
            if type(item) is not str:
                raise Slow
        values = frozenset(raw)
        if len(values) != len(raw) or not values <= allowed:
            raise Slow  # a value repeated or not of the enum
        return values

    return read


def _fast_list_reader(entity: str, readers: Mapping[str, FastEntityReader],
                      count_items: Callable[[Any, list[int]], None]) -> FastReader:
    def read(raw: Any, counts: list[int]) -> object:
        count_items(raw, counts)
        read_entity = readers[entity]  # looked up late: the entity readers are built together
        return tuple(map(read_entity, raw, repeat(counts)))

    return read


def _fast_record_reader(entity: str, readers: Mapping[str, FastEntityReader]) -> FastReader:
    def read(raw: Any, counts: list[int]) -> object:
        if type(raw) is not dict:
            raise Slow  # the full reader says what is wrong (PD306)
        return readers[entity](raw, counts)

    return read


def _fast_series_reader(element: ScalarReader, longest: int, most: int) -> FastReader:
    """A series whose keys are plain 4-digit years (counted as a list's entries); values by the
    element's fast reader (which falls back to the full scalar reader, raising Invalid)."""

    def read(raw: Any, counts: list[int]) -> object:
        if type(raw) is not dict or len(raw) > longest:
            raise Slow
        counts[0] += len(raw)
        if counts[0] > most:
            raise Slow
        counts[1] += len(raw)  # keys of an object, as the colons of the text count them
        values: dict[int, object] = {}
        for key, item in raw.items():
            if len(key) != 4 or not key.isascii() or not key.isdigit() or key == "0000":
                raise Slow
            if item is not None:
                values[int(key)] = element(item)
        return values

    return read


def fast_entity_reader(entity: Entity, entities: Mapping[str, Entity], readers: Mapping[str, FastEntityReader],
                       limits: Limits) -> FastEntityReader:
    """The fast reader of one entity. The object is copied whole into the facts; the values that are
    kept as they are (true/false, enum values, whole numbers, strings) are then tested fact by fact
    without a call, and the others read and replaced: a call per value would cost 15% more."""
    template: dict[str, object] = dict.fromkeys(fact.name for fact in entity.facts)
    size = len(template)
    count_items = _counter(limits)
    longest = limits.max_text_length
    bools: list[str] = []
    texts: list[str] = []
    enums: list[tuple[str, frozenset[str]]] = []
    integers: list[tuple[str, int | None]] = []
    scalars: list[tuple[str, ScalarReader]] = []  # read and replaced: amounts, numbers, dates
    composites: list[tuple[str, FastReader]] = []  # sets and lists
    for fact in entity.facts:
        typ, kind, name = fact.type, fact.type.kind, fact.name
        scalar = scalar_reader(fact.label or name, typ, fact.minimum, limits, fact.maximum)
        if fact.maximum is not None and scalar is not None:
            scalars.append((name, scalar))  # a ranged number: the full reader checks both ends
        elif kind == "bool":
            bools.append(name)
        elif kind == "text":
            texts.append(name)
        elif kind == "enum" and typ.enum is not None:
            enums.append((name, frozenset(typ.enum.values)))
        elif kind == "integer":
            integers.append((name, None if fact.minimum is None else math.ceil(fact.minimum)))
        elif kind in ("money", "decimal", "ratio", "points") and scalar is not None:
            scalars.append((name, fast_money(fact.minimum, scalar, longest) if kind == "money"
                            else _fast_number(fact.minimum, scalar)))
        elif kind == "date" and scalar is not None:
            scalars.append((name, scalar))
        elif kind == "set" and typ.enum is not None:
            composites.append((name, _fast_set_reader(typ.enum, count_items)))
        elif kind == "list" and typ.entity is not None and typ.entity in entities:
            composites.append((name, _fast_list_reader(typ.entity, readers, count_items)))
        elif kind == "entity" and typ.entity is not None and typ.entity in entities:
            composites.append((name, _fast_record_reader(typ.entity, readers)))
        elif kind == "series":
            element_type = typ.element_type()
            inner = scalar_reader(fact.label or name, element_type, fact.minimum, limits)
            assert inner is not None
            fast_element: ScalarReader = inner
            if typ.element == "money":
                fast_element = fast_money(fact.minimum, inner, longest)
            elif typ.element in ("decimal", "ratio", "points"):
                fast_element = _fast_number(fact.minimum, inner)
            composites.append((name, _fast_series_reader(fast_element, limits.max_list_items,
                                                                limits.max_profile_items)))
        else:  # pragma: no cover - the checker admits no other fact types
            raise TypeError(f"cannot read a fact of type {typ}")

    def read(obj: Any, counts: list[int]) -> dict[str, object]:
        if type(obj) is not dict:
            raise Slow
        values = template | obj  # in the schema's order; null is the same as absent: unknown
        if len(values) != size:  # an unknown field
            raise Slow
        counts[1] += len(obj)
        for name in bools:
            raw = values[name]
            if raw is not None and raw is not True and raw is not False:
                raise Slow
        for name, allowed in enums:
            raw = values[name]
            if raw is not None and (type(raw) is not str or raw not in allowed):
                raise Slow
        if integers:
            high = MAX_INTEGER
            for name, low in integers:
                raw = values[name]
                if raw is not None and not (type(raw) is int and -high <= raw <= high and (low is None or raw >= low)):
                    raise Slow
        for name in texts:
            raw = values[name]
            if raw is not None and (type(raw) is not str or len(raw) > longest):
                raise Slow
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
