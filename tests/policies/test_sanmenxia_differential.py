"""An independent reading: bench/handwritten.py (plain Python) agrees with the .pol encoding."""

from __future__ import annotations

import datetime
import random
import sys
from decimal import Decimal
from typing import Any

import policydsl
from tests.conftest import ROOT, SANMENXIA

sys.path.insert(0, str(ROOT / "bench"))
from handwritten import evaluate_by_hand

LEVELS = ["none", "innovative", "provincial", "little_giant"]
COUNTIES = ["湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县", "城乡一体化示范区", "经济开发区"]
CATEGORIES = ["intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet", "other"]
AMOUNTS: list[Any] = [0, 100, 149.99, 150, 150.01, "1500000元", "1.5亿元", 800, 39999.99, 40000, "4亿元"]


def maybe(rng: random.Random, value: Any) -> Any:
    return None if rng.random() < 0.2 else value


def raw_profile(rng: random.Random) -> dict[str, Any]:
    profile = {
        "county": maybe(rng, rng.choice(COUNTIES)),
        "employees": maybe(rng, rng.choice([0, 999, 1000, 1200])),
        "revenue": maybe(rng, rng.choice(AMOUNTS)),
        "srdi_level": maybe(rng, rng.choice(LEVELS)),
        "key_little_giant": maybe(rng, rng.random() < 0.5),
        "national_fund_received": maybe(rng, rng.choice([0, 0.01, 600, "1500000元"])),
        "tech_sme": maybe(rng, rng.random() < 0.5),
        "in_cultivation_pool": maybe(rng, rng.random() < 0.5),
        "listing_intent": maybe(rng, rng.random() < 0.5),
        "heritage_titles": maybe(rng, rng.sample(["industrial_heritage", "time_honored_brand"], rng.randint(0, 2))),
        "projects": maybe(rng, [
            {"category": maybe(rng, rng.choice(CATEGORIES)), "investment": maybe(rng, rng.choice(AMOUNTS)),
             "seeks_industry_fund": maybe(rng, rng.random() < 0.5)}
            for _ in range(rng.randint(0, 3))
        ]),
    }
    return {k: v for k, v in profile.items() if v is not None}


def test_statuses_totals_and_agencies_agree_with_the_hand_written_reading() -> None:
    policies = policydsl.load(SANMENXIA)
    rng = random.Random(20240601)
    for _ in range(2000):
        profile = raw_profile(rng)
        day = rng.choice([datetime.date(2020, 6, 1), datetime.date(2022, 6, 30), datetime.date(2024, 6, 1),
                          datetime.date(2026, 1, 1)])
        cap = rng.choice([None, 60, 500])
        params = {} if cap is None else {"three_upgrades.cap": cap}
        result = policies.evaluate(profile, as_of=day, params=params)
        expected = evaluate_by_hand(profile, day, cap=cap)
        for measure in result.measures:
            status, total, agencies = expected[measure.id]
            context = (measure.id, profile, day, cap)
            assert measure.status == status, context
            got = measure.total.in_unit() if measure.total is not None else None
            assert got == (Decimal(total) if total is not None else None), context
            if status != "not_in_force":
                assert measure.agencies == agencies, context
