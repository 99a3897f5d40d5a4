"""Typed expressions → SQL values that are NULL exactly where the interpreter's are unknown.

Every expression compiles to a `Val`: a SQL value, NULL where the reference interpreter's value
is `Unknown`, and beside it the interpreter's unknown paths (`Paths`), read only where the value
is NULL. SQL's AND, OR and NOT are Kleene's three-valued logic, so `false and unknown` is false and
its unknown paths are never read; a comparison or an arithmetic operation is NULL when an operand
is, with the operands' paths. Definitions, amended parameters and conditions are computed once, as
columns of nested SELECTs (`layers`), in dependency order; their paths are computed only on the
rows where they are unknown.

Numbers are DECIMALs whose precision and scale the compiler tracks, so that no operation can
overflow 38 digits. Money is 万元. A quotient is compared by cross-multiplication, exactly; where
its value is needed, it is an exact integer division to 18 decimals (`Dialect.divide`), since
DuckDB would divide DECIMALs in DOUBLE.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from sqlglot import exp

from policydsl import model as m
from policydsl.engine.domain import Builder
from policydsl.engine.semantics import declared_minimum, list_source, version_in_force
from policydsl.sql.dialects import (
    TEXT,
    TEXT_LIST,
    Dialect,
    Item,
    all_of,
    any_of,
    binary,
    call,
    case,
    cast,
    coalesce,
    concat_text,
    decimal,
    dialect_for,
    is_null,
    name_key,
    negate,
    node,
    number,
    text,
    unique_name,
)
from policydsl.sql.paths import ITEMS, Paths, PathSpace
from policydsl.sql.shapes import INTEGER_TYPE, KEY, MONEY_TYPE, NUMBER_TYPE, SqlUnsupported
from policydsl.values import Duration, Money

DIVISION_SCALE = 18
MAX_PRECISION = 38
HOIST_NODES = 100  # a longer value without guarded paths becomes columns (`hoisted`)


@attrs.frozen
class Val:
    """A compiled expression: its SQL value, NULL when unknown, and its unknown paths."""

    v: exp.Expression
    u: Paths | None = None  # read where v IS NULL; None: v is never NULL
    num: tuple[int, int] | None = None  # (precision, scale) of a number: |value| < 10^(p-s)
    null: bool = False  # always NULL (say, a parameter that was not supplied)
    exact: bool = True  # the SQL type is exactly DECIMAL(num); False for BIGINT and literals
    unknown_if: exp.Expression | None = None  # a cheaper test equivalent to `v IS NULL`
    ratio: tuple[Val, Val] | None = None  # a quotient, as numerator and denominator
    bound: Fraction | None = None  # |value| < bound ≤ 10^(p-s), tighter than num's (for sums)
    # u is empty wherever v is known, so that a parent takes it as it is (`when_null`) rather than
    # guard it with `v IS NULL`: that test writes v again, and nested operations would write the
    # innermost ones once per level above them, a query quadratic in the depth.
    guarded: bool = False
    # A list aggregate's bounds (semantics.md §6), equal to v where it is known; NULL: unbounded.
    # Only comparisons read them (`bounded_compare`); every other operation drops them.
    low: exp.Expression | None = None
    high: exp.Expression | None = None


def unbounded(val: Val) -> Val:
    return val if val.low is None and val.high is None else attrs.evolve(val, low=None, high=None)


TRUE = Val(exp.true())
FALSE = Val(exp.false())


def is_true(val: Val) -> bool:
    return val.u is None and isinstance(val.v, exp.Boolean) and val.v.this is True


def is_false(val: Val) -> bool:
    return val.u is None and isinstance(val.v, exp.Boolean) and val.v.this is False


def null_test(val: Val) -> exp.Expression:
    """`v IS NULL`, without computing v where a cheaper test exists (a quotient's operands)."""
    if val.null:
        return exp.true()
    return val.unknown_if.copy() if val.unknown_if is not None else is_null(val.v)


def is_constant(expr: exp.Expression) -> bool:
    return expr.find(exp.Column) is None


def sql_type(typ: m.Type, schema: m.Schema) -> exp.DataType:
    """The SQL type of a fact in the input table, and of values of that type in the query."""
    kind = typ.kind
    if kind in ("money", "decimal", "ratio", "points"):
        return decimal(*(MONEY_TYPE if kind == "money" else NUMBER_TYPE))
    simple = {"bool": "BOOLEAN", "integer": "BIGINT", "date": "DATE"}.get(kind)
    if simple is not None:
        return exp.DataType.build(simple)
    if kind in ("text", "enum"):
        return TEXT.copy()
    if kind == "set":
        return TEXT_LIST.copy()
    if kind in ("list", "entity") and typ.entity in schema.entities:
        entity = schema.entities[typ.entity]
        fields = [exp.ColumnDef(this=exp.to_identifier(f.name, quoted=True), kind=sql_type(f.type, schema))
                  for f in entity.facts]
        struct = exp.DataType(this=exp.DataType.Type.STRUCT, expressions=fields, nested=True)
        if kind == "entity":
            return struct
        return exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[struct], nested=True)
    if kind == "series":  # facts by year: a map from the 4-digit year (text) to the year's value
        element = sql_type(typ.element_type(), schema)
        return exp.DataType(this=exp.DataType.Type.MAP, expressions=[TEXT.copy(), element], nested=True)
    raise SqlUnsupported(f"no SQL type for {typ}")  # pragma: no cover - the checker admits no other


def input_types(schema: m.Schema) -> dict[str, exp.DataType]:
    """The columns of the input table: the key, then one per fact of the root entity."""
    types = {KEY: exp.DataType.build("BIGINT")}
    for fact in schema.root.facts:
        types[fact.name] = sql_type(fact.type, schema)
    return types


def fact_num(kind: str) -> tuple[int, int] | None:
    return {"money": MONEY_TYPE, "decimal": NUMBER_TYPE, "ratio": NUMBER_TYPE, "points": NUMBER_TYPE,
            "integer": INTEGER_TYPE}.get(kind)


def digits(value: Decimal) -> tuple[int, int]:
    """(precision, scale) of an exact decimal: 0.035 → (3, 3), 1500 → (4, 0)."""
    _, numerals, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    whole = max(0, len(numerals) + exponent)
    return max(1, whole + scale), scale


def magnitude(val: Val) -> Fraction:
    """An exclusive bound on |value| of a number: its own, or the one its DECIMAL type gives."""
    assert val.num is not None
    precision, scale = val.num
    return val.bound if val.bound is not None else Fraction(10) ** (precision - scale)


def whole_digits(bound: Fraction) -> int:
    """The fewest digits before the point that hold every value below `bound`: 10^w ≥ bound."""
    whole = 0
    while Fraction(10) ** whole < bound:
        whole += 1
    return whole


def plain(value: Decimal) -> str:
    shown = format(value.normalize(), "f")
    return "0" if shown in ("-0", "0") else shown


def describe(expr: m.TExpr) -> str:
    if expr.span is not None:
        return f"`{' '.join(expr.span.text.split())}` ({expr.span.location()})"
    return type(expr).__name__


def _mask_only(paths: Paths | None) -> Paths | None:
    return None if paths is None or paths.mask is None else Paths(paths.mask, None, paths.bits)


def policy_names(policy: m.Policy) -> set[str]:
    """The names of a policy that the query may hold as identifiers, or near enough to keep apart
    from generated ones: facts and fields, definitions, parameters, measures, benefits, conditions."""
    names = {fact.name for entity in policy.schema.entities.values() for fact in entity.facts}
    names |= set(policy.definitions) | set(policy.parameters)
    for measure in policy.all_measures.values():
        names |= {measure.id, *(b.id for b in measure.benefits), *(c.name for c in measure.conditions)}
    return names


def sample_item(path: exp.Expression) -> Item:
    """An item of a list, to learn the shape of what an expression over its items gives.

    Its path is an expression, as a real item's is (`'projects[' || i || ']'`), not a constant:
    otherwise the path of a list inside it (`.phases`) would look known when compiling, its
    items' facts would get bits, and the sample would promise a shape (paths as text only past
    the first ITEMS items) that the real items of a nested list do not have.
    """
    collection = path.this if isinstance(path, exp.Literal) and path.is_string else None
    return Item(exp.column("x"), None, exp.column("x_path"), None, number(0), collection)


