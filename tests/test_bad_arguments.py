"""Arguments of the wrong kind get a clear message (issue 19): the Python API says what to pass, and
the command line writes under an encoding that cannot show Chinese instead of crashing."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import policydsl
from policydsl import PolicySet, ProfileError
from tests.conftest import ROOT, SANMENXIA

PROFILE = SANMENXIA / "examples" / "profiles" / "lingbao-little-giant.json"
DAY = datetime.date(2024, 6, 1)


@pytest.fixture(scope="module")
def sanmenxia() -> PolicySet:
    return policydsl.load(SANMENXIA)


@pytest.mark.parametrize(("as_of", "message"), [
    ("2024-06-01", "as_of must be a datetime.date, not the str '2024-06-01': "
                   "pass datetime.date.fromisoformat('2024-06-01')"),
    (datetime.datetime(2024, 6, 1, 12), "as_of must be a datetime.date, not the datetime "
                                        "datetime.datetime(2024, 6, 1, 12, 0): pass as_of.date()"),
    (20240601, "as_of must be a datetime.date, not the int 20240601: pass datetime.date(2024, 6, 1)"),
])
def test_as_of_that_is_not_a_date(sanmenxia: PolicySet, as_of: object, message: str) -> None:
    with pytest.raises(TypeError) as error:
        sanmenxia.evaluate(PROFILE, as_of=as_of)  # type: ignore[arg-type]
    assert str(error.value) == message
    with pytest.raises(TypeError) as error:
        sanmenxia.sql(as_of=as_of)  # type: ignore[arg-type]
    assert str(error.value) == message


def test_params_that_are_not_a_mapping(sanmenxia: PolicySet) -> None:
    with pytest.raises(TypeError) as error:
        sanmenxia.evaluate(PROFILE, as_of=DAY, params=[("three_upgrades.cap", 500)])  # type: ignore[arg-type]
    assert str(error.value) == ('params must be a mapping of parameter names to values, e.g. '
                                '{"three_upgrades.cap": 500}, not the list [(\'three_upgrades.cap\', 500)]')


def test_a_decimal_without_a_fraction_is_a_whole_number(sanmenxia: PolicySet) -> None:
    as_decimal = sanmenxia.evaluate({"employees": Decimal("5"), "srdi_level": "provincial"}, as_of=DAY)
    as_int = sanmenxia.evaluate({"employees": 5, "srdi_level": "provincial"}, as_of=DAY)
    assert as_decimal.to_dict() == as_int.to_dict()
    with pytest.raises(ProfileError) as error:  # 5.0 is written with a fraction, as 320.0 for a head count
        sanmenxia.evaluate({"employees": Decimal("5.0")}, as_of=DAY)
    assert [d.code for d in error.value.diagnostics] == ["PD301"]


def run_ascii(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    return subprocess.run([sys.executable, "-m", "policydsl", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="ascii", timeout=120)


def test_text_output_under_an_ascii_encoding_degrades() -> None:
    done = run_ascii("eval", str(SANMENXIA), str(PROFILE), "--as-of", "2024-06-01")
    assert done.returncode == 0, done.stderr
    assert "\\u4e13\\u7cbe\\u7279\\u65b0" in done.stdout  # 专精特新, escaped


def test_json_output_under_an_ascii_encoding_is_the_same_json() -> None:
    done = run_ascii("eval", str(SANMENXIA), str(PROFILE), "--as-of", "2024-06-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    expected = policydsl.load(SANMENXIA).evaluate(PROFILE, as_of=DAY).to_dict()
    assert json.loads(done.stdout) == json.loads(json.dumps(expected, ensure_ascii=False))


# ---- parameters carry ranges like facts ------------------------------------------------------------


def test_a_parameter_below_its_minimum_is_refused(sanmenxia: PolicySet, capsys: pytest.CaptureFixture[str]) -> None:
    """three_upgrades.cap is `money >= 0`: −5万元 made M2 eligible with a negative grant."""
    from policydsl.cli import main

    with pytest.raises(ProfileError) as error:
        sanmenxia.evaluate(PROFILE, as_of=DAY, params={"three_upgrades.cap": -5})
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == ("PD304", "three_upgrades.cap must be at least 0万元, not -5万元")
    assert sanmenxia.read_params({"three_upgrades.cap": 0, "three_upgrades.ratio": "0%"})  # the minimum itself
    for command in (["eval", str(SANMENXIA), str(PROFILE)], ["sql", str(SANMENXIA)]):
        assert main([*command, "--as-of", "2024-06-01", "--param", "three_upgrades.cap=-5"]) == 2
        assert "three_upgrades.cap: error[PD304]: three_upgrades.cap must be at least 0万元" in capsys.readouterr().err


def test_a_parameter_minimum_is_formatted_and_read_back() -> None:
    from policydsl.syntax.format import format_text

    text = (ROOT / "tests" / "cases" / "parameters" / "good" / "minimum.pol").read_text("utf-8")
    assert format_text(text, "minimum.pol") == text
    policy = policydsl.load(ROOT / "tests" / "cases" / "parameters" / "good" / "minimum.pol").policy
    assert {name: str(p.minimum) for name, p in policy.parameters.items()} == {
        "threshold": "0", "headcount": "1", "ratio": "0", "cap": "0"}
