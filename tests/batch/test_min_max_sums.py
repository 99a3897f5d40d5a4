"""SQL ≡ Python for nested max/min (written once in SQL) and long sums (bounded by magnitude)."""

from __future__ import annotations

from pathlib import Path

import policydsl
from tests.batch.helpers import assert_same, profiles

POLICY = policydsl.load(Path(__file__).parent / "data" / "min_max_sums.pol").policy


def test_nested_min_max_and_long_sums_agree_with_python() -> None:
    facts = profiles(POLICY.schema, 2000, seed=11, max_items=4)
    assert assert_same(POLICY, facts, {}) > 2000 * 5
