"""Parsed files kept on disk between runs, so a command line does not parse an unchanged policy again.

Parsing the Sanmenxia folder takes ~0.1 s, a tenth of a short `policydsl batch`; reading the stored
result back takes a few milliseconds. An entry is named by a digest of the file's text and path and
of the code that parses (`policydsl.disk_cache`, which also says where entries live and how
`POLICYDSL_NO_CACHE=1` turns them off, along with Lark's grammar cache). Entries are JSON, written
and read by a codec that builds only the tree's own classes (nothing is unpickled or run).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from policydsl import diagnostics, disk_cache
from policydsl.disk_cache import cache_folder, enabled
from policydsl.syntax import ast

if TYPE_CHECKING:
    from policydsl.diagnostics import Diagnostic, Source

Parsed = tuple["ast.Module", tuple["Diagnostic", ...]]
MAX_ENTRIES = 2000  # entries kept; the oldest go first when there are more
PRUNE_EVERY = 100  # stores between two prunings in one process (and the first one)


def _entry(source: Source) -> Path | None:
    folder = cache_folder("parsed")
    if folder is None:
        return None
    return folder / disk_cache.entry_name(source.path, source.file or "", source.text)


def load(source: Source) -> Parsed | None:
    """The stored parse of this exact text, if there is one."""
    if not enabled():
        return None
    entry = _entry(source)
    data = None if entry is None else disk_cache.read(entry)
    if data is None:
        return None
    try:
        module, problems = json.loads(data, object_hook=_Decoder(source))
    except Exception:  # a truncated or foreign file: parse again, and overwrite it
        return None
    if not isinstance(module, ast.Module) or not all(isinstance(p, diagnostics.Diagnostic) for p in problems):
        return None
    return module, tuple(problems)


def store(source: Source, parsed: Parsed) -> None:
    if not enabled():
        return
    entry = _entry(source)
    if entry is None:
        return
    try:
        data = json.dumps(_encode(parsed, source), ensure_ascii=False, separators=(",", ":")).encode()
    except _Unstorable:  # something in the tree the codec does not know: keep no entry
        return
    disk_cache.write(entry, data, MAX_ENTRIES, PRUNE_EVERY)


# The classes an entry may build: the tree's and the diagnostics' own, nothing else.
_CLASSES: dict[str, type] = {
    name: cls for name, cls in vars(ast).items() if isinstance(cls, type) and attrs.has(cls)
} | {"Span": diagnostics.Span, "Diagnostic": diagnostics.Diagnostic, "Label": diagnostics.Label}


class _Unstorable(Exception):
    pass


# Per class, its fields as (key in the entry, attribute): read once, not per node.
_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {
    cls: tuple((f.alias, f.name) for f in attrs.fields(cls) if f.init) for cls in _CLASSES.values()
    if cls is not diagnostics.Span}  # a span is its offsets in the source being loaded
_ATOMS = frozenset({type(None), bool, int, str})


def _encode(value: Any, source: Source) -> Any:
    """A parse as JSON values: a tuple is an array, anything else an object with one `$` key.

    Dispatched on the exact type first (a 5,000-measure file is half a million nodes); subclasses
    of the plain types are handled after."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple:
        return [_encode(v, source) for v in value]
    fields = _FIELDS.get(kind)
    if fields is not None:
        return {"$c": kind.__name__, "f": {key: _encode(getattr(value, name), source) for key, name in fields}}
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple):
        return [_encode(v, source) for v in value]
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, datetime.date):
        return {"$t": value.isoformat()}
    if isinstance(value, diagnostics.Span):
        if value.source is not source:
            raise _Unstorable("a span of another source")
        return {"$p": [value.start, value.end]}  # the source is the one being loaded
    raise _Unstorable(kind.__name__)


def _tuples(values: list[Any]) -> tuple[Any, ...]:
    return tuple(_tuples(v) if isinstance(v, list) else v for v in values)


class _Decoder:
    """`json.loads`'s object hook: builds the marked values, spans on the given source."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def __call__(self, obj: dict[str, Any]) -> Any:
        if "$c" in obj:
            fields = {k: _tuples(v) if isinstance(v, list) else v for k, v in obj["f"].items()}
            return _CLASSES[obj["$c"]](**fields)
        if "$p" in obj:
            start, end = obj["$p"]
            return diagnostics.Span(self.source, start, end)
        if "$d" in obj:
            return Decimal(obj["$d"])
        if "$t" in obj:
            return datetime.date.fromisoformat(obj["$t"])
        return obj  # the fields of a "$c" object, built right after
