"""Every diagnostic code the code base can raise is in the catalogue, and nothing else is."""

from __future__ import annotations

import re

from policydsl.codes import CODES
from tests.conftest import ROOT


def test_catalogue_matches_the_code_base() -> None:
    used: set[str] = set()
    for path in (ROOT / "src" / "policydsl").rglob("*.py"):
        if path.name == "codes.py":
            continue
        used |= set(re.findall(r"PD\d{3}", path.read_text("utf-8")))
    assert used == set(CODES)
