"""Hypothesis strategies for enterprise profiles: valid ones at a policy's boundaries, and bad ones."""

from __future__ import annotations

import copy
import datetime
import math
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import attrs
from hypothesis import strategies as st

from policydsl import model as m
from policydsl.api import PolicySet, load
from policydsl.diagnostics import did_you_mean
from policydsl.profile import read_value
from policydsl.testing.boundaries import NO_BOUNDARIES, Boundaries, find_boundaries, neighbours
from policydsl.values import Money, plain

PolicyLike: TypeAlias = "PolicySet | m.Policy | m.Schema | str | os.PathLike[str]"
Profile: TypeAlias = dict[str, Any]

_ABSENT = object()  # a fact left out of the profile (unknown, like null)
_WAN = Decimal(10_000)
# How far numbers go: from the fact's minimum (or a little below zero) up to at least these.
MONEY_TOP = Decimal(100_000)  # 万元: 10亿元, past the 4亿元 SME line
INTEGER_TOP = Decimal(100_000)
DECIMAL_TOP = Decimal(1000)
RATIO_TOP = Decimal(1)
DATE_RANGE = (datetime.date(2015, 1, 1), datetime.date(2030, 12, 31))
TEXTS = ("", "智能产线", "绿色工厂", "Project 5G", "“引号”与\\反斜杠")
MAX_LIST = 8  # a `count(projects) >= n` threshold may raise max_items up to this


def resolve(target: PolicyLike) -> tuple[m.Schema, m.Policy | None]:
    """The schema of a policy set, a checked policy, a schema, or a policy path (loaded)."""
    if isinstance(target, m.Schema):
        return target, None
    if isinstance(target, m.Policy):
        return target.schema, target
    if isinstance(target, PolicySet):
        return target.policy.schema, target.policy
    policy = load(target).policy
    return policy.schema, policy


def thresholds(policy: PolicyLike, params: Mapping[str, object] | None = None) -> dict[str, tuple[object, ...]]:
    """The constants each fact is compared with, by profile path (`projects.investment` for a field
    of every project; `rd_expense / revenue` for a ratio of two facts): the values `profiles()`
    tries on both sides of.

    >>> thresholds("policies/sanmenxia")["projects.investment"]
    (Money(yuan=Decimal('1500000')),)
    """
    schema, checked = resolve(policy)
    if checked is None:
        return {}
    found = find_boundaries(checked, _typed_params(checked, params))
    out: dict[str, tuple[object, ...]] = {}
    for path, fact in fact_paths(schema):
        values = found.of(fact)
        if values:
            out[path] = tuple(sorted(values, key=_order_key))
    for ratio in found.ratios:
        key = f"{ratio.numerator} / {ratio.denominator}"
        out[key] = (*out.get(key, ()), ratio.value)
    return out


def fact_paths(schema: m.Schema) -> list[tuple[str, m.Fact]]:
    """Every fact with its path pattern: `revenue`, `projects`, `projects.investment`."""
    out: list[tuple[str, m.Fact]] = []

    def visit(entity: m.Entity, prefix: str, depth: int) -> None:
        for fact in entity.facts:
            out.append((prefix + fact.name, fact))
            if fact.type.kind == "list" and fact.type.entity in schema.entities and depth < 3:
                visit(schema.entities[fact.type.entity], f"{prefix}{fact.name}.", depth + 1)

    visit(schema.root, "", 0)
    return out


def _order_key(value: object) -> tuple[str, object]:
    if isinstance(value, Money):
        return ("money", value.yuan)
    return (type(value).__name__, value)


def _typed_params(policy: m.Policy, params: Mapping[str, object] | None) -> dict[str, object]:
    return PolicySet(policy).read_params(params) if params else {}


