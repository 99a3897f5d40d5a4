"""The limits of a profile: fixed limits of numbers, and resource limits as one frozen value.

Resource limits (docs/semantics.md, "Resource limits") refuse a profile before it is read or
evaluated, so that no accepted profile makes reading or evaluating a checked policy exhaust memory
or time. They are a `Limits` value passed to whatever reads or evaluates profiles
(`policydsl.load(path, limits=...)`, `ProfileReader(schema, limits)`), never module globals: both
batch engines and `evaluate` of one policy set apply the same value.

The limits of numbers are not configurable: they are what the SQL types of a batch (BIGINT,
DECIMAL(38, 10)) and the default decimal context hold exactly, and the checker applies them to
numbers written in policy text (syntax/limits.py, PD118) before any profile is read.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from policydsl.syntax.limits import MAX_DIGITS, MAX_INTEGER, MAX_MAGNITUDE

# Numbers beyond these are refused (PD307) rather than carried into arithmetic that would overflow
# the decimal context or a SQL column.
MAX_MONEY: Decimal = MAX_MAGNITUDE  # |money| ≤ this many 万元 (10^22 元)
MAX_NUMBER: Decimal = MAX_MAGNITUDE  # |decimal| and |ratio| facts ≤ this
MIN_EXPONENT = -28  # a nonzero number smaller than 10^-28 is a typo that would underflow
MAX_EXPONENT = 18  # MAX_MONEY and MAX_NUMBER are 10^18: Decimal.adjusted() tests them cheaply

__all__ = ["DEFAULT_LIMITS", "MAX_DIGITS", "MAX_EXPONENT", "MAX_INTEGER", "MAX_MONEY", "MAX_NUMBER",
           "MIN_EXPONENT", "Limits"]

_COUNT = [attrs.validators.instance_of(int), attrs.validators.ge(1)]


@attrs.frozen
class Limits:
    """The resource limits of reading and evaluating profiles; each refusal is a PD3xx diagnostic.

    The defaults suit one enterprise's facts; a program that reads larger profiles raises the
    limits it needs for the policy set it loads (the command line has no flag for them):

    >>> policies = policydsl.load("policies/sanmenxia", limits=Limits(max_list_items=50_000))
    >>> policies.limits.max_list_items, policies.limits.max_text_length
    (50000, 10000)
    """

    max_profile_bytes: int = attrs.field(default=10_000_000, validator=_COUNT)  # a file or bytes (PD316)
    max_list_items: int = attrs.field(default=10_000, validator=_COUNT)  # entries of one list or set (PD313)
    # entries of all the lists and sets of one profile, nested ones included (PD314)
    max_profile_items: int = attrs.field(default=100_000, validator=_COUNT)
    max_text_length: int = attrs.field(default=10_000, validator=_COUNT)  # characters of one string (PD315)
    # evaluations of loop bodies (`for each`, `any`, `all`) for one profile (PD317)
    max_loop_work: int = attrs.field(default=1_000_000, validator=_COUNT)

    def hint(self, name: str) -> str:
        """How a diagnostic's hint names the limit `name` (a field of Limits)."""
        return (f"the limit is Limits.{name} = {getattr(self, name):,}; a program embedding policydsl may "
                f"change it (policydsl.load(path, limits=Limits({name}=…))), the command line cannot")


DEFAULT_LIMITS = Limits()