def static_path(expr: m.TExpr) -> str:
    """The path of a list read outside any loop: its fact, or the text of the expression."""
    if isinstance(expr, m.FactRef):
        return expr.fact.name
    return " ".join(expr.span.text.split()) if expr.span is not None else "list"


class ExpressionCompiler:
    """Compiles the expressions of one checked policy, for one set of parameters, to SQL values."""

    day: datetime.date | None = None  # the evaluation day `today` reads (SqlCompiler's as_of)

    def __init__(self, policy: m.Policy, params: Mapping[str, object], dialect: str = "duckdb",
                 key: str = KEY) -> None:
        self.policy = policy
        self.params = params
        self.key = key  # the input's key column: `row`, or a batch's own name that no fact can have
        self.dialect: Dialect = dialect_for(dialect)
        self.paths = PathSpace(self.dialect)
        self.layers: list[list[exp.Expr]] = []
        self.cache: dict[tuple[str, ...], Val] = {}
        self.hoists: dict[int, Val] = {}  # id of an expression of the policy → its columns (`hoisted`)
        self.levels: dict[str, int] = {}  # a computed column → its layer (1-based)
        self.names: set[str] = {name_key(name) for name in input_types(policy.schema)}  # keys of the columns
        self.names.add(name_key(key))
        self.check_fact_names()
        # Every name of the policy, and every column, is kept from the generated loop variables.
        self.names |= {name_key(name) for name in policy_names(policy)}
        self.dialect.taken = self.names
        self.dialect.inputs = {name_key(name) for name in input_types(policy.schema)}
        self.visiting: list[tuple[str, ...]] = []
        self.synthetic: dict[tuple[str, ...], m.TExpr] = {}  # sums of indicators (`points_sum`), kept alive
        self.builder: Builder[Val, Mapping[str, Item]] = Builder(policy, self)  # the one semantics

    def check_fact_names(self) -> None:
        """The facts of an entity must stay apart as the dialect reads names: DuckDB and Spark
        ignore case, PostgreSQL keeps the first 63 bytes. (The input's columns and fields are
        the facts' names, so they cannot be renamed here.)"""
        limit = self.dialect.max_identifier_bytes
        for entity in self.policy.schema.entities.values():
            seen: dict[str, str] = {} if entity is not self.policy.schema.root else {name_key(self.key): self.key}
            for fact in entity.facts:
                key = fact.name
                if limit is not None:
                    key = key.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
                if not self.dialect.case_sensitive:
                    key = name_key(key)
                if key in seen and seen[key] == self.key and entity is self.policy.schema.root:
                    raise SqlUnsupported(f"the fact `{fact.name}` of `{entity.name}` has the name of the query's key "
                                         f"column `{self.key}`, which numbers the input's rows")
                if key in seen:
                    how = f"share their first {limit} bytes" if limit is not None else "differ only in case"
                    raise SqlUnsupported(f"the facts `{seen[key]}` and `{fact.name}` of `{entity.name}` {how}, and "
                                         f"{self.dialect.name} would read them as one column")
                seen[key] = fact.name
        for name in input_types(self.policy.schema):
            if limit is not None and len(name.encode("utf-8")) > limit:
                self.names.add(name_key(name.encode("utf-8")[:limit].decode("utf-8", errors="ignore")))

    # ---- columns computed once, in layers
    def column_name(self, stem: str) -> str:
        """A new column's name, `stem` made an identifier, distinct from every other column's
        (with its `__m`, `__l` companions), without regard to case, within the dialect's length."""
        suffixes = ("", "__m", "__l")
        candidate = unique_name(re.sub(r"\W", "_", stem), self.dialect.max_identifier_bytes, self.names, suffixes)
        self.names.update(name_key(candidate + suffix) for suffix in suffixes)
        return candidate

    def level_of(self, *exprs: exp.Expression | None) -> int:
        return max((self.levels.get(c.name, 0) for e in exprs if e is not None for c in e.find_all(exp.Column)),
                   default=0)

    def add(self, expr: exp.Expression, name: str, level: int | None = None) -> exp.Column:
        """A column computed in the first layer after every column it reads. A column that would
        only repeat another is that column: measures whose conditions are the same definition then
        write the same expressions over it, which DuckDB computes once (its common subexpressions)."""
        if isinstance(expr, exp.Column) and not expr.table:
            return exp.column(expr.name, quoted=True)
        if level is None:
            level = 1 + self.level_of(expr)
        while len(self.layers) < level:
            self.layers.append([])
        self.layers[level - 1].append(exp.alias_(expr, name, quoted=True))
        self.levels[name] = level
        return exp.column(name, quoted=True)

    def add_paths(self, paths: Paths, name: str, level: int | None = None) -> Paths:
        mask = self.add(paths.mask, name + "__m", level) if paths.mask is not None else None
        items = self.add(paths.items, name + "__l", level) if paths.items is not None else None
        return Paths(mask, items, paths.bits)

    def materialise(self, key: tuple[str, ...], build: Callable[[], Val]) -> Val:
        """A value computed once as columns (or inlined when it reads no column)."""
        if key in self.cache:
            return self.cache[key]
        if key in self.visiting:
            raise SqlUnsupported(f"{' → '.join(k[-1] for k in self.visiting)}: amendments make a cycle")
        self.visiting.append(key)
        try:
            val = build()
        finally:
            self.visiting.pop()
        if not (val.null or is_constant(val.v)):
            val = self.as_columns("_".join(key), val)
        self.cache[key] = val
        return val

    def as_columns(self, stem: str, val: Val) -> Val:
        """The value, and its paths where it is unknown, computed once as columns."""
        name = self.column_name(stem)
        paths = self.when_null(val) if val.u is not None else None
        level = 1 + self.level_of(val.v, *((paths.mask, paths.items) if paths else ()))
        # A quotient stays an expression: comparisons cross-multiply, and where its value is
        # needed (an amount) it is divided only on the rows that need it.
        value = val.v if val.ratio is not None else self.add(val.v, name, level)
        # The paths are computed only where the value is unknown: most rows never pay for them.
        unknowns = self.add_paths(paths, name, level) if paths is not None else None
        low = high = None
        if val.low is not None or val.high is not None:  # a list aggregate's bounds, as columns too
            low, high = (self.add(part, self.column_name(f"{stem}_{which}"))
                         for which, part in (("low", val.low or exp.Null()), ("high", val.high or exp.Null())))
        return Val(value, unknowns, val.num, False, val.exact, val.unknown_if, val.ratio, val.bound, guarded=True,
                   low=low, high=high)

    def hoisted(self, expr: m.TExpr, env: Mapping[str, Item], val: Val) -> Val:
        """A long value whose paths are not guarded, computed once: as columns, or where it reads
        the item of a loop, under a name in the loop's body (`Dialect.bind`).

        A parent guards such paths with `v IS NULL`, which writes v again: nested (`a and (b or
        (c and …))`), the innermost values would be written once per level above them.
        """
        if val.u is None or val.guarded or val.null or val.ratio is not None or is_constant(val.v):
            return val
        if not _larger_than(val.v, HOIST_NODES):
            return val
        if _reads_loop(expr, env):
            name = self.dialect.bind(val.v)
            return val if name is None else attrs.evolve(val, v=name, unknown_if=None)
        self.hoists[id(expr)] = self.as_columns("sub", val)
        return self.hoists[id(expr)]

    # ---- unknown paths
    def when_null(self, val: Val) -> Paths:
        """The unknown paths a value contributes: its paths where it is NULL, none elsewhere."""
        assert val.u is not None
        return val.u if val.null or val.guarded else self.paths.where(null_test(val), val.u)

    def merged(self, *vals: Val) -> Paths | None:
        """The unknown paths of an operation that is unknown exactly when an operand is."""
        nullable = [v for v in vals if v.u is not None]
        if not nullable:
            return None
        if len(nullable) == 1:
            return nullable[0].u
        return self.paths.union([self.when_null(v) for v in nullable])

    @staticmethod
    def guarded(*vals: Val) -> bool:
        """Whether `merged(*vals)` is empty wherever such an operation is known: it is a union of
        guarded paths, or one operand's paths, guarded as that operand's are."""
        nullable = [v for v in vals if v.u is not None]
        return len(nullable) != 1 or nullable[0].guarded or nullable[0].null

    # ---- expressions
    def value(self, expr: m.TExpr, env: Mapping[str, Item]) -> Val:
        """An expression as SQL, built by the one semantics (engine/domain.py) in this domain."""
        return self.builder.build(expr, env)

    # ---- the domain of engine/domain.py: SQL values (`Val`), scopes binding loop variables to items
    def top(self) -> Mapping[str, Item]:
        return {}

    def visit(self, expr: m.TExpr, scope: Mapping[str, Item], compute: Callable[[], Val]) -> Val:
        found = self.hoists.get(id(expr))
        return found if found is not None else self.hoisted(expr, scope, compute())

    def constant(self, expr: m.Const) -> Val:
        return self.const(expr.value, expr.type)

    def fact(self, expr: m.FactRef) -> Val:
        kind = expr.fact.type.kind
        return Val(exp.column(expr.fact.name, quoted=True), self.paths.static([expr.fact.name]),
                   fact_num(kind), exact=kind != "integer")

    def record(self, expr: m.RecordRef) -> Val:
        """A record's field: the struct column's field, NULL where the record or the field is."""
        kind = expr.fact.type.kind
        column = exp.column(expr.record.name, quoted=True)
        value = node(exp.Dot, this=column, expression=exp.to_identifier(expr.fact.name, quoted=True))
        return Val(value, self.paths.static([f"{expr.record.name}.{expr.fact.name}"]), fact_num(kind),
                   exact=kind != "integer")

    def variable(self, expr: m.VarRef, scope: Mapping[str, Item]) -> Val:
        raise SqlUnsupported(f"the SQL path cannot evaluate {describe(expr)}")

    def negation(self, expr: m.Not, operand: Val) -> Val:
        if operand.u is None and isinstance(operand.v, exp.Boolean):
            return FALSE if operand.v.this else TRUE
        return attrs.evolve(operand, v=negate(operand.v))

    def minus(self, expr: m.Neg, operand: Val) -> Val:
        return attrs.evolve(operand, v=node(exp.Neg, this=operand.v), ratio=None, low=None, high=None)

    def logic(self, expr: m.Logic, items: list[Val]) -> Val:
        return self.kleene(expr.op, items)

    def parameter_base(self, parameter: m.Parameter) -> Val:
        if parameter.name in self.params:
            return self.const(self.params[parameter.name], parameter.type)
        if parameter.default is not None:
            return self.const(parameter.default, parameter.type)
        return self.null(parameter.type, self.paths.static([parameter.name]))

    def at_least(self, value: Val, minimum: Decimal, expr: m.TExpr) -> Val:
        """NULL where an amendment's value is below the parameter's minimum, with the paths the
        value reads (`semantics.at_least`)."""
        if value.null or value.num is None:
            return value
        bound = self.const(minimum, m.DECIMAL)
        num = self.common(value, bound)
        below = binary(exp.LT, self.as_decimal(value, num), self.as_decimal(bound, num))
        reads = self.dependencies(expr, self.top())
        paths = reads if value.u is None else self.paths.choose([(null_test(value), value.u)], reads)
        return Val(case((below, cast(exp.Null(), decimal(*value.num))), default=self.as_decimal(value)), paths,
                   value.num)

    def shared(self, key: tuple[str, ...], build: Callable[[], Val]) -> Val:
        return self.materialise(key, build)

    def const(self, value: object, typ: m.Type) -> Val:
        if isinstance(value, bool):
            return TRUE if value else FALSE
        if isinstance(value, int):
            return Val(number(value), num=(max(1, len(str(abs(value)))), 0), exact=False)
        if isinstance(value, Money | Decimal):
            amount = value.in_unit() if isinstance(value, Money) else value
            num = digits(amount)
            return Val(cast(number(plain(amount)), decimal(*num)), num=num)
        if isinstance(value, datetime.date):
            return Val(cast(text(value.isoformat()), exp.DataType.build("DATE")))
        if isinstance(value, str):
            return Val(text(value))
        if isinstance(value, Duration):  # one unit each, as the literals write them
            count, unit = next(((n, u) for n, u in ((value.years, "YEAR"), (value.months, "MONTH"),
                                                     (value.days, "DAY")) if n), (0, "DAY"))
            if sum(1 for n in (value.years, value.months, value.days) if n) > 1:
                raise SqlUnsupported(f"the SQL path has no constant {value}")
            return Val(exp.Interval(this=text(str(count)), unit=exp.Var(this=unit)))
        raise SqlUnsupported(f"the SQL path has no constant {value!r} of type {typ}")

    def null(self, typ: m.Type, paths: Paths | None, num: tuple[int, int] | None = None) -> Val:
        num = num or fact_num(typ.kind)
        kind = decimal(*num) if num else sql_type(typ, self.policy.schema)
        return Val(cast(exp.Null(), kind), paths or Paths(), num, null=True)

    def field(self, expr: m.FieldRef, env: Mapping[str, Item]) -> Val:
        item = env[expr.var]
        if item.path is None:  # an item of a list that is itself unknown
            assert item.unknown_path is not None
            return self.null(expr.type, self.paths.static([item.unknown_path]))
        kind = expr.fact.type.kind
        path = concat_text(item.path, text(f".{expr.fact.name}"))
        paths = self.paths.item(path, item.collection, expr.fact.name, item.index)
        return Val(item.field(expr.fact.name), paths, fact_num(kind), exact=kind != "integer")

    def kleene(self, op: str, items: list[Val]) -> Val:
        decisive, neutral = (is_true, is_false) if op == "or" else (is_false, is_true)
        if any(decisive(item) for item in items):
            return TRUE if op == "or" else FALSE
        items = [item for item in items if not neutral(item)]
        if not items:
            return FALSE if op == "or" else TRUE
        if len(items) == 1:
            return items[0]
        combined = (any_of if op == "or" else all_of)(*(item.v for item in items))
        return Val(combined, self.merged(*items), null=all(item.null for item in items))

    # ---- numbers
    def as_decimal(self, val: Val, num: tuple[int, int] | None = None) -> exp.Expression:
        assert val.num is not None
        target = num or val.num
        if val.exact and target == val.num:
            return val.v
        return cast(val.v, decimal(*target))

    @staticmethod
    def common(*vals: Val) -> tuple[int, int]:
        """The DECIMAL type that holds each of these values (the scale cut to fit 38 digits)."""
        nums = [v.num for v in vals if v.num is not None]
        whole = max(p - s for p, s in nums)
        scale = min(max(s for _, s in nums), MAX_PRECISION - whole)
        return whole + scale, scale

    def arith(self, expr: m.Arith, left: Val, right: Val, env: Mapping[str, Item]) -> Val:
        unknowns = self.merged(left, right)
        if left.null or right.null:
            return self.null(expr.type, unknowns)
        assert left.num is not None and right.num is not None
        if expr.op in "+-":
            # Bound the sum by magnitude, |a ± b| < bound(a) + bound(b), not by a digit per term:
            # a sum of n terms below 10^w needs w + log10(n) digits, not w + n - 1.
            bound = magnitude(left) + magnitude(right)
            scale = max(left.num[1], right.num[1])
            whole = whole_digits(bound)
            if whole + scale > MAX_PRECISION:  # as `common`: the scale cut to fit 38 digits
                scale = max(0, MAX_PRECISION - whole)
                bound += Fraction(1, 10**scale)  # rounding to the scale may add half a unit of it
                whole = whole_digits(bound)
            if whole + scale > MAX_PRECISION:  # as `product`: a sum that may outgrow DECIMAL(38)
                raise SqlUnsupported(f"{describe(expr)}: the sum may exceed {MAX_PRECISION} digits")
            num = (max(1, whole + scale), scale)
            operation = exp.Add if expr.op == "+" else exp.Sub
            value = binary(operation, self.as_decimal(left, num), self.as_decimal(right, num))
            return Val(value, unknowns, num, bound=bound, guarded=self.guarded(left, right))
        if expr.op == "*":
            fraction = _fraction(expr.right)
            if fraction is not None:  # `match x at 1:3`: x · 1 / 3, not x · 0.333…3 rounded to fit
                numerator, denominator = fraction
                scaled = m.Arith("*", expr.left, m.Const(numerator, m.INTEGER, expr.span), expr.type, expr.span)
                return self.value(m.Arith("/", scaled, m.Const(denominator, m.INTEGER, expr.span), expr.type,
                                          expr.span), env)
            return attrs.evolve(self.product(left, right, expr), u=unknowns, guarded=self.guarded(left, right))
        reciprocal = _reciprocal(expr.right)
        if reciprocal is not None:  # x / 1000 is x * 0.001, exactly
            return attrs.evolve(self.product(left, self.const(reciprocal, m.DECIMAL), expr), u=unknowns,
                                guarded=self.guarded(left))
        return self.divide(expr, left, right, unknowns, env)

    def product(self, left: Val, right: Val, expr: m.TExpr) -> Val:
        """left · right, exactly: a product whose digits may not fit DECIMAL(38) is refused (PD406,
        naming `expr`), since rounding an operand to fit would give another answer (3 for
        3万元 × 0.99 × (revenue / revenue))."""
        (lp, ls), (rp, rs) = left.num or (1, 0), right.num or (1, 0)
        num = (lp + rp, ls + rs)
        if num[0] > MAX_PRECISION:
            raise SqlUnsupported(f"{describe(expr)}: the product may need more than {MAX_PRECISION} digits to be "
                                 f"exact in SQL")
        # Both operands within 18 digits make DuckDB multiply in 64 bits, so widen one.
        wide = (MAX_PRECISION, ls) if num[0] > 18 else (lp, ls)
        value = binary(exp.Mul, self.as_decimal(left, wide), self.as_decimal(right, (rp, rs)))
        return Val(cast(value, decimal(*num)), None, num)

    def divide(self, expr: m.Arith, left: Val, right: Val, unknowns: Paths | None,
               env: Mapping[str, Item]) -> Val:
        assert left.num is not None and right.num is not None
        (lp, ls), (_, rs) = left.num, right.num
        whole = lp - ls + rs  # |left / right| < 10^whole, since a nonzero |right| ≥ 10^-rs
        scale = min(DIVISION_SCALE, MAX_PRECISION - whole)
        if scale < 0 or scale + rs < ls:
            raise SqlUnsupported(f"{describe(expr)}: the quotient cannot be computed exactly in SQL")
        num = (whole + scale, scale)
        zero = binary(exp.EQ, right.v, number(0))
        quotient = self.dialect.divide(self.as_decimal(left), self.as_decimal(right), ls, rs, scale, num,
                                       (lp, right.num[0]))
        value = case((zero, cast(exp.Null(), decimal(*num))), default=quotient)
        by_zero = self.dependencies(expr.right, env)
        ratio = (left, right)
        if unknowns is None:
            return Val(value, by_zero, num, unknown_if=zero, ratio=ratio)
        either = any_of(*(null_test(v) for v in (left, right) if v.u is not None))
        return Val(value, self.paths.choose([(either, unknowns)], by_zero), num, unknown_if=any_of(either, zero),
                   ratio=ratio)

    def dependencies(self, expr: m.TExpr, env: Mapping[str, Item]) -> Paths:
        """The paths the interpreter names when a division by zero makes a value unknown."""
        static: set[str] = set()
        dynamic: list[Paths] = []

        def walk(part: object) -> None:
            if isinstance(part, m.FactRef):
                static.add(part.fact.name)
            elif isinstance(part, m.FieldRef):
                item = env.get(part.var)
                if item is None:
                    static.add(part.fact.name)
                elif item.path is None:
                    static.add(f"{item.unknown_path}.{part.fact.name}")
                else:
                    dynamic.append(self.paths.item(concat_text(item.path, text(f".{part.fact.name}")),
                                                   item.collection, part.fact.name, item.index))
            elif isinstance(part, m.ParamRef):
                static.add(part.name)
            elif isinstance(part, m.DefRef):
                walk(self.policy.definitions[part.name].expr)
            elif hasattr(part, "__attrs_attrs__"):
                for field in part.__attrs_attrs__:  # type: ignore[attr-defined]
                    child = getattr(part, field.name)
                    if isinstance(child, tuple):
                        for piece in child:
                            walk(piece)
                    elif field.name not in ("type", "span", "fact", "operand_type"):
                        walk(child)

        walk(expr)
        return self.paths.union([self.paths.static(sorted(static)), *dynamic])

    # ---- comparisons
    def compare(self, expr: m.Compare, left: Val, right: Val) -> Val:
        unknowns = self.merged(left, right)
        if left.low is not None or left.high is not None or right.low is not None or right.high is not None:
            return self.bounded_compare(expr.op, left, right, unknowns)
        if left.null or right.null:
            return self.null(m.BOOL, unknowns)
        operand = expr.operand_type
        if operand.kind == "enum" and operand.enum is not None and expr.op not in ("=", "!="):
            return Val(self.enum_order(expr.op, left, right, operand.enum), unknowns,
                       guarded=self.guarded(left, right))
        if operand.kind in ("list", "entity"):
            raise SqlUnsupported(f"the SQL path cannot compare {operand}: {describe(expr)}")
        if left.ratio is not None or right.ratio is not None:
            return Val(self.cross(expr, left, right), unknowns, guarded=self.guarded(left, right))
        a, b = left.v, right.v
        if left.num is not None and right.num is not None and (left.num[1] or right.num[1]):
            num = self.common(left, right)
            a, b = self.as_decimal(left, num), self.as_decimal(right, num)
        elif operand.kind == "set":
            a, b = self.dialect.sorted_list(a), self.dialect.sorted_list(b)
        return Val(binary(COMPARE[expr.op], a, b), unknowns, guarded=self.guarded(left, right))

    def bounded_compare(self, op: str, left: Val, right: Val, unknowns: Paths | None) -> Val:
        """A comparison decided by bounds (as `intervals.compare`): decided where the bounds put every possible pair on one
        side (a known value is its own bounds; NULL bounds are unbounded and decide nothing)."""
        num = self.common(left, right) if left.num is not None and right.num is not None else None

        def side(val: Val, part: exp.Expression | None) -> exp.Expression:
            shown = Val(part if part is not None else val.v, num=val.num, exact=val.exact)
            return self.as_decimal(shown, num) if num is not None else shown.v

        (a, b), (c, d) = ((side(v, v.low), side(v, v.high)) for v in (left, right))
        ordered: dict[str, tuple[exp.Expression, exp.Expression]] = {  # op: (surely true, surely false) of [a, b], [c, d]
            "<": (binary(exp.LT, b, c), binary(exp.GTE, a, d)),
            "<=": (binary(exp.LTE, b, c), binary(exp.GT, a, d)),
            ">": (binary(exp.GT, a, d), binary(exp.LTE, b, c)),
            ">=": (binary(exp.GTE, a, d), binary(exp.LT, b, c)),
        }
        true: exp.Expression
        false: exp.Expression
        if op in ordered:
            true, false = ordered[op]
        else:
            apart = any_of(binary(exp.LT, b, c), binary(exp.LT, d, a))
            same = all_of(binary(exp.EQ, a, b), binary(exp.EQ, b, c), binary(exp.EQ, c, d))
            true, false = (same, apart) if op == "=" else (apart, same)
        value = case((coalesce(true, exp.false()), exp.true()), (coalesce(false, exp.false()), exp.false()),
                     default=cast(exp.Null(), exp.DataType.build("BOOLEAN")))
        return Val(value, unknowns or Paths())

    def cross(self, expr: m.Compare, left: Val, right: Val) -> exp.Expression:
        """`a/b op c/d` exactly, without dividing: `a·d op c·b`, the order flipped when b·d < 0.

        The interpreter compares quotients rounded to 28 significant digits; this compares them
        exactly, which gives the same answer unless they differ only beyond the 28th digit.
        """
        (a, b), (c, d) = left.ratio or (left, None), right.ratio or (right, None)
        lhs = self.product(a, d, expr) if d is not None else a
        rhs = self.product(c, b, expr) if b is not None else c
        num = self.common(lhs, rhs)
        x, y = self.as_decimal(lhs, num), self.as_decimal(rhs, num)
        divisors = [v for v in (b, d) if v is not None]
        zero = any_of(*(binary(exp.EQ, v.v, number(0)) for v in divisors))
        positive = [binary(exp.GT, v.v, number(0)) for v in divisors]
        same_sign = positive[0] if len(positive) == 1 else binary(exp.EQ, positive[0], positive[1])
        return case((zero, exp.Null()), (same_sign, binary(COMPARE[expr.op], x, y)),
                    default=binary(COMPARE[FLIP[expr.op]], x, y))

    def enum_order(self, op: str, left: Val, right: Val, enum: m.EnumType) -> exp.Expression:
        """An ordered-enum comparison: against a constant, membership; otherwise by rank."""
        values = enum.values
        for this, other, flipped in ((left, right, False), (right, left, True)):
            if isinstance(other.v, exp.Literal) and other.v.is_string and other.v.this in values:
                position = values.index(other.v.this)
                test = FLIP[op] if flipped else op
                keep = [v for i, v in enumerate(values) if ORDER[test](i, position)]
                if not keep:
                    return case((is_null(this.v), exp.Null()), default=exp.false())
                return node(exp.In, this=this.v, expressions=[text(v) for v in keep])

        def rank(val: Val) -> exp.Expression:
            return node(exp.Case, this=val.v, ifs=[exp.If(this=text(v), true=number(i)) for i, v in enumerate(values)])

        operation: type[exp.Expression] = COMPARE[op]
        return binary(operation, rank(left), rank(right))

    def member(self, expr: m.In, value: Val) -> Val:
        if value.null:
            return self.null(m.BOOL, value.u)
        if not expr.options:
            return Val(case((null_test(value), exp.Null()), default=exp.Boolean(this=expr.negated)), value.u,
                       guarded=value.guarded)
        options = [self.const(option, expr.value.type).v for option in expr.options]
        test: exp.Expression = node(exp.In, this=value.v, expressions=options)
        return Val(negate(test) if expr.negated else test, value.u, guarded=value.guarded)

    # ---- lists
    def collection_path(self, expr: m.TExpr, env: Mapping[str, Item]) -> exp.Expression:
        """The path of a list, as the interpreter's `_collection_path` names it (through the
        definitions that only name it: `define ps = projects` names `projects[0]…`)."""
        expr = list_source(self.policy, expr)
        if isinstance(expr, m.FieldRef):
            item = env[expr.var]
            if item.path is not None:
                return concat_text(item.path, text(f".{expr.fact.name}"))
            return text(f"{item.unknown_path}.{expr.fact.name}")
        return text(static_path(expr))

    def entity_fields(self, expr: m.TExpr) -> list[str]:
        entity = self.policy.schema.entities.get(expr.type.entity or "")
        return [f.name for f in entity.facts] if entity else []

    def fold_paths(self, values: exp.Expression, paths: Callable[[Item], Paths | None], path: exp.Expression,
                   fields: list[str], guard: exp.Expression | None = None, stem: str | None = None) -> Paths:
        """The union over the items of a list of `paths(item)`, computed where `guard` holds.

        With lambdas, one pass gives each item's mask and list (as a struct when it has both,
        computed once as a column when `stem` names it); two folds then combine them.
        """
        with self.dialect.unbound():
            sample = paths(sample_item(path))
        if sample is None or (sample.mask is None and sample.items is None):
            return Paths()
        parts = [name for name in ("mask", "items") if getattr(sample, name) is not None]
        dialect = self.dialect
        bits = [sample.bits]  # the item's own bits are only known with its position

        def body(name: str) -> Callable[[Item], exp.Expression]:
            def make(item: Item) -> exp.Expression:
                found = paths(item)
                if found is not None:
                    bits[0] |= found.bits
                value = getattr(found, name) if found is not None else None
                return value if value is not None else cast(exp.Null(), MASK if name == "mask" else TEXT_LIST)
            return make

        folds = {"mask": "bit_or", "items": "flatten"}
        if not dialect.lambdas:
            found = {name: dialect.over(values, body(name), folds[name], path, fields)  # type: ignore[arg-type]
                     for name in parts}
            if guard is not None:
                found = {name: case((guard, value)) for name, value in found.items()}
            return Paths(found.get("mask"), found.get("items"), bits[0])

        def per_item(item: Item) -> exp.Expression:
            if len(parts) == 1:
                return body(parts[0])(item)
            return dialect.struct({name[0]: body(name)(item) for name in parts})

        if sample.late and "items" in parts and sample.mask is not None:
            # Paths as text come only from items beyond the first ITEMS: fold them apart, and
            # only for the (rare) longer lists.
            long = binary(exp.GT, coalesce(dialect.length(values), number(0)), number(ITEMS))
            texts = dialect.over(values, body("items"), "flatten", path, fields)
            items = case((all_of(guard, long) if guard is not None else long, texts))
            mask = self.fold_paths(values, lambda item: _mask_only(paths(item)), path, fields, guard, stem)
            return Paths(mask.mask, items, bits[0] | mask.bits, late=True)
        staged = dialect.transform(values, per_item, path, fields)
        if guard is not None:
            staged = case((guard, staged))
        if stem is not None:
            staged = self.add(staged, self.column_name(stem))
        result: dict[str, exp.Expression] = {}
        for name in parts:
            element = (lambda s: s) if len(parts) == 1 else (lambda s, key=name[0]: dialect.field(s, key))
            result[name] = dialect.aggregate(dialect.map_list(staged, element), folds[name])  # type: ignore[arg-type]
        return Paths(result.get("mask"), result.get("items"), bits[0], sample.late)

    def quantify(self, expr: m.Quant, collection: Val, build_body: Callable[[Mapping[str, Item]], Val],
                 env: Mapping[str, Item]) -> Val:
        if collection.null:
            return self.null(m.BOOL, collection.u)
        decisive = expr.quantifier == "any"
        path = self.collection_path(expr.collection, env)
        fields = self.entity_fields(expr.collection)

        def body(item: Item) -> Val:
            return build_body({**env, expr.var: item})

        def code(item: Item) -> exp.Expression:  # 2: decisive, 1: unknown, 0: neither
            found = body(item)
            return kleene_code(found.v if decisive else negate(found.v), 2)

        def lacking(item: Item) -> Paths | None:
            found = body(item)
            return self.when_null(found) if found.u is not None else None

        best = self.dialect.over(collection.v, code, "max", path, fields)
        found = self.dialect.decode(coalesce(best, number(0)), (exp.false(), exp.Null(), exp.true()))
        value = found if decisive else negate(found)
        paths = self.fold_paths(collection.v, lacking, path, fields)
        if collection.u is None:
            return Val(value, paths)
        known = null_test(collection)
        return Val(case((known, exp.Null()), default=value), self.paths.choose([(known, collection.u)], paths))

    def aggregate(self, expr: m.Aggregate, collection: Val,
                  build_item: Callable[[Mapping[str, Item]], tuple[Val | None, Val | None]],
                  default: Val | None, env: Mapping[str, Item]) -> Val:
        """`semantics.fold_count` and `fold_sum` in SQL: per item, the filter's Kleene code (2 true,
        1 unknown, 0 false) and the bounds of what it adds; the value is known where the bounds
        meet, and keeps them for comparisons (`bounded_compare`); min/max as `fold_extreme`."""
        if collection.null:
            return self.null(expr.type, collection.u)
        path = self.collection_path(expr.collection, env)
        fields = self.entity_fields(expr.collection)
        dialect = self.dialect

        def parts(item: Item) -> tuple[Val | None, Val | None]:
            return build_item({**env, expr.var: item})

        def code(item: Item) -> exp.Expression:
            where = parts(item)[0]
            return number(2) if where is None else kleene_code(where.v, 2)

        def total(body: Callable[[Item], exp.Expression]) -> exp.Expression:
            return coalesce(dialect.over(collection.v, body, "sum", path, fields), number(0))

        def lacking(item: Item) -> Paths | None:
            where, value = parts(item)
            found: list[Paths] = []
            if where is not None and where.u is not None:
                found.append(self.when_null(where))
            if value is not None and value.u is not None:
                named = self.when_null(value)
                if where is not None:  # only where the item may count
                    named = self.paths.choose([(binary(exp.EQ, coalesce(where.v, exp.true()), exp.false()), None)],
                                              named)
                found.append(named)
            return self.paths.union(found) if found else None

        if expr.op == "count":
            low = total(lambda item: case((binary(exp.EQ, code(item), number(2)), number(1)), default=number(0)))
            high = total(lambda item: case((binary(exp.GTE, code(item), number(1)), number(1)), default=number(0)))
            num: tuple[int, int] | None = INTEGER_TYPE
        elif expr.op == "sum":
            sample = self.sample_value(expr, parts, path)
            num = (min(MAX_PRECISION, sample.num[0] + 6), sample.num[1]) if sample.num is not None else None
            if num is None:
                raise SqlUnsupported(f"the SQL path cannot add up {expr.type}: {describe(expr)}")
            typ = decimal(*num)
            minimum = declared_minimum(expr.value)
            floor = self.const(minimum, expr.type) if minimum is not None else None

            def bounds(item: Item, which: str) -> exp.Expression:
                value = parts(item)[1]
                assert value is not None
                v = cast(value.v, typ)
                unknown = cast(exp.Null(), typ)
                if which == "low" and floor is not None:
                    unknown = cast(floor.v, typ)
                known = coalesce(v, unknown) if value.u is not None else v
                zero = cast(number(0), typ)
                may = case((is_null(known), cast(exp.Null(), typ)),  # 0 or the value: [min(0, low), max(0, high)]
                           default=node(exp.Least if which == "low" else exp.Greatest, this=zero, expressions=[known]))
                return case((binary(exp.EQ, code(item), number(0)), zero), (binary(exp.EQ, code(item), number(2)), known),
                            default=may)

            def bounded_total(which: str) -> exp.Expression:
                missing = total(lambda item: case((is_null(bounds(item, which)), number(1)), default=number(0)))
                summed = coalesce(dialect.over(collection.v, lambda item: bounds(item, which), "sum", path, fields),
                                  cast(number(0), typ))
                return case((binary(exp.GT, missing, number(0)), cast(exp.Null(), typ)), default=cast(summed, typ))

            low, high = bounded_total("low"), bounded_total("high")
        else:
            low, high, num = self.extreme(expr, collection, parts, code, path, fields, default)
        if expr.op == "count":
            low, high = cast(low, exp.DataType.build("BIGINT")), cast(high, exp.DataType.build("BIGINT"))
        value = case((binary(exp.EQ, low, high), low))
        paths = self.fold_paths(collection.v, lacking, path, fields)
        if collection.u is not None:  # an unknown list: nothing known of its items (a count is ≥ 0)
            known = null_test(collection)
            value = case((known, exp.Null()), default=value)
            low = case((known, number(0) if expr.op == "count" else exp.Null()), default=low)
            high = case((known, exp.Null()), default=high)
            paths = self.paths.choose([(known, collection.u)], paths)
        result = Val(value, paths, num, exact=expr.op != "count", low=low, high=high)
        return self.as_columns(f"{expr.op}_{expr.var}", result) if not _reads_loop(expr, env) else result

    def extreme(self, expr: m.Aggregate, collection: Val, parts: Callable[[Item], tuple[Val | None, Val | None]],
                code: Callable[[Item], exp.Expression], path: exp.Expression, fields: list[str],
                default: Val | None) -> tuple[exp.Expression, exp.Expression, tuple[int, int] | None]:
        """(low, high, number type) of `max`/`min … default (d)`, as `semantics.fold_extreme`."""
        assert default is not None
        dialect, is_max = self.dialect, expr.op == "max"
        sample = self.sample_value(expr, parts, path)
        num = self.common(sample, default) if sample.num is not None and default.num is not None else None
        typ = decimal(*num) if num is not None else sql_type(expr.type, self.policy.schema)
        minimum = declared_minimum(expr.value)
        floor = cast(self.const(minimum, expr.type).v, typ) if minimum is not None else cast(exp.Null(), typ)
        nothing = cast(exp.Null(), typ)

        def bound(item: Item, which: str, sure_only: bool) -> exp.Expression:
            """The item's low or high where it may (or surely, `sure_only`) match, else NULL."""
            value = parts(item)[1]
            assert value is not None
            v = cast(value.v, typ)
            known = coalesce(v, floor) if which == "low" and value.u is not None else v
            return case((binary(exp.GTE, code(item), number(2 if sure_only else 1)), known), default=nothing)

        def fold(which: str, aggregate: str, sure_only: bool) -> exp.Expression:
            return dialect.over(collection.v, lambda item: bound(item, which, sure_only), aggregate, path, fields)  # type: ignore[arg-type]

        def gaps(which: str) -> exp.Expression:  # possible items whose bound is unbounded
            return coalesce(dialect.over(collection.v, lambda item: case(
                (all_of(binary(exp.GTE, code(item), number(1)), is_null(bound(item, which, False))), number(1)),
                default=number(0)), "sum", path, fields), number(0))

        def unless_gaps(which: str, value: exp.Expression) -> exp.Expression:
            return case((binary(exp.GT, gaps(which), number(0)), nothing), default=value)

        sure = binary(exp.GT, coalesce(dialect.over(collection.v, lambda item: case(
            (binary(exp.EQ, code(item), number(2)), number(1)), default=number(0)), "sum", path, fields), number(0)),
            number(0))
        fixed = fold("low" if is_max else "high", "max" if is_max else "min", True)  # NULLs ignored
        loose = unless_gaps("high" if is_max else "low", fold("high" if is_max else "low",
                                                               "max" if is_max else "min", False))
        d = cast(self.as_decimal(default, num) if num is not None else default.v, typ)
        empty_low = unless_gaps("low", node(exp.Least, this=d, expressions=[coalesce(fold("low", "min", False), d)]))
        empty_high = unless_gaps("high", node(exp.Greatest, this=d,
                                              expressions=[coalesce(fold("high", "max", False), d)]))
        if is_max:
            low, high = case((sure, fixed), default=empty_low), case((sure, loose), default=empty_high)
        else:
            low, high = case((sure, loose), default=empty_low), case((sure, fixed), default=empty_high)
        return low, high, num

    def sample_value(self, expr: m.Aggregate, parts: Callable[[Item], tuple[Val | None, Val | None]],
                     path: exp.Expression) -> Val:
        """The value of one item, to learn its number's (precision, scale)."""
        with self.dialect.unbound():
            value = parts(sample_item(path))[1]
        assert value is not None
        return value

    # ---- time and series
    def today(self, expr: m.Today) -> Val:
        if self.day is None:
            raise SqlUnsupported(f"{describe(expr)}: `today` needs the evaluation day")
        return self.const(self.day, m.DATE)

    def shift(self, expr: m.Shift, day: Val, amount: Val, scope: Mapping[str, Item]) -> Val:
        """A DATE plus or minus an INTERVAL: DuckDB keeps the day and clamps it to the month's end,
        as values.shift does. (A date moved outside years 1–9999 is an error in DuckDB, unknown in
        the interpreter: no profile's date comes near.)"""
        if amount.u is not None or not isinstance(amount.v, exp.Interval):
            raise SqlUnsupported(f"{describe(expr)}: the SQL path moves dates by written durations only")
        if day.null:
            return self.null(m.DATE, day.u)
        moved = binary(exp.Add if expr.op == "+" else exp.Sub, day.v, amount.v.copy())
        return Val(cast(moved, exp.DataType.build("DATE")), day.u, guarded=self.guarded(day))

    def series_at(self, expr: m.Index, year: Val, scope: Mapping[str, Item]) -> Val:
        """One year of a series fact of the profile, where the year is the same for every row (it is
        computed from `today` and the parameters): the map's value for that year, NULL where the
        profile does not give it, named `revenue.2024`."""
        if not isinstance(expr.series, m.FactRef):
            raise SqlUnsupported(f"{describe(expr)}: the SQL path reads series of the profile's own facts only")
        when = fold_integer(year.v) if year.u is None else None
        if when is None:
            raise SqlUnsupported(f"{describe(expr)}: the SQL path reads a series at a year the same for every row")
        name = expr.series.fact.name
        element = expr.type.kind
        if not 1 <= when <= 9999:
            return self.null(expr.type, self.paths.static([f"{name}.{when}"]))
        value = call("map_extract_value", exp.column(name, quoted=True), text(f"{when:04d}"))
        return Val(value, self.paths.static([f"{name}.{when}"]), fact_num(element), exact=element != "integer")

    def calendar(self, expr: m.Func, args: list[Val]) -> Val:
        """`year(d)`; `date(y, m, d)`, NULL where the day does not exist, naming what the arguments
        read (as the interpreter's unknown does)."""
        unknowns = self.merged(*args)
        if any(a.null for a in args):
            return self.null(expr.type, unknowns)
        if expr.name == "year":
            return Val(node(exp.Year, this=args[0].v), unknowns, (4, 0), exact=False, guarded=self.guarded(*args))
        if any(isinstance(part, m.FieldRef | m.VarRef) for arg in expr.args for part in m.walk(arg)):
            raise SqlUnsupported(f"{describe(expr)}: the SQL path builds dates from values outside loops only")
        y, mo, d = (cast(a.v, exp.DataType.build("BIGINT")) for a in args)  # integers may be DECIMALs here

        def made(month: exp.Expression, day: exp.Expression) -> exp.Expression:
            return node(exp.DateFromParts, year=y.copy(), month=month, day=day)

        plausible = all_of(binary(exp.GTE, y.copy(), number(1)), binary(exp.LTE, y.copy(), number(9999)),
                           binary(exp.GTE, mo.copy(), number(1)), binary(exp.LTE, mo.copy(), number(12)),
                           binary(exp.GTE, d.copy(), number(1)))
        last = node(exp.Day, this=node(exp.LastDay, this=made(mo.copy(), number(1))))
        inner = case((binary(exp.LTE, d.copy(), last), made(mo.copy(), d.copy())))
        value = case((plausible, inner))
        impossible = self.dependencies(expr, {})
        if unknowns is None:
            return Val(value, impossible)
        either = any_of(*(null_test(a) for a in args if a.u is not None))
        return Val(value, self.paths.choose([(either, unknowns)], impossible))

    def outcome(self, expr: m.Outcome) -> Val:
        """`score(m)`, `subtotal(m, g)`, `floors_met(m)` of the version in force (closures
        `outcome`); `eligible(m)` is the query's (`SqlCompiler.outcome`)."""
        measure = self.policy.all_measures[expr.measure]
        if measure.versions:
            version = self.version_in_force(measure)
            if version is None or version.score is None:  # an unknown that names nothing
                raise SqlUnsupported(f"{describe(expr)}: {expr.measure} has no score in force")
            measure = version
        if measure.score is None or expr.function == "eligible":
            raise SqlUnsupported(f"{expr.function}(…) of another measure's outcome (scores, eligibility)")
        if expr.function == "score":
            return self.score_value(measure)
        if expr.function == "subtotal":
            group = measure.score.group(expr.group or "")
            assert group is not None
            return self.score_value(measure, group)
        tests: list[m.TExpr] = [m.Compare(">=", self.points_sum(measure, g), m.Const(g.floor, m.POINTS), m.POINTS)
                                for g in measure.score.groups if g.floor is not None]
        if not tests:
            return TRUE
        return self.keep(("floors", measure.id), m.Logic("and", tuple(tests)) if len(tests) > 1 else tests[0])

    def version_in_force(self, measure: m.Measure) -> m.Measure | None:
        if self.day is None:
            raise SqlUnsupported(f"measure {measure.name}: its version needs the evaluation day")
        return version_in_force(self.policy, measure, self.day, self.params)[0]

    def score_value(self, measure: m.Measure, group: m.ScoreGroup | None = None) -> Val:
        """A score (or a group's subtotal): the sum of its indicators, NULL where one is, naming
        their unknowns (`semantics.points_sum` without the bounds: the batch evaluates a row
        whose score is open again in Python)."""
        key = ("score", measure.id, group.name if group is not None else "")
        return self.materialise(key, lambda: self.value(self.points_sum(measure, group), self.top()))

    def points_sum(self, measure: m.Measure, group: m.ScoreGroup | None = None) -> m.TExpr:
        """The sum of the indicators as an expression of the model, built once (kept, so the
        hoists keyed by its nodes' ids stay its own)."""
        assert measure.score is not None
        indicators = group.indicators if group is not None else measure.score.indicators
        key = ("sum", measure.id, group.name if group is not None else "")
        if key in self.synthetic:
            return self.synthetic[key]
        total: m.TExpr = m.Const(Decimal(0), m.POINTS) if not indicators else indicators[0].expr
        for indicator in indicators[1:]:
            total = m.Arith("+", total, indicator.expr, m.POINTS)
        self.synthetic[key] = total
        return total

    def keep(self, key: tuple[str, ...], expr: m.TExpr) -> Val:
        self.synthetic.setdefault(key, expr)
        return self.value(self.synthetic[key], self.top())

    def rounded(self, expr: m.Func, arg: Val) -> Val:
        """floor/ceil/round (half away from zero, as DuckDB's ROUND of a DECIMAL) of an exact
        DECIMAL (engine/numbers.py). A quotient's value is truncated toward zero at 18 decimals,
        which keeps round exact, floor exact for x ≥ 0 and ceil for x ≤ 0; on the other side a
        truncated value that is whole may hide a remainder, so there it is NULL, naming what the
        quotient reads (the batch evaluates such a row again in Python)."""
        if arg.null:
            return self.null(expr.type, arg.u)
        assert arg.num is not None
        precision, scale = arg.num
        if scale == 0:
            return unbounded(attrs.evolve(arg, ratio=None))
        num = (max(1, precision - scale + 1), 0)
        value = self.as_decimal(arg)
        made: exp.Expression = (exp.Floor(this=value) if expr.name == "floor" else exp.Ceil(this=value)
                                if expr.name == "ceil" else exp.Round(this=value))
        result = cast(made, decimal(*num))
        if arg.ratio is None or expr.name == "round":
            return Val(result, arg.u, num, guarded=self.guarded(arg), unknown_if=arg.unknown_if)
        if any(isinstance(part, m.FieldRef | m.VarRef) for part in m.walk(expr.args[0])):
            raise SqlUnsupported(f"{describe(expr)}: the SQL path rounds quotients outside loops only")
        top, bottom = arg.ratio
        assert top.num is not None and bottom.num is not None
        zero_top, zero_bottom = number(0), number(0)
        negative = binary(exp.NEQ, binary(exp.LT, self.as_decimal(top), zero_top),
                          binary(exp.LT, self.as_decimal(bottom), zero_bottom))
        positive = all_of(negate(negative), binary(exp.NEQ, self.as_decimal(top), number(0)))
        whole = binary(exp.EQ, value.copy(), node(exp.Floor, this=value.copy()))
        doubtful = all_of(whole, negative if expr.name == "floor" else positive)
        value_or_null = case((doubtful, cast(exp.Null(), decimal(*num))), default=result)
        reads = self.dependencies(expr, {})
        paths = reads if arg.u is None else self.paths.choose([(null_test(arg), arg.u)], reads)
        return Val(value_or_null, paths, num)

    def call(self, expr: m.Func, args: list[Val]) -> Val:
        if expr.name in ("year", "date"):
            return self.calendar(expr, args)
        if expr.name in ("floor", "ceil", "round"):
            return self.rounded(expr, args[0])
        if expr.name == "sqrt":  # a root is exact only for some values; Decimal's 28 digits elsewhere
            raise SqlUnsupported(f"the SQL path has no sqrt(…) yet: {describe(expr)}")
        unknowns = self.merged(*args)
        if any(a.null for a in args):
            return self.null(expr.type, unknowns)
        if expr.name == "count":
            length = self.dialect.length(args[0].v)
            if args[0].u is not None:
                length = case((null_test(args[0]), exp.Null()), default=length)
            return Val(length, unknowns, INTEGER_TYPE, exact=False, guarded=self.guarded(*args))
        if expr.name == "contains":
            values, member = args
            test = self.dialect.contains(values.v, member.v)
            if member.u is not None:
                test = case((null_test(member), exp.Null()), default=test)
            return Val(test, unknowns, guarded=self.guarded(*args))
        num = self.common(*args) if all(a.num is not None for a in args) else None
        operation = exp.Least if expr.name == "min" else exp.Greatest
        parts = [self.as_decimal(a, num) if num else a.v for a in args]
        if all(a.u is None for a in args):
            return Val(node(operation, this=parts[0], expressions=parts[1:], ignore_nulls=True), None, num)
        # Unknown where an argument is, as the interpreter's min/max; each argument written once
        # (`Dialect.extreme`): nested calls that wrote `a IS NULL` beside GREATEST(a, …) doubled
        # the query per level.
        typ = decimal(*num) if num else sql_type(expr.type, self.policy.schema)
        value = self.dialect.extreme(operation, parts, [a.u is not None for a in args], num, typ)
        return Val(value, unknowns, num, guarded=self.guarded(*args))

    # ---- amendments
    def band(self, expr: m.Band, subject: Val, tests: list[Val], values: list[Val]) -> Val:
        """A band in SQL: `choose` over the rows in order, the last row where no other holds (the
        checker makes the rows cover the subject's values once). SQL knows no bounds of unknowns:
        where the subject is unknown the value is unknown unless every row gives the same; the
        batch evaluates such rows again in Python (batch/duckdb_engine.py)."""
        value = values[-1]
        for test, row_value in zip(reversed(tests[:-1]), reversed(values[:-1]), strict=True):
            value = self.choose(test, row_value, value, expr.type)
        return value

    def choose(self, condition: Val, then: Val, otherwise: Val, typ: m.Type) -> Val:
        """`semantics.choose` in SQL: `then` where the condition is true, `otherwise` where it is
        false; where it is unknown, `otherwise` if both are known and equal, else NULL naming the
        condition's unknowns and each side's."""
        if is_true(condition):
            return unbounded(then)  # SQL carries no bounds through `choose`; rows with unknowns go to Python
        if is_false(condition):
            return unbounded(otherwise)
        num = self.common(then, otherwise) if then.num is not None and otherwise.num is not None else None
        if self.same_constant(then, otherwise, num):
            return otherwise

        def shaped(val: Val) -> exp.Expression:
            return self.as_decimal(val, num) if num is not None else val.v

        guard = [is_null(condition.v)]
        if not then.null and not otherwise.null:
            known = [negate(null_test(v)) for v in (then, otherwise) if v.u is not None]
            guard.append(negate(all_of(*known, self.equal(then, otherwise, num, typ))))
        undecided = all_of(*guard)
        null_value = cast(exp.Null(), decimal(*num) if num else sql_type(typ, self.policy.schema))
        value = case((condition.v, shaped(then)), (undecided, null_value), default=shaped(otherwise))
        parts = [self.when_null(v) for v in (condition, then, otherwise) if v.u is not None]
        branches: list[tuple[exp.Expression, Paths | None]] = [
            (condition.v, self.when_null(then) if then.u is not None else None),
            (undecided, self.paths.union(parts)),
        ]
        return Val(value, self.paths.choose(branches, otherwise.u), num)

    def same_constant(self, a: Val, b: Val, num: tuple[int, int] | None) -> bool:
        if a.u is not None or b.u is not None or not is_constant(a.v) or not is_constant(b.v):
            return False
        if num is not None:
            return bool(self.as_decimal(a, num) == self.as_decimal(b, num))
        return bool(a.v == b.v)

    def equal(self, a: Val, b: Val, num: tuple[int, int] | None, typ: m.Type) -> exp.Expression:
        """SQL for `a == b` where both are known."""
        if num is not None:
            return binary(exp.EQ, self.as_decimal(a, num), self.as_decimal(b, num))
        if typ.kind == "set":
            return binary(exp.EQ, self.dialect.sorted_list(a.v), self.dialect.sorted_list(b.v))
        return binary(exp.EQ, a.v, b.v)


