"""End-to-end command line: exit codes, JSON on stdout only, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from policydsl import result_schema
from policydsl.cli import main
from tests.conftest import ROOT

SMALL = "tests/cases/good/good/smallest.pol"
PROFILE = "tests/cli/data/small.json"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_eval_json_is_one_document_following_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", SMALL, PROFILE, "--as-of", "2024-06-01", "--param", "cap=500",
                         "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, result_schema())
    (m1,) = document["measures"]
    # provincial SRDI: ratio amended to 40%; 800万元 → 320万元, 150万元 → 60万元, 149.99万元 below the threshold
    assert m1["status"] == "eligible"
    assert [b["applies"] for b in m1["benefits"]] == [True, True, False]
    assert [b["amount"] for b in m1["benefits"]] == [
        {"value": "320", "unit": "万元"}, {"value": "60", "unit": "万元"}, None]
    assert m1["total"] == {"value": "380", "unit": "万元"}
    assert m1["agencies"] == ["湖滨区人民政府"]


def test_eval_without_cap_reports_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SMALL, PROFILE, "--as-of", "2024-06-01", "--format", "json")
    assert code == 0
    (m1,) = json.loads(out)["measures"]
    assert m1["total"] is None
    assert m1["benefits"][0]["at_most"] == {"value": "320", "unit": "万元"}
    assert m1["benefits"][0]["missing_params"] == ["cap"]
    assert m1["unknowns"] == ["cap"]


def test_explain_text_quotes_facts_and_amendment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", SMALL, PROFILE, "M1", "--as-of", "2024-06-01", "--param", "cap=500万元")
    assert code == 0
    assert "eligible" in out
    assert "projects[0].investment" in out and "800万元" in out
    assert "amended by M1 better" in out


def test_out_of_force_is_said_above_the_results(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "tests/evaluate/data/windowed.pol", PROFILE, "--as-of", "2026-01-01")
    assert code == 0
    assert "not in force on 2026-01-01" in out and "--as-of" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["eval", SMALL, PROFILE, "--param", "nope=1"], "unknown parameter 'nope'"),
        (["eval", SMALL, PROFILE, "--param", "cap=lots"], "cap"),
        (["eval", SMALL, PROFILE, "--param", "cap"], "NAME=VALUE"),
        (["eval", SMALL, PROFILE, "--as-of", "2024-13-01"], "YYYY-MM-DD"),
        (["eval", SMALL, "missing.json"], "no such profile file"),
        (["eval", "nowhere", PROFILE], "no such file or folder"),
        (["explain", SMALL, PROFILE, "M9"], "no measure 'M9'"),
        (["eval", "tests/cases/units/bad/money_vs_ratio.pol", PROFILE], "PD203"),
    ],
)
def test_bad_usage_exits_2_with_a_message(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out


def test_invalid_profile_lists_every_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"revenue": "lots", "level": "giant", "projects": [{"investment": -5}], "revenu": 1}',
                   encoding="utf-8")
    code, _, err = run(capsys, "eval", SMALL, str(bad))
    assert code == 2
    for path in ("revenue", "level", "projects[0].investment", "revenu"):
        assert path in err
    assert "Traceback" not in err


def test_check_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", SMALL)[0] == 0
    assert run(capsys, "check", "tests/cases/names/bad/unknown_fact.pol")[0] == 1


def test_console_script_runs_as_a_process() -> None:
    done = subprocess.run([sys.executable, "-m", "policydsl", "check", SMALL], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "no problems" in done.stdout


def test_help_is_there_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "eval", "explain", "test", "fmt"):
        assert main([command, "--help"]) == 0
        assert "usage: policydsl" in capsys.readouterr().out


def test_examples_run_from_any_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import policydsl

    policies = policydsl.load(ROOT / "policies" / "sanmenxia")  # loaded here, run elsewhere
    monkeypatch.chdir(tmp_path)
    from policydsl.examples import run_examples

    assert all(run.ok for run in run_examples(policies))
    assert main(["test", str(ROOT / "docs" / "tutorial" / "matching.pol")]) == 0
