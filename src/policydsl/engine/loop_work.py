"""Loop work bounded before evaluation: a static analysis of a policy's loop nests, and its check (PD317).

A loop (`for each p in projects`, `any p in projects: (…)`) evaluates its body once per entry,
and loops may nest — `any q in projects: (…)` inside `for each p in projects` is quadratic — so
a list of an accepted length can still make evaluation take hours. The loops of a policy are
gathered once, as nests: the entities each nest goes through, outermost first. For a profile,
the work of a nest is the product of the longest list of each of its entities (at least 1: an
unknown list is evaluated once), and the work of the policy is the sum over its nests. A
definition, condition or amendment read inside a loop counts its own loops at every reading,
as an explanation evaluates them (the plain evaluation computes each once), so this is an upper
bound of the loop bodies any evaluation of the profile runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from policydsl import model as m
from policydsl.diagnostics import Diagnostic, ProfileError
from policydsl.profile.limits import DEFAULT_LIMITS, Limits

Nests = dict[tuple[str, ...], tuple[int, str]]  # the entities of a nest → (how many, where the innermost is)


def _add(into: Nests, nests: Nests, prefix: tuple[str, ...] = ()) -> None:
    for key, (count, where) in nests.items():
        found = into.get(prefix + key)
        into[prefix + key] = (count + found[0], found[1]) if found else (count, where)


class _LoopNests:
    """The nests of loops of one policy, each definition, condition and amendment walked once."""

    _LEAVES = (m.Const, m.FactRef, m.FieldRef, m.VarRef)
    _SKIPPED = frozenset({"type", "span", "fact", "operand_type", "options", "var", "op", "name", "quantifier",
                          "measure", "negated"})

    def __init__(self, policy: m.Policy) -> None:
        self.policy = policy
        self.memo: dict[tuple[str, ...], Nests] = {}
        self.amended: dict[str, list[m.Amendment]] = {}
        for amendment in policy.amendments:
            for target, _ in amendment.sets:
                self.amended.setdefault(target, []).append(amendment)

    def policy_nests(self) -> Nests:
        nests: Nests = {}
        for measure in self.policy.measures:
            for condition in measure.conditions:
                _add(nests, self.expr(condition.expr))
            for agency in measure.agencies:
                if agency.when is not None:
                    _add(nests, self.expr(agency.when))
                if agency.table is not None and agency.table in self.policy.tables:
                    _add(nests, self.expr(self.policy.tables[agency.table].key))
            for benefit in measure.benefits:
                parts: Nests = {}
                for expr in (*benefit.when, benefit.amount, benefit.cap):
                    if expr is not None:
                        _add(parts, self.expr(expr))
                if benefit.for_each is None:
                    _add(nests, parts)
                    continue
                _add(nests, self.expr(benefit.for_each.collection))
                where = benefit.span.location() if benefit.span is not None else f"{measure.id}.{benefit.id}"
                _add(nests, {(benefit.for_each.entity,): (1, where)})
                _add(nests, parts, (benefit.for_each.entity,))
            for target in measure.targets:
                for expr in (target.when, target.require):
                    if expr is not None:
                        _add(nests, self.expr(expr))
        for goal in self.policy.goals:
            _add(nests, self.expr(goal.count))
        return nests

    def expr(self, expr: object) -> Nests:
        if isinstance(expr, self._LEAVES) or expr is None:
            return {}
        if isinstance(expr, m.Quant):
            nests = dict(self.expr(expr.collection))  # a copy: a definition's nests are kept in the memo
            entity = expr.collection.type.entity or "?"
            _add(nests, {(entity,): (1, expr.span.location() if expr.span is not None else "a loop")})
            _add(nests, self.expr(expr.body), (entity,))
            return nests
        if isinstance(expr, m.DefRef):
            definition = self.policy.definitions.get(expr.name)
            return self.named(("def", expr.name), lambda: [definition.expr] if definition else [], expr.name)
        if isinstance(expr, m.ParamRef):
            return self.named(("param", expr.name), lambda: [], expr.name)
        if isinstance(expr, m.CondRef):
            measure = self.policy.all_measures.get(expr.measure)
            conditions = [c.expr for c in measure.conditions if c.name == expr.name] if measure else []
            return self.named(("cond", expr.measure, expr.name), lambda: conditions, None)
        found: Nests = {}
        for field in getattr(type(expr), "__attrs_attrs__", ()):
            if field.name in self._SKIPPED:
                continue
            child = getattr(expr, field.name)
            for part in child if isinstance(child, tuple) else (child,):
                if hasattr(part, "__attrs_attrs__"):
                    _add(found, self.expr(part))
        return found

    def named(self, key: tuple[str, ...], exprs: Callable[[], list[m.TExpr]], amended: str | None) -> Nests:
        """The nests of a definition, parameter or condition, with its amendments'; walked once."""
        found = self.memo.get(key)
        if found is not None:
            return found
        self.memo[key] = {}  # a cycle (the checker refuses them) adds nothing
        nests: Nests = {}
        for expr in exprs():
            _add(nests, self.expr(expr))
        for amendment in self.amended.get(amended or "", ()) if amended else ():
            _add(nests, self.expr(amendment.when))
            for target, value in amendment.sets:
                if target == amended:
                    _add(nests, self.expr(value))
        self.memo[key] = nests
        return nests


