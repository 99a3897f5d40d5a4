"""The compiled path gives the reference interpreter's answers, field for field."""

from __future__ import annotations

import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl.evaluate import compile as compiled
from policydsl.evaluate import interpret
from policydsl.values import Money
from tests.evaluate.helpers import policy_from
from tests.evaluate.test_semantics import MEASURES
from tests.facts import facts_for


def test_compiled_agrees_with_the_interpreter(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, MEASURES)
    params = st.fixed_dictionaries({}, optional={"cap": st.sampled_from(["100", "500"]).map(Money.of),
                                                 "threshold": st.sampled_from(["100", "150"]).map(Money.of)})

    @settings(max_examples=1000)
    @given(facts=facts_for(policy.schema), params=params,
           day=st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)))
    def prop(facts: dict[str, object], params: dict[str, object], day: datetime.date) -> None:
        reference = interpret.evaluate(policy, facts, params, day)
        fast = compiled.evaluate(policy, facts, params, day)
        assert fast.to_dict() == reference.to_dict()  # explanations included: they are rebuilt identically

    prop()
