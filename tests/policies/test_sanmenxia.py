"""The Sanmenxia encoding is faithful to its source and meets the JSON contract end to end."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

import policydsl
from policydsl.cli import main
from policydsl.examples import run_examples
from tests.conftest import SANMENXIA

SOURCE = (SANMENXIA / "source.txt").read_text("utf-8")
PROFILES = SANMENXIA / "examples" / "profiles"
AS_OF = datetime.date(2024, 6, 1)


@pytest.fixture(scope="module")
def policies() -> policydsl.PolicySet:
    return policydsl.load(SANMENXIA)


def _seed_measures() -> dict[str, str]:
    """Measure number → title, read from the seed: the text before the first 。 of `N.…`."""
    found = {}
    for line in SOURCE.splitlines():
        match = re.match(r"^(\d+)\.([^。]*)。", line)
        if match:
            found[f"M{match.group(1)}"] = match.group(2)
    return found


def test_every_measure_of_the_document_is_encoded_with_its_title(policies: policydsl.PolicySet) -> None:
    seed = _seed_measures()
    assert len(seed) == 28
    assert {m.id: m.title for m in policies.measures} == seed
    assert [m.id for m in policies.measures] == [f"M{n}" for n in range(1, 29)]  # document order


def test_every_quote_occurs_verbatim_in_the_source(policies: policydsl.PolicySet) -> None:
    quotes = []
    for measure in policies.measures:
        assert measure.ref and measure.ref.startswith("三、(")
        assert measure.quotes, measure.id
        quotes += [*measure.quotes, *measure.guidance, *measure.directives]
        for benefit in measure.benefits:
            quotes += benefit.quotes
        for target in measure.targets:
            quotes += target.quotes
    assert quotes and all(q in SOURCE for q in quotes)


def test_header_and_goals(policies: policydsl.PolicySet) -> None:
    header = policies.policy.header
    assert header.id == "sanmenxia.srdi"
    assert header.number == "三政办〔2022〕8号"
    assert header.issuer == "三门峡市人民政府办公室"  # the header of the public copy (spec)
    assert header.title == "三门峡市人民政府办公室关于三门峡市支持“专精特新”中小企业发展的实施意见"
    assert header.window.end.date == datetime.date(2025, 12, 31)
    # in force from its issue day, which lies in 2022 and is given by the parameter when known
    assert (header.window.start.kind, header.window.start.year) == ("year", 2022)
    assert header.window.start.day == header.issued.day == "sanmenxia.issued_on"  # type: ignore[union-attr]
    goals = {g.id: g.at_least for g in policies.policy.goals}
    assert goals == {"little_giants": 20, "provincial_srdi": 100}


def test_every_example_passes(policies: policydsl.PolicySet) -> None:
    runs = list(run_examples(policies))
    assert len(runs) >= 10
    failures = [c.describe() for r in runs for c in r.checks if not c.ok] + [r.error for r in runs if r.error]
    assert not failures, "\n".join(str(f) for f in failures)
    assert sum(len(r.checks) for r in runs) == 28 * len(runs)  # every measure expected in every example


def test_examples_cover_counties_statuses_and_units(policies: policydsl.PolicySet) -> None:
    profiles = [json.loads(p.read_text("utf-8")) for p in PROFILES.glob("*.json")]
    assert len(profiles) >= 10
    counties = {p.get("county") for p in profiles}
    assert {"湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县", "城乡一体化示范区", "经济开发区"} <= counties
    texts = " ".join(p.read_text("utf-8") for p in PROFILES.glob("*.json"))
    assert "亿元" in texts and '"1500000元"' in texts
    statuses = {e.status for r in run_examples(policies) for e in r.example.expects}
    assert statuses == {"eligible", "not_eligible", "undetermined", "not_in_force", "not_applicable"}


def test_m2_amount_with_and_without_the_cap(policies: policydsl.PolicySet) -> None:
    profile = PROFILES / "lingbao-little-giant.json"
    capped = policies.evaluate(profile, as_of=AS_OF, params={"three_upgrades.cap": 500})["M2"]
    assert capped.status == "eligible"
    assert capped.total == policydsl.Money.of(320)  # 800万元 × 40%
    open_cap = policies.evaluate(profile, as_of=AS_OF)["M2"]
    assert open_cap.status == "eligible" and open_cap.total is None
    assert open_cap.benefits[0].at_most == policydsl.Money.of(320)
    assert open_cap.benefits[0].missing_params == ("three_upgrades.cap",)


@pytest.mark.parametrize(
    ("profile", "m4", "m26", "m28"),
    [
        ("mianchi-key-little-giant.json", ["渑池县人民政府"], ["市工业和信息化局"], ["渑池县人民政府"]),
        # 市工业和信息化局 (the 责任单位) always; the county authority too for all but little giants
        ("demonstration-zone-partial.json", ["城乡一体化示范区管理委员会"],
         ["市工业和信息化局", "城乡一体化示范区工业和信息化主管部门"], ["城乡一体化示范区管理委员会"]),
        ("unknown-county-threshold.json", ["各县(市、区)政府", "城乡一体化示范区、开发区管委会"],
         ["市工业和信息化局", "县级工业和信息化主管部门"], ["各县(市、区)政府", "城乡一体化示范区、开发区管委会"]),
        # level unknown: the county authority is a candidate for M26 too
        ("hubin-level-unknown-project.json", ["湖滨区人民政府"], ["市工业和信息化局", "湖滨区工业和信息化主管部门"],
         ["湖滨区人民政府"]),
    ],
)
def test_agencies_resolved_from_the_county(policies: policydsl.PolicySet, profile: str, m4: list[str],
                                           m26: list[str], m28: list[str]) -> None:
    result = policies.evaluate(PROFILES / profile, as_of=AS_OF)
    assert list(result["M4"].agencies) == m4
    assert list(result["M26"].agencies) == m26
    assert list(result["M28"].agencies) == m28
    assert list(result["M1"].agencies) == ["市财政局", "市工业和信息化局"]


def test_json_contract_for_every_profile(policies: policydsl.PolicySet, capsys: pytest.CaptureFixture[str]) -> None:
    for profile in sorted(PROFILES.glob("*.json")):
        code = main(["eval", str(SANMENXIA), str(profile), "--as-of", "2024-06-01", "--param",
                     "three_upgrades.cap=500", "--format", "json"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        document = json.loads(captured.out)
        jsonschema.validate(document, policydsl.result_schema())
        assert [m["id"] for m in document["measures"]] == [f"M{n}" for n in range(1, 29)]
        for measure in document["measures"]:
            for money in [measure["total"], *(b["amount"] for b in measure["benefits"])]:
                if money is not None:
                    Decimal(money["value"])  # exact decimal strings, never floats


def test_not_in_force_after_2025(policies: policydsl.PolicySet) -> None:
    result = policies.evaluate(PROFILES / "lingbao-little-giant.json", as_of=datetime.date(2026, 1, 1))
    assert {m.status for m in result.measures} == {"not_in_force"}
    assert not result.in_force


def test_cli_test_command_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(SANMENXIA)]) == 0
    assert re.search(r"^\d+ passed, 0 failed$", capsys.readouterr().out, re.MULTILINE)


def test_profiles_stay_inside_the_policy_folder() -> None:
    for path in SANMENXIA.rglob("*"):
        assert Path(path).resolve().is_relative_to(SANMENXIA.resolve())


@pytest.mark.parametrize(("key", "fund", "status", "total", "unknowns"), [
    # sanmenxia-measures.md, M4: the funds received are the only condition.
    (None, 600, "eligible", Decimal(600), []),  # an unknown key title never blocks a known amount
    (False, 600, "eligible", Decimal(600), []),  # the text asks for the funds, not the title
    (True, 0, "not_eligible", None, []),  # a key little giant that has received nothing
    (True, None, "undetermined", None, ["national_fund_received"]),
    (None, None, "undetermined", None, ["national_fund_received"]),
])
def test_m4_reads_only_the_funds_received(policies: policydsl.PolicySet, key: bool | None, fund: int | None,
                                          status: str, total: Decimal | None, unknowns: list[str]) -> None:
    profile = {"county": "渑池县", "key_little_giant": key, "national_fund_received": fund}
    m4 = policies.evaluate({k: v for k, v in profile.items() if v is not None}, as_of=AS_OF)["M4"]
    assert (m4.status, None if m4.total is None else m4.total.in_unit(), list(m4.unknowns)) == (status, total,
                                                                                              unknowns)


@pytest.mark.parametrize(("level", "pool", "applying", "unknowns"), [
    # (a) the one-to-one mechanism: SRDI (little giants included) or in the pool; (b) a service
    # officer for each SRDI SME only.
    ("little_giant", False, ["one_to_one", "service_officer"], []),
    ("provincial", False, ["one_to_one", "service_officer"], []),
    ("innovative", True, ["one_to_one"], []),  # a pool enterprise gets no service officer
    (None, True, ["one_to_one"], ["srdi_level"]),  # (b) is open on the level
    ("none", False, [], []),
])
def test_m26_service_officer_is_for_srdi_smes_only(policies: policydsl.PolicySet, level: str | None, pool: bool,
                                                   applying: list[str], unknowns: list[str]) -> None:
    profile: dict[str, object] = {"county": "湖滨区", "in_cultivation_pool": pool}
    if level is not None:
        profile["srdi_level"] = level
    m26 = policies.evaluate(profile, as_of=AS_OF)["M26"]
    assert [b.id for b in m26.benefits if b.applies is True] == applying
    assert list(m26.unknowns) == unknowns
    assert m26.status == ("eligible" if applying else "not_eligible")
    assert m26.agencies[0] == "市工业和信息化局"  # the 责任单位, always
