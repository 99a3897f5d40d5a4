"""Unknown paths in SQL: one bit of a BIGINT per path the policy names, a list for per-item paths.

The interpreter's unknown paths are sets of strings. Most are known when the query is compiled —
facts (`revenue`), parameters (`three_upgrades.cap`), lists (`projects`) — so each gets a bit,
and a union of them is a bitwise OR: no list is built for a row until its measure's output. Only
an item's path (`projects[0].investment`) depends on the row, and is kept in a list.

A measure's output turns the mask back into the sorted list of names with a constant table
indexed by the mask's bits; only rows with per-item paths sort and deduplicate a list.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from sqlglot import exp

from policydsl.sql.dialects import (
    TEXT_LIST,
    Dialect,
    any_of,
    binary,
    case,
    cast,
    coalesce,
    node,
    number,
)

MASK_BITS = 62  # bits of a positive BIGINT
GROUP = 6  # paths per lookup table: 2^6 = 64 entries
ITEMS = 8  # the first items of a list whose facts have bits: projects[0].investment … projects[7].investment
BIGINT = exp.DataType.build("BIGINT")


@attrs.frozen
class Paths:
    """Unknown paths as SQL: NULL or an absent part means none."""

    mask: exp.Expression | None = None  # BIGINT; bit i set: the path of bit i is unknown
    items: exp.Expression | None = None  # LIST(TEXT) of per-item paths
    bits: int = 0  # every bit the mask may have (known when compiling)
    late: bool = False  # the list part only names items at positions ITEMS and later


class PathSpace:
    """The paths of one compiled policy and the operations on sets of them."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.bits: dict[str, int] = {}

    def bit(self, name: str) -> int | None:
        if name not in self.bits:
            if len(self.bits) >= MASK_BITS:
                return None
            self.bits[name] = len(self.bits)
        return self.bits[name]

    def static(self, names: Sequence[str]) -> Paths:
        """Paths named when compiling."""
        mask, rest = 0, []
        for name in names:
            bit = self.bit(name)
            if bit is None:
                rest.append(name)
            else:
                mask |= 1 << bit
        return Paths(number(mask) if mask else None, self.dialect.strings(rest) if rest else None, mask)

    def item(self, path: exp.Expression, collection: str | None = None, field: str | None = None,
             index: exp.Expression | None = None) -> Paths:
        """The path of a fact of one item, `projects[3].investment`.

        The facts of the first items of a list named when compiling have bits of their own (the
        item's bit is chosen by its position); a later item's path is text, in the list part.
        """
        text_path = Paths(None, exp.Array(expressions=[path]))
        if collection is None or field is None or index is None:
            return text_path
        base = self.item_bits(collection, field)
        if base is None:
            return text_path
        one = cast(number(1), BIGINT)
        shift = self.dialect.shift_amount(binary(exp.Add, index, number(base)))
        bit = node(exp.BitwiseLeftShift, this=one, expression=shift)
        early = binary(exp.LT, index, number(ITEMS))
        return Paths(case((early, bit)), case((early, cast(exp.Null(), TEXT_LIST)), default=text_path.items),
                     ((1 << ITEMS) - 1) << base, late=True)

    def item_bits(self, collection: str, field: str) -> int | None:
        """The first of the ITEMS consecutive bits of `collection[i].field`, if they fit."""
        first = f"{collection}[0].{field}"
        if first not in self.bits:
            if len(self.bits) + ITEMS > MASK_BITS:
                return None
            for position in range(ITEMS):
                self.bits[f"{collection}[{position}].{field}"] = len(self.bits)
        return self.bits[first]

    def union(self, parts: Sequence[Paths]) -> Paths:
        masks = [p.mask for p in parts if p.mask is not None]
        lists = [p.items for p in parts if p.items is not None]
        constant = 0
        dynamic: list[exp.Expression] = []
        for mask in masks:
            if isinstance(mask, exp.Literal):
                constant |= int(mask.this)
            else:
                dynamic.append(mask)
        mask_expr: exp.Expression | None = None
        if dynamic:
            mask_expr = _not_null(dynamic[0]) if len(dynamic) > 1 or constant else dynamic[0].copy()
            for part in dynamic[1:]:
                mask_expr = node(exp.BitwiseOr, this=mask_expr, expression=_not_null(part))
            if constant:
                mask_expr = node(exp.BitwiseOr, this=mask_expr, expression=number(constant))
        elif constant:
            mask_expr = number(constant)
        items = self.dialect.concat(lists) if lists else None
        bits = 0
        for paths in parts:
            bits |= paths.bits
        return Paths(mask_expr, items, bits, all(p.late for p in parts if p.items is not None))

    def where(self, condition: exp.Expression, paths: Paths) -> Paths:
        """The paths where `condition` holds, none elsewhere."""
        return self.choose([(condition, paths)], None)

    def choose(self, branches: Sequence[tuple[exp.Expression, Paths | None]], default: Paths | None) -> Paths:
        """CASE WHEN … THEN paths … ELSE default END, part by part."""
        every: list[Paths] = [p for _, p in branches if p is not None] + ([default] if default is not None else [])

        def part(name: str) -> exp.Expression | None:
            if all(getattr(p, name) is None for p in every):
                return None
            null = cast(exp.Null(), BIGINT if name == "mask" else TEXT_LIST)
            ifs = [(cond, getattr(p, name) if p is not None and getattr(p, name) is not None else null)
                   for cond, p in branches]
            otherwise = getattr(default, name) if default is not None else None
            return case(*ifs, default=otherwise)

        bits = 0
        for paths in every:
            bits |= paths.bits
        return Paths(part("mask"), part("items"), bits, all(p.late for p in every if p.items is not None))

    def nonempty(self, paths: Paths) -> exp.Expression:
        tests: list[exp.Expression] = []
        if paths.mask is not None:
            tests.append(binary(exp.NEQ, coalesce(paths.mask, number(0)), number(0)))
        if paths.items is not None:
            tests.append(binary(exp.GT, coalesce(self.dialect.length(paths.items), number(0)), number(0)))
        if not tests:
            return exp.false()
        return any_of(*tests)

    def to_list(self, paths: Paths) -> exp.Expression:
        """The sorted, distinct list of the unknown paths (the `<measure>_unknowns` column)."""
        names = sorted((name for name, bit in self.bits.items() if paths.bits >> bit & 1))
        # Without per-item paths, the list holds only these names: a list of an ENUM in DuckDB.
        typ = self.dialect.names_type(names) if paths.items is None and names else TEXT_LIST
        fixed = self.dialect.strings([], typ)
        if paths.mask is not None and names:
            none = binary(exp.EQ, coalesce(paths.mask, number(0)), number(0))
            fixed = case((none, fixed), default=self.mask_list(paths.mask, names, typ))
        if paths.items is None:
            return fixed
        merged = self.dialect.sort_distinct(self.dialect.concat([fixed, paths.items]))
        none = binary(exp.EQ, coalesce(self.dialect.length(paths.items), number(0)), number(0))
        return case((none, fixed), default=merged)

    def mask_list(self, mask: exp.Expression, names: list[str], typ: exp.DataType = TEXT_LIST) -> exp.Expression:
        """The names whose bits are set, in order: one lookup table per group of six names."""
        value = coalesce(mask, number(0))
        parts = []
        for start in range(0, len(names), GROUP):
            group = names[start:start + GROUP]
            index: exp.Expression | None = None
            for position, name in enumerate(group):
                bit: exp.Expression = binary(exp.BitwiseAnd, binary(exp.BitwiseRightShift, value,
                                                                  number(self.bits[name])), number(1))
                if position:
                    bit = binary(exp.BitwiseLeftShift, bit, number(position))
                index = bit if index is None else node(exp.BitwiseOr, this=index, expression=bit)
            assert index is not None
            parts.append(self.dialect.lookup([[n for j, n in enumerate(group) if k >> j & 1]
                                              for k in range(1 << len(group))], index, typ))
        return self.dialect.concat(parts)


def _not_null(mask: exp.Expression) -> exp.Expression:
    """A mask with NULL read as 0 (a union's result is never NULL already)."""
    return mask.copy() if isinstance(mask, exp.BitwiseOr) else coalesce(mask, number(0))
