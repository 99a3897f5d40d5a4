"""Resource limits: each one at its boundary (exactly at the limit accepted, one past refused).

The limits are a frozen `Limits` given to whatever reads or evaluates profiles (docs/semantics.md,
"Resource limits"); each refusal is a PD3xx diagnostic at the JSON path concerned. The data is
generated here; every test is fast.
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import pytest

import policydsl
from policydsl import model as m
from policydsl.cli import main
from policydsl.diagnostics import ProfileError
from policydsl.engine.loop_work import LoopWork, check_loop_work, loop_nests, loop_work_can_exceed
from policydsl.profile import DEFAULT_LIMITS, Limits, read_profile, read_value
from policydsl.testing import load_text
from tests.conftest import SANMENXIA

NESTED = Path(__file__).parent / "batch" / "data" / "nested.pol"
AS_OF = datetime.date(2024, 6, 1)


@pytest.fixture(scope="module")
def nested() -> policydsl.PolicySet:
    return policydsl.load(NESTED)


@pytest.fixture(scope="module")
def sanmenxia() -> policydsl.PolicySet:
    return policydsl.load(SANMENXIA)


def codes(policies: policydsl.PolicySet, data: object, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, str | None]]:
    """(code, path) of every problem of a profile; [] when it is accepted."""
    try:
        read_profile(policies.policy.schema, data, limits=limits)
    except ProfileError as error:
        return [(d.code, d.path) for d in error.diagnostics]
    return []


# ---- MAX_LIST_ITEMS ----------------------------------------------------------------------------


def test_a_list_at_the_limit_is_read_and_one_past_it_is_refused(sanmenxia: policydsl.PolicySet) -> None:
    assert DEFAULT_LIMITS.max_list_items == 10_000
    at_limit = {"projects": [{"investment": 100}] * 10_000}
    facts = read_profile(sanmenxia.policy.schema, at_limit)
    assert len(facts.values["projects"]) == 10_000  # type: ignore[arg-type]
    assert codes(sanmenxia, {"projects": [{"investment": 100}] * 10_001}) == [("PD313", "projects")]


def test_a_huge_list_is_refused_without_reading_its_entries(sanmenxia: policydsl.PolicySet) -> None:
    # Ten million entries, each of them invalid: refused by its length alone, with one problem.
    started = time.perf_counter()
    assert codes(sanmenxia, {"projects": ["not an object"] * 10_000_000}) == [("PD313", "projects")]
    assert time.perf_counter() - started < 0.5


def test_sets_have_the_list_limit(nested: policydsl.PolicySet) -> None:
    two = Limits(max_list_items=2)
    assert codes(nested, {"labels": ["green", "smart"]}, two) == []
    # Refused before the entries are read: the repeat is not reported (PD312) as well.
    assert codes(nested, {"labels": ["green", "smart", "green"]}, two) == [("PD313", "labels")]
    assert codes(nested, {"projects": [{"phases": [{}, {}, {}]}]}, two) == [("PD313", "projects[0].phases")]
    assert codes(nested, {"labels": ["green", "smart", "green"]}) == [("PD312", "labels[2]")]  # the default limit


def test_a_set_parameter_has_the_list_limit(nested: policydsl.PolicySet) -> None:
    one = Limits(max_list_items=1)
    labels = nested.policy.schema.root.fact("labels")
    assert labels is not None
    assert read_value(labels.type, "green", "labels", from_text=True, limits=one) == frozenset({"green"})
    with pytest.raises(ProfileError) as error:
        read_value(labels.type, "green,smart", "labels", from_text=True, limits=one)
    assert [d.code for d in error.value.diagnostics] == ["PD313"]
    assert read_value(labels.type, "green,smart", "labels", from_text=True) == frozenset({"green", "smart"})


# ---- MAX_PROFILE_ITEMS ----------------------------------------------------------------------------


def test_the_entries_of_a_profile_at_the_limit(nested: policydsl.PolicySet) -> None:
    assert DEFAULT_LIMITS.max_profile_items == 100_000
    phases = [{"cost": 1}] * 9_999
    at_limit = {"projects": [{"phases": phases}] * 10}  # 10 projects + 99,990 phases
    assert codes(nested, at_limit) == []
    past = {"projects": [{"phases": phases}] * 9 + [{"phases": [*phases, {}]}]}
    assert codes(nested, past) == [("PD314", "projects[9].phases")]


def test_sets_count_toward_the_entries_of_a_profile(nested: policydsl.PolicySet) -> None:
    three = Limits(max_profile_items=3)
    assert codes(nested, {"labels": ["green"], "projects": [{}, {}]}, three) == []
    # Reported once, where the count passes the limit, whatever follows.
    found = codes(nested, {"labels": ["green", "smart"], "projects": [{"phases": [{}]}, {"phases": [{}]}]}, three)
    assert found == [("PD314", "projects")]


# ---- MAX_TEXT_LENGTH ----------------------------------------------------------------------------


def test_a_string_at_the_limit_is_read_and_one_past_it_is_refused(nested: policydsl.PolicySet) -> None:
    assert DEFAULT_LIMITS.max_text_length == 10_000
    name = "智" * 10_000  # characters, not bytes: 30,000 bytes of UTF-8
    assert read_profile(nested.policy.schema, {"name": name}).values["name"] == name
    assert codes(nested, {"name": name + "能"}) == [("PD315", "name")]
    assert codes(nested, {"projects": [{"name": name + "能"}]}) == [("PD315", "projects[0].name")]


@pytest.mark.parametrize(("fact", "value"), [
    ("revenue", "1" + " " * 10_000),  # money: spaces that parse_money would strip
    ("srdi_level", "x" * 10_001),  # an enum value, refused before a hint compares it with each value
    ("county", "灵宝市" * 4_000),
])
def test_every_string_has_the_limit(sanmenxia: policydsl.PolicySet, fact: str, value: str) -> None:
    assert codes(sanmenxia, {fact: value}) == [("PD315", fact)]


@pytest.mark.parametrize("kind", ["ratio", "date", "text", "money"])
def test_a_parameter_string_has_the_limit(kind: str) -> None:
    padded = {"ratio": "3%", "date": "2024-06-01", "text": "x", "money": "150万元"}[kind]
    assert read_value(m.Type(kind), padded, "p") is not None  # type: ignore[arg-type]
    with pytest.raises(ProfileError) as error:
        read_value(m.Type(kind), padded + " " * 10_000, "p")  # type: ignore[arg-type]
    assert [d.code for d in error.value.diagnostics] == ["PD315"]


def test_a_hundred_megabyte_name_is_refused_at_once(sanmenxia: policydsl.PolicySet) -> None:
    started = time.perf_counter()
    assert codes(sanmenxia, {"name": "x" * 100_000_000, "srdi_level": "y" * 100_000_000}) == [
        ("PD315", "name"), ("PD315", "srdi_level")]
    assert time.perf_counter() - started < 1


def test_a_long_unknown_key_is_shown_cut_and_gets_no_guess(sanmenxia: policydsl.PolicySet) -> None:
    started = time.perf_counter()
    with pytest.raises(ProfileError) as error:
        read_profile(sanmenxia.policy.schema, {"revenue" * 1_000_000: 1})
    assert time.perf_counter() - started < 1
    (problem,) = error.value.diagnostics
    assert problem.code == "PD302" and len(problem.message) < 400 and problem.path is not None
    assert len(problem.path) < 300 and "did you mean" not in (problem.hint or "")


# ---- MAX_PROFILE_BYTES --------------------------------------------------------------------------


def _padded(size: int) -> bytes:
    document = b'{"name": "x"}'
    return document + b" " * (size - len(document))


def test_profile_bytes_at_the_limit(sanmenxia: policydsl.PolicySet, tmp_path: Path) -> None:
    assert DEFAULT_LIMITS.max_profile_bytes == 10_000_000
    assert codes(sanmenxia, _padded(10_000_000)) == []
    assert codes(sanmenxia, _padded(10_000_001)) == [("PD316", "profile")]
    path = tmp_path / "company.json"
    path.write_bytes(_padded(10_000_000))
    assert codes(sanmenxia, path) == []
    path.write_bytes(_padded(10_000_001))
    assert codes(sanmenxia, path) == [("PD316", str(path))]


def test_a_file_of_gigabytes_is_refused_from_its_size(sanmenxia: policydsl.PolicySet, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:  # sparse: no disk space is used, nothing is read but the limit
        file.truncate(3_000_000_000)
    started = time.perf_counter()
    with pytest.raises(ProfileError) as error:
        read_profile(sanmenxia.policy.schema, path)
    assert time.perf_counter() - started < 1
    assert "3,000,000,000 bytes" in error.value.diagnostics[0].message
    assert main(["eval", str(SANMENXIA), str(path), "--as-of", "2024-06-01"]) == 2
    assert "error[PD316]" in capsys.readouterr().err


# ---- MAX_LOOP_WORK ------------------------------------------------------------------------------


def _work(projects: int) -> int:
    """The loop work of nested.pol on `projects` projects without phases (an empty list counts 1):
    two loops over the projects, the largest-project nest (n × n), and the phases of each project."""
    return 2 * projects + projects * projects + projects * 1


def test_the_nests_of_loops_of_a_policy(nested: policydsl.PolicySet, sanmenxia: policydsl.PolicySet) -> None:
    nests = loop_nests(nested.policy)
    assert {key: count for key, (count, _) in nests.items()} == {
        ("project",): 2, ("project", "project"): 1, ("project", "phase"): 1}
    assert loop_work_can_exceed(nests)
    # Sanmenxia has no nested loops: no profile within the list limits can reach the limit.
    assert not loop_work_can_exceed(loop_nests(sanmenxia.policy))


def test_loops_over_a_list_definition_nest() -> None:
    # `ps` is `projects` through a definition: two loops over it, one inside the other.
    policy = load_text('policy p { title "t" }\nentity e "e" { fact projects "p" : list of project }\n'
                       'entity project "p" { fact x "x" : money }\ndefine ps "p" = projects\n'
                       'measure M1 "m" { benefit service s "s" { when any q in ps: (any r in ps: (q.x > r.x)) } }\n')
    nests = loop_nests(policy.policy)
    assert {key: count for key, (count, _) in nests.items()} == {("project",): 1, ("project", "project"): 1}


def test_loop_work_at_the_limit(nested: policydsl.PolicySet) -> None:
    assert DEFAULT_LIMITS.max_loop_work == 1_000_000
    assert _work(998) <= 1_000_000 < _work(999)
    facts = read_profile(nested.policy.schema, {"projects": [{}] * 40}).values
    check_loop_work(nested.policy, facts, Limits(max_loop_work=_work(40)))
    with pytest.raises(ProfileError) as error:
        check_loop_work(nested.policy, facts, Limits(max_loop_work=_work(40) - 1))
    (problem,) = error.value.diagnostics
    assert problem.code == "PD317" and problem.path == "projects"
    assert f"{_work(40):,} times" in problem.message
    assert "nested.pol:32:10" in (problem.hint or "") and "40 (projects) × 40 (projects)" in (problem.hint or "")


def test_loop_work_counts_the_longest_nested_list(nested: policydsl.PolicySet) -> None:
    loops = LoopWork(nested.policy, Limits(max_loop_work=20))
    # 3 projects, the longest with 2 phases: 6 + 9 + 3 × 2 = 21.
    facts = read_profile(nested.policy.schema, {"projects": [{}, {"phases": [{}, {}]}, {"phases": [{}]}]}).values
    with pytest.raises(ProfileError) as error:
        loops.check(facts)
    assert "21 times" in error.value.diagnostics[0].message
    loops.check(read_profile(nested.policy.schema, {"projects": [{}, {"phases": [{}]}]}).values)  # 4 + 4 + 2 = 10


def test_evaluation_at_the_loop_limit_is_bounded(nested: policydsl.PolicySet) -> None:
    # The worst profile the limit admits: 998 projects, the largest compared with every other.
    profile_ = {"projects": [{"investment": index} for index in range(998)], "revenue": 1}
    facts = read_profile(nested.policy.schema, profile_).values
    check_loop_work(nested.policy, facts)
    started = time.perf_counter()
    result = nested.evaluate(profile_, as_of=AS_OF)
    assert result["M1"].status == "eligible"
    assert time.perf_counter() - started < 10


def test_evaluate_applies_the_limits_of_its_policy_set(nested: policydsl.PolicySet) -> None:
    lowered = policydsl.load(NESTED, limits=Limits(max_loop_work=_work(5) - 1, max_text_length=3))
    assert lowered.policy is nested.policy  # checked once, read and evaluated under other limits
    with pytest.raises(ProfileError) as error:
        lowered.evaluate({"projects": [{}] * 5}, as_of=AS_OF)
    assert [d.code for d in error.value.diagnostics] == ["PD317"]
    with pytest.raises(ProfileError) as error:
        lowered.evaluate({"name": "abcd"}, as_of=AS_OF)
    assert [d.code for d in error.value.diagnostics] == ["PD315"]
    nested.evaluate({"projects": [{}] * 5, "name": "abcd"}, as_of=AS_OF)  # within the default limits
    assert policydsl.load(NESTED) is nested  # the default limits' policy set is still the one kept


# ---- the command line: exit 2, the path in the file ---------------------------------------------


@pytest.mark.parametrize(("data", "code", "where"), [
    ({"projects": [{}] * 10_001}, "PD313", "projects"),
    ({"name": "x" * 10_001}, "PD315", "name"),
])
def test_the_command_line_exits_with_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, code: str,
                                       where: str) -> None:
    path = tmp_path / "company.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["eval", str(SANMENXIA), str(path), "--as-of", "2024-06-01"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {where}: error[{code}]" in err and "the limit is Limits.max_" in err
