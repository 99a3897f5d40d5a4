"""Assertions that state properties of a policy on one profile, for use inside hypothesis tests."""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from policydsl import model as m
from policydsl.api import PolicySet, load
from policydsl.profile import ProfileReader, read_value
from policydsl.result import MeasureResult, Result, explanation_text
from policydsl.testing.boundaries import find_boundaries
from policydsl.values import Money, plain

PolicyRef: TypeAlias = "PolicySet | m.Policy | str | os.PathLike[str]"
Direction = Literal["increasing", "decreasing"]

# How good a status is for the enterprise; statuses that do not depend on facts are left out.
RANK = {"not_eligible": 0, "undetermined": 1, "eligible": 2}
DECIDED = ("eligible", "not_eligible", "not_in_force", "not_applicable")
COMPARABLE = ("status", "total", "unknowns", "agencies", "benefits")


def policy_set(policy: PolicyRef) -> PolicySet:
    """A loaded policy from a PolicySet, a checked model.Policy or a path."""
    if isinstance(policy, PolicySet):
        return policy
    if isinstance(policy, m.Policy):
        return PolicySet(policy)
    return load(policy)


def in_force_day(policy: PolicyRef) -> datetime.date:
    """Today if the policy is in force, else the last (or first) day of its window: the day the
    assertions evaluate on when no `as_of` is given, so that a property is never vacuous."""
    header = policy_set(policy).policy.header
    today = datetime.date.today()
    if header.window.contains(today):
        return today
    for bound in (header.window.end, header.window.start):
        if bound.kind == "date" and bound.date is not None:
            return bound.date
    return today  # pragma: no cover - an open window contains today


def evaluate(policy: PolicyRef, profile: Mapping[str, Any], as_of: datetime.date | None = None,
             params: Mapping[str, object] | None = None) -> Result:
    policies = policy_set(policy)
    return policies.evaluate(dict(profile), as_of=as_of or in_force_day(policies), params=params)


def show_profile(profile: Mapping[str, Any]) -> str:
    return json.dumps(profile, ensure_ascii=False, sort_keys=False, default=str)


# ---- monotonicity -------------------------------------------------------------------------------

_PATH = re.compile(r"(?P<list>[^.\[\]]+)(?:\[(?P<index>\d+)\])?\.(?P<field>[^.\[\]]+)")


def _locations(policy: m.Policy, profile: Mapping[str, Any], fact_path: str) -> Iterator[tuple[str, m.Fact, Any]]:
    """(JSON path, fact, raw value) of every place `fact_path` names: `revenue`, `projects.investment`
    (each project), `projects[1].investment` (one)."""
    schema = policy.schema
    root_fact = schema.root.fact(fact_path)
    if root_fact is not None:
        yield fact_path, root_fact, profile.get(fact_path)
        return
    match = _PATH.fullmatch(fact_path)
    list_fact = schema.root.fact(match.group("list")) if match else None
    if match is None or list_fact is None or list_fact.type.kind != "list" or list_fact.type.entity is None:
        known = ", ".join(f.name for f in schema.root.facts)
        raise ValueError(f"no fact '{fact_path}': name a fact ({known}) or a field of a list, e.g. projects.investment")
    entity = schema.entities[list_fact.type.entity]
    field = entity.fact(match.group("field"))
    if field is None:
        known = ", ".join(f.name for f in entity.facts)
        raise ValueError(f"no fact '{fact_path}': {entity.name} has no fact '{match.group('field')}' ({known})")
    items = profile.get(list_fact.name)
    if not isinstance(items, list):
        return
    indices = [int(match.group("index"))] if match.group("index") else range(len(items))
    for index in indices:
        if index < len(items) and isinstance(items[index], Mapping):
            yield f"{list_fact.name}[{index}].{field.name}", field, items[index].get(field.name)


