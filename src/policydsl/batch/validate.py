"""Batch input checked in SQL: raw columns → the typed input table of the compiled query.

For each row the query computes the typed facts (`sql.input_types`) and a flag, `clean`: the
row is certainly valid, and certainly read by `read_profile` as exactly these values. The flag is
conservative: a row that is not clean is read again in Python (`batch_input.Source.rows`), where
`read_profile` either refuses it — an error row, with the same message in both engines — or
accepts it, and the Python engine evaluates it. So the SQL never decides what is valid; it only
recognises, vectorised, the rows whose reading is beyond doubt, which in practice is nearly all.

How a raw value is given (its origin) decides how it is read:
- `text`: a CSV cell, read by the fact's type (`batch_input.cell_value`);
- `json`: a JSON value (a line of JSON Lines, or a JSON string for a set or a list);
- a DuckDB type: a typed Parquet column (BOOLEAN, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE,
  lists and structs).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs
from sqlglot import exp

from policydsl import model as m
from policydsl.engine.loop_work import Nests, loop_work_can_exceed
from policydsl.profile import Limits
from policydsl.sql.dialects import (
    TEXT,
    all_of,
    any_of,
    binary,
    call,
    case,
    cast,
    coalesce,
    decimal,
    enum_list,
    finish,
    is_null,
    negate,
    node,
    number,
    text,
)
from policydsl.sql.expressions import sql_type
from policydsl.sql.shapes import INTEGER_TYPE, KEY, MONEY_TYPE, NUMBER_TYPE

BIGINT = exp.DataType.build("BIGINT")
DOUBLE = exp.DataType.build("DOUBLE")
DATE = exp.DataType.build("DATE")
JSON_LIST = exp.DataType.build("JSON[]", dialect="duckdb")
JSON = exp.DataType.build("JSON", dialect="duckdb")
SERIES_JSON = exp.DataType.build("MAP(VARCHAR, JSON)", dialect="duckdb")

# The columns the checks add to the facts start with `$`, which no name of a policy can hold, so
# that none is ever a fact's (a fact named `clean` made every row of its table look valid).
CLEAN = "$clean"  # the row is certainly valid
_FACTS, _TRUSTED = "$facts", "$trusted"  # a JSON line: its facts' values, and whether they are read alike


def _value(fact: str) -> str:
    return f"$value {fact}"


def _ok(fact: str) -> str:
    return f"$ok {fact}"

# JSON text the Python decoder might read differently from DuckDB's: numbers of 16 or more
# digits or with an exponent (DuckDB reads them as DOUBLE), NaN and Infinity, trailing commas,
# comments. A value holding any of these, even inside a string, is left to Python.
JSON_DOUBT = r"[0-9][0-9.]{15}|[0-9][eE]|NaN|Infinity|,\s*[\]}]|/[*/]"


@attrs.frozen
class Read:
    """A raw value, read: `ok` (where the raw value is not NULL) says it is read as `value`."""

    ok: exp.Expression
    value: exp.Expression


def full_match(value: exp.Expression, pattern: str) -> exp.Expression:
    return call("regexp_full_match", value, text(pattern))


def try_cast(value: exp.Expression, to: exp.DataType) -> exp.Expression:
    return node(exp.TryCast, this=value, to=to.copy())


def between(value: exp.Expression, limit: int) -> exp.Expression:
    """-limit < value < limit."""
    return all_of(binary(exp.GT, value, number(-limit)), binary(exp.LT, value, number(limit)))


def at_least(value: exp.Expression, minimum: object | None) -> exp.Expression:
    if minimum is None:
        return exp.true()
    return binary(exp.GTE, value, cast(number(str(minimum)), decimal(38, 10)))


def exact(value: exp.Expression, target: tuple[int, int], minimum: object | None, origin: str | None = None) -> Read:
    """A number that the DECIMAL `target` holds without rounding, and not below the minimum.

    For a column of a DECIMAL type (`origin`), the value read is cast back to that type to be
    compared: compared as they are, DuckDB would first cast both to one DECIMAL wide enough for
    either, which fails for the whole table where a DECIMAL(38, 0) column holds 10^37."""
    fitted = try_cast(value, decimal(*target))
    back = fitted if origin is None else try_cast(fitted, exp.DataType.build(origin, dialect="duckdb"))
    ok = all_of(coalesce(binary(exp.EQ, back, value), exp.false()), at_least(fitted, minimum))
    return Read(ok, fitted)


def number_text(digits: int, decimals: int, sign: str = "[+-]?", spaces: bool = False) -> str:
    pad = " *" if spaces else ""
    return f"{pad}{sign}[0-9]{{1,{digits}}}(\\.[0-9]{{1,{decimals}}})?{pad}"


def _kind_of(type_name: str) -> str:
    """What a DuckDB column type is, for reading: int, float, decimal, string, bool, date, list."""
    try:
        parsed = exp.DataType.build(type_name, dialect="duckdb")
    except Exception:
        return "other"
    if parsed.is_type(*exp.DataType.INTEGER_TYPES):
        return "int"
    if parsed.is_type(exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE):
        return "float"
    if parsed.is_type(exp.DataType.Type.DECIMAL):
        return "decimal"
    if parsed.is_type(*exp.DataType.TEXT_TYPES):
        return "string"
    if parsed.is_type(exp.DataType.Type.BOOLEAN):
        return "bool"
    if parsed.is_type(exp.DataType.Type.DATE):
        return "date"
    if parsed.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.LIST):
        element = parsed.expressions[0] if parsed.expressions else None
        if element is not None and element.is_type(*exp.DataType.TEXT_TYPES):
            return "strings"
        return "list"
    return "other"


class Reader:
    """Builds, for one schema and its rows' limits, the reading of raw values of each origin into typed facts."""

    def __init__(self, schema: m.Schema, limits: Limits) -> None:
        self.schema = schema
        self.limits = limits

    def short(self, value: exp.Expression) -> exp.Expression:
        """A string within `max_text_length`, counted in bytes (never fewer than characters): longer
        ones are left to Python, which refuses a string of more characters than the limit (PD315)."""
        return binary(exp.LTE, call("strlen", value), number(self.limits.max_text_length))

    # ---- one value
    def read(self, raw: exp.Expression, origin: str, typ: m.Type, minimum: object | None) -> Read:
        """How a raw value of this origin reads as a fact of this type."""
        if origin == "json":
            return self.from_json(raw, typ, minimum)
        kind = "string" if origin == "text" else _kind_of(origin)
        if origin == "text" and typ.kind in ("set", "list", "entity", "series"):
            return self.from_structured_text(raw, typ)
        reader = getattr(self, f"_{typ.kind}", None)
        if reader is None:
            return Read(exp.false(), cast(exp.Null(), sql_type(typ, self.schema)))
        read: Read = reader(raw, kind, origin, typ, minimum)
        if kind == "string" and typ.kind not in ("set", "list"):
            return Read(all_of(read.ok, self.short(raw)), read.value)
        return read

    def _bool(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        if kind == "bool":
            return Read(exp.true(), raw)
        if origin == "text":
            lowered = call("lower", call("trim", raw))
            return Read(node(exp.In, this=lowered, expressions=[text("true"), text("false")]),
                        binary(exp.EQ, lowered, text("true")))
        return Read(exp.false(), cast(exp.Null(), exp.DataType.build("BOOLEAN")))

    def _integer(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        limit = 10 ** INTEGER_TYPE[0]
        if kind == "int":
            return Read(all_of(between(raw, limit), at_least(raw, minimum)), as_type(raw, BIGINT, origin))
        if origin == "text":
            value = try_cast(call("trim", raw), BIGINT)
            ok = all_of(full_match(raw, " *[+-]?[0-9]{1,18} *"), coalesce(at_least(value, minimum), exp.false()))
            return Read(ok, value)
        return Read(exp.false(), cast(exp.Null(), BIGINT))

    def _number(self, raw: exp.Expression, kind: str, origin: str, target: tuple[int, int], minimum: object,
                strings: Callable[[exp.Expression], Read] | None) -> Read:
        whole, scale = target[0] - target[1], target[1]
        if kind == "int":
            return Read(all_of(between(raw, 10**whole), at_least(raw, minimum)), try_cast(raw, decimal(*target)))
        if kind == "float":
            shown = cast(cast(raw, DOUBLE), TEXT)  # the shortest text that reads back as the float: Python's repr
            value = try_cast(shown, decimal(*target))
            ok = all_of(full_match(shown, number_text(whole, scale, "-?")), coalesce(at_least(value, minimum),
                                                                                 exp.false()))
            return Read(ok, value)
        if kind == "decimal":
            return exact(raw, target, minimum, origin)
        if origin == "text":
            plain = try_cast(call("trim", raw), decimal(*target))
            read = Read(all_of(full_match(raw, number_text(whole, scale, spaces=True)),
                               coalesce(at_least(plain, minimum), exp.false())), plain)
            if strings is None:
                return read
            other = strings(raw)
            return Read(any_of(read.ok, other.ok), case((read.ok, read.value), default=other.value))
        if kind == "string" and strings is not None:
            return strings(raw)
        return Read(exp.false(), cast(exp.Null(), decimal(*target)))

    def _decimal(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        return self._number(raw, kind, origin, NUMBER_TYPE, minimum, None)

    # Points are read as plain numbers; a string ("15分") is left to the Python reader.
    _points = _decimal

    def _ratio(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        def strings(value: exp.Expression) -> Read:
            whole, scale = NUMBER_TYPE[0] - NUMBER_TYPE[1], NUMBER_TYPE[1]
            plain = try_cast(call("trim", value), decimal(*NUMBER_TYPE))
            digits = call("regexp_extract", value, text(r"[+-]?[0-9]+(\.[0-9]+)?"))
            percent = binary(exp.Mul, try_cast(digits, decimal(20, 8)), cast(number("0.01"), decimal(2, 2)))
            is_plain = full_match(value, number_text(whole, scale, spaces=True))
            is_percent = full_match(value, " *" + number_text(whole + 2, scale - 2) + " *% *")
            chosen = case((is_plain, plain), (is_percent, percent))
            read = exact(chosen, NUMBER_TYPE, minimum)
            return Read(all_of(any_of(is_plain, is_percent), read.ok), read.value)

        return self._number(raw, kind, origin, NUMBER_TYPE, minimum, strings)

    def _money(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        wan = None if minimum is None else minimum

        def strings(value: exp.Expression) -> Read:
            pattern = r" *([+-]?[0-9]{1,16}(\.[0-9]{1,10})?) *(亿元|万元|元)? *"
            digits = try_cast(call("regexp_extract", value, text(pattern), number(1)), decimal(27, 10))
            unit = call("regexp_extract", value, text(pattern), number(3))
            scaled = case((binary(exp.EQ, unit, text("元")),
                           binary(exp.Mul, digits, cast(number("0.0001"), decimal(4, 4)))),
                          (binary(exp.EQ, unit, text("亿元")), binary(exp.Mul, digits, number(10000))),
                          default=digits)
            read = exact(scaled, MONEY_TYPE, wan)
            return Read(all_of(full_match(value, pattern), read.ok), read.value)

        if kind == "decimal" and origin != "text":
            return exact(raw, MONEY_TYPE, wan, origin)
        if kind in ("int", "float"):
            return self._number(raw, kind, origin, MONEY_TYPE, wan, None)
        if kind == "string" or origin == "text":
            return strings(raw)
        return Read(exp.false(), cast(exp.Null(), decimal(*MONEY_TYPE)))

    def _date(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        if kind == "date":
            ok = all_of(binary(exp.GTE, raw, cast(text("0001-01-01"), DATE)),
                        binary(exp.LTE, raw, cast(text("9999-12-31"), DATE)))
            return Read(ok, raw)
        if kind == "string":
            value = try_cast(raw, DATE)
            ok = all_of(full_match(raw, "[0-9]{4}-[0-9]{2}-[0-9]{2}"), binary(exp.GTE, raw, text("0001")),
                        negate(is_null(value)))
            return Read(ok, value)
        return Read(exp.false(), cast(exp.Null(), DATE))

    def _text(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        if kind == "string":
            return Read(exp.true(), raw)
        return Read(exp.false(), cast(exp.Null(), TEXT))

    def _enum(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        assert typ.enum is not None
        if kind == "string":
            return Read(node(exp.In, this=raw, expressions=[text(v) for v in typ.enum.values]), raw)
        return Read(exp.false(), cast(exp.Null(), TEXT))

    def _set(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        if kind == "strings":
            return Read(self.distinct_names(raw, typ), raw)
        if kind == "string":
            return self.from_structured_text(raw, typ)
        return Read(exp.false(), cast(exp.Null(), sql_type(typ, self.schema)))

    def _list(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        entity = self.schema.entities[typ.entity or ""]
        if kind == "string":
            return self.from_structured_text(raw, typ)
        fields = _struct_fields(origin)
        if kind != "list" or fields is None:
            return Read(exp.false(), cast(exp.Null(), sql_type(typ, self.schema)))
        var = "item"
        item = exp.column(var)
        reads = {}
        castable = True
        for fact in entity.facts:
            if fact.name in fields:
                field = node(exp.Dot, this=item, expression=exp.to_identifier(fact.name, quoted=True))
                found = self.read(field, fields[fact.name], fact.type, fact.minimum)
                castable = castable and _is_cast_of(found.value, field)
                reads[fact.name] = Read(any_of(is_null(field), found.ok), found.value)
        read = self.items(raw, var, reads, entity)
        if castable and set(fields) == {f.name for f in entity.facts}:
            # Each field reads as a cast of itself, so the list needs no lambda, only a cast.
            return Read(read.ok, as_type(raw, sql_type(typ, self.schema), origin))
        return read

    def _entity(self, raw: exp.Expression, kind: str, origin: str, typ: m.Type, minimum: object) -> Read:
        """A record: a struct column (Parquet) whose fields each read as the entity's facts."""
        entity = self.schema.entities[typ.entity or ""]
        fields = _struct_fields(origin, record=True)
        if fields is None or not set(fields) <= {f.name for f in entity.facts}:
            return Read(exp.false(), cast(exp.Null(), sql_type(typ, self.schema)))
        reads = {}
        for fact in entity.facts:
            if fact.name in fields:
                field = node(exp.Dot, this=raw, expression=exp.to_identifier(fact.name, quoted=True))
                found = self.read(field, fields[fact.name], fact.type, fact.minimum)
                reads[fact.name] = Read(any_of(is_null(field), found.ok), case((found.ok, found.value)))
        return self.record(raw, reads, entity)

    def record(self, raw: exp.Expression, reads: dict[str, Read], entity: m.Entity,
               record_ok: exp.Expression | None = None) -> Read:
        """A record from its fields' reads: NULL where the record is; ok where every field reads."""
        struct = exp.Struct(expressions=[
            node(exp.PropertyEQ, this=exp.to_identifier(f.name),
                 expression=reads[f.name].value if f.name in reads else cast(exp.Null(), sql_type(f.type, self.schema)))
            for f in entity.facts])
        typ = sql_type(m.Type("entity", entity=entity.name), self.schema)
        oks = [r.ok for r in reads.values()] + ([record_ok] if record_ok is not None else [])
        return Read(any_of(is_null(raw), all_of(*oks) if oks else exp.true()),
                    case((is_null(raw), cast(exp.Null(), typ)), default=cast(struct, typ)))

    def items(self, values: exp.Expression, var: str, reads: dict[str, Read], entity: m.Entity,
              item_ok: exp.Expression | None = None) -> Read:
        """A list of items: each one an object, each fact read (those absent are unknown)."""
        item = exp.column(var)
        every = [negate(is_null(item))] + ([item_ok] if item_ok is not None else [])
        every += [r.ok for r in reads.values()]
        good = call("list_filter", values, _lambda(all_of(*every), var))
        ok = binary(exp.EQ, call("len", good), call("len", values))
        struct = exp.Struct(expressions=[
            node(exp.PropertyEQ, this=exp.to_identifier(f.name),
                 expression=reads[f.name].value if f.name in reads else cast(exp.Null(), sql_type(f.type, self.schema)))
            for f in entity.facts])
        value = cast(call("list_transform", values, _lambda(struct, var)),
                     sql_type(m.Type("list", entity=entity.name), self.schema))
        return Read(ok, value)

    def distinct_names(self, values: exp.Expression, typ: m.Type) -> exp.Expression:
        """A list of values of the enum, none repeated (NULLs are not values)."""
        assert typ.enum is not None and typ.enum.values
        # A TRY_CAST to a list of the enum makes NULL of every element that is not one of its
        # values, and `list_count` skips NULLs: no lambda runs per element.
        named = call("list_count", try_cast(values, enum_list(typ.enum.values)))
        # Only lists of two or more can repeat a value (most sets hold one or none).
        distinct = case((binary(exp.LTE, call("len", values), number(1)), exp.true()),
                        default=binary(exp.EQ, call("list_unique", values), call("len", values)))
        return all_of(binary(exp.EQ, named, call("len", values)), distinct)

    # ---- text holding a set or a list (a CSV cell, a Parquet string)
    def from_structured_text(self, raw: exp.Expression, typ: m.Type) -> Read:
        starts_json = call("starts_with", call("ltrim", raw), text("{" if typ.kind in ("entity", "series") else "["))
        as_json = self.from_json(try_cast(raw, JSON), typ, None)  # NULL, not an error, where it is not JSON
        json_read = Read(all_of(starts_json, self.json_trusted(raw), as_json.ok), as_json.value)
        if typ.kind in ("list", "entity", "series"):
            return json_read
        # names separated by commas: "a, b" (not JSON: no bracket, brace or quote anywhere)
        parts = call("list_filter", call("list_transform", call("string_split", raw, text(",")),
                                         _lambda(call("trim", exp.column("part")), "part")),
                     _lambda(binary(exp.NEQ, exp.column("part"), text("")), "part"))
        names_ok = all_of(full_match(raw, r"[^\[\]{}\"]*"), self.distinct_names(parts, typ))
        return Read(any_of(json_read.ok, names_ok), case((json_read.ok, json_read.value), default=parts))

    # ---- JSON
    def json_trusted(self, raw: exp.Expression) -> exp.Expression:
        """JSON text that DuckDB and Python's decoder certainly read alike."""
        return all_of(call("json_valid", raw), negate(call("regexp_matches", raw, text(JSON_DOUBT))))

    def from_json(self, j: exp.Expression, typ: m.Type, minimum: object | None) -> Read:
        """A JSON value (NULL: absent) read as a fact of this type."""
        kind = call("json_type", j)
        shown = call("json_extract_string", j, text("$"))

        def when(json_kind: str, read: Read) -> Read:
            if json_kind == "BIGINT":  # DuckDB types a positive integer UBIGINT
                is_kind: exp.Expression = node(exp.In, this=kind, expressions=[text("BIGINT"), text("UBIGINT")])
            else:
                is_kind = binary(exp.EQ, kind, text(json_kind))
            if json_kind == "VARCHAR":
                return Read(all_of(is_kind, self.short(shown), read.ok), read.value)
            return Read(all_of(is_kind, read.ok), read.value)

        def choose(*reads: Read) -> Read:
            ok = any_of(*(r.ok for r in reads))
            return Read(ok, case(*((r.ok, r.value) for r in reads)))

        k = typ.kind
        if k == "bool":
            return when("BOOLEAN", Read(exp.true(), binary(exp.EQ, shown, text("true"))))
        if k == "integer":
            return when("BIGINT", self._integer(try_cast(shown, BIGINT), "int", "BIGINT", typ, minimum))
        if k in ("decimal", "ratio", "money", "points"):
            read = getattr(self, f"_{k}")
            options = [when("BIGINT", read(try_cast(shown, BIGINT), "int", "BIGINT", typ, minimum)),
                       when("DOUBLE", self._from_json_double(shown, typ, minimum))]
            if k not in ("decimal", "points"):
                options.append(when("VARCHAR", read(shown, "string", "VARCHAR", typ, minimum)))
            return choose(*options)
        if k in ("date", "text", "enum"):
            return when("VARCHAR", getattr(self, f"_{k}")(shown, "string", "VARCHAR", typ, minimum))
        if k == "series":
            return when("OBJECT", self.series_from_json(j, typ, minimum))
        elements = cast(call("json_extract", j, text("$[*]")), JSON_LIST)
        if k == "set":
            var = "element"
            strings = call("list_transform", elements, _lambda(call("json_extract_string", exp.column(var),
                                                                    text("$")), var))
            all_strings = binary(exp.EQ, call("len", call("list_filter", elements, _lambda(
                binary(exp.EQ, call("json_type", exp.column(var)), text("VARCHAR")), var))), call("len", elements))
            return when("ARRAY", Read(all_of(all_strings, self.distinct_names(strings, typ)), strings))
        entity = self.schema.entities[typ.entity or ""]
        if k == "entity":  # a record: one object, its fields read as facts
            reads = {}
            for fact in entity.facts:
                field = call("json_extract", j, text(_json_path(fact.name)))
                found = self.from_json(field, fact.type, fact.minimum)
                absent = any_of(is_null(field), binary(exp.EQ, call("json_type", field), text("NULL")))
                reads[fact.name] = Read(any_of(absent, found.ok), case((found.ok, found.value)))
            known = self.known_keys(call("json_keys", j), [f.name for f in entity.facts])
            return when("OBJECT", self.record(j, reads, entity, known))
        var = "item"
        item = exp.column(var)
        reads = {}
        for fact in entity.facts:
            field = call("json_extract", item, text(_json_path(fact.name)))
            found = self.from_json(field, fact.type, fact.minimum)
            absent = any_of(is_null(field), binary(exp.EQ, call("json_type", field), text("NULL")))
            reads[fact.name] = Read(any_of(absent, found.ok), case((found.ok, found.value)))
        keys = call("json_keys", item)
        names = [f.name for f in entity.facts]
        known_keys = self.known_keys(keys, names)
        item_ok = all_of(binary(exp.EQ, call("json_type", item), text("OBJECT")), known_keys)
        return when("ARRAY", self.items(elements, var, reads, entity, item_ok))

    def series_from_json(self, j: exp.Expression, typ: m.Type, minimum: object | None) -> Read:
        """A series: an object whose keys are 4-digit years (not 0000), none repeated (a TRY_CAST
        to a map is NULL where one is), each value null (that year unknown) or of the element type.
        The fact's minimum holds for every year (`profile.values.series_reader`)."""
        typed = try_cast(j, SERIES_JSON)
        var = "entry"
        entry = exp.column(var)

        def part(name: str) -> exp.Expression:
            return node(exp.Dot, this=entry.copy(), expression=exp.to_identifier(name))

        element = self.from_json(part("value"), typ.element_type(), minimum)
        key_ok = all_of(full_match(part("key"), "[0-9]{4}"), binary(exp.NEQ, part("key"), text("0000")))
        entry_ok = all_of(key_ok, any_of(is_null(part("value")), element.ok))
        entries = call("map_entries", typed)
        good = call("list_filter", entries.copy(), _lambda(entry_ok, var))
        ok = all_of(negate(is_null(typed.copy())), binary(exp.EQ, call("len", good), call("len", entries.copy())))
        pair = exp.Struct(expressions=[node(exp.PropertyEQ, this=exp.to_identifier("k"), expression=part("key")),
                                       node(exp.PropertyEQ, this=exp.to_identifier("v"),
                                            expression=case((element.ok, element.value)))])
        built = call("map_from_entries", call("list_transform", entries.copy(), _lambda(pair, var)))
        return Read(ok, case((ok.copy(), cast(built, sql_type(typ, self.schema)))))

    def _from_json_double(self, shown: exp.Expression, typ: m.Type, minimum: object | None) -> Read:
        target = MONEY_TYPE if typ.kind == "money" else NUMBER_TYPE
        whole, scale = target[0] - target[1], target[1]
        value = try_cast(shown, decimal(*target))
        ok = all_of(full_match(shown, number_text(whole, scale, "-?")), coalesce(at_least(value, minimum),
                                                                             exp.false()))
        return Read(ok, value)

    def known_keys(self, keys: exp.Expression, names: list[str]) -> exp.Expression:
        """Every key one of `names`, none repeated."""
        var = "key"
        known = call("list_filter", keys, _lambda(node(exp.In, this=exp.column(var),
                                                       expressions=[text(n) for n in names]), var))
        return all_of(binary(exp.EQ, call("len", known), call("len", keys)),
                      binary(exp.EQ, call("len", call("list_distinct", keys)), call("len", keys)))


def as_type(value: exp.Expression, kind: exp.DataType, origin: str) -> exp.Expression:
    """`value` as a value of SQL type `kind`: a TRY_CAST, unless it is one already or is a raw
    column of that very type (a cast to its own type still costs DuckDB a copy, and for a list of
    structs a large one)."""
    wanted = kind.sql("duckdb")
    if isinstance(value, exp.Cast | exp.TryCast) and value.to.sql("duckdb") == wanted:
        return value
    if isinstance(value, exp.Column) and origin not in ("text", "json") and _same_type(origin, wanted):
        return value
    return try_cast(value, kind)


def _same_type(origin: str, wanted: str) -> bool:
    try:
        return bool(exp.DataType.build(origin, dialect="duckdb").sql("duckdb") == wanted)
    except Exception:
        return False


def _is_cast_of(value: exp.Expression, raw: exp.Expression) -> bool:
    """Whether a value is the raw value itself or a cast of it (so a cast of the whole list does)."""
    while isinstance(value, exp.Cast | exp.TryCast):
        value = value.this
    return bool(value == raw)


def _json_path(name: str) -> str:
    return "$." + ('"' + name.replace('"', '\\"') + '"')


def _lambda(body: exp.Expression, *names: str) -> exp.Lambda:
    return node(exp.Lambda, this=body, expressions=[exp.to_identifier(n) for n in names])


_STRUCT = re.compile(r"^STRUCT\((.*)\)\[\]$", re.S)
_RECORD = re.compile(r"^STRUCT\((.*)\)$", re.S)


def _struct_fields(type_name: str, record: bool = False) -> dict[str, str] | None:
    """The fields of a DuckDB `STRUCT(a T, b U)[]` type (`record`: of a `STRUCT(a T, b U)`), as
    name → type name."""
    match = (_RECORD if record else _STRUCT).match(type_name)
    if match is None:
        return None
    parsed = exp.DataType.build(f"STRUCT({match.group(1)})", dialect="duckdb")
    fields = {}
    for field in parsed.expressions:
        fields[field.name] = field.args["kind"].sql(dialect="duckdb")
    return fields


def canonical(schema: m.Schema, source: exp.Expression, origins: dict[str, str], limits: Limits,
              json_line: str | None = None, key: str = KEY, loops: Nests | None = None) -> exp.Select:
    """SELECT `key`, the typed facts and `CLEAN` from a raw relation.

    `origins` maps the raw columns to their origin (`text` or a DuckDB type); with `json_line`,
    the relation has one column of JSON text per row, whose keys are the facts. A clean row is
    also within the resource `limits` (`loops`: the policy's nests of loops, `loop_work.loop_nests`),
    so that the rows beyond them are left to Python, which refuses them with the same limits.
    """
    reader = Reader(schema, limits)
    raw: dict[str, tuple[exp.Expression, str]] = {}
    checks: list[exp.Expression] = []
    inner: list[exp.Expr] = [exp.column(key, quoted=True)]
    if json_line is not None:
        line = exp.column(json_line, quoted=True)
        document = try_cast(line, JSON)  # NULL where the line is not JSON: JSON functions would raise
        names = [f.name for f in schema.root.facts]
        paths = exp.Array(expressions=[text(_json_path(n)) for n in names])
        extracted = call("json_extract", document, paths)
        within = binary(exp.LTE, call("strlen", line), number(limits.max_profile_bytes))  # the line's bytes
        trusted = all_of(within, reader.json_trusted(line),
                         binary(exp.EQ, call("json_type", document), text("OBJECT")),
                         reader.known_keys(call("json_keys", document), names))
        inner.append(exp.alias_(case((trusted, extracted)), _FACTS, quoted=True))
        inner.append(exp.alias_(trusted, _TRUSTED, quoted=True))
        checks.append(exp.column(_TRUSTED, quoted=True))
        for index, name in enumerate(names, start=1):
            element = call("list_extract", exp.column(_FACTS, quoted=True), number(index))
            raw[name] = (element, "json")
    else:
        for name, origin in origins.items():
            raw[name] = (exp.column(name, quoted=True), origin)
        inner += [exp.column(name, quoted=True) for name in origins]
    middle: list[exp.Expr] = [exp.column(key, quoted=True)]
    for fact in schema.root.facts:
        kind = sql_type(fact.type, schema)
        if fact.name not in raw:
            middle.append(exp.alias_(cast(exp.Null(), kind), fact.name, quoted=True))
            continue
        value, origin = raw[fact.name]
        read = reader.read(value, origin, fact.type, fact.minimum)
        absent = is_null(value)
        if origin == "json":
            absent = any_of(absent, binary(exp.EQ, call("json_type", value), text("NULL")))
        ok = coalesce(read.ok, exp.false())
        # Casts are TRY_CASTs, so that a bad value never stops the query; and where the check
        # fails the fact is NULL, so the compiled query only ever sees values in its types' ranges.
        # A JSON null reads as no value: guard the value by the read, since some reads of a null
        # give a value (`$[*]` of null is an empty list, which would be a known empty set).
        shown = case((ok, read.value)) if origin == "json" else read.value
        middle.append(exp.alias_(as_type(shown, kind, origin), _value(fact.name), quoted=True))
        middle.append(exp.alias_(any_of(absent, ok), _ok(fact.name), quoted=True))
        checks.append(exp.column(_ok(fact.name), quoted=True))
    if json_line is not None:
        middle.append(exp.column(_TRUSTED, quoted=True))
    outer: list[exp.Expr] = [exp.column(key, quoted=True)]
    for fact in schema.root.facts:
        if fact.name in raw:
            value = case((exp.column(_ok(fact.name), quoted=True), exp.column(_value(fact.name), quoted=True)))
            outer.append(exp.alias_(value, fact.name, quoted=True))
        else:
            outer.append(exp.column(fact.name, quoted=True))
    # Never NULL: a row the checks cannot judge (a line that is not UTF-8) is not clean.
    outer.append(exp.alias_(coalesce(all_of(*checks), exp.false()) if checks else exp.true(), CLEAN, quoted=True))
    first = exp.select(*inner).from_(source)
    second = exp.select(*middle).from_(exp.Subquery(this=first, alias=exp.TableAlias(this=exp.to_identifier("raw"))))
    query = exp.select(*outer).from_(exp.Subquery(this=second, alias=exp.TableAlias(this=exp.to_identifier("read"))))
    bounded = within_limits(schema, loops or {}, limits)
    if bounded is not None:
        typed: list[exp.Expr] = [exp.column(key, quoted=True)]
        typed += [exp.column(fact.name, quoted=True) for fact in schema.root.facts]
        typed.append(exp.alias_(all_of(exp.column(CLEAN, quoted=True), bounded), CLEAN, quoted=True))
        query = exp.select(*typed).from_(exp.Subquery(this=query, alias=exp.TableAlias(
            this=exp.to_identifier("typed"))))
    return finish(query)


@attrs.frozen
class Sizes:
    """What the resource limits read of the lists of a row (or of an item), as SQL."""

    ok: list[exp.Expression]  # every list and set within `max_list_items`
    entries: list[exp.Expression]  # the entries of its lists and sets, nested ones included
    longest: dict[str, list[exp.Expression]]  # entity → the lengths of its lists


def sizes(schema: m.Schema, entity: m.Entity, value_of: Callable[[str], exp.Expression], limits: Limits,
          depth: int = 0, seen: tuple[str, ...] = ()) -> Sizes:
    """The sizes of the lists and sets of a row (`value_of` gives a root fact) or of an item."""
    found = Sizes([], [], {})
    for fact in entity.facts:
        if fact.type.kind == "series":  # its years count as a list's entries (`profile.fast`)
            years = coalesce(call("cardinality", value_of(fact.name)), number(0))
            found.ok.append(binary(exp.LTE, years, number(limits.max_list_items)))
            found.entries.append(years)
            continue
        if fact.type.kind not in ("set", "list"):
            continue
        value = value_of(fact.name)
        length = coalesce(call("len", value), number(0))
        found.ok.append(binary(exp.LTE, length, number(limits.max_list_items)))
        found.entries.append(length)
        if fact.type.kind == "set" or fact.type.entity is None:
            continue
        found.longest.setdefault(fact.type.entity, []).append(length)
        child = schema.entities[fact.type.entity]
        if not any(f.type.kind in ("set", "list") for f in child.facts):
            continue
        if child.name in (*seen, entity.name):  # an entity that lists itself: never vouched for in SQL
            found.ok.append(exp.false())
            continue
        var = f"limit{depth}"

        def field(name: str, v: str = var) -> exp.Expression:
            return node(exp.Dot, this=exp.column(v), expression=exp.to_identifier(name, quoted=True))

        inner = sizes(schema, child, field, limits, depth + 1, (*seen, entity.name))

        def over(body: exp.Expression, fold: str, empty: exp.Expression, v: str = var,
                 values: exp.Expression = value) -> exp.Expression:
            return coalesce(call(fold, call("list_transform", values, _lambda(body, v))), empty)

        if inner.ok:
            found.ok.append(over(all_of(*inner.ok), "list_bool_and", exp.true()))
        if inner.entries:
            found.entries.append(over(_sum(inner.entries), "list_sum", number(0)))
        for name, lengths in inner.longest.items():
            found.longest.setdefault(name, []).append(over(_greatest(lengths), "list_max", number(0)))
    return found


def within_limits(schema: m.Schema, loops: Nests, limits: Limits) -> exp.Expression | None:
    """The resource limits a clean row is within (None: nothing to check), as `ProfileReader` and
    `LoopWork` apply them to the typed facts: list lengths, the entries of the profile, the work of
    the policy's loops."""
    found = sizes(schema, schema.root, lambda name: exp.column(name, quoted=True), limits)
    tests = list(found.ok)
    if found.entries:
        tests.append(binary(exp.LTE, _sum(found.entries), number(limits.max_profile_items)))
    if loops and loop_work_can_exceed(loops, limits):
        double = exp.DataType.build("DOUBLE")
        terms: list[exp.Expression] = []
        for entities, (count, _) in loops.items():
            term: exp.Expression = cast(number(count), double)
            for entity in entities:  # an unknown or empty list counts 1, as in LoopWork.check
                lengths = found.longest.get(entity, [])
                term = binary(exp.Mul, term, _greatest([number(1), *lengths]))
            terms.append(term)
        tests.append(binary(exp.LTE, _sum(terms), number(limits.max_loop_work)))
    return all_of(*tests) if tests else None


def _sum(parts: list[exp.Expression]) -> exp.Expression:
    total = parts[0]
    for part in parts[1:]:
        total = binary(exp.Add, total, part)
    return total


def _greatest(parts: list[exp.Expression]) -> exp.Expression:
    return parts[0] if len(parts) == 1 else node(exp.Greatest, this=parts[0], expressions=parts[1:])
