"""The fast path of read_profile (plain, valid profiles) against the full reader it falls back to.

read_profile first tries readers built per schema that accept only what they can see is valid;
on anything else the full reader reads the profile again. Both must give the same facts (values,
types and decimal exponents) or the same diagnostics in the same order, for dicts and JSON text.
"""

from __future__ import annotations

import datetime
import json
import math
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.diagnostics import ProfileError
from policydsl.model import Schema
from policydsl.profile import DEFAULT_LIMITS, MIN_EXPONENT, Limits, ProfileReader
from policydsl.profile import reader as profile_reader
from policydsl.profile.fast import Slow, fast_money, float_yuan
from policydsl.profile.messages import Invalid
from policydsl.testing import InvalidProfile, invalid_profiles, profiles
from policydsl.values import Money
from tests.conftest import ROOT, SANMENXIA
from tests.evaluate.test_profile import WIDE

SANMENXIA_SET = policydsl.load(SANMENXIA)
SHARED_SET = policydsl.load(ROOT / "bench" / "shared_rules")
NESTED_SET = policydsl.load(ROOT / "tests" / "batch" / "data" / "nested.pol")


def canonical(value: object) -> object:
    """A value with everything that tells two equal values apart: types, decimal exponents, order."""
    if type(value) is Money:
        return ("Money", value.yuan.as_tuple())
    if type(value) is Decimal:
        return ("Decimal", value.as_tuple())
    if type(value) is dict:
        return ("dict", [(key, canonical(item)) for key, item in value.items()])
    if type(value) is tuple:
        return ("tuple", [canonical(item) for item in value])
    if type(value) is frozenset:
        return ("frozenset", sorted(value))
    return (type(value).__name__, value)


def outcome(reader: ProfileReader, data: object) -> tuple[object, ...]:
    try:
        facts = reader.read(data)
    except ProfileError as error:
        return ("refused", error.diagnostics)
    return ("read", canonical(facts.values))


def _give_up(obj: object, counts: list[int]) -> dict[str, object]:
    raise Slow


def full_reader_only(schema: Schema, limits: Limits) -> ProfileReader:
    """A reader whose fast path gives up on every profile."""
    reader = ProfileReader(schema, limits)
    reader._fast = _give_up
    return reader


def assert_same(schema: Schema, data: object, limits: Limits = DEFAULT_LIMITS) -> tuple[object, ...]:
    """The outcome of reading a profile, after checking that the full reader alone gives the same."""
    got = outcome(ProfileReader(schema, limits), data)
    want = outcome(full_reader_only(schema, limits), data)
    assert got == want
    return got


def json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def fast_path_reads(schema: Schema, data: dict[str, Any]) -> bool:
    try:
        ProfileReader(schema)._fast(data, [0, 0])
    except (Slow, Invalid):
        return False
    return True


# ---- generated valid and invalid profiles ------------------------------------------------------


@pytest.mark.parametrize("policies", [SANMENXIA_SET, SHARED_SET, NESTED_SET], ids=["sanmenxia", "shared", "nested"])
def test_valid_profiles_take_the_fast_path_and_read_the_same(policies: policydsl.PolicySet) -> None:
    schema = policies.policy.schema

    @settings(max_examples=200)
    @given(profiles(policies))
    def prop(data: dict[str, Any]) -> None:
        assert fast_path_reads(schema, data)  # valid and plain: the fast path never gives up
        read = assert_same(schema, data)
        assert read[0] == "read"
        assert assert_same(schema, json_bytes(data)) == read
        with pytest.MonkeyPatch.context() as patch:  # JSON text without colons in strings: no second decoding
            patch.setattr(profile_reader, "decode", None)
            assert outcome(ProfileReader(schema), json_bytes(data)) == read

    prop()


@pytest.mark.parametrize("policies", [SANMENXIA_SET, SHARED_SET, NESTED_SET], ids=["sanmenxia", "shared", "nested"])
def test_invalid_profiles_are_refused_alike(policies: policydsl.PolicySet) -> None:
    schema = policies.policy.schema

    @settings(max_examples=200)
    @given(invalid_profiles(policies))
    def prop(bad: InvalidProfile) -> None:
        assert not fast_path_reads(schema, bad.profile)
        refused = assert_same(schema, bad.profile)
        assert refused[0] == "refused"
        assert [(d.code, d.path) for d in refused[1]] == [(bad.code, bad.path)]  # type: ignore[attr-defined]
        assert_same(schema, json_bytes(bad.profile))  # as JSON text: NaN, 1e30 and 2**63 decode apart

    prop()