def _raised(fact: m.Fact, current: object, boundaries: Iterable[object]) -> list[object]:
    """Typed values above `current`: the next step, every boundary above it and its next step, far above."""
    kind = fact.type.kind
    if kind == "enum" and fact.type.enum is not None and isinstance(current, str):
        enum = fact.type.enum
        if not enum.ordered:
            raise ValueError(f"{fact.name} is of enum {enum.name}, which is not ordered: it cannot be raised")
        return list(enum.values[enum.rank(current) + 1:])
    if kind == "money" and isinstance(current, Money):
        cent, far = Money.of(Decimal("0.01")).yuan, Money.of(10_000).yuan
        yuan = {current.yuan + cent, current.yuan * 2 + cent, max(current.yuan * 10, far)}
        yuan |= {value for b in boundaries if isinstance(b, Money) for value in (b.yuan, b.yuan + cent)}
        return [Money(value) for value in sorted(yuan) if value > current.yuan]
    if kind in ("integer", "decimal", "ratio") and isinstance(current, int | Decimal):
        step = {"integer": Decimal(1), "decimal": Decimal("0.01"), "ratio": Decimal("0.0001")}[kind]
        big = {"integer": Decimal(1000), "decimal": Decimal(100), "ratio": Decimal("0.5")}[kind]
        base = Decimal(current)
        numbers = {base + step, base + big, abs(base) * 2 + step}
        numbers |= {Decimal(b) + extra for b in boundaries if isinstance(b, int | Decimal) and not isinstance(b, bool)
                    for extra in (Decimal(0), step)}
        return [int(n) if kind == "integer" else n for n in sorted(numbers) if n > base]
    if kind == "date" and isinstance(current, datetime.date):
        day = datetime.timedelta(days=1)
        days = {current + day, current + 365 * day}
        days |= {value for b in boundaries if isinstance(b, datetime.date) for value in (b, b + day)}
        return [value for value in sorted(days) if value > current]
    raise ValueError(f"{fact.name} is of type {fact.type}, which has no order to raise it along")


def _raw(fact: m.Fact, value: object) -> object:
    """A typed value written as a profile would hold it."""
    if isinstance(value, Money):
        return f"{plain(value.in_unit())}万元"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if fact.type.kind == "ratio" and isinstance(value, Decimal):
        return f"{plain(value * 100)}%"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _shown(fact: m.Fact, value: object) -> str:
    raw = _raw(fact, value)
    return raw if isinstance(raw, str) else json.dumps(raw)


def _with_value(profile: Mapping[str, Any], path: str, raw: object) -> dict[str, Any]:
    changed = copy.deepcopy(dict(profile))
    match = re.fullmatch(r"([^.\[\]]+)\[(\d+)\]\.(.+)", path)
    if match is None:
        changed[path] = raw
    else:
        changed[match.group(1)][int(match.group(2))][match.group(3)] = raw
    return changed


