"""Typed values per fact type: the readers that report every problem of a value, with its path.

A scalar reader turns a raw JSON/Python value into its typed value or raises `Invalid`; a set,
list or entity reader reports its own problems, with their paths, into the list it is given.
These readers decide, word and order every problem; the fast path (fast.py) only ever accepts
what they would accept, as they would read it.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from policydsl.diagnostics import MAX_PROBLEMS_SHOWN, Diagnostic, did_you_mean
from policydsl.model import Entity, EnumType, Type
from policydsl.profile.json_text import int_or_odd, key_path
from policydsl.profile.limits import MAX_INTEGER, MAX_MONEY, MAX_NUMBER, Limits
from policydsl.profile.messages import (
    HINTS,
    MONEY_HINT,
    Invalid,
    an,
    below,
    choices,
    describe,
    limit_hint,
    number_text,
    structure,
    too_long,
    wrong,
)
from policydsl.profile.units import MAX_MONEY_INT, WAN, ZERO_MONEY, checked, exact_number, precise, precise_text
from policydsl.values import Money, ValueError_, parse_money, parse_ratio

ScalarReader = Callable[[object], object]
CompositeReader = Callable[[object, str, list[Diagnostic]], object]
EntityReader = Callable[[Mapping[str, object], str, list[Diagnostic]], dict[str, object]]


# ---- scalar readers: a raw JSON/Python value → its typed value, or raise Invalid ---------


def _bool_reader(subject: str, limits: Limits) -> ScalarReader:
    def read(raw: object) -> object:
        if raw is True or raw is False:
            return raw
        raise wrong(subject, "bool", raw)

    return read


def _integer_reader(subject: str, minimum: Decimal | None) -> ScalarReader:
    low = None if minimum is None else math.ceil(minimum)

    def read(raw: object) -> object:
        if type(raw) is int:
            value = raw
        elif isinstance(raw, numbers.Integral) and not isinstance(raw, bool):
            value = int(raw)  # an int subclass, numpy.int64 and the like
        elif isinstance(raw, Decimal) and raw.is_finite() and raw.as_tuple().exponent == 0:
            value = int(raw)  # Decimal("5") from a Python caller: written as 5 is, without a fraction
        else:  # floats and decimals with a fraction are refused even when integral: 320.0 is not a head count
            raise wrong(subject, "integer", raw)
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise Invalid("PD307", f"{subject} is too large: {number_text(value)}", limit_hint("integer"))
        if low is not None and value < low:
            raise below(subject, str(value), str(minimum))
        return value

    return read


_POINTS_TEXT = re.compile(r"(-?\d+(?:\.\d+)?)\s*分?")


def _decimal_reader(subject: str, minimum: Decimal | None, kind: str, limits: Limits) -> ScalarReader:
    longest = limits.max_text_length

    def read(raw: object) -> object:
        if isinstance(raw, str) and kind == "ratio":
            if len(raw) > longest:
                raise too_long(subject, raw, limits)
            try:
                value = parse_ratio(raw)
            except (ValueError_, InvalidOperation):
                raise Invalid("PD305", f"{subject}: {describe(raw)} is not a ratio", HINTS["ratio"]) from None
            precise_text(raw, subject, kind)
            value = checked(value, MAX_NUMBER, subject, kind)
        elif isinstance(raw, str) and kind == "points":  # "15分": points with their unit
            if len(raw) > longest:
                raise too_long(subject, raw, limits)
            found = _POINTS_TEXT.fullmatch(raw.strip())
            if found is None:
                raise Invalid("PD305", f"{subject}: {describe(raw)} is not a number of points", HINTS["points"])
            precise_text(found[1], subject, kind)
            value = checked(Decimal(found[1]), MAX_NUMBER, subject, kind)
        else:
            value = exact_number(raw, subject, kind, MAX_NUMBER)
        if minimum is not None and value < minimum:
            raise below(subject, number_text(value), str(minimum))
        return value

    return read


def _money_reader(subject: str, minimum: Decimal | None, limits: Limits) -> ScalarReader:
    low = None if minimum is None else minimum * WAN
    shown_minimum = "" if minimum is None else str(Money.of(minimum))
    longest = limits.max_text_length

    def read(raw: object) -> object:
        if type(raw) is int and -MAX_MONEY_INT <= raw <= MAX_MONEY_INT:
            money = Money(Decimal(raw * 10_000))
        elif isinstance(raw, str) or type(raw) is Money:
            if isinstance(raw, str) and len(raw) > longest:
                raise too_long(subject, raw, limits)
            try:
                money = raw if isinstance(raw, Money) else parse_money(raw)
            except (ValueError_, InvalidOperation):
                raise Invalid("PD305", f"{subject}: {describe(raw)} is not an amount of money", MONEY_HINT) from None
            if isinstance(raw, Money):
                precise(raw.yuan, subject, "money")
            else:
                precise_text(raw, subject, "money")  # before parse_money's unit scaling rounded it
            if not money.yuan:
                money = ZERO_MONEY  # 0E-50万元 carries a needless exponent
            checked(money.in_unit(), MAX_MONEY, subject, "money")
        else:
            money = Money(exact_number(raw, subject, "money", MAX_MONEY) * WAN)
        if low is not None and money.yuan < low:
            raise below(subject, str(money), shown_minimum)
        return money

    return read


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_reader(subject: str, limits: Limits) -> ScalarReader:
    longest = limits.max_text_length

    def read(raw: object) -> object:
        if isinstance(raw, str):
            if len(raw) > longest:
                raise too_long(subject, raw, limits)
            try:
                if _ISO_DATE.fullmatch(raw):
                    return datetime.date.fromisoformat(raw)
            except ValueError:  # 2024-02-30
                pass
            raise Invalid("PD305", f"{subject}: {describe(raw)} is not a date", HINTS["date"])
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return raw
        raise wrong(subject, "date", raw)

    return read


def _text_reader(subject: str, limits: Limits) -> ScalarReader:
    longest = limits.max_text_length

    def read(raw: object) -> object:
        if isinstance(raw, str):
            if len(raw) > longest:
                raise too_long(subject, raw, limits)
            return raw if type(raw) is str else str(raw)
        raise wrong(subject, "text", raw)

    return read


def _enum_hint(enum: EnumType, raw: str) -> str:
    for value, label in zip(enum.values, enum.labels, strict=True):
        if raw.strip() == label or raw.strip().casefold() == value.casefold():
            return f"write \"{value}\"; {choices(enum)}"
    guess = did_you_mean(raw, enum.values)
    return f"{guess} {choices(enum)}" if guess else choices(enum)


def _enum_reader(subject: str, enum: EnumType, limits: Limits) -> ScalarReader:
    allowed = {value: value for value in enum.values}
    longest = limits.max_text_length

    def read(raw: object) -> object:
        if not isinstance(raw, str):
            raise wrong(subject, "enum", raw, f"one of the values of {enum.name}", choices(enum))
        value = allowed.get(str(raw))
        if value is None:
            if len(raw) > longest:  # before a hint compares it with every value
                raise too_long(subject, raw, limits)
            raise Invalid("PD303", f"{subject} cannot be {describe(raw).removeprefix('the string ')}",
                          _enum_hint(enum, raw))
        return value

    return read


def scalar_reader(subject: str, typ: Type, minimum: Decimal | None, limits: Limits,
                  maximum: Decimal | None = None) -> ScalarReader | None:
    """The reader of one value of a scalar type; None for a set or a list. A declared range's top
    (`integer 0..15`) is checked after the type's own reader."""
    read = _scalar_reader(subject, typ, minimum, limits)
    if read is None or maximum is None:
        return read
    top = maximum * WAN if typ.kind == "money" else maximum
    shown_range = f"{minimum}..{maximum}" if minimum is not None else f"at most {maximum}"
    inner = read

    def within(raw: object) -> object:
        value = inner(raw)
        number = value.yuan if isinstance(value, Money) else value
        if isinstance(number, int | Decimal) and number > top:
            raise Invalid("PD304", f"{subject} must be within {shown_range}, not {number_text(value) if not isinstance(value, Money) else value}",
                          f"the largest allowed value is {maximum}{'万元' if typ.kind == 'money' else ''}")
        return value

    return within


