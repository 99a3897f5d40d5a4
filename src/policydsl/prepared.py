"""What is derived from one checked policy, built on first use and kept exactly as long as it.

A checked `model.Policy` carries one `Prepared` (its `prepared` field). A stage that builds
something from the policy alone keeps it there, built once: the engine its compiled closures and
explainers (`engine.closures.compiler_for`), `testing` the boundaries it found. (What also depends
on the caller's limits, the profile reader and the loop limits, is held by the `PolicySet`.)
Nothing of it lives in a module global: dropping the policy (and the `PolicySet` holding it) frees
all of it, so a process that reloads an edited policy many times keeps only the versions in use.

This module sits at the bottom of the pipeline and imports nothing of policydsl: each stage names
its own builder, so the policy need not know the stages above it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

S = TypeVar("S")
T = TypeVar("T")


class Prepared:
    """One policy's derived objects, each built once by the function that makes it.

    >>> prepared = Prepared()
    >>> prepared.get(len, "three")
    5
    >>> prepared.get(len, "ignored: the first one built is kept")
    5
    """

    __slots__ = ("_lock", "_made")

    def __init__(self) -> None:
        self._made: dict[Callable[..., object], object] = {}
        # Reentrant: a builder may ask for another derived object (an explainer needs the closures).
        self._lock = threading.RLock()

    def get(self, make: Callable[[S], T], subject: S) -> T:
        """`make(subject)`, built on the first call and kept; `make` is the key, so each stage
        passes the same function for the same object every time."""
        try:
            return self._made[make]  # type: ignore[return-value]
        except KeyError:
            pass
        with self._lock:  # built once even when threads ask at the same time
            if make not in self._made:
                self._made[make] = make(subject)
            return self._made[make]  # type: ignore[return-value]

    def __reduce__(self) -> tuple[type[Prepared], tuple[()]]:
        # A copied policy starts with nothing derived (what was built holds closures over the
        # original, and a lock cannot be copied): it is rebuilt on first use.
        return (Prepared, ())

    def __len__(self) -> int:
        return len(self._made)

    def __repr__(self) -> str:
        return f"<Prepared: {len(self._made)} derived>"
