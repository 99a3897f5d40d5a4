"""The value-level rules both engines share: arithmetic, caps, statuses and totals.

The reference interpreter and the compiled closures call the same functions here, so the two can
differ only in how they walk expressions, never in what a value means.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

import attrs

from policydsl import model as m
from policydsl.engine import intervals
from policydsl.result import BenefitResult, ScoreResult, SubtotalResult
from policydsl.values import Money, Unknown, merge_unknown, money

Env = Mapping[str, tuple[dict[str, object], str]]  # loop variable → (item, its profile path)
UNKNOWN_ITEM: dict[str, object] = {}  # stands for the items of a list that is not known


def amendments_by_target(policy: m.Policy) -> dict[str, list[m.Amendment]]:
    """The amendments of each parameter or definition they change, lowest priority first: each
    after those it prevails over (`over`), ties in declaration order. Reading the name folds them
    with `choose` in this order (semantics.md §9), so of the amendments that hold, the one that
    prevails gives the value. The checker refuses cycles, so the order exists."""
    ordered: list[m.Amendment] = []
    placed: set[str] = set()
    pending = list(policy.amendments)
    while pending:
        ready = next((a for a in pending if all(o in placed or o == a.id for o in a.over)), pending[0])
        pending.remove(ready)
        placed.add(ready.id)
        ordered.append(ready)
    amended: dict[str, list[m.Amendment]] = {}
    for amendment in ordered:
        for target, _ in amendment.sets:
            amended.setdefault(target, []).append(amendment)
    return amended


def choose(condition: object, then: object, otherwise: object) -> object:
    """`then` where the condition is true, `otherwise` where it is false. Where it is unknown, the
    value is known only if both sides are known and equal; else it is unknown, naming the
    condition's unknowns and those of each side (any of them could decide it), and bounded by the
    hull of the two sides where both are numbers, known or bounded (semantics.md, intervals)."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    if not isinstance(then, Unknown) and not isinstance(otherwise, Unknown) and then == otherwise:
        return otherwise
    kind = _number_kind(then) or _number_kind(otherwise)
    if kind is not None:
        within = intervals.hull(condition, then, otherwise, kind)
        if within is not None:
            return within
    return merge_unknown(condition, then, otherwise)


def bounds(value: object) -> tuple[Any, Any]:
    """The inclusive bounds of a number: itself twice when known, an unknown's `low`/`high`
    (None where unbounded), (None, None) for anything that is not a number."""
    if isinstance(value, Unknown):
        return value.low, value.high
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value, value
    return None, None


def points_sum(values: list[object]) -> object:
    """A score or subtotal: the sum of its indicators. Known when all are; else an unknown naming
    every indicator's unknowns, bounded by the sums of the bounds where all of them are bounded."""
    if not any(isinstance(v, Unknown) for v in values):
        return sum((Decimal(v) for v in values), Decimal(0))  # type: ignore[arg-type]
    lows, highs = zip(*(bounds(v) for v in values), strict=True)
    low = None if None in lows else sum((Decimal(v) for v in lows), Decimal(0))
    high = None if None in highs else sum((Decimal(v) for v in highs), Decimal(0))
    return Unknown(merge_unknown(*values).paths, low=low, high=high)


def reaches(value: object, floor: Decimal) -> object:
    """`value >= floor` for a score or subtotal: decided by its bounds when it is unknown
    (`intervals.compare`), else unknown naming what keeps it open."""
    decided = intervals.compare(">=", value, floor)
    return Unknown(value.paths) if decided is None and isinstance(value, Unknown) else decided


def score_of(score: m.Score, values: list[object]) -> ScoreResult:
    """A measure's score from its indicators' values (in `score.indicators` order): the total,
    each group's subtotal and whether its floor is met, and the unknowns that keep any open."""
    by_name = {i.name: v for i, v in zip(score.indicators, values, strict=True)}
    total = points_sum(values)
    groups = []
    for group in score.groups:
        subtotal = points_sum([by_name[i.name] for i in group.indicators])
        met = True if group.floor is None else reaches(subtotal, group.floor)
        groups.append(SubtotalResult(group.name, group.label, subtotal, group.floor, truth(met)))
    open_paths = merge_unknown(*values).paths
    indicators = tuple((i.name, i.label, i.group, v) for i, v in zip(score.indicators, values, strict=True))
    return ScoreResult(score.label, total, tuple(groups), tuple(sorted(open_paths)), indicators)


