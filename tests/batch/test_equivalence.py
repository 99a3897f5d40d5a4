"""The SQL path gives the Python path's answers, field for field: status, total, unknowns.

The reference is the compiled Python path, itself held equal to the interpreter by
tests/evaluate/test_compiled.py. Profiles are generated with unknown holes and the boundary
amounts of tests/facts.py (149.99, 150, 150.01万元 against a threshold of 150万元, …).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl import model as m
from policydsl.values import Money
from tests.batch.helpers import DATA, assert_same, profiles
from tests.conftest import SANMENXIA
from tests.facts import facts_for


@pytest.fixture(scope="module")
def core() -> m.Policy:
    return policydsl.load(DATA / "core").policy


@pytest.fixture(scope="module")
def rich() -> m.Policy:
    return policydsl.load(DATA / "rich").policy


def test_100000_profiles_in_one_query(core: m.Policy) -> None:
    # Twelve measures: Kleene logic, amendments, per-item grants under caps, quantifiers, sets,
    # dates, min/max, quotients and division by zero; a third of the profiles have unknown facts.
    facts = profiles(core.schema, 100_000, seed=0)
    assert assert_same(core, facts, {"cap": Money.of(500)}) == 100_000 * 3 * len(core.measures)


@pytest.mark.parametrize(("params", "day"), [
    ({}, datetime.date(2024, 6, 1)),  # the caps and thresholds unknown: bounds and named parameters
    ({"cap": Money.of(100), "threshold": Money.of(150)}, datetime.date(2022, 6, 1)),  # M4's window open
    ({"cap": Money.of(500)}, datetime.date(2026, 1, 1)),  # the policy no longer in force
])
def test_parameters_and_days(core: m.Policy, params: dict[str, object], day: datetime.date) -> None:
    assert_same(core, profiles(core.schema, 3_000, seed=day.year), params, day)


@pytest.mark.parametrize("params", [{}, {"base.cap": Money.of(500), "special_cap": Money.of(30),
                                          "base.threshold": Money.of(200)}])
def test_twenty_eight_measures(rich: m.Policy, params: dict[str, object]) -> None:
    # Reused benefits (`from`), amended definitions, reciprocal division, goals' definitions …
    assert_same(rich, profiles(rich.schema, 5_000, seed=1), params)


def test_long_lists_name_every_item(rich: m.Policy) -> None:
    # Items past the eighth are named by text rather than by a bit of the mask.
    assert_same(rich, profiles(rich.schema, 1_500, seed=2, max_items=12), {"base.cap": Money.of(500)})


def test_hypothesis_profiles(core: m.Policy) -> None:
    params = st.fixed_dictionaries({}, optional={"cap": st.sampled_from(["100", "500"]).map(Money.of),
                                                 "threshold": st.sampled_from(["100", "150"]).map(Money.of)})

    @settings(max_examples=20)
    @given(batch=st.lists(facts_for(core.schema), min_size=1, max_size=25), params=params,
           day=st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)))
    def prop(batch: list[dict[str, Any]], params: dict[str, object], day: datetime.date) -> None:
        assert_same(core, batch, params, day)

    prop()


def test_sanmenxia() -> None:
    try:
        policies = policydsl.load(SANMENXIA)
    except policydsl.PolicydslError:
        pytest.skip("the Sanmenxia policy does not load yet")
    policy = policies.policy
    params = {name: Money.of(500) for name, p in policy.parameters.items() if p.type.kind == "money"}
    for day in (datetime.date(2024, 6, 1), datetime.date(2026, 1, 1)):
        assert_same(policy, profiles(policy.schema, 3_000, seed=3), {}, day)
        assert_same(policy, profiles(policy.schema, 3_000, seed=4), params, day)
