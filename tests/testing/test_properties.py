"""The property assertions hold on the SRDI policy, fail on mutants, and find a planted bug."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl import model
from policydsl.api import PolicySet
from policydsl.profile import read_value
from policydsl.result import Result
from policydsl.testing import (
    assert_monotone,
    assert_same_decisions,
    assert_sound_under_unknowns,
    completions,
    profiles,
)
from policydsl.testing.properties import in_force_day
from policydsl.values import Money
from tests.testing.helpers import DAY, M2_THRESHOLD, srdi, variant

POLICY = srdi()
PROFILES = profiles(POLICY)
SRDI_PROJECT = {"srdi_level": "provincial", "projects": [{"category": "5g", "investment": 100}]}


def test_more_investment_never_loses_m2() -> None:
    @settings(max_examples=60)
    @given(PROFILES)
    def monotone(profile: dict[str, Any]) -> None:
        assert_monotone(POLICY, "M2", "projects.investment", "increasing", profile, as_of=DAY)

    monotone()


def test_a_higher_level_never_loses_m2_and_more_employees_never_gain_the_ip_service() -> None:
    @settings(max_examples=60)
    @given(PROFILES)
    def monotone(profile: dict[str, Any]) -> None:
        assert_monotone(POLICY, "M2", "srdi_level", "increasing", profile, as_of=DAY)
        assert_monotone(POLICY, "M8", "employees", "decreasing", profile, as_of=DAY)

    monotone()


def test_monotone_names_the_step_that_breaks_it(tmp_path: Path) -> None:
    below = policydsl.load(variant(tmp_path, M2_THRESHOLD, "and p.investment < 150万元"))
    with pytest.raises(AssertionError) as error:
        assert_monotone(below, "M2", "projects[0].investment", "increasing", SRDI_PROJECT, as_of=DAY)
    message = str(error.value)
    assert "raising projects[0].investment from 100万元 to 150万元 turned it from eligible into not_eligible" in message
    assert "explanation after the change" in message and "projects[0].investment (设备、软件、研发投资) = 150万元" in message


def test_monotone_refuses_what_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="no order"):
        assert_monotone(POLICY, "M2", "tech_sme", "increasing", {"tech_sme": True}, as_of=DAY)
    with pytest.raises(ValueError, match="not ordered"):
        assert_monotone(POLICY, "M4", "county", "increasing", {"county": "湖滨区"}, as_of=DAY)
    with pytest.raises(ValueError, match=r"no fact 'projects\.cost'"):
        assert_monotone(POLICY, "M2", "projects.cost", "increasing", SRDI_PROJECT, as_of=DAY)
    with pytest.raises(ValueError, match="no measure 'M9'"):
        assert_monotone(POLICY, "M9", "revenue", "increasing", {}, as_of=DAY)


def test_decisions_taken_with_unknowns_stand_once_the_facts_are_known() -> None:
    @settings(max_examples=60)
    @given(st.data())
    def sound(data: st.DataObject) -> None:
        partial = data.draw(PROFILES, label="partial")
        complete = data.draw(completions(POLICY, partial), label="complete")
        assert_sound_under_unknowns(POLICY, partial, complete, as_of=DAY, params={"three_upgrades.cap": 500})

    sound()


def test_soundness_needs_a_profile_that_extends_the_partial_one() -> None:
    with pytest.raises(ValueError, match="srdi_level is provincial, then none"):
        assert_sound_under_unknowns(POLICY, SRDI_PROJECT, {**SRDI_PROJECT, "srdi_level": "none"}, as_of=DAY)


class UnknownMeansNone(PolicySet):
    """An unsound engine: it reads an unknown SRDI level as "none" and so decides too early."""

    def evaluate(self, profile: Any, as_of: datetime.date | None = None,
                 params: Mapping[str, object] | None = None) -> Result:
        known = {name: value for name, value in profile.items() if value is not None}
        return super().evaluate({"srdi_level": "none", **known}, as_of=as_of, params=params)


def test_an_unsound_engine_is_caught() -> None:
    unsound = UnknownMeansNone(POLICY.policy)
    partial = {"projects": [{"category": "5g", "investment": 200}]}
    with pytest.raises(AssertionError) as error:
        assert_sound_under_unknowns(unsound, partial, {**partial, "srdi_level": "provincial"}, as_of=DAY)
    assert "M2: not_eligible with unknowns [], eligible once known" in str(error.value)
    assert_sound_under_unknowns(POLICY, partial, {**partial, "srdi_level": "provincial"}, as_of=DAY)


def test_same_decisions_on_a_copy_and_a_report_on_a_change(tmp_path: Path) -> None:
    copy = policydsl.load(variant(tmp_path / "copy", M2_THRESHOLD, M2_THRESHOLD))
    assert_same_decisions(POLICY, copy, SRDI_PROJECT, as_of=DAY,
                          compare=("status", "total", "unknowns", "agencies", "benefits"))
    richer = policydsl.load(variant(tmp_path / "richer", "amount p.investment * 40%", "amount p.investment * 50%"))
    profile = {"srdi_level": "provincial", "projects": [{"category": "5g", "investment": 187.5}]}
    with pytest.raises(AssertionError, match=r"M2: total 75万元 → 93\.75万元"):
        assert_same_decisions(POLICY, richer, profile, as_of=DAY, params={"three_upgrades.cap": 500})
    assert_same_decisions(POLICY, richer, profile, as_of=DAY, measures=["M3", "M4"])
    with pytest.raises(ValueError, match="cannot compare"):
        assert_same_decisions(POLICY, richer, {}, compare=("colour",))


def test_the_planted_bug_is_found_and_shrunk_to_the_boundary(tmp_path: Path) -> None:
    """`>=` changed to `>` in M2: comparing the versions on generated profiles finds it, and
    hypothesis shrinks the counterexample to one project investing exactly 150万元."""
    mutant = policydsl.load(variant(tmp_path, M2_THRESHOLD, "and p.investment > 150万元"))
    failing: list[dict[str, Any]] = []

    # No explain phase: it traces every line and is slow; the shrunk example is what we check.
    @settings(max_examples=500, phases=[Phase.generate, Phase.shrink])
    @given(PROFILES)
    def same(profile: dict[str, Any]) -> None:
        try:
            assert_same_decisions(POLICY, mutant, profile, as_of=DAY)
        except AssertionError:
            failing.append(profile)
            raise

    with pytest.raises(AssertionError) as error:
        same()
    shrunk = failing[-1]  # hypothesis replays the smallest failing example last
    assert shrunk == {"projects": [{"investment": 150}]}, shrunk
    (project,) = shrunk["projects"]
    assert read_value(model.MONEY, project["investment"], "investment") == Money.of(150)
    assert "M2: status undetermined → not_eligible" in str(error.value)
    assert any("Falsifying example" in note or "Failing test case" in note
               for note in getattr(error.value, "__notes__", []))


def test_the_day_of_evaluation_defaults_to_a_day_in_force() -> None:
    # The policy ends on 2025-12-31: after that, the assertions evaluate on its last day.
    day = in_force_day(POLICY)
    assert day == datetime.date.today() or day == datetime.date(2025, 12, 31)
