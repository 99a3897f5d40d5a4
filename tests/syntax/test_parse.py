"""The parser: LALR in strict mode, keywords beside Chinese names, known mistakes, positions."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from lark import Lark

from policydsl.syntax import ast
from policydsl.syntax.parse import _ERROR_EXAMPLES, parse_text


def _define(text: str) -> ast.Expr:
    module, problems = parse_text(f"define d = {text}\n")
    assert not problems, [p.message for p in problems]
    (item,) = module.items
    assert isinstance(item, ast.DefineDecl)
    return item.expr


def test_grammar_is_lalr_without_collisions() -> None:
    # strict=True makes Lark refuse shift/reduce conflicts and terminal collisions.
    grammar = resources.files("policydsl.syntax").joinpath("grammar.lark").read_text("utf-8")
    Lark(grammar, parser="lalr", lexer="contextual", strict=True)


@pytest.mark.parametrize(
    ("spaced", "tight"),
    [
        ("a and b", "(a)and(b)"),
        ("a or b", "(a)or(b)"),
        ("not a", "not(a)"),
        ("x in {湖滨区, 陕州区}", "(x)in{湖滨区,陕州区}"),
        ("x not in {湖滨区}", "(x)not in{湖滨区}"),
        ("any p in ps: (p.a)", "any p in ps:(p.a)"),
        ("true and false", "(true)and(false)"),
        ("if a then b else c", "if(a)then(b)else(c)"),
    ],
)
def test_keywords_with_and_without_spaces(spaced: str, tight: str) -> None:
    assert _define(spaced) == _define(tight)


def test_keyword_inside_a_chinese_name_stays_a_name() -> None:
    # `湖滨区and` is one identifier: \w covers both scripts, so keywords need a separator.
    assert _define("湖滨区and") == ast.Name(("湖滨区and",))
    assert _define("andx") == ast.Name(("andx",))
    assert _define("湖滨区 and 陕州区") == ast.Binary("and", ast.Name(("湖滨区",)), ast.Name(("陕州区",)))


def test_enum_value_named_like_a_keyword_elsewhere() -> None:
    # `none` and `open` are keywords only where the grammar expects them.
    assert _define("level = none") == ast.Binary("=", ast.Name(("level",)), ast.Name(("none",)))


def test_literals() -> None:
    assert _define("1.5亿元") == ast.MoneyLit(Decimal("1.5"), "亿元")
    assert _define("1500000元") == ast.MoneyLit(Decimal("1500000"), "元")
    assert _define("3.5%") == ast.PercentLit(Decimal("3.5"))
    assert _define("5g") == ast.Name(("5g",))
    assert _define("149.99") == ast.NumberLit(Decimal("149.99"), False)


def test_precedence() -> None:
    expr = _define("a or b and not c >= 1 + 2 * 3")
    assert expr == ast.Binary(
        "or",
        ast.Name(("a",)),
        ast.Binary(
            "and",
            ast.Name(("b",)),
            ast.Unary(
                "not",
                ast.Binary(
                    ">=",
                    ast.Name(("c",)),
                    ast.Binary("+", ast.NumberLit(Decimal(1), True),
                               ast.Binary("*", ast.NumberLit(Decimal(2), True), ast.NumberLit(Decimal(3), True))),
                ),
            ),
        ),
    )


def test_spans_point_at_the_text() -> None:
    module, _ = parse_text('measure M1 "标题" {\n  condition c = srdi_level >= provincial\n  directive "d"\n}\n')
    measure = module.items[0]
    assert isinstance(measure, ast.Measure)
    condition = measure.conditions[0]
    assert condition.expr.span is not None
    assert condition.expr.span.text == "srdi_level >= provincial"
    assert (condition.expr.span.line, condition.expr.span.column) == (2, 17)


@pytest.mark.parametrize(("label", "snippet"), [(label, s) for label, snippets in _ERROR_EXAMPLES.items()
                                                 for s in snippets])
def test_each_known_mistake_keeps_its_code(label: tuple[str, str, str], snippet: str) -> None:
    _, problems = parse_text(snippet + "\n")
    assert problems and problems[0].code == label[0], [p.render() if hasattr(p, "render") else p for p in problems]


def test_recovery_reports_each_broken_declaration() -> None:
    text = "define a = (b\ndefine c = d ==\nmeasure M1 {\n}\n"
    _, problems = parse_text(text)
    assert [p.span.line for p in problems if p.span] == [1, 2, 3]


def test_deep_nesting_is_refused_with_a_position() -> None:
    _, problems = parse_text("define d = " + "(" * 10_000 + "a" + ")" * 10_000 + "\n")
    assert problems[0].code == "PD112"
    assert problems[0].span is not None and problems[0].span.line == 1


def test_empty_file() -> None:
    _, problems = parse_text("  \n# only a comment? no: blank\n".replace("# only a comment? no: blank", ""))
    assert problems[0].code == "PD113"
    assert problems[0].span is not None and (problems[0].span.line, problems[0].span.column) == (1, 1)


def test_keywords_are_never_names() -> None:
    _, problems = parse_text("define d = and\n")
    assert [p.code for p in problems] == ["PD116"]
    _, problems = parse_text('enum e "e" { or, b }\n')
    assert [p.code for p in problems] == ["PD116"]
    for word in ("if", "then", "else"):
        _, problems = parse_text(f'enum e "e" {{ {word}, b }}\n')
        assert [p.code for p in problems] == ["PD116"], word


def test_goal_counts_are_whole() -> None:
    _, problems = parse_text('goal g "目标" { count true at least 3.5 }\n')
    assert [p.code for p in problems] == ["PD115"]


def test_space_before_a_unit_and_only_then() -> None:
    _, problems = parse_text("define d = revenue >= 150 万元\n")
    assert [p.code for p in problems] == ["PD106"]
    _, problems = parse_text("define d = 专精特新 湖滨区\n")
    assert [p.code for p in problems] == ["PD101"]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("define d = 50% <= rd_ratio < 70%\n", "`50% <= rd_ratio and rd_ratio < 70%`"),
        ("define d = revenue * 2 > 100万元 >= x\n", "`revenue * 2 > 100万元 and 100万元 >= x`"),
        ("define d = three_upgrades.cap <= p.investment = 3\n",
         "`three_upgrades.cap <= p.investment and p.investment = 3`"),
    ],
)
def test_chained_comparisons_get_the_two_comparisons_written_out(text: str, hint: str) -> None:
    _, problems = parse_text(text)
    assert [p.code for p in problems] == ["PD120"]
    assert (problems[0].hint or "").endswith(hint)


def test_a_comparison_after_an_and_is_not_a_chain() -> None:
    _, problems = parse_text("define d = a < b and c < d\n")
    assert problems == []