# ---- raw values: what a JSON profile holds --------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _number(value: Decimal) -> object:
    """A JSON number read back exactly: an int, or a float whose printed form is the decimal."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else None


def money_forms(wan: Decimal) -> list[object]:
    """The ways a profile may write an amount of 万元: a number, or a string with a unit."""
    forms: list[object] = []
    number = _number(wan)
    if number is not None:
        forms.append(number)
    forms += [f"{plain(wan)}万元", f"{plain(wan * _WAN)}元", f"{plain(wan / _WAN)}亿元", f"{plain(wan)} 万元"]
    return forms


def ratio_forms(ratio: Decimal) -> list[object]:
    number = _number(ratio)
    return ([number] if number is not None else []) + [f"{plain(ratio * 100)}%"]


def _points(fact: m.Fact, boundaries: Boundaries) -> list[object]:
    """The boundary values of a fact and their neighbours, in range, smallest first."""
    found: set[object] = set()
    for value in boundaries.of(fact):
        found.update(neighbours(fact, value))
    kind = fact.type.kind
    if kind == "money":
        found.add(Money(Decimal(0)))
    elif kind == "integer":
        found.add(0)
    if fact.minimum is not None:
        found = {value for value in found if _at_least(value, fact.minimum)}
    if fact.maximum is not None:  # `integer 0..4`: only values inside the range are valid
        found = {value for value in found if _at_most(value, fact.maximum)}
    return sorted(found, key=_order_key)


def _at_most(value: object, maximum: Decimal) -> bool:
    if isinstance(value, Money):
        return value.in_unit() <= maximum
    if _is_number(value):
        return value <= maximum  # type: ignore[operator]
    return True


def _at_least(value: object, minimum: Decimal) -> bool:
    if isinstance(value, Money):
        return value.in_unit() >= minimum
    if _is_number(value):
        return value >= minimum  # type: ignore[operator]
    return True


def _low(fact: m.Fact, default: Decimal) -> Decimal:
    """The smallest value to generate: the fact's minimum, or a little below zero when it has none."""
    return fact.minimum if fact.minimum is not None else default


def _range(fact: m.Fact, below_zero: Decimal, top: Decimal) -> tuple[Decimal, Decimal]:
    """From the fact's minimum (or a little below zero) to its maximum (or `top` past the minimum)."""
    low = _low(fact, below_zero)
    if fact.maximum is not None:
        return low, fact.maximum
    return low, max(top, low + top)


def _ends(fact: m.Fact) -> list[Decimal]:
    """A ranged fact's ends (`integer 0..4`: 0 and 4), the values a range is most often wrong at."""
    return [end for end in (fact.minimum, fact.maximum) if end is not None] if fact.maximum is not None else []


def points_forms(value: Decimal) -> list[object]:
    """The ways a profile may write points: a JSON number (read exactly), or a string with 分."""
    number = _number(value)
    return ([number] if number is not None else []) + [f"{plain(value)}分"]


def window_days(policy: m.Policy | None) -> list[datetime.date]:
    """The days near the policy's windows: each dated bound of the header's, the measures' and
    their versions' windows, the days next to it, and one and three years before it (the edges
    of `d between today - 3 years and today` when the day is at a bound)."""
    if policy is None:
        return []
    measures = [version for measure in policy.measures for version in (measure, *measure.versions)]
    windows = [policy.header.window, *(mm.own_window for mm in measures if mm.own_window is not None)]
    days: set[datetime.date] = set()
    for window in windows:
        for bound in (window.start, window.end):
            if bound.kind == "date" and bound.date is not None:
                for years in (0, 1, 3):
                    edge = _years_before(bound.date, years)
                    days |= {edge - datetime.timedelta(days=1), edge, edge + datetime.timedelta(days=1)}
    return sorted(day for day in days if DATE_RANGE[0] <= day <= DATE_RANGE[1])


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: the 28th, as `today - 1 year` gives
        return day.replace(year=day.year - years, day=28)


