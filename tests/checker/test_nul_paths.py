"""A NUL character inside a path string (found by the atheris harness) is a positioned diagnostic,
not a ValueError from the file system layer."""

from __future__ import annotations

from pathlib import Path

import pytest

import policydsl
from policydsl.diagnostics import PolicyError

HEADER = 'policy p {{ title "p"{source} }}\n'
BODY = '''entity enterprise "企业" { fact big "大" : bool }
measure M1 "m" { agencies "a" benefit service s "s" { when big } }
'''


@pytest.mark.parametrize(("text", "code", "line"), [
    (HEADER.format(source=' source "so\0urce.txt"') + BODY, "PD216", 1),
    ('import "b\0.pol"\n' + HEADER.format(source="") + BODY, "PD219", 1),
    (HEADER.format(source="") + BODY + 'example e "e" { profile "x\0.json" as of 2024-01-01 expect M1 eligible }\n',
     "PD217", 4),
], ids=["source", "import", "example profile"])
def test_a_nul_in_a_path_is_reported_where_it_is(tmp_path: Path, text: str, code: str, line: int) -> None:
    (tmp_path / "p.pol").write_text(text, "utf-8")
    with pytest.raises(PolicyError) as raised:
        policydsl.load(tmp_path)
    problems = [d for d in raised.value.diagnostics if d.code == code]
    assert len(problems) == 1, raised.value.diagnostics
    assert "NUL" in problems[0].message
    assert problems[0].span is not None and problems[0].span.line == line
