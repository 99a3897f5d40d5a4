"""The public entry: check and load policies (cached by content), evaluate, write SQL, run batches.

Everything the command line does goes through here (cli.py only parses flags and prints), so a
script can do the same: `check` a policy without an exception, `load` it, `evaluate` profiles,
print its screening as `sql`, or `batch` a table of profiles.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from policydsl import atomic, model
from policydsl.checker.loader import Loaded, folder_files
from policydsl.checker.loader import load as load_files
from policydsl.checker.policy import check_loaded
from policydsl.diagnostics import Diagnostic, PolicyError, ProfileError, UsageError, did_you_mean
from policydsl.engine.closures import evaluate as run_compiled
from policydsl.engine.loop_work import LoopWork
from policydsl.prepared import Prepared
from policydsl.profile import DEFAULT_LIMITS, Limits, ProfileReader, read_value
from policydsl.result import Result

if TYPE_CHECKING:
    from policydsl.batch.outputs import BatchSummary

# Checked policies by where they were loaded from (folder and root file), each with the content it
# was checked from. A location keeps only its newest version, and only the locations loaded last
# are kept: a process that reloads an edited policy holds one version of it, not one per edit.
_CACHE: OrderedDict[tuple[str, str], tuple[tuple[tuple[str, str], ...], PolicySet]] = OrderedDict()
_CACHE_LOCATIONS = 16
_LOCK = threading.Lock()


class PolicySet:
    """A checked policy, ready to evaluate enterprise profiles.

    >>> policies = policydsl.load("policies/sanmenxia")
    >>> result = policies.evaluate({"srdi_level": "little_giant"}, as_of=datetime.date(2024, 6, 1))
    >>> result["M3"].status
    'eligible'
    """

    def __init__(self, policy: model.Policy, warnings: tuple[Diagnostic, ...] = (),
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.policy = policy
        self.warnings = warnings
        self.limits = limits  # the resource limits of its profiles, in evaluate and batch alike
        self._reader = ProfileReader(policy.schema, limits)
        self._loops = LoopWork(policy, limits)
        self._typed_params: dict[tuple[object, ...], dict[str, object]] = {}

    @property
    def id(self) -> str:
        return self.policy.header.id

    @property
    def measures(self) -> tuple[model.Measure, ...]:
        return self.policy.measures

    @property
    def prepared(self) -> Prepared:
        """What the stages derive from the policy (compiled closures and explainers, boundaries),
        built on first use and freed with it, as this set's profile reader and loop limits are:
        nothing of a policy is kept in a module global."""
        return self.policy.prepared

    def read_params(self, params: Mapping[str, object] | None, *, from_text: bool = False) -> dict[str, object]:
        """Validate parameter values (`{"three_upgrades.cap": 500}`); a bare money number is 万元."""
        values: dict[str, object] = {}
        problems: list[Diagnostic] = []
        for name, raw in _mapping(params).items():
            if raw is None and name in self.policy.parameters:
                continue  # like an absent fact, None means "not supplied"
            parameter = self.policy.parameters.get(name)
            if parameter is None:
                known = ", ".join(self.policy.parameters) or "none"
                problems.append(Diagnostic(
                    "PD403", f"unknown parameter '{name}'", path=name,
                    hint=did_you_mean(name, self.policy.parameters) or f"the parameters are: {known}"))
                continue
            try:
                values[name] = read_value(parameter.type, raw, name, from_text=from_text, limits=self.limits,
                                          minimum=parameter.minimum, maximum=parameter.maximum)
            except ProfileError as error:
                problems.extend(error.diagnostics)
        if problems:
            raise ProfileError(problems)
        return values

    def evaluate(
        self,
        profile: Mapping[str, Any] | str | os.PathLike[str],
        as_of: datetime.date | None = None,
        params: Mapping[str, object] | None = None,
    ) -> Result:
        """Apply every measure to one enterprise profile; raises ProfileError for a bad profile."""
        day = _day(as_of)
        facts = self._reader.read(profile)
        self._loops.check(facts.values)  # PD317 before nested loops would run away
        values = self._params_of(params)
        return run_compiled(self.policy, facts.values, values, day)

    def _params_of(self, params: Mapping[str, object] | None) -> dict[str, object]:
        """`read_params`, kept for the same raw values: a form or a batch passes the same ones on
        every call. Types are part of the key, so `True` and `1` are not taken for each other."""
        if not params:
            return {}
        try:
            key = tuple((name, type(raw), raw) for name, raw in _mapping(params).items())
            typed = self._typed_params.get(key)
        except TypeError:  # a value that cannot be a key: read it every time
            return self.read_params(params)
        if typed is None:
            typed = self.read_params(params)  # raises for bad values: nothing is kept
            if len(self._typed_params) >= 64:
                self._typed_params.clear()
            self._typed_params[key] = typed
        return typed

    def sql(self, dialect: str = "duckdb", *, as_of: datetime.date | None = None,
            params: Mapping[str, object] | None = None) -> str:
        """The screening of every measure as one SQL query, for a data warehouse.

        The query reads a table `profiles` (a column `row` and one column per fact; the comment
        above the query lists them) and returns per measure M: M_status, M_total (万元) and
        M_unknowns. The day and the parameters are fixed in the query. Raises UsageError for an
        unknown dialect (PD404) or a policy SQL cannot express (PD406), ProfileError for a bad
        parameter.

        >>> policies = policydsl.load("policies/sanmenxia")
        >>> text = policies.sql("postgres", as_of=datetime.date(2024, 6, 1),
        ...                     params={"three_upgrades.cap": 500})
        >>> text.startswith("-- sanmenxia.srdi: the screening of every measure as of 2024-06-01 (postgres)")
        True
        """
        from policydsl.sql.dialects import NAMES
        from policydsl.sql.query import compile_policy, describe_input
        from policydsl.sql.shapes import SqlUnsupported

        if dialect not in NAMES:
            raise UsageError([Diagnostic("PD404", f"unknown SQL dialect {dialect!r}", path=dialect,
                                         hint=f"use one of {', '.join(NAMES)}")])
        values = self.read_params(params)
        day = _day(as_of)
        try:
            query = compile_policy(self.policy, values, day, dialect=dialect)
        except SqlUnsupported as error:
            raise UsageError([Diagnostic("PD406", f"this policy cannot be written as SQL: {error}", path=self.id,
                                         hint="batches of it run with `policydsl batch --engine python`")]) from None
        lines = [f"-- {self.id}: the screening of every measure as of {day} ({dialect})",
                 "-- generated by `policydsl sql`; the input table profiles has the columns:"]
        lines += [f"--   {column}" for column in describe_input(self.policy.schema, dialect)]
        lines.append("-- and the result, per measure M: M_status, M_total (万元), M_unknowns (paths of unknown facts)")
        return "\n".join(lines) + "\n" + query.sql() + ";\n"

    def batch(self, input: str | os.PathLike[str], output: str | os.PathLike[str], *, engine: str = "duckdb",
              as_of: datetime.date | None = None, params: Mapping[str, object] | None = None,
              progress: Callable[[int, int], None] | None = None) -> BatchReport:
        """Evaluate every profile of a table and write one result row per input row.

        `input` is .jsonl, .csv or .parquet, `output` .parquet, .csv or .jsonl (the columns are
        described by `policydsl batch --help`); a row that is not a valid profile becomes an error
        row. `engine` is "duckdb" (the table checked and evaluated in SQL) or "python" (row by
        row); both write the same output. `progress(done, total)` is called as rows are done.
        Returns the counts and the text `policydsl batch` prints; raises UsageError for an input
        that cannot be read as a whole or an unknown format or engine, ProfileError for a bad
        parameter.

        >>> report = policies.batch("firms.parquet", "results.parquet", as_of=datetime.date(2024, 6, 1))
        >>> report.summary.rows
        1000
        >>> print(report)  # rows, statuses and totals per measure, goals
        """
        from policydsl.batch.outputs import summary_lines
        from policydsl.batch.run import run_batch

        values = self.read_params(params)
        day = _day(as_of)
        summary = run_batch(self.policy, Path(input), Path(output), as_of=day, params=values, engine=engine,
                            progress=progress, limits=self.limits)
        return BatchReport(summary, "\n".join(summary_lines(summary, self.policy, os.fspath(output), day)))


@attrs.frozen
class BatchReport:
    """What `PolicySet.batch` did: the counts (`summary`: rows, error rows, statuses and totals per
    measure, goals) and the same as text, as `policydsl batch` prints it (`str(report)`)."""

    summary: BatchSummary
    text: str

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class CheckResult:
    """The diagnostics of checking a policy (`check`), errors and warnings, in file order.

    `ok` is true when there is no error (warnings do not make a policy unusable); `unreadable`
    when the path itself is the problem (it does not exist, or holds no .pol file).
    """

    path: str
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity != "error")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unreadable(self) -> bool:
        return any(d.code in ("PD401", "PD402") for d in self.diagnostics)


def check(path: str | os.PathLike[str]) -> CheckResult:
    """Parse and check a .pol file or a policy folder; never raises for what is wrong with it.

    >>> checked = policydsl.check("policies/sanmenxia")
    >>> checked.ok, checked.errors
    (True, ())
    >>> for diagnostic in policydsl.check("broken.pol").diagnostics:
    ...     print(diagnostic.location(), diagnostic.code, diagnostic.message)
    """
    _, diagnostics = _check(load_files(Path(path)))
    return CheckResult(os.fspath(path), tuple(diagnostics))


def _check(loaded: Loaded) -> tuple[model.Policy | None, list[Diagnostic]]:
    """The checker's answer; clashing amendments (PD242) come with a profile on which both apply,
    found by evaluating their conditions (engine/clashes.py), and then no policy."""
    policy, diagnostics = check_loaded(loaded, keep_clashes=True)
    if not any(d.code == "PD242" for d in diagnostics):
        return policy, diagnostics
    if policy is not None:
        from policydsl.engine.clashes import with_witnesses

        diagnostics = with_witnesses(policy, diagnostics)
    return None, diagnostics


@attrs.frozen
class Formatted:
    """What `format_files` did: the files not in the canonical format (rewritten unless only
    checking), and the problems of the files it could not format (unreadable, not parsing)."""

    changed: tuple[str, ...]
    problems: tuple[Diagnostic, ...]


def _day(as_of: object) -> datetime.date:
    """`as_of` checked to be a day (a TypeError that says what to pass), or today."""
    if as_of is None:
        return datetime.date.today()
    if isinstance(as_of, datetime.datetime):  # a date too, but a time of day means nothing to a policy
        raise TypeError(f"as_of must be a datetime.date, not the datetime {as_of!r}: pass as_of.date()")
    if not isinstance(as_of, datetime.date):
        hint = f"datetime.date.fromisoformat({as_of!r})" if isinstance(as_of, str) else "datetime.date(2024, 6, 1)"
        raise TypeError(f"as_of must be a datetime.date, not the {type(as_of).__name__} {as_of!r}: pass {hint}")
    return as_of


def _mapping(params: object) -> Mapping[str, object]:
    """`params` checked to be a mapping of parameter names to values (a TypeError that says so)."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of parameter names to values, e.g. {{\"three_upgrades.cap\": "
                        f"500}}, not the {type(params).__name__} {params!r:.80}")
    return params