@attrs.frozen
class _Generator:
    """What the strategies of one schema share: its boundaries, list sizes and the fixed facts."""

    schema: m.Schema
    boundaries: Boundaries = NO_BOUNDARIES
    max_items: int = 3
    overrides: Mapping[str, st.SearchStrategy[Any]] = attrs.field(factory=dict)
    days: tuple[datetime.date, ...] = ()  # near the windows' edges (window_days)

    def known(self, fact: m.Fact, prefix: str = "", depth: int = 0, unknowns: bool = True) -> st.SearchStrategy[Any]:
        """Raw values of one fact, never unknown (with `unknowns`, list items may have unknown fields)."""
        typ, points = fact.type, _points(fact, self.boundaries)
        kind = typ.kind
        if kind == "bool":
            return st.booleans()
        if kind == "integer":
            low, high = _range(fact, Decimal(-100), INTEGER_TOP)
            whole = st.integers(math.ceil(low), int(high))
            points = [*points, *(int(end) for end in _ends(fact))]
            return st.sampled_from(points) | whole if points else whole
        if kind == "money":
            wan = st.decimals(*_range(fact, Decimal(-1000), MONEY_TOP), places=2)
            if points:
                wan = st.sampled_from([p.in_unit() for p in points if isinstance(p, Money)]) | wan
            return st.tuples(wan, st.integers(0, 4)).map(lambda pair: _pick(money_forms(pair[0]), pair[1]))
        if kind == "decimal":
            number = st.decimals(*_range(fact, Decimal(-100), DECIMAL_TOP), places=2)
            return (st.sampled_from(points) | number if points else number).map(_decimal_number)
        if kind == "ratio":
            ratio = st.decimals(*_range(fact, Decimal(0), RATIO_TOP), places=4)
            ratio = st.sampled_from([p for p in points if isinstance(p, Decimal)]) | ratio if points else ratio
            return st.tuples(ratio, st.integers(0, 1)).map(lambda pair: _pick(ratio_forms(pair[0]), pair[1]))
        if kind == "points":
            number = st.decimals(*_range(fact, Decimal(-20), Decimal(100)), places=2)
            near = [p for p in points if isinstance(p, Decimal)] + _ends(fact)
            number = st.sampled_from(near) | number if near else number
            return st.tuples(number, st.integers(0, 1)).map(lambda pair: _pick(points_forms(pair[0]), pair[1]))
        if kind == "entity" and typ.entity in self.schema.entities:  # a record: one object of its facts
            return self.entity(self.schema.entities[typ.entity], f"{prefix}{fact.name}.", depth + 1, unknowns)
        if kind == "date":
            day = st.dates(*DATE_RANGE)
            near_days = {p for p in points if isinstance(p, datetime.date)} | set(self.days)
            if near_days:
                day = st.sampled_from(sorted(near_days)) | day
            return day.map(lambda value: value.isoformat())
        if kind == "text":
            return st.sampled_from(sorted({*TEXTS, *(p for p in points if isinstance(p, str))}))
        if kind == "enum" and typ.enum is not None:
            return st.sampled_from(typ.enum.values)
        if kind == "set" and typ.enum is not None:
            return st.lists(st.sampled_from(typ.enum.values), unique=True)
        if kind == "list" and typ.entity in self.schema.entities:
            entity = self.schema.entities[typ.entity]  # type: ignore[index]
            size = min(MAX_LIST, max([self.max_items, *(n + 1 for n in self.boundaries.count_of(fact))]))
            item = self.entity(entity, f"{prefix}{fact.name}.", depth + 1, unknowns)
            return st.lists(item, max_size=size if depth < 2 else 1)
        if kind == "series":  # a few years around the generated days, each as a fact of the element type
            element = self.known(attrs.evolve(fact, type=typ.element_type()), prefix, depth, unknowns)
            return st.dictionaries(st.integers(2017, 2030).map(str), element | st.none(), max_size=6)
        raise TypeError(f"cannot generate a fact of type {typ}")  # pragma: no cover - the checker admits no others

    def entity(self, entity: m.Entity, prefix: str = "", depth: int = 0,
               unknowns: bool = True) -> st.SearchStrategy[Profile]:
        fields: dict[str, st.SearchStrategy[Any]] = {}
        for fact in entity.facts:
            override = self.overrides.get(prefix + fact.name)
            if override is not None:
                fields[fact.name] = override
                continue
            known = self.known(fact, prefix, depth, unknowns)
            fields[fact.name] = _maybe_unknown(known) if unknowns else known
        order = tuple(fields)  # the schema's order, whatever order the dictionary was drawn in
        return st.fixed_dictionaries(fields).map(
            lambda drawn: {name: drawn[name] for name in order if drawn[name] is not _ABSENT})


