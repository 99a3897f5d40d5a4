"""Hypothesis strategies for well-formed ASTs: every node the grammar can produce, spans left out."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache
from typing import TypeVar

from hypothesis import strategies as st

from policydsl.syntax import ast
from policydsl.syntax.parse import parser

T = TypeVar("T")

CHINESE = "湖滨区陕州义马市灵宝渑池县卢氏城乡一体化示范经济开发企业研发投入项目专精特新"
LATIN = "abcdefghijklmnopqrstuvwxyzABCXYZ"
UNITS = ("元", "万元", "亿元")
# Quotes, backslashes, escapes, a comment sign and braces: everything a string must survive.
STRING_CHARS = 'ab 湖滨区“”"\\\n\t#{}():,=%元'


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar spells out; the contextual lexer may read any of them as a keyword."""
    return frozenset(
        str(terminal.pattern.value)
        for terminal in parser().terminals
        if terminal.pattern.type == "str" and str(terminal.pattern.value).isalpha()
    )


def _not_keyword(name: str) -> bool:
    return name not in keywords()


# ---- names -----------------------------------------------------------------------------

plain_names: st.SearchStrategy[str] = st.one_of(
    st.builds(
        lambda head, rest: head + rest,
        st.sampled_from(LATIN + "_"),
        st.text(LATIN + "_0123456789", max_size=6),
    ),
    st.text(CHINESE, min_size=1, max_size=4),  # 湖滨区, 经济开发区…
    st.builds(
        lambda head, rest: head + rest, st.text(CHINESE, min_size=1, max_size=2), st.text(LATIN + "_0", max_size=3)
    ),
).filter(_not_keyword)

# `5g`: digits then a letter (never a money unit, or `5元` would be read as an amount).
digit_names: st.SearchStrategy[str] = st.builds(
    lambda digits, letter, rest: str(digits) + letter + rest,
    st.integers(0, 999),
    st.sampled_from(LATIN),
    st.text(LATIN + CHINESE + "0123456789", max_size=3),
)

value_names = st.one_of(plain_names, digit_names)  # enum values and table keys
dotted_names = st.lists(plain_names, min_size=1, max_size=3).map(".".join)
labels = st.text(STRING_CHARS, max_size=8)


# ---- literals and expressions ----------------------------------------------------------


def _decimal_text(whole: int, fraction: str | None) -> Decimal:
    return Decimal(f"{whole}.{fraction}" if fraction else str(whole))


decimals = st.builds(_decimal_text, st.integers(0, 10**7), st.none() | st.text("0123456789", min_size=1, max_size=3))

literals: st.SearchStrategy[ast.Expr] = st.one_of(
    st.builds(ast.MoneyLit, decimals, st.sampled_from(UNITS)),
    st.builds(ast.PercentLit, decimals),
    st.builds(lambda n: ast.NumberLit(Decimal(n), True), st.integers(0, 10**9)),
    st.builds(
        lambda whole, fraction: ast.NumberLit(_decimal_text(whole, fraction), False),
        st.integers(0, 10**4),
        st.text("0123456789", min_size=1, max_size=3),
    ),
    st.builds(ast.DateLit, st.dates(datetime.date(1000, 1, 1), datetime.date(2999, 12, 31))),
    st.builds(ast.StringLit, labels),
    st.builds(ast.BoolLit, st.booleans()),
)

names: st.SearchStrategy[ast.Expr] = st.one_of(
    st.lists(plain_names, min_size=1, max_size=3).map(lambda parts: ast.Name(tuple(parts))),
    digit_names.map(lambda name: ast.Name((name,))),
)

BINARY_OPS: tuple[ast.BinaryOp, ...] = ("and", "or", "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=")


def _tuples(elements: st.SearchStrategy[T], min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(elements, min_size=min_size, max_size=max_size).map(tuple)


def _compound(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    sets = st.builds(ast.SetLit, _tuples(children))
    binary = st.builds(ast.Binary, st.sampled_from(BINARY_OPS), children, children)
    return st.one_of(
        binary,
        binary,  # twice: operators are where parentheses go wrong
        st.builds(ast.Unary, st.sampled_from(("not", "-")), children),
        st.builds(ast.Call, plain_names, _tuples(children)),
        sets,
        st.builds(ast.Member, children, sets, st.booleans()),
        st.builds(ast.Quantified, st.sampled_from(("any", "all")), plain_names, children, children),
    )


def _arithmetic(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.Binary, st.sampled_from(("+", "-", "*", "/")), children, children),
        st.builds(ast.Unary, st.just("-"), children),
    )


def _logic(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.Binary, st.sampled_from(("and", "or")), children, children),
        st.builds(ast.Binary, st.sampled_from(("and", "or")), children, children),
        st.builds(ast.Unary, st.just("not"), children),
    )


