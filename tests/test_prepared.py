"""`Prepared`: what a stage derives from a policy is built once, kept with it, never shared by copies."""

from __future__ import annotations

import copy
import threading
import time

from policydsl.prepared import Prepared
from policydsl.testing import load_text

POLICY = """
policy t.prepared { title "用例" }
entity enterprise "企业" { fact revenue "营业收入" : money >= 0 }
measure M1 "m" {
  condition big "大" = revenue >= 100万元
  benefit service s "服务" { when big }
}
"""


def test_each_builder_runs_once_per_prepared() -> None:
    calls: list[str] = []

    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    prepared = Prepared()
    assert prepared.get(upper, "a") == "A"
    assert prepared.get(upper, "a") == "A"
    assert prepared.get(len, "abc") == 3  # another builder, another entry
    assert calls == ["a"] and len(prepared) == 2


def test_threads_asking_at_once_build_once() -> None:
    calls: list[int] = []

    def slow(value: int) -> int:
        calls.append(value)
        time.sleep(0.05)  # long enough for every thread to ask while the first one builds
        return value * 2

    prepared = Prepared()
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(prepared.get(slow, 21))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42] * 8 and calls == [21]


def test_a_builder_may_ask_for_another() -> None:
    prepared = Prepared()

    def outer(text: str) -> str:
        return prepared.get(str.upper, text) + "!"

    assert prepared.get(outer, "x") == "X!"


def test_a_policy_carries_its_own_and_a_copy_starts_empty() -> None:
    policy = load_text(POLICY).policy
    assert len(policy.prepared) == 0
    assert policy.prepared.get(len, "four") == 4
    copied = copy.deepcopy(policy)
    assert len(copied.prepared) == 0 and copied.prepared is not policy.prepared
    assert "prepared=" not in repr(policy) and "<Prepared" not in repr(policy)  # a batch plan is keyed by it
