"""What differs between the SQL dialects the batch query is written in: lists, lambdas, division.

The compiler (`sql_expressions.py`, `sql.py`) asks a `Dialect` for every list operation and for
exact division, and builds everything else from dialect-neutral sqlglot nodes. DuckDB and Spark
iterate over lists with lambdas (`list_transform`, `transform`); PostgreSQL has none, so there a
list is iterated by a correlated subquery over `unnest(...) WITH ORDINALITY`.

A sqlglot node has one parent, so every builder here copies the nodes it is given.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import attrs
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.generator import Generator

from policydsl.model import STATUSES

Aggregate = Literal["max", "min", "sum", "any", "flatten", "bit_or"]
E = TypeVar("E", bound=exp.Expression)
NAMES = ("duckdb", "spark", "postgres")
DECIMAL_DIGITS = 38  # the widest DECIMAL of every dialect


# Operators are parenthesised where they are operands, since sqlglot prints a hand-built tree as it
# stands: `a AND b IS NULL` would read as `a AND (b IS NULL)`.
COMPOUND = (exp.Binary, exp.Unary, exp.Predicate)
ATOMIC = (exp.Paren, exp.Dot, exp.Column)


def wrap(value: exp.Expression) -> exp.Expression:
    if isinstance(value, COMPOUND) and not isinstance(value, ATOMIC):
        return exp.Paren(this=value)
    return value


def node(kind: type[E], **args: object) -> E:
    """A new node of `kind`, its operands parenthesised unless they are atoms.

    Nodes are shared while a query is built (a value is read by several expressions); the
    finished query is copied once (`finish`), which gives every node its own parent.
    """
    if kind in OPERATORS:
        args = {k: wrap(v) if k in ("this", "expression") and isinstance(v, exp.Expression) else v
                for k, v in args.items()}
    return kind(**args)


def finish(query: E) -> E:
    """A tree of the query in which no node is shared (sqlglot's copy duplicates shared nodes)."""
    return query.copy()


OPERATORS: frozenset[type[exp.Expression]] = frozenset({
    exp.Is, exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Add, exp.Sub, exp.Mul, exp.Div,
    exp.IntDiv, exp.DPipe, exp.In, exp.Neg, exp.Not, exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseLeftShift,
    exp.BitwiseRightShift,
})


# ---- writing the query

WRITE_DEPTH = 24  # levels of the tree one descent of sqlglot's generator writes (about 5 frames a level)


def write(query: exp.Expr, dialect: str, pretty: bool = False, copy: bool = True) -> str:
    """`query.sql(dialect=dialect, pretty=pretty)`, without its recursion through the whole tree.

    sqlglot's generator may change the tree it writes, so it writes a copy; `copy=False` writes
    the tree itself, for a caller that builds a tree to write it once (copying a compiled policy
    takes as long as writing it).

    sqlglot's generator recurses at every level of the tree, several frames a level: a policy
    expression as deep as the checker admits (64 operations, 100 through definitions) is a tree
    some 270 levels deep, past Python's recursion limit. So the nodes more than WRITE_DEPTH levels
    above their deepest leaf are written first, deepest first, and every node's text is kept:
    writing a node reads its written parts rather than descend into them again, and no descent
    passes WRITE_DEPTH levels. Each node is still written once, by the same generator, as
    sqlglot writes it (which matters: writing an UNNEST changes it); tests/batch/test_deep_sql.py
    compares the texts.
    """
    generator = _writer_class(SqlglotDialect.get_or_raise(dialect).generator_class)(pretty=pretty, dialect=dialect)
    tree = generator.preprocess(query.copy() if copy else query)
    for deep in _deep_nodes(tree, WRITE_DEPTH):
        generator.sql(deep)
    early = list(generator.unsupported_messages)  # `generate` starts the list again
    written = generator.generate(tree, copy=False)
    for message in early:
        logging.getLogger("sqlglot").warning(message)
    return written


_WRITERS: dict[type[Generator], type[Generator]] = {}


def _writer_class(base: type[Generator]) -> type[Generator]:
    """`base`, keeping the text of every node it writes, by the node's id (the node is kept too,
    so that no node made while writing takes the id of one written before)."""
    if base not in _WRITERS:
        def sql(self: Any, expression: str | exp.Expr | None, key: str | None = None, comment: bool = True) -> str:
            if key is not None or not isinstance(expression, exp.Expr):
                return base.sql(self, expression, key, comment)  # type: ignore[no-any-return]
            ref = (id(expression), comment)
            if ref not in self.written:
                self.written[ref] = (expression, base.sql(self, expression, None, comment))
            return self.written[ref][1]  # type: ignore[no-any-return]

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            base.__init__(self, *args, **kwargs)
            self.written = {}

        _WRITERS[base] = type(f"Deep{base.__name__}", (base,), {"__slots__": ("written",), "sql": sql,
                                                               "__init__": init})
    return _WRITERS[base]


def _deep_nodes(tree: exp.Expr, depth: int) -> Iterator[exp.Expr]:
    """The nodes with a path of more than `depth` nodes below them, each after those below it."""
    heights: dict[int, int] = {}
    stack: list[tuple[exp.Expr, bool]] = [(tree, False)]
    while stack:
        current, ready = stack.pop()
        children = list(current.iter_expressions())
        if not ready:
            stack.append((current, True))
            stack.extend((child, False) for child in children)
            continue
        heights[id(current)] = 1 + max((heights[id(child)] for child in children), default=0)
        if heights[id(current)] > depth:
            yield current


def negate(value: exp.Expression) -> exp.Expression:
    return node(exp.Not, this=value)


def call(name: str, *args: exp.Expression) -> exp.Expression:
    """A function call kept as written (sqlglot does not rename anonymous functions)."""
    return node(exp.Anonymous, this=name, expressions=list(args))


def cast(expr: exp.Expression, to: exp.DataType) -> exp.Cast:
    return node(exp.Cast, this=expr, to=to.copy())  # types are shared constants: never give them a parent


def decimal(precision: int, scale: int) -> exp.DataType:
    return _decimal(precision, scale).copy()


@functools.cache
def _decimal(precision: int, scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({precision}, {scale})")  # parsing the text: once a type


def number(value: int | str) -> exp.Expression:
    return exp.Literal.number(value)


def text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def enum_list(values: Sequence[str]) -> exp.DataType:
    """DuckDB's type of a list of an ENUM of these values."""
    return exp.DataType(this=exp.DataType.Type.ARRAY, nested=True, expressions=[
        exp.DataType(this=exp.DataType.Type.ENUM, expressions=[text(v) for v in values])])


TEXT = exp.DataType.build("TEXT")
STATUS = exp.DataType(this=exp.DataType.Type.ENUM, expressions=[text(s) for s in STATUSES])
TEXT_LIST = exp.DataType.build("ARRAY<TEXT>")
HUGEINT = exp.DataType.build("INT128")
INT = exp.DataType.build("INT")
BIGINT = exp.DataType.build("BIGINT")


def is_null(expr: exp.Expression) -> exp.Expression:
    return node(exp.Is, this=expr, expression=exp.Null())


def case(*branches: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Case:
    return node(exp.Case, ifs=[node(exp.If, this=cond, true=then) for cond, then in branches], default=default)


def all_of(*conditions: exp.Expression) -> exp.Expression:
    if len(conditions) == 1:
        return conditions[0]
    return exp.and_(*(wrap(c) for c in conditions), copy=False)  # type: ignore[return-value]


def any_of(*conditions: exp.Expression) -> exp.Expression:
    if len(conditions) == 1:
        return conditions[0]
    return exp.or_(*(wrap(c) for c in conditions), copy=False)  # type: ignore[return-value]


def coalesce(*values: exp.Expression) -> exp.Expression:
    return node(exp.Coalesce, this=values[0], expressions=list(values[1:]))


def binary(kind: type[E], left: exp.Expression, right: exp.Expression) -> E:
    return node(kind, this=left, expression=right)


def concat_text(*parts: exp.Expression) -> exp.Expression:
    """Strings joined in one CONCAT call; adjacent literals are joined now, and nested CONCATs flattened."""
    pieces: list[exp.Expression] = []
    for part in parts:
        for piece in part.expressions if isinstance(part, exp.Concat) else [part]:
            if pieces and _is_text(piece) and _is_text(pieces[-1]):
                pieces[-1] = text(pieces[-1].this + piece.this)
            else:
                pieces.append(piece)
    if len(pieces) == 1:
        return pieces[0]
    return exp.Concat(expressions=pieces, safe=True, coalesce=False)


def _is_text(value: exp.Expression) -> bool:
    return isinstance(value, exp.Literal) and value.is_string


HASH_DIGITS = 8  # hex digits of SHA-256 that end a shortened name


def name_key(name: str) -> str:
    """What two names must differ in: DuckDB and Spark read identifiers case-insensitively, quoted or not."""
    return name.casefold()


def shorten(name: str, limit: int | None, tail: str = "", salt: str = "") -> str:
    """`name` if its UTF-8 encoding fits in `limit` bytes; otherwise a deterministic shorter name.

    The shorter name is the longest prefix of whole characters that leaves room for `_`, the
    first HASH_DIGITS hex digits of the SHA-256 of the name without `tail` (and of `salt`), and
    `tail` if the name ends with it: names that share a long prefix (a long measure id, or Chinese
    ids of three bytes a character) stay apart, and a measure's `…_status`, `…_total` and
    `…_unknowns` share one hash.
    """
    encoded = name.encode("utf-8")
    if limit is None or len(encoded) <= limit:
        return name
    if not (tail and name.endswith(tail)):
        tail = ""
    head = name[:len(name) - len(tail)].encode("utf-8")
    digest = hashlib.sha256(head + salt.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    room = limit - HASH_DIGITS - 1 - len(tail.encode("utf-8"))
    return f"{head[:max(room, 0)].decode('utf-8', errors='ignore')}_{digest}{tail}"


def unique_name(name: str, limit: int | None, taken: Iterable[str], suffixes: Sequence[str] = ("",),
                tail: str = "") -> str:
    """`name`, shortened (`shorten`) to `limit` bytes with room for the longest of `suffixes`,
    such that no `name + suffix` is among the keys `taken` (`name_key`); while one is, a counter
    is added (to the name, or to the hash of a shortened name)."""
    room = None if limit is None else limit - max(len(s.encode("utf-8")) for s in suffixes)
    used = set(taken)
    candidate, counter = shorten(name, room, tail), 1
    while any(name_key(candidate + suffix) in used for suffix in suffixes):
        counter += 1
        if room is not None and len(name.encode("utf-8")) > room:
            candidate = shorten(name, room, tail, salt=str(counter))
        else:
            candidate = shorten(f"{name}_{counter}", room, tail)
    return candidate


@attrs.frozen
class Item:
    """A list item bound to a loop variable inside the query."""

    ref: exp.Expression | None  # the item as a struct; None where its facts are columns of `alias`
    alias: str | None
    path: exp.Expression | None  # the text of its profile path, e.g. 'projects[0]'; None when not known
    unknown_path: str | None = None  # the path of the list, when the list itself is not known
    index: exp.Expression | None = None  # its 0-based position
    collection: str | None = None  # the path of its list, when that is known when compiling
    # field → the column of `alias` holding it, where that is not the field's name (`Postgres.over`)
    columns: Mapping[str, str] = attrs.field(factory=dict, hash=False)

    def field(self, name: str) -> exp.Expression:
        if self.ref is not None:
            return node(exp.Dot, this=self.ref, expression=exp.to_identifier(name, quoted=True))
        assert self.alias is not None
        return exp.column(self.columns.get(name, name), table=self.alias, quoted=True)


def _item_path(path: exp.Expression, position: exp.Expression) -> exp.Expression:
    return concat_text(path, text("["), cast(position, TEXT), text("]"))


class Dialect:
    """DuckDB: the engine that runs batches, and the reference for the other dialects."""

    name = "duckdb"
    lambdas = True
    index_base = 1  # list_transform numbers items from 1
    max_identifier_bytes: int | None = None  # longer names are kept whole
    case_sensitive = False  # `"Revenue"` and `"revenue"` name one column, quoted or not

    def __init__(self) -> None:
        self._names = 0
        # Keys (`name_key`) of every name the query holds: the policy's and the computed columns'.
        # A generated name must be none of them: inside `LAMBDA x1: …` DuckDB reads a column
        # `"x1"` (or `"X1"`) as the parameter, and a PostgreSQL subquery's aliases hide the
        # columns of the same names outside it. The compiler shares its own set here.
        self.taken: set[str] = set()
        self.inputs: set[str] = set()  # keys of the input table's columns (the root facts and `row`)
        # Per loop body being written, innermost last: the values it binds to names (`bind`);
        # None where nothing may be bound (an expression compiled for its shape only).
        self.scopes: list[list[tuple[str, exp.Expression]] | None] = []

    def fresh(self, stem: str) -> str:
        """A new name for a loop variable, an alias or an ordinal: `stem` and a counter."""
        while True:
            self._names += 1
            name = f"{stem}{self._names}"
            if name_key(name) not in self.taken:
                self.taken.add(name_key(name))
                return name

    def shift_amount(self, amount: exp.Expression) -> exp.Expression:
        """The right operand of `<<`."""
        return amount

    def status(self, name: str) -> exp.Expression:
        """A status constant: in DuckDB an ENUM, so no row holds a string until it is written."""
        return cast(text(name), STATUS)

    # ---- lists of strings (unknown paths)
    def strings(self, values: Sequence[str], typ: exp.DataType = TEXT_LIST) -> exp.Expression:
        if not values:
            return cast(exp.Array(expressions=[]), typ)
        return exp.Array(expressions=[text(v) for v in values])

    def names_type(self, names: Sequence[str]) -> exp.DataType:
        """The type of lists drawn from `names`, known when compiling. In DuckDB a list of an ENUM:
        a row's list holds small codes, not strings, and is written about twice as fast."""
        return enum_list(names)

    def concat(self, parts: Sequence[exp.Expression]) -> exp.Expression:
        """Lists joined end to end; a NULL part counts as empty."""
        if len(parts) == 1:
            return parts[0]
        return call("list_concat", *parts)

    def sort_distinct(self, values: exp.Expression) -> exp.Expression:
        return call("list_sort", call("list_distinct", values))

    def sorted_list(self, values: exp.Expression) -> exp.Expression:
        return call("list_sort", values)

    def length(self, values: exp.Expression) -> exp.Expression:
        return call("len", values)

    def contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return call("list_contains", values, value)

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression,
               typ: exp.DataType = TEXT_LIST) -> exp.Expression:
        """The list of strings (lists of `typ`) at a 0-based `index` of a constant table of them."""
        lists = exp.Array(expressions=[exp.Array(expressions=[text(v) for v in row]) for row in table])
        nested = exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[typ.copy()], nested=True)
        return call("list_extract", cast(lists, nested), binary(exp.Add, index, number(1)))

    # ---- values read once
    # Nested, an operation that writes or evaluates an operand twice doubles the query per level:
    # `CASE WHEN a IS NULL … ELSE GREATEST(a, b)` in the text, DuckDB's NULLIF(a, b) (expanded to
    # CASE WHEN a = b THEN NULL ELSE a END) and simple CASE (one `a = …` per branch) when binding,
    # Spark's CAST(COALESCE(a, …) AS DECIMAL) when planning. These forms read each operand once.
    def extreme(self, operation: type[exp.Greatest | exp.Least], values: Sequence[exp.Expression],
                nullable: Sequence[bool], num: tuple[int, int] | None, typ: exp.DataType) -> exp.Expression:
        """GREATEST/LEAST of `values` of type `typ` (DECIMAL(num) where num is given), NULL where
        one of the `nullable` ones is, as min/max are unknown where an argument is (SQL's skip NULLs).

        An unknown number stands in as ±10^(p-s), beyond every value of DECIMAL(p, s), so it wins,
        and is NULL again once back in DECIMAL(p, s) (`unless`); other values are folded (`fold`).
        """
        if num is None or num[0] >= DECIMAL_DIGITS:
            return self.fold(operation, values, typ)
        wide = decimal(num[0] + 1, num[1])
        sentinel = cast(number(("-" if operation is exp.Least else "") + "1" + "0" * (num[0] - num[1])), wide)
        parts = [coalesce(_widened(v, num, wide), sentinel.copy()) if unknown else _widened(v, num, wide)
                 for v, unknown in zip(values, nullable, strict=True)]
        return self.unless(node(operation, this=parts[0], expressions=parts[1:], ignore_nulls=True), sentinel, num)

    def unless(self, value: exp.Expression, sentinel: exp.Expression, num: tuple[int, int]) -> exp.Expression:
        """`value`, a DECIMAL(p + 1, s), as DECIMAL(num) = DECIMAL(p, s); NULL where it is the
        `sentinel` ±10^(p-s): the one value that does not fit."""
        return node(exp.TryCast, this=value, to=decimal(*num), safe=True)

    def fold(self, operation: type[exp.Greatest | exp.Least], values: Sequence[exp.Expression],
             typ: exp.DataType) -> exp.Expression:
        """GREATEST/LEAST of `values` of type `typ`, NULL where one is: a lambda folds them, each read once."""
        acc, var = self.fresh("acc"), self.fresh("v")
        step = _strict_step(operation, acc, var, typ)
        return call("list_reduce", exp.Array(expressions=list(values)), self.lambda_(step, acc, var))

    def decode(self, code: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
        """The constant `values[code]` for a 0-based integer `code` within them."""
        return call("list_extract", exp.Array(expressions=list(values)), binary(exp.Add, code, number(1)))

    # ---- values bound to names in a loop's body
    # A value inside a loop body cannot be a column of the query. Where a long one would be
    # written again (its `IS NULL` guarding its paths, level after level), it is computed once
    # under a name instead, bound around the body: `let`.
    def bind(self, value: exp.Expression) -> exp.Expression | None:
        """A name for `value` in the body of the loop being written; None outside any."""
        if not self.scopes or self.scopes[-1] is None:
            return None
        name = self.fresh("y")
        self.scopes[-1].append((name, value))
        return exp.column(name)

    @contextmanager
    def unbound(self) -> Iterator[None]:
        """No value compiled meanwhile is bound (one compiled for a sample item, for its shape)."""
        self.scopes.append(None)
        try:
            yield
        finally:
            self.scopes.pop()

    def body(self, body: Callable[[Item], exp.Expression], item: Item) -> tuple[exp.Expression,
                                                                                  list[tuple[str, exp.Expression]]]:
        """`body(item)` and the values it bound, in order (each may read those before it)."""
        scope: list[tuple[str, exp.Expression]] = []
        self.scopes.append(scope)
        try:
            return body(item), scope
        finally:
            self.scopes.pop()

    def let(self, value: exp.Expression, bound: Sequence[tuple[str, exp.Expression]]) -> exp.Expression:
        """`value` reading the `bound` values by their names: each a one-item list mapped by a lambda."""
        for name, bound_value in reversed(bound):
            mapped = node(exp.Transform, this=exp.Array(expressions=[bound_value]), expression=self.lambda_(value, name))
            value = self.first(mapped)
        return value

    def first(self, values: exp.Expression) -> exp.Expression:
        return call("list_extract", values, number(1))

    # ---- iteration over list items
    def lambda_(self, body: exp.Expression, *names: str) -> exp.Lambda:
        return node(exp.Lambda, this=body, expressions=[exp.to_identifier(n) for n in names])

    def transform(self, values: exp.Expression, body: Callable[[Item], exp.Expression],
                  path: exp.Expression, fields: Sequence[str]) -> exp.Expression:
        """The list of `body(item)` for the items of `values` (lambda dialects only)."""
        var, index = self.fresh("x"), self.fresh("i")
        position: exp.Expression = exp.column(index)
        if self.index_base:
            position = binary(exp.Sub, position, number(self.index_base))
        collection = path.this if isinstance(path, exp.Literal) and path.is_string else None
        item = Item(exp.column(var), None, _item_path(path, position), None, position, collection)
        value, bound = self.body(body, item)
        return node(exp.Transform, this=values, expression=self.lambda_(self.let(value, bound), var, index))

    def over(self, values: exp.Expression, body: Callable[[Item], exp.Expression], aggregate: Aggregate,
             path: exp.Expression, fields: Sequence[str]) -> exp.Expression:
        """`aggregate` of `body(item)` over the items of `values`: max, sum, any (TRUE/FALSE) or flatten."""
        return self.aggregate(self.transform(values, body, path, fields), aggregate)

    def map_list(self, values: exp.Expression, body: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
        """`body` applied to each element of a list computed earlier in the query."""
        var = self.fresh("s")
        return node(exp.Transform, this=values, expression=self.lambda_(body(exp.column(var)), var))

    def aggregate(self, values: exp.Expression, aggregate: Aggregate) -> exp.Expression:
        if aggregate == "max":
            return call("list_max", values)
        if aggregate == "min":
            return call("list_min", values)
        if aggregate == "sum":
            return call("list_sum", values)
        if aggregate == "any":
            return coalesce(call("list_bool_or", values), exp.false())
        if aggregate == "bit_or":
            return call("list_bit_or", values)
        return call("flatten", values)

    def struct(self, fields: dict[str, exp.Expression]) -> exp.Expression:
        return exp.Struct(expressions=[node(exp.PropertyEQ, this=exp.to_identifier(k), expression=v)
                                       for k, v in fields.items()])

    def field(self, struct: exp.Expression, name: str) -> exp.Expression:
        return node(exp.Dot, this=struct, expression=exp.to_identifier(name))

    # ---- numbers
    def divide(self, left: exp.Expression, right: exp.Expression, left_scale: int, right_scale: int,
               scale: int, result: tuple[int, int], precisions: tuple[int, int] = (0, 0)) -> exp.Expression:
        """left / right, exact to `scale` decimals (truncated); right is not zero; `precisions`
        are the operands' DECIMAL precisions.

        DuckDB divides DECIMALs in DOUBLE, so the quotient is computed on the unscaled 128-bit
        integers, (L · 10^(scale + s_right - s_left)) // R, and given its scale back.
        """
        numerator = _unscaled(left, left_scale, precisions[0])
        shift = scale + right_scale - left_scale
        if shift > 0:
            numerator = binary(exp.Mul, numerator, cast(number(10**shift), HUGEINT))
        quotient = binary(exp.IntDiv, numerator, _unscaled(right, right_scale, precisions[1]))
        unit = cast(number(_power_of_ten(-scale)), decimal(scale + 1, scale))
        return cast(binary(exp.Mul, cast(quotient, decimal(38, 0)), unit), decimal(*result))


def _widened(value: exp.Expression, num: tuple[int, int], wide: exp.DataType) -> exp.Expression:
    """A DECIMAL(num) value as DECIMAL(wide), of the same scale: one cast rather than two."""
    if type(value) is exp.Cast and value.args["to"] == decimal(*num):  # not TRY_CAST: it may give NULL
        return cast(value.this, wide)
    return cast(value, wide)


def _strict_step(operation: type[exp.Greatest | exp.Least], acc: str, var: str, typ: exp.DataType) -> exp.Expression:
    """`acc` and `var` combined by GREATEST/LEAST; NULL (of type `typ`: Spark resolves an untyped
    NULL in a lambda one more round a level, and stops at 100) where either is."""
    either = any_of(is_null(exp.column(acc)), is_null(exp.column(var)))
    picked = node(operation, this=exp.column(acc), expressions=[exp.column(var)])
    return case((either, cast(exp.Null(), typ)), default=picked)


def _power_of_ten(power: int) -> str:
    """10^power as plain decimal text: 1000, 0.001."""
    if power >= 0:
        return "1" + "0" * power
    return "0." + "0" * (-power - 1) + "1"


def _unscaled(value: exp.Expression, scale: int, precision: int = 0) -> exp.Expression:
    """The integer a DECIMAL(precision, scale) stores (value · 10^scale), as a 128-bit integer.

    DuckDB keeps the scale in `value · 10^scale`, which then needs precision + scale digits; where
    that exceeds 38 (a quotient of a quotient: DECIMAL(30, 18)), the whole part and the fraction
    are scaled apart, each within 38 digits."""
    if not scale:
        return cast(value, HUGEINT)
    wide = cast(value, decimal(38, scale))
    if precision + scale <= 38:
        return cast(binary(exp.Mul, wide, number(10**scale)), HUGEINT)
    whole = call("trunc", wide)
    fraction = binary(exp.Mul, binary(exp.Sub, wide.copy(), whole.copy()), number(10**scale))
    return binary(exp.Add, binary(exp.Mul, cast(whole, HUGEINT), cast(number(10**scale), HUGEINT)),
                  cast(fraction, HUGEINT))


class Spark(Dialect):
    """Spark SQL: higher-order functions; a NULL array poisons concat and flatten, so coalesce."""

    name = "spark"
    index_base = 0

    def status(self, name: str) -> exp.Expression:
        return text(name)

    def concat(self, parts: Sequence[exp.Expression]) -> exp.Expression:
        if len(parts) == 1:
            return parts[0]
        return call("concat", *(coalesce(p, self.strings([])) for p in parts))

    def sort_distinct(self, values: exp.Expression) -> exp.Expression:
        return call("array_sort", call("array_distinct", values))

    def sorted_list(self, values: exp.Expression) -> exp.Expression:
        return call("array_sort", values)

    def length(self, values: exp.Expression) -> exp.Expression:
        return call("size", values)

    def names_type(self, names: Sequence[str]) -> exp.DataType:
        return TEXT_LIST

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression,
               typ: exp.DataType = TEXT_LIST) -> exp.Expression:
        lists = call("array", *(call("array", *(text(v) for v in row)) for row in table))
        return call("element_at", lists, cast(binary(exp.Add, index, number(1)), INT))  # an INT, not the mask's BIGINT

    def decode(self, code: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
        return call("element_at", call("array", *values), cast(binary(exp.Add, code, number(1)), INT))

    def first(self, values: exp.Expression) -> exp.Expression:
        return call("element_at", values, number(1))

    def extreme(self, operation: type[exp.Greatest | exp.Least], values: Sequence[exp.Expression],
                nullable: Sequence[bool], num: tuple[int, int] | None, typ: exp.DataType) -> exp.Expression:
        return self.fold(operation, values, typ)  # no sentinel: CAST(COALESCE(…)) nested plans in exponential time

    def fold(self, operation: type[exp.Greatest | exp.Least], values: Sequence[exp.Expression],
             typ: exp.DataType) -> exp.Expression:
        # aggregate(rest, first, step): the step keeps the first value's type, as Spark wants.
        acc, var = self.fresh("acc"), self.fresh("v")
        return call("aggregate", call("array", *values[1:]), values[0],
                    self.lambda_(_strict_step(operation, acc, var, typ), acc, var))

    def contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return call("array_contains", values, value)

    def aggregate(self, values: exp.Expression, aggregate: Aggregate) -> exp.Expression:
        if aggregate == "max":
            return call("array_max", values)
        if aggregate == "min":
            return call("array_min", values)
        if aggregate == "bit_or":
            # Spark wants the step to give the start's type: both BIGINT, for masks and for flags.
            acc, var = self.fresh("acc"), self.fresh("f")
            step: exp.Expression = node(exp.BitwiseOr, this=exp.column(acc),
                                        expression=cast(coalesce(exp.column(var), number(0)), BIGINT))
            return call("aggregate", values, cast(number(0), BIGINT), self.lambda_(step, acc, var))
        if aggregate == "any":
            var = self.fresh("b")
            return call("exists", values, self.lambda_(coalesce(exp.column(var), exp.false()), var))
        if aggregate == "sum":
            acc, var = self.fresh("acc"), self.fresh("v")
            total = decimal(38, 10)
            step = case((is_null(exp.column(var)), exp.column(acc)),
                        (is_null(exp.column(acc)), cast(exp.column(var), total)),
                        default=cast(binary(exp.Add, exp.column(acc), exp.column(var)), total))
            return call("aggregate", values, cast(exp.Null(), total), self.lambda_(step, acc, var))
        var = self.fresh("u")
        empty = coalesce(exp.column(var), self.strings([]))
        return call("flatten", node(exp.Transform, this=values, expression=self.lambda_(empty, var)))

    def struct(self, fields: dict[str, exp.Expression]) -> exp.Expression:
        args: list[exp.Expression] = []
        for key, value in fields.items():
            args.extend((text(key), value))
        return call("named_struct", *args)

    def divide(self, left: exp.Expression, right: exp.Expression, left_scale: int, right_scale: int,
               scale: int, result: tuple[int, int], precisions: tuple[int, int] = (0, 0)) -> exp.Expression:
        # Spark divides DECIMALs exactly, to the scale of the result type.
        return cast(binary(exp.Div, cast(left, decimal(38, scale)), right), decimal(*result))


class Postgres(Spark):
    """PostgreSQL: no lambdas; a list is iterated by a subquery over unnest(...) WITH ORDINALITY."""

    name = "postgres"
    lambdas = False
    index_base = 1
    # NAMEDATALEN - 1: PostgreSQL keeps the first 63 bytes of a name, quoted or not, so longer
    # names are shortened here (`shorten`) rather than truncated there into collisions. Bytes
    # are counted in UTF-8 (a server in GBK takes two bytes for a Chinese character, not three).
    max_identifier_bytes = 63
    case_sensitive = True  # for quoted names, which the query's all are

    def concat(self, parts: Sequence[exp.Expression]) -> exp.Expression:
        result = parts[0]
        for part in parts[1:]:
            result = call("array_cat", result, part)  # a NULL array counts as empty
        return result

    def sort_distinct(self, values: exp.Expression) -> exp.Expression:
        var = self.fresh("p")
        query = (exp.select(exp.column(var)).distinct().from_(_unnest(values, var, [var]))
                 .order_by(exp.column(var)))
        return exp.Array(expressions=[query])

    def sorted_list(self, values: exp.Expression) -> exp.Expression:
        var = self.fresh("p")
        query = exp.select(exp.column(var)).from_(_unnest(values, var, [var])).order_by(exp.column(var))
        return exp.Array(expressions=[query])

    def length(self, values: exp.Expression) -> exp.Expression:
        return call("cardinality", values)

    # PostgreSQL has no TRY_CAST, and its NULLIF reads its operand once.
    def unless(self, value: exp.Expression, sentinel: exp.Expression, num: tuple[int, int]) -> exp.Expression:
        return cast(node(exp.Nullif, this=value, expression=sentinel), decimal(*num))

    def fold(self, operation: type[exp.Greatest | exp.Least], values: Sequence[exp.Expression],
             typ: exp.DataType) -> exp.Expression:
        # (SELECT CASE WHEN bool_or(v IS NULL) THEN NULL ELSE max(v) END FROM (VALUES (a), (b)) AS t(v))
        alias, var = self.fresh("t"), self.fresh("v")
        rows = exp.Values(expressions=[exp.Tuple(expressions=[v]) for v in values],
                          alias=exp.TableAlias(this=exp.to_identifier(alias), columns=[exp.to_identifier(var)]))
        column = exp.column(var, table=alias)
        picked = case((call("bool_or", is_null(column)), exp.Null()),
                      default=call("max" if operation is exp.Greatest else "min", column.copy()))
        return exp.Subquery(this=exp.select(picked).from_(rows))

    def decode(self, code: exp.Expression, values: Sequence[exp.Expression]) -> exp.Expression:
        return node(exp.Case, this=code, ifs=[exp.If(this=number(k), true=v) for k, v in enumerate(values)])

    def shift_amount(self, amount: exp.Expression) -> exp.Expression:
        return cast(amount, INT)  # there is no `bigint << bigint`, and an ordinality is a bigint

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression,
               typ: exp.DataType = TEXT_LIST) -> exp.Expression:
        # PostgreSQL arrays of arrays must be rectangular: choose the list with a CASE instead.
        return node(exp.Case, this=index, ifs=[exp.If(this=number(k), true=self.strings(row))
                                               for k, row in enumerate(table)])

    def contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        # `value = ANY(values)`: PostgreSQL wants the array in parentheses, and `(ANY …)` is no operand.
        return exp.EQ(this=wrap(value), expression=exp.Any(this=exp.Paren(this=values)))

    def over(self, values: exp.Expression, body: Callable[[Item], exp.Expression], aggregate: Aggregate,
             path: exp.Expression, fields: Sequence[str]) -> exp.Expression:
        alias, ordinal = self.fresh("t"), self.fresh("i")
        # The item's columns are named after its fields, but for a field named as a root fact:
        # it would hide the fact from the subquery. (Computed columns avoid every field's name.)
        columns = {name: self.fresh("c") if name_key(name) in self.inputs else name for name in fields}
        position = binary(exp.Sub, exp.column(ordinal, table=alias), number(1))
        collection = path.this if isinstance(path, exp.Literal) and path.is_string else None
        value, bound = self.body(body, Item(None, alias, _item_path(path, position), None, position, collection,
                                            columns))
        # The values the body binds are columns of LATERAL subqueries beside the items.
        joins = [exp.Join(this=exp.Lateral(this=exp.select(exp.alias_(v, name)).subquery(),
                                           alias=exp.TableAlias(this=exp.to_identifier(name))), kind="CROSS")
                 for name, v in bound]
        source = _unnest(values, alias, list(columns.values()), ordinal)
        if aggregate == "flatten":
            return exp.Array(expressions=[_joined(exp.select(call("unnest", value)).from_(source), joins)])
        if not any(column.table == alias for column in value.find_all(exp.Column)):
            # An aggregate of outer columns only belongs to the outer query in PostgreSQL (which
            # then wants them grouped): read the item's ordinal, never NULL, to keep it here.
            value = case((negate(is_null(exp.column(ordinal, table=alias))), value))
        selected = coalesce(call("bool_or", value), exp.false()) if aggregate == "any" else call(aggregate, value)
        return exp.Subquery(this=_joined(exp.select(selected).from_(source), joins))


def _joined(select: exp.Select, joins: list[exp.Join]) -> exp.Select:
    if joins:
        select.set("joins", joins)
    return select


def _unnest(values: exp.Expression, alias: str, columns: list[str], ordinal: str | None = None) -> exp.Unnest:
    return exp.Unnest(expressions=[values],
                      alias=exp.TableAlias(this=exp.to_identifier(alias),
                                           columns=[exp.to_identifier(c, quoted=True) for c in columns]),
                      offset=exp.to_identifier(ordinal) if ordinal else None)


def dialect_for(name: str) -> Dialect:
    """The dialect named: duckdb, spark or postgres."""
    if name == "spark":
        return Spark()
    if name == "postgres":
        return Postgres()
    if name == "duckdb":
        return Dialect()
    raise ValueError(f"unknown SQL dialect {name!r}: choose one of {', '.join(NAMES)}")