def assert_monotone(
    policy: PolicyRef,
    measure: str,
    fact: str,
    direction: Direction,
    profile: Mapping[str, Any],
    *,
    as_of: datetime.date | None = None,
    params: Mapping[str, object] | None = None,
) -> None:
    """Raising `fact` never moves `measure`'s status against `direction`.

    Statuses rank not_eligible < undetermined < eligible. `increasing`: raising the fact never
    lowers the rank (a bigger investment never loses a grant); `decreasing`: it never raises it
    (more employees never make an enterprise an SME). The fact is a root fact (`revenue`), a field
    of every item of a list (`projects.investment`) or of one item (`projects[0].investment`), of a
    number, money, ratio, date or ordered-enum type. It is raised by the smallest step, to every
    threshold above it (and just past it), and far up. Unknown values are left alone.

    >>> @given(profiles(policies))
    ... def test_m2_monotone(profile):
    ...     assert_monotone(policies, "M2", "projects.investment", "increasing", profile, as_of=DAY)
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    if direction not in ("increasing", "decreasing"):
        raise ValueError(f"direction must be 'increasing' or 'decreasing', not {direction!r}")
    policies = policy_set(policy)
    day = as_of or in_force_day(policies)
    before = _measure(evaluate(policies, profile, day, params), measure)
    if before.status not in RANK:
        return
    boundaries = find_boundaries(policies.policy, policies.read_params(params))
    for path, target, raw in list(_locations(policies.policy, profile, fact)):
        if raw is None:
            continue
        current = read_value(target.type, raw, path, limits=policies.limits)
        for value in _raised(target, current, boundaries.of(target)):
            changed = _with_value(profile, path, _raw(target, value))
            after = _measure(evaluate(policies, changed, day, params), measure)
            if after.status not in RANK:
                continue
            lower, higher = RANK[after.status] < RANK[before.status], RANK[after.status] > RANK[before.status]
            if (direction == "increasing" and lower) or (direction == "decreasing" and higher):
                raise AssertionError(
                    f"{measure} is not monotone ({direction}) in {fact}: raising {path} from "
                    f"{_shown(target, current)} to {_shown(target, value)} turned it from {before.status} into "
                    f"{after.status}\n  profile: {show_profile(profile)}\n"
                    f"  explanation after the change:\n{_indented(after)}")


def _measure(result: Result, measure: str) -> MeasureResult:
    try:
        return result[measure]
    except KeyError:
        ids = ", ".join(r.id for r in result.measures)
        raise ValueError(f"no measure '{measure}' in {result.policy}; the measures are {ids}") from None


def _indented(result: MeasureResult) -> str:
    return "\n".join("    " + line for line in explanation_text(result.explanation).splitlines())


# ---- soundness under unknowns ----------------------------------------------------------------------


def _extension_problem(partial: object, complete: object, path: str) -> str | None:
    """Where `complete` changes a fact `partial` knows (None: it only fills in unknowns)."""
    if partial is None:
        return None
    if isinstance(partial, tuple) and isinstance(complete, tuple):
        if len(partial) != len(complete):
            return f"{path} has {len(partial)} items, then {len(complete)}"
        for index, (old, new) in enumerate(zip(partial, complete, strict=True)):
            for name, value in old.items():
                problem = _extension_problem(value, new.get(name), f"{path}[{index}].{name}")
                if problem:
                    return problem
        return None
    return None if partial == complete else f"{path} is {partial}, then {complete}"


def assert_sound_under_unknowns(
    policy: PolicyRef,
    partial: Mapping[str, Any],
    complete: Mapping[str, Any],
    *,
    as_of: datetime.date | None = None,
    params: Mapping[str, object] | None = None,
) -> None:
    """What is decided with unknown facts stays decided once they are known.

    `complete` must keep every fact `partial` knows (see `completions()`). Then every measure that
    is eligible, not eligible, not in force or not applicable on `partial` has the same status on
    `complete`, a total known on `partial` without unknowns stays the same (with unknowns it counts
    only the benefits that surely apply, so it may grow), and so do the benefits (per item) that
    surely apply or surely do not, with their amounts.

    >>> @given(st.data())
    ... def test_sound(data):
    ...     partial = data.draw(profiles(policies))
    ...     assert_sound_under_unknowns(policies, partial, data.draw(completions(policies, partial)), as_of=DAY)
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    policies = policy_set(policy)
    schema = policies.policy.schema
    reader = ProfileReader(schema, policies.limits)  # the policy set's limits, as evaluate reads them
    known, filled = reader.read(dict(partial)).values, reader.read(dict(complete)).values
    for name, value in known.items():
        problem = _extension_problem(value, filled.get(name), name)
        if problem is not None:
            raise ValueError(f"the complete profile does not extend the partial one: {problem}")
    day = as_of or in_force_day(policies)
    before, after = evaluate(policies, partial, day, params), evaluate(policies, complete, day, params)
    problems: list[str] = []
    for old, new in zip(before.measures, after.measures, strict=True):
        if old.status in DECIDED and new.status != old.status:
            problems.append(f"{old.id}: {old.status} with unknowns {list(old.unknowns)}, {new.status} once known")
        # A total sums the benefits that surely apply; while some depend on unknowns it may grow
        # (the spec's "Amounts"), so it must stand only when the measure names no unknowns.
        if old.total is not None and not old.unknowns and new.total != old.total:
            problems.append(f"{old.id}: total {old.total} with unknowns, {new.total} once known")
        benefits = {(b.id, b.item_path): b for b in new.benefits}
        for benefit in old.benefits:
            same = benefits.get((benefit.id, benefit.item_path))
            if benefit.applies is None or same is None:
                continue
            where = f"{old.id} {benefit.id}" + (f" ({benefit.item_path})" if benefit.item_path else "")
            if same.applies != benefit.applies:
                problems.append(f"{where}: applies {benefit.applies} with unknowns, {same.applies} once known")
            elif benefit.amount is not None and same.amount != benefit.amount:
                problems.append(f"{where}: amount {benefit.amount} with unknowns, {same.amount} once known")
    if problems:
        raise AssertionError("a decision taken with unknown facts changed once they were known:\n  "
                             + "\n  ".join(problems)
                             + f"\n  partial:  {show_profile(partial)}\n  complete: {show_profile(complete)}")


