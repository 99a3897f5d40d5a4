"""Reloading an edited policy keeps memory flat: what is derived from a policy is freed with it.

Everything built from one checked policy (compiled closures, explainers, boundaries) is kept in
its `prepared` field, the profile reader and loop limits in its PolicySet, never in a module
global; and `load` keeps only the newest version of a folder. A process that reloads an edited policy many times (an
editor, a service watching a folder) must not grow with every edit.
"""

from __future__ import annotations

import datetime
import gc
import json
import shutil
import tracemalloc
import weakref
from pathlib import Path

import pytest

import policydsl
from policydsl import api
from policydsl.engine.closures import compiler_for
from policydsl.testing.boundaries import find_boundaries
from tests.conftest import ROOT, SANMENXIA

AS_OF = datetime.date(2024, 6, 1)
SMALL = ROOT / "tests" / "cases" / "good" / "good" / "smallest.pol"
SMALL_PROFILE = ROOT / "tests" / "cli" / "data" / "small.json"


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each edit is a new file to parse, as in an editor; nothing of it is written to the cache folder.
    monkeypatch.setenv("POLICYDSL_NO_CACHE", "1")


def _use(policies: policydsl.PolicySet, profile: dict[str, object], measure: str) -> None:
    """Build everything a policy derives: closures, the profile reader, loop nests, the traced
    closures and explainer of an explanation, the boundaries of the test strategies."""
    result = policies.evaluate(profile, as_of=AS_OF)
    assert result.explain(measure)
    find_boundaries(policies.policy)


def _growth(folder: Path, edited: Path, profile: dict[str, object], measure: str, reloads: int) -> int:
    """Bytes allocated and still held after the last reload, beyond what was held after the tenth
    (by then every lazily built module-level thing, such as the parser, exists)."""
    original = edited.read_text("utf-8")
    tracemalloc.start()
    try:
        for number in range(1, reloads + 1):
            edited.write_text(f"{original}\n# edit {number}\n", "utf-8")
            policies = policydsl.load(folder)
            _use(policies, profile, measure)
            del policies
            if number == 10:
                gc.collect()
                after_ten = tracemalloc.get_traced_memory()[0]
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - after_ten
    finally:
        tracemalloc.stop()


def test_reloading_an_edited_small_policy_keeps_memory_flat(tmp_path: Path) -> None:
    copy = tmp_path / "small.pol"
    shutil.copy(SMALL, copy)
    profile = json.loads(SMALL_PROFILE.read_text("utf-8"))
    # Each version kept holds its parse, check, closures and explanation: some 70 KB (when they
    # were kept, 40 reloads grew by 2 MB); a flat process grows by a few kilobytes.
    assert _growth(copy, copy, profile, "M1", 40) < 100_000


def test_reloading_an_edited_sanmenxia_keeps_memory_flat(tmp_path: Path) -> None:
    folder = tmp_path / "sanmenxia"
    shutil.copytree(SANMENXIA, folder)
    profile = json.loads((folder / "examples" / "profiles" / "lingbao-little-giant.json").read_text("utf-8"))
    # One version of Sanmenxia checked, compiled and explained is about half a megabyte (when they
    # were kept, 25 reloads grew by 7.8 MB).
    assert _growth(folder, folder / "srdi.pol", profile, "M2", 25) < 500_000


def test_a_dropped_policy_is_freed_with_what_it_derived(tmp_path: Path) -> None:
    copy = tmp_path / "small.pol"
    shutil.copy(SMALL, copy)
    first = policydsl.load(copy)
    _use(first, json.loads(SMALL_PROFILE.read_text("utf-8")), "M1")
    assert len(first.prepared) == 2  # the compiler (closures, explainers) and the boundaries
    compiler = weakref.ref(compiler_for(first.policy))
    policy, policy_set = weakref.ref(first.policy), weakref.ref(first)
    copy.write_text(copy.read_text("utf-8") + "\n# edited\n", "utf-8")
    second = policydsl.load(copy)  # replaces the first version in the load cache
    assert second is not first
    del first
    gc.collect()
    assert policy() is None and compiler() is None and policy_set() is None


def test_the_load_cache_holds_a_bounded_number_of_folders(tmp_path: Path) -> None:
    copies = []
    for number in range(api._CACHE_LOCATIONS + 1):
        copy = tmp_path / f"policy{number}.pol"
        shutil.copy(SMALL, copy)
        copies.append(copy)
    oldest = weakref.ref(policydsl.load(copies[0]).policy)
    for copy in copies[1:]:
        policydsl.load(copy)
    gc.collect()
    assert oldest() is None  # the least recently loaded one was dropped
    assert policydsl.load(copies[-1]) is policydsl.load(copies[-1])  # the newest is still kept
