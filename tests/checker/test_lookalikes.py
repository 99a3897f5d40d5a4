"""Names that look alike (PD235): the skeleton and the warning, and none on the shipped policies."""

from __future__ import annotations

import pytest

import policydsl
from policydsl.checker.lookalikes import look_alikes, skeleton
from tests.conftest import SANMENXIA


@pytest.mark.parametrize(
    ("a", "b"),
    [("revenue", "rеvenue"), ("ratio", "rαtio"), ("provincial", "ｐrovincial"), ("M1", "Ｍ1"), ("СOUNTY", "COUNTY")],
)
def test_names_that_look_alike_share_a_skeleton(a: str, b: str) -> None:
    assert a != b and skeleton(a) == skeleton(b)


def test_chinese_names_and_different_names_do_not() -> None:
    assert skeleton("专精特新") == "专精特新"
    assert skeleton("revenue") != skeleton("revenues")


def test_a_warning_for_the_later_name_only_and_none_for_a_name_declared_twice() -> None:
    found = look_alikes([("fact", "revenue", None), ("name", "rеvenue", None), ("fact", "revenue", None)])
    assert [(d.code, d.severity) for d in found] == [("PD235", "warning")]
    assert "'rеvenue' has 'е' (cyrillic small letter ie)" in (found[0].hint or "")


def test_the_shipped_policies_have_none() -> None:
    assert not [d for d in policydsl.check(SANMENXIA).diagnostics if d.code == "PD235"]
