"""The tutorial's files behave as docs/tutorial.md says."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from policydsl.cli import main
from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial"


def test_tutorial_examples_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "docs/tutorial/matching.pol"]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_tutorial_eval(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "docs/tutorial/matching.pol", "docs/tutorial/lingbao.json", "--as-of", "2024-06-01",
                 "--format", "json"])
    assert code == 0
    (m4,) = json.loads(capsys.readouterr().out)["measures"]
    assert m4["status"] == "eligible"
    assert Decimal(m4["total"]["value"]) == 600 and m4["total"]["unit"] == "万元"
    assert m4["agencies"] == ["灵宝市人民政府"]


def test_tutorial_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (TUTORIAL / "matching.pol").read_text("utf-8")
    text = text.replace("national_fund_received > 0万元", "national_fund_received > 5")
    text = text.replace("match national_fund_received", "match national_fund_recieved")
    broken = tmp_path / "matching.pol"
    broken.write_text(text, encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert ":36:65: error[PD203]: cannot compare money with integer" in out
    assert ":39:11: error[PD201]: unknown name 'national_fund_recieved'" in out
    assert "did you mean 'national_fund_received'?" in out
