"""Exit codes, the same for the same failure in every command (shared/spec/interfaces.md).

0: success (for eval, explain and batch: the evaluation ran, whatever the statuses).
1: the command ran and found problems: `check` found errors, `test` a failing example, `fmt
   --check` an unformatted file.
2: bad usage or bad input: a flag, a path that cannot be read, a profile or parameter that does
   not read; and, for every command but `check` (for which it is the finding), a policy that does
   not parse or does not check.
Never a traceback.
"""

from __future__ import annotations

import shutil

import pytest

from policydsl.cli import main
from tests.conftest import ROOT

SMALL = ROOT / "tests" / "cases" / "good" / "good" / "smallest.pol"
PROFILE = ROOT / "tests" / "cli" / "data" / "small.json"
DOES_NOT_CHECK = ROOT / "tests" / "cases" / "names" / "bad" / "unknown_fact.pol"
ONLY_WARNINGS = ROOT / "tests" / "cases" / "types" / "warn" / "never_true.pol"
TUTORIAL = ROOT / "docs" / "tutorial" / "matching.pol"

FAILING_EXAMPLE = """
example wrong "this profile is eligible; the example says it is not" {
  profile "small.json"
  as of 2024-06-01
  expect M1 not_eligible
}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("exit-codes")
    small_text = SMALL.read_text("utf-8")
    (folder / "does_not_parse.pol").write_text(small_text.replace("measure M1", "measure M1 {{"), "utf-8")
    tutorial_text = TUTORIAL.read_text("utf-8")  # formatted: `make test` checks it
    (folder / "formatted.pol").write_text(tutorial_text, "utf-8")
    (folder / "unformatted.pol").write_text(tutorial_text.replace("condition funded", "condition   funded"), "utf-8")
    examples = folder / "examples"
    examples.mkdir()
    shutil.copy(PROFILE, examples / "small.json")
    (examples / "failing.pol").write_text(small_text + FAILING_EXAMPLE, "utf-8")
    (folder / "not_json.json").write_text("{\"revenue\": ", "utf-8")
    (folder / "invalid.json").write_text('{"revenue": "lots"}', "utf-8")
    (folder / "rows.jsonl").write_text(PROFILE.read_text("utf-8").replace("\n", " ") + "\n", "utf-8")
    (folder / "empty").mkdir()
    return {
        "small": str(SMALL), "profile": str(PROFILE), "does_not_check": str(DOES_NOT_CHECK),
        "only_warnings": str(ONLY_WARNINGS), "tutorial": str(TUTORIAL),
        "does_not_parse": str(folder / "does_not_parse.pol"), "unformatted": str(folder / "unformatted.pol"),
        "formatted": str(folder / "formatted.pol"), "failing": str(examples / "failing.pol"),
        "not_json": str(folder / "not_json.json"), "invalid": str(folder / "invalid.json"),
        "rows": str(folder / "rows.jsonl"), "empty": str(folder / "empty"), "missing": str(folder / "missing"),
        "out": str(folder / "out.csv"), "out_unknown": str(folder / "out.xlsx"),
    }


DAY = ["--as-of", "2024-06-01"]

# (command and failure, arguments with {names} of the files above, exit code)
CASES = [
    ("check clean", ["check", "{small}"], 0),
    ("check only warnings", ["check", "{only_warnings}"], 0),
    ("check errors", ["check", "{does_not_check}"], 1),
    ("check does not parse", ["check", "{does_not_parse}"], 1),
    ("check errors, json", ["check", "--format", "json", "{does_not_check}"], 1),
    ("check missing path", ["check", "{missing}"], 2),
    ("check folder without .pol", ["check", "{empty}"], 2),
    ("check missing among good", ["check", "{small}", "{missing}"], 2),
    ("check bad flag", ["check", "--format", "xml", "{small}"], 2),
    ("eval ok", ["eval", "{small}", "{profile}", *DAY], 0),
    ("eval does not parse", ["eval", "{does_not_parse}", "{profile}", *DAY], 2),
    ("eval does not check", ["eval", "{does_not_check}", "{profile}", *DAY], 2),
    ("eval missing policy", ["eval", "{missing}", "{profile}", *DAY], 2),
    ("eval missing profile", ["eval", "{small}", "{missing}", *DAY], 2),
    ("eval profile not JSON", ["eval", "{small}", "{not_json}", *DAY], 2),
    ("eval invalid profile", ["eval", "{small}", "{invalid}", *DAY], 2),
    ("eval unknown parameter", ["eval", "{small}", "{profile}", *DAY, "--param", "nope=1"], 2),
    ("eval bad parameter value", ["eval", "{small}", "{profile}", *DAY, "--param", "cap=lots"], 2),
    ("eval bad date", ["eval", "{small}", "{profile}", "--as-of", "2024-02-30"], 2),
    ("eval missing argument", ["eval", "{small}"], 2),
    ("explain ok", ["explain", "{small}", "{profile}", "M1", *DAY], 0),
    ("explain unknown measure", ["explain", "{small}", "{profile}", "M9", *DAY], 2),
    ("explain does not parse", ["explain", "{does_not_parse}", "{profile}", "M1", *DAY], 2),
    ("explain does not check", ["explain", "{does_not_check}", "{profile}", "M1", *DAY], 2),
    ("explain invalid profile", ["explain", "{small}", "{invalid}", "M1", *DAY], 2),
    ("test passing", ["test", "{tutorial}"], 0),
    ("test failing example", ["test", "{failing}"], 1),
    ("test does not parse", ["test", "{does_not_parse}"], 2),
    ("test does not check", ["test", "{does_not_check}"], 2),
    ("test missing path", ["test", "{missing}"], 2),
    ("fmt --check formatted", ["fmt", "--check", "{formatted}"], 0),
    ("fmt --check unformatted", ["fmt", "--check", "{unformatted}"], 1),
    ("fmt does not parse", ["fmt", "--check", "{does_not_parse}"], 2),
    ("fmt missing path", ["fmt", "--check", "{missing}"], 2),
    ("batch ok", ["batch", "{small}", "{rows}", "-o", "{out}", *DAY], 0),
    ("batch ok, python", ["batch", "{small}", "{rows}", "-o", "{out}", *DAY, "--engine", "python"], 0),
    ("batch does not parse", ["batch", "{does_not_parse}", "{rows}", "-o", "{out}", *DAY], 2),
    ("batch does not check", ["batch", "{does_not_check}", "{rows}", "-o", "{out}", *DAY], 2),
    ("batch missing input", ["batch", "{small}", "{missing}", "-o", "{out}", *DAY], 2),
    ("batch unknown output format", ["batch", "{small}", "{rows}", "-o", "{out_unknown}", *DAY], 2),
    ("batch bad parameter", ["batch", "{small}", "{rows}", "-o", "{out}", *DAY, "--param", "cap=lots"], 2),
    ("batch unknown engine", ["batch", "{small}", "{rows}", "-o", "{out}", "--engine", "spark"], 2),
    ("sql ok", ["sql", "{small}", *DAY], 0),
    ("sql does not parse", ["sql", "{does_not_parse}", *DAY], 2),
    ("sql does not check", ["sql", "{does_not_check}", *DAY], 2),
    ("sql bad parameter", ["sql", "{small}", *DAY, "--param", "nope=1"], 2),
    ("sql unknown dialect", ["sql", "{small}", "--dialect", "oracle"], 2),
    ("no command", [], 2),
    ("unknown command", ["evaluate", "{small}"], 2),
]


@pytest.mark.parametrize(("args", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_exit_code(files: dict[str, str], capsys: pytest.CaptureFixture[str], args: list[str], code: int) -> None:
    exit_code = main([arg.format(**files) for arg in args])
    out, err = capsys.readouterr()
    assert exit_code == code, f"stdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in out + err
    if code == 2 and args:  # bad input says what is wrong (check prints its findings on stdout)
        assert "error" in (out + err if args[0] == "check" else err), err
