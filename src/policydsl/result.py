"""Evaluation results and explanation trees: frozen data, the JSON document, its schema."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, NamedTuple, Protocol

import attrs

from policydsl.values import Money, plain


# Read and Node are immutable records like the other results, but NamedTuples: a full set of
# explanations holds hundreds of them, and a tuple is built three times faster than a frozen attrs
# instance (explanations are on the per-keystroke path of a form that shows why).
class Read(NamedTuple):
    """A fact or parameter an explanation node read, with its value as shown to a person."""

    path: str
    label: str | None
    value: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "label": self.label, "value": self.value}
        if self.note:
            out["note"] = self.note
        return out


class Node(NamedTuple):
    """One clause of an explanation: what it says, its value, what it read, its parts."""

    kind: str
    label: str
    value: str | None = None
    text: str | None = None  # the clause as written in the .pol file
    reads: tuple[Read, ...] = ()
    children: tuple[Node, ...] = ()
    quotes: tuple[str, ...] = ()  # the source sentences this clause encodes
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "label": self.label, "value": self.value}
        if self.text is not None:
            out["text"] = self.text
        if self.reads:
            out["reads"] = [r.to_dict() for r in self.reads]
        if self.quotes:
            out["quotes"] = list(self.quotes)
        if self.note:
            out["note"] = self.note
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def money_dict(value: Money | None) -> dict[str, str] | None:
    return value.to_dict() if value is not None else None


# Not slotted, for the reason given at MeasureResult: `benefit_result` builds it faster.
@attrs.frozen(slots=False)
class BenefitResult:
    """One benefit of a measure (one entry per item for `for each` benefits).

    `applies` is True, False or None (unknown); `amount` is None when it has no money amount or a
    missing parameter leaves it open, then `at_most` bounds it and `missing_params` names them.
    """

    id: str
    kind: str
    label: str
    applies: bool | None
    item: str | None = None
    item_path: str | None = None
    amount: Money | None = None
    at_most: Money | None = None
    missing_params: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "applies": self.applies,
            "item": self.item,
            "amount": money_dict(self.amount),
            "at_most": money_dict(self.at_most),
            "missing_params": list(self.missing_params),
        }
        if self.item_path is not None:
            out["item_path"] = self.item_path
        if self.reference is not None:
            out["reference"] = self.reference
        return out


@attrs.frozen
class TargetResult:
    """A target of a measure (reported, never deciding eligibility): whether it applies and is met."""

    id: str
    label: str
    applies: bool | None
    met: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "applies": self.applies, "met": self.met}


def _points(value: object) -> dict[str, Any]:
    """`{"score": "30"}` when known; `{"score": null, "score_min": …, "score_max": …}` when open
    (a bound is null where nothing bounds it)."""
    if isinstance(value, int | Decimal):
        return {"score": plain(Decimal(value))}
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    return {"score": None, "score_min": None if low is None else plain(Decimal(low)),  # type: ignore[arg-type]
            "score_max": None if high is None else plain(Decimal(high))}  # type: ignore[arg-type]


def show_points(value: object) -> str:
    """A score as an explanation shows it: `75分`, `[46分, 61分]`, `unknown`."""
    if isinstance(value, int | Decimal):
        return f"{plain(Decimal(value))}分"
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if low is None and high is None:
        return "unknown"
    shown = [("…" if v is None else f"{plain(Decimal(v))}分") for v in (low, high)]  # type: ignore[arg-type]
    return f"[{shown[0]}, {shown[1]}]"


@attrs.frozen
class SubtotalResult:
    """One group of a score: its subtotal (a Decimal, or an Unknown with bounds) and its floor."""

    name: str
    label: str
    value: object
    floor: Decimal | None
    floor_met: bool | None


@attrs.frozen
class ScoreResult:
    """A measure's score: the total (a Decimal, or an Unknown with bounds), the groups' subtotals,
    the unknowns that keep any of them open, and each indicator's value (name, label, group, value)."""

    label: str
    total: object
    subtotals: tuple[SubtotalResult, ...]
    unknowns: tuple[str, ...]
    indicators: tuple[tuple[str, str, str | None, object], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = _points(self.total)
        if self.subtotals:
            out["subtotals"] = {g.name: _points(g.value) for g in self.subtotals}
        return out


# Not slotted: a frozen attrs instance sets each field through object.__setattr__ (~1 µs for ten
# fields), and the compiled engine builds one per measure read; `measure_result` below fills the
# instance's __dict__ directly in a third of that (a test holds it equal to the attrs __init__).
@attrs.frozen(slots=False)
class MeasureResult:
    """The outcome of one measure: status, agencies, benefits, total, and the unknowns it depends on.

    >>> result["M2"].status, result["M2"].total
    ('eligible', Money(yuan=Decimal('3200000')))
    >>> result["M2"].explanation      # built on demand
    """

    id: str
    title: str
    status: str
    agencies: tuple[str, ...]
    benefits: tuple[BenefitResult, ...]
    total: Money | None
    unknowns: tuple[str, ...]
    targets: tuple[TargetResult, ...] = ()
    directives: tuple[str, ...] = ()
    version: str | None = None  # the dated version applied; None when not in force or unversioned
    score: ScoreResult | None = None  # scored measures (the version in force has a score)
    versioned: bool = False  # a measure given in versions: `version` is always in the JSON
    # Built on demand: the explanation tree is not computed on the hot path.
    _explain: Callable[[], Node] | None = attrs.field(default=None, eq=False, repr=False, alias="explainer")

    @property
    def at_most(self) -> Money | None:
        """The sum of the bounds of the applying benefits whose amount a missing parameter leaves open."""
        bounds = [b.at_most for b in self.benefits if b.applies is True and b.at_most is not None]
        return Money(sum((b.yuan for b in bounds), Decimal(0))) if bounds else None

    @property
    def explanation(self) -> Node:
        if self._explain is None:
            raise ValueError(f"no explanation available for {self.id}")
        return self._explain()

    def to_dict(self, explanation: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "agencies": list(self.agencies),
            "benefits": [b.to_dict() for b in self.benefits],
            "total": money_dict(self.total),
            "unknowns": list(self.unknowns),
        }
        if self.versioned:
            out["version"] = self.version
        if self.score is not None:
            out.update(self.score.to_dict())
        if self.targets:
            out["targets"] = [t.to_dict() for t in self.targets]
        if self.directives:
            out["directives"] = list(self.directives)
        if explanation:
            out["explanation"] = self.explanation.to_dict()
        return out


_new = object.__new__


def benefit_result(id: str, kind: str, label: str, applies: bool | None, item: str | None, item_path: str | None,
                   amount: Money | None, at_most: Money | None, missing_params: tuple[str, ...],
                   unknowns: tuple[str, ...], reference: str | None) -> BenefitResult:
    """`BenefitResult(...)` with every field given, without attrs' per-field frozen setattr."""
    result = _new(BenefitResult)
    fields = result.__dict__
    fields["id"] = id
    fields["kind"] = kind
    fields["label"] = label
    fields["applies"] = applies
    fields["item"] = item
    fields["item_path"] = item_path
    fields["amount"] = amount
    fields["at_most"] = at_most
    fields["missing_params"] = missing_params
    fields["unknowns"] = unknowns
    fields["reference"] = reference
    return result


def measure_result(id: str, title: str, status: str, agencies: tuple[str, ...], benefits: tuple[BenefitResult, ...],
                   total: Money | None, unknowns: tuple[str, ...], targets: tuple[TargetResult, ...],
                   directives: tuple[str, ...], explainer: Callable[[], Node] | None, version: str | None = None,
                   score: ScoreResult | None = None, versioned: bool = False) -> MeasureResult:
    """`MeasureResult(...)` with every field given, without attrs' per-field frozen setattr."""
    result = _new(MeasureResult)
    fields = result.__dict__
    fields["id"] = id
    fields["title"] = title
    fields["status"] = status
    fields["agencies"] = agencies
    fields["benefits"] = benefits
    fields["total"] = total
    fields["unknowns"] = unknowns
    fields["targets"] = targets
    fields["directives"] = directives
    fields["version"] = version
    fields["score"] = score
    fields["versioned"] = versioned
    fields["_explain"] = explainer
    return result


class MeasureRows(Protocol):
    """Measure results kept compact by an engine and turned into `MeasureResult`s when read."""

    def all(self) -> tuple[MeasureResult, ...]: ...

    def get(self, measure_id: str) -> MeasureResult: ...  # raises KeyError


@attrs.frozen(eq=False)
class Result:
    """The outcome of applying a policy to one enterprise on one day.

    `measures` may be given as a tuple or as `MeasureRows`, which the compiled engine uses so that
    the hot path builds no result object nobody reads; equality compares the measures either way.

    >>> result = policydsl.load("policies/sanmenxia").evaluate(profile, as_of=date(2024, 6, 1))
    >>> result["M2"].status
    'eligible'
    """

    policy: str
    as_of: datetime.date
    _measures: tuple[MeasureResult, ...] | MeasureRows = attrs.field(alias="measures")
    in_force: bool = True
    warnings: tuple[str, ...] = ()
    goals: tuple[tuple[str, bool | None], ...] = ()

    @property
    def measures(self) -> tuple[MeasureResult, ...]:
        measures = self._measures
        return measures if isinstance(measures, tuple) else measures.all()

    def _key(self) -> tuple[object, ...]:
        return (self.policy, self.as_of, self.measures, self.in_force, self.warnings, self.goals)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __getitem__(self, measure_id: str) -> MeasureResult:
        measures = self._measures
        if not isinstance(measures, tuple):
            return measures.get(measure_id)
        for measure in measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def __iter__(self) -> Iterator[MeasureResult]:
        return iter(self.measures)

    def to_dict(self, explanation: bool = True) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "as_of": self.as_of.isoformat(),
            "measures": [m.to_dict(explanation) for m in self.measures],
        }

    def to_json(self, explanation: bool = True, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(explanation), ensure_ascii=False, indent=indent)

    def explain(self, measure_id: str) -> str:
        """The explanation of one measure as indented plain text."""
        return explanation_text(self[measure_id].explanation)


