"""pytest plugin: the examples written in .pol files, collected as test items (`pytest policies/`).

Registered through the `pytest11` entry point as `policydsl` (`-p no:policydsl` turns it off).
Like Hypothesis's plugin, it imports the policydsl pipeline only inside its hooks, once a `.pol`
file with `example` blocks is found, so that installing policydsl does not slow pytest down.

One item per expectation, `examples.pol::lingbao_little_giant::M2`, under the file the example is
written in; the policy the example runs on is the one of the file's folder (the file no other
imports), loaded once however many of its files are collected. A policy that does not load is
one failing item, `srdi.pol::load`, showing the diagnostics.

Which files: a `.pol` file is collected when it holds `example` blocks. With the ini option
`policydsl_collect = auto` (the default), files inside a Python test suite — below a folder under
the rootdir that holds a `conftest.py` or an `__init__.py` — are left out unless named on the
command line: they are fixtures of that suite (often deliberately broken), not policies under
test. `all` collects them too, `none` turns collection off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from policydsl import model
    from policydsl.api import PolicySet
    from policydsl.result import MeasureResult, Result

MODES = ("auto", "all", "none")
_EXAMPLE = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t]*example[ \t]", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "policydsl_collect",
        "which .pol files' examples are collected: auto (not those inside a Python test suite "
        "unless named on the command line), all, none",
        default="auto",
    )


_MODE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    mode = str(config.getini("policydsl_collect")).strip() or "auto"
    if mode not in MODES:
        raise pytest.UsageError(f"policydsl_collect must be one of {', '.join(MODES)}, not {mode!r}")
    config.stash[_MODE] = mode


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PolicyFile | None:
    if file_path.suffix != ".pol":
        return None
    config = parent.config
    mode = config.stash.get(_MODE, "auto")
    if mode == "none" or not _holds_examples(file_path):
        return None
    if mode == "auto":
        suite = _python_suite(file_path, config.rootpath)
        if suite is not None and not _named(file_path, suite, config):
            return None
    return PolicyFile.from_parent(parent, path=file_path)


def _holds_examples(path: Path) -> bool:
    try:
        return _EXAMPLE.search(path.read_bytes()) is not None
    except OSError:
        return False


def _python_suite(path: Path, rootdir: Path) -> Path | None:
    """The innermost folder (below the rootdir) holding a `conftest.py` or `__init__.py` that
    contains `path`: the file is then a fixture of a Python test suite."""
    for folder in path.parents:
        if folder == rootdir or rootdir not in folder.parents:
            return None
        if (folder / "conftest.py").is_file() or (folder / "__init__.py").is_file():
            return folder
    return None


def _named(path: Path, suite: Path, config: pytest.Config) -> bool:
    """Whether the command line names this file, or a folder of fixtures below the suite's folder
    (`pytest tests/cases`, not `pytest tests`)."""
    base = config.invocation_params.dir
    for arg in config.args:
        named = (base / arg.split("::")[0]).resolve()
        if named == path.resolve() or (named.is_dir() and suite in named.parents and named in path.parents):
            return True
    return False


# ---- finding the policy a file belongs to -------------------------------------------------------


class _Loaded:
    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies


class _Broken:
    def __init__(self, key: Path, rendered: str) -> None:
        self.key = key
        self.rendered = rendered


class _Policies:
    """Per session: the policy of each folder (or root file), loaded once; broken ones reported once."""

    def __init__(self) -> None:
        self.found: dict[Path, _Loaded | _Broken] = {}
        self.reported: set[Path] = set()

    def of(self, path: Path, rootdir: Path) -> _Loaded | _Broken:
        target = _policy_target(path, rootdir)
        if target not in self.found:
            self.found[target] = _load(target)
        return self.found[target]


_POLICIES = pytest.StashKey[_Policies]()


def _policy_folder(path: Path, rootdir: Path) -> Path:
    """The folder of the policy a file belongs to: its own, or the nearest ancestor of a run of
    folders that all hold .pol files (a policy may keep files in subfolders)."""
    folder = path.parent
    while folder != rootdir and folder.parent != folder and any(folder.parent.glob("*.pol")):
        folder = folder.parent
    return folder


def _policy_target(path: Path, rootdir: Path) -> Path:
    """What to load for a file: its policy folder, or, when that folder holds several policies,
    the root file that imports this one."""
    from policydsl.checker.loader import load as load_files  # the pipeline is imported on first use only

    folder = _policy_folder(path, rootdir)
    loaded = load_files(folder)
    if not any(d.code == "PD222" for d in loaded.diagnostics):
        return folder
    candidates = sorted(p.resolve() for p in folder.rglob("*.pol"))
    closures = {candidate: {f.path for f in load_files(candidate).files} for candidate in candidates}
    imported = {p for candidate, closure in closures.items() for p in closure if p != candidate}
    for candidate in candidates:
        if candidate not in imported and path.resolve() in closures[candidate]:
            return candidate
    return path.resolve()


def _load(target: Path) -> _Loaded | _Broken:
    from policydsl.api import load
    from policydsl.diagnostics import PolicydslError

    try:
        return _Loaded(load(target))
    except PolicydslError as error:
        return _Broken(target, error.render())


# ---- collectors and items ---------------------------------------------------------------------------


class PolicyFile(pytest.File):
    """A .pol file: the examples written in it, run on the policy of its folder."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        registry = self.config.stash.setdefault(_POLICIES, _Policies())
        found = registry.of(self.path, self.config.rootpath)
        if isinstance(found, _Broken):
            if found.key in registry.reported:
                return []
            registry.reported.add(found.key)
            return [PolicyLoadItem.from_parent(self, name="load", rendered=found.rendered, target=found.key)]
        here = self.path.resolve()
        examples = [example for example in found.policies.policy.examples
                    if example.span is not None and Path(example.span.source.path).resolve() == here]
        return [ExampleCollector.from_parent(self, name=example.id, example=example, policies=found.policies)
                for example in examples]


