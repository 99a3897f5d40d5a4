"""Text → AST: the cached LALR parser, the tree transformer, and syntax errors as diagnostics."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta

from policydsl.diagnostics import Diagnostic, Label, Source, Span
from policydsl.syntax import ast, grammar_cache
from policydsl.syntax.limits import (  # noqa: F401 - re-exported: the limits are the parser's
    MAX_DIGITS,
    MAX_EXPANDED_DEPTH,
    MAX_EXPRESSION_DEPTH,
    MAX_INTEGER,
    MAX_MAGNITUDE,
    MAX_NESTING,
    MAX_SOURCE_CHARS,
    RESERVED,
)


@cache
def parser() -> Lark:
    """The LALR parser; its analysed grammar is kept on disk as authenticated JSON (`grammar_cache`)."""
    grammar = resources.files("policydsl.syntax").joinpath("grammar.lark").read_text("utf-8")
    options: dict[str, Any] = dict(
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )
    return grammar_cache.load(grammar, options)


# Friendly names for terminals in "expected …" messages.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "DIGIT_NAME": "a name",
    "STRING": 'a string in double quotes ("…")',
    "NUMBER": "a number",
    "MONEY": "an amount of money such as 150万元",
    "PERCENT": "a percentage such as 30%",
    "POINTS": "points such as 15分",
    "DATE": "a date such as 2025-12-31",
    "$END": "the end of the file",
}

_TOP_LEVEL = (
    "policy",
    "import",
    "enum",
    "ordered",
    "entity",
    "define",
    "parameter",
    "table",
    "measure",
    "amend",
    "goal",
    "example",
)
_TOP_LEVEL_LINE = re.compile(r"^(?:" + "|".join(_TOP_LEVEL) + r")\b", re.MULTILINE)


def describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    for terminal in parser().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return f"'{terminal.pattern.value}'"
    return name.lower()


def _bare(description: str) -> str:
    """'a name' → 'name': after "unexpected" the article reads wrongly."""
    for article in ("a ", "an "):
        if description.startswith(article):
            return description[len(article):]
    return description


def _expected_sentence(expected: set[str]) -> str:
    names = sorted({describe_terminal(name) for name in expected})
    if len(names) > 8:
        keywords = [n for n in names if n.startswith("'") and n[1:-1].isalpha()]
        others = [n for n in names if n not in keywords]
        names = others + ([f"a keyword ({', '.join(keywords[:6])}, …)"] if keywords else [])
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


# Known mistakes, recognised by the parser state they leave it in (Lark's match_examples).
# `==` (PD104) is recognised by its text wherever it stands, see _double_equals.
_ERROR_EXAMPLES: dict[tuple[str, str, str], list[str]] = {
    (
        "PD105",
        "a measure needs a title after its id",
        'write `measure M1 "落实财政奖励政策" { … }`',
    ): ["measure M1 {", "measure M1 }"],
}
_C_OPERATORS = ("PD107", "'&&', '||' and '!' are not operators", "write `and`, `or` and `not`")


def _error_signature(error: UnexpectedInput) -> tuple[object, ...]:
    token = getattr(error, "token", None)
    char = None
    if isinstance(error, UnexpectedCharacters):
        char = error.char
    state = getattr(error, "state", None)
    # ParserState compares by stack depth and position; those two identify it.
    if state is not None and hasattr(state, "position"):
        state = (len(state.state_stack), state.position)
    return (
        state,
        frozenset(getattr(error, "accepts", None) or getattr(error, "expected", None) or ()),
        token.type if token is not None else None,
        char,
    )


@cache
def _example_signatures() -> dict[tuple[object, ...], tuple[str, str, str]]:
    """Parse each known mistake once and remember the parser state it fails in."""
    signatures: dict[tuple[object, ...], tuple[str, str, str]] = {}
    for label, snippets in _ERROR_EXAMPLES.items():
        for snippet in snippets:
            try:
                parser().parse(snippet)
            except UnexpectedInput as error:
                signatures.setdefault(_error_signature(error), label)
    return signatures


def _match_known(error: UnexpectedInput) -> tuple[str, str, str] | None:
    # State, accepted terminals and offending token must all agree: LALR states are shared
    # between contexts, so the state alone would confuse `measure M1 {` with `a == b`.
    return _example_signatures().get(_error_signature(error))


# Tokens after which an expression needs an operand: `and`/`or` right after one of them is a
# missing operand (`x and and y`), which the contextual lexer would otherwise read as a name.
_NEEDS_OPERAND = frozenset({"_AND", "_OR", "_NOT", "EQ", "NE", "LT", "LE", "GT", "GE", "PLUS", "MINUS", "STAR",
                            "SLASH", "LPAR", "WHEN", "IN"})


def _tokens(line: str) -> list[Token] | None:
    """The tokens of (part of) a line, read without the parser; None where they cannot be read."""
    try:
        return list(parser().lex(line))
    except UnexpectedInput:
        return None


def _operator_as_name(text: str, position: int) -> tuple[int, int, str, str] | None:
    """(start, end, word, the token before) of an `and`/`or` standing where a value must be,
    just before `position`; None otherwise."""
    line_start = text.rfind("\n", 0, position) + 1
    tokens = _tokens(text[line_start:position])
    if tokens is None or len(tokens) < 2:
        return None
    before, word = tokens[-2], tokens[-1]
    if word.type not in ("_AND", "_OR") or before.type not in _NEEDS_OPERAND:
        return None
    start = line_start + (word.start_pos or 0)
    return start, start + len(str(word)), str(word), str(before)


_COMPARISONS = frozenset({"EQ", "NE", "LT", "LE", "GT", "GE"})
# What may stand inside one operand of a comparison (a sum of names, literals and products).
_OPERAND_TOKENS = frozenset({"NAME", "DIGIT_NAME", "NUMBER", "MONEY", "PERCENT", "POINTS", "DATE", "STRING", "PLUS",
                             "MINUS", "STAR", "SLASH", "DOT"})


def _chained_comparison(text: str, token: Token) -> str | None:
    """`a < b and b < c` for a second comparison operator after `a < b` (`50% <= x < 70%`), from
    the tokens of the line; None when the operator does not follow a comparison."""
    position = token.start_pos or 0
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line_end = len(text) if line_end < 0 else line_end
    tokens = _tokens(text[line_start:line_end])
    if tokens is None:
        return None
    index = next((i for i, t in enumerate(tokens) if line_start + (t.start_pos or 0) == position), None)
    if index is None:
        return None

    def inside(i: int) -> bool:  # a keyword after a dot is a name's part: `three_upgrades.cap`
        return tokens[i].type in _OPERAND_TOKENS or (i > 0 and tokens[i - 1].type == "DOT")

    def operand(indices: range) -> str | None:
        parts = []
        for i in indices:
            if not inside(i):
                break
            parts.append(tokens[i])
        if not parts:
            return None
        parts.sort(key=lambda t: t.start_pos or 0)
        return text[line_start + (parts[0].start_pos or 0):line_start + (parts[-1].end_pos or 0)]

    first = index - 1
    while first >= 0 and inside(first):
        first -= 1
    if first < 0 or tokens[first].type not in _COMPARISONS:
        return None
    left, middle = operand(range(first - 1, -1, -1)), operand(range(first + 1, index))
    right = operand(range(index + 1, len(tokens)))
    if left is None or middle is None or right is None:
        return None
    return f"{left} {tokens[first]} {middle} and {middle} {token} {right}"


def _syntax_diagnostic(error: UnexpectedInput, source: Source, text: str | None = None, base: int = 0) -> Diagnostic:
    """One syntax error as a diagnostic; `text` is the text the parser saw, `base` its offset in the source."""
    text = text if text is not None else source.text

    def at(start: int, end: int) -> Span:
        return Span(source, base + start, base + end)

    offset = getattr(error, "pos_in_stream", None)
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        offset = error.token.start_pos
    if offset is None:
        offset = len(text)
    offset = min(offset, len(text))
    end = offset + 1 if offset < len(text) else offset

    if isinstance(error, UnexpectedCharacters):
        char = text[offset] if offset < len(text) else ""
        if char == '"':
            line_end = text.find("\n", offset)
            line_end = len(text) if line_end < 0 else line_end
            return Diagnostic(
                "PD103",
                "unterminated string",
                at(offset, max(offset + 1, line_end)),
                hint='close the string with a double quote (") on the same line',
            )
        if char == "=" and _after_equals(text, offset):
            return _double_equals(text, offset, at)
        if char in "&|!":
            code, message, hint = _C_OPERATORS
            return Diagnostic(code, message, at(offset, end), hint=hint)
        known = _match_known(error)
        if known:
            return Diagnostic(known[0], known[1], at(offset, end), hint=known[2])
        allowed = _expected_sentence(set(error.allowed or ()))
        return Diagnostic(
            "PD102",
            f"unexpected character {char!r}",
            at(offset, end),
            hint=f"expected {allowed}" if error.allowed else None,
        )

    known = _match_known(error)
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            stripped = len(text.rstrip())
            span = at(max(0, stripped - 1), max(1, stripped))
            found = "end: the declaration is not complete"
        else:
            start = token.start_pos or 0
            if str(token).startswith("=") and _after_equals(text, start):
                return _double_equals(text, start, at)
            span = at(start, token.end_pos or start + 1)
            found = f"{_bare(describe_terminal(token.type))} {str(token)!r}" if token.type in (
                "NAME",
                "STRING",
                "NUMBER",
                "MONEY",
                "PERCENT",
                "DATE",
                "DIGIT_NAME",
            ) else describe_terminal(token.type)
        if known:
            return Diagnostic(known[0], known[1], span, hint=known[2])
        doubled = _operator_as_name(text, token.start_pos or 0) if token.type != "$END" else None
        if doubled is not None:
            start, end, word, before = doubled
            return Diagnostic("PD101", f"'{word}' where a value was expected", at(start, end),
                              hint=f"a name or a value is missing between '{before}' and '{word}'")
        chained = _chained_comparison(text, token) if token.type in _COMPARISONS else None
        if chained is not None:
            return Diagnostic("PD120", "comparisons do not chain", span,
                              hint=f"compare twice and join them with `and`: `{chained}`")
        if token.type == "NAME" and str(token) in ("元", "万元", "亿元") and _after_digit_and_space(
            text, token.start_pos or 0
        ):
            return Diagnostic("PD106", "an amount and its unit are written together", span,
                              hint=f"write the number and {token} without a space, e.g. 150{token}")
        return Diagnostic(
            "PD101",
            f"unexpected {found}",
            span,
            hint=f"expected {_expected_sentence(set(error.expected))}",
        )
    if isinstance(error, UnexpectedEOF):
        return Diagnostic(
            "PD101",
            "unexpected end of the file",
            at(max(0, len(text) - 1), len(text)),
            hint=f"expected {_expected_sentence(set(error.expected))}",
        )
    return Diagnostic("PD101", str(error).splitlines()[0], at(offset, end))


def _after_equals(text: str, offset: int) -> bool:
    """Whether the `=` at offset follows another `=` (not `<=`, `>=`, `!=`): `==` was written."""
    return offset >= 1 and text[offset - 1] == "=" and (offset < 2 or text[offset - 2] not in "<>!=")


def _double_equals(text: str, offset: int, at: Callable[[int, int], Span]) -> Diagnostic:
    """PD104 wherever `==` stands: a comparison, a definition, an amendment, an example parameter."""
    return Diagnostic(
        "PD104",
        "'==' is not an operator",
        at(offset - 1, offset + 1),
        hint="write a single '=' to compare (`srdi_level = little_giant`) or to give a value",
    )


def _after_digit_and_space(text: str, offset: int) -> bool:
    """Whether a digit, then spaces or tabs, stand just before offset (`150 万元`); looks back only that far."""
    index = offset
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    return index < offset and index > 0 and text[index - 1].isdigit()


def _unescape(token: Token, source: Source, problems: list[Diagnostic], base: int = 0) -> str:
    raw = str(token)[1:-1]

    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        mapped = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}.get(char)
        if mapped is None:
            start = base + (token.start_pos or 0) + 1 + match.start()
            problems.append(
                Diagnostic(
                    "PD108",
                    f"unknown escape '\\{char}' in a string",
                    Span(source, start, start + 2),
                    hint='the escapes are \\" \\\\ \\n and \\t',
                )
            )
            return char
        return mapped

    return re.sub(r"\\(.)", replace, raw)


Item = tuple[str, Any, "Span | None"]


def _field(kind: str) -> Callable[..., Item]:
    """A block item holding one string, e.g. `quote "…"`."""

    @v_args(inline=True, meta=True)
    def build(self: _Builder, meta: Meta, token: Token) -> Item:
        return (kind, self._string(token), self._span(meta))

    return build


def _expr_item(kind: str) -> Callable[..., Item]:
    """A block item holding one expression, e.g. `when is_srdi`."""

    @v_args(inline=True, meta=True)
    def build(self: _Builder, meta: Meta, expr: ast.Expr) -> Item:
        return (kind, expr, self._span(meta))

    return build


class _Builder(Transformer[Token, Any]):
    """Builds AST nodes bottom-up; collects the problems it can see locally."""

    def __init__(self, source: Source, base: int = 0) -> None:
        super().__init__(visit_tokens=False)
        self.src = source
        self.base = base  # where the parsed text starts in the source (a chunk parsed on its own)
        self.problems: list[Diagnostic] = []

    def _span(self, meta: Meta | Token) -> Span | None:
        if isinstance(meta, Token):
            if meta.start_pos is None:
                return None
            return Span(self.src, self.base + meta.start_pos, self.base + (meta.end_pos or meta.start_pos))
        if getattr(meta, "empty", True):
            return None
        return Span(self.src, self.base + meta.start_pos, self.base + meta.end_pos)

    def _string(self, token: Token) -> str:
        return _unescape(token, self.src, self.problems, self.base)

    def _date(self, token: Token) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            self.problems.append(
                Diagnostic(
                    "PD109",
                    f"invalid date {str(token)!r}",
                    self._span(token),
                    hint="dates are written YYYY-MM-DD with a real month and day, e.g. 2025-12-31",
                )
            )
            return datetime.date(1, 1, 1)

    def _number(self, token: Token, text: str, magnitude: Decimal | None = None, whole: bool = False) -> Decimal:
        """The number written in `text` (part of token); refused (PD118) when too large or too precise.

        `magnitude` is the value to compare with MAX_MAGNITUDE (money in 万元, a ratio as a fraction);
        whole numbers are limited to MAX_INTEGER instead.
        """
        value = Decimal(text)
        significant = len(bytes(value.as_tuple().digits).rstrip(b"\0"))  # trailing zeros change nothing
        too_large = abs(value) > MAX_INTEGER if whole else abs(value if magnitude is None else magnitude) > MAX_MAGNITUDE
        if too_large or significant > MAX_DIGITS:
            written = str(token)
            shown = written if len(written) <= 40 else f"{written[:20]}…{written[-8:]} ({len(written)} characters)"
            limit = (f"whole numbers are limited to {MAX_INTEGER} (2**63 − 1)" if whole
                     else "numbers, ratios and amounts (in 万元) are limited to 10^18")
            self.problems.append(Diagnostic(
                "PD118",
                f"the number {shown} is too {'large' if too_large else 'precise'}",
                self._span(token),
                hint=f"{limit} and {MAX_DIGITS} significant digits, so that arithmetic on them stays exact",
            ))
        return value

    def _whole(self, token: Token) -> Decimal | None:
        """A number that must be a whole number of at most MAX_INTEGER; None when it is too large."""
        before = len(self.problems)
        value = self._number(token, str(token), whole=True)
        return value if len(self.problems) == before else None

    def _single(self, owner: str, items: list[tuple[str, Any, Span | None]]) -> dict[str, Any]:
        """Group block items by kind; a kind that may occur once and repeats is reported."""
        seen: dict[str, Span | None] = {}
        grouped: dict[str, Any] = {}
        for kind, value, span in items:
            if kind in _REPEATABLE:
                grouped.setdefault(kind, []).append(value)
                continue
            if kind in seen:
                first = seen[kind]
                self.problems.append(
                    Diagnostic(
                        "PD110",
                        f"'{_ITEM_WORDS.get(kind, kind)}' given twice in {owner}",
                        span,
                        hint="keep one; combine conditions with `and`",
                        labels=(Label(first, "first given here"),) if first else (),
                    )
                )
                continue
            seen[kind] = span
            grouped[kind] = value
        return grouped

    # ---- top level
    def start(self, items: list[Any]) -> list[Any]:
        return list(items)

    def _not_keyword(self, token: Token) -> None:
        # The contextual lexer reads `and` as a name where no keyword fits; refuse it anyway,
        # so that a keyword always means the same thing wherever it stands.
        if str(token) in RESERVED:
            self.problems.append(Diagnostic(
                "PD116", f"'{token}' is a keyword and cannot be used as a name", self._span(token),
                hint="choose another name"))

    @v_args(inline=True, meta=True)
    def dotted(self, meta: Meta, *parts: Token) -> ast.Name:
        for part in parts:
            self._not_keyword(part)
        return ast.Name(tuple(str(p) for p in parts), self._span(meta))

    @v_args(meta=True)
    def policy_decl(self, meta: Meta, children: list[Any]) -> ast.PolicyHeader:
        name, *fields = children
        grouped = self._single(f"policy {name.dotted}", fields)
        return ast.PolicyHeader(
            id=name.dotted,
            title=grouped.get("title"),
            issuer=grouped.get("issuer"),
            number=grouped.get("number"),
            issued=grouped.get("issued"),
            window=grouped.get("window"),
            source=grouped.get("source"),
            span=self._span(meta),
        )

    title = _field("title")
    issuer = _field("issuer")
    doc_number = _field("number")
    source = _field("source")
    ref = _field("ref")
    quote = _field("quote")
    guidance = _field("guidance")
    directive = _field("directive")
    reference = _field("reference")
    ex_profile = _field("profile")

    @v_args(inline=True, meta=True)
    def issued(self, meta: Meta, bound: ast.Bound) -> tuple[str, Any, Span | None]:
        return ("issued", bound, self._span(meta))

    @v_args(inline=True, meta=True)
    def window(self, meta: Meta, start: ast.Bound, end: ast.Bound) -> tuple[str, Any, Span | None]:
        span = self._span(meta)
        return ("window", ast.Window(start, end, span), span)

    @v_args(inline=True, meta=True)
    def date_bound(self, meta: Meta, token: Token) -> ast.Bound:
        return ast.Bound("date", self._date(token), self._span(meta))

    @v_args(meta=True)
    def open_bound(self, meta: Meta, _: list[Any]) -> ast.Bound:
        return ast.Bound("open", None, self._span(meta))

    @v_args(meta=True)
    def unknown_bound(self, meta: Meta, _: list[Any]) -> ast.Bound:
        return ast.Bound("unknown", None, self._span(meta))

    @v_args(meta=True)
    def year_bound(self, meta: Meta, children: list[Any]) -> ast.Bound:
        token, *day = children
        text = str(token)
        if not re.fullmatch(r"\d{4}", text):
            self.problems.append(Diagnostic(
                "PD150", f"'{text}' is not a year or a date", self._span(token),
                hint="write a day as YYYY-MM-DD (2025-12-31) or a bound known only to its year as YYYY (2022)"))
        return ast.Bound("year", None, self._span(meta), year=int(text) if re.fullmatch(r"\d{4}", text) else None,
                         day=day[0].dotted if day else None)

    @v_args(inline=True, meta=True)
    def import_decl(self, meta: Meta, token: Token) -> ast.Import:
        return ast.Import(self._string(token), self._span(meta))

    # ---- schema
    @v_args(meta=True)
    def enum_decl(self, meta: Meta, children: list[Any]) -> ast.EnumDecl:
        ordered = isinstance(children[0], Token) and children[0].type == "ORDERED"
        if ordered:
            children = children[1:]
        name, label, *values = children
        self._not_keyword(name)
        return ast.EnumDecl(str(name), self._string(label), ordered, tuple(values), self._span(meta))

    @v_args(meta=True)
    def enum_value(self, meta: Meta, children: list[Any]) -> ast.EnumValue:
        self._not_keyword(children[0])
        label = self._string(children[1]) if len(children) > 1 else None
        return ast.EnumValue(str(children[0]), label, self._span(meta))

    @v_args(meta=True)
    def entity_decl(self, meta: Meta, children: list[Any]) -> ast.EntityDecl:
        name, label, *facts = children
        self._not_keyword(name)
        return ast.EntityDecl(str(name), self._string(label), tuple(facts), self._span(meta))

    @v_args(meta=True)
    def fact_decl(self, meta: Meta, children: list[Any]) -> ast.FactDecl:
        name, label, type_expr, *rest = children
        self._not_keyword(name)
        minimum, maximum = _bounds(rest[0] if rest else None)
        return ast.FactDecl(str(name), self._string(label), type_expr, minimum, self._span(meta), maximum)

    @v_args(inline=True)
    def fact_min(self, _ge: Token, value: Decimal) -> Decimal:
        return value

    @v_args(inline=True)
    def fact_range(self, low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
        return (low, high)

    @v_args(meta=True)
    def signed_number(self, meta: Meta, children: list[Token]) -> Decimal:
        value = self._number(children[-1], str(children[-1]))
        return -value if len(children) > 1 else value

    @v_args(inline=True, meta=True)
    def simple_type(self, meta: Meta, name: Token) -> ast.TypeExpr:
        return ast.TypeExpr("simple", str(name), self._span(meta))

    @v_args(inline=True, meta=True)
    def set_type(self, meta: Meta, name: Token) -> ast.TypeExpr:
        return ast.TypeExpr("set", str(name), self._span(meta))

    @v_args(inline=True, meta=True)
    def list_type(self, meta: Meta, name: Token) -> ast.TypeExpr:
        return ast.TypeExpr("list", str(name), self._span(meta))

    @v_args(inline=True, meta=True)
    def series_type(self, meta: Meta, name: Token) -> ast.TypeExpr:
        return ast.TypeExpr("series", str(name), self._span(meta))

    @v_args(meta=True)
    def define_decl(self, meta: Meta, children: list[Any]) -> ast.DefineDecl:
        name, *rest = children
        label = self._string(rest[0]) if len(rest) == 2 else None
        return ast.DefineDecl(name.dotted, label, rest[-1], self._span(meta))

    @v_args(meta=True)
    def param_decl(self, meta: Meta, children: list[Any]) -> ast.ParamDecl:
        name, label, type_expr, *rest = children
        declared = rest.pop(0) if rest and isinstance(rest[0], Decimal | tuple) else None  # `>= 0`, `0..15`
        minimum, maximum = _bounds(declared)
        default = rest[0] if rest else None
        return ast.ParamDecl(name.dotted, self._string(label), type_expr, default, self._span(meta), minimum,
                             maximum)

    @v_args(meta=True)
    def table_decl(self, meta: Meta, children: list[Any]) -> ast.TableDecl:
        name, label, key, *rows = children
        return ast.TableDecl(str(name), self._string(label), key, tuple(rows), self._span(meta))

    @v_args(meta=True)
    def table_row(self, meta: Meta, children: list[Any]) -> ast.TableRow:
        key, *names = children
        return ast.TableRow(key, tuple(self._string(n) for n in names), self._span(meta))

    @v_args(inline=True)
    def key_value(self, token: Token) -> str:
        return str(token)

    def key_unknown(self, _: list[Any]) -> None:
        return None

    # ---- measures
    @v_args(meta=True)
    def measure_decl(self, meta: Meta, children: list[Any]) -> ast.Measure:
        name, title, *items = children
        version = None
        if items and isinstance(items[0], ast.StringLit):  # measure_version
            version, items = items[0].value, items[1:]
        grouped = self._single(f"measure {name.dotted}", items)
        return ast.Measure(
            id=name.dotted,
            title=self._string(title),
            ref=grouped.get("ref"),
            quotes=tuple(grouped.get("quote", ())),
            guidance=tuple(grouped.get("guidance", ())),
            window=grouped.get("window"),
            agencies=tuple(grouped.get("agencies", ())),
            conditions=tuple(grouped.get("condition", ())),
            benefits=tuple(grouped.get("benefit", ())),
            targets=tuple(grouped.get("target", ())),
            directives=tuple(grouped.get("directive", ())),
            amendments=tuple(grouped.get("amendment", ())),
            span=self._span(meta),
            version=version,
            score=grouped.get("score"),
        )

    @v_args(inline=True, meta=True)
    def measure_version(self, meta: Meta, token: Token) -> ast.StringLit:
        return ast.StringLit(self._string(token), self._span(meta))

    @v_args(meta=True)
    def score(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        label, *items = children
        span = self._span(meta)
        groups = tuple(i for i in items if isinstance(i, ast.ScoreGroup))
        loose = tuple(i for i in items if isinstance(i, ast.Indicator))
        return ("score", ast.Score(self._string(label), groups, loose, span), span)

    @v_args(meta=True)
    def score_group(self, meta: Meta, children: list[Any]) -> ast.ScoreGroup:
        name, label, *rest = children
        self._not_keyword(name)
        floor = rest[0] if rest and not isinstance(rest[0], ast.Indicator) else None
        indicators = tuple(i for i in rest if isinstance(i, ast.Indicator))
        return ast.ScoreGroup(str(name), self._string(label), floor, indicators, self._span(meta))

    @v_args(inline=True, meta=True)
    def indicator(self, meta: Meta, name: Token, label: Token, expr: ast.Expr) -> ast.Indicator:
        self._not_keyword(name)
        return ast.Indicator(str(name), self._string(label), expr, self._span(meta))

    @v_args(meta=True)
    def agencies(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        return ("agencies", tuple(children), self._span(meta))

    @v_args(meta=True)
    def agency_name(self, meta: Meta, children: list[Any]) -> ast.Agency:
        when = children[1] if len(children) > 1 else None
        return ast.Agency(self._string(children[0]), None, when, self._span(meta))

    @v_args(meta=True)
    def agency_table(self, meta: Meta, children: list[Any]) -> ast.Agency:
        when = children[1] if len(children) > 1 else None
        return ast.Agency(None, str(children[0]), when, self._span(meta))

    @v_args(meta=True)
    def condition(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        name, *rest = children
        self._not_keyword(name)
        label = self._string(rest[0]) if len(rest) == 2 else None
        span = self._span(meta)
        return ("condition", ast.Condition(str(name), label, rest[-1], span), span)

    @v_args(meta=True)
    def benefit(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        kind, name, label, *rest = children
        self._not_keyword(name)
        base: ast.Name | None = None
        if rest and isinstance(rest[0], ast.Name):
            base, rest = rest[0], rest[1:]
        grouped = self._single(f"benefit {name}", rest)
        span = self._span(meta)
        node = ast.Benefit(
            id=str(name),
            kind=str(kind),
            label=self._string(label),
            base=base.dotted if base else None,
            for_each=grouped.get("for_each"),
            when=grouped.get("when"),
            amount=grouped.get("amount"),
            cap=grouped.get("cap"),
            match=grouped.get("match"),
            reference=grouped.get("reference"),
            quotes=tuple(grouped.get("quote", ())),
            span=span,
            kind_span=self._span(kind),
            base_span=base.span if base else None,
        )
        return ("benefit", node, span)

    @v_args(inline=True, meta=True)
    def for_each(self, meta: Meta, var: Token, collection: ast.Expr) -> tuple[str, Any, Span | None]:
        self._not_keyword(var)
        span = self._span(meta)
        return ("for_each", ast.ForEach(str(var), collection, span), span)

    when = _expr_item("when")
    amount = _expr_item("amount")
    cap = _expr_item("cap")
    require = _expr_item("require")

    @v_args(inline=True, meta=True)
    def match(
        self, meta: Meta, base: ast.Expr, num: Token, den: Token
    ) -> tuple[str, Any, Span | None]:
        span = self._span(meta)
        numerator, denominator = self._ratio_part(num), self._ratio_part(den)
        if denominator == 0:
            self.problems.append(
                Diagnostic("PD111", "a matching ratio cannot have 0 as its second part", self._span(den))
            )
            denominator = 1
        return ("match", ast.Match(base, numerator, denominator, span), span)

    def _ratio_part(self, token: Token) -> int:
        value = self._whole(token)
        if value is None:
            return 1
        if value != value.to_integral_value():
            self.problems.append(
                Diagnostic(
                    "PD111",
                    f"a matching ratio is written with whole numbers, not {token}",
                    self._span(token),
                    hint="write e.g. `at 1:1` or `at 1:2`",
                )
            )
        return int(value)

    @v_args(meta=True)
    def target(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        name, label, *items = children
        grouped = self._single(f"target {name}", items)
        span = self._span(meta)
        node = ast.Target(
            str(name),
            self._string(label),
            grouped.get("when"),
            grouped.get("require"),
            tuple(grouped.get("quote", ())),
            span,
        )
        return ("target", node, span)

    @v_args(meta=True)
    def amend_decl(self, meta: Meta, children: list[Any]) -> Any:
        name, label, when, *sets = children
        over: tuple[ast.Name, ...] = ()
        if sets and isinstance(sets[0], tuple):
            over, sets = sets[0], sets[1:]
        span = self._span(meta)
        node = ast.Amendment(str(name), self._string(label), when, tuple(sets), span, over)
        # Inside a measure this is an item; at the top level the caller unwraps it.
        return ("amendment", node, span)

    def amend_over(self, names: list[Token]) -> tuple[ast.Name, ...]:
        for name in names:
            self._not_keyword(name)
        return tuple(ast.Name((str(name),), self._span(name)) for name in names)

    @v_args(inline=True, meta=True)
    def amend_set(self, meta: Meta, target: ast.Name, value: ast.Expr) -> ast.AmendSet:
        return ast.AmendSet(target.dotted, value, self._span(meta))

    # ---- goals and examples
    @v_args(inline=True, meta=True)
    def goal_decl(self, meta: Meta, name: Token, label: Token, *rest: Any) -> ast.Goal:
        count, least = rest[0], rest[1]
        by = rest[2] if len(rest) > 2 else None
        return ast.Goal(str(name), self._string(label), count, least, by, self._span(meta))

    @v_args(inline=True)
    def goal_count(self, *children: Any) -> ast.Expr:
        expr: ast.Expr = children[-1]  # after the `count` keyword's token
        return expr

    @v_args(inline=True)
    def goal_least(self, token: Token) -> int:
        value = self._whole(token)
        if value is None:
            return 1
        if value != value.to_integral_value():
            self.problems.append(Diagnostic(
                "PD115", f"a goal counts whole enterprises, not {token}", self._span(token),
                hint="write a whole number, e.g. `at least 20`"))
        return int(value)

    @v_args(inline=True)
    def goal_by(self, token: Token) -> datetime.date:
        return self._date(token)

    @v_args(meta=True)
    def example_decl(self, meta: Meta, children: list[Any]) -> ast.Example:
        name, *rest = children
        label = None
        if rest and isinstance(rest[0], Token):
            label, rest = self._string(rest[0]), rest[1:]
        grouped = self._single(f"example {name}", rest)
        profile_span = None
        for kind, _, span in rest:
            if kind == "profile":
                profile_span = span
        return ast.Example(
            str(name),
            label,
            profile=grouped.get("profile"),
            as_of=grouped.get("as_of"),
            params=tuple(grouped.get("param", ())),
            expects=tuple(grouped.get("expect", ())),
            span=self._span(meta),
            profile_span=profile_span,
        )

    @v_args(inline=True, meta=True)
    def ex_as_of(self, meta: Meta, token: Token) -> tuple[str, Any, Span | None]:
        return ("as_of", self._date(token), self._span(meta))

    @v_args(inline=True, meta=True)
    def ex_param(self, meta: Meta, name: ast.Name, value: ast.Expr) -> tuple[str, Any, Span | None]:
        span = self._span(meta)
        return ("param", ast.ExampleParam(name.dotted, value, span), span)

    @v_args(meta=True)
    def expect(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        measure, status, *details = children
        grouped = self._single(f"expect {measure.dotted}", details)
        span = self._span(meta)
        node = ast.Expect(
            measure=measure.dotted,
            status=str(status),
            total=grouped.get("total"),
            no_total="no_total" in grouped,
            at_most=grouped.get("at_most"),
            unknowns=grouped.get("unknowns"),
            span=span,
            status_span=self._span(status),
            version=grouped.get("version"),
            no_version="no_version" in grouped,
            score=grouped.get("score"),
            no_score="no_score" in grouped,
            subtotals=tuple(grouped.get("subtotal", ())),
        )
        return ("expect", node, span)

    @v_args(inline=True, meta=True)
    def expect_version(self, meta: Meta, token: Token) -> tuple[str, Any, Span | None]:
        return ("version", self._string(token), self._span(meta))

    @v_args(meta=True)
    def expect_no_version(self, meta: Meta, _: list[Any]) -> tuple[str, Any, Span | None]:
        return ("no_version", True, self._span(meta))

    @v_args(inline=True, meta=True)
    def expect_score(self, meta: Meta, bounds: tuple[Decimal, Decimal]) -> tuple[str, Any, Span | None]:
        return ("score", bounds, self._span(meta))

    @v_args(meta=True)
    def expect_no_score(self, meta: Meta, _: list[Any]) -> tuple[str, Any, Span | None]:
        return ("no_score", True, self._span(meta))

    @v_args(inline=True, meta=True)
    def expect_subtotal(self, meta: Meta, group: Token, bounds: tuple[Decimal, Decimal]) -> tuple[str, Any, Span | None]:
        return ("subtotal", (str(group), *bounds), self._span(meta))

    def points_range(self, children: list[Token]) -> tuple[Decimal, Decimal]:
        values = [self._number(t, str(t).removesuffix("分")) for t in children]
        return (values[0], values[-1])

    @v_args(meta=True)
    def expect_total(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Span | None]:
        return ("total", children[0], self._span(meta))

    @v_args(meta=True)
    def expect_no_total(self, meta: Meta, _: list[Any]) -> tuple[str, Any, Span | None]:
        return ("no_total", True, self._span(meta))

    @v_args(inline=True, meta=True)
    def expect_at_most(self, meta: Meta, expr: ast.Expr) -> tuple[str, Any, Span | None]:
        return ("at_most", expr, self._span(meta))

    @v_args(meta=True)
    def expect_unknowns(self, meta: Meta, children: list[Token]) -> tuple[str, Any, Span | None]:
        return ("unknowns", tuple(self._string(t) for t in children), self._span(meta))

    # ---- expressions
    @v_args(inline=True, meta=True)
    def or_op(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary("or", left, right, self._span(meta))

    @v_args(inline=True, meta=True)
    def and_op(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary("and", left, right, self._span(meta))

    @v_args(inline=True, meta=True)
    def not_op(self, meta: Meta, operand: ast.Expr) -> ast.Unary:
        return ast.Unary("not", operand, self._span(meta))

    @v_args(inline=True, meta=True)
    def if_expr(self, meta: Meta, condition: ast.Expr, then: ast.Expr, otherwise: ast.Expr) -> ast.If:
        return ast.If(condition, then, otherwise, self._span(meta))

    @v_args(meta=True)
    def band(self, meta: Meta, children: list[Any]) -> ast.Band:
        subject, *rows = children
        return ast.Band(subject, tuple(rows), self._span(meta))

    @v_args(inline=True, meta=True)
    def band_row(self, meta: Meta, low: tuple[ast.Expr | None, bool], high: tuple[ast.Expr | None, bool],
                 value: ast.Expr) -> ast.BandRow:
        return ast.BandRow(low[0], low[1], high[0], high[1], value, self._span(meta))

    def low_closed(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return children[-1], True

    def low_open(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return children[-1], False

    def low_none(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return None, False  # `..` is unbounded: no edge to include

    def high_closed(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return children[0], True

    def high_open(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return children[0], False

    def high_none(self, children: list[Any]) -> tuple[ast.Expr | None, bool]:
        return None, False

    @v_args(inline=True, meta=True)
    def negate(self, meta: Meta, _minus: Token, operand: ast.Expr) -> ast.Unary:
        return ast.Unary("-", operand, self._span(meta))

    @v_args(inline=True, meta=True)
    def compare(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(str(op), left, right, self._span(meta))  # type: ignore[arg-type]

    @v_args(inline=True, meta=True)
    def binary(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(str(op), left, right, self._span(meta))  # type: ignore[arg-type]

    @v_args(inline=True, meta=True)
    def member(self, meta: Meta, value: ast.Expr, options: ast.SetLit) -> ast.Member:
        return ast.Member(value, options, False, self._span(meta))

    @v_args(inline=True, meta=True)
    def not_member(self, meta: Meta, value: ast.Expr, options: ast.SetLit) -> ast.Member:
        return ast.Member(value, options, True, self._span(meta))

    @v_args(meta=True)
    def set_literal(self, meta: Meta, children: list[ast.Expr]) -> ast.SetLit:
        return ast.SetLit(tuple(children), self._span(meta))

    @v_args(inline=True, meta=True)
    def name_ref(self, meta: Meta, name: ast.Name | Token) -> ast.Name:
        if isinstance(name, Token):
            return ast.Name((str(name),), self._span(meta))
        return name

    @v_args(meta=True)
    def call(self, meta: Meta, children: list[Any]) -> ast.Call:
        name, *args = children
        return ast.Call(str(name), tuple(args), self._span(meta))

    @v_args(inline=True, meta=True)
    def quantified(
        self, meta: Meta, quantifier: Token, var: Token, collection: ast.Expr, body: ast.Expr
    ) -> ast.Quantified:
        return ast.Quantified(str(quantifier), str(var), collection, body, self._span(meta))  # type: ignore[arg-type]

    @v_args(inline=True, meta=True)
    def quantified_where(
        self, meta: Meta, quantifier: Token, var: Token, collection: ast.Expr, where: ast.Expr, body: ast.Expr
    ) -> ast.Quantified:
        return ast.Quantified(str(quantifier), str(var), collection, body, self._span(meta), where)  # type: ignore[arg-type]

    def agg_where(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("where", children[0])

    def agg_default(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("default", children[0])

    def _aggregate(self, meta: Meta, op: str, var: Token, collection: ast.Expr, rest: list[Any]) -> ast.Aggregate:
        self._not_keyword(var)
        parts: dict[str, ast.Expr] = dict(part for part in rest if isinstance(part, tuple))
        values = [part for part in rest if not isinstance(part, tuple)]
        return ast.Aggregate(op, str(var), collection, parts.get("where"), values[0] if values else None,  # type: ignore[arg-type]
                             parts.get("default"), self._span(meta))

    @v_args(meta=True)
    def count_agg(self, meta: Meta, children: list[Any]) -> ast.Aggregate:
        _, var, collection, *rest = children
        return self._aggregate(meta, "count", var, collection, rest)

    @v_args(meta=True)
    def sum_agg(self, meta: Meta, children: list[Any]) -> ast.Aggregate:
        _, var, collection, *rest = children
        return self._aggregate(meta, "sum", var, collection, rest)

    @v_args(meta=True)
    def extreme_agg(self, meta: Meta, children: list[Any]) -> ast.Aggregate:
        op, var, collection, *rest = children
        return self._aggregate(meta, str(op), var, collection, rest)

    @v_args(inline=True, meta=True)
    def between(self, meta: Meta, value: ast.Expr, low: ast.Expr, high: ast.Expr) -> ast.Between:
        return ast.Between(value, low, high, self._span(meta))

    @v_args(inline=True, meta=True)
    def index(self, meta: Meta, series: ast.Name, year: ast.Expr) -> ast.Index:
        return ast.Index(series, year, self._span(meta))

    @v_args(inline=True, meta=True)
    def today(self, meta: Meta, _token: Token) -> ast.Today:
        return ast.Today(self._span(meta))

    @v_args(inline=True, meta=True)
    def duration_lit(self, meta: Meta, number: Token, unit: Token) -> ast.DurationLit:
        written = str(number)
        if "." in written or len(written) > _LONGEST_DURATION:
            self.problems.append(Diagnostic(
                "PD130", f"a duration is a whole number of years, months or days, not {written} {unit}",
                self._span(meta), hint="write a whole number, e.g. `18 months` for a year and a half"))
            count = 0
        else:
            count = int(written)
        return ast.DurationLit(count, str(unit).removesuffix("s"), str(unit), self._span(meta))  # type: ignore[arg-type]

    @v_args(inline=True, meta=True)
    def money_lit(self, meta: Meta, token: Token) -> ast.MoneyLit:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)(亿元|万元|元)", str(token))
        assert match  # guaranteed by the MONEY terminal
        written, unit = match.group(1), match.group(2)
        amount = self._number(token, written, magnitude=Decimal(written) * _IN_WAN[unit])
        return ast.MoneyLit(amount, unit, self._span(meta))

    @v_args(inline=True, meta=True)
    def percent_lit(self, meta: Meta, token: Token) -> ast.PercentLit:
        written = str(token)[:-1]
        percent = Decimal(written)
        return ast.PercentLit(self._number(token, written, magnitude=percent.scaleb(-2)), self._span(meta))

    @v_args(inline=True, meta=True)
    def points_lit(self, meta: Meta, token: Token) -> ast.PointsLit:
        written = str(token)[:-1]
        return ast.PointsLit(self._number(token, written), self._span(meta))

    @v_args(inline=True, meta=True)
    def number_lit(self, meta: Meta, token: Token) -> ast.NumberLit:
        whole = "." not in str(token)
        return ast.NumberLit(self._number(token, str(token), whole=whole), whole, self._span(meta))

    @v_args(inline=True, meta=True)
    def date_lit(self, meta: Meta, token: Token) -> ast.DateLit:
        return ast.DateLit(self._date(token), self._span(meta))

    @v_args(inline=True, meta=True)
    def string_lit(self, meta: Meta, token: Token) -> ast.StringLit:
        return ast.StringLit(self._string(token), self._span(meta))

    @v_args(meta=True)
    def true_lit(self, meta: Meta, _: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(True, self._span(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Meta, _: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(False, self._span(meta))


_LONGEST_DURATION = 5  # digits of a duration's count: 99999 days is beyond any policy's window
_IN_WAN = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10_000)}
_REPEATABLE = {"quote", "guidance", "condition", "benefit", "target", "directive",
               "amendment", "param", "expect", "subtotal"}
_ITEM_WORDS = {"window": "valid", "for_each": "for each", "as_of": "as of", "number": "number"}


# Parse-tree rules that are operations of an expression: each nests its operands one level deeper.
# Names and literals are depth 0; brackets add nothing (they only group).
_OPERATIONS = frozenset({"or_op", "and_op", "not_op", "negate", "compare", "binary", "member", "not_member",
                         "set_literal", "call", "quantified",
                         "quantified_where", "count_agg", "sum_agg", "extreme_agg", "between", "index", "band"})
_EXPRESSION_LEAVES = frozenset({"name_ref", "money_lit", "percent_lit", "points_lit", "number_lit", "date_lit",
                                "string_lit", "true_lit", "false_lit", "today", "duration_lit"})
_BRACKETS = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*|[(){}]')  # a string, a comment, a bracket


def _nesting_problem(source: Source) -> Diagnostic | None:
    """Refuse pathologically deep bracket nesting (strings and comments skipped) before parsing."""
    depth = 0
    for match in _BRACKETS.finditer(source.text):
        char = match.group()
        if char in "({":
            depth += 1
            if depth > MAX_NESTING:
                index = match.start()
                return Diagnostic(
                    "PD112",
                    f"brackets nested more than {MAX_NESTING} deep",
                    Span(source, index, index + 1),
                    hint="split the expression into named `define`s",
                )
        elif char in ")}":
            depth = max(0, depth - 1)
    return None


def expression_depths(tree: Tree[Token]) -> Iterator[tuple[Tree[Token], int]]:
    """(root, depth) of every expression in a parse tree, measured without recursion.

    The depth of an expression is the number of operations nested in each other on its longest
    path: `a` is 0, `a + b` is 1, `a + b + c` is 2, `not (a and b)` is 2.
    """
    # (node, depth of operations above it, root of its expression or None outside expressions)
    stack: list[tuple[Tree[Token], int, Tree[Token] | None]] = [(tree, 0, None)]
    deepest: dict[int, int] = {}
    roots: list[Tree[Token]] = []
    while stack:
        node, depth, root = stack.pop()
        data = str(node.data)
        if data in _OPERATIONS or data in _EXPRESSION_LEAVES:
            if root is None:
                root = node
                roots.append(node)
                deepest[id(node)] = 0
            if data in _OPERATIONS:
                depth += 1
                if depth > deepest[id(root)]:
                    deepest[id(root)] = depth
        elif root is None:
            depth = 0
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth, root))
    for root in roots:
        yield root, deepest[id(root)]


def _too_deep(tree: Tree[Token], source: Source, base: int) -> tuple[list[Diagnostic], list[str]]:
    """PD117 for every expression nested deeper than MAX_EXPRESSION_DEPTH; drops its declaration.

    The check runs on the parse tree, before any recursive pass (the tree builder, the checker,
    the formatter, the evaluators) sees the expression.
    """
    problems: list[Diagnostic] = []
    kept: list[Any] = []
    dropped: list[str] = []
    for declaration in tree.children:
        deep = [(root, depth) for root, depth in expression_depths(declaration) if depth > MAX_EXPRESSION_DEPTH] \
            if isinstance(declaration, Tree) else []
        for root, depth in sorted(deep, key=lambda pair: pair[0].meta.start_pos):
            problems.append(Diagnostic(
                "PD117",
                f"this expression nests {depth:,} operations in each other; the limit is {MAX_EXPRESSION_DEPTH}",
                Span(source, base + root.meta.start_pos, base + root.meta.end_pos),
                hint="split it into named `define`s and combine their names (a sum of 100 terms as 10 "
                "definitions of 10 terms nests about 20 deep); compare with `x in {…}` rather than "
                "a long chain of `or`",
            ))
        if not deep:
            kept.append(declaration)
        elif isinstance(declaration, Tree) and declaration.meta.start_pos is not None:
            start, end = base + declaration.meta.start_pos, base + declaration.meta.end_pos
            dropped += declared_names(source.text[start:end])
    if problems:
        tree.children = kept
    return problems, dropped


# What a declaration that could not be read would have named: its own name (`define x`,
# `parameter a.b`, `table t`, `measure M1`) and the facts it declares (`fact x` in an entity).
_DECLARED = re.compile(r"^\s*(?:define|parameter|table|measure)\s+([^\s\"=:{}]+)|\bfact\s+([^\s\"=:{}]+)", re.M)


def declared_names(text: str) -> list[str]:
    return [own or fact for own, fact in _DECLARED.findall(text)]


def _chunks(text: str) -> Iterator[tuple[int, int]]:
    """Top-level declarations start at column 1 with their keyword: used for error recovery."""
    starts = [m.start() for m in _TOP_LEVEL_LINE.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        yield start, end


def _collect_comments(source: Source) -> tuple[ast.Comment, ...]:
    comments: list[ast.Comment] = []
    for token in parser().lex(source.text, dont_ignore=True):
        if token.type == "COMMENT":
            span = Span(source, token.start_pos or 0, token.end_pos or 0)
            comments.append(ast.Comment(str(token).rstrip(), span))
    return tuple(comments)


def _build(tree: Any, source: Source, base: int = 0) -> tuple[list[ast.Declaration], list[Diagnostic], list[str]]:
    deep, dropped = _too_deep(tree, source, base)
    builder = _Builder(source, base)
    try:
        items = builder.transform(tree)
    except VisitError as error:  # a bug in a builder method: report it, do not crash
        raise error.orig_exc from error
    declarations = [item[1] if isinstance(item, tuple) else item for item in items]
    return declarations, deep + builder.problems, dropped


def _too_large(source: Source) -> Diagnostic | None:
    if len(source.text) <= MAX_SOURCE_CHARS:
        return None
    return Diagnostic(
        "PD119",
        f"the file holds {len(source.text):,} characters; the limit is {MAX_SOURCE_CHARS:,}",
        Span(source, MAX_SOURCE_CHARS, MAX_SOURCE_CHARS + 1),
        hint="split the policy into several files and `import` them from the main one",
    )


def parse_source(source: Source) -> tuple[ast.Module, list[Diagnostic]]:
    """Parse one file; returns the module (possibly partial) and every syntax problem found."""
    text = source.text
    if not text.strip(" \t\r\n\ufeff"):
        return ast.Module(()), [
            Diagnostic(
                "PD113",
                "the file is empty",
                Span(source, 0, 0),
                hint='start it with a header: policy my.policy { title "…" }',
            )
        ]
    refused = _too_large(source) or _nesting_problem(source)
    if refused is not None:
        return ast.Module(()), [refused]
    try:
        tree = parser().parse(text)
    except UnexpectedInput:
        return _parse_with_recovery(source)
    declarations, problems, dropped = _build(tree, source)
    try:
        comments = _collect_comments(source) if "#" in text else ()
    except UnexpectedInput:
        comments = ()
    return ast.Module(tuple(declarations), comments, Span(source, 0, len(text)), tuple(dropped)), problems


def _parse_with_recovery(source: Source) -> tuple[ast.Module, list[Diagnostic]]:
    """Parse declaration by declaration so that one mistake does not hide the next.

    Each chunk is parsed on its own and its positions shifted by where it starts, so that the
    work stays proportional to the text however many declarations it holds.
    """
    declarations: list[ast.Declaration] = []
    problems: list[Diagnostic] = []
    unparsed: list[str] = []
    for start, end in _chunks(source.text):
        chunk = source.text[start:end]
        try:
            tree = parser().parse(chunk)
        except UnexpectedInput as error:
            problems.append(_syntax_diagnostic(error, source, chunk, start))
            unparsed += declared_names(chunk)
            continue
        built, chunk_problems, dropped = _build(tree, source, start)
        declarations.extend(built)
        problems.extend(chunk_problems)
        unparsed += dropped
    return ast.Module(tuple(declarations), (), Span(source, 0, len(source.text)), tuple(unparsed)), problems


def parse_text(text: str, path: str = "<text>") -> tuple[ast.Module, list[Diagnostic]]:
    return parse_source(Source(path, text))


def _bounds(declared: Decimal | tuple[Decimal, Decimal] | None) -> tuple[Decimal | None, Decimal | None]:
    """A declared `>= n` (minimum only) or `lo..hi` range as (minimum, maximum)."""
    if isinstance(declared, tuple):
        return declared
    return declared, None
