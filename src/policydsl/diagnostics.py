"""Source spans, diagnostics and their rendering: the leaf every stage reports through."""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cached_property
from typing import Literal

import attrs

Severity = Literal["error", "warning"]
_NEWLINE = re.compile("\n")
# A source line longer than this many characters is shown cut around the caret, with "…" marks.
MAX_EXCERPT = 160
_BEFORE_CARET = 60  # characters kept before the caret in a cut line
# In a shown source line a tab is one space and other control characters are their pictures
# (NUL as ␀), one column each, so that the line prints safely and the caret stays aligned.
_SHOWN = {code: 0x2400 + code for code in range(0x20)} | {0x09: 0x20, 0x7F: 0x2421}


@attrs.define(frozen=True, eq=False)
class Source:
    """The text of one .pol file, with the path it is shown under."""

    path: str
    text: str
    file: str | None = None  # the absolute path, where the text came from a file

    @cached_property
    def line_starts(self) -> list[int]:
        """Offsets where lines start; only "\n" ends a line (a "\r" before it belongs to no column)."""
        return [0, *(match.end() for match in _NEWLINE.finditer(self.text))]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")


@attrs.frozen
class Span:
    """A range of characters in a source; positions are computed on demand."""

    source: Source = attrs.field(eq=False, repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def location(self) -> str:
        line, column = self.source.line_col(self.start)
        return f"{self.source.path}:{line}:{column}"

    def to(self, other: Span) -> Span:
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))


@attrs.frozen
class Label:
    """A secondary span with a short note, e.g. where a duplicate was first defined."""

    span: Span
    message: str


@attrs.frozen
class Diagnostic:
    """One problem found in policy text, a profile or a command line."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = "error"
    labels: tuple[Label, ...] = ()
    path: str | None = None  # where there is no span: a JSON path or a command-line flag

    def location(self) -> str:
        if self.span is not None:
            return self.span.location()
        return self.path or ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        if self.span is not None:
            out.update(file=self.span.source.path, line=self.span.line, column=self.span.column)
        if self.path is not None:
            out["path"] = self.path
        if self.hint:
            out["hint"] = self.hint
        return out


def display_width(text: str) -> int:
    """Terminal cells taken by text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _caret_lines(span: Span, note: str = "") -> list[str]:
    """The source line and a caret run under the span.

    A tab is shown as one space (a column counts characters, so a tab is one column), another control
    character as its picture (NUL as ␀); a line longer
    than MAX_EXCERPT characters is cut to a window around the caret, with "…" where it was cut.
    """
    line, column = span.source.line_col(span.start)
    text = span.source.line_text(line)
    end_line, _ = span.source.line_col(max(span.start, span.end - 1))
    # A multi-line span is underlined to the end of its first line.
    start = min(column - 1, len(text))
    stop = len(text) if end_line != line else start + max(1, span.end - span.start)
    before = after = ""
    if len(text) > MAX_EXCERPT:
        first = max(0, min(start - _BEFORE_CARET, len(text) - MAX_EXCERPT))
        last = first + MAX_EXCERPT
        before = "…" if first > 0 else ""
        after = "…" if last < len(text) else ""
        text, start, stop = text[first:last], start - first, min(stop, last) - first
    shown = text.translate(_SHOWN)
    pad = display_width(before + shown[:start])
    width = max(1, display_width(shown[start:stop]))
    gutter = f"{line:>4} | "
    caret = " " * len(gutter[:-2]) + "| " + " " * pad + "^" * width
    return [gutter + before + shown + after, caret + (f" {note}" if note else "")]


def render(diagnostic: Diagnostic) -> str:
    """`file:line:col: error[PDnnn]: message`, the source line, a caret run and the hint."""
    where = diagnostic.location()
    head = f"{where}: " if where else ""
    lines = [f"{head}{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"]
    if diagnostic.span is not None:
        lines.extend(_caret_lines(diagnostic.span))
    for label in diagnostic.labels:
        lines.append(f"  note: {label.span.location()}: {label.message}")
        lines.extend(_caret_lines(label.span))
    if diagnostic.hint:
        lines.append(f"  help: {diagnostic.hint}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n\n".join(render(d) for d in diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint naming the closest candidate, if any is close."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, str, str]:
    """Diagnostics are shown by file and position; code and message break ties deterministically."""
    if diagnostic.span is None:
        return (diagnostic.path or "", 0, diagnostic.code, diagnostic.message)
    return (diagnostic.span.source.path, diagnostic.span.start, diagnostic.code, diagnostic.message)


class PolicydslError(Exception):
    """Base of the errors policydsl raises for bad input; `.diagnostics` lists every problem."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], summary: str = "") -> None:
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else ""
        super().__init__(summary or f"{len(self.diagnostics)} problem(s): {first}")

    def render(self) -> str:
        return render_all(self.diagnostics)


class PolicyError(PolicydslError):
    """The policy text does not parse or check.

    >>> try:
    ...     policydsl.load("broken.pol")
    ... except policydsl.PolicyError as error:
    ...     print(error.render())
    """


class ProfileError(PolicydslError):
    """An enterprise profile (or a parameter value) is invalid; its bad fields are listed, the first
    MAX_PROBLEMS_SHOWN of them and then one line counting the rest (a line of JSON with 600,000
    unknown keys would otherwise make an error cell of 177 MB)."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], summary: str = "") -> None:
        if len(diagnostics) > MAX_PROBLEMS_SHOWN + 1:
            rest = diagnostics[MAX_PROBLEMS_SHOWN:]
            diagnostics = [*diagnostics[:MAX_PROBLEMS_SHOWN], Diagnostic(
                rest[0].code, f"… and {len(rest):,} more problems of this profile",
                hint="correct the ones above first")]
        super().__init__(diagnostics, summary)


MAX_PROBLEMS_SHOWN = 20  # problems of one profile listed before the rest are only counted


class UsageError(PolicydslError):
    """A call or command line that cannot be carried out (unknown measure, bad flag value)."""