class PolicyLoadError(Exception):
    """The policy does not parse or check; the message holds the rendered diagnostics."""


class ExampleFailure(Exception):
    """An expectation did not hold, or the example could not run; the message is the report."""


class PolicyLoadItem(pytest.Item):
    """The one failing item of a policy that does not parse or check."""

    def __init__(self, *, rendered: str, target: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rendered = rendered
        self.target = target  # the folder (or root file) that was loaded

    def runtest(self) -> None:
        raise PolicyLoadError(self.rendered)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, PolicyLoadError):
            return f"the policy does not load:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"policy {self.target.stem} does not load"


class ExampleCollector(pytest.Collector):
    """One `example` block: its profile is evaluated once, each `expect` line is an item."""

    def __init__(self, *, example: model.Example, policies: PolicySet, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.example = example
        self.policies = policies
        self._outcome: Result | str | None = None

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        if not self.example.expects:
            return [ExpectationItem.from_parent(self, name="runs", expect=None)]
        items: list[pytest.Item | pytest.Collector] = []
        seen: dict[str, int] = {}
        for expect in self.example.expects:
            seen[expect.measure] = seen.get(expect.measure, 0) + 1
            name = expect.measure if seen[expect.measure] == 1 else f"{expect.measure}[{seen[expect.measure]}]"
            items.append(ExpectationItem.from_parent(self, name=name, expect=expect))
        return items

    def outcome(self) -> Result | str:
        """The example's result, or why it could not run (computed once for all its items)."""
        if self._outcome is None:
            self._outcome = run_example(self.policies, self.example)
        return self._outcome


class ExpectationItem(pytest.Item):
    """One `expect MEASURE status …` line of an example."""

    def __init__(self, *, expect: model.Expectation | None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.expect = expect

    @property
    def example(self) -> ExampleCollector:
        parent = self.parent
        assert isinstance(parent, ExampleCollector)
        return parent

    def runtest(self) -> None:
        outcome = self.example.outcome()
        if isinstance(outcome, str):
            raise ExampleFailure(outcome)
        if self.expect is not None:
            report = check_expectation(self.example.example, self.expect, outcome[self.expect.measure])
            if report is not None:
                raise ExampleFailure(report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, ExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        node = self.expect or self.example.example
        line = node.span.line - 1 if node.span is not None else None
        what = f"expect {self.expect.measure}" if self.expect is not None else "runs"
        return self.path, line, f"example {self.example.example.id}: {what}"


# ---- running an example --------------------------------------------------------------------------------


def run_example(policies: PolicySet, example: model.Example) -> Result | str:
    """Evaluate an example's profile (the checker found it, relative to the file the example is
    written in); the Result, or the rendered reason it could not run."""
    from policydsl.diagnostics import PolicydslError

    try:
        return policies.evaluate(example.profile_path, as_of=example.as_of, params=dict(example.params))
    except PolicydslError as error:
        where = example.span.location() if example.span is not None else example.id
        return f"{where}: example {example.id} could not run:\n{error.render()}"


def check_expectation(example: model.Example, expect: model.Expectation, measure: MeasureResult) -> str | None:
    """None when the expectation holds, else the report: expected and actual, each part that
    differs, and the explanation of the measure."""
    from policydsl.examples import check_expect, describe_measure, expected_text
    from policydsl.result import explanation_text

    if check_expect(expect, measure):
        return None
    where = expect.span.location() if expect.span is not None else example.id
    lines = [f"{where}: example {example.id}, measure {expect.measure}",
             f"  expected: {expected_text(expect)}",
             f"  actual:   {describe_measure(measure)}"]
    lines += [f"  ✗ {difference}" for difference in _differences(expect, measure)]
    lines.append(f"explanation of {expect.measure}:")
    lines += ["  " + line for line in explanation_text(measure.explanation).splitlines()]
    return "\n".join(lines)


def _differences(expect: model.Expectation, measure: MeasureResult) -> list[str]:
    out: list[str] = []
    if measure.status != expect.status:
        out.append(f"status: expected {expect.status}, got {measure.status}")
    shown_total = str(measure.total) if measure.total is not None else "none"
    if expect.total is not None and measure.total != expect.total:
        out.append(f"total: expected {expect.total}, got {shown_total}")
    if expect.no_total and measure.total is not None:
        out.append(f"total: expected none, got {shown_total}")
    if expect.at_most is not None:
        bound = measure.at_most if measure.total is None else None
        if bound != expect.at_most:
            out.append(f"at most: expected {expect.at_most}, got {bound or 'no bound'}")
    if expect.unknowns is not None and set(expect.unknowns) != set(measure.unknowns):
        missing = sorted(set(expect.unknowns) - set(measure.unknowns))
        extra = sorted(set(measure.unknowns) - set(expect.unknowns))
        parts = ([f"not unknown: {', '.join(missing)}"] if missing else []) + (
            [f"also unknown: {', '.join(extra)}"] if extra else [])
        out.append("unknowns: " + "; ".join(parts))
    from policydsl.examples import outcome_differences

    out += outcome_differences(expect, measure)
    return out
