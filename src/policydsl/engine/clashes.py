"""Profiles that show two amendments clash: both conditions hold and the values they set differ.

The checker refuses two amendments of one name that set different values without saying which
prevails (PD242). It cannot evaluate, so it cannot say whether both can hold; this stage can: it
tries the facts the two conditions read on values drawn from the conditions themselves (each
constant they compare with, a step either side of it, every enum value, true and false) and
evaluates both with the engine. The first profile on which both hold is added to the diagnostic.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs

from policydsl import model as m
from policydsl.diagnostics import Diagnostic
from policydsl.engine.closures import CompiledEvaluation, compiler_for
from policydsl.engine.explain import show
from policydsl.values import Money, plain

MAX_TRIES = 4096  # profiles evaluated per pair of amendments: well under a second
_STEP = {"money": Decimal("0.01"), "ratio": Decimal("0.0001"), "decimal": Decimal("0.01"), "integer": Decimal(1),
         "points": Decimal("0.01")}


def with_witnesses(policy: m.Policy, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics, each PD242 with a profile on which both amendments hold (or the news that
    none was found among the values tried)."""
    by_span = {a.span: a for a in policy.amendments if a.span is not None}
    out: list[Diagnostic] = []
    for diagnostic in diagnostics:
        later = by_span.get(diagnostic.span) if diagnostic.code == "PD242" and diagnostic.span else None
        earlier = by_span.get(diagnostic.labels[0].span) if later is not None and diagnostic.labels else None
        if later is None or earlier is None:
            out.append(diagnostic)
            continue
        target = next((t for t, _ in later.sets if any(t == u for u, _ in earlier.sets)
                       and f"'{t}'" in diagnostic.message), None)
        witness = find_witness(policy, earlier, later, target) if target is not None else None
        if witness is None:
            found = ("no profile was found on which both apply; if they never can, order them anyway, "
                     "which then changes nothing")
        else:
            profile, first, second = witness
            found = (f"for example the profile {profile} makes both apply: {earlier.id} gives {first}, "
                     f"{later.id} gives {second}")
        out.append(attrs.evolve(diagnostic, hint=f"{found}; {diagnostic.hint}" if diagnostic.hint else found))
    return out


def find_witness(policy: m.Policy, earlier: m.Amendment, later: m.Amendment,
                 target: str) -> tuple[str, str, str] | None:
    """(profile as JSON, the value each amendment gives) for a profile on which both hold."""
    day = _a_day_in_force(policy)
    exprs = [earlier.when, later.when, _value_for(earlier, target), _value_for(later, target)]
    facts = _facts_read(policy, exprs)
    if not facts:
        return None
    choices = [list(_candidates(fact, policy, exprs)) for fact in facts]
    compiler = compiler_for(policy)
    for values in _assignments(choices):
        profile = {fact.name: value for fact, value in zip(facts, values, strict=True) if value is not None}
        evaluation = CompiledEvaluation(compiler, profile, {}, day)
        if evaluation.quiet(earlier.when) is True and evaluation.quiet(later.when) is True:
            first = evaluation.quiet(_value_for(earlier, target))
            second = evaluation.quiet(_value_for(later, target))
            typ = _value_for(earlier, target).type
            types = {fact.name: fact.type for fact in facts}
            text = json.dumps({name: _profile_value(types[name], value) for name, value in profile.items()},
                              ensure_ascii=False)
            return text, show(first, typ), show(second, typ)
    return None


def _value_for(amendment: m.Amendment, target: str) -> m.TExpr:
    return next(value for name, value in amendment.sets if name == target)


def _a_day_in_force(policy: m.Policy) -> datetime.date:
    start = policy.header.window.start
    return start.date if start.kind == "date" and start.date is not None else datetime.date.today()


def _nodes(policy: m.Policy, exprs: Sequence[m.TExpr]) -> Iterator[m.TExpr]:
    """Every node of the expressions and of the definitions they name, each definition once."""
    seen: set[str] = set()
    stack = list(exprs)
    while stack:
        for node in m.walk(stack.pop()):
            yield node
            if isinstance(node, m.DefRef) and node.name not in seen:
                seen.add(node.name)
                stack.append(policy.definitions[node.name].expr)


def _facts_read(policy: m.Policy, exprs: Sequence[m.TExpr]) -> list[m.Fact]:
    """The facts of the enterprise the expressions read, through the definitions they name."""
    found = {node.fact.name: node.fact for node in _nodes(policy, exprs) if isinstance(node, m.FactRef)}
    order = {fact.name: index for index, fact in enumerate(policy.schema.root.facts)}
    return sorted(found.values(), key=lambda fact: order.get(fact.name, len(order)))


def _constants(policy: m.Policy, exprs: Sequence[m.TExpr]) -> Iterator[m.Const]:
    return (node for node in _nodes(policy, exprs) if isinstance(node, m.Const))


def _candidates(fact: m.Fact, policy: m.Policy, exprs: Sequence[m.TExpr]) -> Iterator[object]:
    """Values worth trying for a fact: the boundaries the conditions draw, and unknown last."""
    kind = fact.type.kind
    if kind == "bool":
        yield from (True, False)
    elif kind == "enum" and fact.type.enum is not None:
        yield from fact.type.enum.values
    elif kind == "set" and fact.type.enum is not None:
        values = fact.type.enum.values
        yield from (frozenset(values), frozenset(), *(frozenset({v}) for v in values))
    elif kind in _STEP:
        step = _STEP[kind]
        numbers = {Decimal(0)}
        for const in _constants(policy, exprs):
            value = const.value
            number = value.yuan / 10_000 if isinstance(value, Money) else value
            if isinstance(number, int | Decimal) and not isinstance(number, bool):
                numbers |= {Decimal(number), Decimal(number) + step, Decimal(number) - step}
        floor = fact.minimum if fact.minimum is not None else None
        for number in sorted(numbers):
            if floor is None or number >= floor:
                yield Money.of(number) if kind == "money" else int(number) if kind == "integer" else number
    elif kind == "date":
        days = {c.value for c in _constants(policy, exprs) if isinstance(c.value, datetime.date)}
        for day in sorted(days):
            yield from (day - datetime.timedelta(days=1), day, day + datetime.timedelta(days=1))
    yield None  # unknown: a condition may hold without the fact


def _assignments(choices: list[list[object]]) -> Iterator[tuple[object, ...]]:
    """Every combination while there are few; a fixed sample of them otherwise."""
    total = 1
    for values in choices:
        total *= len(values)
    if total <= MAX_TRIES:
        yield from itertools.product(*choices)
        return
    rng = random.Random(0)  # the same witness every time the policy is checked
    for _ in range(MAX_TRIES):
        yield tuple(rng.choice(values) for values in choices)


def _profile_value(typ: m.Type, value: object) -> object:
    """A typed value as a profile writes it (money in 万元 with its unit, ratios as percentages)."""
    if isinstance(value, Money):
        return f"{plain(value.in_unit())}万元"
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Decimal):
        if typ.kind == "ratio":
            return f"{plain(value * 100)}%"
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
