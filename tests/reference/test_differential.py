"""Three engines held equal on generated policies: the reference, the closures and DuckDB's SQL.

For each policy drawn from `policydsl.testing.policies()`, a batch of profiles from `profiles()`
and parameters, on several days (each side of every window bound, and one drawn day), the
reference interpreter (tests/reference) and the closures (`engine.closures`) must give the same
result field for field: status, agencies, each benefit result (applies, item, amount, at_most,
missing_params, unknowns), total, unknowns, targets, goals and whether the policy is in force.
The SQL query (`sql.query.compile_policy`, every profile of the batch in one DuckDB query) must
give the reference's status, total and unknowns of every measure, and the truth of every goal's
`count` expression; only a policy holding a construct SQL refuses (PD406; SQL_REFUSES names them:
whole lists or items compared, scores, dated versions, series facts, floor/ceil/round/sqrt) is left
to the other two.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
from hypothesis import given, note, settings
from hypothesis import strategies as st

from policydsl import model as m
from policydsl.api import PolicySet
from policydsl.batch.inputs import facts_table
from policydsl.engine import closures
from policydsl.profile import read_profile
from policydsl.result import Result
from policydsl.sql.query import SqlUnsupported, compile_policy
from policydsl.testing import load_text, profiles
from policydsl.testing.texts import LEFT_OUT, WHOLE_ALIAS, _policy_text
from tests.batch.helpers import run_sql
from tests.reference import BenefitOutcome, MeasureOutcome, Outcome, TargetOutcome, evaluate

# Disagreements with docs/semantics.md that the engines still have: each construct is left out of
# the generated policies until it is fixed, so that the rest stays held equal.
KNOWN_DISAGREEMENTS: dict[str, str] = {
    WHOLE_ALIAS: "comparing whole lists read through a definition (`项目表 != 项目表`, `define 项目表 = "
                 "projects`) with an unknown item field: the closures name it by the definition "
                 "(`项目表[0].category`) next to the fact's path, the reference by the fact only "
                 "(`projects[0].category`); semantics.md §5 names facts, so the closures are wrong "
                 "(found with --hypothesis-seed=7, POLICYDSL_DIFFERENTIAL_EXAMPLES=150)",
}
assert set(KNOWN_DISAGREEMENTS) <= LEFT_OUT
POLICIES = _policy_text(without=frozenset(KNOWN_DISAGREEMENTS))
# 25 policies in CI; a longer run: POLICYDSL_DIFFERENTIAL_EXAMPLES=1000 HYPOTHESIS_PROFILE=dev.
EXAMPLES = int(os.environ.get("POLICYDSL_DIFFERENTIAL_EXAMPLES", "25"))
TOTAL = Decimal("1e-10")  # the SQL total is a DECIMAL(38, 10) of 万元
PARAM_VALUES: dict[str, tuple[object, ...]] = {  # as a profile writes them; near the generated literals
    "money": ("0万元", "100万元", "150万元", "149.99万元", "500万元", "1.5亿元"),
    "ratio": ("3%", "40%", "100%", 0),
    "integer": (0, 1, 2, 300, 1000),
    "decimal": (0, 0.5, 100.25, 2),
    "text": ("智能产线", "", "a\"b"),
    "date": ("2021-01-01", "2024-06-01", "2025-12-31"),
    "bool": (True, False),
    "points": (0, 5, "15分", 0.5),
}


def as_outcome(result: Result) -> Outcome:
    """An engine's result in the reference's terms (what the reference does not compute is left out)."""
    measures = []
    for measure in result.measures:
        benefits = tuple(BenefitOutcome(b.id, b.applies, b.item, b.item_path, b.amount, b.at_most, b.missing_params,
                                        b.unknowns) for b in measure.benefits)
        targets = tuple(TargetOutcome(t.id, t.applies, t.met) for t in measure.targets)
        score = measure.score
        measures.append(MeasureOutcome(measure.id, measure.status, measure.agencies, benefits, measure.total,
                                       measure.unknowns, targets, measure.version,
                                       score.total if score is not None else None,
                                       tuple((g.name, g.value) for g in score.subtotals) if score is not None else ()))
    return Outcome(result.as_of, result.in_force, tuple(measures), tuple(result.goals))


def sql_row(outcome: Outcome) -> dict[str, Any]:
    """The reference's answer as a row of the SQL query holds it."""
    row: dict[str, Any] = {}
    for measure in outcome.measures:
        total = measure.total
        row[f"{measure.id}_status"] = measure.status
        row[f"{measure.id}_total"] = None if total is None else total.in_unit().quantize(TOTAL, ROUND_HALF_UP)
        row[f"{measure.id}_unknowns"] = list(measure.unknowns)
    return row


