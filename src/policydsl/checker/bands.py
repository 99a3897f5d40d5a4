"""The rows of a band checked as intervals over the subject's declared range: gaps (a value no row
covers), overlaps (a value two rows cover), empty and unreachable rows, each reported with a value
that shows it. Edges are compared as numbers (money in 万元); an integer subject's rows are read as
the whole numbers they hold, so `[0, 2)` and `[2, 4]` meet."""

from __future__ import annotations

import math
from decimal import Decimal

import attrs

from policydsl.values import Money, plain


@attrs.frozen
class Row:
    low: Decimal | None  # None: unbounded
    low_closed: bool
    high: Decimal | None
    high_closed: bool
    text: str  # as written, for messages
    index: int


@attrs.frozen
class Problem:
    code: str
    row: int  # the row it is reported at
    message: str
    hint: str


def number(value: object) -> Decimal:
    return value.in_unit() if isinstance(value, Money) else Decimal(value)  # type: ignore[arg-type]


def shown(value: Decimal | None, kind: str) -> str:
    if value is None:
        return ""
    if kind == "ratio":
        return f"{plain(value * 100)}%"
    if kind == "money":
        return f"{plain(value)}万元"
    if kind == "points":
        return f"{plain(value)}分"
    return plain(value)


def _whole(row: Row) -> Row:
    """An integer subject's row as the closed range of whole numbers it holds."""
    low = row.low if row.low is None else Decimal(math.ceil(row.low) if row.low_closed else math.floor(row.low) + 1)
    high = row.high if row.high is None else Decimal(math.floor(row.high) if row.high_closed
                                                     else math.ceil(row.high) - 1)
    return attrs.evolve(row, low=low, low_closed=low is not None, high=high, high_closed=high is not None)


def problems(rows: list[Row], kind: str, minimum: Decimal | None, maximum: Decimal | None,
             subject: str) -> list[Problem]:
    """The gaps, overlaps, empty and unreachable rows of a band over [minimum, maximum]."""
    discrete = kind == "integer"
    found: list[Problem] = []
    live: list[Row] = []
    declared = f"{subject} is declared " + (f"{shown(minimum, kind)}..{shown(maximum, kind)}"
                                            if minimum is not None and maximum is not None
                                            else f">= {shown(minimum, kind)}" if minimum is not None
                                            else f"<= {shown(maximum, kind)}" if maximum is not None else "")
    for row in rows:
        held = _whole(row) if discrete else row
        if held.low is not None and held.high is not None and (
                held.low > held.high or (held.low == held.high and not (held.low_closed and held.high_closed))):
            found.append(Problem("PD147", row.index, f"the row {row.text} holds no value", "write the smaller edge "
                                 "first, and include an edge where both are the same: [3%, 3%]"))
            continue
        below = minimum is not None and held.high is not None and (
            held.high < minimum or (held.high == minimum and not held.high_closed))
        above = maximum is not None and held.low is not None and (
            held.low > maximum or (held.low == maximum and not held.low_closed))
        if below or above:
            witness = held.high if below else held.low
            assert witness is not None
            found.append(Problem("PD145", row.index, f"the row {row.text} is never reached: {declared}, so no value "
                                 f"such as {shown(witness, kind)} (in the row) can occur",
                                 "remove the row, or correct its edges or the declared range"))
            continue
        live.append(held)
    live.sort(key=lambda r: (r.low is not None, r.low or 0, not r.low_closed))
    # Everything below `reach` is covered (or outside the range); `reach` itself iff `included`.
    # Before the first row with no minimum, nothing is covered: `reach` is None.
    reach: Decimal | None = minimum
    included = False
    endless = False
    before = ""  # the row that covers up to `reach`
    for position, row in enumerate(live):
        if reach is None:
            if row.low is not None:  # values below the first row, and no minimum
                found.append(_gap(row, row.low - 1 if row.low_closed else row.low, kind))
        elif row.low is None or row.low < reach or (row.low == reach and included and row.low_closed):
            witness = None if position == 0 else _overlap_witness(row, reach, included, discrete)
            if witness is not None:
                found.append(Problem("PD144", row.index, f"{shown(witness, kind)} is in two rows: {before} and "
                                     f"{row.text}", "make the rows meet without overlapping: [3%, 5%) then [5%, ..)"))
        elif discrete:
            gap = reach + 1 if included else reach
            if gap < row.low:
                found.append(_gap(row, gap, kind, before))
        elif row.low > reach or not (included or row.low_closed):
            witness = reach if not included else row.low if not row.low_closed else (reach + row.low) / 2
            found.append(_gap(row, witness, kind, before))
        if row.high is None:
            endless = True
            break
        if reach is None or row.high > reach or (row.high == reach and row.high_closed):
            reach, included, before = row.high, row.high_closed, row.text
    if live and not endless and reach is not None and not (
            maximum is not None and (reach > maximum or (reach == maximum and included))):
        witness = reach + 1 if included and (discrete or maximum is None) else maximum if included else reach
        found.append(Problem("PD143", live[-1].index, f"{shown(witness, kind)} is in no row: the rows end at "  # type: ignore[arg-type]
                             f"{shown(reach, kind)}", f"add a row for the values above: "
                             f"{'(' if included else '['}{shown(reach, kind)}, ..)"))
    return found


def _gap(row: Row, witness: Decimal, kind: str, before: str = "") -> Problem:
    after = f" between {before} and {row.text}" if before else f" (the first row, {row.text}, starts above it)"
    return Problem("PD143", row.index, f"{shown(witness, kind)} is in no row{after}",
                   "make each row start where the one before ends, with one bracket including the edge: "
                   "[3%, 5%) then [5%, ..)")


def _overlap_witness(row: Row, reach: Decimal, included: bool, discrete: bool) -> Decimal | None:
    """A value `row` covers that the rows before it cover too (below `reach`, or `reach` if included)."""
    if row.low is not None and row.low_closed and (row.low < reach or (row.low == reach and included)):
        return row.low
    low = row.low
    top = reach if row.high is None else min(reach, row.high)
    if low is None:
        return top - 1 if discrete or not included else top
    if low < top:
        return (low + top) / 2
    return reach if included and low == reach and row.low_closed else None