def loop_nests(policy: m.Policy) -> Nests:
    """The nests of loops of a checked policy: entities outermost first → (how many, where)."""
    return _LoopNests(policy).policy_nests()


def loop_work_can_exceed(nests: Nests, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether some profile within the list limits could make the loops exceed `limits.max_loop_work`."""
    longest = min(limits.max_list_items, limits.max_profile_items)
    bound: int = sum(count * longest ** len(key) for key, (count, _) in nests.items())
    return bound > limits.max_loop_work


def list_sizes(schema: m.Schema, values: Mapping[str, object]) -> dict[str, tuple[int, str]]:
    """Entity → (the entries of its longest list in the profile, that list's path)."""
    sizes: dict[str, tuple[int, str]] = {}
    stack: list[tuple[m.Entity, Mapping[str, object], str]] = [(schema.root, values, "")]
    while stack:
        entity, facts, prefix = stack.pop()
        for fact in entity.facts:
            items = facts.get(fact.name)
            if fact.type.kind != "list" or fact.type.entity is None or not isinstance(items, tuple | list):
                continue
            path = prefix + fact.name
            if len(items) > sizes.get(fact.type.entity, (-1, ""))[0]:
                sizes[fact.type.entity] = (len(items), path)
            child = schema.entities.get(fact.type.entity)
            if child is not None and any(f.type.kind == "list" for f in child.facts):
                stack.extend((child, item, f"{path}[{index}].") for index, item in enumerate(items)
                             if isinstance(item, Mapping))
    return sizes


class LoopWork:
    """The loop nests of one checked policy, worked out once, and the check of a profile's typed
    facts against `limits.max_loop_work` (PD317), run before every evaluation.

    Building one walks the policy (a fraction of a millisecond for Sanmenxia); checking is free for
    a policy whose loops cannot exceed the limit on any profile within the list limits. Whoever
    evaluates many profiles of one policy builds it once and keeps it as long as the policy.

    >>> loops = LoopWork(policy, Limits(max_loop_work=100))
    >>> loops.check(read_profile(policy.schema, {"projects": [{}] * 20}).values)  # a nested loop: 400
    Traceback (most recent call last):
    policydsl.diagnostics.ProfileError: projects: error[PD317]: the policy's loops would evaluate …
    """

    __slots__ = ("can_exceed", "limits", "nests", "policy")

    def __init__(self, policy: m.Policy, limits: Limits = DEFAULT_LIMITS) -> None:
        self.policy = policy
        self.limits = limits
        self.nests = loop_nests(policy)
        self.can_exceed = bool(self.nests) and loop_work_can_exceed(self.nests, limits)

    def check(self, values: Mapping[str, object]) -> None:
        """Raise ProfileError (PD317) if the policy's loops would run more than the limit of loop
        bodies on these typed facts (`ProfileReader.read(...).values`)."""
        if not self.can_exceed:
            return
        most = self.limits.max_loop_work
        sizes = list_sizes(self.policy.schema, values)
        work, worst, worst_work = 0, None, -1
        for key, (count, where) in self.nests.items():
            product = count
            for entity in key:
                product *= max(1, sizes.get(entity, (0, ""))[0])
            work += product
            if product > worst_work:
                worst, worst_work = (key, where), product
        if work <= most:
            return
        assert worst is not None
        key, where = worst
        lists = [sizes.get(entity, (0, entity)) for entity in key]
        longest = max(lists)
        shown = " × ".join(f"{max(1, n):,} ({path or entity})" for (n, path), entity in zip(lists, key, strict=True))
        raise ProfileError([Diagnostic(
            "PD317", f"the policy's loops would evaluate their bodies {work:,} times on this profile, more than "
                     f"the limit of {most:,}", path=longest[1] or None,
            hint=f"the loop at {where} goes through {shown}; give fewer entries, or write the policy without "
                 f"nested loops; {self.limits.hint('max_loop_work')}")])


def check_loop_work(policy: m.Policy, values: Mapping[str, object], limits: Limits = DEFAULT_LIMITS) -> None:
    """`LoopWork(policy, limits).check(values)`: the loops are walked for this one profile, so a
    program evaluating many profiles builds a LoopWork once instead."""
    LoopWork(policy, limits).check(values)
