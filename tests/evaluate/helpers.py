"""Build small policies from text for evaluation tests (no profile reading involved)."""

from __future__ import annotations

import datetime
from pathlib import Path

from policydsl import model
from policydsl.checker.loader import load
from policydsl.checker.policy import check_loaded
from policydsl.diagnostics import render_all
from policydsl.engine.closures import evaluate
from policydsl.result import Result

SCHEMA = '''policy t.eval { title "测试" valid from unknown until 2025-12-31 }
ordered enum level "层级" { none, innovative, provincial, little_giant }
enum county "县" { 湖滨区, 陕州区 }
enum category "类别" { intelligent_upgrade, other }
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact rd_expense "研发费用" : money >= 0
  fact employees "从业人员" : integer >= 0
  fact level "层级" : level
  fact county "县" : county
  fact pool "培育库" : bool
  fact projects "项目" : list of project
}
entity project "项目" {
  fact name "名称" : text
  fact category "类别" : category
  fact investment "投资" : money >= 0
}
define is_srdi "专精特新" = level >= provincial
define rd_ratio "研发占比" = rd_expense / revenue
'''

AS_OF = datetime.date(2024, 6, 1)


def policy_from(tmp_path: Path, body: str, extra_files: dict[str, str] | None = None) -> model.Policy:
    (tmp_path / "main.pol").write_text(SCHEMA + body, encoding="utf-8")
    for name, text in (extra_files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    policy, diagnostics = check_loaded(load(tmp_path / "main.pol"))
    errors = [d for d in diagnostics if d.severity == "error"]
    assert policy is not None and not errors, render_all(diagnostics)
    return policy


def run(policy: model.Policy, facts: dict[str, object], params: dict[str, object] | None = None,
        as_of: datetime.date = AS_OF) -> Result:
    return evaluate(policy, facts, params or {}, as_of)
