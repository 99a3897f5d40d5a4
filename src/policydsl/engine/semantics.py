"""The value-level rules both engines share: arithmetic, caps, statuses and totals.

The reference interpreter and the compiled closures call the same functions here, so the two can
differ only in how they walk expressions, never in what a value means.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

import attrs

from policydsl import model as m
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
    condition's unknowns and those of each side (any of them could decide it)."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    if not isinstance(then, Unknown) and not isinstance(otherwise, Unknown) and then == otherwise:
        return otherwise
    merged = merge_unknown(condition, then, otherwise)
    # Two numbers (or bounded unknown numbers) either side: the value lies between them. This is
    # what makes `if x then 15 else 0` an indicator of [0, 15] when x is unknown.
    low_then, high_then = bounds(then)
    low_else, high_else = bounds(otherwise)
    if None not in (low_then, high_then, low_else, high_else):
        return Unknown(merged.paths, low=min(low_then, low_else), high=max(high_then, high_else))  # type: ignore[type-var]
    return merged


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


def at_least(value: object, floor: Decimal) -> object:
    """`value >= floor` for a score or subtotal: decided by its bounds when it is unknown."""
    if not isinstance(value, Unknown):
        return value >= floor  # type: ignore[operator]
    if value.low is not None and value.low >= floor:  # type: ignore[operator]
        return True
    if value.high is not None and value.high < floor:  # type: ignore[operator]
        return False
    return Unknown(value.paths)


def score_of(score: m.Score, values: list[object]) -> ScoreResult:
    """A measure's score from its indicators' values (in `score.indicators` order): the total,
    each group's subtotal and whether its floor is met, and the unknowns that keep any open."""
    by_name = {i.name: v for i, v in zip(score.indicators, values, strict=True)}
    total = points_sum(values)
    groups = []
    for group in score.groups:
        subtotal = points_sum([by_name[i.name] for i in group.indicators])
        met = True if group.floor is None else at_least(subtotal, group.floor)
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
        elif isinstance(chosen, Unknown) and chosen is not value:
            undecided = (*undecided, amendment)
        value = chosen
    return Amended(value, by, undecided)


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


def total_of(benefits: list[BenefitResult]) -> Money | None:
    applying = [b for b in benefits if b.applies is True]
    if any(b.amount is None and (b.at_most is not None or b.missing_params or b.unknowns) for b in applying):
        return None
    amounts = [b.amount for b in applying if b.amount is not None]
    if not amounts:
        return None
    return Money(sum((a.yuan for a in amounts), Decimal(0)))


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
