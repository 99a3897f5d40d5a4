"""A policy with many different mistakes gets every one reported, each at its own position."""

from __future__ import annotations

from policydsl.checker.policy import check_path

# Planted by hand in tests/cases/mistakes/bad/ten_mistakes.pol: (line, code) of each mistake.
PLANTED = {
    (3, "PD214"),   # window ends before it starts
    (5, "PD219"),   # import of a file that does not exist
    (15, "PD209"),  # type `integr`
    (18, "PD207"),  # a → b → a
    (20, "PD203"),  # money >= 3%
    (23, "PD201"),  # srdi_levle
    (24, "PD203"),  # money + 5%
    (27, "PD204"),  # measure M1 twice
    (28, "PD210"),  # benefit kind `gift`
    (28, "PD205"),  # little_gaint
    (32, "PD208"),  # amends a parameter that does not exist
    (33, "PD202"),  # `>` on an unordered enum
    (37, "PD203"),  # money >= 100 (no unit)
    (41, "PD101"),  # `and` with nothing after it
}


def test_every_planted_mistake_is_reported_with_its_position() -> None:
    _, diagnostics = check_path("tests/cases/mistakes/bad/ten_mistakes.pol")
    found = {(d.span.line, d.code) for d in diagnostics if d.span is not None}
    assert found == PLANTED
    assert all(d.span is not None for d in diagnostics)
