"""The shapes of compiled measure plans (engine/closures.py) that keep rows per combination of
conditions, or decide several measures by one read, give the answers worked out here by hand."""

from __future__ import annotations

import datetime

import pytest

from policydsl.testing import load_text

DAY = datetime.date(2024, 6, 1)
POLICY = """
policy plans { title "计划" }
entity enterprise "企业" {
  fact a "甲" : bool
  fact b "乙" : bool
  fact revenue "收入" : money >= 0
  fact county "县" : county
}
enum county "县" { east, west }
define both "甲且乙" = a and b
define nothing "除以零" = revenue / 0
table office "办公室" by county { east => "东局"  west => "西局"  unknown => "东局", "西局" }
measure M1 "一" { condition c "甲" = a  benefit service s "服务" { when c } }
measure M2 "二" { condition c "甲" = a  benefit service s "服务" { when c } }
measure M3 "三" { benefit service s "服务" { when both } }
measure M4 "四" { benefit service s "服务" { when nothing > 1万元 } }
measure M0 "基础" { benefit service t "服务" { when nothing > 1万元 } }
measure M5 "五" {
  benefit service s "服务" { when a }
  benefit service t "服务" from M0.t { when b }
}
measure M6 "六" {
  agencies "市局" when a, office
  benefit service s "服务" { when b }
}
"""


@pytest.mark.parametrize(("profile", "expected"), [
    # M1 and M2 read the same fact: one read decides both.
    ({"a": True, "b": True, "revenue": 1, "county": "east"},
     {"M0": ("undetermined", ()), "M1": ("eligible", ()), "M2": ("eligible", ()), "M3": ("eligible", ()),
      "M4": ("undetermined", ()),
      "M5": ("eligible", ()), "M6": ("eligible", ())}),
    ({"a": False, "b": False, "county": "west"},
     {"M0": ("undetermined", ("revenue",)), "M1": ("not_eligible", ()), "M2": ("not_eligible", ()),
      "M3": ("not_eligible", ()), "M4": ("undetermined", ("revenue",)), "M5": ("not_eligible", ()),
      "M6": ("not_eligible", ())}),
    # a unknown: M1, M2 and M3 undetermined naming it (M3: b is true, so only a decides).
    ({"b": True, "revenue": 1},
     {"M0": ("undetermined", ()), "M1": ("undetermined", ("a",)), "M2": ("undetermined", ("a",)),
      "M3": ("undetermined", ("a",)),
      "M4": ("undetermined", ()), "M5": ("undetermined", ("a",)), "M6": ("eligible", ())}),
    # M5's second benefit: b true and a division by zero, which names nothing, is still unknown.
    ({"a": False, "b": True, "revenue": 1},
     {"M0": ("undetermined", ()), "M1": ("not_eligible", ()), "M2": ("not_eligible", ()),
      "M3": ("not_eligible", ()), "M4": ("undetermined", ()), "M5": ("undetermined", ()), "M6": ("eligible", ())}),
])
def test_rows_by_what_decides_them(profile: dict[str, object], expected: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    policies = load_text(POLICY)
    for _ in range(2):  # the second time from the rows kept
        result = policies.evaluate(profile, as_of=DAY)
        assert {m.id: (m.status, m.unknowns) for m in result.measures} == expected


def test_agencies_by_condition_and_table() -> None:
    policies = load_text(POLICY)
    agencies = {(a, county): policies.evaluate({"a": a, "county": county}, as_of=DAY)["M6"].agencies
                for a in (True, False, None) for county in ("east", None)}
    assert agencies == {
        (True, "east"): ("市局", "东局"), (True, None): ("市局", "东局", "西局"),
        (False, "east"): ("东局",), (False, None): ("东局", "西局"),
        (None, "east"): ("市局", "东局"), (None, None): ("市局", "东局", "西局"),  # unknown: kept as a candidate
    }


def test_benefits_of_kept_rows_are_the_measure_s_own() -> None:
    policies = load_text(POLICY)
    # revenue unknown: `nothing` is unknown for want of revenue (the division is not reached).
    result = policies.evaluate({"a": True, "b": None}, as_of=DAY)
    assert [(b.id, b.applies, b.unknowns) for b in result["M5"].benefits] == [
        ("s", True, ()), ("t", None, ("b", "revenue"))]
    assert result["M5"].status == "eligible" and result["M5"].unknowns == ("b", "revenue")