# Any JSON-like values under the facts' names and a few others: several problems at once, in lists
# and nested lists, and every value type (WIDE has dates, ratios and decimals besides).
LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70) | st.floats()
          | st.decimals() | st.text(max_size=5)
          | st.sampled_from(["150万元", "1.5亿元", "-3元", "3.5%", "2024-02-30", "2024-06-01", "灵宝市", "5g",
                             "little_giant", "green", "smart", "industrial_heritage"]))


def json_like(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    names = sorted({fact.name for entity in (schema.root, *schema.entities.values()) for fact in entity.facts})
    keys = st.sampled_from([*names, "x", "Revenue"])
    values = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
                          max_leaves=12)
    return st.dictionaries(keys, values, max_size=8)


@pytest.mark.parametrize("schema", [SANMENXIA_SET.policy.schema, WIDE, NESTED_SET.policy.schema],
                         ids=["sanmenxia", "wide", "nested"])
def test_any_json_like_profile_reads_the_same(schema: Schema) -> None:
    @settings(max_examples=300)
    @given(json_like(schema))
    def prop(data: dict[str, Any]) -> None:
        assert_same(schema, data)
        assert_same(schema, json.dumps(data, ensure_ascii=False, default=str).encode())  # a Decimal as a string

    prop()


@settings(max_examples=300)
@given(st.fixed_dictionaries({}, optional={
    "founded": st.dates().map(str) | st.dates(),
    "export_share": st.floats(-1, 2) | st.decimals(-1, 2) | st.integers(-2, 2) | st.just("3.5%"),
    "score": st.floats() | st.decimals() | st.integers(-(10**20), 10**20),
    "revenue": st.floats() | st.decimals() | st.integers(-(10**20), 10**20),
    "employees": st.integers(-(2**64), 2**64) | st.floats(),
    "name": st.text(max_size=3),
    "heritage_titles": st.lists(st.sampled_from(["industrial_heritage", "time_honored_brand", "x"]), max_size=3),
}))
def test_numbers_of_every_kind_read_the_same(data: dict[str, Any]) -> None:
    assert_same(WIDE, data)


EDGES: list[object] = [
    0, -0.0, 0.0, 1, -1, True, False, None, 2**63 - 1, 2**63, -(2**63 - 1), -(2**63), 10**18, 10**18 + 1, -(10**18),
    10**19, 10**4000, 1e18, math.nextafter(1e18, 0), -1e18, 1e-28, 1e-29, 5e-324, math.inf, -math.inf, math.nan,
    0.005, 0.01, 149.99, 150.0, 2.0**40, math.nextafter(2.0**40, 0), 0.1 + 0.2, 1e16, 123456789012345678.0,
    Decimal("1.000000000000000000000000001"), Decimal("1.0000000000000000000000000001"),
    Decimal("0.0000000000000000000000000001"), Decimal("1E-29"), Decimal("0E-50"), Decimal("1E+17"), Decimal("1E+18"),
    Decimal("-1E+18"), Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("150.00"), Decimal("-0"),
    "", "x", "150", "150万元", " 150 万元", "1.5亿元", "-1元", "3.5%", "0.035", "2024-06-01", "2024-02-30", "20240601",
    "灵宝市", " 灵宝市", "little_giant", "LITTLE_GIANT", "green", "industrial_heritage", "true",
    [], ["green"], ["green", "green"], ["green", "smart"], ["industrial_heritage"], ["x"], [1], [None], [[]], [{}],
    {}, {"investment": 1}, [{"investment": 1}], [{"investment": -1}], [{"investment": 1, "phases": [{"cost": 1.5}]}],
    [{"phases": [{"cost": -1}]}], [{"x": 1}], [{"name": 5}], ("green",), {"green"}, frozenset({"green"}),
    Money(Decimal(1)), Money(Decimal(-1)), datetime.date(2024, 6, 1), datetime.datetime(2024, 6, 1),
]


