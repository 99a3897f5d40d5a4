"""The floor: the 28 Sanmenxia measures written by hand as one Python function.

It reads the raw profile (money strings with units included), applies three-valued logic with
None for unknown, and returns each measure's status, total (万元) and agencies, as a careful
programmer would without a rules engine. It does not name unknown facts or build explanations,
so it does less than policydsl; ratios against it are therefore conservative.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

UNITS = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}
LEVELS = {"none": 0, "innovative": 1, "provincial": 2, "little_giant": 3}
SCOPE = {"intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet"}
END = datetime.date(2025, 12, 31)
ISSUE_YEAR = 2022  # 「自印发之日起」: issued on a day of 2022 that the text does not state
M16_START = datetime.date(2021, 1, 1)
GOVERNMENT = {
    "湖滨区": "湖滨区人民政府", "陕州区": "陕州区人民政府", "义马市": "义马市人民政府", "灵宝市": "灵宝市人民政府",
    "渑池县": "渑池县人民政府", "卢氏县": "卢氏县人民政府", "城乡一体化示范区": "城乡一体化示范区管理委员会",
    "经济开发区": "经济开发区管理委员会",
}
COLLECTIVE = ("各县(市、区)政府", "城乡一体化示范区、开发区管委会")


def money(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        for unit, factor in UNITS.items():
            if value.endswith(unit):
                return Decimal(value[: -len(unit)]) * factor
        return Decimal(value)
    return Decimal(str(value))


def and3(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def or3(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def status(*applies: bool | None) -> str:
    if any(a is True for a in applies):
        return "eligible"
    return "undetermined" if any(a is None for a in applies) else "not_eligible"


def m2_reading(projects: list[dict[str, Any]] | None, srdi: bool, cap: Decimal | int | None,
               threshold: Decimal | None) -> tuple[str, Decimal | None]:
    """M2's status and total for a known SRDI answer."""
    cap_value = Decimal(cap) if cap is not None else None
    item_applies: list[bool | None] = []
    total = Decimal(0)
    complete = True
    if projects is None:
        item_applies.append(None if srdi else False)
    else:
        limit = Decimal(150) if srdi else threshold
        ratio = Decimal("0.4") if srdi else Decimal("0.3")
        for project in projects:
            category = project.get("category")
            investment = money(project.get("investment"))
            in_scope = None if category is None else category in SCOPE
            enough = None if investment is None or limit is None else investment >= limit
            applies = and3(srdi, in_scope, enough)
            item_applies.append(applies)
            if applies is True:
                assert investment is not None
                if cap_value is None:
                    complete = False
                else:
                    total += min(investment * ratio, cap_value)
    return status(*item_applies), (total if complete and any(a is True for a in item_applies) else None)


def evaluate_by_hand(profile: dict[str, Any], as_of: datetime.date, cap: Decimal | int | None = None,
                     threshold: Decimal | None = None) -> dict[str, tuple[str, Decimal | None, tuple[str, ...]]]:
    level = profile.get("srdi_level")
    rank = LEVELS[level] if level is not None else None
    srdi = None if rank is None else rank >= 2
    giant = None if rank is None else rank == 3
    employees = profile.get("employees")
    revenue = money(profile.get("revenue"))
    sme = or3(None if employees is None else employees < 1000, None if revenue is None else revenue < 40000)
    county = profile.get("county")
    government = (GOVERNMENT[county],) if county is not None else COLLECTIVE
    out: dict[str, tuple[str, Decimal | None, tuple[str, ...]]] = {}
    if as_of > END or as_of.year < ISSUE_YEAR:
        return {f"M{n}": ("not_in_force", None, ()) for n in range(1, 29)}
    if as_of.year == ISSUE_YEAR:  # in force or not depends on the issue day, not given here
        return {f"M{n}": ("undetermined", None, ()) for n in range(1, 29)}  # no agencies, as out of force

    def simple(n: int, applies: bool | None, agencies: tuple[str, ...]) -> None:
        out[f"M{n}"] = (status(applies), None, agencies)

    industry = ("市工业和信息化局",)
    simple(1, srdi, ("市财政局", "市工业和信息化局"))
    # M2: per project, base threshold amended to 150万元 and ratio to 40% for SRDI enterprises.
    # With the level unknown, the measure is read over both completions (semantics.md §24): not
    # SRDI, nothing applies; SRDI, the amended terms. Both not eligible decides it; else undetermined.
    projects = profile.get("projects")
    m2_status, m2_total = m2_reading(projects, True if srdi is None else srdi, cap, threshold)
    if srdi is None and m2_status != "not_eligible":
        m2_status, m2_total = "undetermined", None
    out["M2"] = (m2_status, m2_total, ("市工业和信息化局", "市财政局"))
    simple(3, giant, ("市工业和信息化局", "市财政局"))
    fund = money(profile.get("national_fund_received"))
    m4 = None if fund is None else fund > 0  # received national funds: the only condition
    out["M4"] = (status(m4), fund if m4 is True else None, government)
    simple(5, srdi, ("市税务局",))
    simple(6, profile.get("tech_sme"), ("市科技局",))
    simple(7, srdi, ("市科技局",))
    simple(8, or3(sme, srdi), ("市市场监管局",))
    simple(9, srdi, industry)
    simple(10, srdi, ("市工业和信息化局", "市科技局"))
    simple(11, srdi, ("市市场监管局",))
    titles = profile.get("heritage_titles")
    simple(12, or3(sme, None if titles is None else len(titles) >= 1),
           ("市工业和信息化局", "市商务局", "市市场监管局", "市文化广电旅游局"))
    simple(13, srdi, ("人行三门峡市中心支行", "三门峡银保监分局"))
    simple(14, and3(srdi, profile.get("listing_intent")), ("市金融局",))
    if projects is None:
        seeks: bool | None = None
    else:
        seeks = or3(*(p.get("seeks_industry_fund") for p in projects)) if projects else False
    simple(15, and3(srdi, seeks), ("市财政局",))
    if as_of < M16_START:
        out["M16"] = ("not_in_force", None, ())
    else:
        simple(16, or3(profile.get("in_cultivation_pool"), srdi), industry)
    for n in (17, 18):
        simple(n, srdi, industry)
    simple(19, srdi, ("市委人才办",))
    for n in (20, 21):
        simple(n, srdi, industry)
    simple(22, srdi, ("市工业和信息化局", "市科技局", "市人力资源社会保障局"))
    for n in (23, 24, 25):
        simple(n, srdi, industry)
    authority = (f"{county}工业和信息化主管部门",) if county is not None else ("县级工业和信息化主管部门",)
    # 市工业和信息化局 always; the county authority too unless a little giant (both when unknown).
    agencies26 = industry if giant else industry + authority
    simple(26, or3(srdi, profile.get("in_cultivation_pool")), agencies26)  # (b) SRDI only: within (a)
    out["M27"] = ("not_applicable", None, COLLECTIVE)
    simple(28, or3(srdi, sme), government)
    return out
