"""Files written whole or not at all: a unique temporary name beside the target, renamed into place.

Every file policydsl writes (batch outputs, formatted .pol files, cache entries) is written by
`replacing`: the writer fills a new file under a unique hidden name in the target's folder, and
only when it has finished is that file renamed over the target (a rename within one folder is
atomic). On a failure, an interrupt or a crash the target keeps its old content (or does not
exist) and the temporary file is removed — only SIGKILL or a power cut can leave one behind, a
hidden `.NAME.XXXX.tmp` that no reader takes for the output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from policydsl.diagnostics import Diagnostic, UsageError

# Why a file could not be written, in the words of the hint.
_REASONS = {
    errno.ENOSPC: "the disk is full: free some space or write the output elsewhere",
    errno.EDQUOT: "the disk quota is used up: free some space or write the output elsewhere",
    errno.EFBIG: "the file grew past the largest file allowed here (ulimit -f): write it elsewhere",
    errno.EROFS: "the file system is read-only: write the output elsewhere",
    errno.EACCES: "you may not write in this folder: write the output elsewhere",
    errno.EPERM: "you may not write in this folder: write the output elsewhere",
    errno.ENOENT: "the folder does not exist: create it first or write the output elsewhere",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "the output names a folder: give the name of a file in it",
}


def cannot_write(path: Path | str, error: OSError | str) -> UsageError:
    """PD408 for a file that could not be written, saying why."""
    if isinstance(error, str):  # another library's message: its system error, when it names one
        reason = error
        code = next((number for number in _REASONS if os.strerror(number) in error), None)
    else:
        reason, code = error.strerror or str(error), error.errno
    hint = _REASONS.get(code or 0, "nothing was written under this name; check the folder and the disk")
    return UsageError([Diagnostic("PD408", f"cannot write {path}: {reason}", path=str(path), hint=hint)])


def check_folder(target: Path) -> None:
    """Refuse (PD408) a target whose folder does not exist or cannot be written, before any work."""
    folder = target.parent
    if not folder.is_dir():
        raise cannot_write(target, OSError(errno.ENOENT, f"no such folder: {folder}"))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise cannot_write(target, OSError(errno.EACCES, f"the folder {folder} is not writable"))


@contextlib.contextmanager
def replacing(target: Path, mode: int | None = None, shown: Path | None = None) -> Iterator[Path]:
    """A new empty file beside `target` to write; it becomes `target` when the block ends normally.

    Raises PD408 (about `shown`, by default `target`) when the file cannot be made or renamed.
    `mode` is the new file's permissions; by default those of the file it replaces, or those the
    umask gives a new file.
    """
    shown = shown or target
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise cannot_write(shown, error) from None
    os.close(handle)
    temporary = Path(name)
    renamed = False
    try:
        yield temporary
        try:
            os.chmod(temporary, _mode_for(target) if mode is None else mode)
            os.replace(temporary, target)
        except OSError as error:
            raise cannot_write(shown, error) from None
        renamed = True
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _mode_for(target: Path) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux shows it; elsewhere it can only be read by setting it (and setting it straight back)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same inode, or (when one does not exist yet) one path."""
    try:
        return os.path.samestat(os.stat(first), os.stat(second))
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def write_bytes(target: Path, data: bytes) -> None:
    """Replace the file `target` (a symbolic link's target) with `data`, whole or not at all (PD408).

    The data reaches the disk before the rename, so even a power cut leaves the old file or the new."""
    with replacing(Path(os.path.realpath(target)), shown=target) as temporary:
        try:
            with open(temporary, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError as error:
            raise cannot_write(target, error) from None
