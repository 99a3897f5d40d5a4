"""List aggregates and records (semantics.md §6 "List aggregates", §5): the rules of
/work/shared/spec/national-criteria.md §3.4 — "any record matches", "at least k records match", sums
of equity rounds — worked out by hand on small profiles, and each profile held equal on the
reference interpreter, the closures and DuckDB (tests/reference/test_differential.compare)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from policydsl import model as m
from policydsl.engine import closures, intervals
from policydsl.engine.semantics import fold_count, fold_extreme, fold_sum, fold_unknown_list
from policydsl.profile import read_profile
from policydsl.testing import load_text
from policydsl.values import Money, Unknown
from tests.reference import evaluate
from tests.reference.interpreter import Interpreter
from tests.reference.test_differential import compare

DAY = datetime.date(2024, 6, 1)
POLICY = """
policy national_like {
  title "列表汇总"
  valid from 2022-06-01 until open
}

enum ipcat "知识产权类别" { I "Ⅰ类", II "Ⅱ类" }
enum level "级别" { national "国家级", provincial "省级", city "市级" }

entity ip "知识产权" {
  fact category "类别" : ipcat
  fact self_developed "自主研发" : bool
}

entity equity_round "股权融资" {
  fact qualified_investor "合格机构投资者" : bool
  fact paid_in "实缴额" : money >= 0
}

entity institution "研发机构" {
  fact level "级别" : level
  fact points "得分" : integer >= 0
}

entity niche "细分市场" {
  fact share_domestic "国内市场占有率" : ratio
}

entity enterprise "企业" {
  fact ip_assets "知识产权" : list of ip
  fact equity_rounds "股权融资" : list of equity_round
  fact rd_institutions "研发机构" : list of institution
  fact niche_market "细分市场地位" : niche
}

define rounds = equity_rounds
define equity "近三年股权融资" = sum r in rounds where (r.qualified_investor): (r.paid_in)

measure any_institution "省部级以上研发机构" {
  benefit service s "认定" { when any i in rd_institutions: (i.level in {national, provincial}) }
}

measure two_ip "Ⅰ类知识产权2项以上" {
  benefit service s "认定" { when count p in ip_assets where (p.category = I) >= 2 }
}

measure equity_500 "股权融资500万元以上" {
  benefit service s "认定" { when equity >= 500万元 }
}

measure niche_share "细分市场占有率10%以上" {
  benefit service s "认定" { when niche_market.share_domestic >= 10% }
}

measure best_institution "最高得分10分以上" {
  benefit service s "认定" { when max i in rd_institutions: (i.points) default (0) >= 10 }
}

measure per_round "按轮奖励" {
  benefit grant g "每轮实缴额的1%" {
    for each r in rounds
    when r.qualified_investor
    amount r.paid_in * 1%
  }
}

