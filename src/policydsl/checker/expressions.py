"""Expressions → typed expressions: name resolution, types and units, with did-you-mean hints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs

from policydsl import model as m
from policydsl.checker import bands
from policydsl.checker.literals import NotALiteral, literal
from policydsl.diagnostics import Diagnostic, Span, did_you_mean
from policydsl.syntax import ast
from policydsl.syntax.format import band_interval, format_expr
from policydsl.values import Duration, Money, make_date

FUNCTIONS = ("count", "min", "max", "contains", "year", "date", "floor", "ceil", "round", "sqrt")
NUMBER_FUNCTIONS = ("floor", "ceil", "round", "sqrt")
_UNORDERED = ("bool", "text", "set", "list", "entity", "series", "duration")


@attrs.frozen
class Scope:
    """What a name can mean where an expression stands."""

    vars: dict[str, str] = attrs.field(factory=dict)  # loop variable → entity name
    measure: str | None = None
    conditions: dict[str, m.Condition] = attrs.field(factory=dict)
    failed: frozenset[str] = frozenset()  # conditions whose own definition has an error

    def bind(self, var: str, entity: str) -> Scope:
        return attrs.evolve(self, vars={**self.vars, var: entity})


class Typer:
    """Types expressions against a schema; definitions are typed on first use (cycles caught)."""

    def __init__(
        self,
        schema: m.Schema,
        definitions: dict[str, ast.DefineDecl],
        parameters: dict[str, m.Parameter],
        report: Callable[[Diagnostic], None],
        unparsed: frozenset[str] = frozenset(),  # declared where the text could not be read
    ) -> None:
        self.schema = schema
        self.unparsed = unparsed
        self.definition_nodes = definitions
        self.parameters = parameters
        self.report = report
        self.definitions: dict[str, m.Definition | None] = {}
        self._typing: list[str] = []  # definitions being typed, for cycle detection
        # Measures `score(m)`, `subtotal(m, g)`, `floors_met(m)`, `eligible(m)` may name: public id →
        # the group names of its score, or None when no version of it has a score.
        self.outcome_targets: dict[str, frozenset[str] | None] = {}

    # ---- helpers
    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.report(Diagnostic(code, message, span, hint=hint))

    def enum_values(self) -> dict[str, list[m.EnumType]]:
        owners: dict[str, list[m.EnumType]] = {}
        for enum in self.schema.enums.values():
            for value in enum.values:
                owners.setdefault(value, []).append(enum)
        return owners

    def definition(self, name: str, span: Span | None) -> m.Definition | None:
        if name in self.definitions:
            return self.definitions[name]
        if name in self._typing:
            self.cycle([*self._typing[self._typing.index(name):], name])
            return None
        node = self.definition_nodes[name]
        self._typing.append(name)
        try:
            typed = self.expr(node.expr, Scope())
        finally:
            self._typing.pop()
        if name in self.definitions:  # reported as part of a cycle meanwhile
            return self.definitions[name]
        result = m.Definition(name, node.label, typed, typed.type, node.span) if typed else None
        self.definitions[name] = result
        return result

    def cycle(self, path: list[str]) -> None:
        """PD207 for a cycle such as a → b → a, reported at its first definition, which then fails."""
        node = self.definition_nodes[path[0]]
        shown = path if len(path) <= 12 else [*path[:5], "…", *path[-5:]]
        self.error(
            "PD207",
            f"definition cycle: {' → '.join(shown)}" + (f" ({len(path) - 1:,} definitions)" if len(path) > 12 else ""),
            node.span,
            hint="a definition cannot depend on itself; break the cycle",
        )
        self.definitions[path[0]] = None

    # ---- names
    def name(self, node: ast.Name, scope: Scope, expected: m.Type | None) -> m.TExpr | None:
        parts = node.parts
        head = parts[0]
        if head in scope.vars:
            entity = self.schema.entities[scope.vars[head]]
            if len(parts) == 1:
                return m.VarRef(head, m.Type("entity", entity=entity.name), node.span)
            fact = entity.fact(parts[1])
            if fact is None or len(parts) > 2:
                self.error(
                    "PD201",
                    f"{entity.label} ({entity.name}) has no fact '{'.'.join(parts[1:])}'",
                    node.span,
                    hint=did_you_mean(parts[1], [f.name for f in entity.facts]),
                )
                return None
            return m.FieldRef(head, fact, fact.type, node.span)
        dotted = node.dotted
        if len(parts) == 1 and head in scope.conditions:
            return m.CondRef(scope.measure or "", head, m.BOOL, node.span)
        if dotted in self.definition_nodes:
            definition = self.definition(dotted, node.span)
            if definition is None:
                return None
            return m.DefRef(dotted, definition.type, node.span)
        if dotted in self.parameters:
            return m.ParamRef(dotted, self.parameters[dotted].type, node.span)
        record = self.schema.root.fact(head) if len(parts) > 1 else None
        if record is not None and record.type.kind == "entity":
            entity = self.schema.entities[record.type.entity or ""]
            field = entity.fact(parts[1])
            if field is None or len(parts) > 2:
                self.error("PD201", f"{entity.label} ({entity.name}) has no fact '{'.'.join(parts[1:])}'", node.span,
                           hint=did_you_mean(parts[1], [f.name for f in entity.facts]))
                return None
            return m.RecordRef(record, field, field.type, node.span)
        if len(parts) == 1:
            fact = self.schema.root.fact(head)
            if fact is not None:
                return m.FactRef(fact, fact.type, node.span)
            if expected is not None and expected.enum is not None and head in expected.enum.values:
                return m.Const(head, m.Type("enum", enum=expected.enum), node.span)
            owners = self.enum_values().get(head, [])
            if len(owners) == 1:
                return m.Const(head, m.Type("enum", enum=owners[0]), node.span)
        if (len(parts) == 1 and head in scope.failed) or dotted in self.unparsed:
            return None  # its own error is reported where it is defined
        candidates = list(scope.vars) + list(scope.conditions) + list(self.definition_nodes)
        candidates += list(self.parameters) + [f.name for f in self.schema.root.facts]
        enum_values = list(expected.enum.values) if expected is not None and expected.enum is not None else []
        hint = did_you_mean(dotted, candidates + enum_values)
        if expected is not None and expected.enum is not None and (
            hint is None or any(f"'{v}'" in hint for v in enum_values)
        ):
            hint = hint or f"{expected.enum.name} is one of: {', '.join(expected.enum.values)}"
            self.error("PD205", f"'{dotted}' is not a value of {expected.enum.name}", node.span, hint)
            return None
        self.error("PD201", f"unknown name '{dotted}'", node.span, hint)
        return None

    # ---- expressions
    def expr(self, node: ast.Expr, scope: Scope, expected: m.Type | None = None) -> m.TExpr | None:
        if isinstance(node, ast.MoneyLit):
            return m.Const(Money.of(node.amount, node.unit), m.MONEY, node.span)
        if isinstance(node, ast.PercentLit):
            return m.Const(node.percent / 100, m.RATIO, node.span)
        if isinstance(node, ast.PointsLit):
            return m.Const(node.value, m.POINTS, node.span)
        if isinstance(node, ast.NumberLit):
            if node.is_integer:
                return m.Const(int(node.value), m.INTEGER, node.span)
            return m.Const(node.value, m.DECIMAL, node.span)
        if isinstance(node, ast.DateLit):
            return m.Const(node.value, m.DATE, node.span)
        if isinstance(node, ast.StringLit):
            return m.Const(node.value, m.TEXT, node.span)
        if isinstance(node, ast.BoolLit):
            return m.Const(node.value, m.BOOL, node.span)
        if isinstance(node, ast.Name):
            named = self.name(node, scope, expected)
            if named is not None and named.type.kind == "series":
                self.error("PD253", f"'{node.dotted}' is a series, read one year at a time", node.span,
                           hint=f"write the year in brackets, e.g. `{node.dotted}[year(today) - 1]`")
                return None
            return named
        if isinstance(node, ast.Today):
            return m.Today(m.DATE, node.span)
        if isinstance(node, ast.DurationLit):
            return m.Const(Duration(**{f"{node.unit}s": node.count}), m.DURATION, node.span)
        if isinstance(node, ast.Between):
            return self.between(node, scope)
        if isinstance(node, ast.Index):
            return self.index(node, scope)
        if isinstance(node, ast.Unary):
            return self.unary(node, scope)
        if isinstance(node, ast.Binary):
            if node.op in ("and", "or"):
                return self.logic(node, scope)
            if node.op in ast.COMPARISONS:
                return self.compare(node, scope)
            return self.arith(node, scope)
        if isinstance(node, ast.Member):
            return self.member(node, scope)
        if isinstance(node, ast.Quantified):
            return self.quantified(node, scope)
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Aggregate):
            return self.aggregate(node, scope)
        if isinstance(node, ast.Band):
            return self.band(node, scope, expected)
        if isinstance(node, ast.If):
            return self.conditional(node, scope, expected)
        if isinstance(node, ast.SetLit):
            self.error(
                "PD202",
                "a set of values can only stand after `in`",
                node.span,
                hint="write `category in {intelligent_upgrade, green_upgrade}`",
            )
            return None
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    def boolean(self, node: ast.Expr, scope: Scope, what: str) -> m.TExpr | None:
        typed = self.expr(node, scope, m.BOOL)
        if typed is not None and typed.type.kind != "bool":
            self.error(
                "PD202",
                f"{what} must be true or false, but this is {typed.type}",
                node.span,
                hint="compare it with something, e.g. `revenue >= 100万元`",
            )
            return None
        return typed

    def unary(self, node: ast.Unary, scope: Scope) -> m.TExpr | None:
        if node.op == "not":
            operand = self.boolean(node.operand, scope, "the operand of `not`")
            return m.Not(operand, m.BOOL, node.span) if operand else None
        typed = self.expr(node.operand, scope)
        if typed is None:
            return None
        if typed.type.kind not in ("integer", "decimal", "money", "ratio", "points"):
            self.error("PD202", f"cannot negate {typed.type}", node.span)
            return None
        return m.Neg(typed, typed.type, node.span)

    def logic(self, node: ast.Binary, scope: Scope) -> m.TExpr | None:
        items: list[m.TExpr] = []
        ok = True
        for operand in _flatten(node, node.op):
            typed = self.boolean(operand, scope, f"each side of `{node.op}`")
            if typed is None:
                ok = False
            else:
                # Flatten nested and/or of the same operator for readable explanations.
                if isinstance(typed, m.Logic) and typed.op == node.op and typed.span == operand.span:
                    items.extend(typed.items)
                else:
                    items.append(typed)
        return m.Logic(node.op, tuple(items), m.BOOL, node.span) if ok else None  # type: ignore[arg-type]

    def _pair(
        self, left: ast.Expr, right: ast.Expr, scope: Scope
    ) -> tuple[m.TExpr | None, m.TExpr | None]:
        # A bare enum value takes its enum from the other side.
        if isinstance(left, ast.Name) and not _is_reference(left, scope, self):
            typed_right = self.expr(right, scope)
            typed_left = self.expr(left, scope, typed_right.type if typed_right else None)
            return typed_left, typed_right
        typed_left = self.expr(left, scope)
        typed_right = self.expr(right, scope, typed_left.type if typed_left else None)
        return typed_left, typed_right

    def compare(self, node: ast.Binary, scope: Scope) -> m.TExpr | None:
        left, right = self._pair(node.left, node.right, scope)
        if left is None or right is None:
            return None
        return self.compared(node, left, right)

    def compared(self, node: ast.Binary, left: m.TExpr, right: m.TExpr) -> m.Compare | None:
        """The comparison `node` of two typed operands (also each half of a `between`)."""
        if "duration" in (left.type.kind, right.type.kind):
            self.error("PD251", f"a duration is not compared: `{node.op}` of {left.type} and {right.type}", node.span,
                       hint="move a date by it and compare dates, e.g. `paid_on >= today - 3 years`")
            return None
        if left.type.kind == "money" or right.type.kind == "money":
            left, right = _zero_as_money(left, right.type), _zero_as_money(right, left.type)
        lk, rk = left.type.kind, right.type.kind
        op = node.op
        operand_type = left.type
        if lk == rk == "enum":
            if left.type.enum != right.type.enum:
                self.error(
                    "PD202",
                    f"cannot compare {left.type} with {right.type}",
                    node.span,
                )
                return None
            assert left.type.enum is not None
            if op not in ("=", "!=") and not left.type.enum.ordered:
                self.error(
                    "PD202",
                    f"enum {left.type.enum.name} is not ordered, so `{op}` has no meaning",
                    node.span,
                    hint=f"declare it `ordered enum {left.type.enum.name}` or compare with `=`",
                )
                return None
            self._never_true(left, right, op, node)
        elif lk in m.NUMERIC and rk in m.NUMERIC:
            operand_type = m.DECIMAL if "decimal" in (lk, rk) else m.INTEGER
        elif {lk, rk} <= {"ratio", "integer", "decimal"} and "ratio" in (lk, rk):
            operand_type = m.RATIO
            number = right if lk == "ratio" else left
            # `ratio >= 3`, a bare number (not `110.25%`, which says it is a percentage)
            if (isinstance(number, m.Const) and number.type.kind != "ratio"
                    and isinstance(number.value, int | Decimal) and number.value > 1):
                self.report(Diagnostic(
                    "PD225",
                    f"a ratio compared with {number.value}: ratios are fractions, so this is {number.value * 100}%",
                    number.span,
                    hint=f"did you mean {number.value}%?",
                    severity="warning",
                ))
        elif lk != rk:
            unit_kinds = {"money", "ratio", "points"}
            code = "PD203" if lk in unit_kinds or rk in unit_kinds else "PD202"
            hint = None
            if "points" in (lk, rk):
                hint = _POINTS_HINT
            elif "money" in (lk, rk) and ({lk, rk} & m.NUMERIC):
                hint = "write the unit with the number, e.g. 150万元"
            elif {lk, rk} == {"money", "ratio"}:
                hint = "compare money with money and ratios with ratios (e.g. rd_ratio >= 3%)"
            self.error("PD203" if code == "PD203" else code,
                       f"cannot compare {left.type} with {right.type}", node.span, hint)
            return None
        elif op not in ("=", "!=") and lk in ("bool", "text", "set", "list", "entity"):
            self.error("PD202", f"`{op}` does not apply to {left.type}", node.span,
                       hint="only numbers, money, ratios, dates and ordered enums have an order")
            return None
        return m.Compare(op, left, right, operand_type, m.BOOL, node.span)  # type: ignore[arg-type]

    def _never_true(self, left: m.TExpr, right: m.TExpr, op: str, node: ast.Binary) -> None:
        """Warn about comparisons that no value of an ordered enum can satisfy."""
        if not isinstance(right, m.Const) or right.type.enum is None:
            return
        values = right.type.enum.values
        if (op == ">" and right.value == values[-1]) or (op == "<" and right.value == values[0]):
            self.report(Diagnostic(
                "PD224",
                f"this comparison is never true: no value of {right.type.enum.name} is "
                f"{'above' if op == '>' else 'below'} {right.value}",
                node.span,
                hint=f"use `{'>=' if op == '>' else '<='}` or `=`",
                severity="warning",
            ))

    def arith(self, node: ast.Binary, scope: Scope) -> m.TExpr | None:
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        if left is None or right is None:
            return None
        if {left.type.kind, right.type.kind} & {"date", "duration"}:
            return self.shift(node, left, right)
        result = _arith_type(node.op, left.type.kind, right.type.kind)
        if result is None:
            kinds = {left.type.kind, right.type.kind}
            code = "PD203" if kinds & {"money", "ratio", "points"} else "PD202"
            hint = None
            if "points" in kinds:
                hint = _POINTS_HINT
            elif node.op in "+-" and "money" in kinds and kinds & m.NUMERIC:
                hint = "write the unit with the number, e.g. `revenue + 10万元`"
            elif node.op in "+-" and kinds == {"money", "ratio"}:
                hint = "to take a share of an amount, multiply: `investment * 40%`"
            self.error(code, f"cannot apply `{node.op}` to {left.type} and {right.type}", node.span, hint)
            return None
        return m.Arith(node.op, left, right, result, node.span)  # type: ignore[arg-type]

    def shift(self, node: ast.Binary, left: m.TExpr, right: m.TExpr) -> m.TExpr | None:
        """`date + duration`, `date - duration`; every other sum or product of a date or a duration
        has no meaning (PD251)."""
        lk, rk = left.type.kind, right.type.kind
        if lk == "date" and rk == "duration" and node.op in "+-":
            return m.Shift(node.op, left, right, m.DATE, node.span)  # type: ignore[arg-type]
        if lk == "duration" and rk == "date" and node.op == "+":
            hint = "write the date first: `today + 30 days`"
        elif lk == rk == "date":
            hint = "dates are not subtracted or added; compare them, e.g. `paid_on between today - 3 years and today`"
        elif "date" in (lk, rk) and ({lk, rk} & m.NUMERIC):
            hint = "say what the number counts: `+ 30 days`, `- 3 years`, `+ 6 months`"
        elif lk == rk == "duration":
            hint = "move the date twice: `today - 1 year - 6 months`"
        else:
            hint = "a duration moves a date: `today - 3 years`"
        self.error("PD251", f"cannot apply `{node.op}` to {left.type} and {right.type}", node.span, hint)
        return None

    def between(self, node: ast.Between, scope: Scope) -> m.TExpr | None:
        """`x between a and b`: `a <= x and x <= b`, for a value with an order."""
        value = self.expr(node.value, scope)
        low = self.expr(node.low, scope, value.type if value else None)
        high = self.expr(node.high, scope, value.type if value else None)
        if value is None or low is None or high is None:
            return None
        kind = value.type.kind
        if kind in _UNORDERED or (kind == "enum" and value.type.enum is not None and not value.type.enum.ordered):
            self.error("PD250", f"`between` needs a value with an order, not {value.type}", node.span,
                       hint="numbers, money, ratios, dates and ordered enums have an order")
            return None
        above = self.compared(ast.Binary("<=", node.low, node.value, node.span), low, value)
        below = self.compared(ast.Binary("<=", node.value, node.high, node.span), value, high)
        if above is None or below is None:
            return None
        operand = above.operand_type if above.operand_type == below.operand_type else m.DECIMAL
        if above.operand_type.kind != below.operand_type.kind and "ratio" in (above.operand_type.kind,
                                                                            below.operand_type.kind):
            operand = m.RATIO
        return m.Between(above.right, above.left, below.right, operand, m.BOOL, node.span)

    def index(self, node: ast.Index, scope: Scope) -> m.TExpr | None:
        """`revenue[year]`: a series fact read at an integer year."""
        series = self.name(node.series, scope, None)
        year = self.expr(node.year, scope, m.INTEGER)
        if series is None or year is None:
            return None
        if series.type.kind != "series" or not isinstance(series, m.FactRef | m.FieldRef):
            self.error("PD253", f"only a series is read by year, and '{node.series.dotted}' is {series.type}",
                       node.span, hint='declare it `fact revenue "营业收入" : series of money`')
            return None
        if year.type.kind != "integer":
            self.error("PD253", f"the year of a series is an integer, not {year.type}", node.year.span,
                       hint="e.g. `revenue[year(today) - 1]` or `revenue[2024]`")
            return None
        return m.Index(series, year, series.type.element_type(), node.span)

    def member(self, node: ast.Member, scope: Scope) -> m.TExpr | None:
        value = self.expr(node.value, scope)
        if value is None:
            return None
        options: list[object] = []
        seen: dict[object, Span | None] = {}
        ok = True
        for item in node.options.items:
            typed = self.expr(item, scope, value.type)
            if typed is None:
                ok = False
                continue
            if not isinstance(typed, m.Const):
                self.error("PD202", "the values after `in` must be written out, not computed",
                           item.span)
                ok = False
                continue
            if typed.type != value.type and not (
                typed.type.kind in m.NUMERIC and value.type.kind in m.NUMERIC
            ):
                self.error("PD202", f"{typed.type} value in a set of {value.type}", item.span)
                ok = False
                continue
            if typed.value in seen:
                self.report(Diagnostic("PD232", f"'{typed.value}' is listed twice", item.span,
                                       severity="warning", hint="remove the repetition"))
            seen[typed.value] = item.span
            options.append(typed.value)
        if not ok:
            return None
        return m.In(value, tuple(options), node.negated, m.BOOL, node.span)

    def collection(self, node: ast.Expr, scope: Scope) -> tuple[m.TExpr, str] | None:
        typed = self.expr(node, scope)
        if typed is None:
            return None
        if typed.type.kind != "list" or typed.type.entity is None:
            self.error("PD202", f"`for each` and `any`/`all` need a list, not {typed.type}", node.span)
            return None
        return typed, typed.type.entity

    def quantified(self, node: ast.Quantified, scope: Scope) -> m.TExpr | None:
        found = self.collection(node.collection, scope)
        if found is None:
            return None
        collection, entity = found
        inner = scope.bind(node.var, entity)
        body = self.boolean(node.body, inner, f"the condition of `{node.quantifier}`")
        where = self.boolean(node.where, inner, "the filter after `where`") if node.where is not None else None
        if body is None or (node.where is not None and where is None):
            return None
        if where is not None:
            # semantics.md §6: `any p in xs where (f): (b)` is `any p in xs: (f and b)`, and `all …`
            # is `all p in xs: (not f or b)` — Kleene logic item by item, so one meaning in every engine.
            body = (m.Logic("and", (where, body), m.BOOL, node.span) if node.quantifier == "any"
                    else m.Logic("or", (m.Not(where, m.BOOL, node.where.span if node.where else None), body),
                                 m.BOOL, node.span))
        return m.Quant(node.quantifier, node.var, collection, body, m.BOOL, node.span)

    def aggregate(self, node: ast.Aggregate, scope: Scope) -> m.TExpr | None:
        """`count`/`sum`/`min`/`max` over a list, with an optional filter (semantics.md §6)."""
        typed = self.expr(node.collection, scope)
        if typed is None:
            return None
        if typed.type.kind != "list" or typed.type.entity is None:
            self.error("PD202", f"`{node.op}` goes over a list, not {typed.type}", node.collection.span,
                       hint=f"e.g. `{node.op} p in projects …`")
            return None
        inner = scope.bind(node.var, typed.type.entity)
        where = self.boolean(node.where, inner, "the filter after `where`") if node.where is not None else None
        if node.where is not None and where is None:
            return None
        if node.op == "count":
            return m.Aggregate("count", node.var, typed, where, None, None, m.INTEGER, node.span)
        assert node.value is not None  # the grammar requires it for sum, min and max
        value = self.expr(node.value, inner)
        if value is None:
            return None
        kind = value.type.kind
        allowed: tuple[str, ...] = ("integer", "decimal", "money", "ratio", "points")
        if node.op != "sum":
            allowed = (*allowed, "date")
        if kind not in allowed:
            what = "added up" if node.op == "sum" else "ordered"
            self.error("PD255", f"`{node.op}` needs values that can be {what}, but this is {value.type}",
                       node.value.span, hint=f"{node.op} numbers, amounts or ratios, e.g. `(p.investment)`")
            return None
        if node.op == "sum":
            return m.Aggregate("sum", node.var, typed, where, value, None, value.type, node.span)
        if node.default is None:
            zero = {"money": "0万元", "ratio": "0%", "points": "0分", "date": "2020-01-01"}.get(kind, "0")
            self.error("PD135", f"`{node.op}` over a list needs a `default`: the value when the list is empty or "
                       "no item passes the filter", node.span,
                       hint=f"add it after the value, e.g. `{node.op} {node.var} in …: (…) default ({zero})`")
            return None
        default = self.expr(node.default, scope, value.type)
        if default is None:
            return None
        default = _zero_as_money(default, value.type)
        kinds = {kind, default.type.kind}
        if default.type == value.type:
            result = value.type
        elif kinds <= m.NUMERIC:
            result = m.DECIMAL
        else:
            self.error("PD256", f"the default of `{node.op}` must be of the values' type {value.type}, not "
                       f"{default.type}", node.default.span, hint="write a default of the same kind, e.g. `0万元`")
            return None
        return m.Aggregate(node.op, node.var, typed, where, value, default, result, node.span)

    def conditional(self, node: ast.If, scope: Scope, expected: m.Type | None) -> m.TExpr | None:
        """`if … then … else …`: a boolean condition and two values of one type (integers and
        decimals mix, a plain number stands for a ratio; a bare enum value takes the other's enum)."""
        condition = self.boolean(node.condition, scope, "the condition of `if`")
        first, second = node.then, node.otherwise
        if isinstance(first, ast.Name) and not _is_reference(first, scope, self):
            otherwise = self.expr(second, scope, expected)
            then = self.expr(first, scope, otherwise.type if otherwise else expected)
        else:
            then = self.expr(first, scope, expected)
            otherwise = self.expr(second, scope, then.type if then else expected)
        if condition is None or then is None or otherwise is None:
            return None
        if "money" in (then.type.kind, otherwise.type.kind):
            then, otherwise = _zero_as_money(then, otherwise.type), _zero_as_money(otherwise, then.type)
        kinds = {then.type.kind, otherwise.type.kind}
        if then.type == otherwise.type:
            result = then.type
        elif kinds <= m.NUMERIC:
            result = m.DECIMAL
        elif "ratio" in kinds and len(kinds - m.NUMERIC) == 1:
            result = m.RATIO
        else:
            code = "PD203" if kinds & {"money", "ratio", "points"} else "PD202"
            self.error(code, f"the two values of `if` must be of one type, but `then` gives {then.type} and "
                       f"`else` gives {otherwise.type}", node.span,
                       hint="give both branches values of the same kind, e.g. `if x then 40% else 30%`")
            return None
        return m.If(condition, then, otherwise, result, node.span)

    def outcome(self, node: ast.Call) -> m.TExpr | None:
        """`score(m)`, `subtotal(m, g)`, `floors_met(m)`, `eligible(m)`: what a measure concluded."""
        name = node.function
        wanted = 2 if name == "subtotal" else 1
        shape = "subtotal(measure, group)" if name == "subtotal" else f"{name}(measure)"
        if len(node.args) != wanted or not all(isinstance(a, ast.Name) for a in node.args):
            self.error("PD270", f"{name}(…) takes {'a measure id and a group name' if wanted == 2 else 'a measure id'}",
                       node.span, hint=f"write {shape}, e.g. {name}(innovative{', growth' if wanted == 2 else ''})")
            return None
        target = node.args[0]
        assert isinstance(target, ast.Name)
        measure = target.dotted
        if measure not in self.outcome_targets:
            if measure not in self.unparsed:
                self.error("PD201", f"unknown measure '{measure}'", target.span,
                           hint=did_you_mean(measure, self.outcome_targets) or f"{name}(…) names a measure by its id")
            return None
        groups = self.outcome_targets[measure]
        if name != "eligible" and groups is None:
            self.error("PD271", f"measure {measure} has no score, so {name}(…) has nothing to read", target.span,
                       hint=f'give {measure} a `score "…" {{ indicator … }}` block, or read eligible({measure})')
            return None
        group = None
        if name == "subtotal":
            group_node = node.args[1]
            assert isinstance(group_node, ast.Name)
            group = group_node.dotted
            if groups is not None and group not in groups:
                self.error("PD271", f"the score of {measure} has no group '{group}'", group_node.span,
                           hint=did_you_mean(group, groups) or (f"its groups are {', '.join(sorted(groups))}"
                                                                if groups else "its score has no groups"))
                return None
        typ = m.BOOL if name in ("floors_met", "eligible") else m.POINTS
        return m.Outcome(name, measure, group, typ, node.span)  # type: ignore[arg-type]

    def band(self, node: ast.Band, scope: Scope, expected: m.Type | None) -> m.TExpr | None:
        """`band subject { [lo, hi) => value … }`: edges written out in the subject's type, values
        of one type, rows that cover the subject's declared range once (checker/bands.py)."""
        subject = self.expr(node.subject, scope)
        values = [self.expr(row.value, scope, expected) for row in node.rows]
        if subject is None or any(v is None for v in values):
            return None
        kind = subject.type.kind
        if kind not in BAND_SUBJECTS:
            self.error("PD202", f"a band sorts a number, money, a ratio or points into rows, not {subject.type}",
                       node.subject.span, hint="band rd_ratio { [5%, ..) => 20分  (.., 5%) => 0分 }")
            return None
        ok = True
        edges: list[tuple[object | None, object | None]] = []
        for row in node.rows:
            pair: list[object | None] = []
            for edge in (row.low, row.high):
                if edge is None:
                    pair.append(None)
                    continue
                try:
                    if kind == "ratio" and not isinstance(edge, ast.PercentLit) and not (
                            isinstance(edge, ast.NumberLit) and edge.value == 0):
                        raise NotALiteral
                    pair.append(literal(edge, subject.type))
                except NotALiteral:
                    example = {"ratio": "5%", "money": "150万元", "points": "15分", "integer": "3"}.get(kind, "1.5")
                    self.error("PD142", f"a band edge must be a {subject.type} written out, as the subject "
                               f"{format_expr(node.subject)} is", edge.span, hint=f"e.g. [{example}, ..)")
                    pair.append(None)
                    ok = False
            edges.append((pair[0], pair[1]))
        typed = [v for v in values if v is not None]
        first = typed[0].type
        result = first
        for row, value in zip(node.rows, typed, strict=True):
            if value.type == first:
                continue
            if value.type.kind in m.NUMERIC and first.kind in m.NUMERIC:
                result = m.DECIMAL
                continue
            self.error("PD146", f"the rows of a band give values of different types: the first row gives {first}, "
                       f"the row {band_interval(row)} gives {value.type}", row.value.span,
                       hint="give every row a value of one type, e.g. points in each: 20分, 15分, 0分")
            ok = False
        if not ok:
            return None
        minimum, maximum = _declared_range(subject, self.parameters)
        rows = [bands.Row(None if low is None else bands.number(low), row.low_closed,
                          None if high is None else bands.number(high), row.high_closed, band_interval(row), index)
                for index, (row, (low, high)) in enumerate(zip(node.rows, edges, strict=True))]
        found = bands.problems(rows, kind, minimum, maximum, format_expr(node.subject))
        for problem in found:
            self.error(problem.code, problem.message, node.rows[problem.row].span, hint=problem.hint)
        if found:
            return None
        built = tuple(m.BandRow(low, row.low_closed, high, row.high_closed, value,
                                _band_test(subject, low, row.low_closed, high, row.high_closed, row.span),
                                band_interval(row), row.span)
                      for row, (low, high), value in zip(node.rows, edges, typed, strict=True))
        return m.Band(subject, built, result, node.span)

    def call(self, node: ast.Call, scope: Scope) -> m.TExpr | None:
        name = node.function
        if name in m.OUTCOME_FUNCTIONS:
            return self.outcome(node)
        if name not in FUNCTIONS:
            self.error("PD206", f"unknown function '{name}'", node.span,
                       hint=did_you_mean(name, FUNCTIONS + m.OUTCOME_FUNCTIONS)
                       or f"the functions are {', '.join(FUNCTIONS + m.OUTCOME_FUNCTIONS)}")
            return None
        args = [self.expr(arg, scope) for arg in node.args]
        if any(arg is None for arg in args):
            return None
        typed = [a for a in args if a is not None]
        if name == "count":
            if len(typed) != 1 or typed[0].type.kind not in ("set", "list"):
                self.error("PD202", "count(…) takes one set or list", node.span,
                           hint="e.g. count(heritage_titles) >= 1")
                return None
            return m.Func("count", tuple(typed), m.INTEGER, node.span)
        if name == "contains":
            if len(typed) != 2 or typed[0].type.kind != "set":
                self.error("PD202", "contains(set, value) takes a set and one of its values", node.span)
                return None
            enum = typed[0].type.enum
            second = self.expr(node.args[1], scope, m.Type("enum", enum=enum))
            if second is None:
                return None
            if second.type.enum != enum:
                self.error("PD202", f"contains(…) looks for a value of {enum.name if enum else 'the set'}, "
                           f"not {second.type}", node.args[1].span)
                return None
            return m.Func("contains", (typed[0], second), m.BOOL, node.span)
        if name in ("year", "date"):
            return self.calendar(node, typed)
        if name in NUMBER_FUNCTIONS:
            if len(typed) == 1 and typed[0].type.kind == "points" and name != "sqrt":
                return m.Func(name, tuple(typed), m.POINTS, node.span)  # whole points: floor(x) → points
            if len(typed) != 1 or typed[0].type.kind not in ("integer", "decimal", "ratio"):
                shown = ", ".join(str(a.type) for a in typed) or "nothing"
                self.error("PD141", f"{name}(…) takes one number (integer, decimal or ratio), not {shown}",
                           node.span, hint=f"e.g. {name}(employees / 10); an amount of money is a number once "
                                           "divided by an amount: revenue / 1万元")
                return None
            return m.Func(name, tuple(typed), m.DECIMAL if name == "sqrt" else m.INTEGER, node.span)
        if len(typed) < 2:
            self.error("PD202", f"{name}(…) takes two or more values", node.span)
            return None
        kinds = {a.type.kind for a in typed}
        if kinds <= m.NUMERIC:
            result = m.DECIMAL if "decimal" in kinds else m.INTEGER
        elif len(kinds) == 1 and kinds <= {"money", "ratio", "date", "points"}:
            result = typed[0].type
        else:
            code = "PD203" if kinds & {"money", "ratio", "points"} else "PD202"
            self.error(code, f"{name}(…) needs values of one kind, got {', '.join(sorted(kinds))}", node.span)
            return None
        return m.Func(name, tuple(typed), result, node.span)


    def calendar(self, node: ast.Call, typed: list[m.TExpr]) -> m.TExpr | None:
        """`year(d)` → integer; `date(y, m, d)` → date (constant arguments: the day is checked here,
        and an impossible one is PD252; otherwise an impossible day is unknown when evaluated)."""
        kinds = [a.type.kind for a in typed]
        if node.function == "year":
            if kinds != ["date"]:
                self.error("PD202", "year(…) takes one date", node.span, hint="e.g. year(today) - 1")
                return None
            return m.Func("year", tuple(typed), m.INTEGER, node.span)
        if kinds != ["integer"] * 3:
            self.error("PD202", "date(…) takes three integers: year, month, day", node.span,
                       hint="e.g. date(year(today) - 1, 12, 31)")
            return None
        if all(isinstance(a, m.Const) for a in typed):
            y, mo, d = (a.value for a in typed if isinstance(a, m.Const))
            day = make_date(y, mo, d)  # type: ignore[arg-type]
            if day is None:
                self.error("PD252", f"date({y}, {mo}, {d}) is not a day of the calendar", node.span,
                           hint="the month is 1 to 12 and the day within it (28 February except in leap years)")
                return None
            return m.Const(day, m.DATE, node.span)
        return m.Func("date", tuple(typed), m.DATE, node.span)


BAND_SUBJECTS = ("integer", "decimal", "money", "ratio", "points")


def _declared_range(subject: m.TExpr, parameters: Mapping[str, m.Parameter]) -> tuple[Decimal | None, Decimal | None]:
    """The range a band's subject is declared with (a fact's or parameter's minimum and maximum)."""
    if isinstance(subject, m.FactRef | m.FieldRef):
        return subject.fact.minimum, subject.fact.maximum
    if isinstance(subject, m.ParamRef) and subject.name in parameters:
        parameter = parameters[subject.name]
        return parameter.minimum, parameter.maximum
    return None, None


def _band_test(subject: m.TExpr, low: object | None, low_closed: bool, high: object | None, high_closed: bool,
               span: Span | None) -> m.TExpr:
    """The subject within a row's interval, as comparisons with the edges."""
    tests: list[m.TExpr] = []
    if low is not None:
        tests.append(m.Compare(">=" if low_closed else ">", subject, m.Const(low, subject.type, span),
                               subject.type, m.BOOL, span))
    if high is not None:
        tests.append(m.Compare("<=" if high_closed else "<", subject, m.Const(high, subject.type, span),
                               subject.type, m.BOOL, span))
    if not tests:
        return m.Const(True, m.BOOL, span)
    return tests[0] if len(tests) == 1 else m.Logic("and", tuple(tests), m.BOOL, span)


def _zero_as_money(expr: m.TExpr, other: m.Type | None = None) -> m.TExpr:
    """A bare 0 compared with money is 0 in any unit: `national_fund_received > 0` is fine."""
    if (
        other is not None
        and other.kind == "money"
        and isinstance(expr, m.Const)
        and expr.type.kind in m.NUMERIC
        and expr.value == 0
    ):
        return m.Const(Money(Decimal(0)), m.MONEY, expr.span)
    return expr


def _flatten(node: ast.Expr, op: str) -> list[ast.Expr]:
    if isinstance(node, ast.Binary) and node.op == op:
        return _flatten(node.left, op) + _flatten(node.right, op)
    return [node]


def _is_reference(node: ast.Name, scope: Scope, typer: Typer) -> bool:
    """True when a name surely refers to something other than an enum value."""
    head = node.parts[0]
    if head in scope.vars or node.dotted in typer.definition_nodes or node.dotted in typer.parameters:
        return True
    return len(node.parts) == 1 and (head in scope.conditions or typer.schema.root.fact(head) is not None)


_POINTS_HINT = ("points (分) go with points: write the number with its unit (e.g. 15分), or turn a measured "
                "amount into points with a band (`band rd_ratio { [5%, ..) => 20分 … }`)")


def _arith_type(op: str, lk: str, rk: str) -> m.Type | None:
    numeric = m.NUMERIC
    if lk in numeric and rk in numeric:
        return m.INTEGER if lk == rk == "integer" and op != "/" else m.DECIMAL
    if "points" in (lk, rk):
        # points ± points, points × number (either side), points ÷ number → points; points ÷ points → a number
        other = rk if lk == "points" else lk
        if op in "+-":
            return m.POINTS if lk == rk else None
        if op == "*":
            return m.POINTS if other in numeric else None
        if lk == "points":
            return m.POINTS if rk in numeric else m.DECIMAL if rk == "points" else None
        return None
    if op in "+-":
        if lk == rk and lk in ("money", "ratio"):
            return m.MONEY if lk == "money" else m.RATIO
        return None
    if op == "*":
        pair = {lk, rk}
        if "money" in pair and (pair - {"money"}) <= {"ratio", "integer", "decimal"} and pair != {"money"}:
            return m.MONEY
        if "ratio" in pair and pair <= {"ratio", "integer", "decimal"}:
            return m.RATIO
        return None
    # division
    if lk == "money" and rk == "money":
        return m.RATIO
    if lk == "money" and rk in ("ratio", "integer", "decimal"):
        return m.MONEY
    if lk == "ratio" and rk in ("ratio",):
        return m.DECIMAL
    if lk == "ratio" and rk in numeric:
        return m.RATIO
    return None
