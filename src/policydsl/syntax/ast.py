"""The abstract syntax of .pol files: frozen attrs nodes whose spans stay out of equality."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs

from policydsl.diagnostics import Span


def _span() -> Span | None:
    # Spans are positions, not meaning: `parse(fmt(x)) == parse(x)` must ignore them.
    span: Span | None = attrs.field(default=None, eq=False, hash=False, repr=False)
    return span


# ---- expressions -----------------------------------------------------------------------


@attrs.frozen
class MoneyLit:
    amount: Decimal
    unit: str  # 元 | 万元 | 亿元, as written
    span: Span | None = _span()


@attrs.frozen
class PercentLit:
    percent: Decimal  # 30 for `30%`
    span: Span | None = _span()


@attrs.frozen
class PointsLit:
    """Points (分) of a score: `15分`, `0.5分`."""

    value: Decimal
    span: Span | None = _span()


@attrs.frozen
class NumberLit:
    value: Decimal
    is_integer: bool
    span: Span | None = _span()


@attrs.frozen
class DateLit:
    value: datetime.date
    span: Span | None = _span()


@attrs.frozen
class StringLit:
    value: str
    span: Span | None = _span()


@attrs.frozen
class BoolLit:
    value: bool
    span: Span | None = _span()


@attrs.frozen
class Name:
    """A possibly dotted name: a fact, definition, parameter, loop variable or enum value."""

    parts: tuple[str, ...]
    span: Span | None = _span()

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@attrs.frozen
class Call:
    function: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


UnaryOp = Literal["not", "-"]
BinaryOp = Literal["and", "or", "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">="]


@attrs.frozen
class Unary:
    op: UnaryOp
    operand: Expr
    span: Span | None = _span()


@attrs.frozen
class Binary:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span | None = _span()


@attrs.frozen
class SetLit:
    items: tuple[Expr, ...]
    span: Span | None = _span()


@attrs.frozen
class Member:
    """`x in {a, b}` (or `x not in {…}`)."""

    value: Expr
    options: SetLit
    negated: bool
    span: Span | None = _span()


@attrs.frozen
class If:
    """`if condition then value else value`."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span | None = _span()


@attrs.frozen
class Quantified:
    """`any p in projects: (…)` / `all p in projects: (…)`."""

    quantifier: Literal["any", "all"]
    var: str
    collection: Expr
    body: Expr
    span: Span | None = _span()
    where: Expr | None = None  # `any p in xs where (f): (body)`: only the items where f holds


@attrs.frozen
class Aggregate:
    """`count p in xs where (f)`, `sum r in xs where (f): (v)`, `max i in xs: (v) default (d)`."""

    op: Literal["count", "sum", "min", "max"]
    var: str
    collection: Expr
    where: Expr | None
    value: Expr | None  # None for count
    default: Expr | None  # min/max: required by the checker (PD135)
    span: Span | None = _span()


@attrs.frozen
class Today:
    """`today`: the evaluation day."""

    span: Span | None = _span()


DurationUnit = Literal["year", "month", "day"]


@attrs.frozen
class DurationLit:
    """`3 years`, `1 month`, `30 days`: `count` of `unit` (singular), with the word as written."""

    count: int
    unit: DurationUnit
    word: str  # years | year | months | …, kept so the formatter writes it back
    span: Span | None = _span()


@attrs.frozen
class Between:
    """`x between low and high`, both ends included."""

    value: Expr
    low: Expr
    high: Expr
    span: Span | None = _span()


@attrs.frozen
class Index:
    """`revenue[year(today) - 1]`: one year of a series."""

    series: Name
    year: Expr
    span: Span | None = _span()


@attrs.frozen
class BandRow:
    """`[3%, 5%) => 15分`: the edges (None where unbounded, `..`), whether each is included, the value."""

    low: Expr | None
    low_closed: bool
    high: Expr | None
    high_closed: bool
    value: Expr
    span: Span | None = _span()


@attrs.frozen
class Band:
    """`band rd_ratio { [5%, ..) => 20分 … }`: the value of the row the subject falls in."""

    subject: Expr
    rows: tuple[BandRow, ...]
    span: Span | None = _span()


Expr: TypeAlias = (
    MoneyLit
    | PointsLit
    | Band
    | PercentLit
    | NumberLit
    | DateLit
    | StringLit
    | BoolLit
    | Name
    | Call
    | Unary
    | Binary
    | SetLit
    | Member
    | Quantified
    | If
    | Aggregate
    | Today
    | DurationLit
    | Between
    | Index
)

COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/"})

# ---- declarations ----------------------------------------------------------------------


@attrs.frozen
class Bound:
    kind: Literal["date", "open", "unknown", "year"]
    date: datetime.date | None = None
    span: Span | None = _span()
    year: int | None = None  # `valid from 2022`: a bound known only to its year
    day: str | None = None  # `2022 day sanmenxia.issued_on`: the date parameter that gives the day


@attrs.frozen
class Window:
    start: Bound
    end: Bound
    span: Span | None = _span()


@attrs.frozen
class PolicyHeader:
    id: str
    title: str | None = None
    issuer: str | None = None
    number: str | None = None
    issued: Bound | None = None
    window: Window | None = None
    source: str | None = None
    span: Span | None = _span()


@attrs.frozen
class Import:
    path: str
    span: Span | None = _span()


@attrs.frozen
class EnumValue:
    name: str
    label: str | None
    span: Span | None = _span()


@attrs.frozen
class EnumDecl:
    name: str
    label: str
    ordered: bool
    values: tuple[EnumValue, ...]
    span: Span | None = _span()


@attrs.frozen
class TypeExpr:
    kind: Literal["simple", "set", "list", "series"]
    name: str
    span: Span | None = _span()


