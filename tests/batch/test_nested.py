"""Lists inside list items: the SQL path names the unknowns of nested lists as Python does.

An item of a nested list has no path known when compiling (`projects[i].phases[j].cost`), so its
unknown paths are text built per row, while the facts of the first items of a top-level list have
bits of a mask. The SQL path once learnt the shape of a loop body from a sample item whose path was
a constant; a list inside it then looked top-level, and the paths of its items were dropped from
the measure's unknowns. Python is the reference: every field must agree, nested lists included.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl import model as m
from policydsl.profile import read_profile
from policydsl.values import Money
from tests.batch.helpers import AS_OF, DATA, assert_same, profiles
from tests.facts import value_of

NESTED = policydsl.load(DATA / "nested.pol").policy
DEEP = policydsl.load(DATA / "nested_deep.pol").policy


def typed(policy: m.Policy, raw: dict[str, Any]) -> dict[str, Any]:
    return dict(read_profile(policy.schema, raw).values)


def facts(schema: m.Schema, entity: m.Entity | None = None, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Typed facts with unknown holes (None) and empty lists; a top-level list sometimes has more
    than the eight items whose facts have bits in the SQL path."""
    entity = entity or schema.root

    def fact(typ: m.Type) -> st.SearchStrategy[Any]:
        if typ.kind != "list":
            return value_of(typ, schema)
        item = facts(schema, schema.entities[typ.entity or ""], depth + 1)
        short = st.lists(item, max_size=3)
        return (short | st.lists(item, min_size=8, max_size=10) if depth == 0 else short).map(tuple)

    return st.fixed_dictionaries({f.name: st.none() | fact(f.type) for f in entity.facts})


def test_unknown_costs_in_a_nested_list() -> None:
    # `any p in projects: (any s in p.phases: (s.cost >= 100万元))` with every cost unknown.
    for raw in ({"projects": [{"phases": [{}, {}, {}]}, {}]},
                {"revenue": 3000, "projects": [{"phases": [{}, {}, {}]}, {}]},
                {"revenue": 3000, "projects": [{"phases": [{"cost": 1}, {}]}, {"phases": []}]},
                {"revenue": 3000, "projects": [{"phases": [{"cost": 1}] * 9 + [{}]}] * 9}):
        assert_same(NESTED, [typed(NESTED, raw)], {})


def test_the_measure_names_every_unknown_cost() -> None:
    policies = policydsl.load(DATA / "nested.pol")
    raw = {"revenue": 3000, "projects": [{"phases": [{}, {}, {}]}, {}]}
    unknowns = list(policies.evaluate(raw, as_of=AS_OF)["M2"].unknowns)
    assert unknowns == ["projects[0].phases[0].cost", "projects[0].phases[1].cost", "projects[0].phases[2].cost",
                        "projects[1].phases"]
    assert_same(NESTED, [typed(NESTED, raw)], {})


@pytest.mark.parametrize("policy", [NESTED, DEEP], ids=["nested", "nested_deep"])
def test_hypothesis_nested_profiles(policy: m.Policy) -> None:
    params = st.fixed_dictionaries({}, optional={"cap": st.sampled_from(["10", "500"]).map(Money.of)})

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(batch=st.lists(facts(policy.schema), min_size=1, max_size=20), params=params,
           day=st.sampled_from([AS_OF, datetime.date(2031, 1, 1)]))
    def prop(batch: list[dict[str, Any]], params: dict[str, object], day: datetime.date) -> None:
        assert_same(policy, batch, params if policy is DEEP else {}, day)

    prop()


@pytest.mark.parametrize("max_items", [3, 12])
def test_many_generated_nested_profiles(max_items: int) -> None:
    # Three levels of lists, loops inside per-item benefits, definitions and amounts; lists past
    # the eighth item, whose paths are text even at the top level.
    for params in ({}, {"cap": Money.of(30)}):
        assert_same(DEEP, profiles(DEEP.schema, 1_000, seed=max_items, max_items=max_items), params)
    assert_same(NESTED, profiles(NESTED.schema, 3_000, seed=max_items, max_items=max_items), {})
