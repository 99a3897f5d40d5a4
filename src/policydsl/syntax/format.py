"""AST → canonical .pol text: fixed layout, minimal parentheses, comments kept, proven by re-parsing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
from lark import Token, Tree
from lark.exceptions import LarkError

from policydsl.diagnostics import Diagnostic
from policydsl.syntax import ast
from policydsl.syntax.parse import parse_text, parser

WIDTH = 100  # columns, counted in characters (as Span.column counts them)
INDENT = "  "
CONTINUATION = 4  # extra spaces before a broken `and` / `or`

__all__ = ["FormatInputError", "InternalFormatError", "format_expr", "format_module", "format_text"]


class FormatInputError(ValueError):
    """The text has syntax problems, so there is no AST to format; `.diagnostics` lists them."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else ""
        super().__init__(f"cannot format text with {len(self.diagnostics)} syntax problem(s): {first}")


class InternalFormatError(RuntimeError):
    """A formatter bug: its output does not parse back to the input's AST (or lost a comment)."""


# ---- expressions -----------------------------------------------------------------------

# Binding strength, loosest first; an operand printed where a stronger level is required
# gets parentheses. Mirrors the expression rules of grammar.lark.
IF, OR, AND, NOT, COMPARE, SUM, PRODUCT, NEGATE, ATOM = range(0, 9)

# Levels the left and right operands must reach. Every binary level is left-associative
# (so an equal-level right operand needs parentheses); comparisons do not chain at all.
_OPERANDS: dict[str, tuple[int, int]] = {
    "or": (OR, AND),
    "and": (AND, NOT),
    **{op: (SUM, SUM) for op in ast.COMPARISONS},
    "+": (SUM, PRODUCT),
    "-": (SUM, PRODUCT),
    "*": (PRODUCT, NEGATE),
    "/": (PRODUCT, NEGATE),
}


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Binary):
        if expr.op in ("or", "and"):
            return OR if expr.op == "or" else AND
        if expr.op in ast.COMPARISONS:
            return COMPARE
        return SUM if expr.op in ("+", "-") else PRODUCT
    if isinstance(expr, ast.Unary):
        return NOT if expr.op == "not" else NEGATE
    if isinstance(expr, ast.Member | ast.Between):
        return COMPARE
    if isinstance(expr, ast.If):
        return IF
    return ATOM


def format_expr(expr: ast.Expr, context: int = IF) -> str:
    """One expression on one line, parenthesised only if it binds looser than `context`.

    >>> format_expr(ast.Binary("-", ast.Name(("a",)), ast.Binary("-", ast.Name(("b",)), ast.Name(("c",)))))
    'a - (b - c)'
    """
    text = _expr(expr)
    return f"({text})" if _level(expr) < context else text


def _listed(expr: ast.Expr) -> str:
    """The list of an aggregate: a name, or bracketed (`count p in xs >= 2` compares the count)."""
    return format_expr(expr) if isinstance(expr, ast.Name) else f"({format_expr(expr)})"


