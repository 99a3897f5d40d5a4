"""Golden cases in the language's own text: tests/cases/<feature>/{good,bad}/*.pol."""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.cli import main
from tests.conftest import ROOT
from tests.golden import assert_golden

CASES = sorted((ROOT / "tests" / "cases").glob("*/*/*.pol"))


def _run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["check", str(path.relative_to(ROOT))])
    out = capsys.readouterr()
    return f"{out.out}{out.err}exit: {code}\n"


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(ROOT / "tests" / "cases")) for c in CASES])
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
