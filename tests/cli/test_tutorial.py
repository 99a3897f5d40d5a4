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


def _block_after(marker: str) -> str:
    """The first fenced block of docs/tutorial.md after `marker`."""
    text = (ROOT / "docs" / "tutorial.md").read_text("utf-8")
    start = text.index("```", text.index(marker) + len(marker))
    start = text.index("\n", start) + 1
    return text[start:text.index("```", start)]


def test_tutorial_explanation_is_printed_as_shown(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "docs/tutorial/matching.pol", "docs/tutorial/unknown-fund.json", "M4",
                 "--as-of", "2024-06-01"])
    assert code == 0
    assert capsys.readouterr().out == _block_after(
        "policydsl explain docs/tutorial/matching.pol docs/tutorial/unknown-fund.json M4 --as-of 2024-06-01\n```")


# ---- chapters 7–11: the scoring table (docs/tutorial/scoring/) ----------------------------------

SCORING = "docs/tutorial/scoring/innovative.pol"


def test_scoring_examples_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", SCORING]) == 0
    assert capsys.readouterr().out == _block_after("policydsl test docs/tutorial/scoring/innovative.pol\n```")


def test_scoring_policy_is_what_the_chapters_show() -> None:
    """Every line of the policy blocks of chapters 8, 9 and 11 stands in the finished file."""
    text = (ROOT / "docs" / "tutorial.md").read_text("utf-8")
    chapters = text[text.index("## 8. Facts"):text.index("## Where next")]
    lines = {line.strip() for line in (ROOT / SCORING).read_text("utf-8").splitlines()}
    blocks = chapters.split("```")[1::2]
    shown = [b for b in blocks if b.startswith("\n") and ("entity" in b or "define" in b or "measure" in b
                                                        or "score" in b or "example" in b)]
    assert len(shown) >= 5
    for block in shown:
        for line in block.splitlines():
            if line.strip() and line.strip() != "…":
                assert line.strip() in lines, line


def test_scoring_explanation_excerpt(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", SCORING, "docs/tutorial/scoring/profiles/unknown-field.json", "innovative",
                 "--as-of", "2024-06-01"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    excerpt = [line for line in _block_after("shows the open score").splitlines() if line != "…"]
    assert len(excerpt) >= 10
    for line in excerpt:
        assert line in out, line


def test_scoring_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", SCORING, "docs/tutorial/scoring/profiles/unknown-field.json", "--as-of", "2024-06-01",
                 "--format", "json"])
    assert code == 0
    (measure,) = json.loads(capsys.readouterr().out)["measures"]
    assert measure["status"] == "undetermined" and measure["version"] == "2022"
    assert (measure["score"], measure["score_min"], measure["score_max"]) == (None, "55", "60")
    assert measure["unknowns"] == ["strategic_emerging"]
    assert measure["subtotals"] == {"innovation": {"score": "25"}, "growth": {"score": "15"},
                                    "specialisation": {"score": None, "score_min": "15", "score_max": "20"}}


def test_scoring_shared_edge_reading_decides_an_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Chapter 11: moving the debt edge to the lower band still checks, and fails B and C."""
    folder = tmp_path / "scoring"
    folder.mkdir()
    (folder / "profiles").mkdir()
    for profile in (TUTORIAL / "scoring" / "profiles").glob("*.json"):
        (folder / "profiles" / profile.name).write_text(profile.read_text("utf-8"), "utf-8")
    text = (ROOT / SCORING).read_text("utf-8")
    text = text.replace("(.., 55%) => 10分", "(.., 55%] => 10分").replace("[55%, 75%) => 5分", "(55%, 75%) => 5分")
    (folder / "innovative.pol").write_text(text, "utf-8")
    assert main(["check", str(folder / "innovative.pol")]) == 0
    capsys.readouterr()
    assert main(["test", str(folder / "innovative.pol")]) == 1
    out = capsys.readouterr().out
    assert 'actual:   eligible version "2022" score 60分..65分' in out
    assert "2 passed, 2 failed" in out