def _expr(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Binary):
        left, right = _OPERANDS[expr.op]
        return f"{format_expr(expr.left, left)} {expr.op} {format_expr(expr.right, right)}"
    if isinstance(expr, ast.Unary):
        if expr.op == "not":
            return f"not {format_expr(expr.operand, NOT)}"
        return f"-{format_expr(expr.operand, NEGATE)}"
    if isinstance(expr, ast.Member):
        keyword = "not in" if expr.negated else "in"
        return f"{format_expr(expr.value, SUM)} {keyword} {_expr(expr.options)}"
    if isinstance(expr, ast.Between):
        return (f"{format_expr(expr.value, SUM)} between {format_expr(expr.low, SUM)} "
                f"and {format_expr(expr.high, SUM)}")
    if isinstance(expr, ast.Index):
        return f"{expr.series.dotted}[{format_expr(expr.year)}]"
    if isinstance(expr, ast.Today):
        return "today"
    if isinstance(expr, ast.DurationLit):
        return f"{expr.count} {expr.word}"
    if isinstance(expr, ast.If):
        # An `if` inside the condition or the `then` value is bracketed for the reader; `else if`
        # chains read as they are.
        return f"if {format_expr(expr.condition, OR)} then {format_expr(expr.then, OR)} else {format_expr(expr.otherwise)}"
    if isinstance(expr, ast.Quantified):
        if expr.where is None:
            return f"{expr.quantifier} {expr.var} in {format_expr(expr.collection)}: ({format_expr(expr.body)})"
        return f"{expr.quantifier} {expr.var} in {_listed(expr.collection)} where ({format_expr(expr.where)}): ({format_expr(expr.body)})"
    if isinstance(expr, ast.Aggregate):
        text = f"{expr.op} {expr.var} in {_listed(expr.collection)}"
        if expr.where is not None:
            text += f" where ({format_expr(expr.where)})"
        if expr.value is not None:
            text += f": ({format_expr(expr.value)})"
        if expr.default is not None:
            text += f" default ({format_expr(expr.default)})"
        return text
    if isinstance(expr, ast.SetLit):
        return "{" + ", ".join(format_expr(item) for item in expr.items) + "}"
    if isinstance(expr, ast.Band):
        return format_band(expr)
    if isinstance(expr, ast.Call):
        return f"{expr.function}(" + ", ".join(format_expr(arg) for arg in expr.args) + ")"
    if isinstance(expr, ast.Name):
        return expr.dotted
    if isinstance(expr, ast.MoneyLit):
        return _decimal(expr.amount) + expr.unit
    if isinstance(expr, ast.PercentLit):
        return _decimal(expr.percent) + "%"
    if isinstance(expr, ast.PointsLit):
        return _decimal(expr.value) + "分"
    if isinstance(expr, ast.NumberLit):
        text = _decimal(expr.value)
        if expr.is_integer and "." in text and expr.value == expr.value.to_integral_value():
            return str(int(expr.value))
        return text if expr.is_integer or "." in text else text + ".0"
    if isinstance(expr, ast.DateLit):
        return expr.value.isoformat()
    if isinstance(expr, ast.StringLit):
        return _string(expr.value)
    if isinstance(expr, ast.BoolLit):
        return "true" if expr.value else "false"
    raise TypeError(f"not an expression: {expr!r}")


def format_band(expr: ast.Band, indent: str = "") -> str:
    """A band, one row per line (the rows indented two spaces more than the line it starts on)."""
    rows = [f"{indent}  {band_interval(row)} => {_band_value(row.value)}" for row in expr.rows]
    return "band " + format_expr(expr.subject, OR) + " {\n" + "\n".join(rows) + f"\n{indent}}}"


_LITERALS = (ast.MoneyLit, ast.PercentLit, ast.PointsLit, ast.NumberLit, ast.DateLit, ast.StringLit, ast.BoolLit)


def _band_value(value: ast.Expr) -> str:
    """A row's value: a literal (or a negated one) bare, anything else in parentheses, as the grammar
    needs (a bare name followed by the next row's `(` would read as a call)."""
    literal = isinstance(value, _LITERALS) or (
        isinstance(value, ast.Unary) and value.op == "-" and isinstance(value.operand, _LITERALS))
    return format_expr(value) if literal else f"({format_expr(value)})"


def band_interval(row: ast.BandRow) -> str:
    """`[3%, 5%)`: the row's interval as written (an unbounded end is `(..` or `..)`)."""
    low = "(.." if row.low is None else ("[" if row.low_closed else "(") + format_expr(row.low, OR)
    high = "..)" if row.high is None else format_expr(row.high, OR) + ("]" if row.high_closed else ")")
    return f"{low}, {high}"


def _decimal(value: Decimal) -> str:
    return format(value, "f")  # as written: 1.50 stays 1.50, and never an exponent


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _expr_lines(prefix: str, expr: ast.Expr, suffix: str, indent: int) -> list[str]:
    """`prefix expr suffix`, broken before the outermost `and`s / `or`s if wider than WIDTH."""
    return _chain(prefix, expr, suffix, indent, CONTINUATION, IF)


