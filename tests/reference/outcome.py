"""What the reference interpreter answers: small frozen records, one per measure and benefit result."""

from __future__ import annotations

import datetime

import attrs

from policydsl.values import Money


@attrs.frozen
class BenefitOutcome:
    """One benefit result: the benefit, or one item of a `for each` benefit."""

    id: str
    applies: bool | None
    item: str | None  # the item's name, or its path when it has no name; None for a plain benefit
    item_path: str | None
    amount: Money | None
    at_most: Money | None
    missing_params: tuple[str, ...]
    unknowns: tuple[str, ...]  # sorted


@attrs.frozen
class TargetOutcome:
    id: str
    applies: bool | None
    met: bool | None


@attrs.frozen
class MeasureOutcome:
    id: str
    status: str
    agencies: tuple[str, ...]
    benefits: tuple[BenefitOutcome, ...]
    total: Money | None
    unknowns: tuple[str, ...]  # sorted
    targets: tuple[TargetOutcome, ...]
    version: str | None = None  # the dated version applied (§22)
    score: object = None  # a scored measure's total: a Decimal, or an Unknown with its bounds (§21)
    subtotals: tuple[tuple[str, object], ...] = ()  # (group, subtotal)


@attrs.frozen
class Outcome:
    """Every measure of the root policy, in document order, and each goal's truth for the enterprise."""

    as_of: datetime.date
    in_force: bool
    measures: tuple[MeasureOutcome, ...]
    goals: tuple[tuple[str, bool | None], ...]

    def measure(self, measure_id: str) -> MeasureOutcome:
        return next(measure for measure in self.measures if measure.id == measure_id)
