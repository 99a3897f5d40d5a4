"""Policy text as files really hold it: CRLF, tabs, a BOM, NUL bytes, bad UTF-8, very long lines.

Positions are 1-based lines and columns in characters: only "\\n" ends a line (a "\\r" before it
is part of the line end), a tab is one column, as is a Chinese character (docs/errors.md).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from policydsl.checker.loader import read_source
from policydsl.checker.policy import check_path
from policydsl.cli import main
from policydsl.diagnostics import MAX_EXCERPT, Diagnostic, display_width, render
from policydsl.syntax.parse import parse_text

HEAD = 'policy t.text { title "文本" }\nentity enterprise "企业" { fact revenue "营业收入" : money >= 0 }\n'


def _only(text: str) -> Diagnostic:
    _, problems = parse_text(text)
    assert len(problems) == 1, [p.message for p in problems]
    return problems[0]


def _at(problem: Diagnostic) -> tuple[str, int, int]:
    assert problem.span is not None
    return problem.code, problem.span.line, problem.span.column


def test_crlf_line_ends_keep_lines_and_columns() -> None:
    problem = _only("define a = 1\r\ndefine b = x == y\r\ndefine c = 2\r\n")
    assert _at(problem) == ("PD104", 2, 14)
    shown = render(problem).splitlines()
    assert shown[1] == "   2 | define b = x == y"  # no "\r" printed
    assert shown[2] == "     |              ^^"


def test_crlf_at_the_end_of_an_incomplete_declaration() -> None:
    problem = _only("define a = 1\r\ndefine b = (x\r\n")
    assert _at(problem) == ("PD101", 2, 13)


def test_a_tab_is_one_column_and_shown_as_one_space() -> None:
    problem = _only("define a =\t\tx == y\n")
    assert _at(problem) == ("PD104", 1, 15)
    line, caret = render(problem).splitlines()[1:3]
    assert line == "   1 | define a =  x == y"
    assert caret.index("^") == line.index("==")


def test_tabs_and_chinese_before_a_caret(tmp_path: Path) -> None:
    (tmp_path / "p.pol").write_text(HEAD + 'define 甲\t"标签" =\tx\n', encoding="utf-8")
    _, problems = check_path(tmp_path)
    assert [_at(p) for p in problems] == [("PD201", 3, 17)]
    caret = render(problems[0]).splitlines()[2]
    # the gutter, `define `, 甲 (two cells), the tab (one), `"标签"` (six), ` =`, the tab
    assert caret.index("^") == 7 + 7 + 2 + 1 + 6 + 2 + 1


def test_a_bom_is_dropped_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "p.pol"
    path.write_bytes(b"\xef\xbb\xbf" + b"define a = x == y\n")
    source, problem = read_source(path)
    assert problem is None and source is not None and not source.text.startswith("\ufeff")
    _, problems = check_path(path)
    assert [_at(p) for p in problems] == [("PD104", 1, 14)]


def test_a_nul_byte_is_reported_and_shown_as_a_picture() -> None:
    problem = _only("define a = x\x00\ndefine b = 1\n")
    assert _at(problem) == ("PD102", 1, 13)
    text = render(problem)
    assert "\x00" not in text and "define a = x␀" in text


def test_invalid_utf8_in_the_middle_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.pol"
    path.write_bytes(HEAD.encode() + b'define a "\xc8\xfd" = 1\n' + b"define b = 2\n")
    _, problems = check_path(path)
    assert [_at(p) for p in problems] == [("PD114", 3, 11)]
    assert "byte 0xc8" in problems[0].message


def test_an_unterminated_string_at_the_end_of_the_file() -> None:
    problem = _only('define a = "abc')
    assert _at(problem) == ("PD103", 1, 12)
    assert problem.span is not None and problem.span.text == '"abc'


def test_a_megabyte_line_is_shown_cut_around_the_caret(tmp_path: Path) -> None:
    quote = "长" * 1_000_000
    text = HEAD + f'measure M1 "一" {{ quote "{quote}" benefit service s "服务" {{ when x }} }}\n'
    (tmp_path / "p.pol").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    _, problems = check_path(tmp_path)
    assert time.perf_counter() - started < 10
    assert [_at(p) for p in problems] == [("PD201", 3, 1_000_057)]
    line, caret = render(problems[0]).splitlines()[1:3]
    assert line.startswith("   3 | …") and line.endswith("}")
    assert len(line) < MAX_EXCERPT + 20
    assert caret.index("^") == display_width(line[: line.index(" x }") + 1]) and caret.endswith("^")


def test_a_long_line_cut_on_both_sides() -> None:
    problem = _only("define a = " + "x + " * 100 + "y == z" + " + w" * 100 + "\n")
    line, caret = render(problem).splitlines()[1:3]
    assert line.startswith("   1 | …") and line.endswith("…")
    assert line[caret.index("^"):].startswith("==")


@pytest.mark.parametrize(("number", "code"), [
    ("1" + "0" * 1000, "PD118"),  # a 1001-digit integer
    ("150.0000000000000000000000000001万元", "PD118"),  # 31 significant digits: would round
    ("1000000000000000000001万元", "PD118"),  # above 10^18 万元
    ("99999999999999999999999%", "PD118"),
    ("150.000000000000000000000000000000万元", None),  # trailing zeros change nothing
    ("9223372036854775807", None),  # 2**63 − 1
    ("9223372036854775808", "PD118"),
])
def test_huge_and_over_precise_numbers(number: str, code: str | None) -> None:
    _, problems = parse_text(f"define a = {number}\n")
    assert [p.code for p in problems] == ([code] if code else [])
    if code:
        assert problems[0].span is not None and problems[0].span.column == 12
        assert len(problems[0].message) < 120


def test_an_exponent_is_not_a_number(tmp_path: Path) -> None:
    # `1e400万元` is read as a name (names may start with digits, like `5g`): positioned, not rounded.
    (tmp_path / "p.pol").write_text(HEAD + "define a = revenue >= 1e400万元\n", encoding="utf-8")
    _, problems = check_path(tmp_path)
    assert [_at(p) for p in problems] == [("PD201", 3, 23)]


def test_a_file_over_the_size_limit_is_refused_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.pol").write_text(HEAD + 'define a "' + "x" * 6_000_000 + '" = 1\n', encoding="utf-8")
    started = time.perf_counter()
    assert main(["check", str(tmp_path)]) == 1
    assert time.perf_counter() - started < 5
    out = capsys.readouterr().out
    assert "error[PD119]" in out and len(out) < 2_000
