"""Golden explanations: the text a civil servant reads, reviewed in diffs (--update-golden)."""

from __future__ import annotations

import datetime
import json

import pytest

import policydsl
from policydsl.result import explanation_text
from tests.conftest import ROOT
from tests.golden import assert_golden

CASES = [
    # (name, policy, profile, measure, params)
    ("tutorial-lingbao-M4", "docs/tutorial/matching.pol", "docs/tutorial/lingbao.json", "M4", {}),
    ("tutorial-unknown-fund-M4", "docs/tutorial/matching.pol", "docs/tutorial/unknown-fund.json", "M4", {}),
    ("smallest-M1-capped", "tests/cases/good/good/smallest.pol", "tests/cli/data/small.json", "M1", {"cap": 300}),
    ("smallest-M1-no-cap", "tests/cases/good/good/smallest.pol", "tests/cli/data/small.json", "M1", {}),
]


@pytest.mark.parametrize(("name", "policy", "profile", "measure", "params"), CASES, ids=[c[0] for c in CASES])
def test_explanation(name: str, policy: str, profile: str, measure: str, params: dict[str, object],
                     update_golden: bool) -> None:
    result = policydsl.load(policy).evaluate(profile, as_of=datetime.date(2024, 6, 1), params=params)
    node = result[measure].explanation
    assert_golden(explanation_text(node) + "\n", ROOT / "tests" / "golden" / "explain" / f"{name}.txt", update_golden)
    document = json.dumps(node.to_dict(), ensure_ascii=False, indent=1) + "\n"
    assert_golden(document, ROOT / "tests" / "golden" / "explain" / f"{name}.json", update_golden)


NATIONAL = "policies/national/examples/profiles"
NATIONAL_CASES = [
    # (name, profile, measure, as_of): national-criteria.md §11, examples 1 and 3, reviewed against the
    # hand-worked figures there (bands with their measured values, subtotals with floors, the route).
    ("national-ex1-srdi", f"{NATIONAL}/ex1-score-straddles.json", "srdi", "2025-06-01"),
    ("national-ex3-innovative", f"{NATIONAL}/ex3-unknown-revenue.json", "innovative", "2025-03-10"),
]


@pytest.mark.parametrize(("name", "profile", "measure", "as_of"), NATIONAL_CASES, ids=[c[0] for c in NATIONAL_CASES])
def test_national_explanation(name: str, profile: str, measure: str, as_of: str, update_golden: bool) -> None:
    result = policydsl.load("policies/national").evaluate(profile, as_of=datetime.date.fromisoformat(as_of))
    node = result[measure].explanation
    assert_golden(explanation_text(node) + "\n", ROOT / "tests" / "golden" / "explain" / f"{name}.txt", update_golden)
    document = json.dumps(node.to_dict(), ensure_ascii=False, indent=1) + "\n"
    assert_golden(document, ROOT / "tests" / "golden" / "explain" / f"{name}.json", update_golden)
