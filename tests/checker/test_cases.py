"""Golden cases in the language's own text: tests/cases/<feature>/{good,bad,warn}/*.pol.

A folder beside them holding .pol files (`tests/cases/imports/bad/cycle/`) is one case checked as a
policy folder, for what only several files show (import cycles, two policies in one folder); its
expected output is `cycle.check.out` beside the folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.cli import main
from tests.conftest import ROOT
from tests.golden import assert_golden

CASES = sorted((ROOT / "tests" / "cases").glob("*/*/*.pol"))
FOLDER_CASES = sorted(p for p in (ROOT / "tests" / "cases").glob("*/*/*") if p.is_dir() and any(p.glob("*.pol")))


def _run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["check", str(path.relative_to(ROOT))])
    out = capsys.readouterr()
    return f"{out.out}{out.err}exit: {code}\n"


@pytest.mark.parametrize("case", CASES + FOLDER_CASES,
                         ids=[str(c.relative_to(ROOT / "tests" / "cases")) for c in CASES + FOLDER_CASES])
def test_case(case: Path, capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    output = _run_check(case, capsys)
    kind = case.parent.name
    if kind == "good":
        assert output.endswith("exit: 0\n"), output
        assert "error[" not in output and "warning[" not in output
    elif kind == "warn":
        assert output.endswith("exit: 0\n"), output
        assert "warning[" in output and "error[" not in output
    else:
        assert output.endswith("exit: 1\n"), output
    assert_golden(output, case.with_suffix(".check.out"), update_golden)
