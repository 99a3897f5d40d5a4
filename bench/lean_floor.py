"""The lean floor: the 28 Sanmenxia measures as lean a hand-written Python function as can be.

    evaluate_lean(profile, as_of, cap=Decimal(500), threshold=Decimal(200)) -> list of 28 rows

What a careful programmer writes for this one policy without an engine, doing the same job as
`policydsl evaluate()` and no more: it reads a raw profile (a JSON-like dict, money as a string
with its unit or a number of 万元), refuses what is not valid with a ValueError (a field not of
the profile, a value of the wrong type or out of its enum, a negative amount), and gives per
measure, in order M1..M28, a row (status, total in 万元 or None, unknowns, agencies). Money is
exact (Decimal), the logic three-valued (None is unknown, Kleene's and/or), M2's grant summed
per project, and the unknowns name the facts that would decide an open answer, as policydsl does:
only those whose value could change the answer (docs/semantics.md, "Exact unknowns"), which this
reading works out by hand where Kleene's logic alone would name more (M2, below); they are built
only where something is unknown, mostly from constant tuples. `threshold`, the base policy's
threshold, is taken as policydsl takes it but changes no row: M2 applies only to SRDI enterprises,
whose threshold its amendment sets to 150万元. It builds no result
objects, no explanations and no targets (M6's), so it does a little less than policydsl.
tests/policies/test_lean_floor.py holds every field of every row equal to policydsl's on the
generated profiles of bench/workload.py.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Row = tuple[str, "Decimal | None", tuple[str, ...], tuple[str, ...]]

E, U, N = "eligible", "undetermined", "not_eligible"
FIELDS = frozenset(("name", "county", "employees", "revenue", "rd_expense", "srdi_level", "key_little_giant",
                    "national_fund_received", "tech_sme", "in_cultivation_pool", "listing_intent",
                    "heritage_titles", "projects"))
PROJECT_FIELDS = frozenset(("name", "category", "investment", "seeks_industry_fund"))
RANK = {"none": 0, "innovative": 1, "provincial": 2, "little_giant": 3}
TITLES = frozenset(("industrial_heritage", "time_honored_brand", "geographical_indication", "intangible_heritage"))
CATEGORIES = frozenset(("intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet",
                        "other"))
SCOPE = frozenset(("intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet"))
END = datetime.date(2025, 12, 31)
ISSUE_YEAR = 2022  # 「自印发之日起」: issued on a day of 2022 that the text does not state
M16_START = datetime.date(2021, 1, 1)
TEN_THOUSAND = Decimal(10_000)
ZERO = Decimal(0)
AMENDED_THRESHOLD = Decimal(150)  # M2's amendment for SRDI enterprises: threshold 150万元, ratio 40%
AMENDED_RATIO = Decimal("0.4")
SME_EMPLOYEES, SME_REVENUE = 1000, Decimal(40_000)

COLLECTIVE = ("各县(市、区)政府", "城乡一体化示范区、开发区管委会")
GOVERNMENT = {
    "湖滨区": ("湖滨区人民政府",), "陕州区": ("陕州区人民政府",), "义马市": ("义马市人民政府",),
    "灵宝市": ("灵宝市人民政府",), "渑池县": ("渑池县人民政府",), "卢氏县": ("卢氏县人民政府",),
    "城乡一体化示范区": ("城乡一体化示范区管理委员会",), "经济开发区": ("经济开发区管理委员会",),
}
CITY_INDUSTRY = "市工业和信息化局"
COUNTY_INDUSTRY = {county: f"{county}工业和信息化主管部门" for county in GOVERNMENT}
ANY_COUNTY_INDUSTRY = "县级工业和信息化主管部门"
AGENCIES: dict[int, tuple[str, ...]] = {
    1: ("市财政局", CITY_INDUSTRY), 2: (CITY_INDUSTRY, "市财政局"), 3: (CITY_INDUSTRY, "市财政局"), 5: ("市税务局",),
    6: ("市科技局",), 7: ("市科技局",), 8: ("市市场监管局",), 9: (CITY_INDUSTRY,), 10: (CITY_INDUSTRY, "市科技局"),
    11: ("市市场监管局",), 12: (CITY_INDUSTRY, "市商务局", "市市场监管局", "市文化广电旅游局"),
    13: ("人行三门峡市中心支行", "三门峡银保监分局"), 14: ("市金融局",), 15: ("市财政局",), 16: (CITY_INDUSTRY,),
    17: (CITY_INDUSTRY,), 18: (CITY_INDUSTRY,), 19: ("市委人才办",), 20: (CITY_INDUSTRY,), 21: (CITY_INDUSTRY,),
    22: (CITY_INDUSTRY, "市科技局", "市人力资源社会保障局"), 23: (CITY_INDUSTRY,), 24: (CITY_INDUSTRY,),
    25: (CITY_INDUSTRY,),
}
LEVEL = ("srdi_level",)
NOT_IN_FORCE: Row = ("not_in_force", None, (), ())
ISSUE_DAY_UNKNOWN: Row = ("undetermined", None, ("sanmenxia.issued_on",), ())
M27: Row = ("not_applicable", None, (), COLLECTIVE)


def invalid(field: str, raw: object) -> ValueError:
    return ValueError(f"{field}: {raw!r} is not valid")


def money(raw: object, field: str) -> Decimal:
    """An amount in 万元: a number of 万元, or a string with its unit (元, 万元, 亿元)."""
    kind = type(raw)
    try:
        if kind is str:
            text: str = raw  # type: ignore[assignment]
            if text.endswith("万元"):
                value = Decimal(text[:-2])
            elif text.endswith("亿元"):
                value = Decimal(text[:-2]) * TEN_THOUSAND
            elif text.endswith("元"):
                value = Decimal(text[:-1]).scaleb(-4)
            else:
                value = Decimal(text)
        elif kind is int:
            value = Decimal(raw)  # type: ignore[arg-type]
        elif kind is float:
            value = Decimal(repr(raw))
        else:
            raise invalid(field, raw)
    except InvalidOperation:
        raise invalid(field, raw) from None
    if not value.is_finite() or value < ZERO:
        raise invalid(field, raw)
    return value


def boolean(raw: object, field: str) -> bool | None:
    if raw is None or raw is True or raw is False:
        return raw  # type: ignore[return-value]
    raise invalid(field, raw)


def sorted_union(*parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({path for part in parts for path in part}))


def evaluate_lean(profile: dict[str, Any], as_of: datetime.date, cap: Decimal | None = Decimal(500),
                  threshold: Decimal | None = Decimal(200)) -> list[Row]:
    """The rows of M1..M28 for one raw profile; ValueError for a profile that is not valid."""
    # ---- read and validate the profile
    if type(profile) is not dict or not FIELDS.issuperset(profile):
        raise ValueError(f"not a profile of Sanmenxia's facts: {profile!r}")
    get = profile.get
    name = get("name")
    if name is not None and type(name) is not str:
        raise invalid("name", name)
    county = get("county")
    if county is not None and county not in GOVERNMENT:
        raise invalid("county", county)
    employees = get("employees")
    if employees is not None and (type(employees) is not int or employees < 0):
        raise invalid("employees", employees)
    revenue = get("revenue")
    if revenue is not None:
        revenue = money(revenue, "revenue")
    rd_expense = get("rd_expense")
    if rd_expense is not None:
        money(rd_expense, "rd_expense")
    level = get("srdi_level")
    rank = RANK.get(level) if level is not None else None  # type: ignore[arg-type]
    if rank is None and level is not None:
        raise invalid("srdi_level", level)
    boolean(get("key_little_giant"), "key_little_giant")  # checked; M4 does not read it
    fund = get("national_fund_received")
    if fund is not None:
        fund = money(fund, "national_fund_received")
    tech_sme = boolean(get("tech_sme"), "tech_sme")
    pool = boolean(get("in_cultivation_pool"), "in_cultivation_pool")
    listing = boolean(get("listing_intent"), "listing_intent")
    titles = get("heritage_titles")
    if titles is not None and (type(titles) is not list or not TITLES.issuperset(titles)
                               or len(set(titles)) != len(titles)):
        raise invalid("heritage_titles", titles)
    raw_projects = get("projects")
    projects: list[tuple[str | None, Decimal | None, bool | None]] | None = None
    if raw_projects is not None:
        if type(raw_projects) is not list:
            raise invalid("projects", raw_projects)
        projects = []
        for item in raw_projects:
            if type(item) is not dict or not PROJECT_FIELDS.issuperset(item):
                raise invalid("projects", item)
            item_name, category = item.get("name"), item.get("category")
            if item_name is not None and type(item_name) is not str:
                raise invalid("projects.name", item_name)
            if category is not None and category not in CATEGORIES:
                raise invalid("projects.category", category)
            investment = item.get("investment")
            projects.append((category, None if investment is None else money(investment, "projects.investment"),
                             boolean(item.get("seeks_industry_fund"), "projects.seeks_industry_fund")))
    if as_of > END or as_of.year < ISSUE_YEAR:
        return [NOT_IN_FORCE] * 28
    if as_of.year == ISSUE_YEAR:  # in force or not depends on the issue day, not given here
        return [ISSUE_DAY_UNKNOWN] * 28

    # ---- what several measures share
    srdi = None if rank is None else rank >= 2
    giant = None if rank is None else rank == 3
    srdi_unknowns = LEVEL if srdi is None else ()
    by_srdi = U if srdi is None else E if srdi else N
    if (employees is not None and employees < SME_EMPLOYEES) or (revenue is not None and revenue < SME_REVENUE):
        sme: bool | None = True
        sme_unknowns: tuple[str, ...] = ()
    elif employees is None or revenue is None:
        sme = None
        sme_unknowns = ("employees", "revenue") if employees is None and revenue is None else (
            ("employees",) if employees is None else ("revenue",))
    else:
        sme, sme_unknowns = False, ()
    government = COLLECTIVE if county is None else GOVERNMENT[county]

    # M2: a grant per project for SRDI enterprises alone, on the amended terms: threshold 150万元,
    # ratio 40%, the base cap. The base threshold `threshold` is never read: the measure applies only
    # if SRDI, and then its threshold is 150万元, so no value of the base threshold changes M2.
    if srdi is False or projects == []:
        m2: Row = (N, None, (), AGENCIES[2])
    elif projects is None:  # SRDI or possibly: what the projects are decides
        m2 = (U, None, ("projects", *srdi_unknowns), AGENCIES[2])
    else:
        # The projects read as if SRDI: one that surely passes, or those that might (what they lack).
        sure = False
        paths: set[str] = set()
        grant = ZERO
        for index, (category, investment, _) in enumerate(projects):
            if (category is not None and category not in SCOPE) or (investment is not None
                                                                    and investment < AMENDED_THRESHOLD):
                continue  # never passes, whatever is unknown about it
            if category is None or investment is None:
                if category is None:
                    paths.add(f"projects[{index}].category")
                if investment is None:
                    paths.add(f"projects[{index}].investment")
            else:
                sure = True
                if cap is None:
                    paths.add("three_upgrades.cap")
                else:
                    grant += min(investment * AMENDED_RATIO, cap)
        if srdi:  # SRDI: a project that passes makes it eligible; the open ones are named
            m2 = (E, grant if cap is not None else None, tuple(sorted(paths)), AGENCIES[2]) if sure else (
                (U, None, tuple(sorted(paths)), AGENCIES[2]) if paths else (N, None, (), AGENCIES[2]))
        elif sure:  # SRDI unknown, a project passes if SRDI: the level alone decides
            m2 = (U, None, LEVEL, AGENCIES[2])
        elif paths:  # SRDI unknown, a project might pass if SRDI: the level and what it lacks decide
            m2 = (U, None, tuple(sorted(paths | {"srdi_level"})), AGENCIES[2])
        else:  # no project could pass even if SRDI: not eligible, whatever the level
            m2 = (N, None, (), AGENCIES[2])

    # M4: 1:1 matching of the national key little-giant fund; having received it is the only condition.
    if fund is None:
        m4: Row = (U, None, ("national_fund_received",), government)
    elif fund <= ZERO:
        m4 = (N, None, (), government)
    else:
        m4 = (E, fund, (), government)

    # M12: SMEs, and enterprises holding a heritage title.
    titled = None if titles is None else len(titles) >= 1
    m12: Row = (E if sme or titled else U if sme is None or titled is None else N, None,
                sorted_union(sme_unknowns, ("heritage_titles",)) if titled is None else sme_unknowns, AGENCIES[12])

    # M14: SRDI with the intent to list.
    if srdi is False or listing is False:
        m14: Row = (N, None, (), AGENCIES[14])
    elif srdi is None or listing is None:
        m14 = (U, None, ("listing_intent", *srdi_unknowns) if listing is None else LEVEL, AGENCIES[14])
    else:
        m14 = (E, None, (), AGENCIES[14])

    # M15: SRDI with some project seeking industry-fund investment.
    if projects is None:
        seeks: bool | None = None
        seek_unknowns: tuple[str, ...] = ("projects",)
    else:
        seeks, seek_unknowns = False, ()
        for index, (_, _, wants) in enumerate(projects):
            if wants:
                seeks, seek_unknowns = True, ()
                break
            if wants is None:
                seeks = None
                seek_unknowns += (f"projects[{index}].seeks_industry_fund",)
    if srdi is False or seeks is False:
        m15: Row = (N, None, (), AGENCIES[15])
    elif srdi is None or seeks is None:
        m15 = (U, None, seek_unknowns + srdi_unknowns, AGENCIES[15])
    else:
        m15 = (E, None, (), AGENCIES[15])

    # M16: two benefits, the cultivation pool's and SRDI's (in force from 2021).
    if as_of < M16_START:
        m16 = NOT_IN_FORCE
    else:
        m16 = (E if pool or srdi else U if pool is None or srdi is None else N, None,
               ("in_cultivation_pool", *srdi_unknowns) if pool is None else srdi_unknowns, AGENCIES[16])

    # M26: (a) SRDI or in the pool, the one-to-one mechanism; (b) SRDI, a service officer. The city
    # authority always; the county authority too unless a little giant.
    if srdi or pool:
        m26_status = E
    elif srdi is None or pool is None:
        m26_status = U
    else:
        m26_status = N
    # (a) is unknown when neither is true and one is unknown; (b) when the level is.
    m26_unknowns = (("in_cultivation_pool",) if pool is None and srdi is not True else ()) + srdi_unknowns
    county_industry = ANY_COUNTY_INDUSTRY if county is None else COUNTY_INDUSTRY[county]
    m26_agencies = (CITY_INDUSTRY,) if giant else (CITY_INDUSTRY, county_industry)

    return [
        (by_srdi, None, srdi_unknowns, AGENCIES[1]),
        m2,
        (U if giant is None else E if giant else N, None, srdi_unknowns, AGENCIES[3]),
        m4,
        (by_srdi, None, srdi_unknowns, AGENCIES[5]),
        (U if tech_sme is None else E if tech_sme else N, None, ("tech_sme",) if tech_sme is None else (), AGENCIES[6]),
        (by_srdi, None, srdi_unknowns, AGENCIES[7]),
        # M8: two benefits, SMEs' and SRDI's: either decides, and both name what they lack.
        (E if sme or srdi else U if sme is None or srdi is None else N, None, sme_unknowns + srdi_unknowns,
         AGENCIES[8]),
        (by_srdi, None, srdi_unknowns, AGENCIES[9]),
        (by_srdi, None, srdi_unknowns, AGENCIES[10]),
        (by_srdi, None, srdi_unknowns, AGENCIES[11]),
        m12,
        (by_srdi, None, srdi_unknowns, AGENCIES[13]),
        m14,
        m15,
        m16,
        (by_srdi, None, srdi_unknowns, AGENCIES[17]),
        (by_srdi, None, srdi_unknowns, AGENCIES[18]),
        (by_srdi, None, srdi_unknowns, AGENCIES[19]),
        (by_srdi, None, srdi_unknowns, AGENCIES[20]),
        # M21: SRDI's benefit and little giants' (a little giant is SRDI: the same level decides both).
        (by_srdi, None, srdi_unknowns, AGENCIES[21]),
        (by_srdi, None, srdi_unknowns, AGENCIES[22]),
        (by_srdi, None, srdi_unknowns, AGENCIES[23]),
        (by_srdi, None, srdi_unknowns, AGENCIES[24]),
        (by_srdi, None, srdi_unknowns, AGENCIES[25]),
        (m26_status, None, m26_unknowns, m26_agencies),
        M27,
        # M28: SRDI (two benefits) or SME.
        (E if srdi or sme else U if srdi is None or sme is None else N, None, sme_unknowns + srdi_unknowns,
         government),
    ]