arithmetic = st.recursive(st.one_of(literals, names), _arithmetic, max_leaves=4)
comparisons: st.SearchStrategy[ast.Expr] = st.one_of(
    st.builds(ast.Binary, st.sampled_from(sorted(ast.COMPARISONS)), arithmetic, arithmetic),
    st.builds(ast.Member, arithmetic, st.builds(ast.SetLit, _tuples(names, max_size=5)), st.booleans()),
    names,
)
# What `when` and `condition` usually hold: long and/or chains, which the formatter breaks.
conditions: st.SearchStrategy[ast.Expr] = st.recursive(comparisons, _logic, max_leaves=10)
expressions: st.SearchStrategy[ast.Expr] = st.one_of(
    st.recursive(st.one_of(literals, names), _compound, max_leaves=12), conditions
)


# ---- declarations ----------------------------------------------------------------------

optional_labels = st.none() | labels
dates = st.dates(datetime.date(1000, 1, 1), datetime.date(2999, 12, 31))
bounds = st.one_of(
    st.builds(ast.Bound, st.just("date"), dates),
    st.builds(ast.Bound, st.sampled_from(("open", "unknown"))),
)
windows = st.builds(ast.Window, bounds, bounds)
types = st.builds(ast.TypeExpr, st.sampled_from(("simple", "set", "list")), plain_names)
small_exprs = st.recursive(st.one_of(literals, names), _compound, max_leaves=4)
optional_exprs = st.none() | small_exprs

policies = st.builds(
    ast.PolicyHeader,
    dotted_names,
    title=optional_labels,
    issuer=optional_labels,
    number=optional_labels,
    issued=st.none() | bounds,
    window=st.none() | windows,
    source=optional_labels,
)

enums = st.builds(
    ast.EnumDecl,
    plain_names,
    labels,
    st.booleans(),
    _tuples(st.builds(ast.EnumValue, value_names, optional_labels), min_size=1, max_size=12),
)

facts = st.builds(
    ast.FactDecl,
    plain_names,
    labels,
    types,
    st.none() | st.builds(lambda d, negative: -d if negative else d, decimals, st.booleans()),
)

tables = st.builds(
    ast.TableDecl,
    plain_names,
    labels,
    small_exprs,
    _tuples(st.builds(ast.TableRow, st.none() | value_names, _tuples(labels, min_size=1))),
)

agencies = st.one_of(
    st.builds(ast.Agency, labels, st.none(), optional_exprs),
    st.builds(ast.Agency, st.none(), plain_names, optional_exprs),
)

amendments = st.builds(
    ast.Amendment,
    plain_names,
    labels,
    expressions,
    _tuples(st.builds(ast.AmendSet, dotted_names, small_exprs)),
)

benefits = st.builds(
    ast.Benefit,
    id=plain_names,
    kind=plain_names,
    label=labels,
    base=st.none() | dotted_names,
    for_each=st.none() | st.builds(ast.ForEach, plain_names, small_exprs),
    when=st.none() | expressions,
    amount=optional_exprs,
    cap=optional_exprs,
    match=st.none() | st.builds(ast.Match, small_exprs, st.integers(0, 9), st.integers(1, 9)),
    reference=optional_labels,
    quotes=_tuples(labels),
)

targets = st.builds(ast.Target, plain_names, labels, optional_exprs, optional_exprs, _tuples(labels))

measures = st.builds(
    ast.Measure,
    id=dotted_names,
    title=labels,
    ref=optional_labels,
    quotes=_tuples(labels),
    guidance=_tuples(labels),
    window=st.none() | windows,
    agencies=_tuples(agencies),
    conditions=_tuples(st.builds(ast.Condition, plain_names, optional_labels, expressions)),
    benefits=_tuples(benefits, max_size=2),
    targets=_tuples(targets, max_size=2),
    directives=_tuples(labels),
    amendments=_tuples(amendments, max_size=2),
)

expects = st.builds(
    ast.Expect,
    measure=dotted_names,
    status=plain_names,
    total=optional_exprs,
    no_total=st.booleans(),
    at_most=optional_exprs,
    unknowns=st.none() | _tuples(labels),  # () is `unknowns none`
)

examples = st.builds(
    ast.Example,
    plain_names,
    optional_labels,
    profile=optional_labels,
    as_of=st.none() | dates,
    params=_tuples(st.builds(ast.ExampleParam, dotted_names, small_exprs)),
    expects=_tuples(expects),
)

declarations: st.SearchStrategy[ast.Declaration] = st.one_of(
    policies,
    st.builds(ast.Import, labels),
    enums,
    st.builds(ast.EntityDecl, plain_names, labels, _tuples(facts)),
    st.builds(ast.DefineDecl, dotted_names, optional_labels, expressions),
    st.builds(ast.ParamDecl, dotted_names, labels, types, optional_exprs),
    tables,
    measures,
    amendments,
    st.builds(ast.Goal, plain_names, labels, small_exprs, st.integers(0, 10**6), st.none() | dates),
    examples,
)

modules: st.SearchStrategy[ast.Module] = st.builds(ast.Module, _tuples(declarations, min_size=1, max_size=4))
