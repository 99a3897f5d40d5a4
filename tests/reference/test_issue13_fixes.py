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
