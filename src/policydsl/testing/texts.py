"""Random well-typed policy texts, for fuzzing the parser, checker, formatter and evaluators."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import attrs
from hypothesis import strategies as st

from policydsl.api import PolicySet
from policydsl.checker.loader import Loaded, LoadedFile
from policydsl.checker.policy import check_loaded
from policydsl.diagnostics import Diagnostic, PolicyError, Source
from policydsl.syntax import ast
from policydsl.syntax.parse import parse_source

# Names are drawn from fixed pools, distinct across kinds, so that a generated text never
# refers to a name ambiguously; Latin, Chinese and digit-first names all occur.
ORDERED_VALUES = (("none", "innovative", "provincial", "little_giant"), ("低", "中", "高"))
COUNTY_VALUES = (("湖滨区", "陕州区", "灵宝市"), ("east", "west"))
CATEGORY_VALUES = (("intelligent_upgrade", "green_upgrade", "5g", "other"), ("甲类", "乙类"))
LABELS = ("企业", "“专精特新”中小企业", "营业收入(万元)", "Project \\\"A\\\"", "研发投入\\t比重", "项目")
AGENCIES = ("市工业和信息化局", "市财政局", "市科技局")
# Loop variables by nesting depth (`p` is the `for each` variable).
LOOP_VARIABLES = (("q", "项"), ("s", "阶"), ("t", "段"))
MAX_NESTING = 2  # quantifiers inside quantifiers
# Amendment values come from small pools, so that two amendments often set the same value.
AMENDED_VALUES = {
    "money": ("150万元", "100万元", "0万元"), "ratio": ("40%", "30%"), "integer": ("0", "2"),
    "bool": ("true", "false"), "date": ("2024-01-01", "2025-06-30"), "decimal": ("0.5", "2"),
    "text": ('"智能产线"', '""'), "points": ("5分", "0分"),
}
# Band edges by the subject's kind (each row's interval is written in the subject's type), with
# the number each stands for (money in 万元), to keep edges inside the subject's declared range.
BAND_EDGES = {
    "money": (("1万元", 1), ("100万元", 100), ("150万元", 150), ("500万元", 500)),
    "ratio": (("1%", 0.01), ("3%", 0.03), ("5%", 0.05), ("40%", 0.4)),
    "integer": (("1", 1), ("2", 2), ("3", 3), ("300", 300)),
    "decimal": (("0.5", 0.5), ("1.5", 1.5), ("100.25", 100.25)),
    "points": (("5分", 5), ("10分", 10), ("15分", 15)),
}
DURATIONS = ("1 year", "3 years", "6 months", "1 month", "30 days", "1 day")
# Two dated versions of one measure: disjoint windows, split at one of these days.
VERSION_SPLITS = (datetime.date(2022, 1, 1), datetime.date(2024, 6, 1), datetime.date(2025, 12, 31))
# Constructs a caller may ask `_policy_text` to leave out, while an engine disagrees with the
# documented semantics on them (tests/reference/test_differential.py lists why).
CHAINED_ARITHMETIC = "a product or quotient of a product, a quotient or a definition (x * r * r, x / n / n)"
ZERO_CONSTANT = "a division by constants that are zero (x / (1 - 1))"
WHOLE_ALIAS = "a whole-list comparison through a definition naming the list (define 项目表 = projects; 项目表 != 项目表)"
LEFT_OUT: frozenset[str] = frozenset({WHOLE_ALIAS})
STARTS = (None, "unknown", "open", datetime.date(2021, 1, 1), datetime.date(2022, 7, 1), datetime.date(2024, 6, 1))
ENDS = (None, "open", "unknown", datetime.date(2025, 12, 31), datetime.date(2030, 1, 1))


@attrs.frozen
class Enum:
    name: str
    ordered: bool
    values: tuple[str, ...]


@attrs.frozen
class Atom:
    """Something an expression can name, with its type: `revenue`, `p.investment`, `gen.cap`."""

    text: str
    kind: str  # bool, integer, decimal, money, ratio, date, text, enum, set, list
    enum: Enum | None = None
    fields: tuple[Atom, ...] = ()  # a list's: the facts of its items, by their own names
    defined: bool = False  # a definition's name
    bounded: bool = False  # a parameter declared `>= 0`
    low: float | None = None  # the declared range (minimum, `lo..hi`), for band edges inside it
    high: float | None = None
    record: bool = False  # a field of a record fact (`niche_market.share_domestic`), not an item's

    def field(self, var: str) -> Atom:
        return attrs.evolve(self, text=f"{var}.{self.text}")


@attrs.frozen
class Scope:
    atoms: tuple[Atom, ...]
    depth: int = 0  # quantifier nesting

    def of(self, *kinds: str) -> list[Atom]:
        return [a for a in self.atoms if a.kind in kinds]

    def add(self, *atoms: Atom) -> Scope:
        return attrs.evolve(self, atoms=self.atoms + atoms)


@attrs.frozen
class _Amendment:
    """An amendment being written: its id, the names it sets with their values' texts, and the
    amendments it prevails over (filled in once every amendment is drawn)."""

    id: str
    sets: tuple[tuple[Atom, str], ...]
    condition: str
    over: list[str] = attrs.field(factory=list)

    def text(self, label: str, indent: str) -> str:
        over = f" over {', '.join(self.over)}" if self.over else ""
        sets = "".join(f"{indent}  {atom.text} = {value}\n" for atom, value in self.sets)
        return f"{indent}amend {self.id} {label} when {self.condition}{over} {{\n{sets}{indent}}}\n"


def _fact_specs(county: Enum, level: Enum, category: Enum) -> list[tuple[tuple[str, ...], str, str, Enum | None]]:
    """(name choices, declared type, kind, enum) of the facts a root entity may have."""
    return [
        (("revenue", "营业收入"), "money >= 0", "money", None),
        (("rd_expense", "研发费用"), "money >= 0", "money", None),
        (("balance",), "money", "money", None),
        (("employees", "从业人员"), "integer >= 0", "integer", None),
        (("score",), "decimal", "decimal", None),
        (("share", "占比"), "ratio >= 0", "ratio", None),
        (("founded", "成立日期"), "date", "date", None),
        (("name",), "text", "text", None),
        (("key_little_giant", "tech_sme"), "bool", "bool", None),
        (("level",), level.name, "enum", level),
        (("county",), county.name, "enum", county),
        (("titles",), f"set of {category.name}", "set", category),
        (("digital_level", "数字化水平"), "integer 0..4", "integer", None),
        (("assessed", "评审得分"), "points", "points", None),
    ]


LOWS = {"money >= 0": 0.0, "integer >= 0": 0.0, "ratio >= 0": 0.0, "integer 0..4": 0.0}
HIGHS = {"integer 0..4": 4.0}


class _Writer:
    """Draws one policy text piece by piece; every expression is written with the type it needs."""

    def __init__(self, draw: st.DrawFn, without: frozenset[str] = frozenset()) -> None:
        self.draw = draw
        self.without = without  # constructs not to write (LEFT_OUT)

    def pick(self, options: list[str] | tuple[str, ...]) -> str:
        return self.draw(st.sampled_from(options))

    def chance(self, one_in: int = 2) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def label(self) -> str:
        return f'"{self.pick(LABELS)}"'

    # ---- literals
    def money(self) -> str:
        whole = self.draw(st.sampled_from((0, 1, 100, 149, 150, 500, 40000)))
        fraction = self.pick(("", ".5", ".99"))
        unit = self.pick(("万元", "万元", "元", "亿元"))
        return f"{whole}{fraction}{unit}"

    def literal(self, kind: str, enum: Enum | None = None) -> str:
        if kind == "money":
            return self.money()
        if kind == "integer":
            return str(self.draw(st.sampled_from((0, 1, 2, 300, 1000))))
        if kind == "decimal":
            return self.pick(("0.5", "1.5", "100.25"))
        if kind == "ratio":
            return self.pick(("3%", "3.5%", "40%", "100%"))
        if kind == "date":
            return self.draw(st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31))).isoformat()
        if kind == "text":
            return self.pick(('"智能产线"', '""', '"a\\"b"'))
        if kind == "bool":
            return self.pick(("true", "false"))
        if kind == "points":
            return self.pick(("0分", "5分", "15分", "0.5分", "20分"))
        assert enum is not None
        return self.pick(enum.values)

    # ---- expressions
    def value(self, scope: Scope, kind: str, depth: int) -> str:
        """An expression of a numeric, date or text kind."""
        atoms = scope.of(kind)
        if depth > 0 and kind in ("money", "integer", "decimal", "ratio", "date", "points") and self.chance(3):
            compound = self.compound(scope, kind, depth - 1)
            if compound is not None:
                return compound
        if kind == "date" and self.chance(6):
            return "today"
        if atoms and not self.chance(3):
            return self.draw(st.sampled_from(atoms)).text
        return self.literal(kind)

    def compound(self, scope: Scope, kind: str, depth: int) -> str | None:
        """Arithmetic, `min`/`max`, `count` or a negation giving `kind`; None when none fits."""
        forms = ["min", "max", "if"]
        if kind != "date":
            forms += ["+", "-", "neg"]
        if kind == "money":
            forms += ["ratio", "number", "by_count"]
        if kind == "integer":
            forms += ["*", "count"]
        if kind == "decimal":
            forms += ["quotient", "*"]
        if kind == "ratio":
            forms += ["share", "number"]
        if kind == "date":
            forms += ["today", "shift", "shift"]
        if kind == "integer":
            forms += ["year", "rounded", "band"]
        if kind == "decimal" and self.chance(2):  # now and then: a square root, exact or at 28 digits
            forms += ["sqrt"]
        if kind == "points":
            forms += ["scale", "rounded", "band", "band"]
        form = self.pick(forms)
        if form in ("*", "ratio", "number", "by_count", "quotient", "share"):
            return self.product(scope, kind, form, depth)
        if form in ("today", "shift", "year", "rounded", "sqrt", "band", "scale"):
            return self.numeric(scope, kind, form, depth)
        left = self.value(scope, kind, depth)
        if form in ("min", "max"):
            return f"{form}({left}, {self.value(scope, kind, depth)})"
        if form == "if":  # parenthesised: an `if` is a whole expression
            return f"(if {self.condition(scope, 1)} then {left} else {self.value(scope, kind, depth)})"
        if form in ("+", "-"):
            return f"({left} {form} {self.value(scope, kind, depth)})"
        if form == "neg":
            return f"-({left})"
        counted = scope.of("list", "set")
        return f"count({self.draw(st.sampled_from(counted)).text})" if counted else None

    def numeric(self, scope: Scope, kind: str, form: str, depth: int) -> str | None:
        """Time (`today`, `d ± 3 years`, `year(d)`), number functions and bands."""
        if form == "today":
            return "today"
        if form == "shift":
            return f"({self.value(scope, 'date', depth)} {self.pick(('+', '-'))} {self.pick(DURATIONS)})"
        if form == "year":
            return f"year({self.value(scope, 'date', depth)})"
        if form == "rounded":  # of a decimal or ratio: an integer; of points: points
            of = kind if kind == "points" else self.pick(("decimal", "ratio"))
            return f"{self.pick(('floor', 'ceil', 'round'))}({self.value(scope, of, depth)})"
        if form == "sqrt":
            return f"sqrt({self.value(scope, 'decimal', depth)})"
        if form == "scale":  # points × number, points ÷ number
            return f"({self.value(scope, kind, depth)} {self.pick(('*', '/'))} {self.pick(('2', '0.5', '3'))})"
        return self.band(scope, kind, depth)

    def band(self, scope: Scope, kind: str, depth: int) -> str | None:
        """A band of `kind` values over a fact, parameter, item field or year of a series: rows
        cut at edges inside the subject's declared range, from `(.., e1)` to `[ek, ..)`, so that
        they cover it without gaps or overlaps (each edge belongs to the row above or below it;
        an integer subject's to the row above, so that no row is empty)."""
        subjects = [a for a in scope.atoms if a.kind in BAND_EDGES and not a.defined]
        if not subjects:
            return None
        subject = self.draw(st.sampled_from(subjects))
        low = subject.low if subject.low is not None else float("-inf")
        high = subject.high if subject.high is not None else float("inf")
        edges = [edge for edge in BAND_EDGES[subject.kind] if low < edge[1] < high]
        if not edges:
            return None
        cuts = sorted(self.draw(st.lists(st.sampled_from(edges), min_size=1, max_size=3, unique=True)),
                      key=lambda edge: edge[1])
        rows, opening = [], "(.."
        for text, _ in cuts:
            upward = subject.kind == "integer" or self.chance()
            rows.append(f"{opening}, {text}{')' if upward else ']'}")
            opening = f"{'[' if upward else '('}{text}"
        rows.append(f"{opening}, ..)")
        if self.chance(4):  # rows may be written in any order
            rows = list(self.draw(st.permutations(rows)))

        def row_value() -> str:
            if self.chance(4):  # an expression stands in parentheses
                return f"({self.value(scope, kind, max(0, depth - 1))})"
            return self.literal(kind)

        body = "".join(f"    {row} => {row_value()}\n" for row in rows)
        return f"band {subject.text} {{\n{body}  }}"

    def product(self, scope: Scope, kind: str, form: str, depth: int) -> str | None:
        """A product or quotient of `kind`; with CHAINED_ARITHMETIC left out, of facts, parameters
        and literals only."""
        chained = CHAINED_ARITHMETIC not in self.without
        plain = scope if chained else Scope(tuple(a for a in scope.atoms if not a.defined))

        def operand(of_kind: str) -> str:
            return self.value(scope, of_kind, depth) if chained else self.value(plain, of_kind, 0)

        if form == "by_count":  # a divisor that may be zero: unknown, named by what it reads
            divisors = plain.of("integer")
            return f"({operand(kind)} / {self.draw(st.sampled_from(divisors)).text})" if divisors else None
        if form == "quotient":
            return f"({operand('integer')} / {operand('integer')})"
        if form == "share":  # money / money
            if len(plain.of("money")) < 2:
                return None
            first, second = self.draw(st.permutations(plain.of("money")))[:2]
            return f"({first.text} / {second.text})"
        if form == "ratio":
            return f"({operand(kind)} * {operand('ratio')})"
        if form == "number":
            if ZERO_CONSTANT not in self.without and self.chance(8):  # unknown, naming nothing
                return f"({operand(kind)} / (1 - 1))"
            return f"({operand(kind)} {self.pick(('*', '/'))} {self.pick(('2', '3', '0.5'))})"
        return f"({operand(kind)} * {operand(kind)})"

    def comparison(self, scope: Scope, depth: int) -> str:
        # Inside a loop, half of the comparisons are about the item, so loop bodies read it.
        items = [a for a in scope.atoms if "." in a.text and not a.text.startswith("gen.") and not a.record]
        if items and self.chance():
            atom = self.draw(st.sampled_from(items))
            return self.about(atom.kind, scope, depth, atom)
        kinds = ["money", "integer", "decimal", "ratio", "date", "text"]
        kinds += [k for k in ("enum", "set", "list", "bool", "points") if scope.of(k)]
        if scope.of("item") and self.chance(12):  # rarely: SQL cannot compare items (PD406)
            kinds.append("item")
        return self.about(self.pick(kinds), scope, depth)

    def about(self, kind: str, scope: Scope, depth: int, atom: Atom | None = None) -> str:
        """A condition on a value of `kind`: `atom` if given, else one drawn from the scope."""
        if kind in ("bool", "enum", "set", "list", "item") and atom is None:
            atom = self.draw(st.sampled_from(scope.of(kind)))
        if kind == "item" or (kind in ("set", "list") and self.chance(12)):
            assert atom is not None  # lists, sets and items compare as wholes (not in SQL: PD406)
            same = [a for a in scope.of(kind) if a.fields == atom.fields and a.enum == atom.enum]
            if WHOLE_ALIAS in self.without and kind == "list":
                if atom.defined:
                    return f"count({atom.text}) >= 1"
                same = [a for a in same if not a.defined]
            return f"{atom.text} {self.pick(('=', '!='))} {self.draw(st.sampled_from(same)).text}"
        if kind == "bool":
            assert atom is not None
            if self.chance(3):
                return f"{atom.text} {self.pick(('=', '!='))} {self.value(Scope(tuple(scope.of('bool'))), 'bool', 0)}"
            return atom.text
        if kind == "enum":
            assert atom is not None and atom.enum is not None
            form = self.draw(st.integers(0, 2))
            if form == 0:
                values = self.draw(st.lists(st.sampled_from(atom.enum.values), min_size=0, max_size=3, unique=True))
                return f"{atom.text} {self.pick(('in', 'not in'))} {{{', '.join(values)}}}"
            ops = ("=", "!=", "<", "<=", ">", ">=") if atom.enum.ordered else ("=", "!=")
            same = [a for a in scope.of("enum") if a.enum == atom.enum]
            other = self.draw(st.sampled_from(same)).text if self.chance(3) else self.pick(atom.enum.values)
            if self.chance(6):  # a conditional enum value
                other = f"(if {self.condition(scope, 0)} then {other} else {self.pick(atom.enum.values)})"
            return f"{atom.text} {self.pick(ops)} {other}"
        if kind == "set":
            assert atom is not None and atom.enum is not None
            if self.chance():
                return f"contains({atom.text}, {self.pick(atom.enum.values)})"
            return f"count({atom.text}) {self.pick(('>=', '>', '='))} {self.pick(('0', '1', '2'))}"
        if kind == "list":
            assert atom is not None
            if self.chance(4) or scope.depth >= MAX_NESTING:
                return f"count({atom.text}) {self.pick(('>=', '<', '='))} {self.pick(('0', '1', '2', '3'))}"
            var = self.pick(LOOP_VARIABLES[scope.depth])
            inner = Scope(scope.atoms + tuple(f.field(var) for f in atom.fields)
                          + (Atom(var, "item", fields=atom.fields),), scope.depth + 1)
            if self.chance(3):
                return self.aggregate(atom, var, scope, inner, depth)
            return f"{self.pick(('any', 'all'))} {var} in {atom.text}: ({self.condition(inner, max(0, depth - 1))})"
        left = atom.text if atom is not None else self.value(scope, kind, depth)
        if kind == "date" and self.chance(4):  # "within the last N years"
            return f"{left} between today - {self.pick(DURATIONS)} and {self.pick(('today', 'today + 1 year'))}"
        if kind != "text" and self.chance(8):
            return f"{left} between {self.value(scope, kind, 0)} and {self.value(scope, kind, depth)}"
        if kind in ("integer", "money", "text") and self.chance(4):
            options = {self.literal(kind) for _ in range(self.draw(st.integers(1, 3)))}
            return f"{left} {self.pick(('in', 'not in'))} {{{', '.join(sorted(options))}}}"
        ops = ("=", "!=", "<", "<=", ">", ">=") if kind != "text" else ("=", "!=")
        right = self.value(scope, kind, depth)
        if kind in ("money", "ratio") and self.chance(6):  # zero money written `0`; a ratio against a number
            right = "0" if kind == "money" else self.pick(("0.5", "0.035"))
        return f"{left} {self.pick(ops)} {right}"

    def aggregate(self, atom: Atom, var: str, scope: Scope, inner: Scope, depth: int) -> str:
        """A list aggregate (`any`/`all … where`, `count`, `sum`, `min`/`max … default`), mostly
        filtered, compared with a value of its kind (semantics.md §6 "List aggregates")."""
        where = f" where ({self.condition(inner, max(0, depth - 1))})" if not self.chance(3) else ""
        forms = ["any", "all", "count"]
        numeric = [f for f in atom.fields if f.kind in ("money", "integer")]
        if numeric:
            forms += ["sum", "min", "max"]
        form = self.pick(forms)
        ops = ("=", "!=", "<", "<=", ">", ">=")
        if form in ("any", "all"):
            return f"{form} {var} in {atom.text}{where}: ({self.condition(inner, max(0, depth - 1))})"
        if form == "count":
            return f"count {var} in {atom.text}{where} {self.pick(ops)} {self.pick(('0', '1', '2', '3'))}"
        kind = self.draw(st.sampled_from(numeric)).kind
        value = self.value(inner, kind, max(0, depth - 1)) if self.chance(3) else f"{var}.{self.pick([f.text for f in numeric if f.kind == kind])}"
        default = f" default ({self.literal(kind)})" if form != "sum" else ""
        return f"{form} {var} in {atom.text}{where}: ({value}){default} {self.pick(ops)} {self.value(scope, kind, 0)}"

    def condition(self, scope: Scope, depth: int = 2) -> str:
        form = self.draw(st.integers(0, 5)) if depth > 0 else 0
        if form <= 2:
            return self.comparison(scope, depth)
        if form == 3:
            if self.chance(4):  # a conditional condition
                return (f"(if {self.condition(scope, depth - 1)} then {self.condition(scope, depth - 1)} "
                        f"else {self.condition(scope, depth - 1)})")
            return f"not ({self.condition(scope, depth - 1)})"
        parts = [self.condition(scope, depth - 1) for _ in range(self.draw(st.integers(2, 3)))]
        return "(" + f" {self.pick(('and', 'or'))} ".join(parts) + ")"

    # ---- declarations
    def window(self, indent: str = "  ") -> str:
        start, end = self.draw(st.sampled_from(STARTS)), self.draw(st.sampled_from(ENDS))
        if start is None or end is None:
            return ""
        return f"{indent}valid from {start} until {end}\n"

    def policy(self) -> str:
        level = Enum("level_kind", True, self.draw(st.sampled_from(ORDERED_VALUES)))
        county = Enum("county_kind", False, self.draw(st.sampled_from(COUNTY_VALUES)))
        category = Enum("category_kind", self.chance(), self.draw(st.sampled_from(CATEGORY_VALUES)))
        lines = [f"policy gen.{self.pick(('policy', 'srdi', '政策'))} {{\n  title {self.label()}\n{self.window()}}}\n"]
        for enum in (level, county, category):
            values = ", ".join(v + (f" {self.label()}" if self.chance() else "") for v in enum.values)
            lines.append(f"{'ordered ' if enum.ordered else ''}enum {enum.name} {self.label()} {{ {values} }}\n")
        facts: list[Atom] = []
        decls: list[str] = []
        for names, declared, kind, of_enum in _fact_specs(county, level, category):
            if self.draw(st.integers(0, 3)) == 0 and names[0] != "revenue":
                continue
            name = self.pick(names)
            decls.append(f"  fact {name} {self.label()} : {declared}\n")
            facts.append(Atom(name, kind, of_enum, low=LOWS.get(declared), high=HIGHS.get(declared)))
        if self.chance(3):  # a series, read by year: last year, the year before, a fixed year
            name = self.pick(("sales", "销售收入"))
            decls.append(f"  fact {name} {self.label()} : series of money >= 0\n")
            for year in ("year(today) - 1", "year(today) - 2", "2024"):
                facts.append(Atom(f"{name}[{year}]", "money", low=0.0))
        if self.chance(3):  # a record: one object of an entity's facts
            name = self.pick(("niche_market", "细分市场"))
            decls.append(f"  fact {name} {self.label()} : niche\n")
            lines.append(f"entity niche {self.label()} {{\n  fact share_domestic {self.label()} : ratio\n"
                         f"  fact since {self.label()} : date\n  fact rank {self.label()} : integer 1..10\n}}\n")
            facts += [Atom(f"{name}.share_domestic", "ratio", record=True),
                      Atom(f"{name}.since", "date", record=True),
                      Atom(f"{name}.rank", "integer", record=True, low=1.0, high=10.0)]
        entities = self.item_entities(category)
        if entities:
            project, text = entities
            decls.append(f"  fact projects {self.label()} : list of project\n")
            facts.append(project)
            lines.append(f"entity enterprise {self.label()} {{\n{''.join(decls)}}}\n")
            lines.append(text)
        else:
            lines.append(f"entity enterprise {self.label()} {{\n{''.join(decls)}}}\n")
        scope = Scope(tuple(facts))
        scope, declared_lines, amendable = self.parameters_and_definitions(scope, level)
        lines += declared_lines
        tables = []
        if any(a.enum is county for a in facts):
            rows = "".join(f'  {v} => "{v}政府"\n' for v in county.values)
            lines.append(f'table gov {self.label()} by county {{\n{rows}  unknown => "各县(市、区)政府"\n}}\n')
            tables.append("gov")
        measure_ids = [f"M{number}" for number in range(1, self.draw(st.integers(1, 3)) + 1)]
        amendments = self.amendments(Scope(tuple(facts)), amendable, len(measure_ids))
        lines += [amendment.text(self.label(), "") for amendment, where in amendments if where is None]
        reusable: list[tuple[str, str, str]] = []  # (measure, benefit, kind) a later benefit may take `from`
        versioned = self.draw(st.sampled_from(measure_ids)) if self.chance(3) else None
        for index, measure_id in enumerate(measure_ids):
            own = [amendment for amendment, where in amendments if where == index]
            if measure_id == versioned:  # two dated versions, in force on days apart
                split = self.draw(st.sampled_from(VERSION_SPLITS))
                start = self.draw(st.sampled_from(STARTS[3:]))
                start = min(start, split - datetime.timedelta(days=1))
                end = self.pick(("open", "2030-01-01"))
                title = self.label()
                lines.append(self.measure(measure_id, scope, tables, own, reusable, version=(
                    title, "a", f"valid from {start} until {split - datetime.timedelta(days=1)}")))
                lines.append(self.measure(measure_id, scope, tables, [], reusable, version=(
                    title, "b", f"valid from {split} until {end}")))
                continue
            lines.append(self.measure(measure_id, scope, tables, own, reusable))
        if self.chance():
            lines.append(f"goal g1 {self.label()} {{\n  count {self.condition(scope, 1)}\n  at least 1\n"
                         f"  by 2025-12-31\n}}\n")
        return "\n".join(lines)

    def item_entities(self, category: Enum) -> tuple[Atom, str] | None:
        """Sometimes a list of projects, whose items may hold a list of phases; the `projects` atom
        (with its fields) and the entities' text."""
        if not self.chance(3) and self.chance(3):
            return None
        fields = [Atom("investment", "money", low=0.0), Atom("category", "enum", category), Atom("flag", "bool")]
        decls = [f"  fact investment {self.label()} : money >= 0\n", f"  fact category {self.label()} : {category.name}\n",
                 f"  fact flag {self.label()} : bool\n"]
        text = ""
        if self.chance():  # items are reported by their name when they have one
            fields.append(Atom("name", "text"))
            decls.append(f"  fact name {self.label()} : text\n")
        if self.chance():
            fields.append(Atom("phases", "list", fields=(Atom("cost", "money", low=0.0), Atom("done", "bool"))))
            decls.append(f"  fact phases {self.label()} : list of phase\n")
            text = (f"entity phase {self.label()} {{\n  fact cost {self.label()} : money >= 0\n"
                    f"  fact done {self.label()} : bool\n}}\n")
        return Atom("projects", "list", fields=tuple(fields)), (
            f"entity project {self.label()} {{\n{''.join(decls)}}}\n{text}")

    def parameters_and_definitions(self, scope: Scope, level: Enum) -> tuple[Scope, list[str], list[Atom]]:
        lines: list[str] = []
        amendable: list[Atom] = []
        params = [("cap", "money", None), ("rate", "ratio", None), ("limit", "integer", None),
                  ("tier", "enum", level), ("start", "date", None), ("strict", "bool", None),
                  ("share", "decimal", None), ("tag", "text", None), ("bonus", "points", None),
                  ("local", "integer 0..15", None)]
        for name, kind, enum in params:
            if self.chance(3 if kind in ("enum", "date", "bool") else 2):
                declared = enum.name if enum is not None else kind
                low = high = None
                if kind == "integer 0..15":  # a ranged parameter, its default inside the range
                    kind, low, high = "integer", 0.0, 15.0
                    value = f" = {self.pick(('0', '2', '15'))}" if self.chance() else ""
                else:
                    value = f" = {self.literal(kind, enum)}" if self.chance() else ""
                bounded = kind in ("money", "ratio", "integer", "decimal") and low is None and self.chance()
                if bounded:
                    declared += " >= 0"  # every literal drawn is at least 0
                    low = 0.0
                lines.append(f"parameter gen.{name} {self.label()} : {declared}{value}\n")
                atom = Atom(f"gen.{name}", kind, enum, bounded=bounded, low=low, high=high)
                scope = scope.add(atom)
                amendable.append(atom)
        for index in range(self.draw(st.integers(0, 2))):
            lines.append(f"define ok_{index} {self.label()} = {self.condition(scope, 1)}\n")
            atom = Atom(f"ok_{index}", "bool", defined=True)
            scope = scope.add(atom)
            amendable.append(atom)
        lists = scope.of("list")
        if lists and self.chance(4):
            lines.append(f"define 项目表 {self.label()} = {lists[0].text}\n")
            scope = scope.add(attrs.evolve(lists[0], text="项目表", defined=True))
        for name, kind in (("基数", "money"), ("件数", "integer"), ("比重", "ratio")):
            if self.chance(2 if kind == "money" else 4):
                lines.append(f"define {name} = {self.value(scope, kind, 1)}\n")
                atom = Atom(name, kind, defined=True)
                scope = scope.add(atom)
                amendable.append(atom)
        return scope, lines, amendable

    def amendments(self, facts: Scope, amendable: list[Atom], measures: int) -> list[tuple[_Amendment, int | None]]:
        """Amendments of parameters and definitions, often several of one name; where two set a
        name to different values, one prevails over the other (`over`, directly or through others).
        Each stands at the top level (None) or in a measure (its index)."""
        if not amendable:
            return []
        # A condition or value reads facts only: one that read an amended name would be a cycle.
        drawn: list[_Amendment] = []
        for number in range(1, self.draw(st.integers(0, 4)) + 1):
            targets = self.draw(st.lists(st.sampled_from(amendable), min_size=1, max_size=2, unique=True))
            sets = tuple((atom, self.amended_value(facts, atom)) for atom in targets)
            drawn.append(_Amendment(f"a{number}", sets, self.condition(facts, 1)))
        rank = self.draw(st.permutations(range(len(drawn))))  # `over` only from higher rank to lower
        below: dict[int, set[int]] = {i: set() for i in range(len(drawn))}

        def prevail(high: int, low: int) -> None:
            drawn[high].over.append(drawn[low].id)
            for i in below:
                if i == high or high in below[i]:
                    below[i] |= {low} | below[low]

        pairs = list(itertools.combinations(range(len(drawn)), 2))
        for first, second in self.draw(st.permutations(pairs)) if pairs else ():
            high, low = (first, second) if rank[first] > rank[second] else (second, first)
            clash = any(a.text == b.text and value != other
                        for a, value in drawn[first].sets for b, other in drawn[second].sets)
            if low in below[high]:
                continue
            if clash or self.chance(5):  # now and then an order that is not needed, even between
                prevail(high, low)       # amendments of different names (a warning, PD243)
        return [(amendment, None if self.chance(3) else self.draw(st.integers(0, measures - 1)))
                for amendment in drawn]

    def amended_value(self, facts: Scope, atom: Atom) -> str:
        if atom.kind == "enum":
            assert atom.enum is not None
            return self.pick(atom.enum.values)
        # An expression of the facts; below a minimum it is unknown (semantics.md §8). Not for a
        # parameter with a minimum or range: an expression of constants outside it is an error.
        if self.chance(4) and atom.low is None and atom.high is None:
            return self.condition(facts, 1) if atom.kind == "bool" else self.value(facts, atom.kind, 1)
        return self.pick(AMENDED_VALUES[atom.kind])

    def measure(self, measure_id: str, scope: Scope, tables: list[str], amendments: list[_Amendment],
                reusable: list[tuple[str, str, str]], version: tuple[str, str, str] | None = None) -> str:
        """A measure; with `version` (its title, version name and window), one dated version of it."""
        body: list[str] = [f'  ref "一、{measure_id[1:]}"\n'] if self.chance() else []
        if version is not None:
            body.append(f"  {version[2]}\n")
        elif self.chance():
            body.append(self.window())
        inner = scope
        for index in range(self.draw(st.integers(0, 2))):
            body.append(f"  condition c{index} {self.label()} = {self.condition(inner, 1)}\n")
            inner = inner.add(Atom(f"c{index}", "bool"))
        scored = self.chance(4)
        if scored:  # a score its own condition reads: `score(M) >= n`, `floors_met(M)`
            reads = f"score({measure_id}) >= {self.draw(st.integers(0, 40))}分"
            if self.chance():
                reads += f" and floors_met({measure_id})"
            body.append(f"  condition cs {self.label()} = {reads}\n")
            inner = inner.add(Atom("cs", "bool"))
        agencies = [f'"{self.pick(AGENCIES)}"' + (f" when {self.condition(inner, 0)}" if self.chance() else "")]
        if tables and self.chance():
            agencies.append(tables[0] + (f" when {self.condition(inner, 0)}" if self.chance(3) else ""))
        if self.chance(3):
            agencies.append(f'"{self.pick(AGENCIES)}"')
        body.append(f"  agencies {', '.join(agencies)}\n")
        body += [amendment.text(self.label(), "  ") for amendment in amendments]
        directive_only = self.chance(8)
        taken = [base for base in reusable if base[0] != measure_id]
        for index in range(0 if directive_only else self.draw(st.integers(1, 3))):
            if taken and self.chance(4):
                base_measure, base_id, kind = self.draw(st.sampled_from(taken))
                body.append(f"  benefit {kind} b{index} {self.label()} from {base_measure}.{base_id} {{\n"
                            f"    when {self.condition(inner, 1)}\n  }}\n")
                continue
            # A benefit another measure may reuse cannot read this measure's conditions.
            base = self.chance(3)
            kind, text = self.benefit(f"b{index}", scope if base else inner)
            body.append(text)
            if base and version is None:
                reusable.append((measure_id, f"b{index}", kind))
        if self.chance():
            body.append(f"  target t1 {self.label()} {{\n    when {self.condition(inner, 0)}\n"
                        f"    require {self.condition(inner, 1)}\n  }}\n")
        if directive_only or self.chance():
            body.append('  directive "各县(市、区)政府结合实际制定措施"\n')
        if scored:
            body.append(self.score(scope))
        if version is not None:
            return f'measure {measure_id} {version[0]} version "{version[1]}" {{\n{"".join(body)}}}\n'
        return f"measure {measure_id} {self.label()} {{\n{''.join(body)}}}\n"

    def score(self, scope: Scope) -> str:
        """A score block: one or two groups with floors, or ungrouped; indicators are points given
        by a condition (`if … then 15 else 5`) or an integer expression."""
        def indicator(name: str, indent: str) -> str:
            if self.chance(3):
                value = self.value(scope, self.pick(("integer", "points", "points")), 1)
            elif self.chance(3):
                value = self.band(scope, "points", 1) or "0分"
            else:
                value = (f"if {self.condition(scope, 0)} then {self.draw(st.integers(0, 20))} "
                         f"else {self.draw(st.integers(0, 20))}")
            return f"{indent}indicator {name} {self.label()} = {value}\n"

        if self.chance():
            rows = "".join(indicator(f"i{n}", "    ") for n in range(self.draw(st.integers(1, 3))))
            return f"  score {self.label()} {{\n{rows}  }}\n"
        groups = []
        for g in range(self.draw(st.integers(1, 2))):
            rows = "".join(indicator(f"g{g}i{n}", "      ") for n in range(self.draw(st.integers(1, 2))))
            floor = f" at least {self.draw(st.integers(0, 20))}" if self.chance() else ""
            groups.append(f"    group g{g} {self.label()}{floor} {{\n{rows}    }}\n")
        return f"  score {self.label()} {{\n{''.join(groups)}  }}\n"

    def benefit(self, benefit_id: str, scope: Scope) -> tuple[str, str]:
        kind = self.pick(("grant", "grant", "matching", "service", "priority", "reward"))
        lines: list[str] = []
        lists = [a for a in scope.of("list") if "." not in a.text]
        if kind in ("grant", "matching", "service") and lists and self.chance():
            loop = self.draw(st.sampled_from(lists))
            lines.append(f"    for each p in {loop.text}\n")
            scope = scope.add(*(f.field("p") for f in loop.fields), Atom("p", "item", fields=loop.fields))
        if not self.chance(6):  # without `when`, a benefit applies to everyone while in force
            lines.append(f"    when {self.condition(scope, 2)}\n")
        if kind == "grant":
            lines.append(f"    amount {self.value(scope, 'money', 2)}\n")
        elif kind == "matching":
            matched = self.value(scope, "money", 1) if CHAINED_ARITHMETIC not in self.without else \
                self.value(Scope(tuple(a for a in scope.atoms if not a.defined)), "money", 0)
            lines.append(f"    match {matched} at {self.pick(('1', '2'))}:{self.pick(('1', '3'))}\n")
        elif kind == "reward":
            lines.append('    reference "三政办〔2020〕14号"\n')
        if kind in ("grant", "matching") and self.chance():
            lines.append(f"    cap {self.value(scope, 'money', 1)}\n")
        if self.chance():
            lines.append('    quote "给予支持"\n')
        return kind, f"  benefit {kind} {benefit_id} {self.label()} {{\n{''.join(lines)}  }}\n"


@st.composite
def _policy_text(draw: st.DrawFn, without: frozenset[str] = frozenset()) -> str:
    return _Writer(draw, without).policy()


def policies() -> st.SearchStrategy[str]:
    """Random well-typed policy texts: enums (ordered or not, Chinese and digit-first values), an
    enterprise with facts of every type and a list of projects, parameters with and without
    defaults, definitions, an agency table, measures with conditions, amendments, benefits of every
    kind (per project too), targets, directives and a goal. Each text parses and checks without
    errors (warnings may occur), so it can fuzz the parser, checker, formatter and evaluators.

    >>> @given(policies(), st.data())
    ... def test_engines_agree(text, data):
    ...     policy = load_text(text)
    ...     profile = data.draw(profiles(policy))
    """
    return _policy_text()


def load_text(text: str, path: str = "<generated>.pol") -> PolicySet:
    """Parse and check one self-contained policy text (no `import`), without touching the disk or
    the load cache; raises PolicyError listing the problems.

    >>> load_text('policy p { title "t" } entity e "e" { fact x "x" : bool } '
    ...           'measure M1 "m" { benefit service s "s" { when x } }').evaluate({"x": True})["M1"].status
    'eligible'
    """
    source = Source(path, text)
    module, problems = parse_source(source)
    if any(isinstance(item, ast.Import) for item in module.items):
        raise ValueError("load_text() reads one self-contained policy; for imports write the files to a folder "
                         "and call policydsl.load(folder)")
    file = LoadedFile(Path(path).absolute(), path, source, module, (), ())
    policy, diagnostics = check_loaded(Loaded(Path.cwd(), file, (file,), tuple(problems)))
    errors = [d for d in diagnostics if d.severity == "error"]
    if policy is None or errors:
        raise PolicyError(errors or diagnostics or [Diagnostic("PD402", f"no policy in {path}", path=path)])
    return PolicySet(policy, tuple(diagnostics))

