"""The reference gives the answers docs/semantics.md works out by hand (§19, W1–W8, and §9's table).

The policy is the one printed in §19; the expected values are the document's, not the program's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

import pytest

from policydsl.api import PolicySet
from policydsl.profile import read_profile
from policydsl.testing import load_text
from policydsl.values import Money
from tests.conftest import ROOT
from tests.reference import Outcome, TargetOutcome, evaluate

DOC = (ROOT / "docs" / "semantics.md").read_text("utf-8")
DAY = datetime.date(2024, 6, 1)
LINGBAO = {
    "county": "灵宝市", "revenue": "1.5亿元", "rd_expense": 600, "srdi_level": "little_giant",
    "key_little_giant": True, "national_fund_received": 200,
    "projects": [
        {"name": "智能产线", "category": "intelligent_upgrade", "investment": 800},
        {"name": "5G工厂", "category": "5g", "investment": "0.2亿元"},
        {"name": "职工食堂", "category": "other", "investment": 300},
    ],
}


@pytest.fixture(scope="module")
def demo() -> PolicySet:
    section = DOC[DOC.index("## 19. Worked examples"):]
    (text,) = re.findall(r"```\n(policy demo\.srdi.*?)```", section, re.DOTALL)
    return load_text(text)


def run(demo: PolicySet, profile: dict[str, Any], params: Mapping[str, object] | None = None,
        day: datetime.date = DAY) -> Outcome:
    facts = read_profile(demo.policy.schema, profile).values
    return evaluate(demo.policy, facts, demo.read_params(params or {}), day)


def wan(amount: str) -> Money:
    return Money.of(amount)


def test_w1_a_little_giant_with_three_projects(demo: PolicySet) -> None:
    outcome = run(demo, LINGBAO, {"three_upgrades.cap": 500})
    m2 = outcome.measure("M2")
    assert (m2.status, m2.total, m2.unknowns) == ("eligible", wan("820"), ())
    assert m2.agencies == ("市工业和信息化局", "市财政局")
    assert [(b.item, b.item_path, b.applies, b.amount) for b in m2.benefits] == [
        ("智能产线", "projects[0]", True, wan("320")),  # 800 × 40%
        ("5G工厂", "projects[1]", True, wan("500")),  # 2000 × 40% = 800, capped
        ("职工食堂", "projects[2]", False, None),
    ]
    m4 = outcome.measure("M4")
    assert (m4.status, m4.total, m4.agencies) == ("eligible", wan("200"), ("灵宝市人民政府",))
    m6 = outcome.measure("M6")
    assert (m6.status, m6.total, m6.targets) == ("eligible", None, (TargetOutcome("intensity", True, True),))
    assert outcome.measure("M16").status == "eligible"
    m26 = outcome.measure("M26")
    assert (m26.status, m26.agencies) == ("eligible", ("市工业和信息化局",))
    m27 = outcome.measure("M27")
    assert (m27.status, m27.agencies, m27.benefits) == (
        "not_applicable", ("各县(市、区)政府", "城乡一体化示范区、开发区管委会"), ())
    assert outcome.goals == (("srdi_count", True),) and outcome.in_force


def test_w2_without_the_cap(demo: PolicySet) -> None:
    m2 = run(demo, LINGBAO).measure("M2")
    assert (m2.status, m2.total, m2.unknowns) == ("eligible", None, ("three_upgrades.cap",))
    assert [(b.applies, b.amount, b.at_most, b.missing_params) for b in m2.benefits] == [
        (True, None, wan("320"), ("three_upgrades.cap",)),
        (True, None, wan("800"), ("three_upgrades.cap",)),
        (False, None, None, ()),
    ]


def test_w3_known_false_decides(demo: PolicySet) -> None:
    outcome = run(demo, {"srdi_level": "innovative"})
    m2 = outcome.measure("M2")  # the projects are unknown, but `srdi` is false for any of them
    assert (m2.status, m2.total, m2.unknowns, [b.applies for b in m2.benefits]) == ("not_eligible", None, (), [False])
    m4 = outcome.measure("M4")
    assert (m4.status, m4.unknowns) == ("undetermined", ("key_little_giant", "national_fund_received"))
    assert m4.agencies == ("各县(市、区)政府", "城乡一体化示范区、开发区管委会")
    m6 = outcome.measure("M6")
    assert (m6.status, m6.targets) == ("not_eligible", (TargetOutcome("intensity", False, None),))
    m26 = outcome.measure("M26")
    assert (m26.status, m26.unknowns, m26.agencies) == (
        "undetermined", ("in_cultivation_pool",), ("县级工业和信息化主管部门",))


def test_w4_one_project_decided_one_not(demo: PolicySet) -> None:
    profile = {"county": "湖滨区", "srdi_level": "provincial",
               "projects": [{"name": "智能产线", "category": "intelligent_upgrade", "investment": "150万元"},
                            {"name": "二期", "category": "5g"}]}
    m2 = run(demo, profile, {"three_upgrades.cap": 500}).measure("M2")
    assert (m2.status, m2.total, m2.unknowns) == ("eligible", wan("60"), ("projects[1].investment",))
    assert [b.applies for b in m2.benefits] == [True, None]


def test_w5_an_amendment_that_may_or_may_not_apply(demo: PolicySet) -> None:
    profile = {"projects": [{"name": "智能产线", "category": "intelligent_upgrade", "investment": 800}]}
    outcome = run(demo, profile, {"three_upgrades.cap": 500})
    m2 = outcome.measure("M2")
    # SRDI sets the threshold to 150万元 (800 passes); otherwise the SRDI condition fails: the
    # unsupplied threshold cannot change the outcome (exact unknowns), so only srdi_level is named.
    assert (m2.status, m2.unknowns) == ("undetermined", ("srdi_level",))
    supplied = run(demo, profile, {"three_upgrades.cap": 500, "three_upgrades.threshold": 150}).measure("M2")
    assert (supplied.status, supplied.unknowns) == ("undetermined", ("srdi_level",))
    m26 = outcome.measure("M26")
    assert m26.agencies == ("市工业和信息化局", "县级工业和信息化主管部门")
    assert (m26.status, m26.unknowns) == ("undetermined", ("in_cultivation_pool", "srdi_level"))


def test_w6_division_by_zero_and_a_target(demo: PolicySet) -> None:
    m6 = run(demo, {"srdi_level": "provincial", "revenue": 0, "rd_expense": 30}).measure("M6")
    assert (m6.status, m6.total, m6.unknowns) == ("eligible", None, ())
    assert m6.targets == (TargetOutcome("intensity", True, None),)


def test_w7_exact_amounts_at_the_threshold(demo: PolicySet) -> None:
    profile = {"srdi_level": "provincial", "projects": [{"name": "甲", "category": "5g", "investment": 149.99},
                                                        {"name": "乙", "category": "5g", "investment": 150.01}]}
    m2 = run(demo, profile, {"three_upgrades.cap": 500}).measure("M2")
    assert [b.applies for b in m2.benefits] == [False, True]
    assert m2.total == wan("60.004")


def test_w8_windows(demo: PolicySet) -> None:
    before = run(demo, LINGBAO, {"three_upgrades.cap": 500}, datetime.date(2020, 12, 31))
    assert (before.measure("M2").total, before.measure("M16").status) == (wan("820"), "not_in_force")
    after = run(demo, LINGBAO, {"three_upgrades.cap": 500}, datetime.date(2026, 1, 1))
    assert not after.in_force
    assert {measure.status for measure in after.measures} == {"not_in_force"}
    assert all(not (m.agencies or m.benefits or m.unknowns) and m.total is None for m in after.measures)


# §9: the threshold with `srdi_terms` (sets 150万元 when is_srdi), base supplied or not; by hand.
@pytest.mark.parametrize(("level", "supplied", "threshold", "unknowns"), [
    ("provincial", None, "150", ()),
    ("innovative", "200", "200", ()),
    ("innovative", None, None, ("three_upgrades.threshold",)),
    (None, "150", "150", ()),
    (None, "200", None, ("srdi_level",)),
    (None, None, None, ("srdi_level", "three_upgrades.threshold")),
])
def test_section_9_the_amended_threshold(level: str | None, supplied: str | None, threshold: str | None,
                                         unknowns: tuple[str, ...]) -> None:
    # The threshold is read as the amount of a grant, so the total shows it.
    policy = load_text(
        'policy t.amend { title "t" }\n'
        'ordered enum srdi_level "层级" { none, innovative, provincial, little_giant }\n'
        'entity enterprise "企业" { fact srdi_level "层级" : srdi_level }\n'
        'define is_srdi "专精特新" = srdi_level >= provincial\n'
        'parameter three_upgrades.threshold "门槛" : money\n'
        'amend srdi_terms "门槛" when is_srdi { three_upgrades.threshold = 150万元 }\n'
        'measure M2 "m" { benefit grant g "g" { amount three_upgrades.threshold } }\n')
    facts = {} if level is None else {"srdi_level": level}
    params = {} if supplied is None else {"three_upgrades.threshold": supplied}
    outcome = run(policy, facts, params).measure("M2")
    assert (outcome.total, outcome.unknowns) == (None if threshold is None else wan(threshold), unknowns)


def test_the_reference_reads_only_the_model_and_the_values() -> None:
    # Sharing no code with the engines is what makes it a reference: policydsl.model and
    # policydsl.values only (`from policydsl import model`, `from policydsl.values import …`).
    modules = set()
    for path in (ROOT / "tests" / "reference").glob("*.py"):
        if path.name.startswith("test_"):
            continue
        text = path.read_text("utf-8")
        modules |= {f"policydsl.{name.strip()}" for names in re.findall(r"^from policydsl import (.+)$", text, re.M)
                    for name in names.split(",")}
        modules |= set(re.findall(r"^from (policydsl\.[\w.]+) import", text, re.M))
        modules |= set(re.findall(r"^import (policydsl[\w.]*)", text, re.M))
    assert modules == {"policydsl.model as m", "policydsl.values"}


# `over` is transitive through an amendment of another name, and decides the order whatever the
# declaration order: c3 prevails over b2, which prevails over a1, so x is folded a1 then c3.
PREVAILING = load_text(
    'policy t.over { title "t" }\n'
    'entity enterprise "企业" { fact a "a" : bool\n fact b "b" : bool\n fact c "c" : bool }\n'
    'parameter x "x" : money = 0万元\nparameter y "y" : money = 0万元\n'
    'amend c3 "c" when c over b2 { x = 3万元 }\n'
    'amend b2 "b" when b over a1 { y = 2万元 }\n'
    'amend a1 "a" when a { x = 1万元\n y = 5万元 }\n'
    'measure MX "x" { benefit grant g "g" { amount x } }\n'
    'measure MY "y" { benefit grant g "g" { amount y } }\n')


@pytest.mark.parametrize(("facts", "x", "y"), [
    ({"a": True, "b": True, "c": True}, ("3", ()), ("2", ())),  # the prevailing ones last
    ({"a": True, "b": False, "c": False}, ("1", ()), ("5", ())),
    ({"a": False, "b": False, "c": True}, ("3", ()), ("0", ())),
    ({"a": True, "b": False}, (None, ("c",)), ("5", ())),  # 3 or 1
    ({"b": True, "c": True}, ("3", ()), ("2", ())),  # decided whatever a is
    ({"b": False, "c": False}, (None, ("a",)), (None, ("a",))),  # 1 or 0; 5 or 0
])
def test_amendments_fold_in_the_order_over_gives(facts: dict[str, bool], x: tuple[str | None, tuple[str, ...]],
                                                  y: tuple[str | None, tuple[str, ...]]) -> None:
    outcome = run(PREVAILING, facts)
    for measure, (total, unknowns) in (("MX", x), ("MY", y)):
        got = outcome.measure(measure)
        assert (got.total, got.unknowns) == (None if total is None else wan(total), unknowns), measure
