"""Loop variables in SQL never capture a name of the policy.

The SQL path names its lambda parameters, unnest aliases and ordinals itself (`x1`, `i2`, `t3` …).
DuckDB and Spark resolve a name inside a lambda to the lambda's parameter first, and read names
case-insensitively, quoted or not: a root fact `x1`, or `X3`, read inside `LAMBDA x1, i2: …` would
be the item, not the column. Every generated name must therefore differ, case folded, from every
name of the policy. In PostgreSQL an item's columns, named after its fields, would likewise hide
root facts of the same names from the loop's subquery. Python is the reference for every field.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import policydsl
from policydsl.sql.dialects import NAMES
from policydsl.sql.query import compile_policy
from tests.batch.helpers import AS_OF, DATA, assert_same, profiles
from tests.batch.test_nested import facts

POLICY = policydsl.load(DATA / "loop_names.pol").policy


def policy_names() -> set[str]:
    schema = POLICY.schema
    names = {fact.name for entity in schema.entities.values() for fact in entity.facts}
    return {name.casefold() for name in names | set(POLICY.definitions) | set(POLICY.parameters)}


def bound_names(select: exp.Select) -> tuple[set[str], set[str]]:
    """The names the query binds, case folded: lambda parameters, aliases and ordinals; and the
    columns of unnest aliases (in PostgreSQL, an item's fields)."""
    names = {param.name for lambda_ in select.find_all(exp.Lambda) for param in lambda_.expressions}
    columns: set[str] = set()
    for unnest in select.find_all(exp.Unnest):
        alias, offset = unnest.args.get("alias"), unnest.args.get("offset")
        names |= {alias.name} if alias else set()
        columns |= {column.name for column in alias.columns} if alias else set()
        names |= {offset.name} if offset else set()
    names |= {lateral.alias for lateral in select.find_all(exp.Lateral)}
    return {n.casefold() for n in names}, {n.casefold() for n in columns}


@pytest.mark.parametrize("dialect", NAMES)
def test_no_generated_name_is_a_name_of_the_policy(dialect: str) -> None:
    names, columns = bound_names(compile_policy(POLICY, {}, AS_OF, dialect=dialect).select)
    assert names
    assert not names & policy_names()
    # An item's columns keep its fields' names (PostgreSQL), but for those of root facts, which they
    # would hide from the subquery: the project's field `x1`.
    assert not columns & {fact.name.casefold() for fact in POLICY.schema.root.facts}
    assert columns & policy_names() == ({"investment", "phases", "cost", "hours"} if dialect == "postgres" else set())


def test_generated_profiles_agree_with_python() -> None:
    assert assert_same(POLICY, profiles(POLICY.schema, 3_000, seed=7), {}) == 3_000 * 3 * len(POLICY.measures)


def test_hypothesis_profiles_agree_with_python() -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(batch=st.lists(facts(POLICY.schema), min_size=1, max_size=20))
    def prop(batch: list[dict[str, Any]]) -> None:
        assert_same(POLICY, batch, {})

    prop()
