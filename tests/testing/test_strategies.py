"""The profile strategies: valid profiles at every boundary, and bad ones labelled by their field."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl import model
from policydsl.profile import read_profile, read_value
from policydsl.testing import InvalidProfile, completions, invalid_profiles, profiles, thresholds
from policydsl.values import Money
from tests.testing.helpers import DAY, srdi

POLICY = srdi()
SCHEMA = POLICY.policy.schema


def _money(raw: object) -> Money:
    value = read_value(model.MONEY, raw, "money")
    assert isinstance(value, Money)
    return value


def test_thresholds_are_found_through_definitions_parameters_and_amendments() -> None:
    found = thresholds(POLICY)
    # literal in M2, and the base policy's parameter as M8's amendment sets it
    assert found["projects.investment"] == (Money.of(120), Money.of(150))
    # a parameter default (small.employees = 300), its amended value and the is_sme definition
    assert found["employees"] == (300, 1000)
    assert found["revenue"] == (Money.of(40000),)
    assert found["national_fund_received"] == (Money.of(0),)
    assert found["listed_on"] == (datetime.date(2020, 1, 1),)
    assert found["rd_expense / revenue"] == (Decimal("0.03"),)  # M6's target on rd_ratio
    # a supplied parameter is a threshold too
    supplied = thresholds(POLICY, params={"three_upgrades.threshold": 200})
    assert supplied["projects.investment"] == (Money.of(120), Money.of(150), Money.of(200))


def test_a_schema_alone_gives_profiles_without_boundaries() -> None:
    assert thresholds(SCHEMA) == {}

    @settings(max_examples=20)
    @given(profiles(SCHEMA))
    def valid(profile: dict[str, Any]) -> None:
        read_profile(SCHEMA, profile)

    valid()


def test_profiles_are_valid_json_and_read_back_the_same() -> None:
    @settings(max_examples=120)
    @given(profiles(POLICY))
    def valid(profile: dict[str, Any]) -> None:
        facts = read_profile(SCHEMA, profile).values
        again = read_profile(SCHEMA, json.loads(json.dumps(profile, ensure_ascii=False))).values
        assert again == facts
        POLICY.evaluate(profile, as_of=DAY)  # and every one of them evaluates

    valid()


def _features(profile: dict[str, Any]) -> set[str]:
    """What a profile shows of the variety the strategy promises."""
    seen: set[str] = set()
    for name in ("revenue", "srdi_level", "projects"):
        if name not in profile:
            seen.add(f"{name} left out")
        elif profile[name] is None:
            seen.add(f"{name} null")
    if isinstance(profile.get("srdi_level"), str):
        seen.add(f"srdi_level {profile['srdi_level']}")
    if isinstance(profile.get("projects"), list):
        seen.add(f"{len(profile['projects'])} projects")
        for project in profile["projects"]:
            raw = project.get("investment")
            if raw is None:
                seen.add("investment unknown")
                continue
            seen.add(f"investment {_money(raw)}")
            seen.add("money " + (type(raw).__name__ if not isinstance(raw, str) else raw.lstrip("0123456789. -")))
    for name in ("revenue", "rd_expense"):
        if isinstance(profile.get(name), str):
            seen.add("money " + profile[name].lstrip("0123456789. -"))
    if profile.get("revenue") is not None and profile.get("rd_expense") is not None:
        revenue, rd = _money(profile["revenue"]), _money(profile["rd_expense"])
        if revenue.yuan and rd.yuan / revenue.yuan == Decimal("0.03"):
            seen.add("rd_ratio 3%")
    if isinstance(profile.get("heritage_titles"), list):
        seen.add(f"{len(profile['heritage_titles'])} titles")
    return seen


def test_profiles_cover_boundaries_enum_values_units_unknowns_and_list_lengths() -> None:
    seen: set[str] = set()

    @settings(max_examples=300)
    @given(profiles(POLICY))
    def collect(profile: dict[str, Any]) -> None:
        seen.update(_features(profile))

    collect()
    wanted = {
        "investment 149.99万元", "investment 150万元", "investment 150.01万元",  # M2's threshold
        "investment 119.99万元", "investment 120万元", "investment 120.01万元",  # the amended base threshold
        "investment unknown",
        *(f"srdi_level {value}" for value in ("none", "innovative", "provincial", "little_giant")),
        "money int", "money float", "money 元", "money 万元", "money 亿元",
        "revenue left out", "revenue null", "srdi_level left out", "projects left out",
        "0 projects", "1 projects", "2 projects", "3 projects", "0 titles", "2 titles",
        "rd_ratio 3%",  # rd_expense / revenue put exactly at M6's target
    }
    assert wanted <= seen, sorted(wanted - seen)


def test_complete_profiles_know_every_fact() -> None:
    @settings(max_examples=50)
    @given(profiles(POLICY, unknowns=False))
    def complete(profile: dict[str, Any]) -> None:
        facts = read_profile(SCHEMA, profile).values
        assert all(value is not None for value in facts.values())
        for project in facts["projects"]:  # type: ignore[union-attr]
            assert all(value is not None for value in project.values())

    complete()


def test_overrides_fix_facts_and_fields_of_every_item() -> None:
    strategy = profiles(POLICY, srdi_level=st.sampled_from(["provincial", "little_giant"]), county=None,
                        **{"projects.category": "5g"})

    @settings(max_examples=50)
    @given(strategy)
    def fixed(profile: dict[str, Any]) -> None:
        assert profile["srdi_level"] in ("provincial", "little_giant")
        assert profile["county"] is None
        assert all(project["category"] == "5g" for project in profile.get("projects") or [])

    fixed()


def test_an_unknown_override_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match="did you mean 'srdi_level'"):
        profiles(POLICY, srdi_levle="provincial")


def test_completions_keep_what_is_known_and_fill_in_the_rest() -> None:
    @settings(max_examples=50)
    @given(st.data())
    def filled(data: st.DataObject) -> None:
        partial = data.draw(profiles(POLICY))
        complete = data.draw(completions(POLICY, partial))
        known, full = read_profile(SCHEMA, partial).values, read_profile(SCHEMA, complete).values
        assert all(value is not None for value in full.values())
        for name, value in known.items():
            if value is not None and name != "projects":
                assert full[name] == value
        if known["projects"] is not None:
            assert len(full["projects"]) == len(known["projects"])  # type: ignore[arg-type]
            for before, after in zip(known["projects"], full["projects"], strict=True):  # type: ignore[call-overload]
                assert all(v is not None for v in after.values())
                assert all(after[k] == v for k, v in before.items() if v is not None)

    filled()


def test_invalid_profiles_are_refused_at_the_field_they_label() -> None:
    codes: set[str] = set()

    @settings(max_examples=300)
    @given(invalid_profiles(POLICY))
    def refused(bad: InvalidProfile) -> None:
        with pytest.raises(policydsl.ProfileError) as error:
            POLICY.evaluate(bad.profile, as_of=DAY)
        assert [(d.path, d.code) for d in error.value.diagnostics] == [(bad.path, bad.code)], bad.reason
        codes.add(bad.code)

    refused()
    assert codes >= {"PD301", "PD302", "PD303", "PD304", "PD305", "PD306", "PD307", "PD310", "PD312"}
