"""The checked policy: resolved schema, typed expressions and measures that evaluation consumes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs

from policydsl.diagnostics import Source, Span
from policydsl.prepared import Prepared
from policydsl.values import Money

TypeKind = Literal[
    "bool", "integer", "decimal", "money", "ratio", "date", "text", "enum", "set", "list", "entity", "series",
    "duration", "points",
]
SCALAR_TYPES: tuple[str, ...] = ("bool", "integer", "decimal", "money", "ratio", "date", "text", "points")
BENEFIT_KINDS: dict[str, str] = {
    "grant": "a sum of money computed by a formula, optionally capped",
    "matching": "matching funds: a ratio of another amount (`match X at 1:1`)",
    "reward": "a reward set by another document (`reference \"…\"`), amount not stated here",
    "service": "a non-monetary service",
    "priority": "priority or preferential treatment, non-monetary",
    "designation": "a title or designation granted (创新型中小企业, 专精特新…), no money: total null",
}
OUTCOME_FUNCTIONS = ("score", "subtotal", "floors_met", "eligible")
STATUSES = ("eligible", "not_eligible", "undetermined", "not_in_force", "not_applicable")


def _span() -> Span | None:
    span: Span | None = attrs.field(default=None, eq=False, hash=False, repr=False)
    return span


@attrs.frozen
class EnumType:
    name: str
    label: str
    ordered: bool
    values: tuple[str, ...]
    labels: tuple[str | None, ...]
    span: Span | None = _span()

    def rank(self, value: str) -> int:
        return self.values.index(value)

    def label_of(self, value: str) -> str | None:
        return self.labels[self.values.index(value)]


@attrs.frozen
class Type:
    kind: TypeKind
    enum: EnumType | None = None
    entity: str | None = None  # for `list of E` and entity-typed loop variables
    element: str | None = None  # for `series of money`: the kind of each year's value

    def element_type(self) -> Type:
        """The type of one year's value of a series."""
        return Type(self.element or "decimal")  # type: ignore[arg-type] # one of SERIES_ELEMENTS

    def __str__(self) -> str:
        if self.kind == "series":
            return f"series of {self.element}"
        if self.kind == "enum" and self.enum:
            return f"{'ordered ' if self.enum.ordered else ''}enum {self.enum.name}"
        if self.kind == "set" and self.enum:
            return f"set of {self.enum.name}"
        if self.kind in ("list", "entity"):
            return f"{'list of ' if self.kind == 'list' else ''}{self.entity}"
        return self.kind


BOOL = Type("bool")
INTEGER = Type("integer")
DECIMAL = Type("decimal")
MONEY = Type("money")
RATIO = Type("ratio")
POINTS = Type("points")  # points (分) of a score: an exact Decimal, a unit of its own
DATE = Type("date")
TEXT = Type("text")
DURATION = Type("duration")
SERIES_ELEMENTS = ("money", "decimal", "integer", "ratio", "points")  # what a series may hold, one per year
NUMERIC = frozenset({"integer", "decimal"})


@attrs.frozen
class Fact:
    name: str
    label: str
    type: Type
    entity: str
    minimum: Decimal | None = None
    span: Span | None = _span()
    maximum: Decimal | None = None  # `integer 0..4`: inclusive; money in 万元, as the minimum


@attrs.frozen
class Entity:
    name: str
    label: str
    facts: tuple[Fact, ...]
    span: Span | None = _span()

    def fact(self, name: str) -> Fact | None:
        for fact in self.facts:
            if fact.name == name:
                return fact
        return None


@attrs.frozen
class Schema:
    root: Entity
    entities: dict[str, Entity]
    enums: dict[str, EnumType]


# ---- typed expressions -----------------------------------------------------------------
# Every node knows its type and keeps the span of the text it came from, so explanations
# can quote the clause exactly as written.


@attrs.frozen
class Const:
    value: object
    type: Type
    span: Span | None = _span()


@attrs.frozen
class FactRef:
    """A fact of the root entity, e.g. `srdi_level`."""

    fact: Fact
    type: Type
    span: Span | None = _span()