def _scalar_reader(subject: str, typ: Type, minimum: Decimal | None, limits: Limits) -> ScalarReader | None:
    kind = typ.kind
    if kind == "enum" and typ.enum is not None:
        return _enum_reader(subject, typ.enum, limits)
    if kind in ("decimal", "ratio", "points"):
        return _decimal_reader(subject, minimum, kind, limits)
    if kind == "integer":
        return _integer_reader(subject, minimum)
    if kind == "money":
        return _money_reader(subject, minimum, limits)
    make = {"bool": _bool_reader, "date": _date_reader, "text": _text_reader}.get(kind)
    return make(subject, limits) if make else None


# ---- composite readers: sets and lists report their own problems, with their paths -------


class Problems(list[Diagnostic]):
    """The problems of one profile, and the entries of its lists and sets read so far (PD314)."""

    __slots__ = ("entries", "over")

    def __init__(self) -> None:
        super().__init__()
        self.entries = 0
        self.over = False


def _too_many(subject: str, raw: list[object] | tuple[object, ...] | set[object] | frozenset[object], path: str,
              problems: list[Diagnostic], limits: Limits) -> bool:
    """Whether a list or set is refused for its length (PD313) or for the profile's entries (PD314).

    Tested before any entry is read, so a list of ten million entries costs no more than one of ten.
    """
    count = len(raw)
    if count > limits.max_list_items:
        problems.append(Diagnostic("PD313", f"{subject} has {count:,} entries, more than the limit of "
                                            f"{limits.max_list_items:,}", hint=limits.hint("max_list_items"),
                                   path=path))
        return True
    if isinstance(problems, Problems):
        problems.entries += count
        if problems.entries > limits.max_profile_items:
            if not problems.over:  # reported once, where the count passes the limit
                problems.over = True
                problems.append(Diagnostic(
                    "PD314", f"the lists and sets of the profile have more than {limits.max_profile_items:,} "
                             f"entries in all, {problems.entries:,} with the {count:,} of {subject}",
                    hint=limits.hint("max_profile_items"), path=path))
            return True
    return False


