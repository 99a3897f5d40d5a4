"""The national gradient criteria: the independent reading against the spec's hand-worked examples,
and the encoding (policies/national) against the reading on generated profiles."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from tests.policies.national_reading import read

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "policies" / "national"
PROFILES = NATIONAL / "examples" / "profiles"
SPEC_SEED = NATIONAL / "source.txt"


def _read(name: str, as_of: str, params: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    profile = json.loads((PROFILES / name).read_text("utf-8"))
    return read(profile, datetime.date.fromisoformat(as_of), params)


def _score(m: dict[str, Any]) -> tuple[Any, ...]:
    return (m["status"], m["version"], m.get("score"), m.get("score_min"), m.get("score_max"), m["unknowns"])


# ---- (a) the reading against spec §11, values worked by hand in the spec ------------------------


def test_example_1_innovative_passes_on_score_and_srdi_straddles_60() -> None:
    r = _read("ex1-score-straddles.json", "2025-06-01")
    # #1 15 + #2 15 (3.2%) = 30; #3 15 (exactly 10%) + #4 5 (60%) = 20; #5 5 + #6 20 (88%) = 25
    assert _score(r["innovative"]) == ("eligible", "2022", 75, 75, 75, [])
    assert r["innovative"]["subtotals"] == {"innovation": (30, 30), "growth": (20, 20), "specialisation": (25, 25)}
    # 5+6+2+3+3+5+4+1+[0,15]+8+2+3+4 = [46, 61]; no route
    assert _score(r["srdi"]) == ("undetermined", "2022", None, 46, 61, ["local_feature_points"])
    assert _score(r["little_giant"])[:2] == ("not_eligible", "2022") and r["little_giant"]["unknowns"] == []


@pytest.mark.parametrize(("points", "status", "score"), [(14, "eligible", 60), (13, "not_eligible", 59)])
def test_example_1_with_the_parameter(points: int, status: str, score: int) -> None:
    srdi = _read("ex1-score-straddles.json", "2025-06-01", {"local_feature_points": points})["srdi"]
    assert _score(srdi) == (status, "2022", score, score, score, [])


def test_example_2_a_group_floor_fails_and_a_direct_route_rescues() -> None:
    r = _read("ex2-growth-floor.json", "2024-09-15")
    # 20 + 20 = 40; growth −5% → 0 and 80% → 0 = 0 < 15; 10 + 20 = 30: total 70 but the floor fails
    assert _score(r["innovative"]) == ("not_eligible", "2022", 70, 70, 70, [])
    assert r["innovative"]["subtotals"] == {"innovation": (40, 40), "growth": (0, 0), "specialisation": (30, 30)}
    # 5+6+3+0+0+0+0+0+[0,15]+10+6+5+0 = [35, 50]; no innovative title → not_eligible, score still open
    assert _score(r["srdi"]) == ("not_eligible", "2022", None, 35, 50, ["local_feature_points"])
    assert r["little_giant"]["status"] == "not_eligible"
    rescued = _read("ex2-high-tech.json", "2024-09-15")["innovative"]  # route (二): a valid 高新技术企业 title
    assert _score(rescued) == ("eligible", "2022", 70, 70, 70, [])


def test_example_3_unknown_revenue() -> None:
    r = _read("ex3-unknown-revenue.json", "2025-03-10")
    # #1 0 (transferred 2024-06-01 > 2024-03-10), #2 [0,20], #3 20, #4 10, #5 [5,10], #6 [0,20];
    # route (四): 300 (on the window's first day) + 250 = 550 ≥ 500
    assert _score(r["innovative"]) == ("eligible", "2022", None, 35, 80, ["lead_product_fields", "revenue.2024"])
    assert r["innovative"]["subtotals"] == {"innovation": (0, 20), "growth": (30, 30), "specialisation": (5, 30)}
    # [0,5]+10+2+[0,5]+3+3+[0,10]+5+[0,15]+0+10+5+0 = [38, 73]
    assert _score(r["srdi"]) == ("undetermined", "2022", None, 38, 73,
                                 ["lead_product_fields", "local_feature_points", "revenue.2024"])
    assert r["little_giant"]["status"] == "not_eligible" and r["little_giant"]["unknowns"] == []


def test_example_4_the_version_switch() -> None:
    before = _read("ex4-version-switch.json", "2026-03-31")
    # excluded by the valid srdi title; 15+20 / 10+10 / 5+20 = 80
    assert _score(before["innovative"]) == ("not_eligible", "2022", 80, 80, 80, [])
    # 5+8+5+3+5+5+8+3+[0,15]+8+10+3+8 = [71, 86] ≥ 60 surely
    assert _score(before["srdi"]) == ("eligible", "2022", None, 71, 86, ["local_feature_points"])
    assert before["little_giant"]["status"] == "eligible" and before["little_giant"]["version"] == "2022"
    after = _read("ex4-version-switch.json", "2026-04-01")
    assert _score(after["innovative"]) == ("not_eligible", "2022", 80, 80, 80, [])
    assert (after["srdi"]["status"], after["srdi"]["version"], after["srdi"].get("score")) == ("eligible", "2026", None)
    # (二) 85% < 90%; (四) 3 < 4
    assert (after["little_giant"]["status"], after["little_giant"]["version"]) == ("not_eligible", "2026")


def test_example_4b_little_giant_2026_on_the_edges() -> None:
    r = _read("ex4b-little-giant-2026.json", "2026-04-01")
    assert (r["little_giant"]["status"], r["little_giant"]["version"]) == ("eligible", "2026")
    assert r["innovative"]["score"] == 85  # #3: 10890 / 9570 − 1 = 13.8% → 15


def test_before_2022_nothing_is_in_force() -> None:
    r = _read("ex4-version-switch.json", "2022-05-31")
    assert {(m["status"], m["version"]) for m in r.values()} == {("not_in_force", None)}


def test_every_spec_quote_is_in_the_source_and_in_the_policy() -> None:
    source = SPEC_SEED.read_text("utf-8")
    spec = (ROOT.parent.parent / "shared" / "spec" / "national-criteria.md")
    if spec.exists():
        for quote in re.findall(r"「([^」]*)」", spec.read_text("utf-8")):
            assert quote in source, quote
    for pol in NATIONAL.glob("*.pol"):
        for quote in re.findall(r'quote "([^"]*)"', pol.read_text("utf-8")):
            assert quote in source, (pol.name, quote)


# ---- (b) the encoding against the reading -------------------------------------------------------


@cache
def _policy() -> policydsl.PolicySet | str:
    """The loaded policy, or why it does not load yet (the language features it uses)."""
    try:
        return policydsl.load(NATIONAL)
    except Exception as error:  # a PolicyError listing the diagnostics
        lines = str(error).splitlines()
        return "policies/national does not load yet: " + " | ".join(lines[:3])


def _loaded() -> policydsl.PolicySet:
    policy = _policy()
    if isinstance(policy, str):
        pytest.skip(policy)
    return policy


def _num(value: Any) -> Fraction | None:
    return None if value is None else Fraction(Decimal(str(value)))


def _actual(policy: policydsl.PolicySet, profile: dict[str, Any], as_of: datetime.date,
            params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    document = policy.evaluate(profile, as_of=as_of, params=params).to_dict(explanation=False)
    out = {}
    for m in document["measures"]:
        entry: dict[str, Any] = {"status": m["status"], "version": m.get("version"), "unknowns": sorted(m["unknowns"])}
        if m.get("score_min") is not None or m.get("score") is not None:
            entry.update(score=_num(m.get("score")), score_min=_num(m.get("score_min", m.get("score"))),
                         score_max=_num(m.get("score_max", m.get("score"))))
        if m.get("subtotals"):
            entry["subtotals"] = {
                k: (_num(v.get("score_min", v.get("score"))), _num(v.get("score_max", v.get("score"))))
                for k, v in m["subtotals"].items()}
        out[m["id"]] = entry
    return out


@pytest.mark.parametrize(("name", "as_of", "params"), [
    ("ex1-score-straddles.json", "2025-06-01", {}),
    ("ex1-score-straddles.json", "2025-06-01", {"local_feature_points": 14}),
    ("ex2-growth-floor.json", "2024-09-15", {}),
    ("ex2-high-tech.json", "2024-09-15", {}),
    ("ex3-unknown-revenue.json", "2025-03-10", {}),
    ("ex4-version-switch.json", "2026-03-31", {}),
    ("ex4-version-switch.json", "2026-04-01", {}),
    ("ex4b-little-giant-2026.json", "2026-04-01", {}),
])
def test_the_encoding_agrees_with_the_reading_on_the_spec_examples(name: str, as_of: str, params: dict[str, Any]) -> None:
    policy = _loaded()
    profile = json.loads((PROFILES / name).read_text("utf-8"))
    day = datetime.date.fromisoformat(as_of)
    assert _actual(policy, profile, day, params) == read(profile, day, params)


def test_the_in_language_examples_pass() -> None:
    from policydsl.examples import run_examples

    policy = _loaded()
    runs = list(run_examples(policy))
    failures = [c.describe() for r in runs for c in r.checks if not c.ok] + [r.error for r in runs if r.error]
    assert runs and not failures, "\n".join(str(f) for f in failures)


# Generated profiles: each fact drawn near the band edges of the tables, or left unknown.
_YEARS = range(2019, 2027)
_maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
_amount = st.sampled_from([0, 50, 99, 100, 150, 200, 300, 400, 500, 1000, 1500, 3000, 4999, 5000, 6000,
                           9999, 10000, 12100, "250万元", "1.5亿元", "1500000元"])
_bool = _maybe(st.booleans())
_date = _maybe(st.dates(datetime.date(2018, 1, 1), datetime.date(2027, 12, 31)).map(datetime.date.isoformat))


def _series(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return _maybe(st.dictionaries(st.sampled_from([str(y) for y in _YEARS]), _maybe(values), max_size=6))


def _records(fields: dict[str, st.SearchStrategy[Any]], size: int = 4) -> st.SearchStrategy[Any]:
    return _maybe(st.lists(st.fixed_dictionaries({}, optional=fields), max_size=size))


profiles = st.fixed_dictionaries({}, optional={
    "revenue": _series(_amount), "main_business_revenue": _series(_amount), "rd_expense": _series(_amount),
    "net_profit": _series(st.sampled_from([-120, 0, 100, 260, 500, 1100])),
    "total_assets": _series(_amount), "total_liabilities": _series(_amount),
    "quality_score": _series(st.sampled_from([0, 49.99, 50, 59.99, 60, 64, 100])),
    "employees": _maybe(st.sampled_from([0, 20, 60, 80, 120, 260])),
    "rd_staff": _maybe(st.sampled_from([0, 3, 6, 12, 15, 30, 40])),
    "niche_since": _date, "digital_level": _maybe(st.integers(0, 4)),
    "lead_product_fields": _maybe(st.lists(st.sampled_from(
        ["strategic_emerging", "six_foundations", "mic_top10", "network_power", "shortboard_result",
         "serves_chain_leader", "traditional_upgrade", "future_industry"]), unique=True, max_size=3)),
    "quality_items": _maybe(st.lists(st.sampled_from(
        ["quality_award", "management_certification", "own_brand", "standards", "developed_market_certification"]),
        unique=True, max_size=4)),
    "heritage_titles": _maybe(st.lists(st.sampled_from(["time_honored_brand", "industrial_heritage"]), unique=True)),
    "niche_market": _maybe(st.fixed_dictionaries({}, optional={
        "share_domestic": _maybe(st.sampled_from(["9.99%", "10%", "11%", 0.2])),
        "share_international": _maybe(st.sampled_from(["5%", "10%"])), "rank_domestic": _maybe(st.integers(1, 6))})),
    "ip_assets": _records({"category": _maybe(st.sampled_from(["I", "II"])), "high_value": _bool,
                           "self_developed": _bool, "transferred_on": _date, "related_to_lead_product": _bool,
                           "applied_with_benefit": _bool, "holder_rank": _maybe(st.integers(1, 5))}, 5),
    "st_awards": _records({"level": _maybe(st.sampled_from(["national", "provincial", "ministerial", "other"])),
                           "awarded_on": _date, "rank": _maybe(st.integers(1, 6))}),
    "rd_institutions": _records({"level": _maybe(st.sampled_from(
        ["national", "provincial", "municipal", "below_municipal"]))}),
    "titles": _records({"kind": _maybe(st.sampled_from(
        ["innovative", "srdi", "little_giant", "tech_sme", "single_champion", "high_tech", "ip_demo"])),
        "valid_from": _date, "valid_to": _date}),
    "equity_rounds": _records({"paid_in": _maybe(_amount), "paid_on": _date, "qualified_investor": _bool}),
    "maker_china": _records({"group": _maybe(st.sampled_from(["top50", "top500", "other"])), "listed_on": _date}),
    **{name: _bool for name in (
        "domestic_legal_person", "sme_standard", "abnormal_operations_listed", "serious_dishonesty_listed",
        "restricted_products", "major_incident_3y", "tax_violation_3y", "refined_management",
        "distinctive_products", "chain_key_role", "niche_standing", "little_giant_affiliate")},
})

days = st.sampled_from([datetime.date(2022, 5, 31), datetime.date(2022, 6, 1), datetime.date(2024, 2, 29),
                        datetime.date(2025, 3, 10), datetime.date(2025, 6, 1), datetime.date(2026, 3, 31),
                        datetime.date(2026, 4, 1), datetime.date(2027, 1, 1)])


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles, as_of=days, local=st.one_of(st.none(), st.integers(0, 15)))
def test_the_encoding_agrees_with_the_reading_on_generated_profiles(profile: dict[str, Any], as_of: datetime.date,
                                                                    local: int | None) -> None:
    policy = _loaded()
    params = {} if local is None else {"local_feature_points": local}
    assert _actual(policy, profile, as_of, params) == read(profile, as_of, params)