def _chain(prefix: str, expr: ast.Expr, suffix: str, indent: int, extra: int, context: int) -> list[str]:
    flat = prefix + format_expr(expr, context) + suffix
    breakable = isinstance(expr, ast.Binary) and expr.op in ("and", "or") and _level(expr) >= context
    if indent + len(flat) <= WIDTH or not isinstance(expr, ast.Binary) or not breakable:
        return [flat]
    operands: list[ast.Expr] = []
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and node.op == expr.op:
        operands.append(node.right)
        node = node.left
    operands.append(node)
    operands.reverse()
    first_context, rest_context = _OPERANDS[expr.op]
    lines: list[str] = []
    for index, operand in enumerate(operands):
        lead = prefix if index == 0 else " " * extra + expr.op + " "
        end = suffix if index == len(operands) - 1 else ""
        operand_context = first_context if index == 0 else rest_context
        lines.extend(_chain(lead, operand, end, indent, extra + CONTINUATION, operand_context))
    return lines


# ---- statements ------------------------------------------------------------------------


@attrs.define
class _Stmt:
    """One printed statement: its lines, where it was in the source, and the comments it carries."""

    head: list[str]  # its lines; a block's last head line ends with " {"
    start: int | None = None  # source offsets, when the statement came from the source text
    close: int | None = None  # offset of a block's closing brace
    body: list[_Stmt] | None = None  # a block's items in canonical order; None: not a block
    inline: str | None = None  # the body on one line (enum values), used unless a comment is inside
    leading: list[ast.Comment] = attrs.Factory(list)
    trailing: list[ast.Comment] = attrs.Factory(list)
    tail: list[ast.Comment] = attrs.Factory(list)  # after the last item of a block
    close_trailing: list[ast.Comment] = attrs.Factory(list)

    def inline_ok(self) -> bool:
        return (
            self.inline is not None
            and not self.tail
            and not any(item.leading or item.trailing for item in self.body or ())
        )


_ITEM_RULES = frozenset(
    {
        "title", "issuer", "doc_number", "issued", "window", "source", "enum_value", "fact_decl",
        "table_row", "ref", "quote", "guidance", "agencies", "condition", "benefit", "target",
        "directive", "amend_decl", "for_each", "when", "amount", "cap", "match", "reference",
        "require", "amend_set", "goal_count", "goal_least", "goal_by", "ex_profile", "ex_as_of",
        "ex_param", "expect", "score", "score_group", "indicator",
    }
)  # fmt: skip


class _Places:
    """Where the items of one block were in the source, by grammar rule, in source order."""

    def __init__(self, tree: Tree[Token] | None) -> None:
        self.items: dict[str, list[Tree[Token]]] = {}
        for child in tree.children if tree is not None else ():
            if isinstance(child, Tree) and str(child.data) in _ITEM_RULES:
                self.items.setdefault(str(child.data), []).append(child)

    def get(self, rule: str, index: int = 0) -> Tree[Token] | None:
        found = self.items.get(rule, [])
        return found[index] if index < len(found) else None


def _stmt(head: list[str], tree: Tree[Token] | None, body: list[_Stmt] | None = None) -> _Stmt:
    start = close = None
    if tree is not None and not tree.meta.empty:
        start = tree.meta.start_pos
        close = tree.meta.end_pos - 1 if body is not None else None
    return _Stmt(head, start, close, body)


def _opt_label(label: str | None) -> str:
    return "" if label is None else " " + _string(label)


def _type(type_expr: ast.TypeExpr) -> str:
    return type_expr.name if type_expr.kind == "simple" else f"{type_expr.kind} of {type_expr.name}"


def _bound(bound: ast.Bound) -> str:
    if bound.kind == "year":
        return f"{bound.year:04d}" + (f" day {bound.day}" if bound.day else "")
    return bound.date.isoformat() if bound.kind == "date" and bound.date is not None else bound.kind


def _points(low: Decimal, high: Decimal) -> str:
    return f"{_decimal(low)}分" if low == high else f"{_decimal(low)}分..{_decimal(high)}分"


