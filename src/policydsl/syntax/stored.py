"""Parsed files kept on disk between runs, so a command line does not parse an unchanged policy again.

Parsing the Sanmenxia folder takes ~0.1 s, a tenth of a short `policydsl batch`; reading the stored
result back takes a few milliseconds. An entry is named by a digest of the file's text and path and
of the code that parses (every source file of this package), so an edited policy or an upgraded
policydsl never sees a stale tree. Entries are JSON, written and read by a codec that builds only
the tree's own classes (nothing is unpickled or run), in the user's cache folder
(`$XDG_CACHE_HOME/policydsl/parsed`, or `~/.cache/policydsl/parsed`). `POLICYDSL_NO_CACHE=1` turns
this and Lark's grammar cache off. Any failure to read or write an entry is a cache miss.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from policydsl import diagnostics
from policydsl.syntax import ast

if TYPE_CHECKING:
    from policydsl.diagnostics import Diagnostic, Source

Parsed = tuple["ast.Module", tuple["Diagnostic", ...]]
_PACKAGE = Path(__file__).resolve().parent.parent
MAX_ENTRIES = 2000  # entries kept; the oldest go first when there are more
PRUNE_EVERY = 100  # stores between two prunings in one process (and the first one)
_STORES = [0]


def enabled() -> bool:
    return not os.environ.get("POLICYDSL_NO_CACHE")


def cache_folder(*parts: str) -> Path | None:
    """The cache folder (created), or None where it cannot be."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base, "policydsl", *parts)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


@cache
def code_digest() -> str:
    """A digest of every source file of policydsl: parsing and the tree's classes live there."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".lark") and path.is_file():
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _entry(source: Source) -> Path | None:
    folder = cache_folder("parsed")
    if folder is None:
        return None
    key = hashlib.sha256("\0".join((code_digest(), source.path, source.file or "", source.text)).encode())
    return folder / f"{key.hexdigest()[:32]}.json"


def load(source: Source) -> Parsed | None:
    """The stored parse of this exact text, if there is one."""
    if not enabled():
        return None
    entry = _entry(source)
    if entry is None:
        return None
    try:
        data = entry.read_bytes()
    except OSError:
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
    # Written whole under another name, then renamed: a reader never sees half an entry.
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
        temporary = None
        _STORES[0] += 1
        if (_STORES[0] - 1) % PRUNE_EVERY == 0:  # listing the folder is not free: now and then
            _prune(entry.parent)
    except OSError:  # disk full, read-only: the cache is only an optimisation
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# The classes an entry may build: the tree's and the diagnostics' own, nothing else.
_CLASSES: dict[str, type] = {
    name: cls for name, cls in vars(ast).items() if isinstance(cls, type) and attrs.has(cls)
} | {"Span": diagnostics.Span, "Diagnostic": diagnostics.Diagnostic, "Label": diagnostics.Label}


class _Unstorable(Exception):
    pass


def _encode(value: Any, source: Source) -> Any:
    """A parse as JSON values: a tuple is an array, anything else an object with one `$` key."""
    if value is None or isinstance(value, bool | int | str):
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
    cls = type(value)
    if _CLASSES.get(cls.__name__) is not cls:
        raise _Unstorable(cls.__name__)
    fields = {f.alias: _encode(getattr(value, f.name), source) for f in attrs.fields(cls) if f.init}
    return {"$c": cls.__name__, "f": fields}


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


def _prune(folder: Path) -> None:
    entries = list(folder.glob("*.json"))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for path in entries[: len(entries) - MAX_ENTRIES]:
        path.unlink(missing_ok=True)
