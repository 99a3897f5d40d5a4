"""JSON text of a profile → the decoded document: file and byte limits, UTF-8, repeated keys, nesting."""

from __future__ import annotations

import codecs
import json
import os
import threading
from decimal import Decimal
from typing import NoReturn

from policydsl.diagnostics import Diagnostic, ProfileError, Source, Span
from policydsl.profile.limits import Limits

NOT_AN_OBJECT_HINT = 'a profile is one JSON object of facts: {"fact": value, …}'


class Odd:
    """What JSON text decodes NaN/Infinity or an over-long integer to, so they are reported by path."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def is_number(self) -> bool:  # an over-long integer rather than NaN or ±Infinity
        return self.text[-1:].isdigit()


class _DuplicateKeys(dict):  # type: ignore[type-arg]
    """A decoded JSON object in which some key was repeated (the last value is kept)."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


def key_path(prefix: str, key: object) -> str:
    """The JSON path of `key` in the object at `prefix` (`""` or `"projects[0]."`)."""
    if isinstance(key, str) and key.isidentifier():
        return prefix + key
    return f"{prefix.removesuffix('.')}[{json.dumps(str(key), ensure_ascii=False)}]"


def fatal(code: str, message: str, path: str, hint: str | None = None, span: Span | None = None) -> NoReturn:
    """Refuse the whole profile with one diagnostic."""
    raise ProfileError([Diagnostic(code, message, span=span, hint=hint, path=path)])


_DECODING = threading.local()  # .duplicates: whether this thread's current decode saw a repeated key


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    _DECODING.duplicates = True
    marked, seen = _DuplicateKeys(obj), set()
    marked.duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    return marked


def int_or_odd(text: str) -> int | Odd:
    """An integer literal, or Odd when Python refuses int() of it (more than 4,300 digits)."""
    return int(text) if len(text) <= 4000 else Odd(text)


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Odd, object_pairs_hook=_pairs)
_LONG_INT_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Odd, object_pairs_hook=_pairs,
                                     parse_int=int_or_odd)


def _duplicates(document: object) -> list[Diagnostic]:
    """PD308 for every repeated key, found by a walk with an explicit stack (no recursion)."""
    found: list[Diagnostic] = []
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            prefix = f"{path}." if path else ""
            found.extend(Diagnostic("PD308", f"duplicate key '{key}'", path=key_path(prefix, key),
                                    hint="a key may appear once in an object; keep the one you mean")
                         for key in getattr(node, "duplicates", ()))
            stack.extend((value, key_path(prefix, key)) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{index}]") for index, value in reversed(list(enumerate(node))))
    return found


def _text(data: bytes, source: str) -> str:
    """JSON bytes → text, or PD309 for another encoding than UTF-8."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # also the UTF-32 marks
        fatal("PD309", f"{source} is encoded as UTF-16 or UTF-32", source, "save the profile as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        start = len(data[: error.start].decode("utf-8"))
        fatal("PD309", f"invalid UTF-8: the byte 0x{data[error.start]:02x} cannot be decoded", source,
              "save the profile as UTF-8", Span(Source(source, text), start, start + 1))
    return text


# Without a hook the objects are built in C, in a quarter less time; the reader then finds that
# no key was repeated by counting colons (ProfileReader.read), and decodes with `decode` when one
# may have been.
_PLAIN_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Odd)


def plain_decode(text: str) -> object:
    """The document, decoded as `decode` does but with no note of repeated keys; None for any
    problem, which `decode` reports."""
    try:
        return _PLAIN_DECODER.decode(text)
    except (ValueError, RecursionError):
        return None


def decode(text: str, source: str) -> tuple[object, list[Diagnostic]]:
    """JSON text → the document (exact decimals) and its duplicate-key problems."""
    _DECODING.duplicates = False
    try:
        try:
            document = _DECODER.decode(text)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer literal beyond Python's digit limit: decode it apart
            document = _LONG_INT_DECODER.decode(text)
    except json.JSONDecodeError as error:
        fatal("PD309", f"invalid JSON: {error.msg[:1].lower()}{error.msg[1:]}", source, NOT_AN_OBJECT_HINT,
              Span(Source(source, text), error.pos, min(error.pos + 1, len(text))))
    except RecursionError:
        fatal("PD311", "the JSON nests too deeply to be read", source,
              "a profile is an object of facts whose lists hold objects of facts")
    return document, _duplicates(document) if _DECODING.duplicates else []


def load(data: object, source: str, limits: Limits) -> tuple[str | None, str]:
    """What a reader was given → (its JSON text, or None when it is not bytes or a path; the
    source's name). Bytes and files beyond `limits.max_profile_bytes` are refused (PD316)."""
    most = limits.max_profile_bytes
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) > most:
            # Readers of long inputs (a JSON Lines batch) keep one byte past the limit, no more.
            _too_large(source, f"{len(data):,} bytes" if len(data) > most + 1 else f"more than {most:,} bytes",
                       limits)
        return _text(bytes(data), source), source
    if not isinstance(data, str | os.PathLike):
        return None, source
    name = os.fsdecode(data)
    source = name if source == "profile" else source
    too_large = ""
    try:
        with open(name, "rb") as file:
            # A file of gigabytes is refused, not read. Reading the size fstat gives (and a byte more)
            # rather than the limit at once: a read(n) allocates n bytes first, 10 MB in 15 µs.
            size = os.fstat(file.fileno()).st_size
            raw = file.read(min(size, most) + 1)
            if len(raw) > size:  # it grew, or a pipe or /proc file, whose size is 0: read on to the limit
                raw += file.read(most + 1 - len(raw))
            if len(raw) > most:
                size = os.fstat(file.fileno()).st_size
                too_large = f"{size:,} bytes" if size > most else f"more than {most:,} bytes"
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        looks_like_json = isinstance(data, str) and data.lstrip().startswith(("{", "["))
        fatal("PD309", f"cannot read the profile {name!r}: {getattr(error, 'strerror', None) or error}", source,
              "a str is read as a file path; pass JSON text as bytes or a dict" if looks_like_json else None)
    if too_large:
        _too_large(source, too_large, limits)
    return _text(raw, source), source


def _too_large(source: str, size: str, limits: Limits) -> NoReturn:
    fatal("PD316", f"the profile is {size}, more than the limit of {limits.max_profile_bytes:,} bytes", source,
          limits.hint("max_profile_bytes"))
