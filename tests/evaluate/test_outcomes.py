"""Scores, outcomes of other measures, dated versions and bounds known only to their year.

The policy is tests/evaluate/data/outcomes/grade.pol; every expected value below is worked out by
hand from its text (the comments show the working)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

import policydsl
from policydsl.cli import main
from policydsl.examples import run_examples
from policydsl.profile import read_profile
from policydsl.result import result_schema
from policydsl.syntax.format import format_text
from policydsl.testing.plugin import check_expectation
from policydsl.values import Unknown
from tests.conftest import ROOT, SANMENXIA
from tests.reference import evaluate as reference
from tests.reference.test_differential import as_outcome

GRADE = ROOT / "tests" / "evaluate" / "data" / "outcomes"
# rd 3.2% ≥ 3% → rd 15 (innovative), a 30 (srdi); growth 10% ≥ 10% → g 20; not high-tech.
PROFILE = {"rd_ratio": "3.2%", "growth": "10%", "high_tech": False, "level": "innovative"}
DAY = datetime.date(2025, 6, 1)


@pytest.fixture(scope="module")
def grade() -> policydsl.PolicySet:
    return policydsl.load(GRADE)


def test_grouped_score_subtotals_and_floors(grade: policydsl.PolicySet) -> None:
    innovative = grade.evaluate(PROFILE, as_of=DAY)["innovative"]
    # innovation 15 + 15 = 30 ≥ 20, growth 20 ≥ 15, spec 25 ≥ 15; total 75 ≥ 60.
    assert innovative.status == "eligible"
    assert innovative.score is not None
    assert innovative.score.total == 75
    assert {g.name: (g.value, g.floor_met) for g in innovative.score.subtotals} == {
        "innovation": (30, True), "growth": (20, True), "spec": (25, True)}
    assert innovative.version is None and innovative.unknowns == ()


def test_bounded_score_straddles_the_pass_mark(grade: policydsl.PolicySet) -> None:
    srdi = grade.evaluate(PROFILE, as_of=DAY)["srdi"]
    # version 2022: a 30 + local [0, 15] (local_on unknown) + b 16 = [46, 61], straddles 60.
    assert (srdi.status, srdi.version, srdi.unknowns) == ("undetermined", "2022", ("local_on",))
    assert srdi.score is not None and srdi.score.total == Unknown(frozenset({"local_on"}), low=46, high=61)
    assert grade.evaluate(PROFILE, as_of=DAY, params={"local_on": True})["srdi"].status == "eligible"  # 61


def test_score_reported_whatever_the_status_and_failed_floor(grade: policydsl.PolicySet) -> None:
    # growth 5% → g 0: growth subtotal 0 < 15 (floor fails) though total 55; not high-tech → not eligible.
    result = grade.evaluate({**PROFILE, "growth": "5%"}, as_of=DAY)["innovative"]
    assert result.status == "not_eligible"
    assert result.score is not None and result.score.total == 55
    assert [g.floor_met for g in result.score.subtotals] == [True, False, True]
    # a direct route decides; the score is still reported
    routed = grade.evaluate({**PROFILE, "growth": "5%", "high_tech": True}, as_of=DAY)["innovative"]
    assert routed.status == "eligible" and routed.score is not None and routed.score.total == 55


def test_open_score_names_its_unknowns_though_the_status_is_decided(grade: policydsl.PolicySet) -> None:
    # growth unknown → g [0, 20]; high-tech decides eligible; the score [55, 75] still names growth.
    result = grade.evaluate({**PROFILE, "growth": None, "high_tech": True}, as_of=DAY)["innovative"]
    assert result.status == "eligible" and result.unknowns == ("growth",)
    entry = result.to_dict(explanation=False)
    assert (entry["score"], entry["score_min"], entry["score_max"]) == (None, "55", "75")
    assert entry["subtotals"]["growth"] == {"score": None, "score_min": "0", "score_max": "20"}
    assert entry["subtotals"]["innovation"] == {"score": "30"}


@pytest.mark.parametrize(("day", "version", "status"), [
    (datetime.date(2022, 5, 31), None, "not_in_force"),
    (datetime.date(2022, 6, 1), "2022", "undetermined"),
    (datetime.date(2026, 3, 31), "2022", "undetermined"),
    (datetime.date(2026, 4, 1), "2026", "eligible"),  # 2026: eligible(innovative) and rd ≥ 3%
])
def test_the_day_picks_the_version(grade: policydsl.PolicySet, day: datetime.date, version: str | None,
                                   status: str) -> None:
    srdi = grade.evaluate(PROFILE, as_of=day)["srdi"]
    assert (srdi.version, srdi.status) == (version, status)
    entry = srdi.to_dict(explanation=False)
    assert entry["version"] == version
    if version == "2026":
        assert srdi.score is None and "score" not in entry  # the 2026 version has no score


def test_eligible_of_another_measure_is_kleene(grade: policydsl.PolicySet) -> None:
    # innovative undetermined (growth, high_tech unknown) → eligible(innovative) unknown in 2026's srdi.
    srdi = grade.evaluate({"rd_ratio": "3.2%"}, as_of=datetime.date(2026, 5, 1))["srdi"]
    assert srdi.status == "undetermined" and set(srdi.unknowns) == {"growth", "high_tech"}
    # rd < 3%: 2026 srdi fails on its own condition whatever innovative is
    assert grade.evaluate({"rd_ratio": "1%"}, as_of=datetime.date(2026, 5, 1))["srdi"].status == "not_eligible"


@pytest.mark.parametrize("profile", [PROFILE, {"rd_ratio": "2%"}, {}, {**PROFILE, "growth": None, "high_tech": True}])
@pytest.mark.parametrize("day", [datetime.date(2021, 1, 1), DAY, datetime.date(2026, 4, 1)])
@pytest.mark.parametrize("params", [{}, {"local_on": False}, {"local_on": True}])
def test_reference_agrees(grade: policydsl.PolicySet, profile: dict[str, object], day: datetime.date,
                          params: dict[str, object]) -> None:
    facts = read_profile(grade.policy.schema, profile).values
    typed = grade.read_params(params)
    assert as_outcome(grade.evaluate(profile, as_of=day, params=params)) == reference(grade.policy, facts, typed, day)


def test_json_validates_against_the_schema(grade: policydsl.PolicySet) -> None:
    for day in (datetime.date(2021, 1, 1), DAY, datetime.date(2026, 4, 1)):
        for profile in (PROFILE, {}):
            jsonschema.validate(grade.evaluate(profile, as_of=day).to_dict(), result_schema())


def test_explanation_shows_indicators_subtotals_and_floors(grade: policydsl.PolicySet) -> None:
    text = grade.evaluate({**PROFILE, "growth": "5%"}, as_of=DAY).explain("innovative")
    assert "评价得分（各指标得分之和） = 55分" in text
    assert "growth: 成长性（小计，下限 15分） = 0分" in text and "小计未达到下限" in text
    assert "rd: 研发强度 = 15分" in text and "rd_ratio (研发强度) = 3.2%" in text
    assert text.count("innovation: 创新能力（小计") == 1
    assert "不等于认定" in text  # a designation: a pre-assessment
    srdi = grade.evaluate(PROFILE, as_of=DAY).explain("srdi")
    assert "（版本 2022）" in srdi and "local: 地方特色 = [0分, 15分]" in srdi


def test_examples_with_versions_and_scores_pass_and_fail_clearly(grade: policydsl.PolicySet) -> None:
    runs = list(run_examples(grade))
    assert runs and all(run.ok for run in runs), [c.describe() for r in runs for c in r.checks if not c.ok]
    example = grade.policy.examples[0]
    expect = example.expects[0]  # innovative eligible score 75分 subtotal innovation 30分 subtotal growth 20分
    result = grade.evaluate(PROFILE, as_of=DAY, params=dict(example.params))
    wrong = type(expect)(expect.measure, expect.status, score=(Decimal(70), Decimal(70)),
                         subtotals=(("growth", Decimal(10), Decimal(10)),), version="2026")
    report = check_expectation(example, wrong, result["innovative"])
    assert report is not None
    assert "score: expected 70分, got 75分" in report
    assert "subtotal growth: expected 10分, got 20分" in report
    assert 'version: expected "2026", got none' in report


def test_batch_columns(grade: policydsl.PolicySet, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(json.dumps(PROFILE) + "\n" + json.dumps({"rd_ratio": "2%"}) + "\n", "utf-8")
    grade.batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", engine="python", as_of=DAY)
    first, second = (json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines())
    assert (first["innovative_score"], first["innovative_score_min"], first["innovative_score_max"]) == ("75",) * 3
    assert (first["srdi_version"], first["srdi_score"], first["srdi_score_min"], first["srdi_score_max"]) == (
        "2022", None, "46", "61")
    # rd 2%: rd 5 → innovative [45, 65] (growth unknown); srdi a 10 → [26, 41]
    assert (second["innovative_score_min"], second["innovative_score_max"]) == ("45", "65")
    assert (second["srdi_score_min"], second["srdi_score_max"]) == ("26", "41")


def test_duckdb_batch_of_a_scored_policy_is_the_python_batch(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(json.dumps(PROFILE) + "\n", "utf-8")
    rows = {}
    for engine in ("duckdb", "python"):
        out = tmp_path / f"{engine}.jsonl"
        assert main(["batch", str(GRADE), str(tmp_path / "in.jsonl"), "-o", str(out),
                     "--engine", engine, "--as-of", "2025-06-01"]) == 0
        rows[engine] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert rows["duckdb"] == rows["python"]
    assert rows["python"][0]["srdi_version"] == "2022"


def test_cli_eval_explain_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = GRADE / "profiles" / "a.json"
    assert main(["eval", str(GRADE), str(profile), "--as-of", "2025-06-01", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    srdi = next(entry for entry in document["measures"] if entry["id"] == "srdi")
    assert (srdi["version"], srdi["score"], srdi["score_min"], srdi["score_max"]) == ("2022", None, "46", "61")
    assert [entry["id"] for entry in document["measures"]] == ["innovative", "srdi"]
    assert main(["explain", str(GRADE), str(profile), "srdi", "--as-of", "2026-04-01"]) == 0
    assert "（版本 2026）" in capsys.readouterr().out
    assert main(["test", str(GRADE)]) == 0


def test_format_round_trip() -> None:
    text = (GRADE / "grade.pol").read_text("utf-8")
    assert format_text(text) == text
    assert format_text(format_text(text)) == format_text(text)


# ---- Sanmenxia: in force from its issue day in 2022 (sanmenxia-measures.md, "Validity of the whole document")


@pytest.mark.parametrize(("day", "params", "status", "unknowns"), [
    (datetime.date(2021, 12, 31), {}, "not_in_force", ()),
    (datetime.date(2022, 1, 1), {}, "undetermined", ("sanmenxia.issued_on",)),
    (datetime.date(2022, 12, 31), {}, "undetermined", ("sanmenxia.issued_on",)),
    (datetime.date(2022, 6, 30), {"sanmenxia.issued_on": "2022-07-01"}, "not_in_force", ()),
    (datetime.date(2022, 6, 30), {"sanmenxia.issued_on": "2022-06-30"}, "eligible", ()),
    (datetime.date(2023, 1, 1), {}, "eligible", ()),
    (datetime.date(2025, 12, 31), {}, "eligible", ()),
    (datetime.date(2026, 1, 1), {}, "not_in_force", ()),
])
def test_sanmenxia_window(day: datetime.date, params: dict[str, object], status: str,
                          unknowns: tuple[str, ...]) -> None:
    policies = policydsl.load(SANMENXIA)
    profile = SANMENXIA / "examples" / "profiles" / "hubin-provincial-boundary.json"
    result = policies.evaluate(str(profile), as_of=day, params={"three_upgrades.cap": "100万元", **params})
    m1 = result["M1"]  # M1 is eligible for this enterprise whenever the document is in force
    assert (m1.status, m1.unknowns) == (status, unknowns)
    assert {m.status for m in result.measures} <= {status, "not_eligible", "not_applicable", "eligible"}
    if status == "undetermined":
        assert {(m.status, m.unknowns) for m in result.measures} == {("undetermined", unknowns)}
        assert "sanmenxia.issued_on" in result.explain("M2")


def test_sanmenxia_sql_reads_the_year_bound(tmp_path: Path) -> None:
    policies = policydsl.load(SANMENXIA)
    profile = json.loads((SANMENXIA / "examples" / "profiles" / "hubin-provincial-boundary.json").read_text("utf-8"))
    (tmp_path / "in.jsonl").write_text(json.dumps(profile) + "\n", "utf-8")
    for engine in ("python", "duckdb"):
        policies.batch(tmp_path / "in.jsonl", tmp_path / f"{engine}.jsonl", engine=engine,
                       as_of=datetime.date(2022, 6, 30), params={"three_upgrades.cap": "100万元"})
    python, duck = ((tmp_path / f"{e}.jsonl").read_text("utf-8") for e in ("python", "duckdb"))
    assert python == duck
    row = json.loads(python)
    assert row["M1_status"] == "undetermined" and row["M1_unknowns"] == ["sanmenxia.issued_on"]
