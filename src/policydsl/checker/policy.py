"""Parsed modules → a checked model.Policy, collecting every problem with its position."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import attrs

from policydsl import gc_pause
from policydsl import model as m
from policydsl.checker.depth import DepthChecker, definition_order
from policydsl.checker.expressions import Scope, Typer
from policydsl.checker.literals import NotALiteral, literal
from policydsl.checker.loader import Loaded, LoadedFile, load
from policydsl.checker.lookalikes import look_alikes
from policydsl.diagnostics import Diagnostic, Label, Span, did_you_mean, sort_key
from policydsl.syntax import ast
from policydsl.values import Money

SIMPLE_TYPES = {
    "bool": m.BOOL,
    "integer": m.INTEGER,
    "decimal": m.DECIMAL,
    "money": m.MONEY,
    "ratio": m.RATIO,
    "points": m.POINTS,
    "date": m.DATE,
    "text": m.TEXT,
}


class PolicyChecker:
    def __init__(self, loaded: Loaded, keep_clashes: bool = False) -> None:
        self.loaded = loaded
        # Build the model even when amendments clash (PD242), so that a later stage can evaluate
        # their conditions and show a profile on which both apply (engine/clashes.py).
        self.keep_clashes = keep_clashes
        self.declared: list[tuple[str, str, Span | None]] = []  # (what, name, where), as declared
        self.diagnostics: list[Diagnostic] = list(loaded.diagnostics)
        # (file, declaration) pairs of every loaded file, in load order
        self.items: list[tuple[LoadedFile, ast.Declaration]] = [
            (f, item) for f in loaded.files for item in f.module.items
        ]
        # Names declared where the text could not be read: their uses are not reported unknown.
        self.unparsed = frozenset(name for f in loaded.files for name in f.module.unparsed)

    def report(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None,
              labels: tuple[Label, ...] = ()) -> None:
        self.report(Diagnostic(code, message, span, hint=hint, labels=labels))

    def of(self, kind: type) -> list[tuple[LoadedFile, ast.Declaration]]:
        return [(f, i) for f, i in self.items if isinstance(i, kind)]

    def unique(self, what: str, entries: Iterable[tuple[str, Span | None]]) -> set[str]:
        """Report names given twice; returns the names that are duplicates. Every declared name
        passes here, so it is also kept for the look-alike check (`lookalikes.py`)."""
        first: dict[str, Span | None] = {}
        duplicates: set[str] = set()
        for name, span in entries:
            if what not in ("row", "amended name"):  # those refer to names declared elsewhere
                self.declared.append((what, name, span))
            if name in first:
                duplicates.add(name)
                earlier = first[name]
                self.error("PD204", f"{what} '{name}' is defined twice", span,
                           hint="rename one of them",
                           labels=(Label(earlier, "first defined here"),) if earlier else ())
            else:
                first[name] = span
        return duplicates

    # ---- the whole policy
    def check(self) -> m.Policy | None:
        root = self.loaded.root
        if root is None:
            return None
        schema = self.schema()
        parameters = self.parameters(schema) if schema is not None else {}
        self.parameters_early = parameters
        header = self.header(root)
        if schema is None or header is None:
            return None
        self.schema_ = schema
        define_nodes = {d.name: d for _, d in self.of(ast.DefineDecl)}  # type: ignore[union-attr]
        self.unique("name", [(d.name, d.span) for _, d in self.of(ast.DefineDecl)]  # type: ignore[union-attr]
                    + [(p.name, p.span) for _, p in self.of(ast.ParamDecl)])  # type: ignore[union-attr]
        typer = Typer(schema, define_nodes, parameters, self.report, self.unparsed)  # type: ignore[arg-type]
        self.typer = typer
        # Each definition is typed after those it names, so typing never recurses into a chain of
        # definitions; the cycles are found on the way, without recursion.
        order, cycles = definition_order(define_nodes)  # type: ignore[arg-type]
        for path in cycles:
            typer.cycle(path)
        for name in order:
            typer.definition(name, None)
        # each after those it names, as typed (the order the evaluators and the SQL compiler see)
        definitions = {n: d for n in order if (d := typer.definitions.get(n)) is not None}
        tables = self.tables(typer)
        amendments = [self.amendment(a, None) for _, a in self.of(ast.Amendment)]  # type: ignore[arg-type]
        self.unique("amendment", [(a.id, a.span) for _, a in self.of(ast.Amendment)]  # type: ignore[union-attr]
                    + [(a.id, a.span) for _, n in self.of(ast.Measure) for a in n.amendments])  # type: ignore[union-attr]
        measures = self.measures(typer, tables, header, root, amendments)
        self.amendment_cycles(definitions, [a for a in amendments if a is not None])
        self.amendment_priorities([a for a in amendments if a is not None],
                                  [n for _, n in self.of(ast.Amendment) if isinstance(n, ast.Amendment)]
                                  + [a for _, n in self.of(ast.Measure) if isinstance(n, ast.Measure)
                                     for a in n.amendments])
        goals = self.goals(typer)
        examples = self.examples(root, {k: v for k, v in measures.items() if v.policy == header.id
                                        and v.public is None})
        source_text = self.source_text(root, header)
        if source_text is not None:
            self.quotes(measures, source_text, header)
        for diagnostic in look_alikes(self.declared):
            self.report(diagnostic)
        if any(d.severity == "error" and not (self.keep_clashes and d.code == "PD242") for d in self.diagnostics):
            return None
        # the policy's own measures, a measure in versions once (its versions are in all_measures)
        own = tuple(ms for ms in measures.values() if ms.policy == header.id and ms.public is None)
        policy = m.Policy(
            header=header,
            schema=schema,
            definitions=definitions,
            parameters=parameters,
            tables=tables,
            measures=own,
            all_measures=measures,
            amendments=tuple(a for a in amendments if a is not None),
            goals=goals,
            examples=examples,
            sources={f.display: f.source for f in self.loaded.files},
            source_text=source_text,
            root=root.display,
            folder=str(self.loaded.folder),
        )
        deep = DepthChecker(policy).problems()
        if deep:
            self.diagnostics.extend(deep)
            return None
        return policy

    # ---- header
    def header_of(self, file: LoadedFile) -> ast.PolicyHeader | None:
        headers = [i for i in file.module.items if isinstance(i, ast.PolicyHeader)]
        for extra in headers[1:]:
            self.error("PD204", "a file has one policy header", extra.span,
                       labels=(Label(headers[0].span, "first header here"),) if headers[0].span else ())
        return headers[0] if headers else None

    def bound(self, node: ast.Bound) -> m.Bound:
        if node.kind == "year" and node.day is not None:
            parameter = self.typer_parameters().get(node.day)
            if parameter is None or parameter.type.kind != "date":
                self.error("PD276", f"'{node.day}' is not a date parameter, so it cannot give the day of {node.year}",
                           node.span,
                           hint=f'declare it: parameter {node.day} "印发日期" : date')
        return m.Bound(node.kind, node.date, node.year, node.day)

    def typer_parameters(self) -> dict[str, m.Parameter]:
        typer = getattr(self, "typer", None)
        return typer.parameters if typer is not None else self.parameters_early

    def window(self, node: ast.Window | None, issued: m.Bound | None = None) -> m.Window:
        if node is None:
            return m.Window()
        start, end = self.bound(node.start), self.bound(node.end)
        if (issued is not None and issued.kind == "year" and issued.day and start.kind == "year"
                and start.day is None and start.year == issued.year):
            start = issued  # `valid from 2022` after `issued 2022 day p`: from the issue day, p gives it
        for bound in (start, end):
            if bound.kind == "year" and bound.year and not bound.day and self.header_issued_day(bound) is None:
                self.report(Diagnostic("PD277", f"nothing gives the day of the bound {bound.year}: during "
                                       f"{bound.year} every measure it bounds is undetermined, naming nothing",
                                       node.span, severity="warning",
                                       hint=f"name a date parameter: {bound.year} day my_policy.issued_on"))
        if start.date and end.date and start.date > end.date:
            self.error("PD214", f"the window starts ({start.date}) after it ends ({end.date})", node.span,
                       hint="swap the dates")
        return m.Window(start, end)

    def header_issued_day(self, bound: m.Bound) -> str | None:
        issued = getattr(self, "issued_", None)
        if issued is not None and issued.kind == "year" and issued.year == bound.year:
            return issued.day  # type: ignore[no-any-return]
        return None

    def header(self, root: LoadedFile) -> m.Header | None:
        node = self.header_of(root)
        if node is None and self.syntax_broken(root):
            return None  # the header may be in the part that did not parse: report that, not this
        if node is None:
            self.error("PD223", f"{root.display} has no policy header", Span(root.source, 0, 0),
                       hint='a policy file starts with: policy my.policy { title "…" }')
            return None
        for file in self.loaded.files[1:]:
            self.header_of(file)
        issued = self.bound(node.issued) if node.issued else None
        self.issued_ = issued
        return m.Header(node.id, node.title, node.issuer, node.number, issued,
                        self.window(node.window, issued), node.source)

    def syntax_broken(self, file: LoadedFile) -> bool:
        """Whether parsing this file failed somewhere (then what is missing may just be unparsed)."""
        return any(d.code.startswith("PD1") and d.span is not None and d.span.source is file.source
                   for d in self.loaded.diagnostics)

    def policy_of(self, file: LoadedFile, root_id: str) -> str:
        node = self.header_of_quiet(file)
        return node.id if node else root_id

    @staticmethod
    def header_of_quiet(file: LoadedFile) -> ast.PolicyHeader | None:
        for item in file.module.items:
            if isinstance(item, ast.PolicyHeader):
                return item
        return None

    # ---- schema
    def schema(self) -> m.Schema | None:
        enums: dict[str, m.EnumType] = {}
        enum_nodes = [e for _, e in self.of(ast.EnumDecl)]
        entity_nodes = [e for _, e in self.of(ast.EntityDecl)]
        self.unique("type", [(e.name, e.span) for e in enum_nodes + entity_nodes])  # type: ignore[union-attr]
        for node in enum_nodes:
            assert isinstance(node, ast.EnumDecl)
            if node.name in SIMPLE_TYPES:
                self.error("PD204", f"'{node.name}' is a built-in type", node.span, hint="choose another name")
            self.unique(f"value of {node.name}", [(v.name, v.span) for v in node.values])
            enums.setdefault(node.name, m.EnumType(
                node.name, node.label, node.ordered, tuple(v.name for v in node.values),
                tuple(v.label for v in node.values), node.span))
        list_targets: set[str] = set()
        entity_names = {e.name for e in entity_nodes}  # type: ignore[union-attr]
        entities: dict[str, m.Entity] = {}
        for node in entity_nodes:
            assert isinstance(node, ast.EntityDecl)
            self.unique(f"fact of {node.name}", [(f.name, f.span) for f in node.facts])
            facts = []
            for fact in node.facts:
                typ = self.type_of(fact.type, enums, entity_names)
                if typ is None:
                    continue
                if typ.kind in ("list", "entity") and typ.entity:
                    list_targets.add(typ.entity)  # an item or a record: not the root
                if fact.minimum is not None and (typ.element or typ.kind) not in _BOUNDED_KINDS:
                    self.error("PD202", f"a minimum applies to numbers and money, not {typ}", fact.span)
                self.range_ends(fact.name, fact.minimum, fact.maximum, typ, fact.span)
                facts.append(m.Fact(fact.name, fact.label, typ, node.name, fact.minimum, fact.span, fact.maximum))
            entities.setdefault(node.name, m.Entity(node.name, node.label, tuple(facts), node.span))
        roots = [e for name, e in entities.items() if name not in list_targets]
        if not entities and any(self.syntax_broken(f) for f in self.loaded.files):
            return None
        if not entities:
            first = self.loaded.root
            assert first is not None
            self.error("PD226", "the policy declares no entity, so there is nothing to evaluate",
                       Span(first.source, 0, 0),
                       hint='declare the facts: entity enterprise "企业" { fact revenue "营业收入" : money }')
            return None
        if len(roots) != 1:
            names = ", ".join(e.name for e in roots) or "none"
            self.error("PD226", f"exactly one entity must be the profile's root (not listed by another); found {names}",
                       (roots[1] if len(roots) > 1 else next(iter(entities.values()))).span,
                       hint="an entity that appears as `list of E` or as a fact's type in another is an item or a record, "
                       "the rest is the root")
            return None
        return m.Schema(roots[0], entities, enums)

    def range_ends(self, name: str, minimum: Decimal | None, maximum: Decimal | None, typ: m.Type,
                   span: Span | None) -> None:
        """A declared range `lo..hi`: its ends in order, and whole numbers for an integer."""
        if maximum is None or minimum is None:
            return
        if minimum > maximum:
            self.error("PD140", f"the range of {name} is empty: {minimum} is above {maximum}", span,
                       hint=f"write the smaller end first: {maximum}..{minimum}")
        elif typ.kind == "integer" and (minimum != minimum.to_integral_value() or maximum != maximum.to_integral_value()):
            self.error("PD140", f"the range of integer {name} has an end that is not a whole number: "
                       f"{minimum}..{maximum}", span, hint="write whole numbers, e.g. 0..15")

    def type_of(self, node: ast.TypeExpr, enums: dict[str, m.EnumType], entities: set[str]) -> m.Type | None:
        if node.kind == "list":
            if node.name not in entities:
                self.error("PD209", f"unknown entity '{node.name}'", node.span,
                           hint=did_you_mean(node.name, entities))
                return None
            return m.Type("list", entity=node.name)
        if node.kind == "series":
            if node.name not in m.SERIES_ELEMENTS:
                self.error("PD254", f"a series holds numbers, amounts or ratios by year, not '{node.name}'", node.span,
                           hint=did_you_mean(node.name, m.SERIES_ELEMENTS)
                           or f"write `series of` one of {', '.join(m.SERIES_ELEMENTS)}")
                return None
            return m.Type("series", element=node.name)
        if node.kind == "set":
            if node.name not in enums:
                self.error("PD209", f"unknown enum '{node.name}'", node.span,
                           hint=did_you_mean(node.name, enums) or "a set holds values of an enum")
                return None
            return m.Type("set", enum=enums[node.name])
        if node.name in SIMPLE_TYPES:
            return SIMPLE_TYPES[node.name]
        if node.name in enums:
            return m.Type("enum", enum=enums[node.name])
        if node.name in entities:
            return m.Type("entity", entity=node.name)  # a record: `fact niche_market "…" : niche`
        self.error("PD209", f"unknown type '{node.name}'", node.span,
                   hint=did_you_mean(node.name, list(SIMPLE_TYPES) + list(enums))
                   or f"the types are {', '.join(SIMPLE_TYPES)}, an enum, `set of ENUM` or `list of ENTITY`")
        return None

    # ---- parameters, tables
    def parameters(self, schema: m.Schema) -> dict[str, m.Parameter]:
        out: dict[str, m.Parameter] = {}
        for _, node in self.of(ast.ParamDecl):
            assert isinstance(node, ast.ParamDecl)
            typ = self.type_of(node.type, schema.enums, set(schema.entities))
            if typ is None:
                continue
            if typ.kind in ("list", "set", "entity", "series"):
                self.error("PD202", "a parameter holds one value, not a list, set, record or series", node.type.span)
                continue
            if node.minimum is not None and typ.kind not in _BOUNDED_KINDS:
                self.error("PD202", f"a minimum applies to numbers and money, not {typ}", node.type.span)
                continue
            self.range_ends(node.name, node.minimum, node.maximum, typ, node.span)
            default = None
            if node.default is not None:
                default = self.constant(node.default, typ, "the default of a parameter")
                if default is not None and node.minimum is not None and _below(default, node.minimum):
                    shown = f"{node.minimum}万元" if typ.kind == "money" else str(node.minimum)
                    self.error("PD234", f"the default of {node.name} is below its minimum {shown}",
                               node.default.span, hint="raise the default, or lower the minimum")
                if default is not None and node.maximum is not None and _above(default, node.maximum):
                    shown = f"{node.maximum}万元" if typ.kind == "money" else str(node.maximum)
                    self.error("PD234", f"the default of {node.name} is above its maximum {shown}",
                               node.default.span, hint="lower the default, or widen the range")
            out.setdefault(node.name, m.Parameter(node.name, node.label, typ, default, node.span, node.minimum,
                                                  node.maximum))
        return out

    def constant(self, node: ast.Expr, typ: m.Type, what: str) -> object | None:
        """A literal of the given type (defaults, amendment values in examples)."""
        try:
            return literal(node, typ)
        except NotALiteral:
            hint = "write the unit with the number, e.g. 500万元" if typ.kind == "money" else None
            if typ.kind == "ratio":
                hint = "write a percentage such as 30%"
            if typ.kind == "points":
                hint = "write points with their unit, e.g. 15分"
            code = "PD203" if typ.kind in ("money", "ratio", "points") else "PD202"
            self.error(code, f"{what} must be a {typ} literal", node.span, hint)
            return None

    def tables(self, typer: Typer) -> dict[str, m.AgencyTable]:
        out: dict[str, m.AgencyTable] = {}
        nodes = [t for _, t in self.of(ast.TableDecl)]
        self.unique("table", [(t.name, t.span) for t in nodes])  # type: ignore[union-attr]
        for node in nodes:
            assert isinstance(node, ast.TableDecl)
            key = typer.expr(node.key, Scope())
            if key is None:
                continue
            if key.type.kind != "enum" or key.type.enum is None:
                self.error("PD202", f"an agency table is keyed by an enum fact, not {key.type}", node.key.span)
                continue
            enum = key.type.enum
            rows: dict[str, tuple[str, ...]] = {}
            unknown_row: tuple[str, ...] | None = None
            self.unique("row", [(r.key or "unknown", r.span) for r in node.rows])
            for row in node.rows:
                if row.key is None:
                    unknown_row = row.agencies
                elif row.key not in enum.values:
                    self.error("PD205", f"'{row.key}' is not a value of {enum.name}", row.span,
                               hint=did_you_mean(row.key, enum.values) or f"values: {', '.join(enum.values)}")
                else:
                    rows[row.key] = row.agencies
            missing = [v for v in enum.values if v not in rows]
            if missing:
                self.error("PD227", f"table {node.name} has no row for {', '.join(missing)}", node.span,
                           hint="give every value a row, so that no enterprise is left without an agency")
            if unknown_row is None:
                self.error("PD227", f"table {node.name} has no `unknown` row", node.span,
                           hint='add `unknown => "…"` naming who is responsible when the fact is not known')
                unknown_row = ()
            out[node.name] = m.AgencyTable(node.name, node.label, key, rows, unknown_row, node.span)
        return out

    # ---- amendments
    def amendment(self, node: ast.Amendment, measure: str | None) -> m.Amendment | None:
        typer = self.typer
        when = typer.boolean(node.when, Scope(), "the condition of an amendment")
        sets: list[tuple[str, m.TExpr]] = []
        self.unique("amended name", [(s.target, s.span) for s in node.sets])
        for item in node.sets:
            target_type: m.Type | None = None
            if item.target in typer.parameters:
                target_type = typer.parameters[item.target].type
            elif item.target in typer.definition_nodes:
                definition = typer.definitions.get(item.target)
                target_type = definition.type if definition else None
                if target_type is None:
                    continue
            else:
                candidates = list(typer.parameters) + list(typer.definition_nodes)
                self.error("PD208", f"amendment of '{item.target}', which does not exist", item.span,
                           hint=did_you_mean(item.target, candidates)
                           or "an amendment changes a parameter or a definition")
                continue
            value = typer.expr(item.value, Scope(), target_type)
            if value is None:
                continue
            parameter = typer.parameters.get(item.target)
            minimum = parameter.minimum if parameter is not None else None
            if minimum is not None and _below(_literal_or_none(item.value, target_type), minimum):
                shown = f"{minimum}万元" if target_type.kind == "money" else str(minimum)
                self.error("PD234", f"amendment {node.id} sets {item.target} below its minimum {shown}",
                           item.value.span, hint="raise the value, or lower the parameter's minimum")
            if target_type.kind == "ratio" and isinstance(value, m.Const) and value.type.kind in m.NUMERIC \
                    and value.value > 1:  # type: ignore[operator]
                self.report(Diagnostic("PD225", f"'{item.target}' is a ratio, so {value.value} means "
                                       f"{value.value * 100}%", item.value.span,  # type: ignore[operator]
                                       hint=f"did you mean {value.value}%?", severity="warning"))
            if value.type != target_type and not (
                target_type.kind in ("decimal", "ratio") and value.type.kind in m.NUMERIC
            ):
                code = "PD203" if {value.type.kind, target_type.kind} & {"money", "ratio"} else "PD202"
                self.error(code, f"'{item.target}' is {target_type}, but the new value is {value.type}",
                           item.value.span)
                continue
            sets.append((item.target, value))
        if when is None:
            return None
        return m.Amendment(node.id, node.label, measure, when, tuple(sets), node.span,
                           tuple(name.dotted for name in node.over))

    def amendment_cycles(self, definitions: dict[str, m.Definition], amendments: list[m.Amendment]) -> None:
        """An amendment whose condition or value reads, perhaps through others, what it amends."""
        def reads(expr: m.TExpr) -> set[str]:
            return {n.name for n in m.walk(expr) if isinstance(n, m.DefRef | m.ParamRef)}

        edges: dict[str, set[str]] = {name: reads(d.expr) for name, d in definitions.items()}
        owners: dict[str, list[m.Amendment]] = {}
        for amendment in amendments:
            for target, value in amendment.sets:
                edges.setdefault(target, set()).update(reads(amendment.when) | reads(value))
                owners.setdefault(target, []).append(amendment)
        reported: set[str] = set()
        for amendment in amendments:
            for target, _ in amendment.sets:
                path = _path_back(edges, target)
                if path is None or amendment.id in reported:
                    continue
                reported.add(amendment.id)
                self.error("PD207", f"amendment {amendment.id} depends on what it amends: {' → '.join(path)}",
                           amendment.span, hint="an amendment's condition cannot read the value it changes; "
                           "test the facts that decide it instead")

    def amendment_priorities(self, amendments: list[m.Amendment], nodes: list[ast.Amendment]) -> None:
        """`over` names amendments, without cycles; two amendments of one name that may disagree
        are ordered, so that reading the name never picks one of them silently (semantics.md §9)."""
        by_id = {a.id: a for a in amendments}
        names = {n.id: n for n in nodes}
        above: dict[str, set[str]] = {a.id: set() for a in amendments}  # id → the ids it prevails over
        broken: set[str] = set()  # amendments with a wrong `over`: their order is not known
        for amendment in amendments:
            node = names.get(amendment.id)
            spans = {n.dotted: n.span for n in node.over} if node is not None else {}
            for other in amendment.over:
                if other == amendment.id:
                    broken.add(amendment.id)
                    self.error("PD240", f"amendment {amendment.id} prevails over itself", spans.get(other),
                               hint="`over` lists other amendments of the same names: remove this one")
                    continue
                if other not in by_id:
                    broken.add(amendment.id)
                    self.error("PD240", f"amendment {amendment.id} prevails over '{other}', which is not an "
                               "amendment", spans.get(other),
                               hint=did_you_mean(other, [i for i in by_id if i != amendment.id])
                               or "`over` lists the ids of other amendments of the same names")
                    continue
                above[amendment.id].add(other)
                shared = {t for t, _ in amendment.sets} & {t for t, _ in by_id[other].sets}
                if not shared:
                    self.report(Diagnostic(
                        "PD243", f"amendment {amendment.id} prevails over {other}, but they amend no name in "
                        "common", spans.get(other), severity="warning",
                        hint=f"{amendment.id} sets {', '.join(t for t, _ in amendment.sets) or 'nothing'}; "
                        f"{other} sets {', '.join(t for t, _ in by_id[other].sets) or 'nothing'}"))
        closure = _transitive(above)
        cyclic = sorted(i for i, below in closure.items() if i in below)
        if cyclic:
            first = by_id[cyclic[0]]
            self.error("PD241", f"amendments prevail over each other in a cycle: {', '.join(cyclic)}", first.span,
                       hint="`over` must order them: remove it from one of them")
            return
        for target in dict.fromkeys(t for a in amendments for t, _ in a.sets):
            setting = [(a, v) for a in amendments for t, v in a.sets if t == target]
            for later_index, (later, later_value) in enumerate(setting):
                for earlier, earlier_value in setting[:later_index]:
                    if later_value == earlier_value or earlier.id in closure[later.id] \
                            or later.id in closure[earlier.id] or {earlier.id, later.id} & broken:
                        continue
                    self.report(Diagnostic(
                        "PD242", f"amendments {earlier.id} and {later.id} both set '{target}', to different "
                        "values, and neither prevails over the other", later.span,
                        hint=f"where both apply one must win: add `over {earlier.id}` after the condition of "
                        f"{later.id} (or `over {later.id}` to {earlier.id})",
                        labels=(Label(earlier.span, f"{earlier.id} also sets '{target}'"),)
                        if earlier.span is not None else ()))

    # ---- measures
    def measures(self, typer: Typer, tables: dict[str, m.AgencyTable], header: m.Header,
                 root: LoadedFile, amendments: list[m.Amendment | None]) -> dict[str, m.Measure]:
        nodes: list[tuple[LoadedFile, ast.Measure]] = [(f, n) for f, n in self.of(ast.Measure)]  # type: ignore[misc]
        versioned = self.versions([n for _, n in nodes])
        self.unique("measure", [(n.id, n.span) for _, n in nodes if n.id not in versioned])
        by_id = {n.id: n for _, n in reversed(nodes)}
        typer.outcome_targets = {}
        for _, node in nodes:
            groups = frozenset(g.name for g in node.score.groups) if node.score is not None else None
            known = typer.outcome_targets.get(node.id)
            typer.outcome_targets[node.id] = groups if known is None else known | (groups or frozenset())
        out: dict[str, m.Measure] = {}
        versions: dict[str, list[m.Measure]] = {}
        for file, node in nodes:
            policy = self.policy_of(file, header.id)
            if node.id in versioned:
                key = f"{node.id}@{node.version}"
                checked = self.measure(attrs.evolve(node, id=key), policy, typer, tables, header, by_id, amendments)
                checked = attrs.evolve(checked, version=node.version, public=node.id)
                out.setdefault(key, checked)
                versions.setdefault(node.id, []).append(checked)
                continue
            checked = self.measure(node, policy, typer, tables, header, by_id, amendments)
            out.setdefault(node.id, checked)  # a duplicate is still checked, for its own mistakes
        merged: dict[str, m.Measure] = {}
        for ident, checked in out.items():
            public = checked.public
            if public is None:
                merged[ident] = checked
            elif public not in merged:  # the measure in versions, where its first version stands
                every = tuple(versions[public])
                first = every[0]
                merged[public] = m.Measure(public, first.title, first.policy, first.ref, (), (), first.window,
                                           None, (), (), (), (), (), first.span, versions=every)
            merged[ident] = checked
        self.outcome_cycles(merged)
        return merged

    def versions(self, nodes: list[ast.Measure]) -> set[str]:
        """The ids given in dated versions (`measure srdi "…" version "2022" { … }`), checked: every
        declaration of such an id names a version, versions differ in name, share the title and
        their windows do not overlap. Returns those ids."""
        by_id: dict[str, list[ast.Measure]] = {}
        for node in nodes:
            by_id.setdefault(node.id, []).append(node)
        ids: set[str] = set()
        for ident, group in by_id.items():
            if all(n.version is None for n in group):
                continue
            plain = [n for n in group if n.version is None]
            for node in plain:
                self.error("PD153", f"measure {ident} is given in versions, but this declaration names none",
                           node.span, hint=f'add a version after the title: measure {ident} "…" version "2022" {{')
            if plain:
                continue
            ids.add(ident)
            seen: dict[str, ast.Measure] = {}
            for node in group:
                assert node.version is not None
                first_span = seen[node.version].span if node.version in seen else None
                if node.version in seen:
                    self.error("PD154", f"version \"{node.version}\" of measure {ident} is declared twice", node.span,
                               labels=(Label(first_span, "first here"),) if first_span else ())
                seen.setdefault(node.version, node)
                if node.title != group[0].title:
                    self.error("PD156", f"the versions of measure {ident} have different titles "
                               f"(\"{group[0].title}\" and \"{node.title}\")", node.span,
                               hint="one id is one measure: give the versions one title, or give this one another id")
                if node.window is None:
                    self.error("PD155", f"version \"{node.version}\" of measure {ident} has no window of its own",
                               node.span, hint="say when it applies: valid from 2026-04-01 until open")
            windows = [(n, self.window(n.window)) for n in group if n.window is not None]
            for index, (node, window) in enumerate(windows):
                for other, other_window in windows[:index]:
                    day = _overlap(window, other_window)
                    if day is not None:
                        self.error("PD155", f"versions \"{other.version}\" and \"{node.version}\" of measure {ident} "
                                   f"are both in force on {day}", node.window.span if node.window else node.span,
                                   hint="the evaluation day picks one version: end one window the day before the "
                                   "next one starts", labels=(Label(other.window.span, "the other version's window"),)
                                   if other.window and other.window.span else ())
        return ids

    def outcome_cycles(self, measures: dict[str, m.Measure]) -> None:
        """Measures read each other's outcomes (`eligible(m)`, `score(m)`, …): refuse a cycle, which
        has no order to compute it in (semantics.md §20). A node is (measure, "status") or
        (measure, "score"); a measure's status reads its conditions, benefits, agencies and targets,
        its score reads its indicators; definitions are followed."""
        definitions = self.typer.definitions

        def reads(exprs: Iterable[m.TExpr]) -> set[tuple[str, str]]:
            found: set[tuple[str, str]] = set()
            seen: set[str] = set()
            stack = list(exprs)
            while stack:
                for node in m.walk(stack.pop()):
                    if isinstance(node, m.Outcome):
                        found.add((node.measure, "status" if node.function == "eligible" else "score"))
                    elif isinstance(node, m.DefRef) and node.name not in seen:
                        seen.add(node.name)
                        definition = definitions.get(node.name)
                        if definition is not None:
                            stack.append(definition.expr)
            return found

        edges: dict[str, set[str]] = {}
        spans: dict[str, Span | None] = {}
        for measure in measures.values():
            if measure.versions:
                continue
            name = measure.name
            status_exprs: list[m.TExpr] = [c.expr for c in measure.conditions]
            for benefit in measure.benefits:
                status_exprs += list(benefit.when) + [e for e in (benefit.amount, benefit.cap) if e is not None]
            status_exprs += [a.when for a in measure.agencies if a.when is not None]
            status_exprs += [e for t in measure.targets for e in (t.when, t.require) if e is not None]
            score_exprs = [i.expr for i in measure.score.indicators] if measure.score else []
            for kind, exprs in (("status", status_exprs), ("score", score_exprs)):
                node = f"{kind}({name})" if kind == "score" else f"eligible({name})"
                spans.setdefault(node, measure.span)
                for target, what in reads(exprs):
                    edges.setdefault(node, set()).add(f"score({target})" if what == "score" else f"eligible({target})")
        reported: set[frozenset[str]] = set()
        for node in sorted(edges):
            path = _path_back(edges, node)
            if path is None or frozenset(path) in reported:
                continue
            reported.add(frozenset(path))
            self.error("PD273", "measures read each other's outcomes in a cycle: " + " → ".join(path), spans[node],
                       hint="a measure may read its own score, not its own eligibility; break the cycle")

    def score(self, node: ast.Score, scope: Scope, typer: Typer, measure: str) -> m.Score | None:
        """A measure's score block: indicators are numbers (points), group floors constant numbers."""
        if node.groups and node.indicators:
            self.error("PD159", f"the score of {measure} mixes groups and indicators outside any group",
                       node.indicators[0].span, hint="put every indicator in a group, or use no groups")
        self.unique(f"group of {measure}'s score", [(g.name, g.span) for g in node.groups])
        every = [(i, None) for i in node.indicators] + [(i, g.name) for g in node.groups for i in g.indicators]
        self.unique(f"indicator of {measure}'s score", [(i.name, i.span) for i, _ in every])
        if not every:
            self.error("PD157", f"the score of {measure} has no indicator", node.span,
                       hint='add one: indicator rd "研发费用占比" = …')

        def indicator(item: ast.Indicator, group: str | None) -> m.Indicator | None:
            typed = typer.expr(item.expr, scope)
            if typed is None:
                return None
            if typed.type.kind not in m.NUMERIC and typed.type.kind != "points":  # a plain number counts as points
                self.error("PD157", f"indicator {item.name} is {typed.type}; an indicator gives points (分)",
                           item.expr.span, hint="write the points it gives, e.g. if rd_ratio >= 3% then 15分 else 0分")
                return None
            return m.Indicator(item.name, item.label, typed, group, item.span)

        groups: list[m.ScoreGroup] = []
        loose = [i for i in (indicator(i, None) for i in node.indicators) if i is not None]
        for group in node.groups:
            floor = None
            if group.floor is not None:
                value = self.constant(group.floor, m.POINTS if isinstance(group.floor, ast.PointsLit) else m.DECIMAL,
                                      f"the floor of group {group.name}")
                if isinstance(value, int | Decimal):
                    floor = Decimal(value)
            made = [i for i in (indicator(i, group.name) for i in group.indicators) if i is not None]
            groups.append(m.ScoreGroup(group.name, group.label, floor, tuple(made), group.span))
        ordered = [*loose, *(i for g in groups for i in g.indicators)]
        return m.Score(node.label, tuple(groups), tuple(ordered), node.span)

    def measure(self, node: ast.Measure, policy: str, typer: Typer, tables: dict[str, m.AgencyTable],
                header: m.Header, by_id: dict[str, ast.Measure],
                amendments: list[m.Amendment | None]) -> m.Measure:
        own_window = self.window(node.window) if node.window else None
        window = header.window if policy == header.id else m.Window()
        if own_window is not None:
            window = _intersect(window, own_window)
            start, end = window.start.date, window.end.date
            if start and end and start > end and not (own_window.start.date and own_window.end.date
                                                      and own_window.start.date > own_window.end.date):
                self.report(Diagnostic("PD230", f"measure {node.id} is never in force: its window and the "
                                       f"policy's do not overlap ({start} > {end})", node.window.span if node.window
                                       else node.span, severity="warning",
                                       hint="check the dates of both windows"))
        self.unique(f"condition of {node.id}", [(c.name, c.span) for c in node.conditions])
        scope, conditions = self.conditions(node, typer)
        agencies = []
        for agency in node.agencies:
            when = typer.boolean(agency.when, scope, "the condition of an agency") if agency.when else None
            if agency.table is not None and agency.table not in tables:
                if agency.table not in self.unparsed and not any(t.name == agency.table for _, t in self.of(ast.TableDecl)):  # type: ignore[union-attr]
                    self.error("PD201", f"unknown agency table '{agency.table}'", agency.span,
                               hint=did_you_mean(agency.table, tables)
                               or 'write agency names in quotes: agencies "市财政局"')
                continue
            agencies.append(m.Agency(agency.name, agency.table, when, agency.span))
        for amendment in node.amendments:
            amendments.append(self.amendment(amendment, node.id))
        self.unique(f"benefit of {node.id}", [(b.id, b.span) for b in node.benefits])
        benefits = [b for b in (self.benefit(b, node, scope, typer, by_id) for b in node.benefits) if b]
        targets = []
        self.unique(f"target of {node.id}", [(t.id, t.span) for t in node.targets])
        for target in node.targets:
            when = typer.boolean(target.when, scope, "the condition of a target") if target.when else None
            require = typer.boolean(target.require, scope, "what a target requires") if target.require else None
            if target.require is None:
                self.error("PD228", f"target {target.id} requires nothing", target.span,
                           hint="add `require rd_ratio >= 3%` or similar")
            targets.append(m.Target(target.id, target.label, when, require, target.quotes, target.span))
        score = self.score(node.score, scope, typer, node.id) if node.score is not None else None
        if not node.benefits and not node.directives:
            self.error("PD213", f"measure {node.id} gives no benefit and holds no directive", node.span,
                       hint="add a `benefit …` or, for a measure that only addresses agencies, a `directive \"…\"`")
        return m.Measure(node.id, node.title, policy, node.ref, node.quotes, node.guidance, window, own_window,
                         tuple(agencies), tuple(conditions), tuple(benefits), tuple(targets), node.directives,
                         node.span, score=score)

    def conditions(self, node: ast.Measure, typer: Typer) -> tuple[Scope, list[m.Condition]]:
        """A measure's named conditions, typed in order; each may use the ones before it."""
        scope = Scope(measure=node.id)
        conditions: list[m.Condition] = []
        for condition in node.conditions:
            typed = typer.boolean(condition.expr, scope, f"condition {condition.name}")
            if typed is not None:
                conditions.append(m.Condition(condition.name, condition.label, typed, condition.span))
                scope = attrs.evolve(scope, conditions={**scope.conditions, condition.name: conditions[-1]})
            else:
                scope = attrs.evolve(scope, failed=scope.failed | {condition.name})
        return scope, conditions

    def benefit(self, node: ast.Benefit, measure: ast.Measure, scope: Scope, typer: Typer,
                by_id: dict[str, ast.Measure]) -> m.Benefit | None:
        bad_kind = node.kind not in m.BENEFIT_KINDS
        if bad_kind:
            self.error("PD210", f"unknown benefit kind '{node.kind}'", node.kind_span,
                       hint=did_you_mean(node.kind, m.BENEFIT_KINDS)
                       or f"the kinds are {', '.join(m.BENEFIT_KINDS)}")
        base_when: tuple[m.TExpr, ...] = ()
        for_each: m.ForEach | None = None
        amount = cap = None
        reference = node.reference
        base_id = None
        if node.base is not None:
            found = self.base_benefit(node, by_id)
            if found is None:
                return None
            base_measure, base_node = found
            if node.for_each or node.amount or node.cap or node.match:
                self.error("PD229", "a benefit taken `from` another keeps its loop, amount and cap", node.span,
                           hint="only `when`, `reference` and `quote` may be added; amend the base instead")
            if base_node.kind != node.kind and not bad_kind:
                self.error("PD229", f"benefit {node.id} is a {node.kind}, but {node.base} is a {base_node.kind}",
                           node.kind_span, hint=f"write `benefit {base_node.kind} {node.id} …`")
            base_scope, _ = self.conditions(base_measure, typer)
            base = self.benefit(base_node, base_measure, base_scope, typer, by_id)
            if base is None:
                return None
            if base.for_each is not None:  # the added condition may read the base's loop variable
                scope = scope.bind(base.for_each.var, base.for_each.entity)
            base_when, for_each, amount, cap = base.when, base.for_each, base.amount, base.cap
            reference = reference or base.reference
            base_id = f"{base_measure.id}.{base_node.id}"
        if node.for_each is not None:
            found_collection = typer.collection(node.for_each.collection, scope)
            if found_collection is None:
                return None
            collection, entity = found_collection
            for_each = m.ForEach(node.for_each.var, collection, entity)
            scope = scope.bind(node.for_each.var, entity)
        when = base_when
        failed = False
        if node.when is not None:
            typed = typer.boolean(node.when, scope, "the condition of a benefit")
            failed = typed is None
            when = when + ((typed,) if typed is not None else ())
        if node.amount is not None:
            amount = self.money(node.amount, scope, "an amount")
        if node.match is not None:
            base_amount = self.money(node.match.base, scope, "the base of a matching benefit")
            if base_amount is not None:
                ratio = m.Const(_ratio(node.match.numerator, node.match.denominator), m.DECIMAL, node.match.span)
                amount = m.Arith("*", base_amount, ratio, m.MONEY, node.match.span)
        if node.cap is not None:
            cap = self.money(node.cap, scope, "a cap")
        if not bad_kind:
            self.benefit_shape(node, amount)
        if bad_kind or failed or (node.amount is not None and amount is None) or (node.cap is not None and cap is None):
            return None
        return m.Benefit(node.id, node.kind, node.label, for_each, when, amount, cap, reference,
                         node.quotes, base_id, node.span)

    def benefit_shape(self, node: ast.Benefit, amount: m.TExpr | None) -> None:
        kind = node.kind
        if kind == "grant" and node.amount is None and node.base is None:
            self.error("PD212", f"grant {node.id} has no amount", node.span,
                       hint="add `amount …` (e.g. `amount p.investment * 40%`), or use kind reward/service")
        if kind == "matching" and node.match is None and node.base is None:
            self.error("PD212", f"matching benefit {node.id} needs `match X at 1:1`", node.span)
        if kind in ("reward", "service", "priority") and (node.amount or node.match or node.cap):
            self.error("PD212", f"a {kind} benefit has no amount", node.span,
                       hint="money given by this document is a `grant` or `matching` benefit")
        if kind == "reward" and node.reference is None and node.base is None:
            self.error("PD212", f"reward {node.id} names no document", node.span,
                       hint='add `reference "三政办〔2020〕14号"`')
        if node.amount is not None and node.match is not None:
            self.error("PD212", f"benefit {node.id} has both an amount and a match", node.span,
                       hint="a matching benefit's amount is its `match`; drop the `amount`")
        if node.cap is not None and node.amount is None and node.match is None and node.base is None:
            self.error("PD212", f"benefit {node.id} has a cap but no amount", node.span)

    def base_benefit(self, node: ast.Benefit,
                     by_id: dict[str, ast.Measure]) -> tuple[ast.Measure, ast.Benefit] | None:
        assert node.base is not None
        measure_id, _, benefit_id = node.base.rpartition(".")
        base_measure = by_id.get(measure_id)
        if base_measure is None:
            self.error("PD211", f"no measure '{measure_id}' to take benefit {benefit_id} from", node.base_span,
                       hint=did_you_mean(measure_id, by_id) or "write `from MEASURE.BENEFIT`")
            return None
        for candidate in base_measure.benefits:
            if candidate.id == benefit_id:
                if candidate.base is not None:
                    self.error("PD211", "a benefit taken `from` another cannot be reused again", node.base_span)
                    return None
                return base_measure, candidate
        self.error("PD211", f"measure {measure_id} has no benefit '{benefit_id}'", node.base_span,
                   hint=did_you_mean(benefit_id, [b.id for b in base_measure.benefits]))
        return None

    def money(self, node: ast.Expr, scope: Scope, what: str) -> m.TExpr | None:
        typed = self.typer.expr(node, scope)
        if typed is not None and typed.type.kind != "money":
            self.error("PD203", f"{what} must be money, but this is {typed.type}", node.span,
                       hint="multiply money by a ratio: `p.investment * 40%`")
            return None
        return typed

    # ---- goals, examples, quotes
    def goals(self, typer: Typer) -> tuple[m.Goal, ...]:
        out = []
        nodes = [g for _, g in self.of(ast.Goal)]
        self.unique("goal", [(g.id, g.span) for g in nodes])  # type: ignore[union-attr]
        for node in nodes:
            assert isinstance(node, ast.Goal)
            count = typer.boolean(node.count, Scope(), "what a goal counts")
            if count is not None:
                out.append(m.Goal(node.id, node.label, count, node.at_least, node.by, node.span))
        return tuple(out)

    def examples(self, root: LoadedFile, measures: dict[str, m.Measure]) -> tuple[m.Example, ...]:
        """The examples, checked: the profile file exists inside the policy folder, the parameters and
        measures exist, the values are literals of their types. An example with an error is left
        out (the policy does not load)."""
        nodes: list[tuple[LoadedFile, ast.Example]] = [(f, e) for f, e in self.of(ast.Example)]  # type: ignore[misc]
        self.unique("example", [(e.id, e.span) for _, e in nodes])
        folder = self.loaded.folder
        checked: list[m.Example] = []
        for file, node in nodes:
            before = len(self.diagnostics)
            if node.as_of is None:
                self.report(Diagnostic("PD231", f"example {node.id} has no `as of` date, so it runs on the day "
                                       "it is run and its result changes with time", node.span, severity="warning",
                                       hint="add `as of 2024-06-01` (a day inside the policy's window)"))
            if node.profile is None:
                self.error("PD217", f"example {node.id} names no profile", node.span,
                           hint='add `profile "examples/profiles/NAME.json"`')
            elif "\0" in node.profile:  # no file system accepts it: say so rather than fail
                self.error("PD217", f"profile {node.profile!r} contains a NUL character", node.profile_span,
                           hint='write the path as it is on disk, e.g. "examples/profiles/NAME.json"')
            else:
                path = (file.path.parent / node.profile).resolve()
                try:
                    path.relative_to(folder)
                except ValueError:
                    self.error("PD217", f"profile {node.profile!r} is outside the policy folder", node.profile_span)
                else:
                    if not path.is_file():
                        self.error("PD217", f"profile {node.profile!r} does not exist", node.profile_span,
                                   hint=f"paths are relative to {os.path.relpath(file.path.parent)}")
            params: list[tuple[str, object]] = []
            for param in node.params:
                parameter = self.typer.parameters.get(param.name)
                if parameter is None:
                    if param.name in self.unparsed:
                        continue
                    self.error("PD201", f"unknown parameter '{param.name}'", param.span,
                               hint=did_you_mean(param.name, self.typer.parameters))
                else:
                    params.append((param.name, self.constant(param.value, parameter.type, f"parameter {param.name}")))
            expects: list[m.Expectation] = []
            for expect in node.expects:
                if expect.measure not in measures and expect.measure not in self.unparsed:
                    self.error("PD201", f"unknown measure '{expect.measure}'", expect.span,
                               hint=did_you_mean(expect.measure, measures))
                if expect.status not in m.STATUSES:
                    self.error("PD218", f"unknown status '{expect.status}'", expect.status_span,
                               hint=did_you_mean(expect.status, m.STATUSES)
                               or f"the statuses are {', '.join(m.STATUSES)}")
                self.expected_outcome(expect, measures.get(expect.measure))
                expects.append(m.Expectation(expect.measure, expect.status, self.expected_amount(expect.total),
                                             expect.no_total, self.expected_amount(expect.at_most), expect.unknowns,
                                             expect.span, expect.version, expect.no_version, expect.score,
                                             expect.no_score, expect.subtotals))
            failed = any(d.severity == "error" for d in self.diagnostics[before:])
            if not failed and node.profile is not None:
                checked.append(m.Example(node.id, node.label, node.profile, str(file.path.parent / node.profile),
                                         node.as_of, tuple(params), tuple(expects), node.span))
        return tuple(checked)

    def expected_outcome(self, expect: ast.Expect, measure: m.Measure | None) -> None:
        """`version "…"`, `score …` and `subtotal g …` of an expectation name what the measure has."""
        if measure is None:
            return
        every = measure.versions or (measure,)
        if expect.version is not None and expect.version not in {v.version for v in every}:
            known = [v.version for v in every if v.version]
            self.error("PD274", f"measure {expect.measure} has no version \"{expect.version}\"", expect.span,
                       hint=f"its versions are {', '.join(known)}" if known else f"{expect.measure} has no versions")
        scored = [v.score for v in every if v.score is not None]
        if (expect.score is not None or expect.subtotals) and not scored:
            self.error("PD274", f"measure {expect.measure} has no score to expect", expect.span,
                       hint="expect its status, total and unknowns only")
            return
        groups = {g.name for score in scored for g in score.groups}
        for group, _, _ in expect.subtotals:
            if group not in groups:
                self.error("PD274", f"the score of {expect.measure} has no group '{group}'", expect.span,
                           hint=did_you_mean(group, groups) or "its score has no groups")
        for low, high in [*([expect.score] if expect.score else []), *((lo, hi) for _, lo, hi in expect.subtotals)]:
            if low > high:
                self.error("PD274", f"the expected range {low}..{high} is empty", expect.span,
                           hint="write the smaller bound first: score 46分..61分")

    def expected_amount(self, node: ast.Expr | None) -> Money | None:
        value = None if node is None else self.constant(node, m.MONEY, "an expected amount")
        return value if isinstance(value, Money) else None

    def source_text(self, root: LoadedFile, header: m.Header) -> str | None:
        if header.source is None:
            return None
        node = self.header_of_quiet(root)
        span = node.span if node else None
        if "\0" in header.source:
            self.error("PD216", f"source {header.source!r} contains a NUL character", span,
                       hint="write the path of the policy document as it is on disk")
            return None
        path = (root.path.parent / header.source).resolve()
        if not path.is_relative_to(self.loaded.folder):
            self.error("PD216", f"source {header.source!r} is outside the policy folder", span,
                       hint="copy the policy document into the policy folder")
            return None
        try:
            return path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.error("PD216", f"cannot read the source document {header.source!r}: {error}", span,
                       hint="copy the policy document next to the .pol file as UTF-8 text")
        return None

    def quotes(self, measures: dict[str, m.Measure], text: str, header: m.Header) -> None:
        """Every quoted sentence of the policy's own measures must occur verbatim in its source."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for file, node in self.of(ast.Measure):
            assert isinstance(node, ast.Measure)
            if self.policy_of(file, header.id) != header.id:
                continue
            quoted = [(q, node.span) for q in node.quotes + node.guidance]
            for benefit in node.benefits:
                quoted += [(q, benefit.span) for q in benefit.quotes]
            for target in node.targets:
                quoted += [(q, target.span) for q in target.quotes]
            for sentence, span in quoted:
                if sentence not in text:
                    close = did_you_mean(sentence, lines)
                    self.error("PD215", f"quote not found verbatim in {header.source}: {sentence[:40]}…"
                               if len(sentence) > 40 else f"quote not found verbatim in {header.source}: {sentence}",
                               _quote_span(span, sentence), hint=close and close.replace("did you mean", "closest line:"))


def _path_back(edges: dict[str, set[str]], start: str) -> list[str] | None:
    """A path from `start` through the read-graph back to `start`, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for follower in sorted(edges.get(name, ())):
            if follower == start:
                return [*path, start]
            if follower not in seen:
                seen.add(follower)
                stack.append((follower, [*path, follower]))
    return None


