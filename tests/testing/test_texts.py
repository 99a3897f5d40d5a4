"""Random policy texts: they check, format to themselves, and their results fit the JSON Schema (the
engines agree with the reference on them: tests/reference/test_differential.py)."""

from __future__ import annotations

import datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.engine import closures as compiled
from policydsl.profile import read_profile
from policydsl.syntax.format import format_text
from policydsl.syntax.parse import parse_text
from policydsl.testing import load_text, policies, profiles

DAYS = st.dates(datetime.date(2020, 1, 1), datetime.date(2031, 1, 1))
RESULT_SCHEMA = jsonschema.validators.validator_for(policydsl.result_schema())(policydsl.result_schema())


def test_generated_texts_check_and_their_results_fit_the_schema() -> None:
    @settings(max_examples=20)
    @given(policies(), st.data())
    def agree(text: str, data: st.DataObject) -> None:
        policy = load_text(text)
        assert not [d for d in policy.warnings if d.severity == "error"]
        for _ in range(3):
            facts = read_profile(policy.policy.schema, data.draw(profiles(policy))).values
            day = data.draw(DAYS)
            RESULT_SCHEMA.validate(compiled.evaluate(policy.policy, facts, {}, day).to_dict())

    agree()


def test_generated_texts_format_to_the_same_meaning_and_stay_formatted() -> None:
    @settings(max_examples=15)
    @given(policies())
    def round_trip(text: str) -> None:
        formatted = format_text(text)
        assert parse_text(formatted)[0] == parse_text(text)[0]
        assert format_text(formatted) == formatted

    round_trip()


def test_generated_texts_load_from_files_as_from_text(tmp_path: Path) -> None:
    @settings(max_examples=5)
    @given(policies())
    def same(text: str) -> None:
        (tmp_path / "policy.pol").write_text(text, encoding="utf-8")
        assert policydsl.load(tmp_path / "policy.pol").policy.measures == load_text(text).policy.measures

    same()


def test_load_text_reports_problems_and_refuses_imports() -> None:
    with pytest.raises(policydsl.PolicyError) as error:
        load_text('policy p { title "t" }\nentity e "e" { fact x "x" : bool }\n'
                  'measure M1 "m" { benefit service s "s" { when y } }\n')
    assert "unknown name 'y'" in error.value.render()
    with pytest.raises(ValueError, match="self-contained"):
        load_text('policy p { title "t" }\nimport "schema.pol"\n')


def test_an_amendment_that_reads_what_it_amends_is_refused_or_evaluates() -> None:
    text = ('policy p { title "t" }\nentity e "e" { fact revenue "r" : money }\n'
            'parameter cap "c" : money = 100万元\n'
            'measure M1 "m" {\n  amend raise "a" when cap > 50万元 { cap = 200万元 }\n'
            '  benefit grant g "g" { when true amount cap }\n}\n')
    try:
        policy = load_text(text)
    except policydsl.PolicyError:
        return  # a checker diagnostic for the cycle is a fine answer
    policy.evaluate({}, as_of=datetime.date(2024, 6, 1))
