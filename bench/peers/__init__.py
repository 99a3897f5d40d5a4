"""Peer engines on a shared rule set: cross-checked against the hand-written floor, then timed.

The rule set is bench/shared_rules/ (policydsl); each peer's native encoding is next to this file
(shared.cedar, shared.rego, shared.jdm.json, shared.jsonlogic.json) or in engines.py
(rule-engine). Before any timing, every peer must agree with the floor on every generated
profile, or the benchmark stops (PeerDisagreesError).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from importlib import metadata

from .engines import ENGINES, Evaluate
from .profiles import DECISIONS, Outcome, Profile, decide_by_hand, generate, rounded


class PeerDisagreesError(AssertionError):
    """A peer's decisions differ from the hand-written function's: its encoding (or engine) is wrong."""


def cross_check(label: str, evaluate: Evaluate, profiles: list[Profile]) -> None:
    for index, profile in enumerate(profiles):
        want_decisions, want_grant = decide_by_hand(profile)
        got_decisions, got_grant = evaluate(profile)
        same_grant = got_grant is None or rounded(got_grant) == rounded(want_grant)
        if tuple(got_decisions) != want_decisions or not same_grant:
            raise PeerDisagreesError(
                f"{label} disagrees with the hand-written function on profile {index}: {profile}\n"
                f"  expected {dict(zip(DECISIONS, want_decisions, strict=True))}, grant {rounded(want_grant)}\n"
                f"  got      {dict(zip(DECISIONS, got_decisions, strict=True))}, grant {rounded(got_grant)}")


def per_profile_seconds(engines: list[Callable[[Profile], Outcome]], profiles: list[Profile],
                        repeat: int) -> list[float]:
    """Per engine, the median over `repeat` passes of the mean time per profile over all profiles.
    The engines take turns within each pass, so that a noisy moment weighs on all of them alike."""
    samples: list[list[float]] = [[] for _ in engines]
    for _ in range(repeat):
        for evaluate, times in zip(engines, samples, strict=True):
            start = time.perf_counter()
            for profile in profiles:
                evaluate(profile)
            times.append((time.perf_counter() - start) / len(profiles))
    return [statistics.median(times) for times in samples]


def _version(distribution: str | None) -> str:
    if distribution is None:
        return ""
    try:
        return " " + metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def run(count: int, repeat: int) -> list[tuple[str, str, str]]:
    """Rows (engine, µs per profile, ratio to the floor or why the engine is missing) for the table."""
    profiles = generate(count)
    ready: list[tuple[str, Callable[[Profile], Outcome]]] = []
    missing: list[tuple[str, str, str]] = []
    for label, distribution, make in ENGINES:
        name = label + _version(distribution)
        try:
            evaluate = make()
        except Exception as error:  # an engine missing or broken is reported, not fatal
            missing.append((name, "–", f"not available: {type(error).__name__}: {error}"))
            continue
        cross_check(label, evaluate, profiles)
        ready.append((name, evaluate))
    floor, *times = per_profile_seconds([decide_by_hand, *(evaluate for _, evaluate in ready)], profiles, repeat)
    rows = [("hand-written Python function (the floor)", f"{floor * 1e6:.1f} µs", "1.0×")]
    ours: float | None = None  # policydsl's time, the first engine: the peers are also compared with it
    for (name, evaluate), seconds in zip(ready, times, strict=True):
        note = "" if ours is None else f" ({seconds / ours:.2f}× policydsl)"
        if evaluate(profiles[0])[1] is None:
            note += "; computes no amount"
        ours = seconds if ours is None else ours
        rows.append((name, f"{seconds * 1e6:.1f} µs", f"{seconds / floor:.0f}× the floor{note}"))
    return rows + missing
