"""The disagreements the differential test found, fixed: each case worked out by hand and held in
the reference, the closures and DuckDB (or refused by SQL at build time, naming the expression)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from policydsl.engine import closures
from policydsl.profile import read_profile
from policydsl.sql.query import SqlUnsupported, compile_policy
from policydsl.testing import load_text
from tests.batch.helpers import run_sql
from tests.reference import evaluate

AS_OF = datetime.date(2024, 6, 1)
POLICY = """policy t.fixes { title "修正" }
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact share "份额" : ratio
  fact employees "职工人数" : integer >= 0
}
measure zero "除以零" {
  benefit grant fixed "固定奖励" { amount 1万元 }
  benefit grant open "无从计算的奖励" { amount revenue / (1 - 1) }
}
measure nested "商的商" {
  benefit grant per_head "人均" { amount (revenue / employees) / employees }
}
measure third "三分之一配套" {
  benefit matching m "配套" { match revenue * share at 1:3 }
}
"""
CHAINED = POLICY.replace('measure third', 'measure chained "连乘" {\n'
                         '  benefit grant g "奖励" { amount revenue * share * (revenue / revenue) }\n}\nmeasure third')


def _answers(text: str, raw: dict[str, object]) -> list[tuple[str, object, tuple[str, ...]]]:
    """(status, total in 万元, unknowns) of each measure, the same from the reference and the closures."""
    policy = load_text(text).policy
    facts = read_profile(policy.schema, raw).values
    reference = [(x.status, x.total, x.unknowns) for x in evaluate(policy, facts, {}, AS_OF).measures]
    engine = [(x.status, x.total, x.unknowns) for x in closures.evaluate(policy, facts, {}, AS_OF).measures]
    assert engine == reference
    return [(status, None if total is None else total.in_unit(), unknowns) for status, total, unknowns in reference]


def test_an_applying_amount_unknown_for_nothing_leaves_no_total() -> None:
    # §13: `revenue / (1 - 1)` is unknown and names nothing (a division by zero by constants);
    # the benefit applies, so the measure has no total — not the other benefit's 1万元.
    raw = {"revenue": 3, "share": 0.99, "employees": 35}
    assert _answers(POLICY, raw)[0] == ("eligible", None, ())
    policy = load_text(POLICY).policy
    row = run_sql(policy, [read_profile(policy.schema, raw).values], {}, AS_OF)[0]
    assert (row["zero_status"], row["zero_total"], row["zero_unknowns"]) == ("eligible", None, [])


@pytest.mark.parametrize("revenue, employees, per_head", [
    # 93031.83万元 / 35 / 35 = 75.94435102040816…万元: the total column keeps 10 decimals
    ("93031.83", 35, Decimal("75.9443510204")),
    ("999999999999.99", 1, Decimal("999999999999.99")),  # the widest money column holds, / 1 / 1
    ("0.01", 3, Decimal("0.0011111111")),
])
def test_a_quotient_of_a_quotient_is_computed_in_sql(revenue: str, employees: int, per_head: Decimal) -> None:
    policy = load_text(POLICY).policy
    raw = {"revenue": revenue, "share": 0.5, "employees": employees}
    status, total, _ = _answers(POLICY, raw)[1]
    assert status == "eligible" and total is not None
    assert total.quantize(Decimal("1e-10")) == per_head
    row = run_sql(policy, [read_profile(policy.schema, raw).values], {}, AS_OF)[0]
    assert row["nested_total"] == per_head


def test_match_at_one_third_is_exact_in_sql() -> None:
    # 3万元 × 99% = 2.97万元, a third of it 0.99万元 (not 0.3299999997 from 0.333333333 × 0.99).
    # The engine multiplies by 1/3 to 28 digits (§7): 0.98999…9万元, 0.99 to the column's 10 decimals.
    policy = load_text(POLICY).policy
    raw = {"revenue": 3, "share": 0.99, "employees": 1}
    status, total, _ = _answers(POLICY, raw)[2]
    assert status == "eligible" and total is not None
    assert total.quantize(Decimal("1e-10")) == Decimal("0.99")
    row = run_sql(policy, [read_profile(policy.schema, raw).values], {}, AS_OF)[0]
    assert row["third_total"] == Decimal("0.99")


def test_a_product_too_long_for_decimal_38_is_refused_naming_it() -> None:
    # 3万元 × 99% × (3万元 / 3万元) = 2.97万元 in the engine; SQL would need 72 digits and round
    # an operand (3), so it refuses the policy at build time instead, naming the expression.
    raw = {"revenue": 3, "share": 0.99, "employees": 1}
    assert _answers(CHAINED, raw)[2][:2] == ("eligible", Decimal("2.97"))
    policy = load_text(CHAINED).policy
    with pytest.raises(SqlUnsupported, match=r"`revenue \* share \* \(revenue / revenue\)` .*38 digits"):
        compile_policy(policy, {}, AS_OF)


# ---- the two points settled in semantics.md: whole items and lists (§4), amended minimums (§8)
WHOLES = """policy t.wholes { title "整体比较" }
entity phase "阶段" { fact done "完成" : bool }
entity project "项目" {
  fact cost "投资" : money >= 0
  fact tag "标签" : text
  fact phases "阶段" : list of phase
}
entity enterprise "企业" { fact projects "项目" : list of project }
measure same "相同" { benefit service s "服务" { when any p in projects: (all q in projects: (p = q)) } }
measure differs "不同" { benefit service s "服务" { when any p in projects: (any q in projects: (p.phases != q.phases)) } }
"""


@pytest.mark.parametrize("projects, same, differs", [
    # Two items alike in every known fact, each with unknown facts: `p = p` is unknown (as
    # `revenue = revenue` is while revenue is), named by the unknown facts of both items.
    ([{"cost": 1}, {"cost": 1}],
     ("undetermined", ("projects[0].phases", "projects[0].tag", "projects[1].phases", "projects[1].tag")),
     ("undetermined", ("projects[0].phases", "projects[1].phases"))),
    # A known cost that differs decides p = q false whatever else is unknown; p0 = p0 is still
    # unknown (phases), so `all q` is false for both p: not eligible.
    ([{"cost": 1, "tag": "a"}, {"cost": 2}], ("not_eligible", ()),
     ("undetermined", ("projects[0].phases", "projects[1].phases"))),
    # Lists compared item by item: [done] against [unknown] is unknown, named inside the list.
    ([{"cost": 1, "tag": "a", "phases": [{"done": True}]}, {"cost": 1, "tag": "a", "phases": [{}]}],
     ("undetermined", ("projects[1].phases[0].done",)), ("undetermined", ("projects[1].phases[0].done",))),
    # Lists of different lengths differ; all facts known and equal: p = q holds.
    ([{"cost": 1, "tag": "a", "phases": []}, {"cost": 1, "tag": "a", "phases": []}], ("eligible", ()),
     ("not_eligible", ())),
    ([{"cost": 1, "tag": "a", "phases": []}, {"cost": 1, "tag": "a", "phases": [{}]}], ("not_eligible", ()),
     ("eligible", ())),
])
def test_whole_items_and_lists_compare_in_kleene_logic(projects: list[dict[str, object]],
                                                      same: tuple[str, tuple[str, ...]],
                                                      differs: tuple[str, tuple[str, ...]]) -> None:
    answers = _answers(WHOLES, {"projects": projects})
    assert [(status, unknowns) for status, _, unknowns in answers] == [same, differs]


MINIMUM = """policy t.minimum { title "下限" }
entity enterprise "企业" {
  fact small "小型企业" : bool
  fact revenue "营业收入" : money >= 0
}
parameter cap "奖励上限" : money >= 0 = 100万元
amend small_cap "小型企业:上限为营业收入减500万元" when small { cap = revenue - 500万元 }
measure M1 "奖励" { benefit grant g "奖励" { amount cap } }
"""


@pytest.mark.parametrize("small, revenue, status, total, unknowns", [
    (True, 800, "eligible", Decimal("300"), []),  # 800 − 500 = 300万元
    (True, 500, "eligible", Decimal("0"), []),  # 0万元: at the minimum, allowed
    (True, 200, "eligible", None, ["revenue"]),  # −300万元 < 0: unknown, named by what it read
    (False, 200, "eligible", Decimal("100"), []),  # the default
    (None, 200, "eligible", None, ["revenue", "small"]),  # unknown or 100万元
    (None, 600, "eligible", Decimal("100"), []),  # 600 − 500 = 100万元, the default: small does not matter
])
def test_an_amended_value_below_the_minimum_is_unknown(small: bool | None, revenue: int, status: str,
                                                       total: Decimal | None, unknowns: list[str]) -> None:
    raw = {"small": small, "revenue": revenue}
    answer = _answers(MINIMUM, raw)[0]
    assert (answer[0], answer[1], list(answer[2])) == (status, total, unknowns)
    policy = load_text(MINIMUM).policy
    row = run_sql(policy, [read_profile(policy.schema, raw).values], {}, AS_OF)[0]
    assert (row["M1_status"], row["M1_total"], row["M1_unknowns"]) == (status, total, unknowns)
