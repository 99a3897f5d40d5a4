"""Literal expressions → runtime values of a declared type (defaults, example parameters)."""

from __future__ import annotations

from policydsl import model as m
from policydsl.syntax import ast
from policydsl.values import Money


class NotALiteral(Exception):
    """The expression is not a literal of the wanted type."""


def literal(node: ast.Expr, typ: m.Type) -> object:
    """The value of a literal of type `typ`; raises NotALiteral otherwise."""
    if isinstance(node, ast.Unary) and node.op == "-":
        inner = literal(node.operand, typ)
        if isinstance(inner, Money):
            return Money(-inner.yuan)
        return -inner  # type: ignore[operator]
    kind = typ.kind
    if isinstance(node, ast.MoneyLit) and kind == "money":
        return Money.of(node.amount, node.unit)
    if isinstance(node, ast.PointsLit) and kind == "points":
        return node.value
    if isinstance(node, ast.PercentLit) and kind == "ratio":
        return node.percent / 100
    if isinstance(node, ast.NumberLit) and kind in ("decimal", "ratio"):
        return node.value
    if isinstance(node, ast.NumberLit) and kind == "integer" and node.is_integer:
        return int(node.value)
    if isinstance(node, ast.BoolLit) and kind == "bool":
        return node.value
    if isinstance(node, ast.StringLit) and kind == "text":
        return node.value
    if isinstance(node, ast.DateLit) and kind == "date":
        return node.value
    if isinstance(node, ast.Name) and typ.enum is not None and node.dotted in typ.enum.values:
        return node.dotted
    raise NotALiteral
