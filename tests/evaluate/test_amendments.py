"""The amendment rule (semantics.md §9): amendments of one name folded with `choose`, lowest
priority first; the one that prevails (`over`) wins where both hold; an unknown condition leaves
the value unknown unless it would not change it. Every engine gives the answers worked out here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from policydsl import model as m
from policydsl.checker.loader import load
from policydsl.checker.policy import check_loaded
from policydsl.engine import closures
from policydsl.values import Money
from tests.batch.helpers import run_sql
from tests.reference import evaluate as reference_evaluate

AS_OF = datetime.date(2024, 6, 1)
POLICY = """policy t.amend { title "修改规则" }
entity enterprise "企业" {
  fact a "条件甲" : bool
  fact b "条件乙" : bool
  fact revenue "营业收入" : money >= 0
}
parameter threshold "门槛" : money = 200万元
amend lower "甲:门槛降低到150万元" when a { threshold = 150万元 }
amend lowest "乙:门槛降低到100万元" when b over lower { threshold = 100万元 }
measure M1 "奖励" {
  benefit grant g "奖励" { when revenue >= threshold amount 10万元 }
}
"""

# (a, b, revenue 万元, supplied threshold 万元 or None) → (status, unknowns), by hand:
# base 200 (or the supplied value); `lower` gives 150 where a holds; `lowest` prevails with 100.
CASES: list[tuple[bool | None, bool | None, int, int | None, str, list[str]]] = [
    (True, True, 120, None, "eligible", []),  # both hold: lowest prevails, 120 >= 100
    (True, False, 120, None, "not_eligible", []),  # 150
    (False, True, 120, None, "eligible", []),  # 100
    (False, False, 120, None, "not_eligible", []),  # 200
    (None, True, 120, None, "eligible", []),  # lowest decides whatever a is
    (True, None, 120, None, "undetermined", ["b"]),  # 150 or 100: b decides
    (True, None, 160, None, "eligible", []),  # 150 or 100: 160 passes both (the hull [100, 150])
    (None, None, 120, None, "undetermined", ["b"]),  # b → 100 passes; not b → 150 or 200 fail: a cannot matter
    (False, None, 120, None, "undetermined", ["b"]),  # 200 or 100
    (None, False, 120, None, "not_eligible", []),  # 200 or 150: 120 fails both
    (None, False, 160, 150, "eligible", []),  # supplied 150: `lower` would not change it
    (None, False, 120, 150, "not_eligible", []),  # 150 whatever a is
    (None, None, 90, 100, "not_eligible", []),  # 100 or 150: 90 fails both
    (False, None, 120, 100, "eligible", []),  # 100 either way
]


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> m.Policy:
    folder = tmp_path_factory.mktemp("amend")
    (folder / "main.pol").write_text(POLICY, encoding="utf-8")
    checked, diagnostics = check_loaded(load(folder / "main.pol"))
    assert checked is not None, diagnostics
    return checked


def _facts(a: bool | None, b: bool | None, revenue: int) -> dict[str, Any]:
    return {"a": a, "b": b, "revenue": Money.of(Decimal(revenue))}


def _params(threshold: int | None) -> dict[str, object]:
    return {} if threshold is None else {"threshold": Money.of(Decimal(threshold))}


@pytest.mark.parametrize("a, b, revenue, threshold, status, unknowns", CASES)
def test_the_engine_and_the_reference(policy: m.Policy, a: bool | None, b: bool | None, revenue: int, threshold: int | None,
                        status: str, unknowns: list[str]) -> None:
    result = closures.evaluate(policy, _facts(a, b, revenue), _params(threshold), AS_OF)
    assert (result["M1"].status, list(result["M1"].unknowns)) == (status, unknowns)
    reference = reference_evaluate(policy, _facts(a, b, revenue), _params(threshold), AS_OF)
    assert (reference.measures[0].status, list(reference.measures[0].unknowns)) == (status, unknowns)


@pytest.mark.parametrize("threshold", [None, 100, 150])
def test_sql(policy: m.Policy, threshold: int | None) -> None:
    cases = [c for c in CASES if c[3] == threshold]
    rows = run_sql(policy, [_facts(a, b, revenue) for a, b, revenue, *_ in cases], _params(threshold), AS_OF)
    got = [(row["M1_status"], row["M1_unknowns"]) for row in rows]
    assert got == [(status, unknowns) for *_, status, unknowns in cases]


def test_explanation_names_the_prevailing_amendment(policy: m.Policy) -> None:
    result = closures.evaluate(policy, _facts(True, True, 120), {}, AS_OF)
    text = str(result.explain("M1"))
    assert "amended by lowest (乙:门槛降低到100万元); base value 200万元" in text
    undecided = closures.evaluate(policy, _facts(True, None, 120), {}, AS_OF)
    assert "unknown whether amendment lowest applies" in str(undecided.explain("M1"))
