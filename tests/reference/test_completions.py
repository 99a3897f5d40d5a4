"""Exact unknowns as a property (docs/semantics.md §21–§23): on generated policies whose unknown
facts have small domains (bools, an ordered enum, a ranged integer, bands over it), every
completion of the unknowns is evaluated. A measure is decided exactly when all completions agree
(and then as they do); an undetermined one names exactly the unknowns whose value alone can change
its outcome."""

from __future__ import annotations

import datetime
import itertools
import random

import pytest

from policydsl.engine import closures
from policydsl.testing import load_text

AS_OF = datetime.date(2024, 6, 1)
DOMAINS: dict[str, tuple[object, ...]] = {"a": (True, False), "b": (True, False), "tier": ("low", "mid", "high"),
                                          "n": (0, 1, 2, 3)}
HEAD = """policy t.complete { title "完备" }
ordered enum tier "层级" { low, mid, high }
entity enterprise "企业" {
  fact a "甲" : bool
  fact b "乙" : bool
  fact tier "层级" : tier
  fact n "级别" : integer 0..3
}
define score "得分" = band n {
  [0, 1) => 0分
  [1, 3) => %s分
  [3, ..) => 10分
}
"""


def _atom(rng: random.Random) -> str:
    k = rng.randint(0, 3)
    cut = rng.randint(1, 3)
    return rng.choice([
        "a", "b", "not a", f"tier >= {rng.choice(['low', 'mid', 'high'])}", f"tier = {rng.choice(['low', 'high'])}",
        f"n >= {k}", f"n + 1 > {k}", f"n * 2 <= {k + rng.randint(0, 3)}", f"score >= {rng.choice([0, 5, 10])}分",
        f"(if a then n else {k}) >= {rng.randint(0, 3)}", f"max(n, {k}) >= {rng.randint(0, 4)}",
        f"band n {{ (.., {cut}) => 1  [{cut}, ..) => 2 }} = {rng.choice([1, 2])}",
    ])


def _condition(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return _atom(rng)
    op = rng.choice(["and", "or"])
    return f"({_condition(rng, depth - 1)} {op} {_condition(rng, depth - 1)})"


def _policy(seed: int) -> str:
    rng = random.Random(seed)
    text = HEAD % rng.choice([0, 5, 10])
    for index in range(3):
        text += f'measure M{index} "措施{index}" {{\n  benefit service s "服务" {{ when {_condition(rng, 3)} }}\n}}\n'
    return text


def _status(policy: object, facts: dict[str, object], measure: str) -> str:
    return closures.evaluate(policy, facts, {}, AS_OF)[measure].status  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_decided_exactly_when_every_completion_agrees(seed: int) -> None:
    policy = load_text(_policy(seed)).policy
    rng = random.Random(seed * 7 + 1)
    for _ in range(4):
        known = {name: rng.choice(values) for name, values in DOMAINS.items() if rng.random() < 0.5}
        open_ = [name for name in DOMAINS if name not in known]
        completions = {combo: dict(known, **dict(zip(open_, combo, strict=True)))
                       for combo in itertools.product(*(DOMAINS[name] for name in open_))}
        for measure in ("M0", "M1", "M2"):
            result = closures.evaluate(policy, known, {}, AS_OF)[measure]
            statuses = {combo: _status(policy, facts, measure) for combo, facts in completions.items()}
            assert "undetermined" not in statuses.values()
            agreed = set(statuses.values())
            if len(agreed) == 1:
                assert (result.status, result.unknowns) == (agreed.pop(), ()), (seed, known, measure)
                continue
            assert result.status == "undetermined", (seed, known, measure)
            # Named ⇔ changing that unknown alone (the others fixed) can change the status.
            matters = {name for position, name in enumerate(open_)
                       if any(statuses[combo] != statuses[(*combo[:position], other, *combo[position + 1:])]
                              for combo in statuses for other in DOMAINS[name])}
            assert set(result.unknowns) == matters, (seed, known, measure)
