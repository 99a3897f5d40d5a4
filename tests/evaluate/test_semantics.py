"""The reference semantics: Kleene logic, exact money, unknowns named, amendments, windows."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from policydsl.checker.loader import load
from policydsl.checker.policy import check_loaded
from policydsl.values import Money
from tests.batch.helpers import run_sql
from tests.evaluate.helpers import SCHEMA, policy_from, run

MEASURES = '''
parameter cap "上限" : money
parameter ratio "比例" : ratio = 30%
parameter threshold "门槛" : money

measure M1 "或" {
  condition either "二者之一" = is_srdi or pool
  benefit service s "服务" { when either }
}

measure M2 "项目" {
  condition srdi "专精特新" = is_srdi
  amend srdi_terms "专精特新门槛与比例" when is_srdi { threshold = 150万元  ratio = 40% }
  benefit grant g "项目资金" {
    for each p in projects
    when srdi and p.category = intelligent_upgrade and p.investment >= threshold
    amount p.investment * ratio
    cap cap
  }
}

measure M3 "研发" {
  benefit service s "服务" { when rd_ratio >= 3% }
}

measure M4 "窗口" {
  valid from 2021-01-01 until 2022-12-31
  benefit service s "服务" { when true }
}

measure M5 "指令" {
  directive "各县制定措施"
}
'''


@pytest.fixture
def policy(tmp_path: Path):  # type: ignore[no-untyped-def]
    return policy_from(tmp_path, MEASURES)


def project(investment: object, category: str = "intelligent_upgrade", name: str = "产线") -> dict[str, object]:
    return {"name": name, "category": category, "investment": investment}


def test_true_or_unknown_is_true(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"pool": True})
    assert result["M1"].status == "eligible"
    assert result["M1"].unknowns == ()


def test_false_or_unknown_is_unknown_and_named(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"pool": False})
    assert result["M1"].status == "undetermined"
    assert result["M1"].unknowns == ("level",)


def test_false_and_unknown_is_false_without_unknowns(policy) -> None:  # type: ignore[no-untyped-def]
    # Not SRDI: M2 is decided even though the projects are not known.
    result = run(policy, {"level": "innovative"})
    assert result["M2"].status == "not_eligible"
    assert result["M2"].unknowns == ()


def test_amendment_applies_for_srdi_and_amounts_are_exact(policy) -> None:  # type: ignore[no-untyped-def]
    # 800万元 × 40% = 320万元, under the 500万元 cap.
    result = run(policy, {"level": "little_giant", "projects": (project(Money.of(800)),)},
                 {"cap": Money.of(500)})
    m2 = result["M2"]
    assert m2.status == "eligible"
    assert m2.total == Money.of(320)
    assert m2.benefits[0].item == "产线"


def test_cap_limits_the_amount(policy) -> None:  # type: ignore[no-untyped-def]
    # 2000万元 × 40% = 800万元, capped at 500万元.
    result = run(policy, {"level": "provincial", "projects": (project(Money.of(2000)),)}, {"cap": Money.of(500)})
    assert result["M2"].total == Money.of(500)


def test_missing_cap_gives_a_bound_and_names_the_parameter(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"level": "little_giant", "projects": (project(Money.of(800)),)})
    m2 = result["M2"]
    assert m2.status == "eligible"  # the status does not depend on the cap
    assert m2.total is None
    benefit = m2.benefits[0]
    assert benefit.amount is None and benefit.at_most == Money.of(320)
    assert benefit.missing_params == ("cap",)
    assert m2.unknowns == ("cap",)


@pytest.mark.parametrize(
    ("investment", "applies", "total"),
    [("149.99", False, None), ("150", True, "60"), ("150.01", True, "60.004")],  # 40% of the investment
)
def test_threshold_boundary(policy, investment: str, applies: bool, total: str | None) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"level": "provincial", "projects": (project(Money.of(investment)),)},
                 {"cap": Money.of(500)})
    assert result["M2"].benefits[0].applies is applies
    assert result["M2"].total == (Money.of(total) if total else None)


def test_per_item_unknown_is_named_by_path(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"level": "provincial", "projects": (project(Money.of(800)), project(None, name="二期"))},
                 {"cap": Money.of(500)})
    m2 = result["M2"]
    assert [b.applies for b in m2.benefits] == [True, None]
    assert m2.status == "eligible"
    assert m2.total == Money.of(320)
    assert "projects[1].investment" in m2.unknowns


def test_empty_and_unknown_lists(policy) -> None:  # type: ignore[no-untyped-def]
    empty = run(policy, {"level": "provincial", "projects": ()})
    assert empty["M2"].status == "not_eligible"
    unknown = run(policy, {"level": "provincial"})
    assert unknown["M2"].status == "undetermined"
    assert unknown["M2"].unknowns == ("projects",)


def test_unknown_amendment_condition_makes_the_parameter_unknown(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"projects": (project(Money.of(800)),)}, {"cap": Money.of(500)})
    m2 = result["M2"]
    assert m2.status == "undetermined"
    # SRDI: the threshold is 150万元 and 800万元 passes; not SRDI: the condition fails. The
    # unsupplied threshold cannot change the outcome, so only level is named (exact unknowns).
    assert set(m2.unknowns) == {"level"}


def test_an_undecided_amendment_keeps_the_hull_of_both_thresholds(policy) -> None:  # type: ignore[no-untyped-def]
    """§9: level unknown, threshold 100万元 supplied, srdi_terms maybe 150万元: the threshold lies in
    [100万元, 150万元], so an investment of 0 fails it either way and the benefit is decided not to
    apply, naming nothing, in the closures and in the reference alike."""
    from tests.reference import evaluate as reference_evaluate

    facts = {"projects": ({"name": "产线", "category": None, "investment": Money.of(0)},)}
    params = {"cap": Money.of(100), "threshold": Money.of(100)}
    benefit = run(policy, facts, params)["M2"].benefits[0]
    assert benefit.applies is False and benefit.unknowns == ()
    reference = reference_evaluate(policy, facts, params, datetime.date(2024, 6, 1))
    m2 = next(m for m in reference.measures if m.id == "M2")
    assert m2.benefits[0].applies is False and m2.benefits[0].unknowns == ()


def test_division_by_zero_is_unknown(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"revenue": Money.of(0), "rd_expense": Money.of(10)})
    assert result["M3"].status == "undetermined"
    assert result["M3"].unknowns == ("revenue",)


def test_ratio_is_exact(policy) -> None:  # type: ignore[no-untyped-def]
    # 450 / 15000 = 3% exactly: the boundary holds with no float error.
    result = run(policy, {"revenue": Money.of("1.5", "亿元"), "rd_expense": Money.of(450)})
    assert result["M3"].status == "eligible"


def test_windows(policy) -> None:  # type: ignore[no-untyped-def]
    inside = run(policy, {}, as_of=datetime.date(2022, 12, 31))
    assert inside["M4"].status == "eligible"
    after = run(policy, {}, as_of=datetime.date(2023, 1, 1))
    assert after["M4"].status == "not_in_force"
    late = run(policy, {}, as_of=datetime.date(2026, 1, 1))
    assert {m.status for m in late} == {"not_in_force"}
    assert not late.in_force


def test_directive_only_measure_is_not_applicable(policy) -> None:  # type: ignore[no-untyped-def]
    assert run(policy, {})["M5"].status == "not_applicable"


def test_explanation_names_the_amendment_and_the_facts(policy) -> None:  # type: ignore[no-untyped-def]
    result = run(policy, {"level": "little_giant", "projects": (project(Money.of(800)),)}, {"cap": Money.of(500)})
    tree = result["M2"].explanation
    reads = {r.path: r for node in tree.walk() for r in node.reads}
    assert reads["level"].value.startswith("little_giant")
    assert reads["projects[0].investment"].value == "800万元"
    assert "amended by M2 srdi_terms" in (reads["threshold"].note or "")
    assert reads["ratio"].value == "40%"


CONFLICT = '''
parameter ratio "比例" : ratio = 30%
measure A "甲" {
  amend up "提高" when is_srdi { ratio = 40% }
  amend pool_up "培育库提高" when pool OVER { ratio = 35% }
  benefit grant g "资金" { when true amount 100万元 * ratio }
}
'''


def test_amendments_that_disagree_must_be_ordered(tmp_path: Path) -> None:
    (tmp_path / "main.pol").write_text(SCHEMA + CONFLICT.replace(" OVER", ""), encoding="utf-8")
    policy, diagnostics = check_loaded(load(tmp_path / "main.pol"))
    assert policy is None and [d.code for d in diagnostics if d.severity == "error"] == ["PD242"]


def test_the_amendment_that_prevails_wins(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, CONFLICT.replace("OVER", "over up"))
    assert run(policy, {"level": "provincial", "pool": False})["A"].total == Money.of(40)
    assert run(policy, {"level": "none", "pool": True})["A"].total == Money.of(35)
    assert run(policy, {"level": "none", "pool": False})["A"].total == Money.of(30)
    both = run(policy, {"level": "provincial", "pool": True})["A"]
    assert both.total == Money.of(35)  # both apply: pool_up prevails over up
    note = next(r for n in both.explanation.walk() for r in n.reads if r.path == "ratio").note or ""
    assert "amended by A pool_up" in note
    # up applies, pool_up is unknown with another value: 40% or 35%, the pool decides
    open_pool = run(policy, {"level": "provincial"})["A"]
    assert open_pool.total is None and open_pool.unknowns == ("pool",)


UNKNOWN_LIST = '''
parameter cap "上限" : money
measure P "项目" {
  benefit grant g "资金" { for each p in projects when is_srdi amount p.investment * 40% cap cap }
}
'''


def test_an_unknown_list_names_the_list_and_the_condition_not_the_amount(tmp_path: Path) -> None:
    # §6 and §10: with the projects unknown the benefit is undetermined, so it has no amount, and
    # its unknowns are its condition's and the list's: the cap (not supplied) is not among them.
    policy = policy_from(tmp_path, UNKNOWN_LIST)
    srdi = run(policy, {"level": "provincial"})["P"]
    assert (srdi.status, srdi.unknowns) == ("undetermined", ("projects",))
    assert srdi.benefits[0].amount is None and srdi.benefits[0].at_most is None
    open_level = run(policy, {})["P"]
    assert (open_level.status, open_level.unknowns) == ("undetermined", ("level", "projects"))
    assert run(policy, {"level": "none"})["P"].status == "not_eligible"
    node = next(n for n in srdi.explanation.children if n.kind == "benefit")
    assert (node.value, node.note) == ("unknown", "projects is not known")
    assert [c.kind for c in node.children] == ["when"]  # no amount under an undetermined benefit
    sql = run_sql(policy, [{"level": "provincial"}, {}, {"level": "none"}], {})
    assert [(r["P_status"], r["P_unknowns"]) for r in sql] == [
        ("undetermined", ["projects"]), ("undetermined", ["level", "projects"]), ("not_eligible", [])]
