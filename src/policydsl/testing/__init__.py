"""Testing kit for policies: hypothesis strategies, property assertions and a pytest plugin.

>>> import datetime, policydsl
>>> from hypothesis import given
>>> from policydsl.testing import assert_monotone, profiles
>>> policies = policydsl.load("policies/sanmenxia")
>>> @given(profiles(policies))
... def test_more_investment_never_loses_m2(profile):
...     assert_monotone(policies, "M2", "projects.investment", "increasing", profile,
...                     as_of=datetime.date(2024, 6, 1))

The pytest plugin (`policydsl.testing.plugin`, registered through the `pytest11` entry point)
collects the examples written in `.pol` files: `pytest policies/`. See docs/testing.md.

Needs hypothesis (`pip install hypothesis`). The names are imported on first use, so that
loading the pytest plugin, which lives in this package, imports neither hypothesis nor the
strategies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policydsl.testing.properties import assert_monotone, assert_same_decisions, assert_sound_under_unknowns
    from policydsl.testing.strategies import InvalidProfile, completions, invalid_profiles, profiles, thresholds
    from policydsl.testing.texts import load_text, policies

__all__ = [
    "InvalidProfile",
    "assert_monotone",
    "assert_same_decisions",
    "assert_sound_under_unknowns",
    "completions",
    "invalid_profiles",
    "load_text",
    "policies",
    "profiles",
    "thresholds",
]

_HOMES = {
    "InvalidProfile": "strategies",
    "assert_monotone": "properties",
    "assert_same_decisions": "properties",
    "assert_sound_under_unknowns": "properties",
    "completions": "strategies",
    "invalid_profiles": "strategies",
    "load_text": "texts",
    "policies": "texts",
    "profiles": "strategies",
    "thresholds": "strategies",
}
assert set(_HOMES) == set(__all__)


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
