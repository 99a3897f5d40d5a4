"""Exact unknowns: an undetermined measure re-evaluated over the completions of its finite unknowns.

Kleene logic and intervals are sound but not complete: `srdi and p.investment >= threshold`, where
an amendment sets the threshold to 150万元 exactly when `srdi` holds, is unknown for an unknown SRDI
level although no level makes it true (every project is below 150万元). So after the closures give
a measure `undetermined`, each unknown it names whose values can be listed (a bool, an enum, the
members of a set, a ranged integer, a parameter with a range; also a field of a list item) is
given every value in turn, when the number of combinations is at most `MOST_COMPLETIONS`, and the
measure is evaluated again for each (docs/semantics.md, "Exact unknowns"):

- every completion gives the same decided status → that status, naming no unknown (the benefits
  keep the first pass's results, which the explanation shows);
- otherwise undetermined, naming the listed unknowns whose value changes the outcome (two
  completions that differ in it alone give different statuses, or leave it open), and the other
  unknowns that the undetermined completions name.

A completion may name unknowns the first pass did not reach (a short-circuited `and`); these are
added and the completions drawn again, a few rounds at most.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

from policydsl import model as m

MOST_COMPLETIONS = 4096
_ROUNDS = 4
_ITEM_FIELD = re.compile(r"(?P<list>[^\W\d]\w*)\[(?P<index>\d+)\]\.(?P<field>[^\W\d]\w*)")

# A measure's row as the closures build it: status, agencies, benefits, total, unknowns, targets.
Row = tuple[Any, ...]
Evaluate = Callable[[Mapping[str, object], Mapping[str, object]], Row]


def values_of(typ: m.Type, minimum: object, maximum: object) -> tuple[object, ...] | None:
    """Every value of a finite type (None for an infinite one)."""
    if typ.kind == "bool":
        return (True, False)
    if typ.kind == "enum" and typ.enum is not None:
        return typ.enum.values
    if typ.kind == "set" and typ.enum is not None:
        members = typ.enum.values
        if 2 ** len(members) > MOST_COMPLETIONS:
            return None
        return tuple(frozenset(chosen) for size in range(len(members) + 1)
                     for chosen in itertools.combinations(members, size))
    if typ.kind == "integer" and minimum is not None and maximum is not None:
        low, high = int(minimum), int(maximum)  # type: ignore[call-overload]
        if high - low + 1 > MOST_COMPLETIONS:
            return None
        return tuple(range(low, high + 1))
    return None


class Completer:
    """Where each unknown path of one evaluation can be filled in, and with which values."""

    def __init__(self, policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object]) -> None:
        self.policy = policy
        self.facts = facts
        self.params = params

    def domain(self, path: str) -> tuple[object, ...] | None:
        """The values an unknown path may take, if finitely many and the path is really absent."""
        parameter = self.policy.parameters.get(path)
        if parameter is not None:
            if self.params.get(path) is not None:
                return None
            return values_of(parameter.type, parameter.minimum, parameter.maximum)
        fact = self.policy.schema.root.fact(path)
        if fact is not None:
            return None if self.facts.get(path) is not None else values_of(fact.type, fact.minimum, fact.maximum)
        found = _ITEM_FIELD.fullmatch(path)
        if found is None:
            return None
        items = self.facts.get(found["list"])
        list_fact = self.policy.schema.root.fact(found["list"])
        index = int(found["index"])
        if list_fact is None or list_fact.type.entity is None or not isinstance(items, tuple) or index >= len(items):
            return None
        field = self.policy.schema.entities[list_fact.type.entity].fact(found["field"])
        if field is None or items[index].get(found["field"]) is not None:
            return None
        return values_of(field.type, field.minimum, field.maximum)

    def complete(self, assignment: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
        """The facts and parameters with the assigned paths filled in."""
        facts, params = dict(self.facts), dict(self.params)
        for path, value in assignment.items():
            if path in self.policy.parameters:
                params[path] = value
                continue
            found = _ITEM_FIELD.fullmatch(path)
            if found is None:
                facts[path] = value
                continue
            items = list(facts[found["list"]])  # type: ignore[call-overload]
            index = int(found["index"])
            items[index] = {**items[index], found["field"]: value}
            facts[found["list"]] = tuple(items)
        return facts, params


def refine(row: Row, completer: Completer, evaluate: Evaluate) -> Row:
    """The row of an undetermined measure, decided or with fewer unknowns where its finite unknowns
    allow (the module's docstring); the row unchanged where there are none or too many."""
    if row[0] != "undetermined" or not row[4]:
        return row
    domains: dict[str, tuple[object, ...]] = {}
    seen: set[str] = set()
    pending = set(row[4])
    outcomes: dict[tuple[object, ...], Row] = {}
    for _ in range(_ROUNDS):
        grown = False
        for path in sorted(pending - seen):
            seen.add(path)
            values = completer.domain(path)
            if values is not None:
                domains[path] = values
                grown = True
        if not grown:
            break
        size = 1
        for values in domains.values():
            size *= len(values)
        if size > MOST_COMPLETIONS:
            return row
        names = tuple(domains)
        outcomes = {}
        for combination in itertools.product(*(domains[name] for name in names)):
            facts, params = completer.complete(dict(zip(names, combination, strict=True)))
            outcomes[combination] = evaluate(facts, params)
        pending = {u for out in outcomes.values() if out[0] == "undetermined" for u in out[4]}
    if not domains:
        return row
    names = tuple(domains)
    statuses = {out[0] for out in outcomes.values()}
    if len(statuses) == 1 and "undetermined" not in statuses:
        return decided(row, list(outcomes.values()))
    relevant = {name for position, name in enumerate(names) if _matters(outcomes, position)}
    others = {u for out in outcomes.values() if out[0] == "undetermined" for u in out[4] if u not in domains}
    unknowns = tuple(sorted(relevant | others))
    return (row[0], row[1], row[2], row[3], unknowns, row[5], *row[6:])  # type: ignore[return-value]


def _matters(outcomes: Mapping[tuple[object, ...], Row], position: int) -> bool:
    """Whether two completions that differ only at `position` can differ in outcome: different
    statuses, or one of them still undetermined (its other unknowns could make them differ)."""
    groups: dict[tuple[object, ...], set[str]] = {}
    for combination, out in outcomes.items():
        rest = combination[:position] + combination[position + 1:]
        groups.setdefault(rest, set()).add(out[0])
    return any(len(statuses) > 1 or "undetermined" in statuses for statuses in groups.values())


def decided(row: Row, outcomes: list[Row]) -> Row:
    """The row of a measure every completion decides alike: that status, no unknowns, the total
    where every completion gives the same. Its benefits keep the first pass's results (Kleene's,
    as the explanation traces them): the exactness is the measure's."""
    first = outcomes[0]
    totals = {out[3] for out in outcomes}
    total = first[3] if len(totals) == 1 else None
    return (first[0], row[1], row[2], total, (), row[5], *row[6:])  # type: ignore[return-value]
