"""The pytest plugin: examples in .pol files as test items, with readable failures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import policydsl
from policydsl.examples import run_examples
from tests.conftest import ROOT
from tests.testing.helpers import SRDI

pytest_plugins = ["pytester"]

SRDI_ITEMS = [
    "policies/srdi/examples.pol::lingbao_little_giant::M2",
    "policies/srdi/examples.pol::lingbao_little_giant::M3",
    "policies/srdi/examples.pol::lingbao_little_giant::M4",
    "policies/srdi/examples.pol::unknown_level::M2",
    "policies/srdi/examples.pol::unknown_level::M4",
    "policies/srdi/srdi.pol::hubin_provincial::M2",
    "policies/srdi/srdi.pol::hubin_provincial::M3",
]


def _policies(pytester: pytest.Pytester) -> Path:
    target = pytester.path / "policies" / "srdi"
    shutil.copytree(SRDI, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _ids(result: pytest.RunResult) -> list[str]:
    return [line.split(" ")[0] for line in result.outlines if "::" in line and line.split(" ")[0].count("::") >= 1]


def test_each_expectation_is_an_item_and_imported_files_are_not_run_twice(pytester: pytest.Pytester) -> None:
    _policies(pytester)
    result = pytester.runpytest_inprocess("policies", "-v")
    result.assert_outcomes(passed=7)
    # examples.pol is imported by srdi.pol: each example is collected once, under its own file
    assert sorted(_ids(result)) == SRDI_ITEMS
    one = pytester.runpytest_inprocess("policies/srdi/examples.pol::lingbao_little_giant::M4", "-v")
    one.assert_outcomes(passed=1)


def test_a_wrong_expectation_fails_with_expected_actual_differences_and_the_explanation(
    pytester: pytest.Pytester,
) -> None:
    folder = _policies(pytester)
    _edit(folder / "examples.pol", "expect M2 eligible total 320万元 unknowns none",
          'expect M2 eligible total 300万元 unknowns "revenue"')
    _edit(folder / "srdi.pol", "expect M3 not_eligible total none", "expect M3 eligible")
    result = pytester.runpytest_inprocess("policies")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines([
        "*_ example lingbao_little_giant: expect M2 _*",
        "policies/srdi/examples.pol:7:3: example lingbao_little_giant, measure M2",
        '  expected: eligible total 300万元 unknowns "revenue"',
        "  actual:   eligible total 320万元 unknowns none",
        "  ✗ total: expected 300万元, got 320万元",
        "  ✗ unknowns: not unknown: revenue",
        "explanation of M2:",
        "  ✓ M2 加大对“专精特新”中小企业的支持力度 = eligible, total 320万元",
    ])
    result.stdout.fnmatch_lines([
        "  expected: eligible",
        "  actual:   not_eligible total none unknowns none",
        "  ✗ status: expected eligible, got not_eligible",
        "*· srdi_level (梯度培育层级) = provincial*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_a_policy_that_does_not_load_is_one_failing_item(pytester: pytest.Pytester) -> None:
    folder = _policies(pytester)
    _edit(folder / "srdi.pol", "when srdi_level = little_giant", "when srdi_levle = little_giant")
    result = pytester.runpytest_inprocess("policies", "-v")
    result.assert_outcomes(failed=1)
    assert _ids(result) == ["policies/srdi/examples.pol::load"]
    result.stdout.fnmatch_lines([
        "*_ policy srdi does not load _*",
        "the policy does not load:",
        "policies/srdi/srdi.pol:*: error[[]PD201]: unknown name 'srdi_levle'",
        "*help: did you mean 'srdi_level'?",
    ])


def test_an_example_whose_profile_is_invalid_fails_with_the_profile_problems(pytester: pytest.Pytester) -> None:
    folder = _policies(pytester)
    (folder / "profiles" / "unknown-level.json").write_text('{"employees": -1, "county": "北京"}', encoding="utf-8")
    result = pytester.runpytest_inprocess("policies")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines([
        "policies/srdi/examples.pol:*: example unknown_level could not run:",
        "*error[[]PD304]: 从业人员 must be at least 0, not -1*",
        "*error[[]PD303]*北京*",
    ])


def test_fixtures_of_a_python_suite_are_collected_only_when_named(pytester: pytest.Pytester) -> None:
    _policies(pytester)
    pytester.makeconftest("")  # the rootdir's own conftest does not make everything a fixture
    suite = pytester.path / "tests"
    (suite / "cases" / "bad").mkdir(parents=True)
    (suite / "conftest.py").write_text("", encoding="utf-8")
    shutil.copy(ROOT / "tests/cases/examples/bad/bad_expectations.pol", suite / "cases" / "bad")
    pytester.makepyfile(**{"tests/test_nothing": "def test_ok():\n    pass\n"})
    plain = pytester.runpytest_inprocess("tests", "policies")
    plain.assert_outcomes(passed=8)  # the fixture is left out; the policies and the Python test run
    named = pytester.runpytest_inprocess("tests/cases")
    named.assert_outcomes(failed=1)
    named.stdout.fnmatch_lines(["*error[[]PD218]: unknown status 'elligible'*"])
    file = pytester.runpytest_inprocess("tests/cases/bad/bad_expectations.pol")
    file.assert_outcomes(failed=1)
    every = pytester.runpytest_inprocess("-o", "policydsl_collect=all", "tests")
    every.assert_outcomes(passed=1, failed=1)
    off = pytester.runpytest_inprocess("-o", "policydsl_collect=none", "policies")
    off.assert_outcomes()
    bad = pytester.runpytest_inprocess("-o", "policydsl_collect=some", "policies")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_files_without_examples_are_not_collected(pytester: pytest.Pytester) -> None:
    folder = _policies(pytester)
    (folder / "examples.pol").write_text("# no examples here\n", encoding="utf-8")
    _edit(folder / "srdi.pol", "example hubin_provincial", "example  hubin_provincial")
    result = pytester.runpytest_inprocess("policies", "--collect-only", "-q")
    assert _ids(result) == ["policies/srdi/srdi.pol::hubin_provincial::M2", "policies/srdi/srdi.pol::hubin_provincial::M3"]


def test_a_folder_with_two_policies_runs_each_example_on_its_own(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "two"
    folder.mkdir()
    (folder / "p.json").write_text('{"x": true}', encoding="utf-8")
    for name, status in (("yes", "eligible"), ("no", "not_eligible")):
        when = "x" if name == "yes" else "not x"
        (folder / f"{name}.pol").write_text(
            f'policy t.{name} {{ title "{name}" }}\nentity e "e" {{ fact x "x" : bool }}\n'
            f'measure M1 "m" {{ benefit service s "s" {{ when {when} }} }}\n'
            f'example e1 {{ profile "p.json" as of 2024-06-01 expect M1 {status} }}\n', encoding="utf-8")
    result = pytester.runpytest_inprocess("two", "-v")
    result.assert_outcomes(passed=2)
    assert sorted(_ids(result)) == ["two/no.pol::e1::M1", "two/yes.pol::e1::M1"]


def test_examples_in_a_subfolder_run_on_the_policy_of_the_folder_above(pytester: pytest.Pytester) -> None:
    folder = _policies(pytester)
    (folder / "more").mkdir()
    (folder / "more" / "m3.pol").write_text(
        'example m3_only "只有小巨人" {\n  profile "../profiles/lingbao-little-giant.json"\n'
        '  as of 2024-06-01\n  expect M3 eligible\n}\n', encoding="utf-8")
    _edit(folder / "srdi.pol", 'import "examples.pol"', 'import "examples.pol"\nimport "more/m3.pol"')
    result = pytester.runpytest_inprocess("policies", "-v")
    result.assert_outcomes(passed=8)
    assert "policies/srdi/more/m3.pol::m3_only::M3" in _ids(result)


def _plugin_outcomes(pytester: pytest.Pytester, path: str) -> dict[tuple[str, str], bool]:
    recorder = pytester.inline_run(path)
    outcomes = {}
    for report in recorder.getreports("pytest_runtest_logreport"):
        if report.when == "call":
            _, example, measure = report.nodeid.split("::")
            outcomes[(example, measure)] = report.passed
    return outcomes


def test_the_plugin_and_policydsl_test_agree(pytester: pytest.Pytester) -> None:
    folder = _policies(pytester)
    _edit(folder / "examples.pol", "expect M4 eligible total 600万元", "expect M4 eligible total 60万元")
    _edit(folder / "srdi.pol", "expect M3 not_eligible", "expect M3 undetermined")
    cli = {(check.example, check.measure): check.ok
           for run in run_examples(policydsl.load(folder)) for check in run.checks}
    assert _plugin_outcomes(pytester, "policies") == cli
    assert sorted(cli.values()) == [False, False, True, True, True, True, True]


def test_loading_the_plugin_imports_neither_hypothesis_nor_the_strategies() -> None:
    code = ("import sys, policydsl.testing.plugin; "
            "print(sorted(m for m in ('hypothesis', 'policydsl.testing.strategies') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_loading_the_plugin_does_not_import_the_pipeline() -> None:
    code = "import sys, policydsl.testing.plugin; print('lark' in sys.modules, 'policydsl.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_a_plain_run_of_our_suite_collects_no_policy_fixtures() -> None:
    # testpaths = ["tests"]: the .pol files under tests/ (broken ones included) are fixtures.
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
               "-o", "python_files=no_python_tests_*.py"]
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT).stdout
    assert ".pol" not in out and "no tests collected" in out, out
