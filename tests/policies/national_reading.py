"""An independent reading of the national gradient criteria, straight from the spec's tables.

Written by hand from shared/spec/national-criteria.md, sharing no code with policydsl: a profile dict,
an `as_of` date and the parameters give each measure's status, version, score interval, subtotals
and unknowns. Unknown values carry the names of the facts that leave them open; truth is Kleene's;
indicator points are intervals (§3.4). Numbers are exact `Fraction`s.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

START_2022 = datetime.date(2022, 6, 1)
START_2026 = datetime.date(2026, 4, 1)


@dataclass(frozen=True)
class U:
    """An unknown value, named by what would decide it."""

    names: frozenset[str] = field(default_factory=frozenset)


def _names(*values: Any) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for v in values:
        if isinstance(v, U):
            out |= v.names
    return out


# ---- reading profile values (§4) --------------------------------------------------------------

_MONEY = re.compile(r"^(-?\d+(?:\.\d+)?)(元|万元|亿元)$")


def money(raw: Any) -> Fraction:
    """A money value in 万元: a number (万元) or a string with its unit."""
    if isinstance(raw, str):
        m = _MONEY.match(raw.strip())
        if not m:
            raise ValueError(f"not money: {raw!r}")
        scale = {"元": Fraction(1, 10000), "万元": Fraction(1), "亿元": Fraction(10000)}[m.group(2)]
        return Fraction(m.group(1)) * scale
    return Fraction(str(raw))


def ratio(raw: Any) -> Fraction:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        return Fraction(raw.strip()[:-1]) / 100
    return Fraction(str(raw))


def day(raw: Any) -> datetime.date:
    return datetime.date.fromisoformat(raw)


def minus_years(d: datetime.date, years: int) -> datetime.date:
    """Same month and day, `years` earlier; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


class Facts:
    """Reads one profile: an absent or null value is unknown and named by its path."""

    def __init__(self, profile: dict[str, Any]) -> None:
        self.profile = profile

    def scalar(self, name: str, read: Callable[[Any], Any]) -> Any:
        raw = self.profile.get(name)
        return U(frozenset({name})) if raw is None else read(raw)

    def series(self, name: str, year: int, read: Callable[[Any], Any] = money) -> Any:
        raw = self.profile.get(name)
        value = raw.get(str(year)) if isinstance(raw, dict) else None
        return U(frozenset({f"{name}.{year}"})) if value is None else read(value)

    def items(self, name: str) -> list[Item] | U:
        raw = self.profile.get(name)
        if raw is None:
            return U(frozenset({name}))
        return [Item(f"{name}[{i}]", r) for i, r in enumerate(raw)]

    def record(self, name: str) -> Item:
        raw = self.profile.get(name)
        return Item(name, raw if isinstance(raw, dict) else {})

    def member(self, name: str, value: str) -> bool | U:
        raw = self.profile.get(name)
        return U(frozenset({name})) if raw is None else value in raw


@dataclass(frozen=True)
class Item:
    path: str
    raw: dict[str, Any]

    def get(self, name: str, read: Callable[[Any], Any] = lambda x: x) -> Any:
        value = self.raw.get(name)
        return U(frozenset({f"{self.path}.{name}"})) if value is None else read(value)


# ---- Kleene logic and comparisons (§3.4) ------------------------------------------------------

Tri = bool | U


def AND(*xs: Tri) -> Tri:
    if any(x is False for x in xs):
        return False
    unknown = [x for x in xs if isinstance(x, U)]
    return U(_names(*unknown)) if unknown else True


def OR(*xs: Tri) -> Tri:
    if any(x is True for x in xs):
        return True
    unknown = [x for x in xs if isinstance(x, U)]
    return U(_names(*unknown)) if unknown else False


def NOT(x: Tri) -> Tri:
    return x if isinstance(x, U) else not x


def ge(a: Any, b: Any) -> Tri:
    return U(_names(a, b)) if isinstance(a, U) or isinstance(b, U) else a >= b


def le(a: Any, b: Any) -> Tri:
    return U(_names(a, b)) if isinstance(a, U) or isinstance(b, U) else a <= b


def lt(a: Any, b: Any) -> Tri:
    return U(_names(a, b)) if isinstance(a, U) or isinstance(b, U) else a < b


