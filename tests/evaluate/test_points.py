"""Points (分): literals, points ± points, points × number, comparisons, profile values read exactly;
the engine, the reference and SQL give the answers worked out here by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import policydsl
from policydsl import model as m
from policydsl.engine import closures
from policydsl.testing import load_text
from tests.batch.helpers import run_sql
from tests.reference import evaluate as reference_evaluate

AS_OF = datetime.date(2024, 6, 1)
POLICY = """policy t.points { title "积分" }
entity enterprise "企业" {
  fact ip_points "知识产权得分" : points >= 0
  fact bonus "加分" : points 0..10
}
define total "总分" = ip_points + bonus * 2 - 0.5分
measure M1 "积分" {
  benefit service s "服务" { when total >= 15分 and max(ip_points, 3分) > 2.5分 }
}
"""

# (ip_points, bonus) → (status, unknowns), by hand:
CASES = [
    (Decimal("12.5"), Decimal(2), "eligible", []),  # 12.5 + 4 - 0.5 = 16 ≥ 15
    (Decimal("11.49"), Decimal(2), "not_eligible", []),  # 14.99
    (Decimal("11.5"), Decimal(2), "eligible", []),  # 15 exactly
    (Decimal("16"), None, "eligible", []),  # bonus 0..10: at least 15.5
    (Decimal("12.5"), None, "undetermined", ["bonus"]),  # 12 .. 32
    (None, Decimal(10), "eligible", []),  # ip_points ≥ 0: total ≥ 19.5, max(…, 3分) ≥ 3分
    (None, Decimal(2), "undetermined", ["ip_points"]),  # total ≥ 3.5 only
]


@pytest.fixture(scope="module")
def policy() -> m.Policy:
    return load_text(POLICY).policy


@pytest.mark.parametrize("ip, bonus, status, unknowns", CASES)
def test_engine_and_reference(policy: m.Policy, ip: Decimal | None, bonus: Decimal | None, status: str,
                              unknowns: list[str]) -> None:
    facts = {"ip_points": ip, "bonus": bonus}
    fast = closures.evaluate(policy, facts, {}, AS_OF)["M1"]
    assert (fast.status, list(fast.unknowns)) == (status, unknowns)
    reference = reference_evaluate(policy, facts, {}, AS_OF).measures[0]
    assert (reference.status, list(reference.unknowns)) == (status, unknowns)


def test_sql(policy: m.Policy) -> None:
    rows = run_sql(policy, [{"ip_points": ip, "bonus": bonus} for ip, bonus, *_ in CASES], {}, AS_OF)
    assert [(r["M1_status"], r["M1_unknowns"]) for r in rows] == [(s, u) for *_, s, u in CASES]


def test_profile_values_are_exact(tmp_path: Path) -> None:
    (tmp_path / "p.pol").write_text(POLICY, encoding="utf-8")
    policies = policydsl.load(tmp_path / "p.pol")
    # JSON numbers read exactly: 11.49 + 2 × 2 - 0.5 = 14.99 < 15 (no float error), "2分" with its unit
    low = policies.evaluate({"ip_points": 11.49, "bonus": "2分"}, as_of=AS_OF)
    assert low["M1"].status == "not_eligible"
    exact = policies.evaluate({"ip_points": 11.5, "bonus": "2分"}, as_of=AS_OF)
    assert exact["M1"].status == "eligible"
