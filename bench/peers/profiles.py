"""The profiles of the peer benchmark and its floor: the shared rule set as a Python function.

Profiles are plain JSON-like dicts with every fact known; money is a JSON number of 万元 with at
most two decimals. The peers and the floor compute with binary floats (rule-engine with decimals),
policydsl with exact decimals, so amounts are compared rounded to the 元.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

Profile = dict[str, Any]
# The decisions in DECISIONS order, and the grant in 万元 (None: the engine computes no amount).
Outcome = tuple[tuple[bool, ...], float | Decimal | None]

DECISIONS = ("srdi", "sme", "cultivation", "listing", "county_government", "local_match", "project_grant")
COUNTIES = ("湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县", "城乡一体化示范区", "经济开发区")
LEVELS = ("none", "innovative", "provincial", "little_giant")
CATEGORIES = ("intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet", "other")

SRDI = frozenset(LEVELS[2:])
SCOPE = frozenset(CATEGORIES[:-1])
COUNTY_GOVERNMENTS = frozenset(COUNTIES[:6])
YUAN = Decimal("0.0001")  # one 元 in 万元


def _money(rng: random.Random, high: float, edges: tuple[float, ...] = ()) -> float:
    """Mostly uniform; sometimes exactly on a threshold of the rules, where mistakes show."""
    if edges and rng.random() < 0.15:
        return rng.choice(edges)
    return round(rng.uniform(0, high), 2)


def _project(rng: random.Random) -> Profile:
    # 150万元 is the threshold and 1250万元 × 40% the 500万元 cap.
    return {"category": rng.choice(CATEGORIES), "investment": _money(rng, 2000, (150.0, 149.99, 1250.0))}


def generate(count: int, seed: int = 5) -> list[Profile]:
    rng = random.Random(seed)
    return [
        {
            "county": rng.choice(COUNTIES),
            "employees": rng.choice((rng.randint(0, 2000), 999, 1000)),
            "revenue": _money(rng, 80000, (40000.0, 39999.99)),
            "srdi_level": rng.choice(LEVELS),
            "key_little_giant": rng.random() < 0.5,
            "national_fund_received": rng.choice((0, _money(rng, 1000))),
            "in_cultivation_pool": rng.random() < 0.5,
            "listing_intent": rng.random() < 0.5,
            "projects": [_project(rng) for _ in range(rng.randint(0, 3))],
        }
        for _ in range(count)
    ]


def decide_by_hand(profile: Profile) -> Outcome:
    """The floor: the shared rule set as a careful programmer writes it without an engine."""
    srdi = profile["srdi_level"] in SRDI
    grant = 0.0
    qualifies = False
    if srdi:
        for project in profile["projects"]:
            investment = project["investment"]
            if investment >= 150 and project["category"] in SCOPE:
                qualifies = True
                grant += min(investment * 0.4, 500)
    decisions = (
        srdi,
        profile["employees"] < 1000 or profile["revenue"] < 40000,
        profile["in_cultivation_pool"] or srdi,
        srdi and profile["listing_intent"],
        profile["county"] in COUNTY_GOVERNMENTS,
        profile["key_little_giant"] and profile["national_fund_received"] > 0,
        qualifies,
    )
    return decisions, grant


def rounded(amount: float | Decimal | None) -> Decimal | None:
    """An amount to the 元, for comparing float and decimal engines (exact values have ≤ 3 decimals of 万元)."""
    if amount is None:
        return None
    return (amount if isinstance(amount, Decimal) else Decimal(amount)).quantize(YUAN)