def eq(a: Any, b: Any) -> Tri:
    return U(_names(a, b)) if isinstance(a, U) or isinstance(b, U) else a == b


def div(a: Any, b: Any, b_name: str) -> Any:
    """An exact quotient; unknown when an input is unknown or the divisor is 0 (named)."""
    if isinstance(a, U) or isinstance(b, U):
        return U(_names(a, b))
    if b == 0:
        return U(frozenset({b_name}))
    return Fraction(a) / Fraction(b)


def add(*xs: Any) -> Any:
    return U(_names(*xs)) if any(isinstance(x, U) for x in xs) else sum(xs, Fraction(0))


def any_item(items: list[Item] | U, test: Callable[[Item], Tri]) -> Tri:
    """True when some item surely matches; false when the list is known and all surely fail."""
    if isinstance(items, U):
        return items
    return OR(*(test(i) for i in items)) if items else False


def at_least(items: list[Item] | U, k: int, test: Callable[[Item], Tri]) -> Tri:
    if isinstance(items, U):
        return items
    results = [test(i) for i in items]
    sure = sum(1 for r in results if r is True)
    possible = sure + sum(1 for r in results if isinstance(r, U))
    if sure >= k:
        return True
    if possible < k:
        return False
    return U(_names(*results))


def sum_at_least(items: list[Item] | U, k: Fraction, counts: Callable[[Item], Tri]) -> Tri:
    """Σ paid_in over the rounds that count ≥ k, with the §3.4 bounds."""
    if isinstance(items, U):
        return items
    low, high, names = Fraction(0), Fraction(0), frozenset[str]()
    bounded = True
    for item in items:
        c = counts(item)
        if c is False:
            continue
        amount = item.get("paid_in", money)
        if isinstance(c, U):
            names |= c.names
        if isinstance(amount, U):
            names |= amount.names
            bounded = False
            continue
        high += amount
        if c is True:
            low += amount
    if low >= k:
        return True
    if bounded and high < k:
        return False
    return U(names)


# ---- points as intervals -----------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    lo: Fraction
    hi: Fraction
    names: frozenset[str] = frozenset()

    @staticmethod
    def of(points: Any) -> P:
        return P(Fraction(points), Fraction(points))

    def __add__(self, other: P) -> P:
        lo, hi = self.lo + other.lo, self.hi + other.hi
        return P(lo, hi, frozenset() if lo == hi else self.names | other.names)


def total(*ps: P) -> P:
    out = P.of(0)
    for p in ps:
        out = out + p
    return out


def band(x: Any, rows: list[tuple[Fraction, int]], below: int) -> P:
    """Rows (lower edge, points) from the top; a value ≥ an edge takes that row (§3.3)."""
    if isinstance(x, U):
        every = [p for _, p in rows] + [below]
        return P(Fraction(min(every)), Fraction(max(every)), x.names)
    for edge, points in rows:
        if x >= edge:
            return P.of(points)
    return P.of(below)


def first_band(conditions: list[tuple[Tri, int]], lowest: int) -> P:
    """The highest band whose condition holds: lo from the first sure one, hi from the first possible."""
    lo = hi = None
    names: frozenset[str] = frozenset()
    for cond, points in conditions:
        if cond is True:
            lo = points if lo is None else lo
            hi = points if hi is None else hi
            break
        if isinstance(cond, U):
            names |= cond.names
            hi = points if hi is None else hi
    lo = lowest if lo is None else lo
    hi = lowest if hi is None else hi
    return P(Fraction(lo), Fraction(hi), frozenset() if lo == hi else names)


def best(ps: Iterable[P], default: int) -> P:
    ps = list(ps)
    if not ps:
        return P.of(default)
    lo = max(p.lo for p in ps)
    hi = max(p.hi for p in ps)
    names = frozenset().union(*(p.names for p in ps if p.hi > lo))
    return P(lo, hi, frozenset() if lo == hi else names)


def at_least_points(p: P, mark: int) -> Tri:
    if p.lo >= mark:
        return True
    if p.hi < mark:
        return False
    return U(p.names)


def pct(n: str) -> Fraction:
    return Fraction(n) / 100


