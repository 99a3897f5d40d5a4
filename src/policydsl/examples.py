"""Runs the examples written inside .pol files: expected statuses, amounts and unknowns."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import attrs

from policydsl import model as m
from policydsl.api import PolicySet
from policydsl.diagnostics import PolicydslError
from policydsl.result import MeasureResult, Result, explanation_text
from policydsl.values import plain


@attrs.frozen
class Check:
    """One `expect` line, checked."""

    example: str
    measure: str
    location: str
    ok: bool
    expected: str
    actual: str
    explanation: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"{self.location}: {self.example} {self.measure}: {self.actual}"
        return (
            f"{self.location}: example {self.example}, measure {self.measure}\n"
            f"  expected: {self.expected}\n"
            f"  actual:   {self.actual}"
        )


@attrs.frozen
class ExampleRun:
    example: m.Example
    checks: tuple[Check, ...]
    error: str | None = None  # the profile could not be read, or the example could not run

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)


def _location(node: m.Example | m.Expectation) -> str:
    return node.span.location() if node.span is not None else "<example>"


def _range(low: Decimal, high: Decimal) -> str:
    return f"{plain(low)}分" if low == high else f"{plain(low)}分..{plain(high)}分"


def _shown_points(value: object) -> str:
    """A score or subtotal as an expectation writes it: `75分`, `46分..61分`, `open` (unbounded)."""
    if isinstance(value, int | Decimal):
        return _range(Decimal(value), Decimal(value))
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if low is None or high is None:
        ends = ["?" if v is None else f"{plain(Decimal(v))}分" for v in (low, high)]  # type: ignore[arg-type]
        return "open" if low is None and high is None else f"{ends[0]}..{ends[1]}"
    return _range(Decimal(low), Decimal(high))  # type: ignore[arg-type]


def _points_match(value: object, low: Decimal, high: Decimal) -> bool:
    """`score 75分`: known and 75; `score 46分..61分`: its bounds are exactly 46 and 61."""
    if isinstance(value, int | Decimal):
        return low == high == value
    return getattr(value, "low", None) == low and getattr(value, "high", None) == high and low != high


def outcome_differences(expect: m.Expectation, result: MeasureResult) -> list[str]:
    """What the version, score and subtotals of an expectation say that the result does not."""
    out: list[str] = []
    if expect.version is not None and result.version != expect.version:
        out.append(f'version: expected "{expect.version}", got '
                   + (f'"{result.version}"' if result.version else "none (no version in force)"))
    if expect.no_version and result.version is not None:
        out.append(f'version: expected none, got "{result.version}"')
    score = result.score
    if expect.no_score and score is not None:
        out.append(f"score: expected none, got {_shown_points(score.total)}")
    if expect.score is not None:
        if score is None:
            out.append(f"score: expected {_range(*expect.score)}, but the measure has no score here")
        elif not _points_match(score.total, *expect.score):
            out.append(f"score: expected {_range(*expect.score)}, got {_shown_points(score.total)}")
    for group, low, high in expect.subtotals:
        found = next((g for g in score.subtotals if g.name == group), None) if score is not None else None
        if found is None:
            out.append(f"subtotal {group}: expected {_range(low, high)}, but there is no such subtotal here")
        elif not _points_match(found.value, low, high):
            out.append(f"subtotal {group}: expected {_range(low, high)}, got {_shown_points(found.value)}")
    return out


def describe_measure(result: MeasureResult) -> str:
    parts = [result.status]
    if result.version is not None:
        parts.append(f'version "{result.version}"')
    if result.score is not None:
        parts.append(f"score {_shown_points(result.score.total)}")
        parts += [f"subtotal {g.name} {_shown_points(g.value)}" for g in result.score.subtotals]
    parts.append(f"total {result.total}" if result.total is not None else "total none")
    if result.at_most is not None:
        parts.append(f"at most {result.at_most}")
    parts.append("unknowns " + (", ".join(f'"{u}"' for u in result.unknowns) or "none"))
    return " ".join(parts)


def expected_text(expect: m.Expectation) -> str:
    """An `expect` line as text, for failure messages: `eligible total 320万元 unknowns none`."""
    parts = [expect.status]
    if expect.total is not None:
        parts.append(f"total {expect.total}")
    elif expect.no_total:
        parts.append("total none")
    if expect.at_most is not None:
        parts.append(f"at most {expect.at_most}")
    if expect.version is not None:
        parts.append(f'version "{expect.version}"')
    elif expect.no_version:
        parts.append("version none")
    if expect.score is not None:
        parts.append(f"score {_range(*expect.score)}")
    elif expect.no_score:
        parts.append("score none")
    parts += [f"subtotal {group} {_range(low, high)}" for group, low, high in expect.subtotals]
    if expect.unknowns is not None:
        parts.append("unknowns " + (", ".join(f'"{u}"' for u in expect.unknowns) or "none"))
    return " ".join(parts)


def check_expect(expect: m.Expectation, result: MeasureResult) -> bool:
    if result.status != expect.status:
        return False
    if expect.total is not None and result.total != expect.total:
        return False
    if expect.no_total and result.total is not None:
        return False
    if expect.at_most is not None and (result.total is not None or result.at_most != expect.at_most):
        return False
    if outcome_differences(expect, result):
        return False
    return expect.unknowns is None or set(expect.unknowns) == set(result.unknowns)


def run_example(policies: PolicySet, example: m.Example) -> ExampleRun:
    try:
        result: Result = policies.evaluate(example.profile_path, as_of=example.as_of, params=dict(example.params))
    except PolicydslError as error:
        return ExampleRun(example, (), f"{_location(example)}: example {example.id}: {error.render()}")
    checks = []
    for expect in example.expects:
        measure = result[expect.measure]
        ok = check_expect(expect, measure)
        checks.append(Check(
            example.id, expect.measure, _location(expect), ok, expected_text(expect), describe_measure(measure),
            "" if ok else explanation_text(measure.explanation),
        ))
    return ExampleRun(example, tuple(checks))


def run_examples(policies: PolicySet) -> Iterator[ExampleRun]:
    for example in policies.policy.examples:
        yield run_example(policies, example)