def floors_met(result: ScoreResult) -> object:
    """Every group's subtotal at least its floor (Kleene `and`)."""
    unknown = [g for g in result.subtotals if g.floor_met is None]
    if any(g.floor_met is False for g in result.subtotals):
        return False
    if unknown:
        return merge_unknown(*(g.value for g in unknown))
    return True


def in_force(policy: m.Policy, measure: m.Measure, day: datetime.date,
             params: Mapping[str, object]) -> bool | None:
    """Whether a measure is in force on a day: its own window and, for the policy's own measures,
    the policy's; None where a bound known only to its year leaves it open (semantics.md §11)."""
    own = measure.own_window.state(day, params) if measure.own_window is not None else True
    whole = policy.header.window.state(day, params) if measure.policy == policy.header.id else True
    if own is False or whole is False:
        return False
    return None if own is None or whole is None else True


def window_unknowns(policy: m.Policy, measure: m.Measure) -> tuple[str, ...]:
    """The date parameters that would decide a window left open by a year bound."""
    names = list(measure.own_window.day_params()) if measure.own_window is not None else []
    if measure.policy == policy.header.id:
        names += policy.header.window.day_params()
    return tuple(sorted(set(names)))


def version_in_force(policy: m.Policy, measure: m.Measure, day: datetime.date,
                     params: Mapping[str, object]) -> tuple[m.Measure | None, bool]:
    """The version of a measure in versions in force on a day (None: none is), and whether a year
    bound leaves that open."""
    undecided = False
    for version in measure.versions:
        state = in_force(policy, version, day, params)
        if state is True:
            return version, False
        undecided = undecided or state is None
    return None, undecided


def _number_kind(value: object) -> str | None:
    """The kind of a number, or of an unknown number's bounds; None for anything else."""
    if isinstance(value, Unknown):
        value = value.low if value.low is not None else value.high
    return intervals.kind_of(value) if intervals.is_number(value) else None


@attrs.frozen
class Amended:
    """A value read through its amendments: the value, the amendment that gave it (None: the base
    value stands) and the amendments whose unknown condition left it unknown."""

    value: object
    by: m.Amendment | None
    undecided: tuple[m.Amendment, ...]


def fold_amendments(base: object, steps: list[tuple[m.Amendment, object, object]]) -> Amended:
    """`choose` over the amendments of one name, lowest priority first (`amendments_by_target`):
    each step is (amendment, its condition's value, its value for the name)."""
    value, by = base, None
    undecided: tuple[m.Amendment, ...] = ()
    for amendment, holds, new in steps:
        chosen = choose(holds, new, value)
        if holds is True:
            by, undecided = amendment, ()
        elif holds is not False and isinstance(chosen, Unknown) and chosen is not value:
            undecided = (*undecided, amendment)
        value = chosen
    return Amended(value, by, undecided)


def at_least(value: object, minimum: Decimal | None, paths: Callable[[], frozenset[str]]) -> object:
    """An amendment's value for a parameter with a minimum (§8): a value computed below it is
    unknown, named by the facts and parameters it was computed from (`paths`), as a division by
    zero is: the parameter never holds a value it cannot have, nothing is clamped silently, and one
    enterprise's facts never stop an evaluation or a batch."""
    if minimum is None or isinstance(value, Unknown):
        return value
    number = value.in_unit() if isinstance(value, Money) else value
    if number < minimum:  # type: ignore[operator]
        return Unknown(paths(), f"below the parameter's minimum {minimum}")
    return value


def truth(value: object) -> bool | None:
    """A Kleene truth value as Python's: True, False or None for unknown."""
    return None if isinstance(value, Unknown) else bool(value)


