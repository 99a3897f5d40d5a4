"""Files kept between runs in the user's cache folder, named by digests of what they depend on.

Used for Lark's analysed grammar (`syntax.grammar_cache`), parsed .pol files (`syntax.stored`) and
the SQL of batches (`batch.plan`). An entry's name is a digest of its inputs and of the code that
made it (every source file of this package), so an edited policy or an upgraded policydsl never
reads a stale entry. Entries are written whole under another name and renamed, so a reader never
sees half of one; any failure to read or write is a cache miss.

Nothing read from the cache is trusted because it is there (issue 19). The folder is
`$XDG_CACHE_HOME/policydsl/…`, or `~/.cache/policydsl/…`, made with mode 0700 and used only while,
as ssh checks its files, it and every folder under it are real folders owned by the user that no
one else may write, and every folder above it is owned by the user or root and writable by others
only with the sticky bit. Every entry carries an HMAC-SHA256 of its name and content under a key
of 32 random bytes kept in that folder (`key`, mode 0600): an entry someone else wrote or edited is
a miss, built again and overwritten, never read. When the folder cannot be used there is no cache
at all — never a fallback to the shared temporary folder. Entries are JSON (or SQL text), never a
pickle. `POLICYDSL_NO_CACHE=1` turns every cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_WRITES: Counter[Path] = Counter()  # entries written per folder by this process


def enabled() -> bool:
    return not os.environ.get("POLICYDSL_NO_CACHE")


def cache_folder(*parts: str) -> Path | None:
    """The cache folder (created, mode 0700), or None where it cannot be used safely."""
    root = _root()
    if root is None:
        return None
    folder = root.joinpath(*parts)
    try:
        for inner in [root.joinpath(*parts[:depth]) for depth in range(1, len(parts) + 1)]:
            with contextlib.suppress(FileExistsError):
                inner.mkdir(mode=0o700)
            if not _private(inner):
                return None
    except OSError:
        return None
    return folder


def _root() -> Path | None:
    """`…/policydsl`, when it is the user's own folder (made if missing) under safe folders."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # the XDG rule: a relative path is ignored
        return None
    root = Path(base, "policydsl")
    try:
        Path(base).mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            root.mkdir(mode=0o700)
        if not _private(root) or not all(_safe_parent(parent) for parent in root.parents):
            return None
    except OSError:
        return None
    return root


def _private(folder: Path) -> bool:
    """A real folder (not a link), the user's, that no one else may write."""
    info = os.lstat(folder)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _safe_parent(folder: Path) -> bool:
    """A folder above the cache: the user's or root's, writable by others only with the sticky bit
    (then no one else may rename or remove what the user keeps in it)."""
    info = os.stat(folder)
    return info.st_uid in (0, os.geteuid()) and (not info.st_mode & 0o022 or bool(info.st_mode & stat.S_ISVTX))


def _key() -> bytes | None:
    """The user's key for entries (made on first use), or None where it is not safely the user's."""
    root = _root()
    if root is None:
        return None
    path = root / "key"
    try:
        if not path.exists():
            handle, temporary = tempfile.mkstemp(dir=root, prefix=".key.")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(secrets.token_bytes(_KEY_BYTES))
                with contextlib.suppress(FileExistsError):  # another process made one first: use it
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(handle, "rb") as file:
            info = os.fstat(file.fileno())
            key = file.read(_KEY_BYTES + 1)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077 or len(key) != _KEY_BYTES:
        return None
    return key


_KEY_BYTES = 32


def _mac(key: bytes, entry: Path, data: bytes) -> bytes:
    return hmac.new(key, entry.name.encode() + b"\0" + data, hashlib.sha256).digest()


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
    """The entry's content, if this user's key signed it under this name; otherwise None."""
    key = _key()
    if key is None:
        return None
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    mac, content = data[:_MAC_BYTES], data[_MAC_BYTES:]
    return content if hmac.compare_digest(mac, _mac(key, entry, content)) else None


_MAC_BYTES = 32


def write(entry: Path, data: bytes, keep: int, prune_every: int) -> None:
    """Write an entry, signed; now and then (every `prune_every` writes) keep only the `keep` newest."""
    key = _key()
    if key is None:
        return
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(_mac(key, entry, data) + data)
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