def set_reader(subject: str, enum: EnumType, limits: Limits) -> CompositeReader:
    element = _enum_reader(f"an entry of {subject}", enum, limits)
    hint = f"write a list of distinct values, e.g. [\"{enum.values[0]}\"]; {choices(enum)}"

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if type(raw) is list or isinstance(raw, list | tuple):
            if _too_many(subject, raw, path, problems, limits):
                return None
            items: list[object] | tuple[object, ...] = raw
        elif isinstance(raw, set | frozenset):
            if _too_many(subject, raw, path, problems, limits):
                return None
            items = sorted(raw, key=repr)  # a stable order for the paths of any problems
        else:
            problems.append(structure(subject, f"a list of values of {enum.name}", raw, hint).at(path))
            return None
        seen: set[object] = set()
        for index, item in enumerate(items):
            try:
                value = element(item)
            except Invalid as bad:
                problems.append(bad.at(f"{path}[{index}]"))
                continue
            if value in seen:
                problems.append(Diagnostic("PD312", f"{subject} lists \"{value}\" more than once",
                                           hint="a set names each value once; remove the repeat",
                                           path=f"{path}[{index}]"))
            seen.add(value)
        return frozenset(seen)

    return read


def _list_reader(subject: str, entity: Entity, readers: Mapping[str, EntityReader], limits: Limits) -> CompositeReader:
    hint = (f"write a JSON list of objects, [{{…}}, …]; {an(entity.name)} object has the facts: "
            + ", ".join(fact.name for fact in entity.facts))

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if type(raw) is not list and not isinstance(raw, list | tuple):
            problems.append(structure(subject, f"a list of {entity.name} objects", raw, hint).at(path))
            return None
        if _too_many(subject, raw, path, problems, limits):
            return None
        read_entity = readers[entity.name]  # looked up late: the entity readers are built together
        items = []
        for index, item in enumerate(raw):
            if type(item) is dict or isinstance(item, Mapping):
                items.append(read_entity(item, f"{path}[{index}].", problems))
            else:
                problems.append(structure(f"each entry of {subject}", f"{an(entity.name)} object", item,
                                          hint).at(f"{path}[{index}]"))
        return tuple(items)

    return read


def _record_reader(subject: str, entity: Entity, readers: Mapping[str, EntityReader]) -> CompositeReader:
    """A record (a fact whose type is an entity): one JSON object, its fields read at `path.field`."""
    hint = (f"write a JSON object, {{…}}; {an(entity.name)} object has the facts: "
            + ", ".join(fact.name for fact in entity.facts))

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if type(raw) is dict or isinstance(raw, Mapping):
            return readers[entity.name](raw, f"{path}.", problems)  # type: ignore[arg-type]
        problems.append(structure(subject, f"{an(entity.name)} object", raw, hint).at(path))
        return None

    return read


_YEAR_KEY = re.compile(r"[0-9]{4}")
SERIES_HINT = 'write an object keyed by 4-digit years, e.g. {"2023": 5200, "2024": "6100万元"}'


def series_reader(subject: str, typ: Type, minimum: Decimal | None, limits: Limits) -> CompositeReader:
    """A series (facts by year): a JSON object keyed by 4-digit year strings, each value of the
    element type; a null year is unknown, as an absent one. Read as {year: value}."""
    element = scalar_reader(subject, typ.element_type(), minimum, limits)
    assert element is not None

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        if not isinstance(raw, Mapping):
            problems.append(Diagnostic("PD320", f"{subject} is {typ}: a per-year object keyed by years is expected, "
                                                f"not {describe(raw)}", hint=SERIES_HINT, path=path))
            return None
        if _too_many(subject, tuple(raw), path, problems, limits):
            return None
        values: dict[int, object] = {}
        for key, item in raw.items():
            if not isinstance(key, str) or not _YEAR_KEY.fullmatch(key) or key == "0000":
                shown = key if isinstance(key, str) else repr(key)
                problems.append(Diagnostic(
                    "PD320", f"{subject} is {typ}: a per-year object keyed by years is expected, and "
                             f"{describe(shown)} is not a year", hint=SERIES_HINT,
                    path=key_path(path + ".", shown[:_LONGEST_SHOWN])))
                continue
            if item is None:
                continue  # that year is not known
            try:
                values[int(key)] = element(item)
            except Invalid as bad:
                problems.append(bad.at(f"{path}.{key}"))
        return values

    return read


