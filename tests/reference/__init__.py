"""The reference semantics of policydsl, independent of the engines: see interpreter.py."""

from tests.reference.interpreter import Unsupported, evaluate
from tests.reference.outcome import BenefitOutcome, MeasureOutcome, Outcome, TargetOutcome

__all__ = ["BenefitOutcome", "MeasureOutcome", "Outcome", "TargetOutcome", "Unsupported", "evaluate"]