measure self_developed "Ⅰ类均为自主研发" {
  benefit service s "认定" { when all p in ip_assets where (p.category = I): (p.self_developed) }
}
"""

INSTITUTIONS = [
    ({"rd_institutions": [{"level": "national"}]}, "eligible", []),
    ({"rd_institutions": [{"level": "city"}, {}]}, "undetermined", ["rd_institutions[1].level"]),
    ({"rd_institutions": [{"level": "city"}, {}, {"level": "provincial"}]}, "eligible", []),
    ({"rd_institutions": []}, "not_eligible", []),  # an empty list is false
    ({}, "undetermined", ["rd_institutions"]),
]
TWO_IP = [
    ({"ip_assets": [{"category": "I"}, {"category": "I"}, {"category": "II"}]}, "eligible", []),
    ({"ip_assets": [{"category": "I"}, {"category": "I"}, {}]}, "eligible", []),  # 2 surely match
    ({"ip_assets": [{"category": "I"}, {}]}, "undetermined", ["ip_assets[1].category"]),  # 1..2
    ({"ip_assets": [{"category": "I"}, {"category": "II"}]}, "not_eligible", []),  # fewer than 2 could
    ({"ip_assets": [{"category": "II"}, {}]}, "not_eligible", []),  # at most 1 could match
    ({}, "undetermined", ["ip_assets"]),
]
EQUITY = [
    ({"equity_rounds": [{"qualified_investor": True, "paid_in": 300}, {"qualified_investor": True, "paid_in": 250}]},
     "eligible", []),
    ({"equity_rounds": [{"qualified_investor": True, "paid_in": 300}, {"paid_in": 250}]},
     "undetermined", ["equity_rounds[1].qualified_investor"]),  # 300..550
    ({"equity_rounds": [{"qualified_investor": True, "paid_in": 300}, {"qualified_investor": False, "paid_in": 900}]},
     "not_eligible", []),
    ({"equity_rounds": [{"qualified_investor": True, "paid_in": "600万元"}, {}]}, "eligible", []),  # low 600
    ({"equity_rounds": [{"qualified_investor": True}]}, "undetermined", ["equity_rounds[0].paid_in"]),  # 0..
    ({"equity_rounds": [{"paid_in": 200}, {"qualified_investor": True, "paid_in": 250}]},
     "not_eligible", []),  # 250..450: the upper bound is below 500
]
NICHE = [
    ({"niche_market": {"share_domestic": "12%"}}, "eligible", []),
    ({"niche_market": {"share_domestic": 0.05}}, "not_eligible", []),
    ({}, "undetermined", ["niche_market.share_domestic"]),
    ({"niche_market": {}}, "undetermined", ["niche_market.share_domestic"]),
]
BEST = [
    ({"rd_institutions": []}, "not_eligible", []),  # the default, 0
    ({"rd_institutions": [{"points": 12}]}, "eligible", []),
    ({"rd_institutions": [{}, {"points": 15}]}, "eligible", []),  # at least 15
    ({"rd_institutions": [{"points": 3}, {}]}, "undetermined", ["rd_institutions[1].points"]),  # 3..
]
SELF_DEVELOPED = [
    ({"ip_assets": [{"category": "I", "self_developed": True}, {"category": "II", "self_developed": False}]},
     "eligible", []),
    ({"ip_assets": [{"category": "I", "self_developed": False}]}, "not_eligible", []),
    ({"ip_assets": [{"self_developed": False}]}, "undetermined", ["ip_assets[0].category"]),
    ({"ip_assets": [{"category": "II"}]}, "eligible", []),  # no Ⅰ类 right: all of none holds
]
CASES = [(measure, *case) for measure, cases in (
    ("any_institution", INSTITUTIONS), ("two_ip", TWO_IP), ("equity_500", EQUITY), ("niche_share", NICHE),
    ("best_institution", BEST), ("self_developed", SELF_DEVELOPED)) for case in cases]


@pytest.fixture(scope="module")
def policy() -> m.Policy:
    return load_text(POLICY).policy


@pytest.mark.parametrize(("measure", "raw", "status", "unknowns"), CASES)
def test_the_national_rules_hold_on_every_engine(policy: m.Policy, measure: str, raw: dict[str, Any], status: str,
                                                 unknowns: list[str]) -> None:
    facts = read_profile(policy.schema, raw).values
    outcome = evaluate(policy, facts, {}, DAY)
    found = next(r for r in outcome.measures if r.id == measure)
    assert (found.status, list(found.unknowns)) == (status, unknowns)
    compare(POLICY, policy, [raw], {}, DAY)  # the closures and DuckDB give the reference's answer


def test_all_profiles_at_once_agree_in_one_query(policy: m.Policy) -> None:
    assert compare(POLICY, policy, [raw for _, raw, _, _ in CASES], {}, DAY) == len(CASES) * 7 * 3


def test_items_reached_through_a_definition_are_named_by_their_profile_path(policy: m.Policy) -> None:
    raw = {"equity_rounds": [{"qualified_investor": True, "paid_in": 100}, {"qualified_investor": True}]}
    outcome = evaluate(policy, read_profile(policy.schema, raw).values, {}, DAY)
    found = next(r for r in outcome.measures if r.id == "per_round")
    assert (found.status, found.unknowns) == ("eligible", ("equity_rounds[1].paid_in",))  # not rounds[1]
    compare(POLICY, policy, [raw], {}, DAY)


def test_bounds_of_counts_and_sums() -> None:
    unknown = Unknown(frozenset({"x"}))
    count = fold_count([True, unknown, False, True])
    assert isinstance(count, Unknown) and (count.low, count.high) == (2, 3) and count.paths == {"x"}
    assert fold_count([True, False]) == 1
    money = m.Type("money")
    wan = Money.of
    total = fold_sum([(True, wan(300), wan(0)), (unknown, wan(250), wan(0))], money)
    assert isinstance(total, Unknown) and (total.low, total.high) == (wan(300), wan(550))
    open_total = fold_sum([(True, wan(300), wan(0)), (True, Unknown(frozenset({"y"})), wan(0))], money)
    assert isinstance(open_total, Unknown) and (open_total.low, open_total.high) == (wan(300), None)
    no_floor = fold_sum([(True, Unknown(frozenset({"y"})), None)], money)
    assert isinstance(no_floor, Unknown) and (no_floor.low, no_floor.high) == (None, None)
    assert fold_sum([(unknown, wan(0), None)], money) == wan(0)  # 0 or 0: known
    assert fold_extreme("max", [(True, 3, 0), (unknown, 9, 0)], 0).low == 3  # type: ignore[attr-defined]
    assert fold_extreme("min", [], 7) == 7
    assert fold_extreme("max", [(True, 12, 0), (unknown, 5, 0)], 0) == 12  # the unknown item cannot win


def test_comparisons_of_bounded_unknowns() -> None:
    # `intervals.compare`, the one comparison by bounds the closures use (None: left open)
    between = Unknown(frozenset({"x"}), low=2, high=4)
    assert intervals.compare(">=", between, 2) is True
    assert intervals.compare(">=", between, 5) is False
    assert intervals.compare(">=", between, 3) is None
    assert intervals.compare("<", 1, between) is True
    assert intervals.compare("=", between, 7) is False
    assert intervals.compare("!=", between, 7) is True
    assert intervals.compare(">=", Unknown(frozenset({"x"}), low=2), 9) is None  # no high
    assert intervals.compare("<", Unknown(frozenset({"x"}), low=2), 1) is False


def test_record_problems_are_reported_with_their_paths(policy: m.Policy) -> None:
    from policydsl import ProfileError

    for raw, code, path in (({"niche_market": [1]}, "PD306", "niche_market"),
                            ({"niche_market": {"share": 0.1}}, "PD302", "niche_market.share"),
                            ({"niche_market": {"share_domestic": "lots"}}, "PD305", "niche_market.share_domestic")):
        with pytest.raises(ProfileError) as caught:
            read_profile(policy.schema, raw)
        found = caught.value.diagnostics[0]
        assert (found.code, found.path) == (code, path)
    record = read_profile(policy.schema, {"niche_market": {"share_domestic": "12%"}}).values["niche_market"]
    assert record == {"share_domestic": Decimal("0.12")}



# ---- a list that is itself unknown (absent): any number of items, each like a stand-in whose facts
# are unknown (semantics.md §6; national-criteria §3.4 "[lowest, highest] of its table").
ABSENT = """
policy absent_lists {
  title "缺失的列表"
  valid from 2022-06-01 until open
}