_LONGEST_GUESS = 200  # a longer unknown key gets no "did you mean" (comparing it would be slow)
_LONGEST_SHOWN = 200  # and is cut to this many characters where it is shown


def entity_reader(entity: Entity, entities: Mapping[str, Entity], readers: Mapping[str, EntityReader],
                  limits: Limits) -> EntityReader:
    """The reader of an object of `entity`'s facts; `readers` will hold every entity's reader."""
    scalars: dict[str, ScalarReader] = {}
    composites: dict[str, CompositeReader] = {}
    for fact in entity.facts:
        subject, typ = fact.label or fact.name, fact.type
        scalar = scalar_reader(subject, typ, fact.minimum, limits, fact.maximum)
        if scalar is not None:
            scalars[fact.name] = scalar
        elif typ.kind == "set" and typ.enum is not None:
            composites[fact.name] = set_reader(subject, typ.enum, limits)
        elif typ.kind == "list" and typ.entity in entities:
            composites[fact.name] = _list_reader(subject, entities[typ.entity], readers, limits)  # type: ignore[index]
        elif typ.kind == "entity" and typ.entity in entities:
            composites[fact.name] = _record_reader(subject, entities[typ.entity], readers)  # type: ignore[index]
        elif typ.kind == "series":
            composites[fact.name] = series_reader(subject, typ, fact.minimum, limits)
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
                    except Invalid as bad:
                        problems.append(bad.at(prefix + key))
                continue
            composite = composites.get(key)
            if composite is not None:
                if raw is not None:
                    values[key] = composite(raw, prefix + key, problems)
                continue
            shown = key if isinstance(key, str) else repr(key)  # a Python caller's dict may have any keys
            # Past the problems a ProfileError shows, a guess would only be computed to be dropped.
            guess = None
            if len(shown) <= _LONGEST_GUESS and len(problems) < MAX_PROBLEMS_SHOWN:
                guess = did_you_mean(shown, names)
            if len(shown) > _LONGEST_SHOWN:  # a key of megabytes is not repeated in the message
                shown = shown[:_LONGEST_SHOWN] + "…"
                key = shown
            problems.append(Diagnostic(
                "PD302", f"unknown field '{shown}': {where} has no such fact", path=key_path(prefix, key),
                hint=guess or f"the facts of {entity.name} are: {', '.join(names)}"))
        return values

    return read


# ---- one value on its own: a parameter, or command-line text ---------------------------------


_TRUE_FALSE = {"true": True, "false": False}
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_DECIMAL_TEXT = re.compile(r"\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*")


def from_text(typ: Type, text: str, subject: str) -> object:
    """A command-line string → the raw value a profile would hold for `typ`."""
    if typ.kind == "bool":
        if text.strip().lower() in _TRUE_FALSE:
            return _TRUE_FALSE[text.strip().lower()]
        raise Invalid("PD305", f"{subject}: {describe(text)} is not true or false", "write true or false")
    if typ.kind == "integer":
        if _INTEGER_TEXT.fullmatch(text):
            return int_or_odd(text.strip())
        raise Invalid("PD305", f"{subject}: {describe(text)} is not a whole number", HINTS["integer"])
    if typ.kind == "decimal":
        if _DECIMAL_TEXT.fullmatch(text):
            return Decimal(text)
        raise Invalid("PD305", f"{subject}: {describe(text)} is not a number", "write a number such as 1.5")
    if typ.kind == "set":
        return [item.strip() for item in text.split(",") if item.strip()]
    return text  # money, ratio, date, text and enum values are strings in a profile too


def value_reader(typ: Type, subject: str, limits: Limits, minimum: Decimal | None = None,
                 maximum: Decimal | None = None) -> CompositeReader:
    """The reader of one value of any type but a list (not below `minimum`, a parameter's), reporting
    its problems at the path given."""
    if typ.kind == "set" and typ.enum is not None:
        return set_reader(subject, typ.enum, limits)
    scalar = scalar_reader(subject, typ, minimum, limits, maximum)

    def read(raw: object, path: str, problems: list[Diagnostic]) -> object:
        try:
            if scalar is None:
                raise Invalid("PD301", f"{subject} is of type {typ}, which is not given as one value")
            return scalar(raw)
        except Invalid as bad:
            problems.append(bad.at(path))
            return None

    return read