@cache
def result_schema() -> dict[str, Any]:
    """The JSON Schema every `Result.to_dict()` validates against (shipped in the package)."""
    text = resources.files("policydsl").joinpath("result.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def show_decimal(value: Decimal) -> str:
    return plain(value)


def _mark(value: str | None) -> str:
    if value is None:
        return "•"
    head = value.split(",")[0]
    return {"true": "✓", "false": "✗", "unknown": "?", "eligible": "✓", "not_eligible": "✗",
            "undetermined": "?"}.get(head, "•")


def explanation_lines(node: Node, depth: int = 0) -> list[str]:
    """The explanation tree as indented lines: value marks, clause text, facts read, quotes."""
    pad = "  " * depth
    value = f" = {node.value}" if node.value is not None else ""
    lines = [f"{pad}{_mark(node.value)} {node.label}{value}"]
    inner = pad + "    "
    if node.text:
        lines.append(f"{inner}where {node.text}")
    for read in node.reads:
        label = f" ({read.label})" if read.label else ""
        note = f"  [{read.note}]" if read.note else ""
        lines.append(f"{inner}· {read.path}{label} = {read.value}{note}")
    if node.note:
        lines.append(f"{inner}note: {node.note}")
    for quote in node.quotes:
        lines.append(f"{inner}「{quote}」")
    for child in node.children:
        lines.extend(explanation_lines(child, depth + 1))
    return lines


def explanation_text(node: Node) -> str:
    return "\n".join(explanation_lines(node))