def _window(window: ast.Window) -> str:
    return f"valid from {_bound(window.start)} until {_bound(window.end)}"


class _Builder:
    """AST → statements in canonical order, each paired with its place in the source."""

    def declaration(self, item: ast.Declaration, tree: Tree[Token] | None) -> _Stmt:
        places = _Places(tree)
        if isinstance(item, ast.PolicyHeader):
            return self.policy(item, tree, places)
        if isinstance(item, ast.Import):
            return _stmt([f"import {_string(item.path)}"], tree)
        if isinstance(item, ast.EnumDecl):
            return self.enum(item, tree, places)
        if isinstance(item, ast.EntityDecl):
            facts = [_stmt([self.fact(fact)], places.get("fact_decl", index)) for index, fact in enumerate(item.facts)]
            return _stmt([f"entity {item.name} {_string(item.label)} {{"], tree, facts)
        if isinstance(item, ast.DefineDecl):
            return _stmt(_expr_lines(f"define {item.name}{_opt_label(item.label)} = ", item.expr, "", 0), tree)
        if isinstance(item, ast.ParamDecl):
            declared = f"parameter {item.name} {_string(item.label)} : {_type(item.type)}"
            declared += _declared_bounds(item.minimum, item.maximum)
            if item.default is None:
                return _stmt([declared], tree)
            return _stmt(_expr_lines(declared + " = ", item.default, "", 0), tree)
        if isinstance(item, ast.TableDecl):
            rows = [_stmt([self.row(row)], places.get("table_row", index)) for index, row in enumerate(item.rows)]
            head = _expr_lines(f"table {item.name} {_string(item.label)} by ", item.key, " {", 0)
            return _stmt(head, tree, rows)
        if isinstance(item, ast.Measure):
            return self.measure(item, tree, places)
        if isinstance(item, ast.Amendment):
            return self.amendment(item, tree, places, 0)
        if isinstance(item, ast.Goal):
            return self.goal(item, tree, places)
        if isinstance(item, ast.Example):
            return self.example(item, tree, places)
        raise TypeError(f"not a declaration: {item!r}")

    def policy(self, item: ast.PolicyHeader, tree: Tree[Token] | None, places: _Places) -> _Stmt:
        fields: list[_Stmt] = []
        for rule, keyword, value in (
            ("title", "title", item.title),
            ("issuer", "issuer", item.issuer),
            ("doc_number", "number", item.number),
        ):
            if value is not None:
                fields.append(_stmt([f"{keyword} {_string(value)}"], places.get(rule)))
        if item.issued is not None:
            fields.append(_stmt([f"issued {_bound(item.issued)}"], places.get("issued")))
        if item.window is not None:
            fields.append(_stmt([_window(item.window)], places.get("window")))
        if item.source is not None:
            fields.append(_stmt([f"source {_string(item.source)}"], places.get("source")))
        return _stmt([f"policy {item.id} {{"], tree, fields)

    def enum(self, item: ast.EnumDecl, tree: Tree[Token] | None, places: _Places) -> _Stmt:
        values = [
            _stmt([value.name + _opt_label(value.label) + ","], places.get("enum_value", index))
            for index, value in enumerate(item.values)
        ]
        prefix = "ordered " if item.ordered else ""
        stmt = _stmt([f"{prefix}enum {item.name} {_string(item.label)} {{"], tree, values)
        line = ", ".join(value.name for value in item.values)
        if all(value.label is None for value in item.values) and len(INDENT) + len(line) <= WIDTH:
            stmt.inline = line
        return stmt

    def fact(self, fact: ast.FactDecl) -> str:
        text = f"fact {fact.name} {_string(fact.label)} : {_type(fact.type)}"
        return text + _declared_bounds(fact.minimum, fact.maximum)

    def row(self, row: ast.TableRow) -> str:
        key = "unknown" if row.key is None else row.key
        return f"{key} => " + ", ".join(_string(agency) for agency in row.agencies)

    def measure(self, item: ast.Measure, tree: Tree[Token] | None, places: _Places) -> _Stmt:
        body: list[_Stmt] = []
        if item.ref is not None:
            body.append(_stmt([f"ref {_string(item.ref)}"], places.get("ref")))
        body += self.strings("quote", item.quotes, places)
        body += self.strings("guidance", item.guidance, places)
        if item.window is not None:
            body.append(_stmt([_window(item.window)], places.get("window")))
        if item.agencies:
            body.append(_stmt(["agencies " + ", ".join(map(self.agency, item.agencies))], places.get("agencies")))
        for index, condition in enumerate(item.conditions):
            prefix = f"condition {condition.name}{_opt_label(condition.label)} = "
            body.append(_stmt(_expr_lines(prefix, condition.expr, "", 2), places.get("condition", index)))
        for index, amendment in enumerate(item.amendments):
            body.append(self.amendment(amendment, places.get("amend_decl", index), None, 2))
        for index, benefit in enumerate(item.benefits):
            body.append(self.benefit(benefit, places.get("benefit", index)))
        for index, target in enumerate(item.targets):
            body.append(self.target(target, places.get("target", index)))
        body += self.strings("directive", item.directives, places)
        if item.score is not None:
            body.append(self.score(item.score, places.get("score")))
        version = "" if item.version is None else f" version {_string(item.version)}"
        return _stmt([f"measure {item.id} {_string(item.title)}{version} {{"], tree, body)

    def score(self, item: ast.Score, tree: Tree[Token] | None) -> _Stmt:
        places = _Places(tree)
        body = [self.indicator(i, places.get("indicator", index), 4) for index, i in enumerate(item.indicators)]
        for index, group in enumerate(item.groups):
            inner = _Places(places.get("score_group", index))
            rows = [self.indicator(i, inner.get("indicator", n), 6) for n, i in enumerate(group.indicators)]
            floor = "" if group.floor is None else f" at least {format_expr(group.floor)}"
            body.append(_stmt([f"group {group.name} {_string(group.label)}{floor} {{"],
                              places.get("score_group", index), rows))
        return _stmt([f"score {_string(item.label)} {{"], tree, body)

    def indicator(self, item: ast.Indicator, tree: Tree[Token] | None, indent: int) -> _Stmt:
        return _stmt(_expr_lines(f"indicator {item.name} {_string(item.label)} = ", item.expr, "", indent), tree)

    def strings(self, keyword: str, values: Iterable[str], places: _Places) -> list[_Stmt]:
        return [_stmt([f"{keyword} {_string(value)}"], places.get(keyword, i)) for i, value in enumerate(values)]

    def agency(self, agency: ast.Agency) -> str:
        text = _string(agency.name) if agency.name is not None else str(agency.table)
        return text if agency.when is None else f"{text} when {format_expr(agency.when)}"

    def amendment(self, item: ast.Amendment, tree: Tree[Token] | None, places: _Places | None, indent: int) -> _Stmt:
        places = places or _Places(tree)
        sets = [
            _stmt(_expr_lines(f"{amend.target} = ", amend.value, "", indent + 2), places.get("amend_set", index))
            for index, amend in enumerate(item.sets)
        ]
        over = f" over {', '.join(name.dotted for name in item.over)}" if item.over else ""
        head = _expr_lines(f"amend {item.id} {_string(item.label)} when ", item.when, f"{over} {{", indent)
        return _stmt(head, tree, sets)

    def benefit(self, item: ast.Benefit, tree: Tree[Token] | None) -> _Stmt:
        places = _Places(tree)
        body: list[_Stmt] = []
        if item.for_each is not None:
            prefix = f"for each {item.for_each.var} in "
            body.append(_stmt(_expr_lines(prefix, item.for_each.collection, "", 4), places.get("for_each")))
        for rule, expr in (("when", item.when), ("amount", item.amount), ("cap", item.cap)):
            if expr is not None:
                body.append(_stmt(_expr_lines(f"{rule} ", expr, "", 4), places.get(rule)))
        if item.match is not None:
            ratio = f" at {item.match.numerator}:{item.match.denominator}"
            body.append(_stmt(_expr_lines("match ", item.match.base, ratio, 4), places.get("match")))
        if item.reference is not None:
            body.append(_stmt([f"reference {_string(item.reference)}"], places.get("reference")))
        body += self.strings("quote", item.quotes, places)
        base = "" if item.base is None else f" from {item.base}"
        return _stmt([f"benefit {item.kind} {item.id} {_string(item.label)}{base} {{"], tree, body)

    def target(self, item: ast.Target, tree: Tree[Token] | None) -> _Stmt:
        places = _Places(tree)
        body: list[_Stmt] = []
        for rule, expr in (("when", item.when), ("require", item.require)):
            if expr is not None:
                body.append(_stmt(_expr_lines(f"{rule} ", expr, "", 4), places.get(rule)))
        body += self.strings("quote", item.quotes, places)
        return _stmt([f"target {item.id} {_string(item.label)} {{"], tree, body)

    def goal(self, item: ast.Goal, tree: Tree[Token] | None, places: _Places) -> _Stmt:
        body = [
            _stmt(_expr_lines("count ", item.count, "", 2), places.get("goal_count")),
            _stmt([f"at least {item.at_least}"], places.get("goal_least")),
        ]
        if item.by is not None:
            body.append(_stmt([f"by {item.by.isoformat()}"], places.get("goal_by")))
        return _stmt([f"goal {item.id} {_string(item.label)} {{"], tree, body)

    def example(self, item: ast.Example, tree: Tree[Token] | None, places: _Places) -> _Stmt:
        body: list[_Stmt] = []
        if item.profile is not None:
            body.append(_stmt([f"profile {_string(item.profile)}"], places.get("ex_profile")))
        if item.as_of is not None:
            body.append(_stmt([f"as of {item.as_of.isoformat()}"], places.get("ex_as_of")))
        for index, param in enumerate(item.params):
            body.append(_stmt(_expr_lines(f"param {param.name} = ", param.value, "", 2), places.get("ex_param", index)))
        for index, expect in enumerate(item.expects):
            body.append(_stmt([self.expect(expect)], places.get("expect", index)))
        return _stmt([f"example {item.id}{_opt_label(item.label)} {{"], tree, body)

    def expect(self, expect: ast.Expect) -> str:
        parts = [f"expect {expect.measure} {expect.status}"]
        if expect.total is not None:
            parts.append(f"total {format_expr(expect.total)}")
        if expect.no_total:
            parts.append("total none")
        if expect.at_most is not None:
            parts.append(f"at most {format_expr(expect.at_most)}")
        if expect.version is not None:
            parts.append(f"version {_string(expect.version)}")
        if expect.no_version:
            parts.append("version none")
        if expect.score is not None:
            parts.append(f"score {_points(*expect.score)}")
        if expect.no_score:
            parts.append("score none")
        for group, low, high in expect.subtotals:
            parts.append(f"subtotal {group} {_points(low, high)}")
        if expect.unknowns is not None:  # () is `unknowns none`
            parts.append("unknowns " + (", ".join(_string(name) for name in expect.unknowns) or "none"))
        return " ".join(parts)