def arithmetic(op: str, left: Any, right: Any, divisor_paths: Any) -> object:
    """Exact arithmetic on money, ratios and numbers; division by zero is unknown."""
    if op == "+":
        return money(left.yuan + right.yuan) if isinstance(left, Money) else left + right
    if op == "-":
        return money(left.yuan - right.yuan) if isinstance(left, Money) else left - right
    if op == "*":
        if isinstance(left, Money):
            return money(left.yuan * right)
        if isinstance(right, Money):
            return money(right.yuan * left)
        return left * right
    divisor = right.yuan if isinstance(right, Money) else right
    if divisor == 0:
        return Unknown(divisor_paths(), "division by zero")
    try:
        if isinstance(left, Money):
            quotient = left.yuan / divisor
            return quotient if isinstance(right, Money) else Money(quotient)
        return Decimal(left) / Decimal(divisor)
    except (DivisionByZero, InvalidOperation):  # pragma: no cover - guarded above
        return Unknown(divisor_paths(), "division by zero")


def capped(raw: object, cap: object) -> tuple[Money | None, Money | None, set[str]]:
    """(amount, at_most, unknown paths) of `min(raw, cap)`, keeping the bound that is known."""
    if cap is None:
        if isinstance(raw, Unknown):
            return None, None, set(raw.paths)
        return raw, None, set()  # type: ignore[return-value]
    if isinstance(raw, Unknown) and isinstance(cap, Unknown):
        return None, None, set(raw.paths | cap.paths)
    if isinstance(cap, Unknown):
        return None, raw, set(cap.paths)  # type: ignore[return-value]
    if isinstance(raw, Unknown):
        return None, cap, set(raw.paths)  # type: ignore[return-value]
    assert isinstance(raw, Money) and isinstance(cap, Money)
    return min(raw, cap), None, set()


def fixed_status(measure: m.Measure, as_of: datetime.date) -> str | None:
    """The status a measure has on this day whatever the enterprise, if it has one: out of its
    window it is not in force; a measure that gives nothing (a directive) is not applicable."""
    if not measure.window.contains(as_of):
        return "not_in_force"
    if not measure.benefits:
        return "not_applicable"
    return None


def status_of(measure: m.Measure, benefits: list[BenefitResult]) -> str:
    if not measure.benefits:
        return "not_applicable"
    if any(b.applies is True for b in benefits):
        return "eligible"
    if any(b.applies is None for b in benefits):
        return "undetermined"
    return "not_eligible"


def priced(measure: m.Measure) -> frozenset[str]:
    """The ids of a measure's benefits that have an amount: one of them that applies without a
    known amount leaves the measure without a total, even when nothing is named (§13)."""
    return frozenset(b.id for b in measure.benefits if b.amount is not None)


def total_of(benefits: list[BenefitResult], with_amount: frozenset[str]) -> Money | None:
    """The sum of the amounts of the benefits that surely apply; none when one of them has an
    amount (`with_amount`: `priced`) that is not known — an `at_most`, a missing parameter, an
    unknown fact or a division by zero that names nothing — or when none has an amount (§13)."""
    applying = [b for b in benefits if b.applies is True]
    if any(b.amount is None and b.id in with_amount for b in applying):
        return None
    amounts = [b.amount for b in applying if b.amount is not None]
    if not amounts:
        return None
    return Money(sum((a.yuan for a in amounts), Decimal(0)))


def whole_path(expr: m.TExpr, env: Env) -> str:
    """Where an item or a list compared whole is in the profile: `projects[1]`, `projects[1].phases`."""
    if isinstance(expr, m.VarRef):
        return env[expr.var][1]
    return collection_path(expr, env)


