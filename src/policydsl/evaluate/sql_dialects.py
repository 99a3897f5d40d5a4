"""What differs between the SQL dialects the batch query is written in: lists, lambdas, division.

The compiler (`sql_expressions.py`, `sql.py`) asks a `Dialect` for every list operation and for
exact division, and builds everything else from dialect-neutral sqlglot nodes. DuckDB and Spark
iterate over lists with lambdas (`list_transform`, `transform`); PostgreSQL has none, so there a
list is iterated by a correlated subquery over `unnest(...) WITH ORDINALITY`.

A sqlglot node has one parent, so every builder here copies the nodes it is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, TypeVar

import attrs
from sqlglot import exp

Aggregate = Literal["max", "sum", "any", "flatten", "bit_or"]
E = TypeVar("E", bound=exp.Expression)
NAMES = ("duckdb", "spark", "postgres")


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


def negate(value: exp.Expression) -> exp.Expression:
    return node(exp.Not, this=value)


def call(name: str, *args: exp.Expression) -> exp.Expression:
    """A function call kept as written (sqlglot does not rename anonymous functions)."""
    return node(exp.Anonymous, this=name, expressions=list(args))


def cast(expr: exp.Expression, to: exp.DataType) -> exp.Cast:
    return node(exp.Cast, this=expr, to=to.copy())  # types are shared constants: never give them a parent


def decimal(precision: int, scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({precision}, {scale})")


def number(value: int | str) -> exp.Expression:
    return exp.Literal.number(value)


def text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


TEXT = exp.DataType.build("TEXT")
STATUSES = ("eligible", "not_eligible", "undetermined", "not_in_force", "not_applicable")
STATUS = exp.DataType(this=exp.DataType.Type.ENUM, expressions=[text(s) for s in STATUSES])
TEXT_LIST = exp.DataType.build("ARRAY<TEXT>")
HUGEINT = exp.DataType.build("INT128")
INT = exp.DataType.build("INT")


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

    def field(self, name: str) -> exp.Expression:
        if self.ref is not None:
            return node(exp.Dot, this=self.ref, expression=exp.to_identifier(name, quoted=True))
        assert self.alias is not None
        return exp.column(name, table=self.alias, quoted=True)


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

    def fresh(self, stem: str) -> str:
        self._names += 1
        return f"{stem}{self._names}"

    def shift_amount(self, amount: exp.Expression) -> exp.Expression:
        """The right operand of `<<`."""
        return amount

    def status(self, name: str) -> exp.Expression:
        """A status constant: in DuckDB an ENUM, so no row holds a string until it is written."""
        return cast(text(name), STATUS)

    # ---- lists of strings (unknown paths)
    def strings(self, values: Sequence[str]) -> exp.Expression:
        if not values:
            return cast(exp.Array(expressions=[]), TEXT_LIST)
        return exp.Array(expressions=[text(v) for v in values])

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

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression) -> exp.Expression:
        """The list of strings at a 0-based `index` of a constant table of them."""
        lists = exp.Array(expressions=[exp.Array(expressions=[text(v) for v in row]) for row in table])
        nested = exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[TEXT_LIST.copy()], nested=True)
        return call("list_extract", cast(lists, nested), binary(exp.Add, index, number(1)))

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
        return node(exp.Transform, this=values, expression=self.lambda_(body(item), var, index))

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
               scale: int, result: tuple[int, int]) -> exp.Expression:
        """left / right, exact to `scale` decimals (truncated); right is not zero.

        DuckDB divides DECIMALs in DOUBLE, so the quotient is computed on the unscaled 128-bit
        integers, (L · 10^(scale + s_right - s_left)) // R, and given its scale back.
        """
        numerator = _unscaled(left, left_scale)
        shift = scale + right_scale - left_scale
        if shift > 0:
            numerator = binary(exp.Mul, numerator, cast(number(10**shift), HUGEINT))
        quotient = binary(exp.IntDiv, numerator, _unscaled(right, right_scale))
        unit = cast(number(_power_of_ten(-scale)), decimal(scale + 1, scale))
        return cast(binary(exp.Mul, cast(quotient, decimal(38, 0)), unit), decimal(*result))


def _power_of_ten(power: int) -> str:
    """10^power as plain decimal text: 1000, 0.001."""
    if power >= 0:
        return "1" + "0" * power
    return "0." + "0" * (-power - 1) + "1"


def _unscaled(value: exp.Expression, scale: int) -> exp.Expression:
    """The integer a DECIMAL of this scale stores (value · 10^scale), as a 128-bit integer."""
    if scale:
        value = binary(exp.Mul, cast(value, decimal(38, scale)), number(10**scale))
    return cast(value, HUGEINT)


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

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression) -> exp.Expression:
        lists = call("array", *(call("array", *(text(v) for v in row)) for row in table))
        return call("element_at", lists, binary(exp.Add, index, number(1)))

    def contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return call("array_contains", values, value)

    def aggregate(self, values: exp.Expression, aggregate: Aggregate) -> exp.Expression:
        if aggregate == "max":
            return call("array_max", values)
        if aggregate == "bit_or":
            acc, var = self.fresh("acc"), self.fresh("f")
            step: exp.Expression = node(exp.BitwiseOr, this=exp.column(acc),
                                        expression=coalesce(exp.column(var), number(0)))
            return call("aggregate", values, number(0), self.lambda_(step, acc, var))
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
               scale: int, result: tuple[int, int]) -> exp.Expression:
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

    def shift_amount(self, amount: exp.Expression) -> exp.Expression:
        return cast(amount, INT)  # there is no `bigint << bigint`, and an ordinality is a bigint

    def lookup(self, table: Sequence[Sequence[str]], index: exp.Expression) -> exp.Expression:
        # PostgreSQL arrays of arrays must be rectangular: choose the list with a CASE instead.
        return node(exp.Case, this=index, ifs=[exp.If(this=number(k), true=self.strings(row))
                                               for k, row in enumerate(table)])

    def contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return binary(exp.EQ, value, node(exp.Any, this=values))

    def over(self, values: exp.Expression, body: Callable[[Item], exp.Expression], aggregate: Aggregate,
             path: exp.Expression, fields: Sequence[str]) -> exp.Expression:
        alias, ordinal = self.fresh("t"), self.fresh("i")
        position = binary(exp.Sub, exp.column(ordinal, table=alias), number(1))
        collection = path.this if isinstance(path, exp.Literal) and path.is_string else None
        value = body(Item(None, alias, _item_path(path, position), None, position, collection))
        source = _unnest(values, alias, list(fields), ordinal)
        if aggregate == "flatten":
            return exp.Array(expressions=[exp.select(call("unnest", value)).from_(source)])
        selected = coalesce(call("bool_or", value), exp.false()) if aggregate == "any" else call(aggregate, value)
        return exp.Subquery(this=exp.select(selected).from_(source))


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
