"""Policies with expressions nested to a given depth (test_deep_sql.py, test_sql_size.py)."""

from __future__ import annotations

HEAD = """policy t.deep { title "深层" }
entity enterprise "企业" {
  fact revenue "营业收入" : money >= 0
  fact tech "科技型" : bool
  fact flag "标记" : bool
  fact employees "从业人员" : integer >= 0
  fact projects "项目" : list of project
}
entity project "项目" {
  fact investment "投资" : money >= 0
  fact ok "合格" : bool
}
"""


def condition(text: str) -> str:
    return HEAD + f'measure M1 "一" {{\n  condition c = {text}\n  benefit service s "服务" {{ when c }}\n}}\n'


def when(text: str) -> str:
    return HEAD + f'measure M1 "一" {{\n  benefit service s "服务" {{ when {text} }}\n}}\n'


def per_item(amount: str) -> str:
    return HEAD + ('measure M1 "一" {\n  benefit grant g "资金" {\n    for each p in projects\n'
                   f'    when p.ok\n    amount {amount}\n  }}\n}}\n')


def alternate(n: int, first: str, second: str, leaf: str) -> str:
    return "".join(first if i % 2 == 0 else second for i in range(n)) + leaf + ")" * n
