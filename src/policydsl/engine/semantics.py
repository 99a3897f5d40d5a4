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
from policydsl.engine import intervals
from policydsl.result import BenefitResult
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
    # Two numbers (known or bounded): the value lies between them (docs/semantics.md, intervals).
    kind = _number_kind(then) or _number_kind(otherwise)
    if kind is not None:
        within = intervals.hull(condition, then, otherwise, kind)
        if within is not None:
            return within
    return merge_unknown(condition, then, otherwise)


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
