"""Runs the examples written inside .pol files: expected statuses, amounts and unknowns."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from policydsl import model as m
from policydsl.api import PolicySet
from policydsl.diagnostics import PolicydslError
from policydsl.result import MeasureResult, Result, explanation_text


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


def describe_measure(result: MeasureResult) -> str:
    parts = [result.status]
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