# ---- comments and blank lines ------------------------------------------------------------

_SPACE = " \t\r\f\ufeff"


class _Weaver:
    """Attaches each comment to a statement, by source position, and remembers blank lines."""

    def __init__(self, text: str, top: list[_Stmt]) -> None:
        self.text = text
        self.top = top
        self.tail: list[ast.Comment] = []  # comments after the last declaration

    def attach(self, comment: ast.Comment) -> None:
        assert comment.span is not None
        position = comment.span.start
        line_start = self.text.rfind("\n", 0, position) + 1
        before = self.text[line_start:position].rstrip(_SPACE)
        if before.strip(_SPACE):
            self.attach_trailing(comment, line_start + len(before) - 1)
        else:
            self.attach_own_line(comment, position, self.top, None)

    def attach_trailing(self, comment: ast.Comment, code: int) -> None:
        """A comment after code: it stays on the line of the statement the code belongs to."""
        siblings, owner = self.top, None
        while True:
            last = _last_starting(siblings, code, inclusive=True)
            if last is None:
                if owner is None:
                    self.tail.append(comment)
                else:
                    owner.trailing.append(comment)
                return
            if last.body is not None and last.close is not None and code >= last.close:
                last.close_trailing.append(comment)
                return
            if last.body is None:
                last.trailing.append(comment)
                return
            siblings, owner = last.body, last

    def attach_own_line(self, comment: ast.Comment, position: int, siblings: list[_Stmt], owner: _Stmt | None) -> None:
        """A comment on its own line belongs to the next statement, or ends its block."""
        while True:
            last = _last_starting(siblings, position, inclusive=False)
            if last is not None and last.body is not None and last.close is not None and position < last.close:
                siblings, owner = last.body, last
                continue
            following = [s for s in siblings if s.start is not None and s.start > position]
            if following:
                min(following, key=lambda s: s.start or 0).leading.append(comment)
            elif owner is not None:
                owner.tail.append(comment)
            else:
                self.tail.append(comment)
            return

    def blank_before(self, position: int | None) -> bool:
        """Whether the source has an empty line just before `position`."""
        if position is None:
            return False
        index = position
        while index > 0 and self.text[index - 1] in _SPACE + "\n":
            index -= 1
        return index > 0 and self.text.count("\n", index, position) >= 2


