"""Parsed files kept on disk (syntax/stored.py): used when the text and the code are unchanged,
never trusted otherwise, and never in the way when the folder cannot be used."""

from __future__ import annotations

import shutil
from pathlib import Path

import attrs
import pytest

from policydsl import disk_cache
from policydsl.checker import loader
from policydsl.diagnostics import Source, render_all
from policydsl.syntax import stored
from policydsl.syntax.parse import parse_source

GOOD = 'policy t.p { title "t" }\nentity e "e" { fact x "x" : bool }\nmeasure M1 "m" {\n  benefit service s "s" { when x }\n}\n'
BROKEN = 'policy t.p { title "t" }\nmeasure M1 "m" {\n  benefit service s "s" { when x == 1 }\n}\n'


@pytest.fixture
def cache_home(cache_root: Path) -> Path:
    return cache_root / "parsed"


def fresh_source(text: str) -> Source:
    return Source("main.pol", text, "/somewhere/main.pol")


def parse_with_disk(source: Source) -> tuple[object, ...]:
    loader._PARSE_CACHE.clear()  # as a new process: only the disk remembers
    return loader.parse_cached(source)


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: Source) -> None:
        raise AssertionError("parsed although the disk holds this parse")

    monkeypatch.setattr(loader, "parse_source", refuse)


@pytest.mark.parametrize("text", [GOOD, BROKEN])
def test_a_stored_parse_is_the_parse_and_points_at_the_new_source(
        cache_home: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    module, problems = parse_with_disk(fresh_source(text))
    assert len(list(cache_home.glob("*.json"))) == 1
    again = fresh_source(text)
    no_parsing(monkeypatch)
    stored_module, stored_problems = parse_with_disk(again)
    assert stored_module == module and stored_problems == problems
    assert render_all(list(stored_problems)) == render_all(list(problems))
    assert stored_module.items[0].span.source is again  # spans point at the source being loaded
    assert all(p.span is None or p.span.source is again for p in stored_problems)


def test_changed_text_or_path_is_parsed_again(cache_home: Path) -> None:
    parse_with_disk(fresh_source(GOOD))
    parse_with_disk(fresh_source(GOOD.replace('"m"', '"n"')))
    parse_with_disk(Source("other.pol", GOOD, "/somewhere/other.pol"))
    assert len(list(cache_home.glob("*.json"))) == 3


def test_changed_code_is_a_different_entry(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parse_with_disk(fresh_source(GOOD))
    monkeypatch.setattr(disk_cache, "code_digest", lambda: "another version of policydsl")
    parse_with_disk(fresh_source(GOOD))
    assert len(list(cache_home.glob("*.json"))) == 2


@pytest.mark.parametrize("content", [b"", b"not json", b'[{"$c": "Popen", "f": {}}, []]', b'[{"$c": "Name"}, []]',
                                     b'[1, 2]'])
def test_a_damaged_entry_is_a_miss_and_is_replaced(cache_home: Path, content: bytes) -> None:
    expected = parse_source(fresh_source(GOOD))[0]
    parse_with_disk(fresh_source(GOOD))
    (entry,) = cache_home.glob("*.json")
    disk_cache.write(entry, content, 10, 10)  # signed with the user's key: the codec's own checks refuse it
    module, _ = parse_with_disk(fresh_source(GOOD))
    assert module == expected
    assert disk_cache.read(entry) != content


def test_switched_off_by_the_environment(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYDSL_NO_CACHE", "1")
    parse_with_disk(fresh_source(GOOD))
    assert not cache_home.exists() or not list(cache_home.glob("*.json"))


def test_an_unusable_cache_folder_does_not_stop_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    loader._PARSE_CACHE.clear()
    module, problems = parse_with_disk(fresh_source(GOOD))
    assert module == parse_source(fresh_source(GOOD))[0] and not problems


def test_a_read_only_cache_folder_does_not_stop_loading(cache_home: Path) -> None:
    parse_with_disk(fresh_source(GOOD))
    cache_home.chmod(0o500)
    try:
        module, _ = parse_with_disk(fresh_source(GOOD.replace('"m"', '"n"')))
        assert module == parse_source(fresh_source(GOOD.replace('"m"', '"n"')))[0]
        assert not list(cache_home.glob(".*.tmp"))
    finally:
        cache_home.chmod(0o700)


def test_old_entries_are_pruned(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored, "MAX_ENTRIES", 3)
    monkeypatch.setattr(stored, "PRUNE_EVERY", 1)
    for index in range(6):
        parse_with_disk(fresh_source(GOOD.replace('"m"', f'"m{index}"')))
    assert len(list(cache_home.glob("*.json"))) == 3


def test_the_sanmenxia_folder_loads_the_same_from_disk(cache_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    from policydsl.checker.policy import check_loaded
    from tests.conftest import SANMENXIA

    folder = tmp_path / "sanmenxia"
    shutil.copytree(SANMENXIA, folder)
    first = check_loaded(loader.load(folder))
    loader._PARSE_CACHE.clear()
    no_parsing(monkeypatch)
    second = check_loaded(loader.load(folder))
    # Sources compare by identity (each load reads the files anew); everything else by value.
    assert first[0] is not None and second[0] is not None
    shown = {path: (s.path, s.text, s.file) for path, s in first[0].sources.items()}
    assert {path: (s.path, s.text, s.file) for path, s in second[0].sources.items()} == shown
    assert attrs.evolve(second[0], sources={}) == attrs.evolve(first[0], sources={})
    assert render_all(list(second[1])) == render_all(list(first[1]))
