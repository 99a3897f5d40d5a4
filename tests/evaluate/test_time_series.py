"""Time and series: `today`, durations and date shifts, `year`/`date`, `between`, series facts by year.

Expected values are worked out by hand from the policies below; the reference interpreter
(tests/reference) and the closures must give them, and DuckDB too where the construct has SQL.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl import ProfileError
from policydsl.cli import main
from policydsl.diagnostics import UsageError
from policydsl.profile import read_profile
from policydsl.profile.reader import ProfileReader
from policydsl.syntax import ast
from policydsl.syntax.format import format_text
from policydsl.syntax.parse import parse_text
from policydsl.testing import load_text
from policydsl.values import Duration, Money, shift
from tests.reference import evaluate
from tests.reference.test_differential import as_outcome, compare

# ---- a policy of dates only: every construct has SQL, so all three engines are compared ------------

DATES = """
policy t.dates { title "日期" valid from 2020-01-01 until open }
ordered enum level "层级" { none, provincial, little_giant }
entity enterprise "企业" {
  fact founded "成立日期" : date
  fact level "层级" : level
  fact employees "从业人员" : integer >= 0
  fact rd_ratio "研发强度" : ratio
  fact rounds "股权融资" : list of round
}
entity round "融资" {
  fact paid_on "实缴日期" : date
  fact amount "金额" : money >= 0
}
define last_year "上年度" = year(today) - 1
define year_end "上年末" = date(last_year, 12, 31)
measure recent "近三年有融资" {
  condition funded "近三年内实缴" = any r in rounds: (r.paid_on between today - 3 years and today)
  benefit service s "服务" { when funded }
}
measure mature "成立满3年且规模适中" {
  condition old "成立满3年" = founded <= today - 3 years
  condition sized "10至300人" = employees between 10 and 300 and level between provincial and little_giant
  benefit service s "服务" { when old and sized }
}
measure last_two "近2年(上两个日历年)融资" {
  condition in_years "融资在Y-2或Y-1年" = any r in rounds: (year(r.paid_on) between year(today) - 2 and last_year)
  condition ratio_band "研发强度3%至5%" = rd_ratio between 3% and 5%
  benefit service s "服务" { when in_years or ratio_band }
}
measure year_end_founded "上年末前成立" {
  condition before "截至上年末已成立" = founded <= year_end and founded + 30 days <= today
  benefit service s "服务" { when before }
}
"""


@pytest.fixture(scope="module")
def dates_policy() -> Any:
    return load_text(DATES)


def statuses(policy: Any, raw: dict[str, Any], day: datetime.date) -> dict[str, tuple[str, tuple[str, ...]]]:
    facts = read_profile(policy.policy.schema, raw).values
    reference = evaluate(policy.policy, facts, {}, day)
    compiled = as_outcome(policy.evaluate(raw, as_of=day))
    assert reference == compiled
    return {m.id: (m.status, m.unknowns) for m in reference.measures}


def test_dates_by_hand(dates_policy: Any) -> None:
    day = datetime.date(2025, 6, 1)  # today - 3 years = 2022-06-01; Y = 2025
    raw = {"founded": "2022-06-01", "level": "provincial", "employees": 300, "rd_ratio": "5%",
           "rounds": [{"paid_on": "2022-05-31", "amount": 100}, {"paid_on": "2025-06-02", "amount": 1}]}
    got = statuses(dates_policy, raw, day)
    # 2022-05-31 is a day before the window, 2025-06-02 a day after it: no round in 近三年.
    assert got["recent"] == ("not_eligible", ())
    # Founded exactly 3 years ago (both ends included); 300 employees and provincial are the edges.
    assert got["mature"] == ("eligible", ())
    # 2022-05-31 is in year 2022 = Y-3: not Y-2 or Y-1; 5% is the upper edge of the band.
    assert got["last_two"] == ("eligible", ())
    # 2022-06-01 <= 2024-12-31 and 2022-07-01 <= 2025-06-01.
    assert got["year_end_founded"] == ("eligible", ())
    edge = {**raw, "rounds": [{"paid_on": "2022-06-01"}], "employees": 301, "rd_ratio": "5.01%"}
    got = statuses(dates_policy, edge, day)
    assert got["recent"] == ("eligible", ())
    assert got["mature"] == ("not_eligible", ())
    assert got["last_two"] == ("not_eligible", ())  # 2022 is Y-3, 5.01% above the band


def test_leap_day_shift(dates_policy: Any) -> None:
    # today - 3 years from 2028-02-29 is 2025-02-28: a round paid on 2025-02-28 is within 近三年.
    raw = {"rounds": [{"paid_on": "2025-02-28"}]}
    assert statuses(dates_policy, raw, datetime.date(2028, 2, 29))["recent"] == ("eligible", ())
    assert statuses(dates_policy, {"rounds": [{"paid_on": "2025-02-27"}]},
                    datetime.date(2028, 2, 29))["recent"] == ("not_eligible", ())


def test_between_is_kleene(dates_policy: Any) -> None:
    day = datetime.date(2025, 6, 1)
    # Unknown employees, known level below the range: `sized` is false whatever employees is.
    got = statuses(dates_policy, {"founded": "2020-01-01", "level": "none"}, day)
    assert got["mature"] == ("not_eligible", ())
    got = statuses(dates_policy, {"founded": "2020-01-01", "level": "little_giant"}, day)
    assert got["mature"] == ("undetermined", ("employees",))
    got = statuses(dates_policy, {"rounds": [{"amount": 5}]}, day)  # a round without its date
    assert got["recent"] == ("undetermined", ("rounds[0].paid_on",))


DAYS = st.dates(datetime.date(2019, 1, 1), datetime.date(2030, 12, 31))
ROUNDS = st.lists(st.fixed_dictionaries({}, optional={"paid_on": DAYS.map(str)}), max_size=3)
PROFILES = st.fixed_dictionaries({}, optional={
    "founded": DAYS.map(str), "level": st.sampled_from(["none", "provincial", "little_giant"]),
    "employees": st.integers(0, 400), "rd_ratio": st.sampled_from(["2.99%", "3%", "4%", "5%", "5.01%"]),
    "rounds": ROUNDS})


@settings(max_examples=5, deadline=None)
@given(raws=st.lists(PROFILES, min_size=1, max_size=8), day=DAYS)
def test_reference_closures_and_duckdb_agree_on_dates(dates_policy: Any, raws: list[dict[str, Any]],
                                                      day: datetime.date) -> None:
    compare(DATES, dates_policy.policy, raws, {}, day, sql=True)  # asserts the three agree


# ---- durations on their own -------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "duration", "sign", "expected"), [
    ("2024-02-29", Duration(years=1), 1, "2025-02-28"),  # 29 February → 28 February
    ("2024-02-29", Duration(years=4), 1, "2028-02-29"),
    ("2024-03-31", Duration(months=1), -1, "2024-02-29"),  # month ends clamp
    ("2023-01-31", Duration(months=1), 1, "2023-02-28"),
    ("2024-01-31", Duration(months=13), 1, "2025-02-28"),
    ("2025-06-01", Duration(years=3), -1, "2022-06-01"),
    ("2024-12-15", Duration(days=30), 1, "2025-01-14"),
    ("2024-03-01", Duration(days=1), -1, "2024-02-29"),
])
def test_shift_by_hand(day: str, duration: Duration, sign: int, expected: str) -> None:
    assert shift(datetime.date.fromisoformat(day), duration, sign) == datetime.date.fromisoformat(expected)


def test_shift_outside_the_calendar_is_none() -> None:
    assert shift(datetime.date(1, 6, 1), Duration(years=3), -1) is None
    assert shift(datetime.date(9999, 12, 31), Duration(days=1), 1) is None


@given(DAYS, st.integers(0, 40))
def test_shift_by_years_keeps_the_day_or_clamps(day: datetime.date, years: int) -> None:
    moved = shift(day, Duration(years=years), -1)
    assert moved is not None and moved.year == day.year - years and moved.month == day.month
    assert moved.day == day.day or (day.month, day.day, moved.day) == (2, 29, 28)
    assert moved <= day


# ---- syntax -------------------------------------------------------------------------------------------


def test_between_binds_tighter_than_and() -> None:
    module, problems = parse_text("define a = x between 1 and 2 and y")
    assert not problems
    (definition,) = module.items
    expr = definition.expr  # type: ignore[union-attr]
    assert isinstance(expr, ast.Binary) and expr.op == "and"
    assert isinstance(expr.left, ast.Between) and expr.right == ast.Name(("y",))
    assert expr.left.low == ast.NumberLit(Decimal(1), True) and expr.left.high == ast.NumberLit(Decimal(2), True)


def test_time_constructs_format_and_round_trip() -> None:
    text = ("define a = x   between today-3 years and today and revenue[ year(today)-1 ]>0\n"
            "define b = (d between 1 and 2) or not (d between date(2024,2,29) + 1 year and today + 30 days)\n")
    formatted = format_text(text)
    assert formatted == (
        "define a = x between today - 3 years and today and revenue[year(today) - 1] > 0\n\n"
        "define b = d between 1 and 2 or not d between date(2024, 2, 29) + 1 year and today + 30 days\n")
    assert format_text(formatted) == formatted
    assert parse_text(formatted)[0] == parse_text(text)[0]


@given(st.integers(0, 99999), st.sampled_from(["year", "years", "month", "months", "day", "days"]))
def test_durations_round_trip(count: int, word: str) -> None:
    text = f"define a = today - {count} {word} <= d\n"
    module, problems = parse_text(text)
    assert not problems
    assert format_text(text) == text
    literal = module.items[0].expr.left.right  # type: ignore[union-attr]
    assert literal == ast.DurationLit(count, word.removesuffix("s"), word)  # type: ignore[arg-type]


# ---- series ----------------------------------------------------------------------------------------------

SERIES = """
policy t.series { title "序列" valid from 2020-01-01 until open }
entity enterprise "企业" {
  fact revenue "营业收入" : series of money >= 0
  fact rd_expense "研发费用" : series of money >= 0
  fact net_profit "净利润" : series of money
  fact staff "研发人员" : series of integer >= 0
}
define Y "评估年度" = year(today)
define growth "上年度营业收入增长率" = revenue[Y - 1] / revenue[Y - 2] - 100%
define average_growth "近2年营业收入平均增长率" = (growth + (revenue[Y - 2] / revenue[Y - 3] - 100%)) / 2
measure grow "成长性" {
  condition fast "增长率不低于10%" = growth >= 10%
  benefit service s "服务" { when fast }
}
measure rd "研发投入" {
  condition each_year "近两年研发费用每年均不低于100万元" = rd_expense[Y - 2] >= 100万元 and rd_expense[Y - 1] >= 100万元
  condition intensity "上年度研发强度3%至5%" = rd_expense[Y - 1] / revenue[Y - 1] between 3% and 5%
  benefit service s "服务" { when each_year and intensity }
}
measure average "平均增长" {
  condition avg "近2年平均增长率不低于15%" = average_growth >= 15%
  benefit service s "服务" { when avg and net_profit[Y - 1] > 0 and staff[Y - 1] >= 10 }
}
"""


@pytest.fixture(scope="module")
def series_policy() -> Any:
    return load_text(SERIES)


DAY = datetime.date(2025, 6, 1)  # Y = 2025: the years read are 2024, 2023, 2022


def test_series_by_hand(series_policy: Any) -> None:
    raw = {"revenue": {"2022": 4000, "2023": "5000万元", "2024": 6100},
           "rd_expense": {"2023": 100, "2024": "183万元"}, "net_profit": {"2024": -1}, "staff": {"2024": 10}}
    got = statuses(series_policy, raw, DAY)
    # growth 2024: 6100 / 5000 - 1 = 22% >= 10%.
    assert got["grow"] == ("eligible", ())
    # 100 and 183 >= 100; 183 / 6100 = 3% exactly, the lower edge.
    assert got["rd"] == ("eligible", ())
    # average of 22% and 5000/4000 - 1 = 25%: 23.5% >= 15%, but a loss in 2024: not eligible.
    assert got["average"] == ("not_eligible", ())


def test_series_unknowns_name_the_year(series_policy: Any) -> None:
    # No series at all: each condition names the years it needs.
    got = statuses(series_policy, {}, DAY)
    assert got["grow"] == ("undetermined", ("revenue.2023", "revenue.2024"))
    assert got["rd"] == ("undetermined", ("rd_expense.2023", "rd_expense.2024", "revenue.2024"))
    # A null year is unknown, as an absent one; a zero divisor names the year it read (§3.2: v[t−1] = 0).
    got = statuses(series_policy, {"revenue": {"2023": 0, "2024": 100}, "rd_expense": {"2023": 99, "2024": None}},
                   DAY)
    assert got["grow"] == ("undetermined", ("revenue.2023",))
    assert got["rd"] == ("not_eligible", ())  # 99 < 100 decides, whatever 2024 holds


def test_series_profile_reading() -> None:
    policy = load_text(SERIES).policy
    values = read_profile(policy.schema, {"revenue": {"2023": 5200, "2024": "6100万元", "2025": None}}).values
    assert values["revenue"] == {2023: Money.of(5200), 2024: Money.of(6100)}
    assert values["rd_expense"] is None
    for bad, path, code in [({"revenue": 6100}, "revenue", "PD320"), ({"revenue": [1, 2]}, "revenue", "PD320"),
                            ({"revenue": {"24": 1}}, 'revenue["24"]', "PD320"),
                            ({"revenue": {"2024": -1}}, "revenue.2024", "PD304"),
                            ({"staff": {"2024": 1.5}}, "staff.2024", "PD301")]:
        with pytest.raises(ProfileError) as error:
            read_profile(policy.schema, bad)
        assert [(d.code, d.path) for d in error.value.diagnostics] == [(code, path)], bad
    with pytest.raises(ProfileError, match="a per-year object keyed by years is expected"):
        read_profile(policy.schema, {"revenue": 6100})


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(["2022", "2023", "2024", "x", "0000", "12345"]),
                       st.one_of(st.none(), st.integers(-5, 10**6), st.sampled_from(["6100万元", "1.5亿元", "abc"]),
                                 st.floats(0, 1e6)), max_size=4))
def test_fast_and_full_series_readers_agree(series: dict[str, object]) -> None:
    policy = load_text(SERIES).policy
    text = json.dumps({"revenue": series}).encode()
    outcomes = []
    for data in ({"revenue": series}, text):
        try:
            outcomes.append(("ok", ProfileReader(policy.schema).read(data).values))
        except ProfileError as error:
            outcomes.append(("error", [(d.code, d.path) for d in error.diagnostics]))
    assert outcomes[0] == outcomes[1]


def test_series_in_sql_at_a_year_fixed_per_query(series_policy: Any) -> None:
    # The day is fixed per query, so `revenue[year(today) - 1]` is one MAP lookup in SQL …
    assert "revenue" in series_policy.sql(as_of=DAY)
    # … and a year that varies by row is refused with PD406 (use --engine python).
    varying = load_text(SERIES.replace("define Y \"评估年度\" = year(today)",
                                       "fact founded \"成立日期\" : date\ndefine Y \"评估年度\" = year(founded)"
                                       ).replace("fact staff", "fact founded \"成立日期\" : date\n  fact staff")
                        .replace("fact founded \"成立日期\" : date\ndefine Y", "define Y"))
    with pytest.raises(UsageError) as error:
        varying.sql(as_of=DAY)
    assert [d.code for d in error.value.diagnostics] == ["PD406"]


# ---- the command line, end to end ----------------------------------------------------------------------


def test_cli_eval_of_series_and_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.pol").write_text(SERIES, encoding="utf-8")
    (tmp_path / "firm.json").write_text(json.dumps({
        "revenue": {"2022": 4000, "2023": 5000, "2024": "5400万元"},
        "rd_expense": {"2023": 150, "2024": 200}, "net_profit": {"2024": 30}, "staff": {"2024": 12}}),
        encoding="utf-8")
    assert main(["eval", str(tmp_path), str(tmp_path / "firm.json"), "--as-of", "2025-06-01", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    by_id = {m["id"]: m for m in result["measures"]}
    # 5400 / 5000 - 1 = 8% < 10%.
    assert by_id["grow"]["status"] == "not_eligible"
    # 200 / 5400 = 3.7% in [3%, 5%]; 150 and 200 >= 100.
    assert by_id["rd"]["status"] == "eligible"
    # (8% + 25%) / 2 = 16.5% >= 15%, profit 30 > 0, 12 staff.
    assert by_id["average"]["status"] == "eligible"
    # One day later in the calendar, Y = 2026: the years 2025, 2024 are read; 2025 is not given.
    assert main(["eval", str(tmp_path), str(tmp_path / "firm.json"), "--as-of", "2026-01-01", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    grow = next(m for m in result["measures"] if m["id"] == "grow")
    assert (grow["status"], grow["unknowns"]) == ("undetermined", ["revenue.2025"])


def test_batch_of_series_with_the_python_engine(tmp_path: Path) -> None:
    policy = load_text(SERIES)
    rows = [{"revenue": {"2023": 100, "2024": 120}}, {"revenue": {"2023": 100, "2024": 105}}, {}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    policy.batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", engine="python", as_of=DAY)
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [w["grow_status"] for w in written] == ["eligible", "not_eligible", "undetermined"]
    # CSV: a series is a JSON object in its cell.
    (tmp_path / "in.csv").write_text('revenue\n"{""2023"": 100, ""2024"": 120}"\n\n', encoding="utf-8")
    policy.batch(tmp_path / "in.csv", tmp_path / "out2.jsonl", engine="python", as_of=DAY)
    (first, *_) = [json.loads(line) for line in (tmp_path / "out2.jsonl").read_text("utf-8").splitlines()]
    assert first["grow_status"] == "eligible"
