"""Limits of policy text: at the limit everything works, one past it is refused with a position.

MAX_EXPRESSION_DEPTH bounds the operations nested in one expression (PD117, on the parse tree,
before any recursive pass), MAX_EXPANDED_DEPTH the same with the definitions it names written out,
each name counting one: what the evaluators walk (PD233). An expression exactly at the limit must check, evaluate, explain, format and compile
to SQL under the default recursion limit; the passes are run here from inside pytest and
Hypothesis, whose own frames only make the stack deeper than on the command line.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl.checker.policy import check_path
from policydsl.cli import main
from policydsl.syntax import ast
from policydsl.syntax.format import format_text
from policydsl.syntax.parse import MAX_EXPANDED_DEPTH, MAX_EXPRESSION_DEPTH, MAX_SOURCE_CHARS, parse_text

LIMIT = MAX_EXPRESSION_DEPTH
HEAD = """policy t.limits { title "界限" }
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact tech "科技型" : bool
  fact employees "从业人员" : integer >= 0
}
"""
PROFILE = {"revenue": 100, "tech": True, "employees": 12}


def test_the_limits_are_as_documented() -> None:
    assert MAX_EXPRESSION_DEPTH == 64
    assert MAX_EXPANDED_DEPTH == 100
    assert MAX_SOURCE_CHARS == 5_000_000
    assert sys.getrecursionlimit() == 1000  # the default: nothing raises it


# ---- expressions of a given depth, one per shape of nesting ------------------------------------------

# Each builds a boolean condition of exactly `n` nested operations (the comparison or test included).
SHAPES: dict[str, Callable[[int], str]] = {
    "and chain": lambda n: " and ".join(["tech"] * n + ["tech"]),
    "or chain": lambda n: " or ".join(["tech"] * n + ["tech"]),
    "not chain": lambda n: "not " * n + "tech",
    "sum": lambda n: "revenue" + " + 1万元" * (n - 1) + " >= 0万元",
    "product": lambda n: "employees" + " * 1" * (n - 1) + " >= 0",
    "negation": lambda n: "-" * (n - 1) + "employees != 3",
    "right nested": lambda n: "employees + (" * (n - 1) + "1" + ")" * (n - 1) + " >= 0",
    "calls": lambda n: "max(" * (n - 1) + "employees" + ", 1)" * (n - 1) + " >= 0",
}


def _policy(condition: str) -> str:
    return HEAD + f'measure M1 "一" {{\n  agencies "甲局"\n  condition c = {condition}\n' \
        '  benefit service s "服务" { when c }\n}\n'


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_one_past_the_limit_is_refused_where_the_expression_starts(shape: str) -> None:
    text = _policy(SHAPES[shape](LIMIT + 1))
    module, problems = parse_text(text)
    assert [p.code for p in problems] == ["PD117"], [p.message for p in problems]
    span = problems[0].span
    assert span is not None and (span.line, span.column) == (9, 17)
    assert f"nests {LIMIT + 1} operations" in problems[0].message and f"limit is {LIMIT}" in problems[0].message
    # the measure is refused, the header and entity are kept
    assert [type(item) for item in module.items] == [ast.PolicyHeader, ast.EntityDecl]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_at_the_limit_every_pass_works(shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _policy(SHAPES[shape](LIMIT))
    (tmp_path / "p.pol").write_text(text, encoding="utf-8")
    profile = tmp_path / "firm.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    assert parse_text(text)[1] == []
    assert format_text(text) == format_text(format_text(text))
    assert main(["check", str(tmp_path)]) == 0
    assert main(["eval", str(tmp_path), str(profile), "--as-of", "2024-06-01"]) == 0
    assert main(["explain", str(tmp_path), str(profile), "M1", "--as-of", "2024-06-01"]) == 0
    assert main(["eval", str(tmp_path), str(profile), "--as-of", "2024-06-01", "--format", "json"]) == 0
    # PD406 (exit 2) where the product may pass DECIMAL(38): refused, not crashed (64 nested calls
    # included: sql_dialects.write writes a deep tree without sqlglot's recursion)
    assert main(["sql", str(tmp_path), "--as-of", "2024-06-01"]) in (0, 2)
    out = capsys.readouterr()
    assert "internal error" not in out.err and ("error[" not in out.err or "[PD406]" in out.err), out.err


def test_a_long_sum_of_money_compiles_to_sql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.pol").write_text(_policy(SHAPES["sum"](LIMIT)), encoding="utf-8")
    assert main(["sql", str(tmp_path), "--as-of", "2024-06-01"]) == 0


def test_nested_calls_compile_to_sql_of_linear_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.pol").write_text(_policy(SHAPES["calls"](10)), encoding="utf-8")
    assert main(["sql", str(tmp_path), "--as-of", "2024-06-01"]) == 0
    assert len(capsys.readouterr().out) < 50_000


# ---- definitions: the depth with the names written out -----------------------------------------------


def _chain(levels: int) -> str:
    """d0 = not tech, d1 = not d0, …: each level adds an operation and a name, two in all."""
    lines = ['define d0 "第0层" = not tech'] + [f'define d{i} "第{i}层" = not d{i - 1}' for i in range(1, levels)]
    return HEAD + "\n".join(lines) + f'\nmeasure M1 "一" {{\n  agencies "甲局"\n  benefit service s "服务" {{ when d{levels - 1} }}\n}}\n'


def test_a_chain_of_definitions_at_the_limit_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # d_k nests 2k + 1 operations written out; d49 is 99, and `when d49` names it: 100.
    (tmp_path / "p.pol").write_text(_chain(50), encoding="utf-8")
    profile = tmp_path / "firm.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    assert main(["eval", str(tmp_path), str(profile), "--as-of", "2024-06-01"]) == 0
    assert main(["explain", str(tmp_path), str(profile), "M1", "--as-of", "2024-06-01"]) == 0
    assert main(["sql", str(tmp_path), "--as-of", "2024-06-01"]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_one_level_more_is_refused_at_the_use(tmp_path: Path) -> None:
    (tmp_path / "p.pol").write_text(_chain(51), encoding="utf-8")
    policy, problems = check_path(tmp_path)
    assert policy is None
    assert [(p.code, p.span.line if p.span else None) for p in problems] == [("PD233", 57)]
    assert problems[0].message.startswith("definition 'd50' nests 101 operations")


def test_the_deepest_definition_is_reported_once_not_each_use(tmp_path: Path) -> None:
    (tmp_path / "p.pol").write_text(_chain(2_000), encoding="utf-8")
    _, problems = check_path(tmp_path)
    assert [p.code for p in problems] == ["PD233"]
    assert "definition 'd50'" in problems[0].message


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_many_definitions_in_any_order_check_without_recursion(order: str, tmp_path: Path) -> None:
    lines = [f'define d{i} "d" = revenue + {i}万元' for i in range(20_000)]
    lines.append('define total "合计" = d0 + d1 + d19999')
    if order == "reversed":
        lines.reverse()
    text = HEAD + "\n".join(lines) + '\nmeasure M1 "一" {\n  benefit grant g "资金" { when tech amount total }\n}\n'
    (tmp_path / "p.pol").write_text(text, encoding="utf-8")
    policy, problems = check_path(tmp_path)
    assert problems == [] and policy is not None


def test_a_long_cycle_of_definitions_is_reported_briefly(tmp_path: Path) -> None:
    n = 5_000
    lines = [f'define d{i} "d" = not d{(i + 1) % n}' for i in range(n)]
    (tmp_path / "p.pol").write_text(HEAD + "\n".join(lines) + "\n", encoding="utf-8")
    _, problems = check_path(tmp_path)
    assert [p.code for p in problems] == ["PD207"]
    assert problems[0].message == "definition cycle: d0 → d1 → d2 → d3 → d4 → … → d4996 → d4997 → d4998 → " \
        "d4999 → d0 (5,000 definitions)"


# ---- a property: random chains up to and just past the limit never raise -------------------------------

def _chain_depth(operations: list[str], negations: int) -> int:
    """The depth the parser must find, by precedence: a left-nested sum of left-nested products."""
    done: int | None = None  # depth of the sum before the current product
    product = negations  # the first term is `revenue` under its negations
    for operation in operations:
        if operation.lstrip()[0] in "*/":
            product += 1
        else:
            done = product if done is None else 1 + max(done, product)
            product = 0
    return product if done is None else 1 + max(done, product)


OPERATIONS = st.sampled_from([" + 1万元", " - 1万元", " * 2", " / 2", " * 50%"])


@settings(max_examples=40)
@given(st.lists(OPERATIONS, min_size=LIMIT - 4, max_size=LIMIT + 4), st.integers(0, 3))
def test_random_chains_near_the_limit_never_raise(operations: list[str], negations: int) -> None:
    expression = "-" * negations + "revenue" + "".join(operations) + " >= 0万元"
    depth = 1 + _chain_depth(operations, negations)  # the comparison above the chain
    text = _policy(expression)
    _, problems = parse_text(text)
    if depth > LIMIT:
        assert [p.code for p in problems] == ["PD117"]
        return
    assert problems == []
    assert parse_text(format_text(text))[1] == []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "p.pol").write_text(text, encoding="utf-8")
        policy, diagnostics = check_path(folder)
    assert policy is not None, [d.message for d in diagnostics]