def _pick(forms: list[object], index: int) -> object:
    return forms[min(index, len(forms) - 1)]


def _decimal_number(value: object) -> object:
    assert isinstance(value, Decimal)
    number = _number(value)
    return float(value) if number is None else number


@st.composite
def _maybe_unknown(draw: st.DrawFn, known: st.SearchStrategy[Any]) -> object:
    # One fact in eight is unknown; shrinking goes towards unknown (left out), so a shrunk
    # counterexample shows only the facts the failure needs.
    if draw(st.integers(0, 7)) == 0:
        return draw(st.sampled_from((_ABSENT, None)))
    return draw(known)


def _override_strategies(schema: m.Schema, overrides: Mapping[str, object]) -> dict[str, st.SearchStrategy[Any]]:
    paths = [path for path, _ in fact_paths(schema)]
    out: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in overrides.items():
        if name not in paths:
            hint = did_you_mean(name, paths) or f"the facts are: {', '.join(paths)}"
            raise ValueError(f"profiles(): no fact '{name}' in the schema; {hint}")
        out[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
    return out


def _generator(policy: PolicyLike, max_items: int = 3, params: Mapping[str, object] | None = None,
               overrides: Mapping[str, object] | None = None) -> _Generator:
    schema, checked = resolve(policy)
    boundaries = find_boundaries(checked, _typed_params(checked, params)) if checked is not None else NO_BOUNDARIES
    return _Generator(schema, boundaries, max(0, max_items), _override_strategies(schema, overrides or {}),
                      tuple(window_days(checked)))


@st.composite
def _at_ratio(draw: st.DrawFn, base: st.SearchStrategy[Profile],
              ratios: Sequence[tuple[m.Fact, m.Fact, Decimal]]) -> Profile:
    """Sometimes put `numerator / denominator` just at, below or above a ratio threshold."""
    profile = draw(base)
    for numerator, denominator, value in ratios:
        step = draw(st.sampled_from((None, 0, -1, 1)))  # None (no change) first: shrinks away
        raw = profile.get(denominator.name)
        if step is None or raw is None:
            continue
        amount = read_value(m.MONEY, raw, denominator.name)
        assert isinstance(amount, Money)
        wan = amount.in_unit() * value + Decimal("0.01") * step
        if wan >= _low(numerator, Decimal(0)):
            profile = {**profile, numerator.name: f"{plain(wan)}万元"}
    return profile


def profiles(
    policy: PolicyLike,
    *,
    unknowns: bool = True,
    max_items: int = 3,
    params: Mapping[str, object] | None = None,
    **overrides: object,
) -> st.SearchStrategy[Profile]:
    """Valid enterprise profiles for a policy's schema, as JSON-like dicts `read_profile` accepts.

    Every fact is sometimes unknown (left out or null; `unknowns=False` for complete profiles);
    numbers cluster at every threshold the policy compares them with (149.99 / 150 / 150.01万元
    for `p.investment >= 150万元`, found through definitions, parameter defaults, the supplied
    `params` and amendment values); money is written as a number of 万元 or with a unit
    ("1.5亿元", "1500000元"), ratios as fractions or "3.5%", every enum value occurs, sets are
    lists, lists of projects have 0 to `max_items` entries. A keyword fixes a fact to a value or a
    strategy; a field of every item is named by its path: `**{"projects.category": "5g"}`.

    >>> @given(profiles(policies, srdi_level=st.sampled_from(["provincial", "little_giant"])))
    ... def test_srdi(profile): ...
    """
    generator = _generator(policy, max_items, params, overrides)
    strategy = generator.entity(generator.schema.root, unknowns=unknowns)
    root = generator.schema.root
    ratios = [(numerator, denominator, ratio.value) for ratio in generator.boundaries.ratios
              if (numerator := root.fact(ratio.numerator)) is not None
              and (denominator := root.fact(ratio.denominator)) is not None and numerator.name not in overrides]
    return _at_ratio(strategy, ratios) if ratios else strategy


@st.composite
def _completed(draw: st.DrawFn, generator: _Generator, entity: m.Entity, profile: Mapping[str, Any],
               prefix: str) -> Profile:
    out: Profile = dict(profile)
    for fact in entity.facts:
        raw = profile.get(fact.name)
        if raw is None:
            out[fact.name] = draw(generator.known(fact, prefix, unknowns=False))
        elif fact.type.kind == "list" and fact.type.entity in generator.schema.entities and isinstance(raw, list):
            items = generator.schema.entities[fact.type.entity]  # type: ignore[index]
            out[fact.name] = [draw(_completed(generator, items, item, f"{prefix}{fact.name}."))
                              if isinstance(item, Mapping) else item for item in raw]
    return out


def completions(policy: PolicyLike, profile: Mapping[str, Any]) -> st.SearchStrategy[Profile]:
    """Profiles that keep every known fact of `profile` and fill in every unknown one (in list
    items too): the enterprise as it may turn out to be.

    >>> @given(st.data())
    ... def test_sound(data):
    ...     partial = data.draw(profiles(policies))
    ...     assert_sound_under_unknowns(policies, partial, data.draw(completions(policies, partial)))
    """
    generator = _generator(policy)
    return _completed(generator, generator.schema.root, profile, "")


# ---- invalid profiles -------------------------------------------------------------------------


@attrs.frozen
class InvalidProfile:
    """A profile with exactly one bad field, labelled with its JSON path and the code
    `read_profile` reports for it.

    >>> bad.path, bad.code, bad.reason
    ('projects[0].investment', 'PD304', 'money below its minimum')
    """

    profile: Profile
    path: str
    code: str
    reason: str


Corruption = tuple[object, str, str]  # (raw value, expected code, reason)


def _corruptions(fact: m.Fact) -> list[Corruption]:
    """Bad values of a fact's type, each with the code read_profile gives it."""
    typ, minimum = fact.type, fact.minimum
    kind = typ.kind
    common: list[Corruption] = [([1], "PD301", "a list where one value is expected")]
    if kind == "bool":
        return [("true", "PD301", "a quoted boolean"), (1, "PD301", "1 for true"), ("是", "PD301", "a word for yes")]
    if kind == "text":
        return [(5, "PD301", "a number for a text"), (True, "PD301", "a boolean for a text"), *common]
    if kind == "date":
        return [("2024-02-30", "PD305", "a day that does not exist"), ("2024/06/01", "PD305", "slashes in a date"),
                (20240601, "PD301", "a number for a date")]
    if kind == "enum" and typ.enum is not None:
        return [("not_a_value", "PD303", "a value outside the enum"), (3, "PD301", "a number for an enum value"),
                (f" {typ.enum.values[0]}", "PD303", "an enum value with a leading space")]
    if kind == "set" and typ.enum is not None:
        first = typ.enum.values[0]
        return [(first, "PD306", "one value where a list is expected"), ({"a": 1}, "PD306", "an object for a set"),
                ([first, first], "PD312", "a value listed twice"), (["not_a_value"], "PD303", "an unknown value")]
    if kind == "series":
        return [(5, "PD320", "a number where a per-year object is expected"),
                ({"20x4": 1}, "PD320", "a key that is not a year")]
    if kind == "entity":
        return [(5, "PD306", "a number where a record (an object) is expected"),
                ([{}], "PD306", "a list where a record is expected")]
    if kind == "list":
        return [({}, "PD306", "an object where a list is expected"), ([5], "PD306", "a number as a list entry"),
                ("x", "PD306", "a string where a list is expected")]
    numeric: list[Corruption] = [(True, "PD301", "a boolean for a number"), (float("nan"), "PD310", "NaN")]
    if minimum is not None:
        below = minimum - 1
        if kind == "integer":
            below = Decimal(int(minimum.to_integral_value()) - 1)
        numeric.append((int(below) if kind == "integer" else _decimal_number(below), "PD304",
                        f"{kind} below its minimum"))
    if fact.maximum is not None:
        above = fact.maximum + 1
        numeric.append((int(above) if kind == "integer" else _decimal_number(above), "PD304",
                        f"{kind} above its maximum"))
    if kind == "integer":
        return [*numeric, (320.5, "PD301", "a fraction for a whole number"), ("320", "PD301", "a quoted number"),
                (320.0, "PD301", "a float for a whole number"), (2**63, "PD307", "beyond 64 bits")]
    if kind == "decimal":
        return [*numeric, ("1.5", "PD301", "a quoted number"), (1e30, "PD307", "beyond 10^18")]
    if kind == "money":
        return [*numeric, ("150美元", "PD305", "a currency that is not 元"), ("一百万元", "PD305", "a number in words"),
                (10**19, "PD307", "beyond 10^18 万元"), *common]
    if kind == "ratio":
        return [*numeric, ("3.5 percent", "PD305", "a ratio in words"), ("abc", "PD305", "not a number")]
    return common  # pragma: no cover


def _typo(name: str, entity: m.Entity) -> str:
    names = {fact.name for fact in entity.facts}
    for candidate in (name + "s", name[:-1] if len(name) > 1 else name + "_", "x_" + name, name + "_x"):
        if candidate and candidate not in names:
            return candidate
    return "no_such_fact_" + name  # pragma: no cover


@st.composite
def _invalid(draw: st.DrawFn, schema: m.Schema, base: st.SearchStrategy[Profile],
             items: Mapping[str, st.SearchStrategy[Profile]]) -> InvalidProfile:
    profile = copy.deepcopy(draw(base))
    targets = [(path, fact) for path, fact in fact_paths(schema) if path.count(".") <= 1]
    path, fact = draw(st.sampled_from(targets))
    holder: dict[str, Any] = profile
    json_path = path
    entity = schema.root
    if "." in path:  # a field of one item of a list: make sure there is an item to spoil
        list_name, _ = path.split(".")
        entries = profile.get(list_name)
        if not isinstance(entries, list) or not entries:
            entries = [draw(items[list_name])]
            profile[list_name] = entries
        index = draw(st.integers(0, len(entries) - 1))
        holder = entries[index]
        json_path = f"{list_name}[{index}].{fact.name}"
        entity = schema.entities[fact.entity]
    if draw(st.integers(0, 7)) == 0:  # now and then a misspelt fact name instead of a bad value
        key = _typo(fact.name, entity)
        holder[key] = holder.pop(fact.name, 1)
        where = json_path.rsplit(".", 1)[0] + "." if "." in json_path else ""
        return InvalidProfile(profile, where + key, "PD302", f"unknown field '{key}'")
    value, code, reason = draw(st.sampled_from(_corruptions(fact)))
    holder[fact.name] = value
    if code in ("PD303", "PD312", "PD306") and isinstance(value, list) and value:
        # a bad entry of a set or list is reported at the entry
        json_path += f"[{len(value) - 1 if code == 'PD312' else 0}]"
    return InvalidProfile(profile, json_path, code, reason)


def invalid_profiles(policy: PolicyLike) -> st.SearchStrategy[InvalidProfile]:
    """Profiles with exactly one bad field, each an `InvalidProfile(profile, path, code, reason)`:
    wrong types, values below a fact's minimum, unknown enum values, bad units and dates, NaN,
    numbers too large, repeated set values, list entries that are not objects, misspelt facts.

    >>> @given(invalid_profiles(policies))
    ... def test_rejected(bad):
    ...     with pytest.raises(policydsl.ProfileError) as error:
    ...         policies.evaluate(bad.profile)
    ...     assert [d.path for d in error.value.diagnostics] == [bad.path]
    """
    generator = _generator(policy, max_items=2)
    schema = generator.schema
    items = {fact.name: generator.entity(schema.entities[fact.type.entity], f"{fact.name}.", 1)  # type: ignore[index]
             for fact in schema.root.facts if fact.type.kind == "list" and fact.type.entity in schema.entities}
    return _invalid(schema, generator.entity(schema.root), items)
