"""The reference evaluator: applies a checked policy to typed facts, Kleene logic, exact money."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from policydsl import model as m
from policydsl.engine.semantics import (
    UNKNOWN_ITEM,
    Env,
    amendments_by_target,
    arithmetic,
    capped,
    collection_path,
    expr_text,
    fold_amendments,
    status_of,
    total_of,
    truth,
)
from policydsl.result import BenefitResult, MeasureResult, Node, Read, Result, TargetResult
from policydsl.values import Money, Unknown, merge_unknown, plain

TARGET_NOTE = "a target is reported; it does not decide eligibility"


def show(value: object, typ: m.Type | None = None) -> str:
    """A value as a person reads it: 320万元, 3.5%, little_giant (国家级…), unknown."""
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        if typ is not None and typ.kind == "ratio":
            return f"{plain(value * 100)}%"
        return plain(value)
    if isinstance(value, str) and typ is not None and typ.kind == "enum" and typ.enum:
        label = typ.enum.label_of(value) if value in typ.enum.values else None
        return f"{value} ({label})" if label and label != value else value
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(str(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return f"{len(value)} item{'s' if len(value) != 1 else ''}"
    return str(value)


class Evaluation:
    """One evaluation: a policy, the facts of one enterprise, parameters and a day.

    With `trace=True` every clause records what it read, so an explanation tree can be built.
    """

    def __init__(
        self,
        policy: m.Policy,
        facts: Mapping[str, object],
        params: Mapping[str, object],
        as_of: datetime.date,
        trace: bool = False,
        amended: Mapping[str, list[m.Amendment]] | None = None,  # amendments_by_target(policy), if known
    ) -> None:
        self.policy = policy
        self.facts = facts
        self.params = params
        self.as_of = as_of
        self.trace = trace
        self._definitions: dict[str, object] = {}
        self._traced_definitions: dict[str, tuple[object, Node | None]] = {}
        self._conditions: dict[tuple[str, str], object] = {}
        self._reads: list[list[Read]] = []
        self._children: list[list[Node]] = []
        self._amended = amendments_by_target(policy) if amended is None else amended

    # ---- tracing
    def _read(self, path: str, label: str | None, value: object, typ: m.Type | None,
              note: str | None = None) -> None:
        if self.trace and self._reads:
            self._reads[-1].append(Read(path, label, show(value, typ), note))

    def clause(self, kind: str, label: str, expr: m.TExpr | None, env: Env,
               quotes: tuple[str, ...] = (), note: str | None = None) -> tuple[object, Node | None]:
        """Evaluate an expression as a named clause; with tracing, also its explanation node."""
        if expr is None:
            return True, None
        if not self.trace:
            return self.value(expr, env), None
        self._reads.append([])
        self._children.append([])
        try:
            value = self.value(expr, env)
        finally:
            reads = self._reads.pop()
            children = self._children.pop()
        node = Node(kind, label, show(value, expr.type), expr_text(expr), dedupe_reads(reads), tuple(children),
                    quotes, note or unknown_note(value))
        return value, node

    # ---- expressions
    def value(self, expr: m.TExpr, env: Env) -> object:
        if isinstance(expr, m.Const):
            return expr.value
        if isinstance(expr, m.FactRef):
            value = self.facts.get(expr.fact.name)
            result = Unknown(frozenset({expr.fact.name})) if value is None else value
            self._read(expr.fact.name, expr.fact.label, result, expr.type)
            return result
        if isinstance(expr, m.FieldRef):
            item, path = env[expr.var]
            if item is UNKNOWN_ITEM:  # an item of a list that is itself unknown
                return Unknown(frozenset({path}))
            value = item.get(expr.fact.name)
            full = f"{path}.{expr.fact.name}"
            result = Unknown(frozenset({full})) if value is None else value
            self._read(full, expr.fact.label, result, expr.type)
            return result
        if isinstance(expr, m.VarRef):
            return env[expr.var][0]
        if isinstance(expr, m.Logic):
            return self.logic(expr, env)
        if isinstance(expr, m.Not):
            operand = self.value(expr.operand, env)
            return operand if isinstance(operand, Unknown) else not operand
        if isinstance(expr, m.Compare):
            return self.compare(expr, env)
        if isinstance(expr, m.Arith):
            return self.arith(expr, env)
        if isinstance(expr, m.Neg):
            operand = self.value(expr.operand, env)
            if isinstance(operand, Unknown):
                return operand
            if isinstance(operand, Money):
                return Money(-operand.yuan)
            return -operand  # type: ignore[operator]
        if isinstance(expr, m.In):
            value = self.value(expr.value, env)
            if isinstance(value, Unknown):
                return value
            return (value in expr.options) != expr.negated
        if isinstance(expr, m.DefRef):
            return self.definition(expr.name)
        if isinstance(expr, m.ParamRef):
            return self.parameter(expr.name)
        if isinstance(expr, m.CondRef):
            value = self._conditions.get((expr.measure, expr.name))
            if value is None:
                measure = self.policy.all_measures[expr.measure]
                condition = next(c for c in measure.conditions if c.name == expr.name)
                value = self.value(condition.expr, env)
            self._read(f"condition {expr.name}", None, value, m.BOOL)
            return value
        if isinstance(expr, m.Quant):
            return self.quantified(expr, env)
        if isinstance(expr, m.Func):
            return self.function(expr, env)
        raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover

    def logic(self, expr: m.Logic, env: Env) -> object:
        decisive = expr.op == "or"  # `or` is decided by a true operand, `and` by a false one
        unknowns: list[Unknown] = []
        for item in expr.items:
            value = self.value(item, env)
            if isinstance(value, Unknown):
                unknowns.append(value)
            elif value is decisive:
                return decisive
        return merge_unknown(*unknowns) if unknowns else not decisive

    def compare(self, expr: m.Compare, env: Env) -> object:
        left = self.value(expr.left, env)
        right = self.value(expr.right, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return merge_unknown(left, right)
        if expr.operand_type.kind == "enum" and expr.operand_type.enum is not None:
            enum = expr.operand_type.enum
            left, right = enum.rank(left), enum.rank(right)  # type: ignore[arg-type]
        op = expr.op
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right  # type: ignore[operator]
        if op == "<=":
            return left <= right  # type: ignore[operator]
        if op == ">":
            return left > right  # type: ignore[operator]
        return left >= right  # type: ignore[operator]

    def arith(self, expr: m.Arith, env: Env) -> object:
        left = self.value(expr.left, env)
        right = self.value(expr.right, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return merge_unknown(left, right)
        return arithmetic(expr.op, left, right, lambda: self.dependencies(expr.right, env))

    def quantified(self, expr: m.Quant, env: Env) -> object:
        collection = self.value(expr.collection, env)
        if isinstance(collection, Unknown):
            return collection
        decisive = expr.quantifier == "any"
        unknowns: list[Unknown] = []
        path = collection_path(expr.collection, env)
        items: tuple[dict[str, object], ...] = collection  # type: ignore[assignment]
        for index, item in enumerate(items):
            inner = {**env, expr.var: (item, f"{path}[{index}]")}
            value = self.value(expr.body, inner)
            if isinstance(value, Unknown):
                unknowns.append(value)
            elif value is decisive:
                return decisive
        return merge_unknown(*unknowns) if unknowns else not decisive

    def function(self, expr: m.Func, env: Env) -> object:
        args = [self.value(a, env) for a in expr.args]
        if any(isinstance(a, Unknown) for a in args):
            return merge_unknown(*args)
        if expr.name == "count":
            return len(args[0])  # type: ignore[arg-type]
        if expr.name == "contains":
            return args[1] in args[0]  # type: ignore[operator]
        if expr.name == "min":
            return min(args)  # type: ignore[type-var]
        return max(args)  # type: ignore[type-var]

    def dependencies(self, expr: m.TExpr, env: Env) -> frozenset[str]:
        """The facts and parameters an expression reads (used to name why a division failed)."""
        found: set[str] = set()
        for node in m.walk(expr):
            if isinstance(node, m.FactRef):
                found.add(node.fact.name)
            elif isinstance(node, m.FieldRef):
                found.add(f"{env[node.var][1]}.{node.fact.name}" if node.var in env else node.fact.name)
            elif isinstance(node, m.ParamRef):
                found.add(node.name)
            elif isinstance(node, m.DefRef):
                found |= self.dependencies(self.policy.definitions[node.name].expr, env)
        return frozenset(found)

    # ---- definitions and parameters, with amendments (exceptions) applied
    def definition(self, name: str) -> object:
        if not self.trace:
            if name in self._definitions:
                return self._definitions[name]
            definition = self.policy.definitions[name]
            value = self.value(definition.expr, {})
            if name in self._amended:
                value, _ = self._apply_amendments(name, value, definition.type)
            self._definitions[name] = value
            return value
        value, node = self.traced_definition(name)
        if node is not None and self._children:
            self._children[-1].append(node)
        return value

    def traced_definition(self, name: str) -> tuple[object, Node | None]:
        """A definition's value and node. It reads only the enterprise, so its node is built once
        and shown under every clause that uses it."""
        traced = self._traced_definitions.get(name)
        if traced is None:
            definition = self.policy.definitions[name]
            value, node = self.clause("definition", f"{name}: {definition.label or name}", definition.expr, {})
            if name in self._amended:
                value, note = self._apply_amendments(name, value, definition.type)
                if node is not None and note:
                    node = node._replace(value=show(value, definition.type), note=note)
            traced = self._traced_definitions[name] = (value, node)
            self._definitions[name] = value
        return traced

    def parameter(self, name: str) -> object:
        value, note = self.parameter_value(name)
        if self.trace and self._reads:
            self._reads[-1].append(self.parameter_read(name, value, note))
        return value

    def parameter_read(self, name: str, value: object, note: str) -> Read:
        """How a clause that uses a parameter shows it."""
        parameter = self.policy.parameters[name]
        return Read(name, parameter.label, show(value, parameter.type), note)

    def parameter_value(self, name: str) -> tuple[object, str]:
        """A parameter's value, amendments applied, and the note a read of it shows."""
        parameter = self.policy.parameters[name]
        if name in self.params:
            base, origin = self.params[name], "supplied"
        elif parameter.default is not None:
            base, origin = parameter.default, "default"
        else:
            base, origin = Unknown(frozenset({name}), "parameter not supplied"), "not supplied"
        value, note = self._apply_amendments(name, base, parameter.type)
        return value, note or origin

    def _apply_amendments(self, name: str, base: object, typ: m.Type) -> tuple[object, str | None]:
        """The base value read through its amendments (`semantics.fold_amendments`), and the note an
        explanation shows beside it."""
        steps = [(a, self._quiet(a.when), self._quiet(next(v for t, v in a.sets if t == name)))
                 for a in self._amended.get(name, ())]
        amended = fold_amendments(base, steps)
        if amended.undecided:
            ids = ", ".join(a.id for a in amended.undecided)
            return amended.value, f"unknown whether amendment {ids} applies"
        if amended.by is not None:
            where = f"{amended.by.measure} " if amended.by.measure else ""
            return amended.value, f"amended by {where}{amended.by.id} ({amended.by.label}); base value {show(base, typ)}"
        return amended.value, None

    def _quiet(self, expr: m.TExpr) -> object:
        """Evaluate without recording reads (amendment conditions are shown in their note)."""
        saved = self.trace
        self.trace = False
        try:
            return self.value(expr, {})
        finally:
            self.trace = saved

    # ---- measures
    def measure(self, measure: m.Measure) -> MeasureResult:
        if not measure.window.contains(self.as_of):
            return MeasureResult(measure.id, measure.title, "not_in_force", (), (), None, (),
                                 explainer=lambda: self.explain_out_of_force(measure))
        for condition in measure.conditions:
            self._conditions[(measure.id, condition.name)] = self.value(condition.expr, {})
        agencies = self.agencies(measure)
        benefits: list[BenefitResult] = []
        for benefit in measure.benefits:
            benefits.extend(self.benefit(benefit)[0])
        targets = tuple(self.target(t) for t in measure.targets)
        status = status_of(measure, benefits)
        total = total_of(benefits)
        unknowns = sorted({u for b in benefits for u in b.unknowns})
        policy, facts, params, as_of = self.policy, self.facts, self.params, self.as_of
        return MeasureResult(
            measure.id, measure.title, status, agencies, tuple(benefits), total, tuple(unknowns), targets,
            measure.directives,
            explainer=lambda: Evaluation(policy, facts, params, as_of, trace=True).explain(measure),
        )

    def agencies(self, measure: m.Measure) -> tuple[str, ...]:
        names: list[str] = []
        for agency in measure.agencies:
            if agency.when is not None and self.value(agency.when, {}) is False:
                continue  # an unknown condition keeps the agency as a candidate
            if agency.name is not None:
                names.append(agency.name)
                continue
            assert agency.table is not None
            table = self.policy.tables[agency.table]
            key = self.value(table.key, {})
            names.extend(table.unknown_row if isinstance(key, Unknown) else table.rows[key])  # type: ignore[index]
        return tuple(dict.fromkeys(names))

    def benefit(self, benefit: m.Benefit) -> tuple[list[BenefitResult], list[Node]]:
        if benefit.for_each is None:
            result, node = self.benefit_item(benefit, {}, None, None)
            return [result], [node] if node else []
        collection = self.value(benefit.for_each.collection, {})
        path = collection_path(benefit.for_each.collection, {})
        if isinstance(collection, Unknown):
            # Decide what can be decided without the items: a known false condition (say, not
            # SRDI) makes the benefit not apply whatever the list holds.
            env = {benefit.for_each.var: (UNKNOWN_ITEM, path)}
            result, node = self.benefit_item(benefit, env, None, None)
            if result.applies is not False:
                paths = tuple(sorted(set(result.unknowns) | collection.paths))
                result = BenefitResult(benefit.id, benefit.kind, benefit.label, None, unknowns=paths,
                                       reference=benefit.reference)
                if node is not None:
                    node = node._replace(value="unknown", note=f"{path} is not known")
            return [result], [node] if node else []
        if not collection:
            result = BenefitResult(benefit.id, benefit.kind, benefit.label, False, reference=benefit.reference)
            return [result], [Node("benefit", benefit.label, "false", note=f"{path} is empty")]
        results, nodes = [], []
        items: tuple[dict[str, object], ...] = collection  # type: ignore[assignment]
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            env = {benefit.for_each.var: (item, item_path)}
            name = item.get("name")
            label = name if isinstance(name, str) and name else item_path
            result, node = self.benefit_item(benefit, env, label, item_path)
            results.append(result)
            if node:
                nodes.append(node)
        return results, nodes

    def benefit_item(self, benefit: m.Benefit, env: Env, item: str | None,
                     item_path: str | None) -> tuple[BenefitResult, Node | None]:
        children: list[Node] = []
        applies: object = True
        unknowns: list[Unknown] = []
        for index, when in enumerate(benefit.when):
            label = "condition of the base benefit" if benefit.base and index < len(benefit.when) - 1 else "condition"
            value, node = self.clause("when", label, when, env)
            if node:
                children.append(node)
            if value is False:
                applies = False
                break
            if isinstance(value, Unknown):
                unknowns.append(value)
        if applies is True and unknowns:
            applies = merge_unknown(*unknowns)
        amount = at_most = None
        capped_note: str | None = None
        missing: list[str] = []
        result_unknowns: set[str] = set()
        if isinstance(applies, Unknown):
            result_unknowns |= applies.paths
        if applies is True and benefit.amount is not None:
            raw, node = self.clause("amount", "amount", benefit.amount, env)
            if node:
                children.append(node)
            cap: object = None
            if benefit.cap is not None:
                cap, node = self.clause("cap", "cap", benefit.cap, env)
                if node:
                    children.append(node)
            amount, at_most, lacking = capped(raw, cap)
            if isinstance(raw, Money) and isinstance(cap, Money) and cap < raw:
                capped_note = f"the cap applies: min({raw}, {cap}) = {cap}"
            elif at_most is not None and isinstance(cap, Unknown):
                capped_note = f"the cap is not known: the amount is at most {at_most}"
            result_unknowns |= lacking
            missing = sorted(p for p in lacking if p in self.policy.parameters)
        applies_now = truth(applies)
        result = BenefitResult(benefit.id, benefit.kind, benefit.label, applies_now, item, item_path, amount, at_most,
                               tuple(missing), tuple(sorted(result_unknowns)), benefit.reference)
        if not self.trace:
            return result, None
        shown = show(applies, m.BOOL)
        if amount is not None:
            shown += f", {amount}"
        elif at_most is not None:
            shown += f", at most {at_most}"
        notes = [capped_note] if capped_note else []
        if benefit.reference:
            notes.append(f"amount set by {benefit.reference}")
        if benefit.base:
            notes.append(f"the benefit {benefit.base}, as this measure applies it")
        note = "; ".join(notes) or None
        label = f"{benefit.kind} {benefit.id}: {benefit.label}" + (f" — {item}" if item else "")
        return result, Node("benefit", label, shown, None, (), tuple(children), benefit.quotes, note)

    def target(self, target: m.Target) -> TargetResult:
        applies = self.value(target.when, {}) if target.when else True
        met: object = None
        if applies is not False and target.require is not None:
            met = self.value(target.require, {})
        return TargetResult(target.id, target.label, truth(applies), truth(met) if met is not None else None)

    def result(self) -> Result:
        policy, as_of = self.policy, self.as_of
        measures = tuple(self.measure(measure) for measure in policy.measures)
        in_force = policy.header.window.contains(as_of)
        goals = tuple((g.id, truth(self.value(g.count, {}))) for g in policy.goals)
        warnings: list[str] = []
        if not in_force:
            warnings.append(f"the policy is not in force on {as_of}: it is valid {policy.header.window.describe()}")
        return Result(policy.header.id, as_of, measures, in_force, tuple(warnings), goals)

    # ---- explanations
    def explain(self, measure: m.Measure) -> Node:
        """The explanation tree of one measure; its values are computed once, while tracing."""
        if not measure.window.contains(self.as_of):
            return self.explain_out_of_force(measure)
        children: list[Node] = [self.window_node(measure)]
        for condition in measure.conditions:
            value, node = self.clause("condition", f"{condition.name}: {condition.label or condition.name}",
                                      condition.expr, {})
            self._conditions[(measure.id, condition.name)] = value
            if node:
                children.append(node)
        results: list[BenefitResult] = []
        for benefit in measure.benefits:
            entries, nodes = self.benefit(benefit)
            results.extend(entries)
            children.extend(nodes)
        status, total = status_of(measure, results), total_of(results)
        agencies = self.agencies(measure)
        children.extend(self.target_node(target) for target in measure.targets)
        if agencies or measure.agencies:
            children.append(self.agencies_node(measure, agencies))
        for directive in measure.directives:
            children.append(Node("directive", "directive to agencies", None, quotes=(directive,)))
        for guidance in measure.guidance:
            children.append(Node("guidance", "guidance (gives nothing to claim)", None, quotes=(guidance,)))
        shown_total = f", total {total}" if total is not None else ""
        return Node("measure", f"{measure.id} {measure.title}", f"{status}{shown_total}", None, (),
                    tuple(children), measure.quotes, f"source: {measure.ref}" if measure.ref else None)

    def target_node(self, target: m.Target) -> Node:
        applies, when_node = self.clause("when", "applies to", target.when, {})
        met, require_node = self.clause("require", "requires", target.require, {})
        parts = tuple(n for n in (when_node, require_node) if n)
        shown = "does not apply" if applies is False else show(met, m.BOOL)
        return Node("target", f"target {target.id}: {target.label}", shown, children=parts,
                    quotes=target.quotes, note=TARGET_NOTE)

    def window_node(self, measure: m.Measure) -> Node:
        inside = measure.window.contains(self.as_of)
        note = None
        if measure.window.start.kind == "unknown":
            note = "the start of the window is not known (the issue date is not stated) and counts as open"
        return Node("window", f"in force {measure.window.describe()}", "true" if inside else "false",
                    reads=(Read("as_of", "评估日期", self.as_of.isoformat()),), note=note)

    def agencies_node(self, measure: m.Measure, names: tuple[str, ...]) -> Node:
        reads: list[Read] = []
        for agency in measure.agencies:
            if agency.table is not None:
                table = self.policy.tables[agency.table]
                key = self.value(table.key, {})
                reads.append(Read(expr_text(table.key) or "", table.label, show(key, table.key.type),
                                  "unknown: the collective name is listed" if isinstance(key, Unknown) else None))
            if agency.when is not None:
                value = self.value(agency.when, {})
                reads.append(Read(expr_text(agency.when) or "", agency.name or agency.table, show(value, m.BOOL),
                                  "kept as a candidate" if isinstance(value, Unknown) else None))
        return Node("agencies", "responsible agencies", "、".join(names), reads=tuple(reads))

    def explain_out_of_force(self, measure: m.Measure) -> Node:
        return Node("measure", f"{measure.id} {measure.title}", "not_in_force", None, (),
                    (self.window_node(measure),), measure.quotes,
                    f"source: {measure.ref}" if measure.ref else None)


def dedupe_reads(reads: list[Read]) -> tuple[Read, ...]:
    seen: dict[tuple[str, str], Read] = {}
    for read in reads:
        seen.setdefault((read.path, read.value), read)
    return tuple(seen.values())


def unknown_note(value: object) -> str | None:
    if isinstance(value, Unknown):
        paths = ", ".join(sorted(value.paths))
        reason = f" ({value.reason})" if value.reason else ""
        return f"unknown because of: {paths}{reason}" if paths else f"unknown{reason}"
    return None


def evaluate(policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
             as_of: datetime.date) -> Result:
    """The reference evaluation of every measure of a policy for one enterprise."""
    return Evaluation(policy, facts, params, as_of).result()
