"""Files → parsed modules: reading, imports confined to the policy folder, the root file."""

from __future__ import annotations

import os
import stat
import threading
from collections import OrderedDict
from pathlib import Path

import attrs

from policydsl import gc_pause
from policydsl.diagnostics import Diagnostic, Source, Span, did_you_mean
from policydsl.syntax import ast, stored
from policydsl.syntax.limits import MAX_SOURCE_CHARS

# Parsing is cached by file content: the same text at the same path parses once per process. Only
# the newest text of each path is kept, and only the paths parsed last, so a process that reloads
# an edited file keeps one parse of it, not one per edit.
_PARSE_CACHE: OrderedDict[str, tuple[str, tuple[ast.Module, tuple[Diagnostic, ...]]]] = OrderedDict()
_PARSE_CACHE_PATHS = 512
_PARSE_LOCK = threading.Lock()


@attrs.frozen
class LoadedFile:
    path: Path  # resolved, absolute
    display: str  # as shown in diagnostics
    source: Source
    module: ast.Module
    imports: tuple[Path, ...]
    import_spans: tuple[Span | None, ...]  # parallel to imports


@attrs.frozen
class Loaded:
    folder: Path
    root: LoadedFile | None
    files: tuple[LoadedFile, ...]  # root first, then imports in discovery order
    diagnostics: tuple[Diagnostic, ...]

    def key(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.display, f.source.text) for f in self.files)


def _display(path: Path) -> str:
    """Paths under the working directory are shown relative to it, others in full."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def read_source(path: Path) -> tuple[Source | None, Diagnostic | None]:
    display = _display(path)
    # A file larger than this holds more characters than a .pol file may (UTF-8 takes at most 4
    # bytes a character): only that much is read, and the parser refuses it (PD119).
    most = 4 * MAX_SOURCE_CHARS + 4
    try:
        # Opened without blocking and read only if it is a regular file: reading a FIFO waits forever.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            kind = os.fstat(file.fileno()).st_mode
            if not stat.S_ISREG(kind):
                return None, not_regular(path, _kind(kind))
            data = file.read(most + 1)
    except OSError as error:
        return None, Diagnostic(
            "PD401", f"cannot read {display}: {error.strerror or error}", path=display
        )
    if len(data) > most:
        return Source(display, data.decode("utf-8-sig", errors="replace"), str(path.resolve())), None
    try:
        text = data.decode("utf-8-sig")  # a BOM is tolerated and dropped
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8", errors="replace")
        source = Source(display, prefix + "\ufffd")
        offset = len(prefix)
        return None, Diagnostic(
            "PD114",
            f"the file is not valid UTF-8 (byte 0x{data[error.start]:02x} at byte offset {error.start})",
            Span(source, offset, offset + 1),
            hint="save the file as UTF-8",
        )
    return Source(display, text, str(path.resolve())), None


def folder_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The .pol files of a policy folder (resolved, sorted): regular files inside it. Links to folders
    are not followed; a `.pol` name that is a link leaving the folder, or not a regular file (a FIFO
    would hang the reader, a device too), is refused (PD409) and not read. Hidden files and folders
    (a name starting with `.`) are skipped."""
    root = folder.resolve()
    found: set[Path] = set()
    problems: list[Diagnostic] = []
    for current, folders, names in os.walk(root):  # followlinks=False: a linked folder is not entered
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.endswith(".pol"):
                continue
            path = Path(current, name)
            refusal = _refusal(path, root)
            if refusal is None:
                found.add(path.resolve())
            else:
                problems.append(not_regular(path, refusal))
    return sorted(found), problems