def format_files(paths: Sequence[str | os.PathLike[str]], *, write: bool = True) -> Formatted:
    """Format .pol files (and the .pol files of folders) canonically, comments kept; with
    `write=False` only report which would change. A file that does not parse is left as it is and
    its problems returned; a path that does not exist raises UsageError (PD401).

    >>> format_files(["policies/sanmenxia"], write=False).changed
    ()
    """
    from policydsl.checker.loader import read_source
    from policydsl.syntax.format import format_text
    from policydsl.syntax.parse import parse_source

    changed: list[str] = []
    files, refused = _policy_files(paths)
    problems: list[Diagnostic] = list(refused)
    for file in files:
        source, problem = read_source(file)
        if problem is not None:
            problems.append(problem)
        if source is None:
            continue
        _, syntax = parse_source(source)
        errors = [d for d in syntax if d.severity == "error"]
        if errors:
            problems.extend(errors)
            continue
        formatted = format_text(source.text, source.path)
        if formatted != source.text:
            changed.append(source.path)
            if write:  # whole or not at all: a full disk or a size limit never leaves it cut short
                atomic.write_bytes(file, formatted.encode("utf-8"))
    return Formatted(tuple(changed), tuple(problems))


def _policy_files(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """The .pol files named or inside the folders named, and the refusals of `loader.folder_files`."""
    files: list[Path] = []
    refused: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, problems = folder_files(path)
            files.extend(found)
            refused.extend(problems)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError([Diagnostic("PD401", f"no such file or folder: {os.fspath(raw)}", path=os.fspath(raw),
                                         hint="give a .pol file or a policy folder")])
    return files, refused


def load(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> PolicySet:
    """Parse and check a .pol file or a policy folder; raises PolicyError listing every problem.

    The same files (and source document, and example profiles) give the same PolicySet.
    `limits` are the resource limits of the profiles it reads, in `evaluate` and `batch` alike.

    >>> policies = policydsl.load("policies/sanmenxia")
    >>> larger = policydsl.load("policies/sanmenxia", limits=Limits(max_list_items=50_000))
    """
    loaded = load_files(Path(path))
    key, location = loaded.key(), _location(loaded)
    cached = None
    if not loaded.diagnostics:
        with _LOCK:
            entry = _CACHE.get(location)
            if entry is not None and entry[0] == key:
                _CACHE.move_to_end(location)
                cached = entry[1]
    if cached is not None and _outside_files_unchanged(cached.policy):
        return cached if cached.limits == limits else PolicySet(cached.policy, cached.warnings, limits=limits)
    policy, diagnostics = _check(loaded)
    errors = [d for d in diagnostics if d.severity == "error"]
    if policy is None or errors:
        raise PolicyError(errors or diagnostics or [Diagnostic("PD402", f"no policy found in {path}", path=str(path))])
    policy_set = PolicySet(policy, tuple(diagnostics), limits=limits)
    with _LOCK:
        _CACHE[location] = (key, policy_set)  # an older version of these files is dropped
        _CACHE.move_to_end(location)
        if len(_CACHE) > _CACHE_LOCATIONS:
            _CACHE.popitem(last=False)
    return policy_set


def _location(loaded: Loaded) -> tuple[str, str]:
    return str(loaded.folder), str(loaded.root.path) if loaded.root is not None else ""


def _outside_files_unchanged(policy: model.Policy) -> bool:
    """The check also read files other than .pol ones: the source document (quotes are checked
    against it) and the example profiles (they must exist). A cached policy stands only while
    they are as the check saw them; the source document is small, so it is compared whole."""
    root = policy.sources[policy.root].file if policy.root in policy.sources else None
    if root is None:
        return True
    if policy.header.source is not None:
        try:
            text = (Path(root).parent / policy.header.source).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        if text != policy.source_text:
            return False
    return all(Path(example.profile_path).is_file() for example in policy.examples)
