"""Examples in the checked model: typed values and a found profile file, not syntax nodes."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

import policydsl
from policydsl import model as m
from policydsl.diagnostics import PolicyError
from policydsl.examples import run_examples
from policydsl.values import Money
from tests.test_layering import GRAPH

POLICY = """\
policy t.examples { title "示例" }
import "cases/examples.pol"
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact pool "培育库" : bool
}
parameter cap "上限" : money
parameter share "比例" : ratio = 30%
measure M1 "奖励" {
  benefit grant reward "奖励" {
    when pool
    amount revenue * share
    cap cap
  }
}
"""

EXAMPLES = """\
example capped "封顶" {
  profile "profiles/big.json"
  as of 2024-06-01
  param cap = 50万元
  param share = 10%
  expect M1 eligible total 50万元 unknowns none
}

example no_cap "未给上限" {
  profile "profiles/small.json"
  expect M1 eligible total none at most 1.2万元 unknowns "cap"
}
"""


def write_policy(folder: Path, examples: str = EXAMPLES) -> Path:
    """A policy folder whose examples are in a subfolder, with their profiles."""
    (folder / "main.pol").write_text(POLICY, encoding="utf-8")
    cases = folder / "cases"
    (cases / "profiles").mkdir(parents=True)
    # The example file is in a subfolder: its profiles are relative to it, not to the policy's root.
    (cases / "examples.pol").write_text(examples, encoding="utf-8")
    (cases / "profiles" / "big.json").write_text(json.dumps({"revenue": 1000, "pool": True}), encoding="utf-8")
    (cases / "profiles" / "small.json").write_text(json.dumps({"revenue": 4, "pool": True}), encoding="utf-8")
    return folder


def test_examples_are_checked_into_the_model(tmp_path: Path) -> None:
    root = write_policy(tmp_path)
    capped, no_cap = policydsl.load(root).policy.examples
    assert capped == m.Example(
        "capped", "封顶", "profiles/big.json", str(tmp_path / "cases" / "profiles" / "big.json"),
        datetime.date(2024, 6, 1), (("cap", Money.of(50)), ("share", Decimal("0.1"))),
        (m.Expectation("M1", "eligible", total=Money.of(50), unknowns=()),))
    assert no_cap.as_of is None and no_cap.params == ()
    # revenue 4万元 × the default 30% = 1.2万元, at most: the cap is not given.
    assert no_cap.expects == (m.Expectation("M1", "eligible", no_total=True, at_most=Money.of(Decimal("1.2")),
                                            unknowns=("cap",)),)


def test_checked_examples_run_from_any_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = policydsl.load(write_policy(tmp_path))
    monkeypatch.chdir(tmp_path / "cases" / "profiles")  # the profile paths do not depend on it
    runs = list(run_examples(policies))
    assert [(run.example.id, run.ok, run.error) for run in runs] == [("capped", True, None), ("no_cap", True, None)]


def test_an_example_with_an_error_does_not_load(tmp_path: Path) -> None:
    root = write_policy(tmp_path, EXAMPLES.replace("param cap = 50万元", "param cap = 50"))
    with pytest.raises(PolicyError) as error:
        policydsl.load(root)
    assert [d.code for d in error.value.diagnostics] == ["PD203"]  # a money parameter needs its unit


def test_the_model_imports_nothing_of_the_syntax() -> None:
    assert not [name for name in GRAPH["policydsl.model"] if name.startswith("policydsl.syntax")]
