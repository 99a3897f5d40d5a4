"""The SQL of a policy grows linearly with the depth of its expressions, unknown paths included.

A value's unknown paths are read only where it is NULL; a parent once guarded each operand's paths
with `operand IS NULL`, writing the operand again, so nested operations wrote the innermost ones once
per level above them. Now the paths of an operation unknown exactly when an operand is (arithmetic,
comparisons, min/max, not) are empty wherever it is known, and need no guard (`Val.guarded`); a
long value whose paths do need one (and/or, quantifiers) is computed once, as a column or, in a
loop's body, under a name (`ExpressionCompiler.hoisted`).

Characters of the DuckDB query, one line (pretty in parentheses), at depths 8, 16, 32 and 64:

                      before                                                   after
right nested sum  3,095 (5,483) 8,225 (20,741) 26,209 (106,533) 92,897 (671,333)   1,596 2,402 3,970 7,106 (25,156)
nested max/min    9,293  31,525  117,077  452,533 (4,519,433)                     2,697 4,701 8,709 16,725 (74,927)
and/or            2,324   4,456   11,120   34,048 (897,936)                       2,285 4,417 8,948 17,572 (155,920)
and/or in a loop 13,964  18,644   32,996   81,668 (1,815,174)                    14,036 18,798 27,567 46,758 (755,238)
sum in a loop    19,521  31,711   73,119  223,519 (1,606,611)                    16,922 20,436 27,332 41,124 (213,516)

(The pretty text still grows faster than the depth: it indents each level of the tree.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policydsl.checker.policy import check_path
from policydsl.sql.query import compile_policy
from tests.batch.deep import alternate, condition, when
from tests.batch.helpers import AS_OF

SHAPES: dict[str, Callable[[int], str]] = {
    "right nested sum": lambda n: condition("employees + (" * (n - 1) + "1" + ")" * (n - 1) + " >= 0"),
    "nested max/min": lambda n: condition("".join("max(revenue, " if i % 2 == 0 else "min(revenue, "
                                                  for i in range(n - 1)) + "revenue" + ")" * (n - 1) + " >= 100万元"),
    "and/or": lambda n: condition(alternate(n, "tech and (", "flag or (", "tech")),
    "and/or in a loop": lambda n: when("any p in projects: (" + alternate(n - 1, "p.ok and (", "tech or (", "p.ok")
                                       + ")"),
    "sum in a loop": lambda n: when("all p in projects: (" + "p.investment + (" * (n - 2) + "revenue" + ")" * (n - 2)
                                    + " >= 100万元)"),
}


def size(text: str, folder: Path) -> int:
    folder.mkdir()
    (folder / "p.pol").write_text(text, encoding="utf-8")
    policy, problems = check_path(folder)
    assert policy is not None, [p.message for p in problems]
    return len(compile_policy(policy, {}, AS_OF).sql(pretty=False))


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_doubling_the_depth_at_most_doubles_the_query(shape: str, tmp_path: Path) -> None:
    sizes = [size(SHAPES[shape](depth), tmp_path / str(depth)) for depth in (16, 32, 64)]
    assert sizes[2] < 2.1 * sizes[1] and sizes[1] < 2.1 * sizes[0], sizes


def test_right_nested_sums_at_the_limit_are_small(tmp_path: Path) -> None:
    assert size(SHAPES["right nested sum"](64), tmp_path / "64") < 10_000  # 92,897 before