def _last_starting(siblings: list[_Stmt], position: int, inclusive: bool) -> _Stmt | None:
    candidates = [
        s for s in siblings if s.start is not None and (s.start <= position if inclusive else s.start < position)
    ]
    return max(candidates, key=lambda s: s.start or 0) if candidates else None


def _spread_trailing(stmts: list[_Stmt]) -> None:
    """One trailing comment per line; any more go above the statement, so none is lost."""
    for stmt in stmts:
        extra = stmt.trailing[len(stmt.head) :]
        if extra:
            stmt.trailing = stmt.trailing[: len(stmt.head)]
            stmt.leading.extend(extra)
        if stmt.body is not None:
            _spread_trailing(stmt.body)


def _start(comment: ast.Comment) -> int | None:
    return comment.span.start if comment.span else None


class _Printer:
    def __init__(self, weaver: _Weaver | None) -> None:
        self.weaver = weaver
        self.lines: list[str] = []

    def blank(self, position: int | None) -> bool:
        return self.weaver is not None and self.weaver.blank_before(position)

    def block(self, stmts: list[_Stmt], tail: list[ast.Comment], depth: int) -> None:
        indent = INDENT * depth
        first = True
        for stmt in stmts:
            # Its comments, then the statement; one blank line before each declaration's group.
            units: list[tuple[int | None, str | None]] = [(_start(c), indent + c.text) for c in stmt.leading]
            for index, (position, line) in enumerate([*units, (stmt.start, None)]):
                if not first and ((depth == 0 and index == 0) or self.blank(position)):
                    self.lines.append("")
                first = False
                if line is not None:
                    self.lines.append(line)
            self.statement(stmt, depth)
        for comment in tail:
            if not first and self.blank(_start(comment)):
                self.lines.append("")
            first = False
            self.lines.append(indent + comment.text)

    def statement(self, stmt: _Stmt, depth: int) -> None:
        indent = INDENT * depth
        comments: list[ast.Comment | None] = [*stmt.trailing, *[None] * (len(stmt.head) - len(stmt.trailing))]
        closing = stmt.close_trailing
        empty = stmt.body is not None and not stmt.body and not stmt.tail
        # An empty block closes on its head's last line, whose comment (if any) is then read back
        # as the brace's comment; two comments cannot share that line.
        if empty and (not closing or (len(closing) == 1 and comments[-1] is None)):
            comments[-1] = closing[0] if closing else comments[-1]
            self.head_lines([*stmt.head[:-1], stmt.head[-1] + "}"], comments, indent)
            return
        self.head_lines(stmt.head, comments, indent)
        if stmt.body is None:
            return
        if stmt.inline_ok():
            self.lines.append(indent + INDENT + str(stmt.inline))
        else:
            self.block(stmt.body, [*stmt.tail, *closing[1:]], depth + 1)  # more than one: not from parsing
        self.lines.append(indent + "}" + (f"  {closing[0].text}" if closing else ""))

    def head_lines(self, head: list[str], comments: Sequence[ast.Comment | None], indent: str) -> None:
        for index, line in enumerate(head):
            comment = comments[index] if index < len(comments) else None
            line = line.replace("\n", "\n" + indent)  # a band's rows, one per line, under the statement
            self.lines.append(indent + line + ("" if comment is None else "  " + comment.text))