def _overlap(a: m.Window, b: m.Window) -> datetime.date | None:
    """A day two windows share, if any (a bound known only to its year counted as its whole year)."""
    def first(bound: m.Bound) -> datetime.date:
        if bound.kind == "date" and bound.date:
            return bound.date
        return datetime.date(bound.year, 1, 1) if bound.kind == "year" and bound.year else datetime.date.min

    def last(bound: m.Bound) -> datetime.date:
        if bound.kind == "date" and bound.date:
            return bound.date
        return datetime.date(bound.year, 12, 31) if bound.kind == "year" and bound.year else datetime.date.max

    start, end = max(first(a.start), first(b.start)), min(last(a.end), last(b.end))
    return start if start <= end else None


def _quote_span(span: Span | None, sentence: str) -> Span | None:
    if span is None:
        return None
    index = span.source.text.find(sentence, span.start, span.end)
    if index < 0:
        return span
    return Span(span.source, index, index + len(sentence))


def _ratio(numerator: int, denominator: int) -> Decimal:
    return Decimal(numerator) / Decimal(denominator)


def _intersect(a: m.Window, b: m.Window) -> m.Window:
    def later(x: m.Bound, y: m.Bound) -> m.Bound:
        # A year bound against a day: the day when it is in a later year, else the year bound (the
        # evaluation reads both windows where a year bound leaves it open: semantics.in_force).
        if {x.kind, y.kind} == {"year", "date"}:
            day, year = (x, y) if x.kind == "date" else (y, x)
            return day if day.date and year.year and day.date.year > year.year else year
        if x.kind != "date":
            return y if y.kind == "date" else x
        if y.kind != "date":
            return x
        assert x.date and y.date
        return x if x.date >= y.date else y

    def earlier(x: m.Bound, y: m.Bound) -> m.Bound:
        if {x.kind, y.kind} == {"year", "date"}:
            day, year = (x, y) if x.kind == "date" else (y, x)
            return day if day.date and year.year and day.date.year < year.year else year
        if x.kind != "date":
            return y if y.kind == "date" else x
        if y.kind != "date":
            return x
        assert x.date and y.date
        return x if x.date <= y.date else y

    return m.Window(later(a.start, b.start), earlier(a.end, b.end))


