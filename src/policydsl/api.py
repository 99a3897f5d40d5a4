"""The public entry: load a policy (cached by content) and evaluate it on enterprise profiles."""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policydsl import model
from policydsl.check.loader import load as load_files
from policydsl.check.policy import check_loaded
from policydsl.diagnostics import Diagnostic, PolicyError, ProfileError, did_you_mean
from policydsl.engine.closures import evaluate as run_compiled
from policydsl.engine.interpret import evaluate as interpret
from policydsl.engine.loop_work import LoopWork
from policydsl.profile import DEFAULT_LIMITS, Limits, ProfileReader, read_value
from policydsl.result import Result

_CACHE: dict[tuple[tuple[str, str], ...], PolicySet] = {}
_LOCK = threading.Lock()


class PolicySet:
    """A checked policy, ready to evaluate enterprise profiles.

    >>> policies = policydsl.load("policies/sanmenxia")
    >>> result = policies.evaluate({"srdi_level": "little_giant"}, as_of=datetime.date(2024, 6, 1))
    >>> result["M3"].status
    'eligible'
    """

    def __init__(self, policy: model.Policy, warnings: tuple[Diagnostic, ...] = (),
                 engine: str = "compiled", limits: Limits = DEFAULT_LIMITS) -> None:
        self.policy = policy
        self.warnings = warnings
        self.engine = engine  # "compiled" (the fast path) or "interpret" (the reference)
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

    def read_params(self, params: Mapping[str, object] | None, *, from_text: bool = False) -> dict[str, object]:
        """Validate parameter values (`{"three_upgrades.cap": 500}`); a bare money number is 万元."""
        values: dict[str, object] = {}
        problems: list[Diagnostic] = []
        for name, raw in (params or {}).items():
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
                values[name] = read_value(parameter.type, raw, name, from_text=from_text, limits=self.limits)
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
        facts = self._reader.read(profile)
        self._loops.check(facts.values)  # PD317 before nested loops would run away
        values = self._params_of(params)
        day = as_of or datetime.date.today()
        engine = interpret if self.engine == "interpret" else run_compiled
        result = engine(self.policy, facts.values, values, day)
        if facts.warnings:
            notes = tuple(f"[{w.code}] {w.path}: {w.message}" if w.path else f"[{w.code}] {w.message}"
                          for w in facts.warnings)
            result = Result(result.policy, result.as_of, result._measures, result.in_force,
                            notes + result.warnings, result.goals)
        return result

    def _params_of(self, params: Mapping[str, object] | None) -> dict[str, object]:
        """`read_params`, kept for the same raw values: a form or a batch passes the same ones on
        every call. Types are part of the key, so `True` and `1` are not taken for each other."""
        if not params:
            return {}
        try:
            key = tuple((name, type(raw), raw) for name, raw in params.items())
            typed = self._typed_params.get(key)
        except TypeError:  # a value that cannot be a key: read it every time
            return self.read_params(params)
        if typed is None:
            typed = self.read_params(params)  # raises for bad values: nothing is kept
            if len(self._typed_params) >= 64:
                self._typed_params.clear()
            self._typed_params[key] = typed
        return typed


def load(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> PolicySet:
    """Parse and check a .pol file or a policy folder; raises PolicyError listing every problem.

    `limits` are the resource limits of the profiles it reads, in `evaluate` and `batch` alike.

    >>> policies = policydsl.load("policies/sanmenxia")
    >>> larger = policydsl.load("policies/sanmenxia", limits=Limits(max_list_items=50_000))
    """
    loaded = load_files(Path(path))
    key = loaded.key()
    with _LOCK:
        cached = _CACHE.get(key) if not loaded.diagnostics else None
    if cached is not None and _outside_files_unchanged(cached.policy):
        return cached if cached.limits == limits else PolicySet(cached.policy, cached.warnings, limits=limits)
    policy, diagnostics = check_loaded(loaded)
    errors = [d for d in diagnostics if d.severity == "error"]
    if policy is None or errors:
        raise PolicyError(errors or diagnostics or [Diagnostic("PD402", f"no policy found in {path}", path=str(path))])
    policy_set = PolicySet(policy, tuple(diagnostics), limits=limits)
    with _LOCK:
        _CACHE[key] = policy_set
    return policy_set


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
    for example in policy.examples:
        declared_in = example.span.source.file if example.span is not None else None
        if (example.profile is not None and declared_in is not None
                and not (Path(declared_in).parent / example.profile).is_file()):
            return False
    return True