# ---- entry points ------------------------------------------------------------------------


def _source_text(module: ast.Module) -> str | None:
    if module.span is not None:
        return module.span.source.text
    for comment in module.comments:
        if comment.span is not None:
            return comment.span.source.text
    return None


def _source_trees(module: ast.Module, text: str | None) -> list[Tree[Token] | None]:
    """The parse tree of each declaration, if the module still is what its source parses to."""
    none: list[Tree[Token] | None] = [None] * len(module.items)
    if text is None:
        return none
    try:
        children = [child for child in parser().parse(text).children if isinstance(child, Tree)]
    except LarkError:
        return none
    if len(children) != len(module.items) or any(
        item.span is None or item.span.start != child.meta.start_pos
        for item, child in zip(module.items, children, strict=True)
    ):
        return none  # e.g. a rewritten AST: comments then go to the end rather than astray
    return list(children)


def format_module(module: ast.Module) -> str:
    """The canonical text of a module; comments are placed by their positions in its source.

    >>> format_module(parse_text("define  x=1+( 2*3 )")[0])
    'define x = 1 + 2 * 3\\n'
    """
    text = _source_text(module)
    trees = _source_trees(module, text)
    builder = _Builder()
    top = [builder.declaration(item, tree) for item, tree in zip(module.items, trees, strict=True)]
    weaver = _Weaver(text or "", top)
    placed = text is not None and trees.count(None) < len(trees)
    for comment in module.comments:
        if placed and comment.span is not None and comment.span.source.text == text:
            weaver.attach(comment)
        else:
            weaver.tail.append(comment)  # nowhere to place it: kept at the end, never lost
    _spread_trailing(top)
    printer = _Printer(weaver if text is not None else None)
    printer.block(top, weaver.tail, 0)
    return "\n".join(printer.lines) + "\n" if printer.lines else ""