def fold_integer(expr: exp.Expression) -> int | None:
    """The whole number a constant SQL expression of the compiler's making has (`year(today) - 1`),
    or None when it is not one such: literals, casts, YEAR of a date literal, + - * and negation."""
    if isinstance(expr, exp.Paren):
        return fold_integer(expr.this)
    if isinstance(expr, exp.Literal) and not expr.is_string:
        value = Decimal(expr.this)
        return int(value) if value == value.to_integral_value() else None
    if isinstance(expr, exp.Cast) and expr.to.is_type(*exp.DataType.INTEGER_TYPES, exp.DataType.Type.DECIMAL):
        return fold_integer(expr.this)
    if isinstance(expr, exp.Neg):
        inner = fold_integer(expr.this)
        return None if inner is None else -inner
    if isinstance(expr, exp.Year):
        day = expr.this
        if isinstance(day, exp.Cast) and day.to.is_type(exp.DataType.Type.DATE) and isinstance(day.this, exp.Literal):
            try:
                return datetime.date.fromisoformat(day.this.this).year
            except ValueError:
                return None
        return None
    if isinstance(expr, exp.Add | exp.Sub | exp.Mul):
        left, right = fold_integer(expr.this), fold_integer(expr.expression)
        if left is None or right is None:
            return None
        return left + right if isinstance(expr, exp.Add) else left - right if isinstance(expr, exp.Sub) else left * right
    return None


