"""Each error code documents itself: docs/errors.md, the catalogue and the tests that trigger each code agree.

PD1xx and PD2xx codes are triggered by the golden cases under tests/cases; the profile (PD3xx)
and usage (PD4xx) codes by the tests below, through the API and the command line.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from policydsl import PolicySet, ProfileError, load
from policydsl.cli import main
from policydsl.codes import CODES
from policydsl.engine.loop_work import check_loop_work
from policydsl.profile import read_profile
from policydsl.syntax.parse import MAX_SOURCE_CHARS
from tests.conftest import ROOT, SANMENXIA

DOCS = ROOT / "docs" / "errors.md"
CASES = ROOT / "tests" / "cases"
PROFILE = str((SANMENXIA / "examples" / "profiles" / "lingbao-little-giant.json").relative_to(ROOT))

# A profile (a dict, or JSON bytes as read from a file) that triggers each profile code on the
# Sanmenxia schema.
PROFILE_TRIGGERS: dict[str, object] = {
    "PD301": {"tech_sme": 1},
    "PD302": {"revenu": "1.5亿元"},
    "PD303": {"srdi_level": "little_gaint"},
    "PD304": {"revenue": -5},
    "PD305": {"revenue": "15万美元"},
    "PD306": {"projects": {"investment": "1200万元"}},
    "PD307": {"revenue": 10**30},
    "PD308": b'{"revenue": 150, "revenue": 1500}',
    "PD309": b'{"revenue": 150,}',
    "PD310": b'{"revenue": NaN}',
    "PD311": b'{"projects": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "PD312": {"heritage_titles": ["time_honored_brand", "time_honored_brand"]},
    "PD313": {"projects": [{}] * 10_001},
    "PD315": {"name": "x" * 10_001},
    "PD316": b" " * 10_000_001,
}

# The resource limits that need a policy with nested lists or nested loops (tests/batch/data/nested.pol).
NESTED = ROOT / "tests" / "batch" / "data" / "nested.pol"
NESTED_TRIGGERS: dict[str, object] = {
    "PD314": {"projects": [{"phases": [{}] * 10_000}] * 10},  # 10 + 100,000 entries
    "PD317": {"projects": [{}] * 1_000},  # the largest of 1,000 projects: 1,000 × 1,000 comparisons
}

# A command line that triggers each usage code, and the exit code it must end with (2: a path that
# cannot be read is bad usage, even for `check`).
USAGE_TRIGGERS: dict[str, tuple[Sequence[str], int]] = {
    "PD401": (["eval", "policies/sanmenxia", "tests/cases/no-such-profile.json", "--as-of", "2024-06-01"], 2),
    "PD402": (["check", "{empty folder}"], 2),
    "PD403": (["eval", "policies/sanmenxia", PROFILE, "--as-of", "2024-06-01",
               "--param", "three_upgrades.capp=500"], 2),
    "PD404": (["eval", "policies/sanmenxia", PROFILE, "--asof", "2024-06-01"], 2),
    "PD405": (["explain", "policies/sanmenxia", PROFILE, "M99", "--as-of", "2024-06-01"], 2),
    "PD406": (["sql", "tests/batch/data/entity_compare.pol"], 2),
    "PD407": (["batch", "policies/sanmenxia", "{empty folder}/firms.jsonl", "-o", "{empty folder}/firms.jsonl"], 2),
    "PD408": (["batch", "policies/sanmenxia", "{empty folder}/firms.jsonl", "-o", "{empty folder}/no/out.jsonl"], 2),
    "PD409": (["check", "{a folder with a link leaving it}"], 1),
}

# Profile codes that need a schema with series facts (the golden case of time and series).
SERIES = ROOT / "tests" / "cases" / "time" / "good" / "time_and_series.pol"
SERIES_TRIGGERS: dict[str, object] = {
    "PD320": {"revenue": 6100},
}

# Codes of one row of a batch: the policy, a JSON Lines row that triggers the code as an error row.
BATCH_TRIGGERS: dict[str, tuple[Path, str]] = {
    "PD318": (ROOT / "tests" / "batch" / "data" / "multiple.pol",
              '{"fund": "1000000000000000000万元", "multiple": 100000000000}'),
}


# Syntax codes whose fixture is too large to keep under tests/cases: the text is generated here and
# checked through the command line like a golden case.
GENERATED_TRIGGERS: dict[str, Callable[[], str]] = {
    "PD119": lambda: 'policy t { title "t" }\n' + "#" * MAX_SOURCE_CHARS + "\n",
}


def _documented() -> list[str]:
    return re.findall(r"^## (PD\d{3})\s*$", DOCS.read_text("utf-8"), flags=re.MULTILINE)


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (PD\d{3})\s*$", DOCS.read_text("utf-8"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _fixture_codes() -> set[str]:
    found: set[str] = set()
    for golden in CASES.rglob("*.check.out"):
        found |= set(re.findall(r"\[(PD\d{3})\]", golden.read_text("utf-8")))
    return found


@pytest.fixture(scope="module")
def sanmenxia() -> PolicySet:
    return load(SANMENXIA)


# ---- the catalogue, the documentation and the fixtures agree -------------------------------------------


def test_every_code_is_documented_once_in_code_order() -> None:
    documented = _documented()
    assert set(documented) == set(CODES), set(documented) ^ set(CODES)
    assert documented == sorted(CODES), "docs/errors.md lists each code once, in code order"


@pytest.mark.parametrize("code", sorted(CODES))
def test_entry_has_message_example_and_fix(code: str) -> None:
    section = _sections()[code]
    assert f"> {CODES[code]}\n" in section, f"the entry of {code} quotes the message of policydsl.codes.CODES"
    assert "**Wrong**" in section and "**Fixed**" in section
    assert f"[{code}]" in section, f"the entry of {code} shows the diagnostic it produces"


def test_every_syntax_and_policy_code_has_a_fixture() -> None:
    wanted = {code for code in CODES if code[2] in "12"} - set(GENERATED_TRIGGERS)
    missing = wanted - _fixture_codes()
    assert not missing, f"no golden case under tests/cases triggers {sorted(missing)}"


def test_fixtures_only_use_catalogued_codes() -> None:
    assert _fixture_codes() <= set(CODES)


def test_every_code_is_triggered_by_a_test() -> None:
    triggered = (_fixture_codes() | set(PROFILE_TRIGGERS) | set(NESTED_TRIGGERS) | set(USAGE_TRIGGERS)
                 | set(GENERATED_TRIGGERS) | set(BATCH_TRIGGERS) | set(SERIES_TRIGGERS))
    assert triggered == set(CODES), set(CODES) ^ triggered


@pytest.mark.parametrize("code", sorted(GENERATED_TRIGGERS))
def test_generated_syntax_code(code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.pol").write_text(GENERATED_TRIGGERS[code](), encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"error[{code}]" in out and len(out) < 2_000, out[:2_000]


# ---- PD3xx: profile data -------------------------------------------------------------------------------


def _profile_codes(policies: PolicySet, profile: object) -> set[str]:
    try:
        read_profile(policies.policy.schema, profile)
    except ProfileError as error:
        return {d.code for d in error.diagnostics}
    return set()


@pytest.mark.parametrize("code", sorted(PROFILE_TRIGGERS))
def test_profile_code(code: str, sanmenxia: PolicySet) -> None:
    assert code in _profile_codes(sanmenxia, PROFILE_TRIGGERS[code])


@pytest.mark.parametrize("code", sorted(NESTED_TRIGGERS))
def test_nested_profile_code(code: str) -> None:
    policy = load(NESTED).policy
    with pytest.raises(ProfileError) as error:
        check_loop_work(policy, read_profile(policy.schema, NESTED_TRIGGERS[code]).values)
    assert [d.code for d in error.value.diagnostics] == [code]


@pytest.mark.parametrize("code", sorted(SERIES_TRIGGERS))
def test_series_profile_code(code: str) -> None:
    assert code in _profile_codes(load(SERIES), SERIES_TRIGGERS[code])


def test_missing_profile_file_through_the_api(sanmenxia: PolicySet, tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as error:
        sanmenxia.evaluate(str(tmp_path / "missing.json"))
    assert [d.code for d in error.value.diagnostics] == ["PD309"]


def test_profile_problem_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "company.json"
    profile.write_text('{"revenue": -5}', encoding="utf-8")
    assert main(["eval", "policies/sanmenxia", str(profile), "--as-of", "2024-06-01"]) == 2
    assert "error[PD304]" in capsys.readouterr().err


# ---- PD4xx: usage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(USAGE_TRIGGERS))
def test_usage_code(code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, exit_code = USAGE_TRIGGERS[code]
    if "{a folder with a link leaving it}" in argv:
        (tmp_path / "policy.pol").write_text('policy t { title "t" }\n', encoding="utf-8")
        (tmp_path / "pw.pol").symlink_to(ROOT / "README.md")
        argv = ["check", str(tmp_path)]
    assert main([arg.replace("{empty folder}", str(tmp_path)) for arg in argv]) == exit_code
    out = capsys.readouterr()
    assert f"[{code}]" in out.out + out.err


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("code", sorted(BATCH_TRIGGERS))
def test_batch_row_code(code: str, engine: str, tmp_path: Path) -> None:
    policy, row = BATCH_TRIGGERS[code]
    (tmp_path / "in.jsonl").write_text(row + "\n", encoding="utf-8")
    load(policy).batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", engine=engine, as_of=datetime.date(2024, 6, 1))
    (written,) = (tmp_path / "out.jsonl").read_text("utf-8").splitlines()
    assert f"error[{code}]" in json.loads(written)["error"]


def test_unknown_parameter_through_the_api(sanmenxia: PolicySet) -> None:
    with pytest.raises(ProfileError) as error:
        sanmenxia.read_params({"three_upgrades.capp": 500})
    assert [d.code for d in error.value.diagnostics] == ["PD403"]