def check_loaded(loaded: Loaded, keep_clashes: bool = False) -> tuple[m.Policy | None, list[Diagnostic]]:
    """The checked policy (None when there are errors) and every diagnostic. With `keep_clashes`,
    clashing amendments (PD242) are reported but the policy is still built."""
    with gc_pause.paused():  # the model built here lives on (gc_pause)
        checker = PolicyChecker(loaded, keep_clashes)
        policy = checker.check()
    diagnostics = sorted(set(checker.diagnostics), key=sort_key)
    return policy, diagnostics


def check_path(path: str | os.PathLike[str]) -> tuple[m.Policy | None, list[Diagnostic]]:
    return check_loaded(load(Path(path)))


def _transitive(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Everything each key reaches through the edges (itself only through a cycle)."""
    reached: dict[str, set[str]] = {}
    for start in edges:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(edges.get(current, ()))
        reached[start] = seen
    return reached


def _literal_or_none(node: ast.Expr, typ: m.Type) -> object:
    """The value of a literal as written (`150万元`, `-1万元`); None for anything computed."""
    try:
        return literal(node, typ)
    except NotALiteral:
        return None


_BOUNDED_KINDS = ("integer", "decimal", "money", "ratio", "points")


def _above(value: object, maximum: Decimal) -> bool:
    """Whether a parameter's value is above the top of its range (money in 万元)."""
    number = value.in_unit() if isinstance(value, Money) else value
    return isinstance(number, int | Decimal) and not isinstance(number, bool) and number > maximum


def _below(value: object, minimum: Decimal) -> bool:
    """Whether a parameter's value is below its minimum (money in 万元, as a fact's minimum is)."""
    number = value.in_unit() if isinstance(value, Money) else value
    return isinstance(number, int | Decimal) and not isinstance(number, bool) and number < minimum
