"""policydsl: public policy as code — load a policy, evaluate enterprise profiles, explain why.

>>> import datetime, policydsl
>>> policies = policydsl.load("policies/sanmenxia")
>>> result = policies.evaluate({"srdi_level": "little_giant"}, as_of=datetime.date(2024, 6, 1))
>>> result["M3"].status
'eligible'
"""

from policydsl.api import PolicySet, load
from policydsl.diagnostics import Diagnostic, PolicydslError, PolicyError, ProfileError, UsageError
from policydsl.result import BenefitResult, MeasureResult, Node, Result, result_schema
from policydsl.values import Money, Unknown

__version__ = "0.1.0"

__all__ = [
    "BenefitResult",
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
    "load",
    "result_schema",
]