@attrs.frozen
class FieldRef:
    """A fact of the item bound to a loop variable, e.g. `p.investment`."""

    var: str
    fact: Fact
    type: Type
    span: Span | None = _span()


@attrs.frozen
class VarRef:
    var: str
    type: Type
    span: Span | None = _span()


@attrs.frozen
class DefRef:
    name: str
    type: Type
    span: Span | None = _span()


@attrs.frozen
class CondRef:
    """A named condition of the measure being evaluated."""

    measure: str
    name: str
    type: Type
    span: Span | None = _span()


@attrs.frozen
class ParamRef:
    name: str
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Not:
    operand: TExpr
    type: Type = BOOL
    span: Span | None = _span()


@attrs.frozen
class Neg:
    operand: TExpr
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Logic:
    op: Literal["and", "or"]
    items: tuple[TExpr, ...]
    type: Type = BOOL
    span: Span | None = _span()


@attrs.frozen
class Arith:
    op: Literal["+", "-", "*", "/"]
    left: TExpr
    right: TExpr
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Compare:
    op: Literal["=", "!=", "<", "<=", ">", ">="]
    left: TExpr
    right: TExpr
    operand_type: Type
    type: Type = BOOL
    span: Span | None = _span()


@attrs.frozen
class In:
    value: TExpr
    options: tuple[object, ...]
    negated: bool
    type: Type = BOOL
    span: Span | None = _span()


@attrs.frozen
class Quant:
    quantifier: Literal["any", "all"]
    var: str
    collection: TExpr
    body: TExpr
    type: Type = BOOL
    span: Span | None = _span()


@attrs.frozen
class Aggregate:
    """A list aggregate (semantics.md §6 "List aggregates"): `count p in xs where (f)`,
    `sum r in xs where (f): (v)`, `min`/`max … : (v) default (d)`. `any`/`all` with `where` are
    `Quant`s whose body the checker joins with the filter. Unknown items make bounded unknowns."""

    op: Literal["count", "sum", "min", "max"]
    var: str
    collection: TExpr
    where: TExpr | None
    value: TExpr | None  # None for count
    default: TExpr | None  # min/max only (the checker requires it)
    type: Type
    span: Span | None = _span()


@attrs.frozen
class RecordRef:
    """A field of a fact of the root entity whose type is an entity (a record):
    `niche_market.share_domestic`; absent record or field: unknown, named by that path."""

    record: Fact
    fact: Fact
    type: Type
    span: Span | None = _span()


@attrs.frozen
class If:
    """`if condition then value else value`: `semantics.choose`."""

    condition: TExpr
    then: TExpr
    otherwise: TExpr
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Func:
    """A built-in function: min, max, count, contains."""

    name: str
    args: tuple[TExpr, ...]
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Today:
    """`today`: the evaluation day (the `as of` day of the evaluation)."""

    type: Type = DATE
    span: Span | None = _span()


@attrs.frozen
class Shift:
    """`date + duration`, `date - duration`: years and months keep the day of the month (clamped to
    the month's last day: 29 February + 1 year is 28 February), then days are added."""

    op: Literal["+", "-"]
    date: TExpr
    amount: TExpr  # of type duration
    type: Type = DATE
    span: Span | None = _span()


@attrs.frozen
class Between:
    """`value between low and high`: `low <= value and value <= high`, both ends included."""

    value: TExpr
    low: TExpr
    high: TExpr
    operand_type: Type  # as a Compare's: the type both comparisons compare in
    type: Type = BOOL
    span: Span | None = _span()

    def parts(self) -> tuple[Logic, Compare, Compare]:
        """The `and` of the two comparisons it means, as typed expressions (engine/domain.py)."""
        above = Compare("<=", self.low, self.value, self.operand_type, BOOL, self.span)
        below = Compare("<=", self.value, self.high, self.operand_type, BOOL, self.span)
        return Logic("and", (above, below), BOOL, self.span), above, below


@attrs.frozen
class Index:
    """`revenue[2024]`: one year of a series fact (a root fact or an item's field)."""

    series: FactRef | FieldRef
    year: TExpr
    type: Type
    span: Span | None = _span()


