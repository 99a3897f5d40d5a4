"""Lark's analysed grammar kept on disk as JSON (never a pickle), so that a parse need not analyse it.

Analysing the grammar takes ~0.4 s; loading its tables back ~15 ms. Lark's own `cache=` option
pickles the parser (editing the file then runs code) and, when it cannot write where it is told,
falls back to a predictable name in the shared temporary folder. Here the tables Lark serialises
for its standalone parsers (`Lark.memo_serialize`) are written as JSON — tuples and dictionaries
whose keys are not strings marked, as nothing else in them needs marking — into an authenticated
entry of the user's own cache folder (`disk_cache`), and read back with `Lark._load_from_dict`,
which builds only Lark's own classes. A missing, foreign or damaged entry means analysing again.
"""

from __future__ import annotations

import json
from typing import Any

from lark import Lark
from lark import __version__ as lark_version
from lark.grammar import Rule
from lark.lexer import TerminalDef

from policydsl import disk_cache

MAX_ENTRIES = 4  # analysed grammars kept (one per version of policydsl and Lark in use)
PRUNE_EVERY = 1


def load(grammar: str, options: dict[str, Any]) -> Lark:
    """The parser of `grammar`, from its stored tables or analysed (and then stored)."""
    folder = disk_cache.cache_folder("grammar") if disk_cache.enabled() else None
    entry = None if folder is None else folder / disk_cache.entry_name(grammar, lark_version, repr(sorted(options)))
    if entry is not None:
        data = disk_cache.read(entry)
        if data is not None:
            try:
                tables, memo = json.loads(data, object_hook=_decode)
                loaded: Lark = Lark._load_from_dict(tables, memo, **_load_options(options))  # type: ignore[no-untyped-call]
                return loaded
            except Exception:  # written by another version of Lark's classes: analyse again, overwrite
                pass
    parser = Lark(grammar, **options)
    if entry is not None:
        try:
            encoded = json.dumps(_encode(parser.memo_serialize([TerminalDef, Rule])), separators=(",", ":"))
        except TypeError:  # a value this codec does not know: keep no entry
            return parser
        disk_cache.write(entry, encoded.encode(), MAX_ENTRIES, PRUNE_EVERY)
    return parser


def _load_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options a loaded parser takes anew (the others are in its tables)."""
    return {name: options[name] for name in ("propagate_positions",) if name in options}


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and not ({"$t", "$d"} & value.keys()):
            return {key: _encode(item) for key, item in value.items()}
        return {"$d": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {"$t": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(type(value).__name__)


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$t" in obj:
        return tuple(obj["$t"])
    if len(obj) == 1 and "$d" in obj:
        return {key: item for key, item in obj["$d"]}
    return obj