def equal_wholes(left: object, right: object, left_path: str, right_path: str) -> object:
    """`=` on two items or two lists (semantics.md §4): Kleene's `and` over what they hold. Lists
    of different lengths differ; otherwise items are compared in order, and two items fact by fact.
    A known fact that differs decides false; else an unknown fact (on either side) leaves it
    unknown, named by its path; so an item is not known to equal even itself while a fact of it
    is unknown, as `revenue = revenue` is unknown while `revenue` is."""
    if left is UNKNOWN_ITEM or right is UNKNOWN_ITEM:  # an item of an unknown list: the list names it
        return Unknown(frozenset(path for item, path in ((left, left_path), (right, right_path))
                                 if item is UNKNOWN_ITEM))
    pairs: list[tuple[object, object, str, str]]
    if isinstance(left, tuple) and isinstance(right, tuple):
        if len(left) != len(right):
            return False
        pairs = [(a, b, f"{left_path}[{i}]", f"{right_path}[{i}]")
                 for i, (a, b) in enumerate(zip(left, right, strict=True))]
    else:
        assert isinstance(left, dict) and isinstance(right, dict)
        pairs = [(left.get(f), right.get(f), f"{left_path}.{f}", f"{right_path}.{f}")
                 for f in dict.fromkeys([*left, *right])]
    unknown: set[str] = set()
    for a, b, a_path, b_path in pairs:
        if a is None or b is None:
            unknown |= {path for value, path in ((a, a_path), (b, b_path)) if value is None}
            continue
        same = equal_wholes(a, b, a_path, b_path) if isinstance(a, tuple | dict) else a == b
        if same is False:
            return False
        if isinstance(same, Unknown):
            unknown |= same.paths
    return Unknown(frozenset(unknown)) if unknown else True


def collection_path(expr: m.TExpr, env: Env) -> str:
    if isinstance(expr, m.FactRef):
        return expr.fact.name
    if isinstance(expr, m.FieldRef):
        return f"{env[expr.var][1]}.{expr.fact.name}"
    return expr_text(expr) or "list"


def expr_text(expr: m.TExpr) -> str | None:
    """The expression as written, on one line (explanations show it under each clause). Not kept:
    the compiled explainer asks once per clause when it is built, and keeps its node."""
    return " ".join(expr.span.text.split()) if expr.span is not None else None


# ---- list aggregates (semantics.md §6 "List aggregates") and comparisons of bounded unknowns


def _add(a: Any, b: Any) -> Any:
    return None if a is None or b is None else (money(a.yuan + b.yuan) if isinstance(a, Money) else a + b)


def _lower(a: Any, b: Any) -> Any:
    return None if a is None or b is None else min(a, b)


def _upper(a: Any, b: Any) -> Any:
    return None if a is None or b is None else max(a, b)


def zero_of(typ: m.Type) -> object:
    """The sum of no values: 0 of the sum's type."""
    return money(Decimal(0)) if typ.kind == "money" else 0 if typ.kind == "integer" else Decimal(0)


def declared_minimum(expr: m.TExpr | None) -> object | None:
    """The minimum a read fact declares (`paid_in : money >= 0`), as a value of its type: the
    low bound of the fact when it is unknown (a profile value below it is refused, PD304)."""
    if not isinstance(expr, m.FactRef | m.FieldRef | m.RecordRef) or expr.fact.minimum is None:
        return None
    minimum = expr.fact.minimum
    if expr.type.kind == "money":
        return Money.of(minimum)
    return int(minimum) if expr.type.kind == "integer" and minimum == int(minimum) else minimum


def list_source(policy: m.Policy, expr: m.TExpr) -> m.TExpr:
    """The expression a list is read from, through the definitions that only name it
    (`define ps = projects`): its items are named by their place in the profile (semantics §5)."""
    seen: set[str] = set()
    while isinstance(expr, m.DefRef) and expr.name not in seen and expr.name in policy.definitions:
        seen.add(expr.name)
        expr = policy.definitions[expr.name].expr
    return expr


def value_bounds(value: object, minimum: object | None) -> tuple[Any, Any]:
    """(low, high) of an item's value: itself when known; an unknown's own bounds, the low raised
    to the fact's declared minimum (`paid_in : money >= 0`) when it has none."""
    if not isinstance(value, Unknown):
        return value, value
    low = value.low if value.low is not None else minimum
    return low, value.high


def fold_count(states: list[object]) -> object:
    """`count … where (f)` from each item's filter value (True, False or an unknown): known when
    every filter is; otherwise unknown, low = the items surely matching, high = those possibly."""
    sure = sum(1 for s in states if s is True)
    possible = sure + sum(1 for s in states if isinstance(s, Unknown))
    if sure == possible:
        return sure
    return Unknown(merge_unknown(*states).paths, low=sure, high=possible)


