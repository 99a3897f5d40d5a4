"""policies/national against the contract's surfaces (shared/spec/national-criteria.md §1, §2, §4, §5,
interfaces.md): the JSON document, unknown paths, the parameter, profile validation, explanations
and batch. Expected values are worked by hand from the spec (§11 and the tables of §7–§9)."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

import policydsl
from policydsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "policies" / "national"
PROFILES = NATIONAL / "examples" / "profiles"
TITLES = {"innovative": "创新型中小企业评价", "srdi": "专精特新中小企业认定", "little_giant": "专精特新“小巨人”企业认定"}


def _profile(name: str) -> dict[str, Any]:
    return json.loads((PROFILES / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def policy() -> policydsl.PolicySet:
    return policydsl.load(NATIONAL)


def _measures(policy: policydsl.PolicySet, profile: dict[str, Any], as_of: str,
              params: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    document = policy.evaluate(profile, as_of=datetime.date.fromisoformat(as_of), params=params or {}).to_dict()
    assert [m["id"] for m in document["measures"]] == list(TITLES)  # §1: this order
    return {m["id"]: m for m in document["measures"]}


# ---- §2: the JSON result -------------------------------------------------------------------------


def test_the_json_fields_of_example_1(policy: policydsl.PolicySet) -> None:
    ms = _measures(policy, _profile("ex1-score-straddles.json"), "2025-06-01")
    for ident, m in ms.items():
        assert m["title"] == TITLES[ident] and m["total"] is None and m["status"] != "not_applicable"
    innovative, srdi, giant = ms["innovative"], ms["srdi"], ms["little_giant"]
    assert (innovative["version"], innovative["score"]) == ("2022", "75")
    assert innovative["subtotals"] == {"innovation": {"score": "30"}, "growth": {"score": "20"},
                                       "specialisation": {"score": "25"}}
    # 46 known + [0, 15] for indicator 9: open, with both bounds as strings
    assert (srdi["status"], srdi["score"], srdi["score_min"], srdi["score_max"]) == ("undetermined", None, "46", "61")
    assert srdi["unknowns"] == ["local_feature_points"] and "subtotals" not in srdi
    assert giant["version"] == "2022" and giant.get("score") is None and "subtotals" not in giant


def test_open_subtotals_carry_their_bounds(policy: policydsl.PolicySet) -> None:
    innovative = _measures(policy, _profile("ex3-unknown-revenue.json"), "2025-03-10")["innovative"]
    # #1 0 + #2 [0, 20]; #3 20 + #4 10; #5 [5, 10] + #6 [0, 20]
    assert innovative["subtotals"] == {
        "innovation": {"score": None, "score_min": "0", "score_max": "20"},
        "growth": {"score": "30"},
        "specialisation": {"score": None, "score_min": "5", "score_max": "30"}}
    assert (innovative["status"], innovative["score_min"], innovative["score_max"]) == ("eligible", "35", "80")


@pytest.mark.parametrize(("as_of", "versions"), [
    ("2022-05-31", [None, None, None]),
    ("2022-06-01", ["2022", "2022", "2022"]),
    ("2026-03-31", ["2022", "2022", "2022"]),
    ("2026-04-01", ["2022", "2026", "2026"]),
])
def test_the_version_by_date(policy: policydsl.PolicySet, as_of: str, versions: list[str | None]) -> None:
    ms = _measures(policy, _profile("ex4-version-switch.json"), as_of)
    assert [m["version"] for m in ms.values()] == versions
    if versions[0] is None:
        assert all(m["status"] == "not_in_force" and m.get("score") is None and m["unknowns"] == []
                   for m in ms.values())
    if as_of == "2026-04-01":  # unscored under 2026
        assert ms["srdi"].get("score") is None and "score_min" not in ms["srdi"]


# ---- §2: unknown paths ---------------------------------------------------------------------------


def _changed(name: str, change: Any) -> dict[str, Any]:
    profile = copy.deepcopy(_profile(name))
    change(profile)
    return profile


def test_an_absent_series_names_the_year_needed(policy: policydsl.PolicySet) -> None:
    ms = _measures(policy, _changed("ex1-score-straddles.json", lambda p: p.pop("revenue")), "2025-06-01")
    # #2 and #6 open: [15+0+15+5+5+0, 15+20+15+5+5+20] = [40, 80]; innovation [15, 35] straddles its floor
    assert (ms["innovative"]["status"], ms["innovative"]["unknowns"]) == ("undetermined", ["revenue.2024"])
    assert (ms["innovative"]["score_min"], ms["innovative"]["score_max"]) == ("40", "80")


def test_a_zero_denominator_names_the_zero_fact(policy: policydsl.PolicySet) -> None:
    def zero(p: dict[str, Any]) -> None:
        p["revenue"]["2024"] = 0
    ms = _measures(policy, _changed("ex1-score-straddles.json", zero), "2025-06-01")
    assert ms["innovative"]["unknowns"] == ["revenue.2024"]
    # (三) 0 < 1000 and no equity: decided false, yet the open score still names what keeps it open
    assert ms["srdi"]["status"] == "not_eligible"
    assert ms["srdi"]["unknowns"] == ["local_feature_points", "revenue.2024"]
    employees = _measures(policy, _changed("ex1-score-straddles.json", lambda p: p.update(employees=0)), "2025-06-01")
    assert "employees" in employees["srdi"]["unknowns"]  # #12: rd_staff / employees


def test_a_missing_list_and_a_missing_record_field(policy: policydsl.PolicySet) -> None:
    ms = _measures(policy, _changed("ex1-score-straddles.json", lambda p: p.pop("ip_assets")), "2025-06-01")
    assert ms["innovative"]["unknowns"] == ["ip_assets"]
    # ip_assets[0] loses self_developed (transferred_on absent): innovative #1 is [5, 15] (Ⅱ类 sure,
    # B and C open), total [65, 75] with innovation [20, 30]: eligible, but the score stays open.
    # srdi #10 is [2, 8]: 38 + [2, 8] + [0, 15] = [40, 61]; self_developed = false with an old
    # transfer gives 6, so transferred_on keeps the score open too.
    ms = _measures(policy, _changed("ex1-score-straddles.json", lambda p: p["ip_assets"][0].pop("self_developed")),
                   "2025-06-01")
    paths = ["ip_assets[0].self_developed", "ip_assets[0].transferred_on"]
    assert (ms["innovative"]["status"], ms["innovative"]["unknowns"]) == ("eligible", paths)
    assert (ms["srdi"]["score_min"], ms["srdi"]["score_max"]) == ("40", "61")
    assert ms["srdi"]["unknowns"] == [*paths, "local_feature_points"]


def test_a_plain_record_field(policy: policydsl.PolicySet) -> None:
    for change in (lambda p: p["niche_market"].pop("share_domestic"), lambda p: p.pop("niche_market")):
        giant = _measures(policy, _changed("ex4-version-switch.json", change), "2026-03-31")["little_giant"]
        assert (giant["status"], giant["unknowns"]) == ("undetermined", ["niche_market.share_domestic"])


# ---- §5: the parameter ---------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("value", "says"), [("16", "0..15"), ("1.5", "whole number"), ("x", "whole number"),
                                             ("-1", "at least 0")])
def test_a_bad_parameter_is_bad_input(capsys: pytest.CaptureFixture[str], value: str, says: str) -> None:
    code, out, err = _run(capsys, "eval", NATIONAL, PROFILES / "ex1-score-straddles.json", "--as-of", "2025-06-01",
                          "--param", f"local_feature_points={value}", "--format", "json")
    assert code == 2 and out == "" and "local_feature_points" in err and says in err and "Traceback" not in err


def test_the_parameter_decides_and_is_ignored_under_2026(capsys: pytest.CaptureFixture[str],
                                                         policy: policydsl.PolicySet) -> None:
    code, out, _ = _run(capsys, "eval", NATIONAL, PROFILES / "ex1-score-straddles.json", "--as-of", "2025-06-01",
                        "--param", "local_feature_points=14", "--format", "json")
    srdi = json.loads(out)["measures"][1]
    assert code == 0 and (srdi["status"], srdi["score"], srdi["unknowns"]) == ("eligible", "60", [])
    profile = _profile("ex4-version-switch.json")
    assert _measures(policy, profile, "2026-04-01", {"local_feature_points": 0}) == \
        _measures(policy, profile, "2026-04-01", {"local_feature_points": 15})
    assert _measures(policy, profile, "2026-04-01", {"local_feature_points": 12})["srdi"]["status"] == "eligible"


# ---- §4: the profile ----------------------------------------------------------------------------


def test_a_scalar_for_a_series_is_a_validation_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"revenue": 5000}), "utf-8")
    code, _, err = _run(capsys, "eval", NATIONAL, bad, "--as-of", "2025-06-01")
    assert code == 2 and "revenue" in err and "per-year object" in err and "Traceback" not in err
    with pytest.raises(policydsl.ProfileError, match="per-year object"):
        policydsl.load(NATIONAL).evaluate({"rd_expense": "160万元"}, as_of=datetime.date(2025, 6, 1))


def test_money_ratio_and_points_strings_are_read_exactly(policy: policydsl.PolicySet) -> None:
    # Example 3's rounds: "250万元" and "4000000元" (400, not qualified); 300 + 250 = 550 ≥ 500
    assert _measures(policy, _profile("ex3-unknown-revenue.json"), "2025-03-10")["innovative"]["status"] == "eligible"

    def in_units(p: dict[str, Any]) -> None:
        p["revenue"]["2025"] = "1.21亿元"
        p["total_liabilities"]["2025"] = "75000000元"
    assert _measures(policy, _changed("ex4-version-switch.json", in_units), "2026-03-31") == \
        _measures(policy, _profile("ex4-version-switch.json"), "2026-03-31")
    below = _changed("ex4-version-switch.json", lambda p: p["niche_market"].update(share_domestic="9.99%"))
    assert _measures(policy, below, "2026-03-31")["little_giant"]["status"] == "not_eligible"  # 三: < 10%
    for points, status in ((49.99, "not_eligible"), (50, "eligible")):  # 2026 srdi (六): ≥ 50
        profile = _changed("ex4-version-switch.json", lambda p, v=points: p.update(quality_score={"2026": v}))
        assert _measures(policy, profile, "2026-04-01")["srdi"]["status"] == status


# ---- explanations -------------------------------------------------------------------------------


def test_the_explanation_shows_bands_subtotals_the_route_and_the_pre_assessment(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", NATIONAL, PROFILES / "ex1-score-straddles.json", "innovative",
                        "--as-of", "2025-06-01")
    assert code == 0
    assert "上年度研发费用总额占营业收入总额比重 3.2% → [3%, 5%) 15分" in out
    for group in ("创新能力（小计，下限 20分） = 30分", "成长性（小计，下限 15分） = 20分", "专业化（小计，下限 15分） = 25分"):
        assert out.count(group) == 1
    assert out.count("rd_ratio_last: 上年度研发费用总额占营业收入总额比重 = 3.2%") == 1  # the band's input, once
    assert "判定途径 = passes_on_score" in out and "预评估" in out
    code, out, _ = _run(capsys, "explain", NATIONAL, PROFILES / "ex3-unknown-revenue.json", "innovative",
                        "--as-of", "2025-03-10")
    assert code == 0 and "判定途径 = route_equity" in out
    code, out, _ = _run(capsys, "explain", NATIONAL, PROFILES / "ex2-growth-floor.json", "innovative",
                        "--as-of", "2024-09-15")
    assert code == 0 and "未满足的条件" in out and "成长性（小计，下限 15分） = 0分" in out and "小计未达到下限" in out


# ---- batch ---------------------------------------------------------------------------------------


def test_batch_with_the_python_engine_has_version_and_score_columns(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code, _, _ = _run(capsys, "batch", NATIONAL, NATIONAL / "examples" / "demo.jsonl", "-o", out,
                      "--as-of", "2025-06-01", "--engine", "python")
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert code == 0 and rows
    for ident in TITLES:
        assert {f"{ident}_status", f"{ident}_version"} <= rows[0].keys()
    assert {"innovative_score", "innovative_score_min", "innovative_score_max", "srdi_score"} <= rows[0].keys()
    first = rows[0]  # demo row 1 is example 1
    assert (first["innovative_score"], first["srdi_score"], first["srdi_score_min"], first["srdi_score_max"]) == \
        ("75", None, "46", "61")
