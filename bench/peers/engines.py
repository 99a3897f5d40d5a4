"""Each peer engine set up once on the shared rule set, as a function from a profile to an Outcome.

A `make_*` function does everything its engine's documentation says to do once (parse, compile,
build) and returns the per-profile function the benchmark times: converting the profile into the
engine's input, evaluating, and reading the decisions back are part of that per-profile cost, as
they are for a caller. A peer whose package is missing raises ImportError from its `make_*`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .profiles import COUNTY_GOVERNMENTS, DECISIONS, SCOPE, SRDI, Outcome, Profile

HERE = Path(__file__).resolve().parent
SHARED_RULES = HERE.parent / "shared_rules"
AS_OF = datetime.date(2024, 6, 1)

Evaluate = Callable[[Profile], Outcome]


def make_policydsl() -> Evaluate:
    import policydsl

    policies = policydsl.load(SHARED_RULES)
    params = {"cap": 500}
    # Every fact is known, so only these two statuses can occur; anything else fails the cross-check.
    decided = {"eligible": True, "not_eligible": False}

    def evaluate(profile: Profile) -> Outcome:
        result = policies.evaluate(profile, as_of=AS_OF, params=params)
        total = result["project_grant"].total
        return tuple(decided[result[name].status] for name in DECISIONS), (
            total.in_unit() if total is not None else Decimal(0))

    return evaluate


def _quoted(values: frozenset[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in sorted(values)) + "]"


def rule_engine_texts() -> dict[str, str]:
    """The shared rule set in rule-engine's expression language (no enums: ordered levels as a list)."""
    srdi = f"srdi_level in {_quoted(SRDI)}"
    qualifies = f"p.category in {_quoted(SCOPE)} and p.investment >= 150"
    return {
        "srdi": srdi,
        "sme": "employees < 1000 or revenue < 40000",
        "cultivation": f"in_cultivation_pool or {srdi}",
        "listing": f"{srdi} and listing_intent",
        "county_government": f"county in {_quoted(COUNTY_GOVERNMENTS)}",
        "local_match": "key_little_giant and national_fund_received > 0",
        "project_grant": f"{srdi} and $any([{qualifies} for p in projects])",
        "grant": f"{srdi} ? $sum([$min([p.investment * 0.4, 500]) for p in projects if {qualifies}]) : 0",
    }


def make_rule_engine() -> Evaluate:
    import rule_engine

    texts = rule_engine_texts()
    rules = [rule_engine.Rule(texts[name]) for name in DECISIONS]  # parsed once
    grant = rule_engine.Rule(texts["grant"])

    def evaluate(profile: Profile) -> Outcome:
        return tuple(rule.matches(profile) for rule in rules), grant.evaluate(profile)

    return evaluate


def _cedar_entities(profile: Profile) -> list[dict[str, Any]]:
    """The enterprise and its projects as Cedar entities; money as a Long of 元 (Cedar has no decimal arithmetic)."""
    attrs = {key: profile[key] for key in ("county", "employees", "srdi_level", "key_little_giant",
                                           "in_cultivation_pool", "listing_intent")}
    attrs["revenue"] = round(profile["revenue"] * 10000)
    attrs["national_fund_received"] = round(profile["national_fund_received"] * 10000)
    entities = [{"uid": {"type": "Enterprise", "id": "e"}, "attrs": attrs, "parents": []}]
    for index, project in enumerate(profile["projects"]):
        entities.append({"uid": {"type": "Project", "id": str(index)}, "parents": [],
                         "attrs": {"category": project["category"], "investment": round(project["investment"] * 10000)}})
    return entities


def make_cedar() -> Evaluate:
    import cedarpy

    policies = cedarpy.PolicySet.from_str((HERE / "shared.cedar").read_text("utf-8"))  # parsed once
    enterprise = {"type": "Enterprise", "id": "e"}
    asks = [{"principal": enterprise, "action": {"type": "Action", "id": name}, "resource": enterprise}
            for name in DECISIONS[:-1]]
    project_action = {"type": "Action", "id": "project_grant"}

    def evaluate(profile: Profile) -> Outcome:
        # One request per enterprise decision and one per project; the host takes the "any".
        per_project = [{"principal": enterprise, "action": project_action, "resource": {"type": "Project", "id": str(i)}}
                       for i in range(len(profile["projects"]))]
        answers = [r.allowed for r in cedarpy.is_authorized_batch(asks + per_project, policies, _cedar_entities(profile))]
        return (*answers[: len(asks)], any(answers[len(asks):])), None

    return evaluate


def make_zen() -> Evaluate:
    import zen

    engine = zen.ZenEngine()
    decision = engine.create_decision((HERE / "shared.jdm.json").read_text("utf-8"))  # compiled once

    def evaluate(profile: Profile) -> Outcome:
        result = decision.evaluate(profile)["result"]
        return tuple(result[name] for name in DECISIONS), result["grant"]

    return evaluate


def make_rego() -> Evaluate:
    import regopy

    builder = regopy.Interpreter()
    builder.add_module("shared.rego", (HERE / "shared.rego").read_text("utf-8"))
    bundle = builder.build("x = data.shared.decisions")  # compiled once into a bundle with its query plan
    if not bundle.ok():
        raise RuntimeError("regopy could not build the bundle")
    interpreter = regopy.Interpreter()

    def evaluate(profile: Profile) -> Outcome:
        # set_input, not set_input_term(json.dumps(…)): rego-cpp 1.5.2 leaves \uXXXX escapes of
        # JSON text undecoded, so "\u7075\u5b9d\u5e02" would not equal "灵宝市".
        interpreter.set_input(profile)
        output = interpreter.query_bundle(bundle)  # must outlive the node read from it (it frees it)
        result = json.loads(output.binding("x").json())
        return tuple(result[name] for name in DECISIONS), result["grant"]

    return evaluate


def make_jsonlogic() -> Evaluate:
    from json_logic import jsonLogic

    rules = json.loads((HERE / "shared.jsonlogic.json").read_text("utf-8"))
    logic = [rules[name] for name in (*DECISIONS, "grant")]  # a list of rules is applied item by item

    def evaluate(profile: Profile) -> Outcome:
        *decisions, grant = jsonLogic(logic, profile)
        return tuple(decisions), grant

    return evaluate


# (label, the PyPI distribution whose version is reported, how its engine is set up)
ENGINES: list[tuple[str, str | None, Callable[[], Evaluate]]] = [
    ("policydsl, compiled (`load(folder).evaluate`)", "policydsl", make_policydsl),
    ("rule-engine", "rule-engine", make_rule_engine),
    ("cedarpy (Cedar)", "cedarpy", make_cedar),
    ("zen-engine (GoRules JDM)", "zen-engine", make_zen),
    ("regopy (OPA Rego, rego-cpp)", "regopy", make_rego),
    ("panzi-json-logic (JsonLogic)", "panzi-json-logic", make_jsonlogic),
]