@attrs.frozen
class FactDecl:
    name: str
    label: str
    type: TypeExpr
    minimum: Decimal | None = None
    span: Span | None = _span()
    maximum: Decimal | None = None  # `integer 0..4`: the range's inclusive upper end


@attrs.frozen
class EntityDecl:
    name: str
    label: str
    facts: tuple[FactDecl, ...]
    span: Span | None = _span()


@attrs.frozen
class DefineDecl:
    name: str
    label: str | None
    expr: Expr
    span: Span | None = _span()


@attrs.frozen
class ParamDecl:
    name: str
    label: str
    type: TypeExpr
    default: Expr | None = None
    span: Span | None = _span()
    minimum: Decimal | None = None  # `: money >= 0`, as a fact's
    maximum: Decimal | None = None  # `: integer 0..15`, as a fact's


@attrs.frozen
class TableRow:
    key: str | None  # None is the `unknown` row
    agencies: tuple[str, ...]
    span: Span | None = _span()


@attrs.frozen
class TableDecl:
    name: str
    label: str
    key: Expr
    rows: tuple[TableRow, ...]
    span: Span | None = _span()


@attrs.frozen
class Agency:
    """A fixed agency name, or the rows of an agency table, optionally under a condition."""

    name: str | None
    table: str | None
    when: Expr | None = None
    span: Span | None = _span()


@attrs.frozen
class Condition:
    name: str
    label: str | None
    expr: Expr
    span: Span | None = _span()


@attrs.frozen
class ForEach:
    var: str
    collection: Expr
    span: Span | None = _span()


@attrs.frozen
class Match:
    """`match national_fund_received at 1:1`: matching funds at a ratio."""

    base: Expr
    numerator: int
    denominator: int
    span: Span | None = _span()


@attrs.frozen
class Benefit:
    id: str
    kind: str
    label: str
    base: str | None = None  # `from MEASURE.BENEFIT`: reuse another policy's benefit
    for_each: ForEach | None = None
    when: Expr | None = None
    amount: Expr | None = None
    cap: Expr | None = None
    match: Match | None = None
    reference: str | None = None
    quotes: tuple[str, ...] = ()
    span: Span | None = _span()
    kind_span: Span | None = _span()
    base_span: Span | None = _span()


@attrs.frozen
class Target:
    id: str
    label: str
    when: Expr | None
    require: Expr | None
    quotes: tuple[str, ...] = ()
    span: Span | None = _span()


@attrs.frozen
class AmendSet:
    target: str
    value: Expr
    span: Span | None = _span()


@attrs.frozen
class Amendment:
    id: str
    label: str
    when: Expr
    sets: tuple[AmendSet, ...]
    span: Span | None = _span()
    over: tuple[Name, ...] = ()  # the amendments this one prevails over where both hold


@attrs.frozen
class Indicator:
    name: str
    label: str
    expr: Expr
    span: Span | None = _span()


@attrs.frozen
class ScoreGroup:
    name: str
    label: str
    floor: Expr | None
    indicators: tuple[Indicator, ...]
    span: Span | None = _span()


@attrs.frozen
class Score:
    """`score "…" { group … { indicator … } … }` or ungrouped `score "…" { indicator … }`."""

    label: str
    groups: tuple[ScoreGroup, ...]
    indicators: tuple[Indicator, ...]  # those outside any group
    span: Span | None = _span()


@attrs.frozen
class Measure:
    id: str
    title: str
    ref: str | None = None
    quotes: tuple[str, ...] = ()
    guidance: tuple[str, ...] = ()
    window: Window | None = None
    agencies: tuple[Agency, ...] = ()
    conditions: tuple[Condition, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    targets: tuple[Target, ...] = ()
    directives: tuple[str, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    span: Span | None = _span()
    version: str | None = None  # `measure srdi "…" version "2022"`
    score: Score | None = None


@attrs.frozen
class Goal:
    id: str
    label: str
    count: Expr
    at_least: int
    by: datetime.date | None = None
    span: Span | None = _span()


@attrs.frozen
class Expect:
    measure: str
    status: str
    total: Expr | None = None
    no_total: bool = False
    at_most: Expr | None = None
    unknowns: tuple[str, ...] | None = None
    span: Span | None = _span()
    status_span: Span | None = _span()
    version: str | None = None  # `version "2022"`
    no_version: bool = False  # `version none`
    score: tuple[Decimal, Decimal] | None = None  # `score 75分` (both equal) or `score 46分..61分`
    no_score: bool = False  # `score none`
    subtotals: tuple[tuple[str, Decimal, Decimal], ...] = ()  # `subtotal innovation 30分`


@attrs.frozen
class ExampleParam:
    name: str
    value: Expr
    span: Span | None = _span()


@attrs.frozen
class Example:
    id: str
    label: str | None
    profile: str | None = None
    as_of: datetime.date | None = None
    params: tuple[ExampleParam, ...] = ()
    expects: tuple[Expect, ...] = ()
    span: Span | None = _span()
    profile_span: Span | None = _span()


Declaration: TypeAlias = (
    PolicyHeader
    | Import
    | EnumDecl
    | EntityDecl
    | DefineDecl
    | ParamDecl
    | TableDecl
    | Measure
    | Amendment
    | Goal
    | Example
)


@attrs.frozen
class Comment:
    text: str  # including the leading '#'
    span: Span | None = _span()


@attrs.frozen
class Module:
    """One parsed .pol file."""

    items: tuple[Declaration, ...]
    comments: tuple[Comment, ...] = attrs.field(default=(), eq=False)
    span: Span | None = _span()
    # Names declared in parts of the file that could not be read (a syntax error, PD117): the
    # checker does not call their uses unknown, which would only repeat the first error.
    unparsed: tuple[str, ...] = attrs.field(default=(), eq=False)
