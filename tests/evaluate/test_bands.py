"""Bands (docs/semantics.md, "Bands"): the row a value falls in, edges as the brackets say; an
unknown subject with bounds reaches only some rows (all equal → known; else between the least and
greatest). The engine, the reference and SQL (refined as a batch is) give the answers worked out
here by hand; the explanation shows the measured value and its row."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from policydsl import model as m
from policydsl.engine import closures
from policydsl.testing import load_text
from tests.batch.helpers import run_sql
from tests.reference import evaluate as reference_evaluate

AS_OF = datetime.date(2024, 6, 1)
POLICY = """policy t.bands { title "分档" }
entity enterprise "企业" {
  fact rd_ratio "上年度研发费用总额占营业收入总额比重" : ratio >= 0
  fact level "数字化水平" : integer 0..4
}
define rd_points "研发得分" = band rd_ratio {
  [5%, ..) => 20分
  [3%, 5%) => 15分
  [2%, 3%) => 10分
  [1%, 2%) => 5分
  (.., 1%) => 0分
}
define level_points "数字化得分" = band level {
  [0, 2) => 0分
  [2, 3] => 5分
  (3, 4] => 5分
}
measure M1 "研发" {
  benefit service s "服务" { when rd_points >= 15分 }
}
measure M2 "合计" {
  benefit service s "服务" { when rd_points + level_points >= 20分 }
}
measure M3 "数字化" {
  benefit service s "服务" { when level_points >= 5分 and level >= 1 }
}
"""

# rd_ratio, level → (M1, M2, M3) as (status, unknowns), by hand:
CASES: list[tuple[Decimal | None, int | None, tuple[tuple[str, list[str]], ...]]] = [
    (Decimal("0.05"), 2, (("eligible", []), ("eligible", []), ("eligible", []))),  # 20 + 5
    (Decimal("0.0499"), 1, (("eligible", []), ("not_eligible", []), ("not_eligible", []))),  # 15 + 0
    (Decimal("0.03"), 4, (("eligible", []), ("eligible", []), ("eligible", []))),  # 15 + 5 (3, 4] row
    (Decimal("0.0299"), 3, (("not_eligible", []), ("not_eligible", []), ("eligible", []))),  # 10 + 5
    (Decimal("0.01"), 0, (("not_eligible", []), ("not_eligible", []), ("not_eligible", []))),  # 5 + 0
    (Decimal("0.0099"), 2, (("not_eligible", []), ("not_eligible", []), ("eligible", []))),  # 0 + 5
    # level unknown: 0..4 → 0分 or 5分; with 20分 of research M2 holds either way
    (Decimal("0.06"), None, (("eligible", []), ("eligible", []), ("undetermined", ["level"]))),
    # level unknown, 15分 of research: 15 + (0 or 5) → open
    (Decimal("0.04"), None, (("eligible", []), ("undetermined", ["level"]), ("undetermined", ["level"]))),
    # rd_ratio unknown (>= 0): any row; level 2 → 5分: M2 needs ≥ 15分 of research
    (None, 2, (("undetermined", ["rd_ratio"]), ("undetermined", ["rd_ratio"]), ("eligible", []))),
]


@pytest.fixture(scope="module")
def policy() -> m.Policy:
    return load_text(POLICY).policy


def _facts(ratio: Decimal | None, level: int | None) -> dict[str, Any]:
    return {"rd_ratio": ratio, "level": level}


@pytest.mark.parametrize("ratio, level, want", CASES)
def test_engine_and_reference(policy: m.Policy, ratio: Decimal | None, level: int | None,
                              want: tuple[tuple[str, list[str]], ...]) -> None:
    fast = closures.evaluate(policy, _facts(ratio, level), {}, AS_OF)
    assert tuple((fast[i].status, list(fast[i].unknowns)) for i in ("M1", "M2", "M3")) == want
    reference = reference_evaluate(policy, _facts(ratio, level), {}, AS_OF)
    assert tuple((r.status, list(r.unknowns)) for r in reference.measures) == want


def test_sql(policy: m.Policy) -> None:
    rows = run_sql(policy, [_facts(ratio, level) for ratio, level, _ in CASES], {}, AS_OF)
    got = [tuple((r[f"{i}_status"], r[f"{i}_unknowns"]) for i in ("M1", "M2", "M3")) for r in rows]
    assert got == [want for *_, want in CASES]


def test_bounds_of_an_unknown_band(policy: m.Policy) -> None:
    # digital level 0..4 unknown: the rows it reaches give 0分 and 5分, so 0分..5分
    evaluation = closures.CompiledEvaluation(closures.compiler_for(policy), {"rd_ratio": Decimal("0.04")}, {}, AS_OF)
    value = evaluation.quiet(policy.definitions["level_points"].expr)
    assert (value.low, value.high) == (0, 5)  # type: ignore[attr-defined]


def test_explanation_shows_the_value_and_its_row(policy: m.Policy) -> None:
    tree = closures.evaluate(policy, _facts(Decimal("0.04"), 3), {}, AS_OF)["M1"].explanation
    labels: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        labels.append(node.label)
        stack.extend(node.children)
    assert "上年度研发费用总额占营业收入总额比重 4% → [3%, 5%) 15分" in labels