@attrs.frozen
class BandRow:
    """One row of a band: its interval (edges are values of the subject's type, None where
    unbounded), its value, and `test`: the subject within the interval, as comparisons."""

    low: object | None
    low_closed: bool
    high: object | None
    high_closed: bool
    value: TExpr
    test: TExpr
    text: str  # the interval as written: `[3%, 5%)`
    span: Span | None = _span()


@attrs.frozen
class Outcome:
    """What another measure (or this one) concluded: `score(m)`, `subtotal(m, g)` (points, a
    bounded unknown while open), `floors_met(m)` and `eligible(m)` (bool). `measure` is the public
    id; a versioned measure answers with the version in force on the evaluation day."""

    function: Literal["score", "subtotal", "floors_met", "eligible"]
    measure: str
    group: str | None
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Band:
    """`band subject { [lo, hi) => value … }` (docs/semantics.md, "Bands"): the value of the row the
    subject falls in. The checker has made the rows cover the subject's declared range without
    overlapping, so exactly one row holds for a known subject."""

    subject: TExpr
    rows: tuple[BandRow, ...]
    type: Type
    span: Span | None = _span()


TExpr: TypeAlias = (
    Const | FactRef | FieldRef | VarRef | DefRef | CondRef | ParamRef | Not | Neg | Logic | Arith
    | Compare | In | Quant | Func | If | Aggregate | RecordRef | Today | Shift | Between | Index | Outcome | Band
)

# ---- declarations ----------------------------------------------------------------------


@attrs.frozen
class Bound:
    kind: Literal["date", "open", "unknown", "year"]
    date: datetime.date | None = None
    year: int | None = None  # kind "year": the bound is some day of this year
    day: str | None = None  # … given by this date parameter when it is supplied


OPEN = Bound("open")


def _after(day: datetime.date, bound: Bound, params: Mapping[str, object], start: bool) -> bool | None:
    """Whether `day` is on the inside of one bound: True, False, or None (a year bound's own year,
    its day parameter not supplied)."""
    if bound.kind == "date" and bound.date is not None:
        return day >= bound.date if start else day <= bound.date
    if bound.kind != "year" or bound.year is None:
        return True  # open, or unknown (counted as open; the explanation says so)
    if day.year != bound.year:
        return (day.year > bound.year) == start
    given = params.get(bound.day) if bound.day else None
    if isinstance(given, datetime.date):
        return day >= given if start else day <= given
    return None


@attrs.frozen
class Window:
    start: Bound = OPEN
    end: Bound = OPEN

    def contains(self, day: datetime.date) -> bool:
        # An unknown bound counts as open; the explanation says so. A year bound's own year
        # counts as inside here: `state` says when that is undetermined.
        return self.state(day, {}) is not False

    def state(self, day: datetime.date, params: Mapping[str, object]) -> bool | None:
        """In force on `day`: True, False, or None when a bound known only to its year leaves it
        open (semantics.md §11)."""
        start, end = _after(day, self.start, params, True), _after(day, self.end, params, False)
        if start is False or end is False:
            return False
        return None if start is None or end is None else True

    def day_params(self) -> tuple[str, ...]:
        """The date parameters that give the day of this window's year bounds."""
        return tuple(b.day for b in (self.start, self.end) if b.kind == "year" and b.day)

    def has_years(self) -> bool:
        return self.start.kind == "year" or self.end.kind == "year"

    def describe(self) -> str:
        def one(bound: Bound, open_word: str) -> str:
            if bound.kind == "date":
                return str(bound.date)
            if bound.kind == "year":
                return f"a day of {bound.year}" + (f" ({bound.day})" if bound.day else "")
            return "unknown (counted as open)" if bound.kind == "unknown" else open_word

        return f"from {one(self.start, 'the beginning')} until {one(self.end, 'further notice')}"


@attrs.frozen
class Definition:
    name: str
    label: str | None
    expr: TExpr
    type: Type
    span: Span | None = _span()


@attrs.frozen
class Parameter:
    name: str
    label: str
    type: Type
    default: object | None  # a runtime value, or None when the parameter has no default
    span: Span | None = _span()
    minimum: Decimal | None = None  # a supplied value below it is refused (PD304), as a fact's
    maximum: Decimal | None = None  # … and one above it (`integer 0..15`)


