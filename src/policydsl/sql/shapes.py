"""The shapes of values in the SQL of a batch: DECIMAL precisions, the key column.

Kept apart from the modules that build SQL with sqlglot, so that reading a batch's input and
running a stored query do not import sqlglot.
"""

from __future__ import annotations

MONEY_TYPE = (18, 6)  # money facts: 万元 to 0.01 元, |value| < 10^12 万元
NUMBER_TYPE = (18, 10)  # decimal and ratio facts: |value| < 10^8
INTEGER_TYPE = (18, 0)  # integer facts: BIGINT, |value| < 10^18
TOTAL_TYPE = (38, 10)  # the `<measure>_total` columns, 万元
KEY = "row"  # the input row's number, from 1


class SqlUnsupported(Exception):
    """A construct of the policy that the SQL path cannot express (use the Python engine)."""