def format_text(text: str, path: str = "<text>") -> str:
    """Parse, format, and prove the result: it must parse back to the same AST and comments.

    Raises FormatInputError (a ValueError) when the text has syntax problems.

    >>> format_text('measure m "t" {condition c = (a or b) and c}')
    'measure m "t" {\\n  condition c = (a or b) and c\\n}\\n'
    """
    module, problems = parse_text(text, path)
    if problems:
        raise FormatInputError(problems)
    formatted = format_module(module)
    again, again_problems = parse_text(formatted, path)
    if again_problems:
        raise InternalFormatError(
            f"formatting {path} produced text that does not parse: {again_problems[0].message}"
            f" at {again_problems[0].span.location() if again_problems[0].span else '?'}"
        )
    if again != module:
        raise InternalFormatError(f"formatting {path} changed its meaning: {_first_difference(module, again)}")
    if Counter(c.text for c in again.comments) != Counter(c.text for c in module.comments):
        raise InternalFormatError(f"formatting {path} lost or duplicated a comment")
    return formatted


def _first_difference(before: ast.Module, after: ast.Module) -> str:
    for index, (old, new) in enumerate(zip(before.items, after.items, strict=False)):
        if old != new:
            return f"declaration {index + 1}: {old!r} became {new!r}"
    return f"{len(before.items)} declarations became {len(after.items)}"


def _declared_bounds(minimum: Decimal | None, maximum: Decimal | None) -> str:
    """` >= 0` or ` 0..4` after a declared type (a range needs both ends)."""
    if minimum is None:
        return ""
    if maximum is None:
        return f" >= {_decimal(minimum)}"
    return f" {_decimal(minimum)}..{_decimal(maximum)}"