def _larger_than(expr: exp.Expression, limit: int) -> bool:
    """Whether the query writes more than `limit` nodes for `expr` (a shared node once per use)."""
    stack, count = [expr], 0
    while stack:
        count += 1
        if count > limit:
            return True
        stack.extend(stack.pop().iter_expressions())
    return False


def _reads_loop(expr: m.TExpr, env: Mapping[str, Item]) -> bool:
    """Whether the expression reads an item of a loop around it (a variable of `env`)."""
    stack: list[tuple[m.TExpr, frozenset[str]]] = [(expr, frozenset())]
    while env and stack:
        node, bound = stack.pop()
        if isinstance(node, m.FieldRef | m.VarRef) and node.var in env and node.var not in bound:
            return True
        inner = bound | {node.var} if isinstance(node, m.Quant) else bound
        stack.extend((child, inner if isinstance(node, m.Quant) and child is node.body else bound)
                     for child in m.children(node))
    return False


MASK = exp.DataType.build("BIGINT")
INT = exp.DataType.build("INT")


def kleene_code(condition: exp.Expression, true: int | exp.Expression) -> exp.Expression:
    """`true` where the condition holds, 1 where it is unknown, 0 where it fails: one evaluation."""
    weight = number(true) if isinstance(true, int) else true
    return coalesce(binary(exp.Mul, cast(condition, INT), weight), number(1))


