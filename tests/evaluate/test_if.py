"""`if … then … else …` is `choose` (semantics.md §4): the engine, the reference and SQL give the
answers worked out here by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from policydsl import model as m
from policydsl.engine import closures
from policydsl.testing import load_text
from policydsl.values import Money
from tests.batch.helpers import run_sql
from tests.reference import evaluate as reference_evaluate

AS_OF = datetime.date(2024, 6, 1)
POLICY = """policy t.cond { title "条件取值" }
ordered enum level "层级" { none, innovative, provincial, little_giant }
entity enterprise "企业" {
  fact level "层级" : level
  fact revenue "营业收入" : money >= 0
  fact employees "从业人员" : integer >= 0
}
define ratio "支持比例" = if level >= little_giant then 50% else if level >= provincial then 40% else 30%
define cap "上限" = if employees > 100 then 200万元 else 100万元
measure M1 "奖励" {
  benefit grant g "奖励" { when level >= innovative amount min(revenue * ratio, cap) }
}
"""

# (level, revenue 万元, employees) → (status, total 万元 or None, unknowns), by hand:
CASES: list[tuple[str | None, int | None, int | None, str, str | None, list[str]]] = [
    ("provincial", 300, 50, "eligible", "100", []),  # 300 × 40% = 120, capped at 100
    ("little_giant", 300, 500, "eligible", "150", []),  # 300 × 50% = 150 under 200
    ("innovative", 200, 500, "eligible", "60", []),  # 200 × 30% = 60
    ("none", 300, 50, "not_eligible", None, []),
    (None, 100, 500, "undetermined", None, ["level"]),  # the condition itself is unknown
    ("innovative", 100, None, "eligible", "30", []),  # 30万元 below the cap, 200 or 100 (the hull [100, 200])
    ("provincial", None, 50, "eligible", None, ["revenue"]),
]


@pytest.fixture(scope="module")
def policy() -> m.Policy:
    return load_text(POLICY).policy


def _facts(level: str | None, revenue: int | None, employees: int | None) -> dict[str, Any]:
    return {"level": level, "revenue": None if revenue is None else Money.of(Decimal(revenue)),
            "employees": employees}


@pytest.mark.parametrize("level, revenue, employees, status, total, unknowns", CASES)
def test_engine_and_reference(policy: m.Policy, level: str | None, revenue: int | None, employees: int | None,
                              status: str, total: str | None, unknowns: list[str]) -> None:
    facts = _facts(level, revenue, employees)
    want = (status, None if total is None else Money.of(Decimal(total)), unknowns)
    fast = closures.evaluate(policy, facts, {}, AS_OF)["M1"]
    assert (fast.status, fast.total, list(fast.unknowns)) == want
    reference = reference_evaluate(policy, facts, {}, AS_OF).measures[0]
    assert (reference.status, reference.total, list(reference.unknowns)) == want


def test_sql(policy: m.Policy) -> None:
    rows = run_sql(policy, [_facts(*case[:3]) for case in CASES], {}, AS_OF)
    got = [(r["M1_status"], None if r["M1_total"] is None else r["M1_total"].normalize(), r["M1_unknowns"])
           for r in rows]
    assert got == [(s, None if t is None else Decimal(t), u) for *_, s, t, u in CASES]


SHARE = """policy t.share { title "占比" }
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact rd_expense "研发费用" : money >= 0
}
define share "研发占比" = if revenue > 0 then rd_expense / revenue else 0%
measure M1 "研发" {
  benefit service s "服务" { when share >= 3% }
}
"""


def test_only_the_chosen_value_matters() -> None:
    # revenue 0: the condition is false, so the division by zero in `then` is never the value.
    policy = load_text(SHARE).policy
    cases = [({"revenue": Money.of(0), "rd_expense": Money.of(5)}, ("not_eligible", [])),
             ({"revenue": Money.of(100), "rd_expense": Money.of(5)}, ("eligible", [])),  # 5%
             ({"revenue": None, "rd_expense": Money.of(5)}, ("undetermined", ["revenue"]))]
    for facts, want in cases:
        fast = closures.evaluate(policy, facts, {}, AS_OF)["M1"]
        assert (fast.status, list(fast.unknowns)) == want
        reference = reference_evaluate(policy, facts, {}, AS_OF).measures[0]
        assert (reference.status, list(reference.unknowns)) == want
    rows = run_sql(policy, [facts for facts, _ in cases], {}, AS_OF)
    assert [(r["M1_status"], r["M1_unknowns"]) for r in rows] == [want for _, want in cases]
