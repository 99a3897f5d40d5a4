"""The benchmark's lean floor (bench/lean_floor.py) gives policydsl's answers, so it is not wrong-but-fast."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import policydsl
from tests.conftest import ROOT, SANMENXIA

sys.path.insert(0, str(ROOT / "bench"))
from lean_floor import evaluate_lean
from workload import generate

DAY = datetime.date(2024, 6, 1)
CASES = [  # (cap, threshold) in 万元, None: not supplied
    (Decimal(500), Decimal(200)),
    (Decimal(60), Decimal(150)),
    (None, None),
    (Decimal(500), None),
]


@pytest.fixture(scope="module")
def policies() -> policydsl.PolicySet:
    return policydsl.load(SANMENXIA)


def rows_of(policies: policydsl.PolicySet, profile: dict[str, Any], day: datetime.date, cap: Decimal | None,
            threshold: Decimal | None) -> list[tuple[object, ...]]:
    params = {name: value for name, value in (("three_upgrades.cap", cap), ("three_upgrades.threshold", threshold))
              if value is not None}
    result = policies.evaluate(profile, as_of=day, params=params)
    return [(m.status, m.total.in_unit() if m.total is not None else None, m.unknowns,
             m.agencies if m.status != "not_in_force" else ()) for m in result.measures]


@pytest.mark.parametrize(("case", "cap", "threshold"), [(n, *case) for n, case in enumerate(CASES)])
def test_the_floor_agrees_with_policydsl_on_every_field(policies: policydsl.PolicySet, case: int, cap: Decimal | None,
                                                         threshold: Decimal | None) -> None:
    profiles = generate(2000) if case == 0 else generate(500, seed=case)  # the first: the benchmark's
    for number, profile in enumerate(profiles):
        for day in (DAY, datetime.date(2020, 6, 1), datetime.date(2022, 6, 30), datetime.date(2026, 1, 1)):
            expected = rows_of(policies, profile, day, cap, threshold)
            assert evaluate_lean(profile, day, cap, threshold) == expected, (number, day, profile)


def test_the_workload_exercises_every_status_and_unknowns() -> None:
    statuses, named = set(), set()
    for profile in generate(2000):
        for n, (status, total, unknowns, _) in enumerate(evaluate_lean(profile, DAY), start=1):
            statuses.add((n, status))
            named.update(unknowns)
            assert total is None or n in (2, 4)
    for n in (2, 4, 8, 12, 14, 15, 26, 28):
        assert {(n, "eligible"), (n, "not_eligible"), (n, "undetermined")} <= statuses
    assert {"srdi_level", "projects", "projects[0].category", "projects[2].investment", "tech_sme",
            "projects[1].seeks_industry_fund", "employees", "revenue", "heritage_titles"} <= named


def test_m2_by_hand() -> None:
    # SRDI: threshold 150万元, 40% a project, capped at 500万元: 200 → 80; 1250 → 500; 149.99 and
    # a project of another category get nothing; a project of unknown investment leaves it open.
    profile = {"srdi_level": "provincial", "projects": [
        {"category": "5g", "investment": "2000000元"}, {"category": "other", "investment": "900万元"},
        {"category": "green_upgrade", "investment": "0.125亿元"}, {"category": "5g", "investment": 149.99},
        {"category": "technical_upgrade"}]}
    status, total, unknowns, _ = evaluate_lean(profile, DAY)[1]
    assert (status, total, unknowns) == ("eligible", Decimal(580), ("projects[4].investment",))
    # Not known to be SRDI: M2 applies only if SRDI, and then the threshold is 150万元 whatever the
    # base threshold (200万元, 150万元 or not supplied), so the base threshold is never named.
    for threshold in (Decimal(200), Decimal(150), None):
        row = evaluate_lean({"projects": [{"category": "5g", "investment": "180万元"}]}, DAY, threshold=threshold)[1]
        assert row[:3] == ("undetermined", None, ("srdi_level",))


# M2 with the SRDI level unknown, by hand (spec: SRDI only; then threshold 150万元, 40%): a project
# below 150万元 or of another category never passes, whatever the level or its unknown category;
# one that passes if SRDI leaves only the level open; one that might pass names what it lacks.
M2_LEVEL_UNKNOWN = [
    ([{"category": "5g", "investment": "100万元"}], ("not_eligible", ())),
    ([{"investment": "149.99万元"}], ("not_eligible", ())),
    ([{"category": "other"}], ("not_eligible", ())),
    ([{"category": "5g", "investment": "150万元"}, {"investment": "300万元"}], ("undetermined", ("srdi_level",))),
    ([{"investment": "300万元"}], ("undetermined", ("projects[0].category", "srdi_level"))),
    ([{"category": "green_upgrade"}, {"investment": "1万元"}],
     ("undetermined", ("projects[0].investment", "srdi_level"))),
    ([{}], ("undetermined", ("projects[0].category", "projects[0].investment", "srdi_level"))),
    (None, ("undetermined", ("projects", "srdi_level"))),
    ([], ("not_eligible", ())),
]


@pytest.mark.parametrize(("projects", "expected"), M2_LEVEL_UNKNOWN)
@pytest.mark.parametrize("threshold", [Decimal(200), None])
def test_m2_with_the_level_unknown_by_hand(projects: list[dict[str, str]] | None,
                                           expected: tuple[str, tuple[str, ...]], threshold: Decimal | None) -> None:
    status, total, unknowns, _ = evaluate_lean({"projects": projects}, DAY, threshold=threshold)[1]
    assert (status, unknowns) == expected and total is None


def test_m2_with_the_level_unknown_in_the_other_floors(tmp_path: Path) -> None:
    """bench/handwritten.py and bench/handwritten_sql.py give the same statuses by the same reading."""
    import duckdb
    from handwritten import evaluate_by_hand
    from handwritten_sql import STATUS_TYPE, query

    for projects, (status, _) in M2_LEVEL_UNKNOWN:
        assert evaluate_by_hand({"projects": projects}, DAY)["M2"][0] == status
    project = "STRUCT(category VARCHAR, investment DECIMAL(18, 2), seeks_industry_fund BOOLEAN)"

    def literal(item: dict[str, str]) -> str:
        category, investment = item.get("category"), item.get("investment")
        return (f"{{'category': {'NULL' if category is None else repr(category)}, "
                f"'investment': {'NULL' if investment is None else investment.removesuffix('万元')}, "
                "'seeks_industry_fund': NULL}")

    rows = " UNION ALL ".join(
        f"SELECT {n} AS n, NULL::VARCHAR AS srdi_level, NULL::BIGINT AS employees, NULL::DECIMAL(18, 2) AS revenue, "
        "NULL::DECIMAL(18, 2) AS national_fund_received, NULL::BOOLEAN AS tech_sme, NULL::VARCHAR[] AS heritage_titles, "
        "NULL::BOOLEAN AS listing_intent, NULL::BOOLEAN AS in_cultivation_pool, "
        f"{'NULL' if projects is None else '[' + ', '.join(map(literal, projects)) + ']'}::{project}[] AS projects"
        for n, (projects, _) in enumerate(M2_LEVEL_UNKNOWN))
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    connection = duckdb.connect()
    connection.execute(f"COPY (SELECT * FROM ({rows}) ORDER BY n) TO '{source}' (FORMAT PARQUET)")
    connection.execute(STATUS_TYPE)
    connection.execute(query(str(source), str(target), DAY, Decimal(500), Decimal(200)))
    got = [status for status, in connection.execute(
        f"SELECT M2_status::VARCHAR FROM read_parquet('{target}') ORDER BY row").fetchall()]
    assert got == [status for _, (status, _) in M2_LEVEL_UNKNOWN]


# policydsl's exact unknowns (docs/semantics.md §24) name a finite unknown when two completions
# differing in it alone both stay open. With the base threshold not supplied, the first pass names
# projects[1].category (1万元 against an unknown threshold); in the SRDI completions M2 stays open
# on projects[0].investment whatever that category, so policydsl names it, though 1万元 is below
# 150万元 and no category can change M2. With the base threshold supplied its bounds (150..200万元)
# decide the project in the first pass and both readings agree.
OVER_NAMED = {(5, None)}


@pytest.mark.parametrize(("projects", "expected", "threshold"), [
    pytest.param(projects, expected, threshold, marks=[pytest.mark.xfail(
        strict=True, reason="policydsl names an unknown that cannot change M2 (§24's 'leave it open')")]
        if (n, threshold) in OVER_NAMED else [])
    for n, (projects, expected) in enumerate(M2_LEVEL_UNKNOWN) for threshold in (Decimal(200), None)])
def test_m2_with_the_level_unknown_policydsl_agrees(policies: policydsl.PolicySet,
                                                    projects: list[dict[str, str]] | None,
                                                    expected: tuple[str, tuple[str, ...]],
                                                    threshold: Decimal | None) -> None:
    status, unknowns = expected
    assert rows_of(policies, {"projects": projects}, DAY, Decimal(500), threshold)[1][:3] == (status, None, unknowns)


@pytest.mark.parametrize("profile", [
    {"employes": 3},
    {"employees": True},
    {"employees": -1},
    {"revenue": "-5万元"},
    {"revenue": "五万元"},
    {"revenue": [1]},
    {"srdi_level": "national"},
    {"county": "北京"},
    {"tech_sme": "yes"},
    {"heritage_titles": ["industrial_heritage", "industrial_heritage"]},
    {"heritage_titles": ["unknown_title"]},
    {"projects": {"category": "5g"}},
    {"projects": [{"category": "5g", "cost": 3}]},
    {"projects": [{"investment": "NaN"}]},
])
def test_the_floor_refuses_what_policydsl_refuses(policies: policydsl.PolicySet, profile: dict[str, Any]) -> None:
    with pytest.raises(policydsl.ProfileError):
        policies.evaluate(profile, as_of=DAY)
    with pytest.raises(ValueError):
        evaluate_lean(profile, DAY)


def test_the_sql_floor_agrees_with_policydsl_batch(policies: policydsl.PolicySet, tmp_path: Path) -> None:
    """bench/handwritten_sql.py, the batch floor, gives policydsl's status and total for every
    measure of every row of a generated Parquet file (bench/batch_bench.py checks 10,000 rows)."""
    import duckdb
    from handwritten_sql import STATUS_TYPE, query

    from tests.batch.generate_profiles import write_profiles

    source, ours, theirs = tmp_path / "in.parquet", tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_profiles(policies.policy, source, 3000)
    policies.batch(source, ours, as_of=DAY, params={"three_upgrades.cap": 500, "three_upgrades.threshold": 200})
    connection = duckdb.connect()
    connection.execute(STATUS_TYPE)
    connection.execute(query(str(source), str(theirs), DAY, Decimal(500), Decimal(200)))
    differs = " OR ".join(f"a.M{n}_status IS DISTINCT FROM b.M{n}_status OR a.M{n}_total IS DISTINCT FROM b.M{n}_total"
                          for n in range(1, 29))
    (compared, different, eligible_m2), = connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {differs}), count(*) FILTER (WHERE b.M2_status = 'eligible') "
        f"FROM read_parquet('{ours}') a JOIN read_parquet('{theirs}') b USING (row) WHERE a.error IS NULL").fetchall()
    assert (compared, different) == (3000, 0)
    assert eligible_m2 > 0  # M2's grants are compared, not only its refusals