def _fraction(factor: m.TExpr) -> tuple[int, int] | None:
    """(p, q) when the factor is a constant p / q that does not terminate, as the ratio of
    `match x at 1:3` (Decimal(1) / 3, to 28 digits), with q small."""
    if not isinstance(factor, m.Const) or type(factor.value) is not Decimal:
        return None
    value = factor.value
    if len(value.as_tuple().digits) < 28:
        return None
    found = Fraction(value).limit_denominator(10**6)
    if found.denominator == 1 or Decimal(found.numerator) / Decimal(found.denominator) != value:
        return None
    return found.numerator, found.denominator


def _reciprocal(divisor: m.TExpr) -> Decimal | None:
    """1 / divisor when the divisor is a constant whose reciprocal is a short exact decimal."""
    if not isinstance(divisor, m.Const) or isinstance(divisor.value, bool):
        return None
    value = divisor.value
    number_ = value.in_unit() if isinstance(value, Money) else value
    if isinstance(value, Money) or not isinstance(number_, int | Decimal) or number_ == 0:
        return None  # money / money is a ratio of units; zero divides to unknown
    reciprocal = Decimal(1) / Decimal(number_)
    if reciprocal * Decimal(number_) != 1 or len(reciprocal.normalize().as_tuple().digits) > 18:
        return None
    return reciprocal
COMPARE: dict[str, Any] = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
ORDER: dict[str, Callable[[int, int], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
