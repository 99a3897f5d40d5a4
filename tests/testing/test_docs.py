"""docs/testing.md's code runs as shown: the worked example and the fuzzing example."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

import policydsl
from tests.conftest import ROOT, SANMENXIA

DOC = (ROOT / "docs" / "testing.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)


def _block(starting: str) -> str:
    (block,) = [b for b in BLOCKS if starting in b]
    return block


def _run_tests(code: str, max_examples: int) -> list[str]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(code, "docs/testing.md", "exec"), namespace)
    ran = []
    for name, test in namespace.items():
        if name.startswith("test_") and callable(test):
            runner: Callable[[], None] = settings(max_examples=max_examples)(test)
            runner()
            ran.append(name)
    return ran


def test_the_worked_example_runs_on_the_sanmenxia_policy() -> None:
    try:
        policydsl.load(SANMENXIA)
    except policydsl.PolicyError:
        pytest.skip("the Sanmenxia policy does not load yet")
    ran = _run_tests(_block("# tests/test_sanmenxia_properties.py"), max_examples=20)
    assert len(ran) == 5


def test_the_fuzzing_example_runs() -> None:
    assert _run_tests(_block("def test_format_keeps_the_meaning"), max_examples=5) == [
        "test_format_keeps_the_meaning_and_evaluation_runs"]
