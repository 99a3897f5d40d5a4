"""`load` is cached by content: the .pol files, the source document and the example profiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import policydsl
from policydsl.diagnostics import PolicyError

SANMENXIA = Path(__file__).resolve().parent.parent / "policies" / "sanmenxia"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "sanmenxia"
    shutil.copytree(SANMENXIA, copy)
    return copy


def codes(error: PolicyError) -> set[str]:
    return {d.code for d in error.diagnostics}


def test_unchanged_files_give_the_cached_policy(folder: Path) -> None:
    assert policydsl.load(folder) is policydsl.load(folder)


def test_an_edited_pol_file_is_checked_again(folder: Path) -> None:
    first = policydsl.load(folder)
    srdi = folder / "srdi.pol"
    srdi.write_text(srdi.read_text("utf-8") + "\n# a comment\n", "utf-8")
    assert policydsl.load(folder) is not first


def test_an_edited_source_document_is_checked_again(folder: Path) -> None:
    policydsl.load(folder)
    source = folder / "source.txt"
    # M2's quote names 150万元; a document that says 160万元 no longer contains it.
    text = source.read_text("utf-8")
    assert "150万元" in text
    source.write_text(text.replace("150万元", "160万元"), "utf-8")
    with pytest.raises(PolicyError) as raised:
        policydsl.load(folder)
    assert codes(raised.value) == {"PD215"}


def test_a_removed_example_profile_is_checked_again(folder: Path) -> None:
    policydsl.load(folder)
    (folder / "examples" / "profiles" / "lingbao-little-giant.json").unlink()
    with pytest.raises(PolicyError) as raised:
        policydsl.load(folder)
    assert codes(raised.value) == {"PD217"}
