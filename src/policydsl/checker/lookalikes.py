"""Declared names that look the same but are different strings (a Latin `a`, a Cyrillic `а`).

Such names type-check, and a reader cannot tell them apart: `revenue` and `rеvenue` would be two
facts. Each name is reduced to a skeleton — Unicode compatibility form (full-width letters become
plain ones), then the Cyrillic and Greek letters that look like Latin ones replaced by those — in
the spirit of Unicode's confusable detection (UTS #39), for the scripts policy names mix in practice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from policydsl.diagnostics import Diagnostic, Label, Span

# Letters that are drawn like a Latin letter in common fonts.
_LIKE_LATIN = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u", "τ": "t",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})


def skeleton(name: str) -> str:
    """What a name looks like: two names with one skeleton cannot be told apart by eye."""
    return unicodedata.normalize("NFKC", name).translate(_LIKE_LATIN)


def look_alikes(declared: Iterable[tuple[str, str, Span | None]]) -> list[Diagnostic]:
    """A warning (PD235) for each declared name that looks like an earlier one but is not it;
    `declared` holds (what, name, where) in declaration order."""
    first: dict[str, tuple[str, str, Span | None]] = {}
    found: list[Diagnostic] = []
    for what, name, span in declared:
        key = skeleton(name)
        earlier = first.setdefault(key, (what, name, span))
        if earlier[1] == name:
            continue
        found.append(Diagnostic(
            "PD235", f"{what} '{name}' looks the same as {earlier[0]} '{earlier[1]}' but is another name",
            span, severity="warning",
            hint=f"{_odd_letters(name, earlier[1])}; spell both with the same letters",
            labels=(Label(earlier[2], f"'{earlier[1]}' is declared here"),) if earlier[2] is not None else ()))
    return found


def _odd_letters(*names: str) -> str:
    """Which of the names holds letters that only look Latin: "'rеvenue' has 'е' (cyrillic …)"."""
    said = []
    for name in names:
        odd = [c for c in dict.fromkeys(name) if skeleton(c) != c]
        if odd:
            letters = ", ".join(f"'{c}' ({unicodedata.name(c, f'U+{ord(c):04X}').lower()})" for c in odd)
            said.append(f"'{name}' has {letters}")
    return "; ".join(said)
