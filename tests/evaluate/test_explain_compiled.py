"""The one explainer (engine/explain.py): its trees say what the evaluation decided, and do not
depend on the order in which a caller reads them; the fast result constructor is the attrs one."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl.engine import closures as compiled
from policydsl.profile import read_profile
from policydsl.result import BenefitResult, MeasureResult, Node, TargetResult, benefit_result, measure_result
from policydsl.testing import load_text, policies, profiles
from policydsl.values import Money
from tests.evaluate.helpers import AS_OF, policy_from

DAYS = st.dates(datetime.date(2020, 1, 1), datetime.date(2031, 1, 1))
SHOWN = {True: "true", False: "false", None: "unknown"}


def assert_says_what_was_decided(measure: MeasureResult) -> None:
    """The tree's root shows the status and total; its benefit nodes, one per benefit result, show
    whether each applies and its amount or bound."""
    root = measure.explanation
    total = f", total {measure.total}" if measure.total is not None else ""
    assert root.value == f"{measure.status}{total}", measure.id
    if measure.status == "not_in_force":
        return
    nodes = [n for n in root.children if n.kind == "benefit"]
    assert len(nodes) == len(measure.benefits), measure.id
    for node, benefit in zip(nodes, measure.benefits, strict=True):
        shown = node.value or ""
        assert shown.split(",")[0] == SHOWN[benefit.applies], (measure.id, node.label, shown)
        if benefit.amount is not None:
            assert shown.endswith(f", {benefit.amount}"), (measure.id, node.label, shown)
        elif benefit.at_most is not None:
            assert shown.endswith(f", at most {benefit.at_most}"), (measure.id, node.label, shown)


def trees(result: object, order: list[str]) -> dict[str, Node]:
    return {measure_id: result[measure_id].explanation for measure_id in order}  # type: ignore[index]


def test_generated_policies_explain_what_was_decided_in_any_order() -> None:
    """One tracing evaluation serves all measures of a result and keeps what it worked out (shared
    conditions, definitions, reads): the tree of a measure must not depend on which were read first."""

    @settings(max_examples=150, deadline=None)
    @given(policies(), st.data())
    def agree(text: str, data: st.DataObject) -> None:
        policy = load_text(text).policy
        ids = [m.id for m in policy.measures]
        for _ in range(3):
            facts = read_profile(policy.schema, data.draw(profiles(policy))).values
            day = data.draw(DAYS)
            in_order = compiled.evaluate(policy, facts, {}, day)
            for measure in in_order.measures:
                assert_says_what_was_decided(measure)
            expected = trees(in_order, ids)
            shuffled = compiled.evaluate(policy, facts, {}, day)
            order = data.draw(st.permutations(ids))
            assert trees(shuffled, order) == expected
            assert trees(shuffled, order) == expected  # asked again: the same trees

    agree()


BASE_TAKEN = '''
measure A "甲" {
  condition srdi "专精特新" = is_srdi and pool
  benefit service s "服务" { when srdi }
}
measure B "乙" {
  benefit service t "服务" from A.s { }
}
'''


def test_a_benefit_taken_from_another_measure_reads_its_conditions_afresh(tmp_path: Path) -> None:
    # B's benefit reuses A's, whose condition names A's `srdi`. Explaining A first decides that
    # condition in the shared tracing evaluation; B's tree must still show what `srdi` read.
    policy = policy_from(tmp_path, BASE_TAKEN)
    facts = {"level": "provincial", "pool": True}
    alone = compiled.evaluate(policy, facts, {}, AS_OF)["B"].explanation
    fast = compiled.evaluate(policy, facts, {}, AS_OF)
    assert fast["A"].explanation.value == "eligible"
    condition = fast["B"].explanation.children[1].children[0]
    assert condition.label == "condition" and condition.value == "true"
    assert [r.path for r in condition.reads] == ["pool", "condition srdi"]
    assert [c.label for c in condition.children] == ["is_srdi: 专精特新"]
    assert fast["B"].explanation == alone


def test_the_fast_measure_result_is_the_attrs_one() -> None:
    benefit = BenefitResult("b", "grant", "资金", True, amount=Money.of(60))
    target = TargetResult("t", "目标", True, None)
    explain = lambda: None  # noqa: E731 - compared by identity below
    fields = ("M2", "标题", "eligible", ("市财政局",), (benefit,), Money.of(60), ("revenue",), (target,), ("指令",))
    fast = measure_result(*fields, explain)  # type: ignore[arg-type]
    slow = MeasureResult(*fields, explainer=explain)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    for field in attrs.fields(MeasureResult):  # a field added to the class must be set here too
        assert getattr(fast, field.name) is getattr(slow, field.name)
    assert attrs.asdict(fast) == attrs.asdict(slow)


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2))
def test_money_is_shown_the_same_whatever_its_exponent(yuan: Decimal) -> None:
    # Shown texts are kept by value; equal amounts written differently share one text.
    scaled = Money(yuan.scaleb(2).scaleb(-2))
    assert str(Money(yuan)) == str(scaled) == f"{format((yuan / 10000).normalize(), 'f') if yuan else '0'}万元"


def test_the_fast_benefit_result_is_the_attrs_one() -> None:
    fields = ("g", "grant", "项目资金", True, "产线", "projects[0]", Money.of(60), Money.of(100), ("cap",),
              ("cap", "projects[0].investment"), "三政办〔2020〕14号")
    fast = benefit_result(*fields)  # type: ignore[arg-type]
    slow = BenefitResult(*fields)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    for field in attrs.fields(BenefitResult):  # a field added to the class must be set here too
        assert getattr(fast, field.name) is getattr(slow, field.name)
