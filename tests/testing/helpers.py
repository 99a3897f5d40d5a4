"""The small SRDI policy the testing kit is tested on, and copies of it with one change."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import policydsl
from policydsl.api import PolicySet
from tests.conftest import ROOT

DATA = ROOT / "tests" / "testing" / "data"
SRDI = DATA / "srdi"
DAY = datetime.date(2024, 6, 1)  # inside the window of the policy (it ends on 2025-12-31)
M2_THRESHOLD = "and p.investment >= 150万元"


def srdi() -> PolicySet:
    """The policy, loaded from the repository root (diagnostics show paths relative to it)."""
    return policydsl.load(SRDI)


def variant(folder: Path, old: str, new: str, file: str = "srdi.pol") -> Path:
    """A copy of the SRDI policy folder under `folder` with `old` replaced by `new` in one file."""
    target = folder / "srdi"
    if not target.exists():
        shutil.copytree(SRDI, target)
    text = (target / file).read_text("utf-8")
    assert old in text, f"{old!r} is not in {file}"
    (target / file).write_text(text.replace(old, new), encoding="utf-8")
    return target