# ---- the reading --------------------------------------------------------------------------------


class Reading:
    """The derived values of §3 for one profile on one day."""

    def __init__(self, profile: dict[str, Any], as_of: datetime.date, params: dict[str, Any]) -> None:
        self.f = Facts(profile)
        self.as_of = as_of
        self.params = params
        self.Y = as_of.year
        self.L = self.Y - 1
        self.window_start = minus_years(as_of, 3)
        self.one_year_ago = minus_years(as_of, 1)

    # -- values
    def s(self, name: str, year: int) -> Any:
        return self.f.series(name, year)

    def ratio_of(self, num: str, den: str, year: int) -> Any:
        return div(self.s(num, year), self.s(den, year), f"{den}.{year}")

    def growth(self, name: str, year: int) -> Any:
        q = div(self.s(name, year), self.s(name, year - 1), f"{name}.{year - 1}")
        return q if isinstance(q, U) else q - 1

    def mean_growth(self) -> Any:
        a, b = self.growth("main_business_revenue", self.L), self.growth("main_business_revenue", self.L - 1)
        return U(_names(a, b)) if isinstance(a, U) or isinstance(b, U) else (a + b) / 2

    def niche_years(self) -> Any:
        since = self.f.scalar("niche_since", day)
        return since if isinstance(since, U) else max(self.L - since.year, 0)

    def rd_staff_share(self) -> Any:
        return div(self.f.scalar("rd_staff", int), self.f.scalar("employees", int), "employees")

    def compliant(self) -> Tri:
        s = self.f.scalar
        return AND(s("domestic_legal_person", bool), s("sme_standard", bool),
                   *(NOT(s(n, bool)) for n in ("abnormal_operations_listed", "serious_dishonesty_listed",
                                               "restricted_products", "major_incident_3y", "tax_violation_3y")))

    def valid_title(self, kinds: set[str]) -> Tri:
        def test(t: Item) -> Tri:
            kind = t.get("kind")
            in_kinds = kind if isinstance(kind, U) else kind in kinds
            return AND(in_kinds, le(t.get("valid_from", day), self.as_of), le(self.as_of, t.get("valid_to", day)))
        return any_item(self.f.items("titles"), test)

    def in_window(self, d: Any) -> Tri:
        return AND(le(self.window_start, d), le(d, self.as_of))

    def award(self, levels: set[str], max_rank: int | None) -> Tri:
        def test(a: Item) -> Tri:
            level = a.get("level")
            parts = [level if isinstance(level, U) else level in levels, self.in_window(a.get("awarded_on", day))]
            if max_rank is not None:
                parts.append(le(a.get("rank", int), max_rank))
            return AND(*parts)
        return any_item(self.f.items("st_awards"), test)

    def institution(self, levels: set[str]) -> Tri:
        def test(i: Item) -> Tri:
            level = i.get("level")
            return level if isinstance(level, U) else level in levels
        return any_item(self.f.items("rd_institutions"), test)

    def maker(self, groups: set[str]) -> Tri:
        def test(m: Item) -> Tri:
            g = m.get("group")
            return AND(g if isinstance(g, U) else g in groups, self.in_window(m.get("listed_on", day)))
        return any_item(self.f.items("maker_china"), test)

    def equity_2y(self, k: int) -> Tri:
        def counts(r: Item) -> Tri:
            paid_on = r.get("paid_on", day)
            year = paid_on if isinstance(paid_on, U) else paid_on.year
            return AND(r.get("qualified_investor"), le(self.L - 1, year), le(year, self.L))
        return sum_at_least(self.f.items("equity_rounds"), Fraction(k), counts)

    def equity_3y(self, k: int) -> Tri:
        def counts(r: Item) -> Tri:
            return AND(r.get("qualified_investor"), self.in_window(r.get("paid_on", day)))
        return sum_at_least(self.f.items("equity_rounds"), Fraction(k), counts)

    # -- IP (§7, §8.2)
    def counted_i(self, p: Item) -> Tri:
        return AND(eq(p.get("category"), "I"),
                   OR(p.get("self_developed"), le(p.get("transferred_on", day), self.one_year_ago)))

    def ip_bands(self) -> list[Tri]:
        items = self.f.items("ip_assets")
        related = lambda p: p.get("related_to_lead_product")  # noqa: E731
        return [
            any_item(items, lambda p: AND(related(p), self.counted_i(p), p.get("high_value"))),
            any_item(items, lambda p: AND(related(p), self.counted_i(p), p.get("self_developed"))),
            any_item(items, lambda p: AND(related(p), self.counted_i(p))),
            any_item(items, lambda p: AND(related(p), eq(p.get("category"), "II"))),
        ]

    def ip_2026(self, p: Item) -> Tri:
        return AND(eq(p.get("category"), "I"), p.get("related_to_lead_product"), p.get("applied_with_benefit"),
                   p.get("self_developed"), le(p.get("holder_rank", int), 3))

    def fields(self, value: str) -> Tri:
        return self.f.member("lead_product_fields", value)

    # -- measures
    def innovative(self) -> dict[str, Any]:
        L = self.L
        a, b, c, d = self.ip_bands()
        ip = first_band([(a, 20), (b, 15), (c, 10), (d, 5)], 0)
        rd = band(self.ratio_of("rd_expense", "revenue", L), [(pct("5"), 20), (pct("3"), 15), (pct("2"), 10), (pct("1"), 5)], 0)
        growth = band(self.growth("main_business_revenue", L),
                      [(pct("15"), 20), (pct("10"), 15), (pct("5"), 10), (pct("0"), 5)], 0)
        debt = band(self.ratio_of("total_liabilities", "total_assets", L), [(pct("75"), 0), (pct("55"), 5)], 10)
        field_ = first_band([(self.fields("strategic_emerging"), 10)], 5)
        share = band(self.ratio_of("main_business_revenue", "revenue", L),
                     [(pct("70"), 20), (pct("60"), 15), (pct("55"), 10), (pct("50"), 5)], 0)
        groups = {"innovation": ip + rd, "growth": growth + debt, "specialisation": field_ + share}
        score = total(*groups.values())
        passes = AND(at_least_points(score, 60), at_least_points(groups["innovation"], 20),
                     at_least_points(groups["growth"], 15), at_least_points(groups["specialisation"], 15))
        routes = OR(self.award({"national", "provincial"}, None),
                    self.valid_title({"high_tech", "tech_innovation_demo", "ip_advantage", "ip_demo"}),
                    self.institution({"national", "provincial"}),
                    self.equity_3y(500))
        excluded = self.valid_title({"srdi", "little_giant"})
        status = AND(self.compliant(), NOT(excluded), OR(passes, routes))
        return _result(status, "2022", score, groups)

    def srdi_2022_score(self) -> P:
        L = self.L
        a, b, c, d = self.ip_bands()
        niche = self.niche_years()
        niche_points = P(Fraction(0), Fraction(5), niche.names) if isinstance(niche, U) else P.of(min(niche // 2, 5))
        field_ = first_band([(self.fields("shortboard_result"), 5),
                             (OR(self.fields("six_foundations"), self.fields("serves_chain_leader"),
                                 self.f.member("heritage_titles", "time_honored_brand")), 3)], 0)
        digital = self.f.scalar("digital_level", int)
        digital_points = band(digital, [(Fraction(3), 5), (Fraction(2), 3)], 0)
        items = self.f.scalar("quality_items", list)
        if isinstance(items, U):
            quality = P(Fraction(0), Fraction(5), items.names)
        else:
            k = len({"quality_award", "management_certification", "own_brand", "standards"} & set(items))
            quality = P.of(min(3 * k, 5))
        local = self.params.get("local_feature_points")
        local_points = P(Fraction(0), Fraction(15), frozenset({"local_feature_points"})) if local is None else P.of(local)
        a_rd = self.s("rd_expense", L)
        rd = best([band(a_rd, [(Fraction(500), 10), (Fraction(400), 8), (Fraction(300), 6), (Fraction(200), 4),
                               (Fraction(100), 2)], 0),
                   band(self.ratio_of("rd_expense", "revenue", L),
                        [(pct("10"), 10), (pct("8"), 8), (pct("6"), 6), (pct("4"), 4), (pct("3"), 2)], 0)], 0)
        institutions = self.f.items("rd_institutions")
        level_points = {"national": 10, "provincial": 8, "municipal": 4, "below_municipal": 2}
        if isinstance(institutions, U):
            institution = P(Fraction(0), Fraction(10), institutions.names)
        else:
            institution = best([P(Fraction(2), Fraction(10), lv.names) if isinstance(lv := i.get("level"), U)
                                else P.of(level_points[lv]) for i in institutions], 0)
        return total(
            band(self.ratio_of("main_business_revenue", "revenue", L), [(pct("80"), 5), (pct("70"), 3), (pct("60"), 1)], 0),
            band(self.mean_growth(), [(pct("10"), 10), (pct("8"), 8), (pct("6"), 6), (pct("4"), 4), (pct("0"), 2)], 0),
            niche_points, field_, digital_points, quality,
            band(self.ratio_of("net_profit", "revenue", L),
                 [(pct("10"), 10), (pct("8"), 8), (pct("6"), 6), (pct("4"), 4), (pct("2"), 2)], 0),
            band(self.ratio_of("total_liabilities", "total_assets", L), [(pct("70"), 0), (pct("60"), 1), (pct("50"), 3)], 5),
            local_points,
            first_band([(a, 10), (b, 8), (c, 6), (d, 2)], 0),
            rd,
            band(self.rd_staff_share(), [(pct("20"), 5), (pct("10"), 3), (pct("5"), 1)], 0),
            institution,
        )

    def srdi(self) -> dict[str, Any]:
        L = self.L
        if self.as_of >= START_2026:
            status = AND(
                self.compliant(),
                AND(self.valid_title({"tech_sme", "innovative", "srdi", "little_giant"}), ge(self.niche_years(), 3)),
                AND(OR(ge(self.s("revenue", L), 1500), self.equity_2y(2000)),
                    ge(self.ratio_of("main_business_revenue", "revenue", L), pct("80")),
                    le(self.ratio_of("total_liabilities", "total_assets", L), pct("80"))),
                AND(ge(self.s("rd_expense", L - 1), 100), ge(self.s("rd_expense", L), 100),
                    ge(self.ratio_of("rd_expense", "revenue", L - 1), pct("3")),
                    ge(self.ratio_of("rd_expense", "revenue", L), pct("3"))),
                OR(at_least(self.f.items("ip_assets"), 1, self.ip_2026),
                   self.award({"national", "provincial", "ministerial"}, 3),
                   self.institution({"national", "provincial"})),
                self.f.scalar("niche_standing", bool),
                ge(self.f.series("quality_score", self.Y, lambda x: Fraction(str(x))), 50),
            )
            return _result(status, "2026", None, None)
        score = self.srdi_2022_score()
        mean_rd = add(self.s("rd_expense", L - 1), self.s("rd_expense", L))
        routes = OR(
            self.award_2022_srdi(),
            ge(mean_rd if isinstance(mean_rd, U) else mean_rd / 2, 1000),
            self.equity_2y(6000),
            self.maker({"top50", "top500"}),
        )
        status = AND(
            self.compliant(),
            self.valid_title({"innovative", "srdi", "little_giant"}),
            ge(self.niche_years(), 2),
            AND(ge(self.s("rd_expense", L), 100), ge(self.ratio_of("rd_expense", "revenue", L), pct("3"))),
            OR(ge(self.s("revenue", L), 1000), self.equity_2y(2000)),
            OR(at_least_points(score, 60), routes),
        )
        return _result(status, "2022", score, None)

    def award_2022_srdi(self) -> Tri:
        def test(a: Item) -> Tri:
            level, rank = a.get("level"), a.get("rank", int)
            return AND(self.in_window(a.get("awarded_on", day)),
                       OR(AND(eq(level, "provincial"), le(rank, 3)), AND(eq(level, "national"), le(rank, 5))))
        return any_item(self.f.items("st_awards"), test)

    def little_giant(self) -> dict[str, Any]:
        L = self.L
        holds_srdi = self.valid_title({"srdi", "little_giant"})
        barred = OR(self.valid_title({"single_champion"}), self.f.scalar("little_giant_affiliate", bool))
        niche = self.f.record("niche_market")
        share_dom = niche.get("share_domestic", ratio)
        main_share = self.ratio_of("main_business_revenue", "revenue", L)
        debt = self.ratio_of("total_liabilities", "total_assets", L)
        rd_l1, rd_l = self.ratio_of("rd_expense", "revenue", L - 1), self.ratio_of("rd_expense", "revenue", L)
        rd_sum = add(self.s("rd_expense", L - 1), self.s("rd_expense", L))
        rev = self.s("revenue", L)
        if self.as_of >= START_2026:
            status = AND(
                self.compliant(), NOT(barred),
                AND(holds_srdi, ge(self.niche_years(), 3)),
                AND(ge(rev, 5000), ge(main_share, pct("90")),
                    ge(div(rev, self.s("revenue", L - 2), f"revenue.{L - 2}"), Fraction("1.1025")),
                    le(debt, pct("75"))),
                AND(ge(rd_sum, 1200), ge(rd_l1, pct("3")), ge(rd_l, pct("3"))),
                OR(at_least(self.f.items("ip_assets"), 4, self.ip_2026), self.award({"national"}, 3)),
                OR(ge(share_dom, pct("10")), ge(niche.get("share_international", ratio), pct("10")),
                   le(niche.get("rank_domestic", int), 3)),
                AND(OR(*(self.fields(v) for v in ("six_foundations", "traditional_upgrade",
                                                  "strategic_emerging", "future_industry"))),
                    self.f.scalar("chain_key_role", bool)),
                ge(self.f.series("quality_score", self.Y, lambda x: Fraction(str(x))), 60),
            )
            return _result(status, "2026", None, None)
        q = lambda v: self.f.member("quality_items", v)  # noqa: E731
        bracket = OR(
            AND(ge(rev, 10000), ge(rd_l1, pct("3")), ge(rd_l, pct("3"))),
            AND(ge(rev, 5000), lt(rev, 10000), ge(rd_l1, pct("6")), ge(rd_l, pct("6"))),
            AND(lt(rev, 5000), self.equity_2y(8000), ge(rd_sum, 3000), ge(self.rd_staff_share(), pct("50"))),
        )
        general = AND(
            bracket,
            at_least(self.f.items("rd_institutions"), 1, lambda i: True),
            at_least(self.f.items("ip_assets"), 2, lambda p: AND(self.counted_i(p), p.get("related_to_lead_product"),
                                                                p.get("applied_with_benefit"))),
        )
        status = AND(
            self.compliant(), holds_srdi, NOT(barred),
            AND(ge(self.niche_years(), 3), ge(main_share, pct("70")), ge(self.mean_growth(), pct("5"))),
            AND(self.f.scalar("refined_management", bool),
                OR(q("management_certification"), q("developed_market_certification")), le(debt, pct("70"))),
            AND(ge(share_dom, pct("10")), q("own_brand"), self.f.scalar("distinctive_products", bool)),
            OR(general, self.award({"national"}, 3), self.maker({"top50"})),
            self.f.scalar("chain_key_role", bool),
            OR(*(self.fields(v) for v in ("six_foundations", "mic_top10", "network_power"))),
        )
        return _result(status, "2022", None, None)


def _result(status: Tri, version: str, score: P | None, groups: dict[str, P] | None) -> dict[str, Any]:
    names: set[str] = set()
    if isinstance(status, U):
        names |= status.names
    out: dict[str, Any] = {
        "status": "undetermined" if isinstance(status, U) else "eligible" if status else "not_eligible",
        "version": version,
    }
    if score is not None:
        out.update(score=score.lo if score.lo == score.hi else None, score_min=score.lo, score_max=score.hi)
        names |= score.names
    if groups is not None:
        out["subtotals"] = {k: (g.lo, g.hi) for k, g in groups.items()}
        for g in groups.values():
            names |= g.names
    out["unknowns"] = sorted(names)
    return out


MEASURES = ("innovative", "srdi", "little_giant")


def read(profile: dict[str, Any], as_of: datetime.date, params: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each measure's result under the spec, keyed by measure id."""
    if as_of < START_2022:
        return {m: {"status": "not_in_force", "version": None, "unknowns": []} for m in MEASURES}
    reading = Reading(profile, as_of, dict(params or {}))
    return {"innovative": reading.innovative(), "srdi": reading.srdi(), "little_giant": reading.little_giant()}
