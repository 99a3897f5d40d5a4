"""Explanations compiled per measure: the tree of clauses, with its static parts prepared once.

There is one explainer, and it restates no semantics: the clauses run the same closures as the
fast path (built by engine/domain.py), with leaves that record what they read. What is prepared
once per policy is each clause's label, its text as written, its quotes and how to show its
value; what is left per enterprise is running the traced closures and assembling nodes. Status,
total and agencies come from the row the fast evaluation already computed. Golden explanations
(tests/golden/explain) and the consistency properties in tests/evaluate/test_explain_compiled.py
hold the trees to what the evaluation decided.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from policydsl import model as m
from policydsl.engine.semantics import UNKNOWN_ITEM, Env, capped, collection_path, expr_text, list_source
from policydsl.result import Node, Read
from policydsl.values import Money, Unknown, merge_unknown, plain

if TYPE_CHECKING:
    from policydsl.engine.closures import CompiledEvaluation, Fn, Row

TARGET_NOTE = "a target is reported; it does not decide eligibility"
Shower = Callable[[object], str]
# A clause prepared once: runs its traced closure and returns its value and node.
Clause = Callable[["CompiledEvaluation", Env], "tuple[object, Node]"]
Explainer = Callable[["CompiledEvaluation", "Row"], Node]
BenefitNodes = Callable[["CompiledEvaluation"], "Node | list[Node]"]  # one, or one per item
EMPTY_ENV: Env = {}
WINDOW_DAYS = 256  # as-of days whose window node is kept per measure (a batch uses one)
_MISSING = object()


def show(value: object, typ: m.Type | None = None) -> str:
    """A value as a person reads it: 320万元, 3.5%, little_giant (国家级…), unknown."""
    if isinstance(value, Unknown):
        if value.bounded:  # what is known of it: `unknown (300万元 to 550万元)`, `unknown (at least 2)`
            low, high = (show(v, typ) if v is not None else None for v in (value.low, value.high))
            return (f"unknown ({low} to {high})" if low is not None and high is not None
                    else f"unknown (at least {low})" if low is not None else f"unknown (at most {high})")
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return str(value)
    if typ is not None and typ.kind == "points" and isinstance(value, int | Decimal):
        return f"{plain(Decimal(value))}分"
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


def band_noter(expr: m.Band, labels: dict[str, str | None] | None = None) -> Callable[[object, list[m.BandRow], object], Node]:
    """The node a band adds to its clause: the measured value and the row it fell in, e.g.
    "上年度研发费用总额占营业收入总额比重 4% → [3%, 5%) 15分" (several rows where it is unknown).
    `labels` gives a definition's or parameter's label, so the note speaks the policy's language."""
    subject = expr.subject
    if isinstance(subject, m.FactRef | m.FieldRef):
        label = subject.fact.label
    elif isinstance(subject, m.DefRef | m.ParamRef):
        label = (labels or {}).get(subject.name) or subject.name
    elif isinstance(subject, m.Index):  # `rd_expense[last_year]`: the series' label and the year as written
        year = subject.year
        when = ((labels or {}).get(year.name) or year.name) if isinstance(year, m.DefRef) else expr_text(year)
        label = f"{subject.series.fact.label}（{when}）"
    else:
        label = expr_text(subject) or "the value"
    show_subject, show_value = shower(subject.type), shower(expr.type)

    def note(measured: object, rows: list[m.BandRow], result: object) -> Node:
        fell = " or ".join(f"{row.text} {show_value(_row_value(row))}" for row in rows)
        return Node("band", f"{label} {show_subject(measured)} → {fell}")

    return note


def _row_value(row: m.BandRow) -> object:
    return row.value.value if isinstance(row.value, m.Const) else Unknown(frozenset())


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


def shower(typ: m.Type | None) -> Shower:
    """`show` for values of one type; booleans, the most common clause values, without dispatch."""
    if typ is not None and typ.kind == "bool":

        def show_bool(value: object) -> str:
            return "true" if value is True else "false" if value is False else show(value, typ)

        return show_bool
    return lambda value: show(value, typ)


