"""Hypothesis strategies for typed facts of any schema, with unknown holes and boundary values."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from policydsl import model
from policydsl.values import Money

MONEY_POINTS = ["0", "0.01", "100", "149.99", "150", "150.01", "200", "800", "1250", "39999.99", "40000", "40000.01"]


def value_of(typ: model.Type, schema: model.Schema, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = typ.kind
    if kind == "bool":
        return st.booleans()
    if kind == "integer":
        return st.sampled_from([0, 1, 999, 1000, 1001]) | st.integers(0, 5000)
    if kind == "decimal":
        return st.decimals(0, 1000, places=2)
    if kind == "money":
        return st.sampled_from(MONEY_POINTS).map(Money.of) | st.decimals(0, 100000, places=2).map(Money.of)
    if kind == "ratio":
        return st.sampled_from([Decimal("0"), Decimal("0.03"), Decimal("0.04"), Decimal("0.5")])
    if kind == "date":
        return st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 12, 31))
    if kind == "text":
        return st.sampled_from(["智能产线", "绿色工厂", "项目"])
    if kind == "enum":
        assert typ.enum is not None
        return st.sampled_from(typ.enum.values)
    if kind == "set":
        assert typ.enum is not None
        return st.frozensets(st.sampled_from(typ.enum.values))
    if kind == "list":
        assert typ.entity is not None
        entity = schema.entities[typ.entity]
        return st.lists(item_of(entity, schema, depth + 1), max_size=3).map(tuple)
    raise AssertionError(kind)


def item_of(entity: model.Entity, schema: model.Schema, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {fact.name: st.none() | value_of(fact.type, schema, depth) for fact in entity.facts}
    )


def facts_for(schema: model.Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Typed facts of the root entity; None marks an unknown fact."""
    return item_of(schema.root, schema)


def fill_unknowns(facts: dict[str, Any], schema: model.Schema, data: st.DataObject) -> dict[str, Any]:
    """Replace every unknown (None) fact, in the enterprise and in list items, by some value."""
    filled: dict[str, Any] = {}
    for fact in schema.root.facts:
        value = facts.get(fact.name)
        if value is None:
            value = data.draw(value_of(fact.type, schema))
        if fact.type.kind == "list" and fact.type.entity:
            entity = schema.entities[fact.type.entity]
            value = tuple(
                {f.name: item.get(f.name) if item.get(f.name) is not None else data.draw(value_of(f.type, schema))
                 for f in entity.facts}
                for item in value
            )
        filled[fact.name] = value
    return filled
