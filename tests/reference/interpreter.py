"""The reference semantics: a plain tree-walking interpreter written from docs/semantics.md.

It reads the checked model (`policydsl.model`) and the value types (`policydsl.values`) and
nothing else of policydsl: no code of the engines (`policydsl.engine`, `policydsl.sql`) and not
their result types, so a mistake in an engine's rules cannot hide by being made twice. It is the
oracle of tests/reference/test_differential.py. Clarity over speed: every rule is written once,
where the section of docs/semantics.md it comes from says it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policydsl import model as m
from policydsl.values import Money, Unknown
from tests.reference.outcome import BenefitOutcome, MeasureOutcome, Outcome, TargetOutcome


class Unsupported(Exception):
    """A construct the semantics document gives no meaning to (a cycle, a list with no profile path)."""


# The items of a list that is not known are decided once with a stand-in item whose facts are
# all unknown, named after the list (§6).
STAND_IN: Mapping[str, object] = {}


@attrs.frozen
class Bound:
    """What a loop variable stands for: an item (or the stand-in) and its profile path."""

    item: Mapping[str, object]
    path: str


Env = Mapping[str, Bound]
NO_ENV: Env = {}


def unknown(*paths: Iterable[str]) -> Unknown:
    return Unknown(frozenset(path for group in paths for path in group))


def unknowns_of(*values: object) -> Unknown:
    """The unknown a strict operation gives: it carries the unknowns of all its operands (§4)."""
    return unknown(*(value.paths for value in values if isinstance(value, Unknown)))


def truth(value: object) -> bool | None:
    if isinstance(value, Unknown):
        return None
    assert isinstance(value, bool), value
    return value


def kleene(op: str, values: Iterable[object]) -> object:
    """`and`/`or` over several operands (§4): a decisive operand decides whatever the others are;
    otherwise unknown with every unknown operand's names, or the neutral value."""
    decisive = op == "or"
    values = list(values)
    if any(value is decisive for value in values):
        return decisive
    if any(isinstance(value, Unknown) for value in values):
        return unknowns_of(*values)
    return not decisive


def edge(day: datetime.date, bound: m.Bound, params: Mapping[str, object], start: bool) -> bool | None:
    """One side of a window (§11): a date includes its day; a year bound decides every day of
    other years, and in its own year only with its day parameter supplied (else None)."""
    if bound.kind == "date":
        assert bound.date is not None
        return bound.date <= day if start else day <= bound.date
    if bound.kind != "year":
        return True
    assert bound.year is not None
    if day.year < bound.year:
        return not start
    if day.year > bound.year:
        return start
    supplied = params.get(bound.day) if bound.day is not None else None
    if not isinstance(supplied, datetime.date):
        return None
    return supplied <= day if start else day <= supplied


def window_state(window: m.Window, day: datetime.date, params: Mapping[str, object]) -> bool | None:
    return kleene_bool(edge(day, window.start, params, True), edge(day, window.end, params, False))


def kleene_bool(*values: bool | None) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def number_bounds(value: object) -> tuple[Any, Any]:
    if isinstance(value, Unknown):
        return value.low, value.high
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value, value
    return None, None


def add_points(values: list[object]) -> object:
    """A score or subtotal (§21): the sum; unknown when any part is, with the sums of the bounds."""
    unknowns = [value for value in values if isinstance(value, Unknown)]
    if not unknowns:
        return Decimal(sum(values))  # type: ignore[arg-type]
    lows = [number_bounds(value)[0] for value in values]
    highs = [number_bounds(value)[1] for value in values]
    return Unknown(unknowns_of(*values).paths, low=None if None in lows else Decimal(sum(lows)),
                   high=None if None in highs else Decimal(sum(highs)))


def reaches(value: object, floor: Decimal) -> object:
    """`value >= floor` decided by the bounds of an unknown score (§21)."""
    if not isinstance(value, Unknown):
        return value >= floor  # type: ignore[operator]
    if value.low is not None and value.low >= floor:  # type: ignore[operator]
        return True
    if value.high is not None and value.high < floor:  # type: ignore[operator]
        return False
    return unknown(value.paths)