@attrs.frozen
class AgencyTable:
    name: str
    label: str
    key: TExpr
    rows: dict[str, tuple[str, ...]]
    unknown_row: tuple[str, ...]
    span: Span | None = _span()


@attrs.frozen
class Agency:
    name: str | None
    table: str | None
    when: TExpr | None
    span: Span | None = _span()


@attrs.frozen
class Condition:
    name: str
    label: str | None
    expr: TExpr
    span: Span | None = _span()


@attrs.frozen
class ForEach:
    var: str
    collection: TExpr
    entity: str


@attrs.frozen
class Benefit:
    id: str
    kind: str
    label: str
    for_each: ForEach | None
    when: tuple[TExpr, ...]  # all must hold; a reused base benefit adds its own condition
    amount: TExpr | None
    cap: TExpr | None
    reference: str | None
    quotes: tuple[str, ...]
    base: str | None = None  # `measure.benefit` this one reuses
    span: Span | None = _span()


@attrs.frozen
class Target:
    id: str
    label: str
    when: TExpr | None
    require: TExpr | None
    quotes: tuple[str, ...]
    span: Span | None = _span()


@attrs.frozen
class Amendment:
    """An exception: while `when` holds, the named parameters or definitions take new values."""

    id: str
    label: str
    measure: str | None
    when: TExpr
    sets: tuple[tuple[str, TExpr], ...]
    span: Span | None = _span()
    over: tuple[str, ...] = ()  # the amendments this one prevails over where both hold


@attrs.frozen
class Indicator:
    name: str
    label: str
    expr: TExpr
    group: str | None  # the group it counts in, None in an ungrouped score
    span: Span | None = _span()


@attrs.frozen
class ScoreGroup:
    name: str
    label: str
    floor: Decimal | None  # `at least 20分`: floors_met needs subtotal ≥ floor
    indicators: tuple[Indicator, ...]
    span: Span | None = _span()


@attrs.frozen
class Score:
    """A measure's score: the sum of its indicators; each group's subtotal the sum of its own."""

    label: str
    groups: tuple[ScoreGroup, ...]
    indicators: tuple[Indicator, ...]  # every indicator, in source order
    span: Span | None = _span()

    def group(self, name: str) -> ScoreGroup | None:
        return next((g for g in self.groups if g.name == name), None)


@attrs.frozen
class Measure:
    id: str
    title: str
    policy: str
    ref: str | None
    quotes: tuple[str, ...]
    guidance: tuple[str, ...]
    window: Window  # the intersection of the policy's and the measure's own
    own_window: Window | None
    agencies: tuple[Agency, ...]
    conditions: tuple[Condition, ...]
    benefits: tuple[Benefit, ...]
    targets: tuple[Target, ...]
    directives: tuple[str, ...]
    span: Span | None = _span()
    score: Score | None = None
    # A dated version: `public` is the id the result shows (this measure's own id is `srdi@2022`,
    # unique among all measures) and `version` its name.
    version: str | None = None
    public: str | None = None
    # A measure in several versions (policy.measures holds it once): the version in force on the
    # evaluation day decides; it has no conditions or benefits of its own.
    versions: tuple[Measure, ...] = ()

    @property
    def name(self) -> str:
        """The id results and expressions use (the public id of a version)."""
        return self.public or self.id


@attrs.frozen
class Goal:
    id: str
    label: str
    count: TExpr
    at_least: int
    by: datetime.date | None
    span: Span | None = _span()


@attrs.frozen
class Expectation:
    """One `expect` line of an example, checked: the measure's status, and what else it states."""

    measure: str
    status: str
    total: Money | None = None  # `total 320万元`
    no_total: bool = False  # `total none`
    at_most: Money | None = None  # `at most 320万元`
    unknowns: tuple[str, ...] | None = None  # `unknowns "a", "b"`, `unknowns none` (); None: not stated
    span: Span | None = _span()
    version: str | None = None  # `version "2022"`
    no_version: bool = False  # `version none`
    score: tuple[Decimal, Decimal] | None = None  # `score 75分` or `score 46分..61分`
    no_score: bool = False  # `score none`
    subtotals: tuple[tuple[str, Decimal, Decimal], ...] = ()