enum level "级别" { national "国家级", provincial "省级", city "市级" }

entity institution "研发机构" {
  fact level "级别" : level
}

entity equity_round "股权融资" {
  fact qualified_investor "合格机构投资者" : bool
  fact paid_in "实缴额" : money >= 0
  fact points "得分" : integer 1..5
}

entity enterprise "企业" {
  fact rd_institutions "研发机构" : list of institution
  fact equity_rounds "股权融资" : list of equity_round
  fact srdi "专精特新" : bool
}

parameter bonus "加分" : integer 0..3

define institution_points "研发机构得分" = max i in rd_institutions:
  (if i.level = national then 10分 else if i.level = provincial then 6分 else 2分) default (0分)
define equity "股权融资" = sum r in equity_rounds where (r.qualified_investor): (r.paid_in)
define srdi_equity "专精特新股权融资" = sum r in equity_rounds where (srdi and r.qualified_investor): (r.paid_in)
define round_count "融资轮数" = count r in equity_rounds where (srdi and r.qualified_investor)
define least_points "最低得分" = min r in equity_rounds where (srdi): (r.points + bonus) default (9)

measure equity_500 "股权融资500万元以上" {
  benefit service s "认定" { when equity >= 500万元 }
}

measure equity_some "股权融资不为负" {
  benefit service s "认定" { when equity >= 0万元 }
}

measure srdi_equity_zero "专精特新股权融资为零" {
  benefit service s "认定" { when srdi_equity = 0万元 }
}

measure no_round "没有融资" {
  benefit service s "认定" { when round_count < 1 }
}

measure some_rounds "融资不少于零轮" {
  benefit service s "认定" { when round_count >= 0 }
}

measure low_points "最低得分不超过9" {
  benefit service s "认定" { when least_points <= 9 }
}