def arithmetic(op: str, left: Any, right: Any) -> object | None:
    """Exact arithmetic (§7) of two known values; None for a division by zero, which the caller
    names. Integers stay integers under `+ - *`; a quotient of numbers is a decimal."""
    if op in ("+", "-"):
        if isinstance(left, Money) and isinstance(right, Money):
            return Money(left.yuan + right.yuan if op == "+" else left.yuan - right.yuan)
        result: object = left + right if op == "+" else left - right
        return result
    if op == "*":
        if isinstance(left, Money):
            return Money(left.yuan * right)
        if isinstance(right, Money):
            return Money(left * right.yuan)
        product: object = left * right
        return product
    divisor = right.yuan if isinstance(right, Money) else Decimal(right)
    if divisor == 0:
        return None
    if isinstance(left, Money):
        quotient = left.yuan / divisor
        return quotient if isinstance(right, Money) else Money(quotient)  # money / money is a ratio
    return Decimal(left) / divisor


def choose(condition: object, then: object, otherwise: object) -> object:
    """One amendment over the value below it (§9): its value when its condition is true, the value
    below when false; when unknown, a value both sides agree on, else unknown with the condition's
    names and those of whichever side is unknown."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    assert isinstance(condition, Unknown)
    if not isinstance(then, Unknown) and not isinstance(otherwise, Unknown) and then == otherwise:
        return then
    both = unknowns_of(condition, then, otherwise)
    (low_a, high_a), (low_b, high_b) = number_bounds(then), number_bounds(otherwise)
    if any(v is None for v in (low_a, high_a, low_b, high_b)):
        return both
    return Unknown(both.paths, low=min(low_a, low_b), high=max(high_a, high_b))


def amendment_orders(policy: m.Policy) -> dict[str, tuple[m.Amendment, ...]]:
    """The amendments of each parameter or definition, lowest first: each after every amendment it
    prevails over (`over`, transitively, through any amendment), ties in declaration order."""
    amendments = policy.amendments
    by_id: dict[str, list[int]] = {}
    for index, amendment in enumerate(amendments):
        by_id.setdefault(amendment.id, []).append(index)
    direct = [{j for name in getattr(a, "over", ()) for j in by_id.get(name, [])} for a in amendments]
    below: list[set[int]] = []
    for index in range(len(amendments)):
        seen: set[int] = set()
        todo = list(direct[index])
        while todo:
            j = todo.pop()
            if j not in seen:
                seen.add(j)
                todo.extend(direct[j])
        if index in seen:
            raise Unsupported(f"amendment {amendments[index].id} prevails over itself")
        below.append(seen)
    orders: dict[str, tuple[m.Amendment, ...]] = {}
    names = {name for amendment in amendments for name, _ in amendment.sets}
    for name in names:
        left = [i for i, amendment in enumerate(amendments) if any(n == name for n, _ in amendment.sets)]
        placed: list[int] = []
        while left:
            ready = next(i for i in left if not (below[i] & set(left)))
            placed.append(ready)
            left.remove(ready)
        orders[name] = tuple(amendments[i] for i in placed)
    return orders


class Interpreter:
    """One evaluation: a checked policy, the typed facts of one enterprise, typed parameters, a day."""

    def __init__(self, policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
                 as_of: datetime.date, orders: Mapping[str, tuple[m.Amendment, ...]] | None = None) -> None:
        self.policy = policy
        self.facts = facts
        self.params = params
        self.as_of = as_of
        self.orders = amendment_orders(policy) if orders is None else orders
        self.known_names: dict[str, object] = {}  # definitions and parameters, amendments applied
        self.computing: list[str] = []

    # ---- expressions (§3–§5)
    def value(self, expr: m.TExpr, env: Env) -> object:
        if isinstance(expr, m.Const):
            return expr.value
        if isinstance(expr, m.FactRef):
            fact = self.facts.get(expr.fact.name)
            return unknown([expr.fact.name]) if fact is None else fact
        if isinstance(expr, m.FieldRef):
            bound = env[expr.var]
            if bound.item is STAND_IN:
                return unknown([bound.path])
            field = bound.item.get(expr.fact.name)
            return unknown([f"{bound.path}.{expr.fact.name}"]) if field is None else field
        if isinstance(expr, m.VarRef):
            return env[expr.var].item
        if isinstance(expr, m.Logic):
            return kleene(expr.op, (self.value(item, env) for item in expr.items))
        if isinstance(expr, m.Not):
            operand = self.value(expr.operand, env)
            return operand if isinstance(operand, Unknown) else not operand
        if isinstance(expr, m.Neg):
            operand = self.value(expr.operand, env)
            if isinstance(operand, Unknown):
                return operand
            return Money(-operand.yuan) if isinstance(operand, Money) else -operand  # type: ignore[operator]
        if isinstance(expr, m.Compare):
            return self.compare(expr, env)
        if isinstance(expr, m.Arith):
            left, right = self.value(expr.left, env), self.value(expr.right, env)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return unknowns_of(left, right)
            result = arithmetic(expr.op, left, right)
            # A division by zero is unknown, named by what the divisor reads (§5).
            return unknown(self.reads(expr.right, env)) if result is None else result
        if isinstance(expr, m.In):
            member = self.value(expr.value, env)
            if isinstance(member, Unknown):
                return member
            return any(member == option for option in expr.options) != expr.negated
        if isinstance(expr, m.Quant):
            return self.quantified(expr, env)
        if isinstance(expr, m.Func):
            return self.function(expr, env)
        if isinstance(expr, m.DefRef):
            return self.named(expr.name)
        if isinstance(expr, m.ParamRef):
            return self.named(expr.name)
        if isinstance(expr, m.CondRef):
            measure = self.policy.all_measures[expr.measure]
            condition = next(c for c in measure.conditions if c.name == expr.name)
            return self.value(condition.expr, NO_ENV)
        if isinstance(expr, m.If):  # §4: `choose` on the condition
            return choose(self.value(expr.condition, env), self.value(expr.then, env),
                          self.value(expr.otherwise, env))
        if isinstance(expr, m.Outcome):
            return self.outcome_of(expr)
        raise Unsupported(f"no meaning for {type(expr).__name__}")

    def compare(self, expr: m.Compare, env: Env) -> object:
        left, right = self.value(expr.left, env), self.value(expr.right, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return unknowns_of(left, right)
        enum = expr.operand_type.enum
        if expr.operand_type.kind == "enum" and enum is not None:
            left, right = enum.values.index(left), enum.values.index(right)  # declaration order
        if expr.op == "=":
            return left == right
        if expr.op == "!=":
            return left != right
        if expr.op == "<":
            return left < right  # type: ignore[operator]
        if expr.op == "<=":
            return left <= right  # type: ignore[operator]
        if expr.op == ">":
            return left > right  # type: ignore[operator]
        return left >= right  # type: ignore[operator]

    def quantified(self, expr: m.Quant, env: Env) -> object:
        """`any` is an `or` over the items, `all` an `and`; an unknown list is unknown (§6)."""
        items = self.value(expr.collection, env)
        if isinstance(items, Unknown):
            return items
        path = self.collection_path(expr.collection, env)
        assert isinstance(items, tuple)
        op = "or" if expr.quantifier == "any" else "and"
        return kleene(op, (self.value(expr.body, {**env, expr.var: Bound(item, f"{path}[{index}]")})
                           for index, item in enumerate(items)))

    def function(self, expr: m.Func, env: Env) -> object:
        args = [self.value(arg, env) for arg in expr.args]
        if any(isinstance(arg, Unknown) for arg in args):
            return unknowns_of(*args)
        if expr.name == "count":
            return len(args[0])  # type: ignore[arg-type]
        if expr.name == "contains":
            return args[1] in args[0]  # type: ignore[operator]
        if expr.name == "min":
            return min(args)  # type: ignore[type-var]
        if expr.name == "max":
            return max(args)  # type: ignore[type-var]
        raise Unsupported(f"no function {expr.name}")

    def collection_path(self, expr: m.TExpr, env: Env) -> str:
        """Where a list stands in the profile: `projects`, `projects[0].phases` (§5)."""
        if isinstance(expr, m.FactRef):
            return expr.fact.name
        if isinstance(expr, m.FieldRef):
            return f"{env[expr.var].path}.{expr.fact.name}"
        if isinstance(expr, m.DefRef) and expr.name not in self.orders:
            return self.collection_path(self.policy.definitions[expr.name].expr, NO_ENV)
        raise Unsupported("a list that is not a fact has no profile path to name its items by")

    def reads(self, expr: m.TExpr, env: Env) -> set[str]:
        """The facts and parameters an expression reads, through the definitions it uses."""
        found: set[str] = set()
        for node in m.walk(expr):
            if isinstance(node, m.FactRef):
                found.add(node.fact.name)
            elif isinstance(node, m.FieldRef):
                found.add(f"{env[node.var].path}.{node.fact.name}")
            elif isinstance(node, m.ParamRef):
                found.add(node.name)
            elif isinstance(node, m.DefRef):
                found |= self.reads(self.policy.definitions[node.name].expr, NO_ENV)
        return found

    # ---- definitions and parameters, amendments applied (§8, §9)
    def named(self, name: str) -> object:
        if name in self.known_names:
            return self.known_names[name]
        if name in self.computing:
            raise Unsupported(f"{name} depends on itself: {' → '.join([*self.computing, name])}")
        self.computing.append(name)
        try:
            value = self.base(name)
            for amendment in self.orders.get(name, ()):
                condition = self.value(amendment.when, NO_ENV)
                if condition is False:
                    continue  # its value is not needed
                new = self.value(next(expr for target, expr in amendment.sets if target == name), NO_ENV)
                value = choose(condition, new, value)
        finally:
            self.computing.pop()
        self.known_names[name] = value
        return value

    def base(self, name: str) -> object:
        definition = self.policy.definitions.get(name)
        if definition is not None:
            return self.value(definition.expr, NO_ENV)
        parameter = self.policy.parameters[name]
        if name in self.params:
            return self.params[name]
        if parameter.default is not None:
            return parameter.default
        return unknown([name])

    # ---- outcomes of measures read in expressions, scores, versions (§21, §22)
    def outcome_of(self, expr: m.Outcome) -> object:
        measure = self.policy.all_measures[expr.measure]
        if expr.function == "eligible":
            status = self.measure(measure)
            if status.status == "eligible":
                return True
            return unknown(status.unknowns) if status.status == "undetermined" else False
        if measure.versions:
            chosen = next((v for v in measure.versions if self.window_of(v) is True), None)
            if chosen is None or chosen.score is None:
                return Unknown(frozenset())
            measure = chosen
        total, subtotals, floors = self.score(measure)
        if expr.function == "score":
            return total
        if expr.function == "subtotal":
            return dict(subtotals)[expr.group]
        return kleene("and", floors)

    def score(self, measure: m.Measure) -> tuple[object, tuple[tuple[str, object], ...], list[object]]:
        assert measure.score is not None
        values = {i.name: self.value(i.expr, NO_ENV) for i in measure.score.indicators}
        subtotals = tuple((g.name, add_points([values[i.name] for i in g.indicators])) for g in measure.score.groups)
        floors = [reaches(sub, g.floor) if g.floor is not None else True
                  for g, (_, sub) in zip(measure.score.groups, subtotals, strict=True)]
        return add_points(list(values.values())), subtotals, floors

    def window_of(self, measure: m.Measure) -> bool | None:
        own = window_state(measure.own_window, self.as_of, self.params) if measure.own_window else True
        whole = (window_state(self.policy.header.window, self.as_of, self.params)
                 if measure.policy == self.policy.header.id else True)
        return kleene_bool(own, whole)

    def day_names(self, measure: m.Measure) -> tuple[str, ...]:
        windows = [measure.own_window] if measure.own_window else []
        if measure.policy == self.policy.header.id:
            windows.append(self.policy.header.window)
        return tuple(sorted({b.day for w in windows for b in (w.start, w.end) if b.kind == "year" and b.day}))

    def measure(self, measure: m.Measure) -> MeasureOutcome:
        if measure.versions:
            states = [(v, self.window_of(v)) for v in measure.versions]
            chosen = next((v for v, state in states if state is True), None)
            if chosen is None:
                if any(state is None for _, state in states):
                    names = sorted({n for v in measure.versions for n in self.day_names(v)})
                    return MeasureOutcome(measure.id, "undetermined", (), (), None, tuple(names), ())
                return MeasureOutcome(measure.id, "not_in_force", (), (), None, (), ())
            return attrs.evolve(self.measure(chosen), id=measure.id, version=chosen.version)
        state = self.window_of(measure)
        if state is None:
            return MeasureOutcome(measure.id, "undetermined", (), (), None, self.day_names(measure), ())
        if state is False:
            return MeasureOutcome(measure.id, "not_in_force", (), (), None, (), ())
        plain = self.measure_in_force(measure)
        if measure.score is None:
            return plain
        total, subtotals, _ = self.score(measure)
        named = {n for v in [total, *(s for _, s in subtotals)] if isinstance(v, Unknown) for n in v.paths}
        values = {i.name: self.value(i.expr, NO_ENV) for i in measure.score.indicators}
        named |= {n for v in values.values() if isinstance(v, Unknown) for n in v.paths}
        return attrs.evolve(plain, unknowns=tuple(sorted(set(plain.unknowns) | named)), score=total,
                            subtotals=subtotals)

    def measure_in_force(self, measure: m.Measure) -> MeasureOutcome:
        agencies = self.agencies(measure)
        targets = tuple(self.target(target) for target in measure.targets)
        if not measure.benefits:
            return MeasureOutcome(measure.id, "not_applicable", agencies, (), None, (), targets)
        decided = [(benefit, outcome) for benefit in measure.benefits for outcome in self.benefit(benefit)]
        outcomes = tuple(outcome for _, outcome in decided)
        if any(outcome.applies is True for outcome in outcomes):
            status = "eligible"
        elif any(outcome.applies is None for outcome in outcomes):
            status = "undetermined"
        else:
            status = "not_eligible"
        unknowns = tuple(sorted({name for outcome in outcomes for name in outcome.unknowns}))
        return MeasureOutcome(measure.id, status, agencies, outcomes, self.total(decided), unknowns, targets)

    @staticmethod
    def total(decided: list[tuple[m.Benefit, BenefitOutcome]]) -> Money | None:
        """The sum of the amounts of the results that surely apply; none when one of them has an
        amount that is not known, or when none has an amount (§13)."""
        applying = [(benefit, outcome) for benefit, outcome in decided if outcome.applies is True]
        if any(benefit.amount is not None and outcome.amount is None for benefit, outcome in applying):
            return None
        amounts = [outcome.amount.yuan for _, outcome in applying if outcome.amount is not None]
        return Money(sum(amounts, Decimal(0))) if amounts else None

    def benefit(self, benefit: m.Benefit) -> list[BenefitOutcome]:
        loop = benefit.for_each
        if loop is None:
            return [self.decide(benefit, NO_ENV, None, None)]
        items = self.value(loop.collection, NO_ENV)
        path = self.collection_path(loop.collection, NO_ENV)
        if isinstance(items, Unknown):
            # Decided as far as it can be without the items: a condition that is false even for
            # the stand-in makes it not apply; otherwise undetermined, naming the list too.
            condition = self.condition(benefit, {loop.var: Bound(STAND_IN, path)})
            if condition is False:
                return [BenefitOutcome(benefit.id, False, None, None, None, None, (), ())]
            names = (condition.paths if isinstance(condition, Unknown) else frozenset()) | items.paths
            return [BenefitOutcome(benefit.id, None, None, None, None, None, (), tuple(sorted(names)))]
        assert isinstance(items, tuple)
        if not items:
            return [BenefitOutcome(benefit.id, False, None, None, None, None, (), ())]
        outcomes = []
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            name = item.get("name")
            label = name if isinstance(name, str) and name else item_path
            outcomes.append(self.decide(benefit, {loop.var: Bound(item, item_path)}, label, item_path))
        return outcomes

    def condition(self, benefit: m.Benefit, env: Env) -> object:
        """A benefit's `when` (a reused benefit has its base's and its own: all must hold)."""
        return kleene("and", (self.value(when, env) for when in benefit.when))

    def decide(self, benefit: m.Benefit, env: Env, item: str | None, item_path: str | None) -> BenefitOutcome:
        applies = self.condition(benefit, env)
        if applies is False:
            return BenefitOutcome(benefit.id, False, item, item_path, None, None, (), ())
        if isinstance(applies, Unknown):
            return BenefitOutcome(benefit.id, None, item, item_path, None, None, (), tuple(sorted(applies.paths)))
        if benefit.amount is None:
            return BenefitOutcome(benefit.id, True, item, item_path, None, None, (), ())
        amount, at_most, lacking = self.capped(benefit, env)
        missing = tuple(sorted(name for name in lacking if name in self.policy.parameters))
        return BenefitOutcome(benefit.id, True, item, item_path, amount, at_most, missing, tuple(sorted(lacking)))

    def capped(self, benefit: m.Benefit, env: Env) -> tuple[Money | None, Money | None, set[str]]:
        """(amount, at_most, names that left it open) of `min(amount, cap)` (§10)."""
        assert benefit.amount is not None
        raw = self.value(benefit.amount, env)
        if benefit.cap is None:
            if isinstance(raw, Unknown):
                return None, None, set(raw.paths)
            assert isinstance(raw, Money)
            return raw, None, set()
        cap = self.value(benefit.cap, env)
        if isinstance(raw, Unknown) and isinstance(cap, Unknown):
            return None, None, set(raw.paths | cap.paths)
        if isinstance(cap, Unknown):
            assert isinstance(raw, Money)
            return None, raw, set(cap.paths)
        assert isinstance(cap, Money)
        if isinstance(raw, Unknown):
            return None, cap, set(raw.paths)
        assert isinstance(raw, Money)
        return (raw if raw.yuan <= cap.yuan else cap), None, set()

    def agencies(self, measure: m.Measure) -> tuple[str, ...]:
        """Named agencies and table rows in order, first occurrence kept; an unknown `when` keeps
        the entry as a candidate, an unknown key gives the table's `unknown` row (§14)."""
        names: list[str] = []
        for agency in measure.agencies:
            if agency.when is not None and self.value(agency.when, NO_ENV) is False:
                continue
            if agency.name is not None:
                names.append(agency.name)
                continue
            assert agency.table is not None
            table = self.policy.tables[agency.table]
            key = self.value(table.key, NO_ENV)
            names.extend(table.unknown_row if isinstance(key, Unknown) else table.rows[key])  # type: ignore[index]
        return tuple(dict.fromkeys(names))

    def target(self, target: m.Target) -> TargetOutcome:
        applies = True if target.when is None else truth(self.value(target.when, NO_ENV))
        met = None
        if applies is not False and target.require is not None:
            met = truth(self.value(target.require, NO_ENV))
        return TargetOutcome(target.id, applies, met)

    def outcome(self) -> Outcome:
        measures = tuple(self.measure(measure) for measure in self.policy.measures)
        goals = tuple((goal.id, truth(self.value(goal.count, NO_ENV))) for goal in self.policy.goals)
        return Outcome(self.as_of, window_state(self.policy.header.window, self.as_of, self.params) is not False,
                       measures, goals)


def evaluate(policy: m.Policy, facts: Mapping[str, object], params: Mapping[str, object],
             as_of: datetime.date) -> Outcome:
    """The reference answer for one enterprise: typed facts (`read_profile(...).values`) and
    typed parameters (`PolicySet.read_params`), on one day."""
    return Interpreter(policy, facts, params, as_of).outcome()