@attrs.frozen
class Example:
    """An `example` block, checked: a profile file evaluated on a day with parameter values, and the
    expectations its result must meet (`policydsl test`, the pytest plugin)."""

    id: str
    label: str | None
    profile: str  # as written: relative to the folder of the .pol file the example is in
    profile_path: str  # that file, found by the checker: the folder of the .pol file joined with `profile`
    as_of: datetime.date | None  # None: the day it is run
    params: tuple[tuple[str, object], ...]  # parameter name → its value, typed as the parameter
    expects: tuple[Expectation, ...]
    span: Span | None = _span()


@attrs.frozen
class Header:
    id: str
    title: str | None
    issuer: str | None
    number: str | None
    issued: Bound | None
    window: Window
    source: str | None


@attrs.frozen
class Policy:
    """A checked policy: everything evaluation needs, nothing it must look up in text."""

    header: Header
    schema: Schema
    definitions: dict[str, Definition]
    parameters: dict[str, Parameter]
    tables: dict[str, AgencyTable]
    measures: tuple[Measure, ...]  # the policy's own, in document order
    all_measures: dict[str, Measure]  # including imported base policies
    amendments: tuple[Amendment, ...]
    goals: tuple[Goal, ...]
    examples: tuple[Example, ...]
    sources: dict[str, Source]  # .pol path → its source
    source_text: str | None  # the policy document the quotes come from
    root: str  # the path of the root .pol file
    folder: str
    # What the stages derive from this policy (closures, explainers, boundaries), kept as long as it;
    # not part of its value: equal policies compare equal, and `repr` (a batch plan's key) omits it.
    prepared: Prepared = attrs.field(factory=Prepared, init=False, eq=False, hash=False, repr=False)

    def measure(self, measure_id: str) -> Measure | None:
        return self.all_measures.get(measure_id)


# ---- walking typed expressions ----------------------------------------------------------


def top_level_expressions(policy: Policy) -> Iterator[TExpr]:
    """Every typed expression of a policy that evaluation may read, base policies included."""
    for definition in policy.definitions.values():
        yield definition.expr
    for table in policy.tables.values():
        yield table.key
    for amendment in policy.amendments:
        yield amendment.when
        for _, value in amendment.sets:
            yield value
    for goal in policy.goals:
        yield goal.count
    for measure in policy.all_measures.values():
        for condition in measure.conditions:
            yield condition.expr
        for agency in measure.agencies:
            if agency.when is not None:
                yield agency.when
        for benefit in measure.benefits:
            if benefit.for_each is not None:
                yield benefit.for_each.collection
            yield from benefit.when
            yield from (part for part in (benefit.amount, benefit.cap) if part is not None)
        for target in measure.targets:
            yield from (part for part in (target.when, target.require) if part is not None)
        if measure.score is not None:
            for indicator in measure.score.indicators:
                yield indicator.expr


def children(expr: TExpr) -> tuple[TExpr, ...]:
    """The sub-expressions of a typed expression (references to definitions are not followed)."""
    if isinstance(expr, Not | Neg):
        return (expr.operand,)
    if isinstance(expr, Logic):
        return expr.items
    if isinstance(expr, Arith | Compare):
        return (expr.left, expr.right)
    if isinstance(expr, In):
        return (expr.value,)
    if isinstance(expr, Quant):
        return (expr.collection, expr.body)
    if isinstance(expr, Aggregate):
        return tuple(part for part in (expr.collection, expr.where, expr.value, expr.default) if part is not None)
    if isinstance(expr, Func):
        return expr.args
    if isinstance(expr, If):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, Shift):
        return (expr.date, expr.amount)
    if isinstance(expr, Between):
        return (expr.value, expr.low, expr.high)
    if isinstance(expr, Index):
        return (expr.series, expr.year)
    if isinstance(expr, Band):
        return (expr.subject, *(row.test for row in expr.rows), *(row.value for row in expr.rows))
    return ()


def walk(expr: TExpr) -> Iterator[TExpr]:
    yield expr
    for child in children(expr):
        yield from walk(child)
