"""The engine (compiled closures) gives the independent reference's answers, field for field, on a
hand-written policy and on Sanmenxia; tests/reference/test_differential.py does the same on
generated policies, with the SQL lowering as a third engine."""

from __future__ import annotations

import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl.engine import closures as compiled
from policydsl.values import Money
from tests.evaluate.helpers import policy_from
from tests.evaluate.test_semantics import MEASURES
from tests.facts import facts_for
from tests.reference import evaluate as reference_evaluate
from tests.reference.test_differential import as_outcome


def test_compiled_agrees_with_the_reference(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, MEASURES)
    params = st.fixed_dictionaries({}, optional={"cap": st.sampled_from(["100", "500"]).map(Money.of),
                                                 "threshold": st.sampled_from(["100", "150"]).map(Money.of)})

    @settings(max_examples=1000)
    @given(facts=facts_for(policy.schema), params=params,
           day=st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)))
    def prop(facts: dict[str, object], params: dict[str, object], day: datetime.date) -> None:
        reference = reference_evaluate(policy, facts, params, day)
        assert as_outcome(compiled.evaluate(policy, facts, params, day)) == reference

    prop()


SANMENXIA = Path(__file__).resolve().parents[2] / "policies" / "sanmenxia"


def test_compiled_agrees_with_the_reference_on_sanmenxia() -> None:
    """The shipped policy, boundaries and unknowns included, measures read in any order."""
    import policydsl
    from policydsl.profile import read_profile
    from policydsl.testing import profiles

    policies = policydsl.load(SANMENXIA)
    policy = policies.policy
    params = st.fixed_dictionaries({}, optional={"three_upgrades.cap": st.sampled_from(["100", "500"]).map(Money.of),
                                                 "three_upgrades.threshold": st.just(Money.of("200")),
                                                 "sanmenxia.issued_on": st.sampled_from([datetime.date(2022, 3, 1),
                                                                                         datetime.date(2022, 9, 1)])})

    @settings(max_examples=300)
    @given(profile=profiles(policy), params=params,
           day=st.sampled_from([datetime.date(2020, 12, 31), datetime.date(2021, 1, 1), datetime.date(2022, 6, 30),
                                datetime.date(2024, 6, 1),
                                datetime.date(2025, 12, 31), datetime.date(2026, 1, 1)]))
    def prop(profile: dict[str, object], params: dict[str, object], day: datetime.date) -> None:
        facts = read_profile(policy.schema, profile).values
        reference = reference_evaluate(policy, facts, params, day)
        fast = compiled.evaluate(policy, facts, params, day)
        fast["M2"]  # one measure read before the rest, as a caller of result["M2"] would
        assert as_outcome(fast) == reference

    prop()