def fold_sum(items: list[tuple[object, object, object | None]], typ: m.Type) -> object:
    """`sum … where (f): (v)` from each item's (filter, value, the value's declared minimum); items
    whose filter is false are left out. An item that surely counts adds its value's bounds; one
    that may count adds 0 or its value: [min(0, low), max(0, high)]. Known when low = high."""
    zero = zero_of(typ)
    low: Any = zero
    high: Any = zero
    unknowns: list[object] = []
    for holds, value, minimum in items:
        if holds is False:
            continue
        a, b = value_bounds(value, minimum)
        if isinstance(holds, Unknown):
            unknowns.append(holds)
            a, b = _lower(zero, a), _upper(zero, b)
        low, high = _add(low, a), _add(high, b)
        if isinstance(value, Unknown):
            unknowns.append(value)
    if not unknowns or (low is not None and low == high):
        return low
    return Unknown(merge_unknown(*unknowns).paths, low=low, high=high)


def fold_extreme(op: str, items: list[tuple[object, object, object | None]], default: object) -> object:
    """`max … where (f): (v) default (d)` (`min` mirrored) from each item's (filter, value, the
    value's declared minimum): the largest value of the items that match, `d` when none does.
    With unknowns, each possibly matching item's value lies in [low, high] (None: unbounded):
    - some item surely matches: the result is at least the best known low of those items (max;
      for min: at most their best known high) and within the bounds of every possible item;
    - none surely matches: the result is `d` or a possible item's value: [min of all, max of all].
    Known when both bounds are equal."""
    if isinstance(default, Unknown):
        return merge_unknown(default, *(v for _, v, _ in items), *(h for h, _, _ in items))
    best = _upper if op == "max" else _lower
    sure: list[tuple[Any, Any]] = []
    possible: list[tuple[Any, Any]] = []
    unknowns: list[object] = []
    for holds, value, minimum in items:
        if holds is False:
            continue
        bounds = value_bounds(value, minimum)
        possible.append(bounds)
        if holds is True:
            sure.append(bounds)
        unknowns += [u for u in (holds, value) if isinstance(u, Unknown)]
    if not unknowns:
        values = [a for a, _ in possible]
        result = default
        if values:
            result = values[0]
            for v in values[1:]:
                result = best(result, v)
        return result
    if sure:
        # max: at least the largest known low of a sure item; at most the largest high of any.
        inner = [a if op == "max" else b for a, b in sure]
        known = [x for x in inner if x is not None]
        fixed = None
        for x in known:
            fixed = x if fixed is None else best(fixed, x)
        loose: Any = (possible[0][1] if op == "max" else possible[0][0])
        for a, b in possible[1:]:
            loose = best(loose, b if op == "max" else a)
        low, high = (fixed, loose) if op == "max" else (loose, fixed)
    else:
        low, high = default, default
        for a, b in possible:
            low, high = _lower(low, a), _upper(high, b)
    if low is not None and low == high:
        return low
    return Unknown(merge_unknown(*unknowns).paths, low=low, high=high)


def fold_unknown_list(op: str, items: Unknown, stand_in: str, holds: object, value: object,
                      minimum: object | None, default: object, typ: m.Type) -> object:
    """`count`/`sum`/`min`/`max` over a list that is not known, from the filter and the value on
    one stand-in item whose fields are unknown (named `stand_in`, the list's path): any number of
    items may be there, each like the stand-in. A filter surely false decides it as an empty list;
    else count is [0, unbounded); sum has low 0 where the value cannot be negative and high 0
    where it cannot be positive (else unbounded); max/min is the hull of `d` and the value's
    bounds. Named by the list's unknowns and the other unknowns of the filter and value."""
    if holds is False:
        return fold_count([]) if op == "count" else fold_sum([], typ) if op == "sum" else fold_extreme(op, [], default)
    others = merge_unknown(holds, value, default).paths - {stand_in}
    paths = items.paths | others
    if op == "count":
        return Unknown(paths, items.reason, low=0)
    if op != "sum" and isinstance(default, Unknown):
        return Unknown(paths, items.reason)
    a, b = value_bounds(value, minimum)
    if op == "sum":
        zero: Any = zero_of(typ)
        low = zero if a is not None and a >= zero else None
        high = zero if b is not None and b <= zero else None
    else:
        low, high = _lower(default, a), _upper(default, b)
    if low is not None and low == high:
        return low
    return Unknown(paths, items.reason, low=low, high=high)
