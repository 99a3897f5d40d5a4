"""Limits of policy text (docs/language.md, "Limits"); each refusal is a positioned diagnostic.

Kept apart from the parser so that reading parsed files from disk does not import Lark.
"""

from __future__ import annotations

from decimal import Decimal

MAX_NESTING = 200  # brackets nested in each other (PD112), checked on the text before parsing
MAX_EXPRESSION_DEPTH = 64  # operations nested in each other in one expression as written (PD117)
# … and once the definitions, conditions and amended values it names are written out in place, each
# name counting one (PD233, found by the checker): what the evaluators and the SQL compiler walk.
MAX_EXPANDED_DEPTH = 100
MAX_SOURCE_CHARS = 5_000_000  # characters of one .pol file (PD119): ~120 times the Sanmenxia policy
# Numbers written in policy text have the limits of profile values (policydsl.profile.MAX_*; PD118).
MAX_DIGITS = 28  # significant digits: what the default decimal context computes with exactly
MAX_INTEGER = 2**63 - 1  # a whole number without a decimal point or unit
MAX_MAGNITUDE = Decimal(10) ** 18  # other numbers, ratios (as fractions) and money (in 万元)
# Words of expressions that can never be names (none/open/unknown stay usable as enum values).
RESERVED = frozenset({"and", "or", "not", "in", "true", "false", "any", "all", "if", "then", "else",
                       "today", "between", "band"})
# The list aggregates' words (`count p in xs where (…)`, `sum …`, `min …`, `max … default (…)`).
RESERVED |= frozenset({"where", "default", "count", "sum", "min", "max"})