def near_total(key: str, want: Any, got: Any, reference: Outcome) -> bool:
    """SQL rounds each amount to DECIMAL(38, 10) of 万元 before summing them (semantics.md §13), so a
    total may differ from the exact sum, rounded once, by 1e-10 for each amount summed."""
    if not key.endswith("_total") or want is None or got is None:
        return False
    measure = next(mm for mm in reference.measures if f"{mm.id}_total" == key)
    return bool(abs(Decimal(got) - want) <= TOTAL * max(1, len(measure.benefits)))


def window_days(policy: m.Policy) -> list[datetime.date]:
    """Each dated bound of the policy's and the measures' windows, and the days next to it."""
    measures = [version for mm in policy.measures for version in (mm, *mm.versions)]
    windows = [policy.header.window, *(mm.own_window for mm in measures if mm.own_window is not None)]
    days = set()
    for window in windows:
        for bound, step in ((window.start, -1), (window.end, 1)):
            if bound.kind == "date" and bound.date is not None:
                days |= {bound.date, bound.date + datetime.timedelta(days=step)}
    return sorted(days)


@st.composite
def parameters(draw: st.DrawFn, policy: PolicySet) -> dict[str, object]:
    """Some of the policy's parameters supplied, with values near its thresholds; typed."""
    raw = {}
    for name, parameter in policy.policy.parameters.items():
        enum = parameter.type.enum
        choices = enum.values if parameter.type.kind == "enum" and enum else PARAM_VALUES[parameter.type.kind]
        if parameter.maximum is not None:  # a ranged parameter: its ends and a value inside
            low, high = int(parameter.minimum or 0), int(parameter.maximum)
            choices = (low, high, (low + high) // 2)
        if draw(st.booleans()):
            raw[name] = draw(st.sampled_from(choices))
    return policy.read_params(raw)


def describe(text: str, raw: Mapping[str, Any], params: Mapping[str, object], day: datetime.date,
             answers: Mapping[str, object]) -> str:
    lines = [f"policy:\n{text}", f"profile: {json.dumps(raw, ensure_ascii=False, default=str)}",
             f"params: {dict(params)}", f"as_of: {day}"]
    lines += [f"{engine}: {answer}" for engine, answer in answers.items()]
    return "\n".join(lines)


# What the SQL lowering refuses (PD406, `SqlUnsupported`) among the constructs the generator writes;
# a policy holding one is held equal on the reference and the closures only, and SQL refusing a
# policy that holds none (nor a product or sum too long for DECIMAL(38)) is a failure.
SQL_REFUSES = {
    "wholes": "a comparison of two whole lists or items (`p.phases = q.phases`, `p = q`)",
    "scores": "a measure with a score, or reading one (`score(M)`, `floors_met(M)`): no `.score` columns",
    "versions": "a measure in dated versions: no `.version` column",
    "series": "a series fact (`series of money`): facts by year are read by the python engine only",
    "rounding": "`floor`, `ceil`, `round` or `sqrt`: exact rounding and roots are not lowered",
}


def sql_refused(policy: m.Policy) -> list[str]:
    """Which of SQL_REFUSES the policy holds."""
    nodes = [node for expr in m.top_level_expressions(policy) for node in m.walk(expr)]
    facts = [fact for entity in (policy.schema.root, *policy.schema.entities.values()) for fact in entity.facts]
    measures = [version for measure in policy.all_measures.values() for version in (measure, *measure.versions)]
    held = {
        "wholes": compares_wholes(policy),
        "scores": any(measure.score is not None for measure in measures)
        or any(isinstance(node, m.Outcome) for node in nodes),
        "versions": any(measure.versions or measure.version is not None for measure in measures),
        "series": any(fact.type.kind == "series" for fact in facts),
        "rounding": any(isinstance(node, m.Func) and node.name in ("floor", "ceil", "round", "sqrt")
                        for node in nodes),
    }
    return [SQL_REFUSES[name] for name, holds in held.items() if holds]


def compares_wholes(policy: m.Policy) -> bool:
    """Whether the policy compares two lists or two items (`p.phases = q.phases`, `p = q`)."""
    return any(isinstance(node, m.Compare) and node.operand_type.kind in ("list", "entity")
               for expr in m.top_level_expressions(policy) for node in m.walk(expr))


def goal_rows(policy: m.Policy, facts: Sequence[Mapping[str, object]], params: Mapping[str, object],
              day: datetime.date) -> list[list[tuple[str, bool | None]]] | None:
    """(goal id, truth) of each goal's `count` expression for each profile, by the SQL query; None
    where SQL refuses a goal (PD406)."""
    try:
        query = compile_policy(policy, params, day, goals=True, measures=False)
    except SqlUnsupported as refused:  # as for the measures (`compare`)
        if not sql_refused(policy) and not too_long(refused):
            raise
        return None
    connection = duckdb.connect()
    connection.register("profiles", facts_table(policy.schema, facts))
    rows = connection.sql(query.sql(pretty=False)).fetchall()
    names = [column[0] for column in connection.sql(query.sql(pretty=False)).description]
    connection.close()
    return [[(goal, dict(zip(names, row, strict=True))[column]) for goal, column in query.goals.items()]
            for row in rows]


def too_long(refused: SqlUnsupported) -> bool:
    """Whether SQL refused an expression whose exact value may not fit DECIMAL(38), naming it."""
    said = str(refused)
    return said.startswith("`") and ("may need more than 38 digits" in said or "may exceed 38 digits" in said
                                     or "cannot be computed exactly" in said)


def in_force(policy: m.Policy, day: datetime.date) -> tuple[bool, ...]:
    """What a day decides (§11): whether the policy and each measure are in force on it."""
    return (policy.header.window.contains(day),
            *(version.window.contains(day) for measure in policy.measures for version in (measure, *measure.versions)))


def compare(text: str, policy: m.Policy, raws: Sequence[Mapping[str, Any]], params: Mapping[str, object],
            day: datetime.date, sql: bool = True) -> int | None:
    """Every profile through the reference and the closures on one day, and through DuckDB if `sql`;
    returns the number of SQL fields compared, None where SQL refuses the policy (SQL_REFUSES)."""
    facts = [read_profile(policy.schema, raw).values for raw in raws]
    references = [evaluate(policy, fact, params, day) for fact in facts]
    for raw, fact, reference in zip(raws, facts, references, strict=True):
        engine = as_outcome(closures.evaluate(policy, fact, params, day))
        if engine != reference:
            differing: dict[str, object] = {f"reference {r.id}": r for r, e in zip(reference.measures, engine.measures, strict=True)
                         if r != e}
            differing |= {f"closures {e.id}": e for r, e in zip(reference.measures, engine.measures, strict=True)
                          if r != e}
            if reference.goals != engine.goals or reference.in_force != engine.in_force:
                differing |= {"reference goals": (reference.in_force, reference.goals),
                              "closures goals": (engine.in_force, engine.goals)}
            raise AssertionError("the closures differ from the reference\n" + describe(text, raw, params, day,
                                                                                        differing))
    if not sql:
        return 0
    try:
        rows = run_sql(policy, facts, params, day)
    except SqlUnsupported as refused:
        # SQL refuses the constructs of SQL_REFUSES, and products or sums that DECIMAL(38) cannot
        # hold exactly, naming the expression (PD406): such a policy is held equal on the reference
        # and the closures only. Any other refusal is a failure.
        if not sql_refused(policy) and not too_long(refused):
            raise
        note(f"the SQL path refuses this policy (PD406): {refused}; it holds {sql_refused(policy)}")
        return None
    compared = 0
    goal_answers = goal_rows(policy, facts, params, day) if policy.goals else None
    if goal_answers is not None:  # each goal's `count` expression, as the batch's goal columns compute it
        for raw, reference, goals in zip(raws, references, goal_answers, strict=True):
            if goals != list(reference.goals):
                raise AssertionError("DuckDB's goals differ from the reference\n" + describe(
                    text, raw, params, day, {"reference goals": reference.goals, "DuckDB goals": goals}))
    for raw, reference, row in zip(raws, references, rows, strict=True):
        want = sql_row(reference)
        wrong = {key: (value, row[key]) for key, value in want.items()
                 if row[key] != value and not near_total(key, value, row[key], reference)}
        compared += len(want)
        if wrong:
            answers = {f"{key} reference": value for key, (value, _) in wrong.items()}
            answers |= {f"{key} DuckDB": got for key, (_, got) in wrong.items()}
            raise AssertionError("DuckDB differs from the reference\n" + describe(text, raw, params, day, answers))
    return compared


def agree(text: str, data: st.DataObject) -> None:
    """The property: one generated policy, a batch of profiles, parameters and several days."""
    policy_set = load_text(text)
    policy = policy_set.policy
    raws = data.draw(st.lists(profiles(policy_set), min_size=1, max_size=12), label="profiles")
    params = data.draw(parameters(policy_set), label="params")
    days = [*window_days(policy), data.draw(st.dates(datetime.date(2019, 1, 1), datetime.date(2031, 12, 31)))]
    note(f"days {days}")
    # The day enters only through the windows, so the SQL query (compiled per day, the slow part)
    # runs once for each different set of windows that contain it.
    seen: set[tuple[bool, ...]] = set()
    for day in days:
        windows = in_force(policy, day)
        compared = compare(text, policy, raws, params, day, sql=windows not in seen)
        fields = len(raws) * len(policy.measures) * 3 if windows not in seen else 0
        assert compared is None or compared == fields
        seen.add(windows)


@settings(max_examples=EXAMPLES)
@given(text=POLICIES, data=st.data())
def test_reference_closures_and_duckdb_agree_on_generated_policies(text: str, data: st.DataObject) -> None:
    agree(text, data)
