"""The single-profile workload: generated raw Sanmenxia profiles, as a form or an API would send them.

    from workload import generate
    profiles = generate(2000)  # the same seed, the same profiles

Each profile is a JSON-like dict: money as a string with its unit ("150万元", "1500000元",
"1.5亿元"), enum values as strings, lists of zero to three projects. Every fact, of the enterprise
and of each project, is unknown in about 10% of the profiles (left out, or null: half each).
Amounts sit on the rules' edges now and then (149.99, 150 and 200万元 of investment, where the
amended and the base threshold lie; 1250万元, where 40% meets a 500万元 cap; 39999.99 and
40000万元 of revenue; 999 and 1000 employees), because that is where a wrong reading shows.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

HOLE = 0.1  # the share of unknown facts
COUNTIES = ("湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县", "城乡一体化示范区", "经济开发区")
LEVELS = ("none", "innovative", "provincial", "little_giant")
TITLES = ("industrial_heritage", "time_honored_brand", "geographical_indication", "intangible_heritage")
CATEGORIES = ("intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet", "other")
NAMES = ("智能产线改造", "绿色工厂", "5G+工业互联网", "技术改造项目")
INVESTMENT_EDGES = ("149.99", "150", "150.01", "199.99", "200", "1250", "1250.01")
REVENUE_EDGES = ("39999.99", "40000", "40000.01")


def amount(wan: Decimal, rng: random.Random) -> str:
    """An amount of 万元 written in one of the three units, exactly."""
    unit = rng.random()
    if unit < 0.6:
        return f"{wan}万元"
    if unit < 0.85:
        return f"{(wan * 10_000).normalize():f}元"
    return f"{(wan / 10_000).normalize():f}亿元"


def money(rng: random.Random, high: int, edges: tuple[str, ...] = ()) -> str:
    if edges and rng.random() < 0.2:
        return amount(Decimal(rng.choice(edges)), rng)
    return amount(Decimal(rng.randint(0, high * 100)) / 100, rng)


def with_holes(facts: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """About one fact in ten unknown: left out, or null."""
    profile: dict[str, Any] = {}
    for name, value in facts.items():
        hole = rng.random()
        if hole >= HOLE:
            profile[name] = value
        elif hole < HOLE / 2:
            profile[name] = None
    return profile


def project(rng: random.Random, index: int) -> dict[str, Any]:
    return with_holes({
        "name": f"{rng.choice(NAMES)}{index + 1}",
        "category": rng.choice(CATEGORIES),
        "investment": money(rng, 2000, INVESTMENT_EDGES),
        "seeks_industry_fund": rng.random() < 0.3,
    }, rng)


def profile(rng: random.Random, number: int) -> dict[str, Any]:
    return with_holes({
        "name": f"企业{number}",
        "county": rng.choice(COUNTIES),
        "employees": rng.choice((rng.randint(0, 2000), rng.randint(0, 300), 999, 1000)),
        "revenue": money(rng, 80_000, REVENUE_EDGES),
        "rd_expense": money(rng, 3000),
        "srdi_level": rng.choice(LEVELS),
        "key_little_giant": rng.random() < 0.3,
        "national_fund_received": "0万元" if rng.random() < 0.4 else money(rng, 1000),
        "tech_sme": rng.random() < 0.5,
        "in_cultivation_pool": rng.random() < 0.5,
        "listing_intent": rng.random() < 0.3,
        "heritage_titles": [t for t in TITLES if rng.random() < 0.15],
        "projects": [project(rng, index) for index in range(rng.randint(0, 3))],
    }, rng)


def generate(count: int = 2000, seed: int = 20240601) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [profile(rng, number) for number in range(count)]
