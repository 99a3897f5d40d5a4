"""JSON enterprise profile → typed facts, with every validation problem collected (PD3xx).

The stages, one module each: `json_text` (bytes and files → a JSON document: size, encoding,
repeated keys, nesting), `limits` (the limits of numbers, and the resource limits as a frozen
`Limits`), `messages` (how a problem is worded), `units` (exact numbers and amounts), `values`
(the full readers of each fact type, which report every problem), `fast` (the fast path for plain
valid profiles) and `reader` (`ProfileReader`: one schema's readers under one Limits).
"""

from __future__ import annotations

from policydsl.profile.limits import (
    DEFAULT_LIMITS,
    MAX_DIGITS,
    MAX_INTEGER,
    MAX_MONEY,
    MAX_NUMBER,
    MIN_EXPONENT,
    Limits,
)
from policydsl.profile.reader import Facts, ProfileReader, read_profile, read_value

__all__ = ["DEFAULT_LIMITS", "MAX_DIGITS", "MAX_INTEGER", "MAX_MONEY", "MAX_NUMBER", "MIN_EXPONENT", "Facts",
           "Limits", "ProfileReader", "read_profile", "read_value"]