def _refusal(path: Path, root: Path) -> str | None:
    """Why a file of the folder is not read, or None."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = Path(os.path.realpath(path))
            if not _is_inside(target, root):
                return f"a link to {target}, outside the policy folder"
            info = os.stat(target)
    except OSError as error:
        return f"a link that leads nowhere ({error.strerror or error})"
    return None if stat.S_ISREG(info.st_mode) else _kind(info.st_mode)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return "not a regular file"


def not_regular(path: Path, why: str) -> Diagnostic:
    """PD409 at the start of a file that is not read (its text is not known: it is shown empty)."""
    display = _display(path)
    return Diagnostic("PD409", f"{display} is {why}: it is not read", Span(Source(display, ""), 0, 0),
                      hint="keep a policy's .pol files as regular files inside its folder (copy a linked file in)")


def parse_source(source: Source) -> tuple[ast.Module, list[Diagnostic]]:
    """Parse a file: Lark is imported only for a file not parsed before (`stored`)."""
    from policydsl.syntax.parse import parse_source as parse

    return parse(source)


def parse_cached(source: Source) -> tuple[ast.Module, tuple[Diagnostic, ...]]:
    with _PARSE_LOCK:
        entry = _PARSE_CACHE.get(source.path)
        if entry is not None and entry[0] == source.text:
            _PARSE_CACHE.move_to_end(source.path)
            return entry[1]
    cached = stored.load(source)
    if cached is None:
        module, problems = parse_source(source)
        cached = (module, tuple(problems))
        stored.store(source, cached)
    with _PARSE_LOCK:
        _PARSE_CACHE[source.path] = (source.text, cached)  # replaces an older text of the file
        _PARSE_CACHE.move_to_end(source.path)
        if len(_PARSE_CACHE) > _PARSE_CACHE_PATHS:
            _PARSE_CACHE.popitem(last=False)
    return cached


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def load(path: str | os.PathLike[str]) -> Loaded:
    """Read a .pol file or a policy folder with everything it imports."""
    with gc_pause.paused():  # the trees built here all live on (gc_pause)
        return _load(path)


def _load(path: str | os.PathLike[str]) -> Loaded:
    target = Path(path)
    diagnostics: list[Diagnostic] = []
    if target.is_dir():
        folder = target.resolve()
        candidates, refused = folder_files(folder)
        diagnostics.extend(refused)
        if not candidates:
            diagnostics.append(Diagnostic(
                "PD402", f"no .pol file in {_display(folder)}", path=str(target),
                hint="give a .pol file or a folder holding the policy's .pol files"))
            return Loaded(folder, None, (), tuple(diagnostics))
    elif target.is_file():
        folder = target.resolve().parent
        candidates = [target.resolve()]
    elif target.exists():  # a FIFO or a device named on the command line: never opened
        diagnostics.append(not_regular(target, _kind(target.stat().st_mode)))
        return Loaded(Path(target), None, (), tuple(diagnostics))
    else:
        diagnostics.append(Diagnostic(
            "PD401", f"no such file or folder: {target}", path=str(target),
            hint="give the path of a .pol file or of a policy folder"))
        return Loaded(Path(target), None, (), tuple(diagnostics))

    files: dict[Path, LoadedFile] = {}
    imported_by: dict[Path, Path] = {}
    failed: set[Path] = set()

    def visit(file_path: Path) -> list[Path]:
        """Read and parse one file; the files it imports, to visit next."""
        if file_path in files or file_path in failed:
            return []
        source, problem = read_source(file_path)
        if problem is not None:
            diagnostics.append(problem)
            failed.add(file_path)
            return []
        assert source is not None
        module, problems = parse_cached(source)
        diagnostics.extend(problems)
        imports: list[Path] = []
        spans: list[Span | None] = []
        for item in module.items:
            if isinstance(item, ast.Import):
                resolved = _resolve_import(item, file_path, folder, diagnostics)
                if resolved is not None:
                    imports.append(resolved)
                    spans.append(item.span)
        files[file_path] = LoadedFile(
            file_path, source.path, source, module, tuple(imports), tuple(spans)
        )
        for imported in imports:
            imported_by.setdefault(imported, file_path)
        return imports

    # Depth first, in import order, without recursion: a chain of imports can be as long as the
    # folder has files.
    for candidate in candidates:
        pending = [candidate]
        while pending:
            pending.extend(reversed(visit(pending.pop())))

    roots = [f for p, f in files.items() if p not in imported_by and p in candidates]
    if target.is_file():
        roots = [files[candidates[0]]] if candidates[0] in files else []
    _report_cycles(files, diagnostics)
    root: LoadedFile | None = None
    if len(roots) > 1:
        names = ", ".join(r.display for r in roots)
        diagnostics.append(Diagnostic(
            "PD222",
            f"the folder holds {len(roots)} policies that nothing imports: {names}",
            Span(roots[1].source, 0, 0),
            hint="a folder's policy is the one file no other file imports: import the others "
            "from it, or check the files one by one",
        ))
        root = roots[0]
    elif roots:
        root = roots[0]
    elif files:
        # Every file is imported by another one: an import cycle; report it and pick one.
        root = files.get(candidates[0])

    ordered: list[LoadedFile] = []
    if root is not None:
        seen: set[Path] = set()
        stack = [root]
        while stack:
            file = stack.pop()
            if file.path in seen:
                continue
            seen.add(file.path)
            ordered.append(file)
            stack.extend(files[p] for p in reversed(file.imports) if p in files)
    return Loaded(folder, root, tuple(ordered), tuple(diagnostics))


def _resolve_import(
    item: ast.Import, importer: Path, folder: Path, diagnostics: list[Diagnostic]
) -> Path | None:
    assert item.span is not None
    raw = item.path
    if os.path.isabs(raw) or raw.startswith("~"):
        diagnostics.append(Diagnostic(
            "PD220", f"import {raw!r} is an absolute path", item.span,
            hint="import files by a path relative to the importing file, inside the policy folder"))
        return None
    if "\0" in raw:  # no file system accepts it
        diagnostics.append(Diagnostic(
            "PD219", f"import {raw!r} contains a NUL character", item.span,
            hint="write the path of the .pol file as it is on disk"))
        return None
    resolved = (importer.parent / raw).resolve()
    if not _is_inside(resolved, folder):
        diagnostics.append(Diagnostic(
            "PD220", f"import {raw!r} leaves the policy folder", item.span,
            hint=f"a policy may only import files inside {_display(folder)}; copy the file there"))
        return None
    if resolved.suffix != ".pol":
        diagnostics.append(Diagnostic(
            "PD219", f"import {raw!r} is not a .pol file", item.span,
            hint="only .pol files can be imported"))
        return None
    if not resolved.is_file():
        siblings = sorted(p.name for p in resolved.parent.glob("*.pol")) if resolved.parent.is_dir() else []
        hint = did_you_mean(Path(raw).name, siblings) or (
            f"files here: {', '.join(siblings)}" if siblings else None)
        diagnostics.append(Diagnostic("PD219", f"imported file {raw!r} does not exist", item.span, hint=hint))
        return None
    return resolved


def _report_cycles(files: dict[Path, LoadedFile], diagnostics: list[Diagnostic]) -> None:
    state: dict[Path, int] = {}  # 1 on the current path, 2 done
    for start in files:
        if start in state:
            continue
        # An explicit stack of (file, index of its next import): import chains may be long.
        path_stack: list[Path] = [start]
        frames: list[tuple[Path, int]] = [(start, 0)]
        state[start] = 1
        while frames:
            path, index = frames[-1]
            file = files[path]
            if index == len(file.imports):
                frames.pop()
                path_stack.pop()
                state[path] = 2
                continue
            frames[-1] = (path, index + 1)
            imported, span = file.imports[index], file.import_spans[index]
            if imported not in files:
                continue
            if state.get(imported) == 1:
                cycle = [*path_stack[path_stack.index(imported):], imported]
                names = " → ".join(files[p].display for p in cycle)
                diagnostics.append(Diagnostic(
                    "PD221", f"import cycle: {names}", span,
                    hint="move what both files need into a third file that both import"))
            elif imported not in state:
                state[imported] = 1
                path_stack.append(imported)
                frames.append((imported, 0))
