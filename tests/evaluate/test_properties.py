"""Invariants of the reference semantics on generated enterprises."""

from __future__ import annotations

import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl import model
from policydsl.values import Money
from tests.evaluate.helpers import policy_from, run
from tests.evaluate.test_semantics import MEASURES
from tests.facts import facts_for, fill_unknowns

_POLICY: list[model.Policy] = []


def _policy(tmp_path_factory_dir: Path) -> model.Policy:
    if not _POLICY:
        _POLICY.append(policy_from(tmp_path_factory_dir, MEASURES))
    return _POLICY[0]


def test_soundness_under_unknowns(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    params = st.fixed_dictionaries({}, optional={"cap": st.sampled_from(["100", "500"]).map(Money.of)})

    @settings(max_examples=300)
    @given(facts=facts_for(policy.schema), params=params, data=st.data())
    def prop(facts: dict[str, object], params: dict[str, object], data: st.DataObject) -> None:
        before = run(policy, facts, params)
        after = run(policy, fill_unknowns(facts, policy.schema, data), params)
        for old, new in zip(before.measures, after.measures, strict=True):
            if old.status in ("eligible", "not_eligible", "not_in_force", "not_applicable"):
                assert new.status == old.status, (old.id, old.status, new.status, old.unknowns)
            # an amount already known stays the same once the unknowns are known
            for old_b, new_b in zip(old.benefits, new.benefits, strict=False):
                if old_b.applies is True and old_b.amount is not None and old_b.item_path == new_b.item_path:
                    assert new_b.amount == old_b.amount

    prop()


def test_determinism(tmp_path: Path) -> None:
    policy = _policy(tmp_path)

    @settings(max_examples=100)
    @given(facts=facts_for(policy.schema), day=st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)))
    def prop(facts: dict[str, object], day: datetime.date) -> None:
        first = run(policy, facts, {}, as_of=day)
        second = run(policy, dict(reversed(list(facts.items()))), {}, as_of=day)
        assert first.to_json() == second.to_json()

    prop()
