"""The public surface is small, named for the user, and documented."""

from __future__ import annotations

import policydsl


def test_public_names_are_a_fixed_list() -> None:
    assert policydsl.__all__ == [
        "BatchReport", "BenefitResult", "CheckResult", "Diagnostic", "MeasureResult", "Money", "Node",
        "PolicyError", "PolicySet", "PolicydslError", "ProfileError", "Result", "Unknown", "UsageError", "check",
        "load", "result_schema",
    ]
    for name in policydsl.__all__:
        value = getattr(policydsl, name)
        assert value.__doc__, name