def clause_of(fns: dict[int, Fn], kind: str, label: str, expr: m.TExpr) -> Clause:
    """A clause prepared once: `Evaluation.clause` while tracing, specialised for the commonest
    shapes (a bare definition or condition), which need no reads list of their own."""
    fn, text, show_value = fns[id(expr)], expr_text(expr), shower(expr.type)

    def general(ctx: CompiledEvaluation, env: Env) -> tuple[object, Node]:
        reads: list[Read] = []
        children: list[Node] = []
        ctx._reads.append(reads)
        ctx._children.append(children)
        try:
            value = fn(ctx, env)
        finally:
            ctx._reads.pop()
            ctx._children.pop()
        shown_reads = dedupe_reads(reads) if len(reads) > 1 else tuple(reads)
        # A definition's node is one shared object (`traced_definition`): a clause that reads it
        # several times (a band's rows, both sides of an `if`) shows it once.
        shown_children = tuple({id(c): c for c in children}.values()) if len(children) > 1 else tuple(children)
        note = unknown_note(value) if isinstance(value, Unknown) else None
        return value, Node(kind, label, show_value(value), text, shown_reads, shown_children, (), note)

    if isinstance(expr, m.DefRef):
        name = expr.name

        def definition(ctx: CompiledEvaluation, env: Env) -> tuple[object, Node]:
            value, node = ctx.traced_definition(name)
            note = unknown_note(value) if isinstance(value, Unknown) else None
            return value, Node(kind, label, show_value(value), text, (), () if node is None else (node,), (), note)

        return definition
    if isinstance(expr, m.CondRef):
        key, read_as = (expr.measure, expr.name), f"condition {expr.name}"

        decided: dict[object, Node] = {}  # a known condition's node depends on its value alone

        def condition(ctx: CompiledEvaluation, env: Env) -> tuple[object, Node]:
            value = ctx._conditions.get(key, _MISSING)
            if value is True or value is False:
                node = decided.get(value)
                if node is None:
                    shown = show_value(value)
                    node = decided[value] = Node(kind, label, shown, text, (Read(read_as, None, shown),))
                return value, node
            if value is _MISSING:  # not decided yet: evaluating it reads facts of its own
                return general(ctx, env)
            shown = show_value(value)
            note = unknown_note(value) if isinstance(value, Unknown) else None
            return value, Node(kind, label, shown, text, (Read(read_as, None, shown),), (), (), note)

        return condition
    return general


def measure_explainer(fns: dict[int, Fn], measure: m.Measure, shared: Callable[[Clause, object], Clause]) -> Explainer:
    """The explanation of an in-force measure, given the tracing evaluation and the measure's row.

    `shared(clause, key)` gives one clause for every measure with an equal condition (Sanmenxia's
    28 measures state 11 distinct ones), so each is run once per evaluation.
    """
    conditions = []
    for c in measure.conditions:
        label = f"{c.name}: {c.label or c.name}"
        conditions.append(((measure.id, c.name), shared(clause_of(fns, "condition", label, c.expr), (label, c.expr))))
    benefits = tuple(benefit_explainer(fns, b) for b in measure.benefits)
    targets = tuple(target_explainer(fns, t) for t in measure.targets)
    # Agencies named outright, with no condition, show no reads: the node depends on nothing.
    fixed_agencies = all(a.name is not None and a.when is None for a in measure.agencies)
    listed = bool(measure.agencies)
    tail = tuple(
        [Node("directive", "directive to agencies", None, quotes=(d,)) for d in measure.directives]
        + [Node("guidance", "guidance (gives nothing to claim)", None, quotes=(g,)) for g in measure.guidance]
    )
    label, quotes = f"{measure.id} {measure.title}", measure.quotes
    source = f"source: {measure.ref}" if measure.ref else None
    agencies_nodes: dict[tuple[str, ...], Node] = {}
    windows: dict[datetime.date, Node] = {}  # the window's node depends on the day only: built once a day

    def explain(ctx: CompiledEvaluation, row: Row) -> Node:
        status, agencies, total = row[0], row[1], row[3]
        window = windows.get(ctx.as_of)
        if window is None:
            if len(windows) >= WINDOW_DAYS:
                windows.clear()
            window = windows[ctx.as_of] = ctx.window_node(measure)
        children = [window]
        # Only this measure's conditions count as decided, as in the interpreter's explanation:
        # a base benefit taken from another measure reads that measure's conditions afresh.
        stored = ctx._conditions = {}
        for key, clause in conditions:
            value, node = clause(ctx, EMPTY_ENV)
            stored[key] = value
            children.append(node)
        for benefit in benefits:
            nodes = benefit(ctx)
            if isinstance(nodes, Node):
                children.append(nodes)
            else:
                children.extend(nodes)
        for target in targets:
            children.append(target(ctx))
        if agencies or listed:
            if fixed_agencies:
                fixed = agencies_nodes.get(agencies)
                if fixed is None:
                    fixed = agencies_nodes[agencies] = Node("agencies", "responsible agencies", "、".join(agencies))
                children.append(fixed)
            else:
                children.append(ctx.agencies_node(measure, agencies))
        children.extend(tail)
        shown = status if total is None else f"{status}, total {total}"
        return Node("measure", label, shown, None, (), tuple(children), quotes, source)

    return explain


def target_explainer(fns: dict[int, Fn], target: m.Target) -> Callable[[CompiledEvaluation], Node]:
    """`Evaluation.target_node`, prepared."""
    when = clause_of(fns, "when", "applies to", target.when) if target.when is not None else None
    require = clause_of(fns, "require", "requires", target.require) if target.require is not None else None
    label, quotes, show_bool = f"target {target.id}: {target.label}", target.quotes, shower(m.BOOL)

    def explain(ctx: CompiledEvaluation) -> Node:
        parts: list[Node] = []
        applies: object = True
        met: object = True
        if when is not None:
            applies, node = when(ctx, EMPTY_ENV)
            parts.append(node)
        if require is not None:
            met, node = require(ctx, EMPTY_ENV)
            parts.append(node)
        shown = "does not apply" if applies is False else show_bool(met)
        return Node("target", label, shown, children=tuple(parts), quotes=quotes, note=TARGET_NOTE)

    return explain


