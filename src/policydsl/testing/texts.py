"""Random well-typed policy texts, for fuzzing the parser, checker, formatter and evaluators."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs
from hypothesis import strategies as st

from policydsl.api import PolicySet
from policydsl.check.loader import Loaded, LoadedFile
from policydsl.check.policy import check_loaded
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


@attrs.frozen
class Enum:
    name: str
    ordered: bool
    values: tuple[str, ...]


@attrs.frozen
class Atom:
    """Something an expression can name, with its type: `revenue`, `p.investment`, `cap`."""

    text: str
    kind: str  # bool, integer, decimal, money, ratio, date, text, enum, set, list
    enum: Enum | None = None


@attrs.frozen
class Scope:
    atoms: tuple[Atom, ...]
    item_atoms: tuple[Atom, ...] = ()  # the fields of a project, for `for each` and `any`
    depth: int = 0  # loop nesting

    def of(self, *kinds: str) -> list[Atom]:
        return [a for a in self.atoms if a.kind in kinds]

    def add(self, *atoms: Atom) -> Scope:
        return attrs.evolve(self, atoms=self.atoms + atoms)


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
    ]


class _Writer:
    """Draws one policy text piece by piece; every expression is written with the type it needs."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def pick(self, options: list[str] | tuple[str, ...]) -> str:
        return self.draw(st.sampled_from(options))

    def chance(self) -> bool:
        return self.draw(st.booleans())

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
        assert enum is not None
        return self.pick(enum.values)

    # ---- expressions
    def value(self, scope: Scope, kind: str, depth: int) -> str:
        """An expression of a numeric, date or text kind."""
        atoms = scope.of(kind)
        if kind == "money" and depth > 0 and self.draw(st.integers(0, 2)) == 0:
            left = self.value(scope, "money", depth - 1)
            form = self.draw(st.integers(0, 5))
            if form == 0:
                return f"({left} + {self.value(scope, 'money', depth - 1)})"
            if form == 1:
                return f"({left} - {self.value(scope, 'money', depth - 1)})"
            if form == 2:
                return f"({left} * {self.value(scope, 'ratio', depth - 1)})"
            if form == 3:
                return f"({left} {self.pick(('*', '/'))} {self.pick(('2', '3', '0.5'))})"
            return f"{self.pick(('min', 'max'))}({left}, {self.value(scope, 'money', depth - 1)})"
        if kind == "ratio" and depth > 0 and len(scope.of("money")) >= 2 and self.draw(st.integers(0, 3)) == 0:
            first, second = self.draw(st.permutations(scope.of("money")))[:2]
            return f"({first.text} / {second.text})"
        if atoms and self.draw(st.integers(0, 2)) > 0:
            return self.draw(st.sampled_from(atoms)).text
        return self.literal(kind)

    def comparison(self, scope: Scope, depth: int) -> str:
        kinds = ["money", "integer", "decimal", "ratio", "date", "text"]
        kinds += [k for k in ("enum", "set", "list", "bool") if scope.of(k)]
        kind = self.pick(kinds)
        if kind == "bool":
            return self.draw(st.sampled_from(scope.of("bool"))).text
        if kind == "enum":
            atom = self.draw(st.sampled_from(scope.of("enum")))
            assert atom.enum is not None
            form = self.draw(st.integers(0, 2))
            if form == 0:
                values = self.draw(st.lists(st.sampled_from(atom.enum.values), min_size=1, max_size=3, unique=True))
                return f"{atom.text} {self.pick(('in', 'not in'))} {{{', '.join(values)}}}"
            ops = ("=", "!=", "<", "<=", ">", ">=") if atom.enum.ordered else ("=", "!=")
            return f"{atom.text} {self.pick(ops)} {self.pick(atom.enum.values)}"
        if kind == "set":
            atom = self.draw(st.sampled_from(scope.of("set")))
            assert atom.enum is not None
            if self.chance():
                return f"contains({atom.text}, {self.pick(atom.enum.values)})"
            return f"count({atom.text}) {self.pick(('>=', '>', '='))} {self.pick(('0', '1', '2'))}"
        if kind == "list":
            atom = self.draw(st.sampled_from(scope.of("list")))
            if self.chance() or not scope.item_atoms or scope.depth >= 1:
                return f"count({atom.text}) {self.pick(('>=', '<'))} {self.pick(('1', '2', '3'))}"
            var = self.pick(("q", "项"))
            inner = Scope(scope.atoms + tuple(Atom(f"{var}.{a.text}", a.kind, a.enum) for a in scope.item_atoms),
                          (), scope.depth + 1)
            return f"{self.pick(('any', 'all'))} {var} in {atom.text}: ({self.condition(inner, max(0, depth - 1))})"
        ops = ("=", "!=", "<", "<=", ">", ">=") if kind != "text" else ("=", "!=")
        return f"{self.value(scope, kind, depth)} {self.pick(ops)} {self.value(scope, kind, depth)}"

    def condition(self, scope: Scope, depth: int = 2) -> str:
        form = self.draw(st.integers(0, 5)) if depth > 0 else 0
        if form <= 2:
            return self.comparison(scope, depth)
        if form == 3:
            return f"not ({self.condition(scope, depth - 1)})"
        parts = [self.condition(scope, depth - 1) for _ in range(self.draw(st.integers(2, 3)))]
        return "(" + f" {self.pick(('and', 'or'))} ".join(parts) + ")"

    # ---- declarations
    def window(self) -> str:
        start = self.draw(st.sampled_from((None, "unknown", "open", datetime.date(2021, 1, 1), datetime.date(2022, 7, 1))))
        end = self.draw(st.sampled_from((None, "open", datetime.date(2025, 12, 31), datetime.date(2030, 1, 1))))
        if start is None or end is None:
            return ""
        return f"  valid from {start} until {end}\n"

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
            facts.append(Atom(name, kind, of_enum))
        item_atoms: tuple[Atom, ...] = ()
        if self.chance():
            decls.append(f"  fact projects {self.label()} : list of project\n")
            facts.append(Atom("projects", "list"))
            item_atoms = (Atom("investment", "money"), Atom("category", "enum", category), Atom("flag", "bool"))
        lines.append(f"entity enterprise {self.label()} {{\n{''.join(decls)}}}\n")
        if item_atoms:
            lines.append(f"entity project {self.label()} {{\n  fact investment {self.label()} : money >= 0\n"
                         f"  fact category {self.label()} : {category.name}\n  fact flag {self.label()} : bool\n}}\n")
        scope = Scope(tuple(facts), item_atoms)
        scope, declared_lines = self.parameters_and_definitions(scope)
        lines += declared_lines
        tables = []
        if any(a.enum is county for a in facts):
            rows = "".join(f'  {v} => "{v}政府"\n' for v in county.values)
            lines.append(f'table gov {self.label()} by county {{\n{rows}  unknown => "各县(市、区)政府"\n}}\n')
            tables.append("gov")
        for number in range(1, self.draw(st.integers(1, 3)) + 1):
            lines.append(self.measure(f"M{number}", scope, tables))
        if self.chance():
            lines.append(f"goal g1 {self.label()} {{\n  count {self.condition(scope, 1)}\n  at least 1\n"
                         f"  by 2025-12-31\n}}\n")
        return "\n".join(lines)

    def parameters_and_definitions(self, scope: Scope) -> tuple[Scope, list[str]]:
        lines: list[str] = []
        params = [("cap", "money", self.money), ("rate", "ratio", lambda: self.literal("ratio")),
                  ("limit", "integer", lambda: self.literal("integer"))]
        for name, kind, default in params:
            if self.chance():
                value = f" = {default()}" if self.chance() else ""
                lines.append(f"parameter gen.{name} {self.label()} : {kind}{value}\n")
                scope = scope.add(Atom(f"gen.{name}", kind))
        for index in range(self.draw(st.integers(0, 2))):
            lines.append(f"define ok_{index} {self.label()} = {self.condition(scope, 1)}\n")
            scope = scope.add(Atom(f"ok_{index}", "bool"))
        if self.chance():
            lines.append(f"define 基数 = {self.value(scope, 'money', 1)}\n")
            scope = scope.add(Atom("基数", "money"))
        return scope, lines

    def measure(self, measure_id: str, scope: Scope, tables: list[str]) -> str:
        body: list[str] = [f'  ref "一、{measure_id[1:]}"\n'] if self.chance() else []
        if self.chance():
            body.append(self.window())
        agencies = [f'"{self.pick(AGENCIES)}"' + (f" when {self.condition(scope, 0)}" if self.chance() else "")]
        if tables and self.chance():
            agencies.append(tables[0])
        body.append(f"  agencies {', '.join(agencies)}\n")
        inner = scope
        for index in range(self.draw(st.integers(0, 2))):
            body.append(f"  condition c{index} {self.label()} = {self.condition(inner, 1)}\n")
            inner = inner.add(Atom(f"c{index}", "bool"))
        amendable = [a for a in scope.atoms if a.text.startswith("gen.") or a.text == "基数"]
        if amendable and self.chance():
            target = self.draw(st.sampled_from(amendable))
            # The condition reads facts only: one that reads the amended name itself (directly or
            # through a definition) is a cycle the checker does not report yet.
            facts = Scope(tuple(a for a in scope.atoms if a not in amendable and not a.text.startswith("ok_")))
            body.append(f"  amend a_{measure_id} {self.label()} when {self.condition(facts, 1)} {{\n"
                        f"    {target.text} = {self.literal(target.kind)}\n  }}\n")
        for index in range(self.draw(st.integers(1, 3))):
            body.append(self.benefit(f"b{index}", inner))
        if self.chance():
            body.append(f"  target t1 {self.label()} {{\n    when {self.condition(inner, 0)}\n"
                        f"    require {self.condition(inner, 1)}\n  }}\n")
        if self.chance():
            body.append('  directive "各县(市、区)政府结合实际制定措施"\n')
        return f"measure {measure_id} {self.label()} {{\n{''.join(body)}}}\n"

    def benefit(self, benefit_id: str, scope: Scope) -> str:
        kind = self.pick(("grant", "grant", "matching", "service", "priority", "reward"))
        lines: list[str] = []
        if kind == "grant" and scope.item_atoms and self.chance():
            lines.append("    for each p in projects\n")
            scope = scope.add(*(Atom(f"p.{a.text}", a.kind, a.enum) for a in scope.item_atoms))
            scope = attrs.evolve(scope, depth=1)
        lines.append(f"    when {self.condition(scope, 2)}\n")
        if kind == "grant":
            lines.append(f"    amount {self.value(scope, 'money', 2)}\n")
            if self.chance():
                lines.append(f"    cap {self.value(scope, 'money', 1)}\n")
        elif kind == "matching":
            lines.append(f"    match {self.value(scope, 'money', 1)} at {self.pick(('1', '2'))}:{self.pick(('1', '3'))}\n")
        elif kind == "reward":
            lines.append('    reference "三政办〔2020〕14号"\n')
        if self.chance():
            lines.append('    quote "给予支持"\n')
        return f"  benefit {kind} {benefit_id} {self.label()} {{\n{''.join(lines)}  }}\n"


@st.composite
def _policy_text(draw: st.DrawFn) -> str:
    return _Writer(draw).policy()


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

