"""Files kept between runs in the user's cache folder, named by digests of what they depend on.

Used for parsed .pol files (`syntax.stored`) and for the SQL of batches (`batch_plan`). An entry's
name is a digest of its inputs and of the code that made it (every source file of this package),
so an edited policy or an upgraded policydsl never reads a stale entry. Entries are written whole
under another name and renamed, so a reader never sees half of one; any failure to read or write
is a cache miss. The folder is `$XDG_CACHE_HOME/policydsl/…`, or `~/.cache/policydsl/…`;
`POLICYDSL_NO_CACHE=1` turns every cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_WRITES: Counter[Path] = Counter()  # entries written per folder by this process


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
    """A digest of every source file of policydsl."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".lark") and path.is_file():
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def entry_name(*parts: str) -> str:
    """A file name for an entry that depends on `parts` (and on the code)."""
    return hashlib.sha256("\0".join((code_digest(), *parts)).encode()).hexdigest()[:32] + ".json"


def read(entry: Path) -> bytes | None:
    try:
        return entry.read_bytes()
    except OSError:
        return None


def write(entry: Path, data: bytes, keep: int, prune_every: int) -> None:
    """Write an entry; now and then (every `prune_every` writes) keep only the `keep` newest."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
        temporary = None
        _WRITES[entry.parent] += 1
        if (_WRITES[entry.parent] - 1) % prune_every == 0:  # listing the folder is not free
            _prune(entry.parent, keep)
    except OSError:  # disk full, read-only: a cache is only an optimisation
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prune(folder: Path, keep: int) -> None:
    entries = list(folder.glob("*.json"))
    if len(entries) <= keep:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for path in entries[: len(entries) - keep]:
        path.unlink(missing_ok=True)
