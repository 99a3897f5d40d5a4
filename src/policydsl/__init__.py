"""policydsl: public policy as code — load a policy, evaluate enterprise profiles, explain why.

>>> import datetime, policydsl
>>> policies = policydsl.load("policies/sanmenxia")
>>> result = policies.evaluate({"srdi_level": "little_giant"}, as_of=datetime.date(2024, 6, 1))
>>> result["M3"].status
'eligible'
>>> policydsl.check("policies/sanmenxia").ok  # diagnostics without an exception
True

Names are imported on first use, so that `import policydsl.testing.plugin` (pytest start-up) does
not pull in the parser and the checker.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policydsl.api import BatchReport, CheckResult, PolicySet, check, load
    from policydsl.diagnostics import Diagnostic, PolicydslError, PolicyError, ProfileError, UsageError
    from policydsl.result import BenefitResult, MeasureResult, Node, Result, result_schema
    from policydsl.values import Money, Unknown

__version__ = "0.1.0"


_HOMES = {
    "BatchReport": "policydsl.api",
    "CheckResult": "policydsl.api",
    "PolicySet": "policydsl.api",
    "check": "policydsl.api",
    "load": "policydsl.api",
    "Diagnostic": "policydsl.diagnostics",
    "PolicydslError": "policydsl.diagnostics",
    "PolicyError": "policydsl.diagnostics",
    "ProfileError": "policydsl.diagnostics",
    "UsageError": "policydsl.diagnostics",
    "BenefitResult": "policydsl.result",
    "MeasureResult": "policydsl.result",
    "Node": "policydsl.result",
    "Result": "policydsl.result",
    "result_schema": "policydsl.result",
    "Money": "policydsl.values",
    "Unknown": "policydsl.values",
}

__all__ = [
    "BatchReport",
    "BenefitResult",
    "CheckResult",
    "Diagnostic",
    "MeasureResult",
    "Money",
    "Node",
    "PolicyError",
    "PolicySet",
    "PolicydslError",
    "ProfileError",
    "Result",
    "Unknown",
    "UsageError",
    "check",
    "load",
    "result_schema",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'policydsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
