"""The public surface of the testing kit, asserted; CI runs of it are deterministic."""

from __future__ import annotations

import os

from hypothesis import settings

import policydsl.testing


def test_the_public_names_are_these_and_each_documents_itself_with_an_example() -> None:
    assert policydsl.testing.__all__ == [
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
    for name in policydsl.testing.__all__:
        doc = getattr(policydsl.testing, name).__doc__ or ""
        assert ">>>" in doc, f"{name} has no example in its docstring"
    assert sorted(dir(policydsl.testing)) == sorted(policydsl.testing.__all__)


def test_ci_generates_the_same_enterprises_on_every_run() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        assert settings.default.derandomize