@pytest.mark.parametrize("schema", [WIDE, NESTED_SET.policy.schema, SHARED_SET.policy.schema],
                         ids=["wide", "nested", "shared"])
def test_edge_values_of_every_fact_read_the_same(schema: Schema) -> None:
    for entity in (schema.root, *schema.entities.values()):
        for fact in entity.facts:
            for value in EDGES:
                data: dict[str, Any] = {fact.name: value}
                if entity is not schema.root:  # a field of every entry of the root's lists of it
                    lists = [f.name for f in schema.root.facts if f.type.entity == entity.name]
                    data = {name: [data, {}] for name in lists} if lists else data
                assert_same(schema, data)
                try:
                    text = json.dumps(data, ensure_ascii=False)
                except (TypeError, ValueError):
                    continue
                assert_same(schema, text.encode())


@pytest.mark.parametrize("text", ["1.0000000000000000000000000001", "1e-29", "1E+18", "-0", "-0.0", "0e-50",
                                  "1" * 5000, "NaN", "-Infinity", "12345678901234567890.5", "150.00"])
def test_json_numbers_read_the_same(text: str) -> None:
    for name in ("revenue", "score", "export_share", "employees", "name"):
        assert_same(WIDE, f'{{"{name}": {text}}}'.encode())
        assert_same(WIDE, f'{{"projects": [{{"investment": {text}}}]}}'.encode())


# ---- JSON text: repeated keys, colons in strings -----------------------------------------------


@pytest.mark.parametrize("text", [
    '{"revenue": 100, "revenue": 200}',
    '{"revenue": 100, "employees": 3, "revenue": "1.5亿元", "employees": 3}',
    '{"projects": [{"investment": 1, "name": "a"}, {"investment": 2, "investment": 3}]}',
    '{"name": "a:b", "name": "c"}',
    '{"name": "a", "x": 1, "x": 2}',
    '{"projects": [{"investment": 1, "investment": -1}], "county": "nowhere"}',
])
def test_repeated_keys_are_reported_as_before(text: str) -> None:
    refused = assert_same(SANMENXIA_SET.policy.schema, text.encode())
    assert refused[0] == "refused"
    assert "PD308" in [d.code for d in refused[1]]  # type: ignore[attr-defined]


@settings(max_examples=200)
@given(profiles(SANMENXIA_SET), st.data())
def test_a_repeated_key_anywhere_is_found(data: dict[str, Any], draw: st.DataObject) -> None:
    """One key of some object of a valid profile written twice, with the same value or another."""
    objects = [data, *(item for item in data.get("projects") or [] if isinstance(item, dict))]
    target = draw.draw(st.sampled_from([obj for obj in objects if obj] or [data]))
    key = draw.draw(st.sampled_from(sorted(target) or ["name"]))
    repeat = draw.draw(st.sampled_from([json.dumps(target.get(key), ensure_ascii=False), "1", '"a:b"']))
    where = draw.draw(st.integers(0, len(target)))

    def text(obj: dict[str, Any]) -> str:
        pairs = [(json.dumps(name, ensure_ascii=False),
                  "[" + ", ".join(text(item) for item in value) + "]" if name == "projects" and value
                  else json.dumps(value, ensure_ascii=False)) for name, value in obj.items()]
        if obj is target:
            pairs.insert(where, (json.dumps(key, ensure_ascii=False), repeat))
            if key not in obj:  # an empty object: the key twice
                pairs.append(pairs[where])
        return "{" + ", ".join(f"{name}: {value}" for name, value in pairs) + "}"

    refused = assert_same(SANMENXIA_SET.policy.schema, text(data).encode())
    assert refused[0] == "refused"
    assert "PD308" in [d.code for d in refused[1]]  # type: ignore[attr-defined]


def test_colons_in_strings_are_read_the_same() -> None:
    data = {"name": "A:B “C”: {x: 1}", "projects": [{"name": "a:", "investment": 150.5}, {"name": ":"}]}
    read = assert_same(SANMENXIA_SET.policy.schema, json_bytes(data))
    assert read == assert_same(SANMENXIA_SET.policy.schema, data)
    assert read[0] == "read"


