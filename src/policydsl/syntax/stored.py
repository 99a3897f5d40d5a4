"""Parsed files kept on disk between runs, so a command line does not parse an unchanged policy again.

Parsing the Sanmenxia folder takes ~0.1 s, a tenth of a short `policydsl batch`; reading the stored
result back takes ~4 ms. An entry is named by a digest of the file's text and path and of the
code that parses (every source file of this package), so an edited policy or an upgraded
policydsl never sees a stale tree. Entries are pickles, as Lark's own grammar cache beside them;
the folder is the user's (`$XDG_CACHE_HOME/policydsl/parsed`, or `~/.cache/policydsl/parsed`).
`POLICYDSL_NO_CACHE=1` turns both off. Any failure to read or write an entry is a cache miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policydsl.diagnostics import Diagnostic, Source
    from policydsl.syntax import ast

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
    return folder / f"{key.hexdigest()[:32]}.pickle"


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
        parsed = _Reader(io.BytesIO(data), source).load()
    except Exception:  # a truncated or foreign file: parse again, and overwrite it
        return None
    return parsed if isinstance(parsed, tuple) and len(parsed) == 2 else None


def store(source: Source, parsed: Parsed) -> None:
    if not enabled():
        return
    entry = _entry(source)
    if entry is None:
        return
    try:
        buffer = io.BytesIO()
        _Writer(buffer, source).dump(parsed)
    except Exception:  # something in the tree does not pickle: keep no entry
        return
    # Written whole under another name, then renamed: a reader never sees half an entry.
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
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


class _Writer(pickle.Pickler):
    """Pickles a parse without its source: every span points at the one Source being parsed,
    which the reader puts back, so spans of a stored tree are those of a fresh one."""

    def __init__(self, file: io.BytesIO, source: Source) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._source = source

    def persistent_id(self, obj: object) -> str | None:
        return "source" if obj is self._source else None


class _Reader(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, source: Source) -> None:
        super().__init__(file)
        self._source = source

    def persistent_load(self, pid: object) -> Source:
        if pid != "source":
            raise pickle.UnpicklingError(f"unexpected reference {pid!r}")
        return self._source


def _prune(folder: Path) -> None:
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for path in entries[: len(entries) - MAX_ENTRIES]:
        path.unlink(missing_ok=True)