def benefit_explainer(fns: dict[int, Fn], benefit: m.Benefit) -> BenefitNodes:
    """The nodes of one benefit: one, or one per item of its `for each` list."""
    last = len(benefit.when) - 1
    whens = tuple(
        clause_of(fns, "when", "condition of the base benefit" if benefit.base and i < last else "condition", w)
        for i, w in enumerate(benefit.when)
    )
    amount = clause_of(fns, "amount", "amount", benefit.amount) if benefit.amount is not None else None
    cap = clause_of(fns, "cap", "cap", benefit.cap) if benefit.cap is not None else None
    static_notes = []
    if benefit.reference:
        static_notes.append(f"amount set by {benefit.reference}")
    if benefit.base:
        static_notes.append(f"the benefit {benefit.base}, as this measure applies it")
    static_note = "; ".join(static_notes) or None
    head, quotes = f"{benefit.kind} {benefit.id}: {benefit.label}", benefit.quotes
    # A benefit with no amount whose conditions are all named conditions (most services): once
    # those are decided, its node depends on their values alone (their nodes are kept by value).
    by_values = benefit.amount is None and all(isinstance(w, m.CondRef) for w in benefit.when)
    decided: dict[tuple[object, ...], tuple[object, Node]] = {}

    def item_node(ctx: CompiledEvaluation, env: Env, item: str | None) -> tuple[object, Node]:
        """`Evaluation.benefit_item`'s node, and whether the benefit applies."""
        children: list[Node] = []
        applies: object = True
        unknowns: list[Unknown] = []
        values: list[object] | None = [] if by_values and item is None else None
        for clause in whens:
            value, node = clause(ctx, env)
            if values is not None:
                if value is True or value is False:
                    values.append(value)
                else:
                    values = None
            children.append(node)
            if value is False:
                applies = False
                break
            if isinstance(value, Unknown):
                unknowns.append(value)
        if values is not None:
            known = decided.get(tuple(values))
            if known is not None:
                return known
        if applies is True and unknowns:
            applies = merge_unknown(*unknowns)
        shown = "true" if applies is True else "false" if applies is False else "unknown"
        note = static_note
        if applies is True and amount is not None:
            raw, node = amount(ctx, env)
            children.append(node)
            limit: object = None
            if cap is not None:
                limit, node = cap(ctx, env)
                children.append(node)
            total, at_most, _ = capped(raw, limit)
            capped_note = None
            if isinstance(raw, Money) and isinstance(limit, Money) and limit < raw:
                capped_note = f"the cap applies: min({raw}, {limit}) = {limit}"
            elif at_most is not None and isinstance(limit, Unknown):
                capped_note = f"the cap is not known: the amount is at most {at_most}"
            if total is not None:
                shown += f", {total}"
            elif at_most is not None:
                shown += f", at most {at_most}"
            if capped_note:
                note = f"{capped_note}; {static_note}" if static_note else capped_note
        label = f"{head} — {item}" if item else head
        outcome = applies, Node("benefit", label, shown, None, (), tuple(children), quotes, note)
        if values is not None:
            decided[tuple(values)] = outcome
        return outcome

    loop = benefit.for_each
    if loop is None:
        return lambda ctx: item_node(ctx, EMPTY_ENV, None)[1]
    collection, var = fns[id(loop.collection)], loop.var
    def each(ctx: CompiledEvaluation) -> list[Node]:
        # a list at the top of the profile, through the definitions that name it: a fixed path
        path = collection_path(list_source(ctx.policy, loop.collection), EMPTY_ENV)
        items = collection(ctx, EMPTY_ENV)
        if isinstance(items, Unknown):  # decided without the items where it can be (see Evaluation.benefit)
            applies, node = item_node(ctx, {var: (UNKNOWN_ITEM, path)}, None)
            if applies is False:
                return [node]
            # Undetermined: no amount (semantics.md §10), so the stand-in's amount is not shown.
            kept = tuple(child for child in node.children if child.kind not in ("amount", "cap"))
            return [node._replace(value="unknown", note=f"{path} is not known", children=kept)]
        if not items:
            return [Node("benefit", benefit.label, "false", note=f"{path} is empty")]
        nodes: list[Node] = []
        entries: tuple[dict[str, object], ...] = items  # type: ignore[assignment]
        for index, entry in enumerate(entries):
            item_path = f"{path}[{index}]"
            name = entry.get("name")
            nodes.append(item_node(ctx, {var: (entry, item_path)}, name if isinstance(name, str) and name
                                   else item_path)[1])
        return nodes

    return each