# ---- limits given to the reader, and the parts the fast path relies on ------------------------------


@pytest.mark.parametrize("limits", [Limits(max_list_items=2), Limits(max_profile_items=3), Limits(max_text_length=4)],
                         ids=["max_list_items", "max_profile_items", "max_text_length"])
def test_lowered_limits_apply_to_the_fast_path(limits: Limits) -> None:
    schema = NESTED_SET.policy.schema

    @settings(max_examples=100)
    @given(profiles(NESTED_SET))
    def prop(data: dict[str, Any]) -> None:
        assert_same(schema, data, limits)

    prop()


CENTS = st.integers(-(2**47), 2**47).map(lambda cents: cents / 100)


@settings(max_examples=1000)
@given(st.floats() | CENTS | CENTS.map(lambda x: math.nextafter(x, math.inf)) | st.integers(-(2**41), 2**41).map(float)
       | st.sampled_from([2.0**40, -(2.0**40), math.nextafter(2.0**40, 0), 0.0, -0.0, 0.005, 1e-28, 1e-29, 1e18,
                          math.nextafter(1e18, 0), 5e-324]))
def test_float_amounts_are_read_as_their_repr(number: float) -> None:
    """float_yuan finds Decimal(repr(x)) × 10,000 without printing amounts with at most two decimals."""
    want = None
    if math.isfinite(number):
        decimal = Decimal(repr(number))
        if MIN_EXPONENT <= decimal.adjusted() < 18:
            want = (decimal * 10_000).as_tuple()
    got = float_yuan(number)
    assert (got.as_tuple() if got is not None else None) == want


def test_money_has_the_one_field_the_fast_path_sets() -> None:
    # The fast path builds Money without its __init__ (policydsl.profile.fast._set_yuan): it must stay one plain field.
    assert [(f.name, f.validator, f.converter) for f in attrs.fields(Money)] == [("yuan", None, None)]
    assert not hasattr(Money, "__attrs_post_init__")
    money = fast_money(None, lambda raw: None)(150.5)
    assert money == Money(Decimal("1505000.0")) and repr(money) == repr(Money(Decimal("1505000.0")))


AMOUNTS = ["150万元", "150", "1500000元", "1.5亿元", "0万元", "0元", "0.00亿元", "0.0001元", "0.00000001元",
           "999999999999亿元", "9999999999999亿元", "123456789012元", "1.23456789012万元", "0.0000000001万元",
           "149.99万元", "150.00万元", "1.万元", ".5万元", "1..5万元", "1.5.5万元", "+150万元", "-150万元", " 150万元",
           "150万元 ", "150 万元", "１５０万元", "١٥٠万元", "1e3万元", "1E3", "NaN万元", "Infinity", "万元", "元", "亿元",
           "150万", "150千元", "150元元", "0x10元", "1_000元", "00150万元", "150.", "3.5%", ""]


@pytest.mark.parametrize("text", AMOUNTS)
def test_amounts_written_with_units_read_the_same(text: str) -> None:
    schema = SANMENXIA_SET.policy.schema
    for data in ({"revenue": text}, {"projects": [{"investment": text}, {}]}):
        assert_same(schema, data)
        assert_same(schema, json_bytes(data))
        assert_same(schema, data, Limits(max_text_length=6))  # a longer amount is refused by both


@settings(max_examples=500)
@given(st.decimals(min_value=0, max_value=10**16, places=4) | st.decimals(min_value=0, max_value=10**4, places=12),
       st.sampled_from(["万元", "元", "亿元", ""]))
def test_generated_amounts_with_units_read_the_same(number: Decimal, unit: str) -> None:
    assert_same(SANMENXIA_SET.policy.schema, {"revenue": f"{number}{unit}", "projects": [{"investment": f"{number}{unit}"}]})


def test_plain_amounts_with_units_take_the_fast_path() -> None:
    schema = SANMENXIA_SET.policy.schema
    for text in ("150万元", "1500000元", "1.5亿元", "0元", "149.99"):
        assert fast_path_reads(schema, {"revenue": text, "projects": [{"investment": text}]})