measure very_low_points "最低得分低于1" {
  benefit service s "认定" { when least_points < 1 }
}
"""
SCORED = ABSENT + """
measure scored "研发机构评价" {
  score "评价得分" {
    indicator rd "研发机构" = institution_points
    indicator base "基础" = 5分
  }
  benefit designation title "称号" { when score(scored) >= 10分 }
}
"""
# (measure, srdi, bonus, status, unknowns), rd_institutions and equity_rounds absent:
ABSENT_CASES = [
    ("equity_500", None, None, "undetermined", ["equity_rounds"]),  # sum of money ≥ 0: [0, unbounded)
    ("equity_some", None, None, "eligible", []),  # ≥ 0万元 whatever the rounds hold
    ("srdi_equity_zero", False, None, "eligible", []),  # filter false on the stand-in: sum 0
    ("srdi_equity_zero", True, None, "undetermined", ["equity_rounds"]),
    ("srdi_equity_zero", None, None, "undetermined", ["equity_rounds", "srdi"]),  # srdi could decide it
    ("no_round", False, None, "eligible", []),  # count of none: 0
    ("no_round", True, None, "undetermined", ["equity_rounds"]),  # [0, unbounded)
    ("some_rounds", None, None, "eligible", []),  # a count is ≥ 0
    # min of d 9 and points + bonus (points 1..5, bonus 0..3 → [1, 8]): [1, 9]
    ("low_points", True, None, "eligible", []),
    ("very_low_points", True, None, "not_eligible", []),
    ("very_low_points", True, 2, "not_eligible", []),  # [3, 9]
    ("low_points", False, None, "eligible", []),  # the default, 9
]


@pytest.fixture(scope="module")
def absent() -> m.Policy:
    return load_text(ABSENT).policy


@pytest.mark.parametrize(("measure", "srdi", "bonus", "status", "unknowns"), ABSENT_CASES)
def test_aggregates_over_an_absent_list_are_bounded(absent: m.Policy, measure: str, srdi: bool | None,
                                                    bonus: int | None, status: str, unknowns: list[str]) -> None:
    raw: dict[str, Any] = {} if srdi is None else {"srdi": srdi}
    params: dict[str, object] = {} if bonus is None else {"bonus": bonus}
    outcome = evaluate(absent, read_profile(absent.schema, raw).values, params, DAY)
    found = next(r for r in outcome.measures if r.id == measure)
    assert (found.status, list(found.unknowns)) == (status, unknowns)
    compare(ABSENT, absent, [raw], params, DAY)  # the closures and DuckDB give the reference's answer


def test_the_bounds_of_aggregates_over_an_absent_list(absent: m.Policy) -> None:
    # The reference's values of the definitions, srdi true and equity_rounds absent.
    facts = read_profile(absent.schema, {"srdi": True}).values
    reference = Interpreter(absent, facts, {}, DAY)
    rounds = frozenset({"equity_rounds"})
    wan = Money.of
    values = {name: reference.value(absent.definitions[name].expr, {}) for name in
              ("equity", "round_count", "least_points", "institution_points")}
    assert values == {"equity": Unknown(rounds, low=wan(0)), "round_count": Unknown(rounds, low=0),
                      "least_points": Unknown(rounds | {"bonus"}, low=1, high=9),  # d 9, points + bonus [1, 8]
                      "institution_points": Unknown(frozenset({"rd_institutions"}), low=0, high=10)}
    # The closures' fold, on the stand-in's filter and value.
    listed = Unknown(rounds)
    stand_in = Unknown(rounds)
    money, integer = m.Type("money"), m.Type("integer")
    assert fold_unknown_list("sum", listed, "equity_rounds", stand_in, stand_in, wan(0), None, money) == \
        Unknown(rounds, low=wan(0))
    assert fold_unknown_list("sum", listed, "equity_rounds", False, None, wan(0), None, money) == wan(0)
    negative = Unknown(rounds, low=-3, high=-1)
    assert fold_unknown_list("sum", listed, "equity_rounds", True, negative, None, None, integer) == \
        Unknown(rounds, high=0)
    assert fold_unknown_list("sum", listed, "equity_rounds", True, 0, None, None, integer) == 0  # 0 + 0 + …
    assert fold_unknown_list("count", listed, "equity_rounds", Unknown(frozenset({"srdi"})), None, None, None,
                             integer) == Unknown(rounds | {"srdi"}, low=0)
    assert fold_unknown_list("max", listed, "equity_rounds", True, Unknown(rounds, low=2, high=10), None, 0,
                             integer) == Unknown(rounds, low=0, high=10)
    assert fold_unknown_list("max", listed, "equity_rounds", True, Unknown(rounds, low=2), None, 0,
                             integer) == Unknown(rounds, low=0)  # an unbounded value: an unbounded high
    assert fold_unknown_list("min", listed, "equity_rounds", False, None, None, 7, integer) == 7
    assert fold_unknown_list("min", listed, "equity_rounds", True, 7, None, 7, integer) == 7  # hull [7, 7]


def test_an_absent_list_bounds_the_score_by_its_table() -> None:
    policy = load_text(SCORED).policy
    facts = read_profile(policy.schema, {}).values
    # rd: max of the default 0分 and items worth 2, 6 or 10分 → [0分, 10分]; + base 5分 → [5, 15].
    scored = closures.evaluate(policy, facts, {}, DAY)["scored"]
    assert (scored.status, scored.unknowns) == ("undetermined", ("rd_institutions",))
    entry = scored.to_dict(explanation=False)
    assert (entry["score"], entry["score_min"], entry["score_max"]) == (None, "5", "15")
    compare(SCORED, policy, [{}], {}, DAY, sql=False)  # a scored policy: SQL refuses it (PD406)
    # any institution of a level worth 6分 or 10分 decides the score's floor; none at all: 5分
    assert closures.evaluate(policy, read_profile(policy.schema, {"rd_institutions": []}).values, {},
                             DAY)["scored"].status == "not_eligible"