# ---- two versions of a policy -------------------------------------------------------------------------


def _compared(result: MeasureResult, field: str) -> object:
    if field == "status":
        return result.status
    if field == "total":
        return str(result.total) if result.total is not None else "none"
    if field == "unknowns":
        return sorted(result.unknowns)
    if field == "agencies":
        return list(result.agencies)
    return [(b.id, b.item, b.applies, str(b.amount) if b.amount else None) for b in result.benefits]


def assert_same_decisions(
    old: PolicyRef,
    new: PolicyRef,
    profile: Mapping[str, Any],
    *,
    measures: Sequence[str] | None = None,
    compare: Sequence[str] = ("status", "total"),
    as_of: datetime.date | None = None,
    params: Mapping[str, object] | None = None,
) -> None:
    """Two versions of a policy decide the same on `profile`: for every measure (or the listed
    `measures`), the same status and total (`compare` may add "unknowns", "agencies", "benefits").

    >>> @given(profiles(old))
    ... def test_refactoring_changes_nothing(profile):
    ...     assert_same_decisions(old, new, profile, as_of=DAY)
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    unknown_fields = [f for f in compare if f not in COMPARABLE]
    if unknown_fields:
        raise ValueError(f"cannot compare {unknown_fields}; choose from {', '.join(COMPARABLE)}")
    old_set, new_set = policy_set(old), policy_set(new)
    day = as_of or in_force_day(old_set)
    before, after = evaluate(old_set, profile, day, params), evaluate(new_set, profile, day, params)
    ids = list(measures) if measures is not None else list(dict.fromkeys(
        [r.id for r in before.measures] + [r.id for r in after.measures]))
    old_by_id, new_by_id = {r.id: r for r in before.measures}, {r.id: r for r in after.measures}
    differences: list[str] = []
    first: MeasureResult | None = None
    for measure in ids:
        was, now = old_by_id.get(measure), new_by_id.get(measure)
        if was is None or now is None:
            differences.append(f"{measure}: only in the {'new' if was is None else 'old'} version")
            continue
        changed = [f"{field} {_compared(was, field)} → {_compared(now, field)}" for field in compare
                   if _compared(was, field) != _compared(now, field)]
        if changed:
            differences.append(f"{measure}: " + "; ".join(changed))
            first = first or now
    if differences:
        explanation = f"\n  explanation of {first.id} in the new version:\n{_indented(first)}" if first else ""
        raise AssertionError("the two versions decide differently:\n  " + "\n  ".join(differences)
                             + f"\n  profile: {show_profile(profile)}" + explanation)
