"""The caches on disk never run or trust what someone else could have written (issue 19): entries
are signed with the user's key, kept in a folder only the user can write, never pickled, and an
unusable folder means no cache — never the shared temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import policydsl
from policydsl import disk_cache
from policydsl.batch import plan as batch_plan
from policydsl.checker import loader
from policydsl.checker.loader import read_source
from policydsl.syntax import grammar_cache, stored
from policydsl.syntax.parse import parse_source
from tests.batch.helpers import DATA
from tests.conftest import ROOT, SANMENXIA


@pytest.fixture
def cache_home(cache_root: Path) -> Path:
    return cache_root


def unsigned(entry: Path) -> bytes:
    """An entry's content without its signature (what an editor of the file sees)."""
    return entry.read_bytes()[32:]


# ---- tampered entries are built again, never used ------------------------------------------------


def test_an_edited_parsed_file_is_parsed_again(cache_home: Path) -> None:
    """Someone edits the stored parse of srdi.pol: M2's threshold 150万元 becomes 900万元 there."""
    source, _ = read_source(SANMENXIA / "srdi.pol")
    assert source is not None
    loader.parse_cached(source)
    (entry,) = [e for e in (cache_home / "parsed").glob("*.json") if b'"150"' in e.read_bytes()]
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b'"150"', b'"900"'))  # the signature no longer fits
    assert stored.load(source) is None
    loader._PARSE_CACHE.clear()
    module, _ = loader.parse_cached(source)
    assert module == parse_source(source)[0]
    assert b'"900"' not in unsigned(entry) and disk_cache.read(entry) is not None  # stored anew, signed


def test_an_entry_signed_with_another_key_is_not_read(cache_home: Path) -> None:
    source, _ = read_source(SANMENXIA / "srdi.pol")
    assert source is not None
    loader.parse_cached(source)
    key = cache_home / "key"
    key.write_bytes(os.urandom(32))  # as if the entries had been written by someone else
    assert stored.load(source) is None


def test_a_plan_with_an_appended_statement_never_runs(cache_home: Path, tmp_path: Path) -> None:
    policies = policydsl.load(DATA / "core")
    source = tmp_path / "in.jsonl"
    source.write_text('{"employees": 5}\n', encoding="utf-8")
    policies.batch(source, tmp_path / "first.jsonl", engine="duckdb")
    (entry,) = (cache_home / "sql").glob("*.json")
    plan = json.loads(unsigned(entry))
    planted = tmp_path / "planted.csv"
    plan["views"].append(f"COPY (SELECT 42) TO '{planted}'")
    entry.write_bytes(entry.read_bytes()[:32] + json.dumps(plan).encode())  # the old signature
    policies.batch(source, tmp_path / "second.jsonl", engine="duckdb")
    assert not planted.exists()
    assert (tmp_path / "second.jsonl").read_bytes() == (tmp_path / "first.jsonl").read_bytes()
    rebuilt = batch_plan._load(disk_cache.read(entry))
    assert rebuilt is not None and not any("COPY" in view for view in rebuilt.views)


def test_an_edited_grammar_entry_is_analysed_again(cache_home: Path) -> None:
    grammar = (ROOT / "src" / "policydsl" / "syntax" / "grammar.lark").read_text("utf-8")
    options = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}
    text = (SANMENXIA / "srdi.pol").read_text("utf-8")
    expected = grammar_cache.load(grammar, options).parse(text)
    (entry,) = (cache_home / "grammar").glob("*.json")
    tables = unsigned(entry)
    json.loads(tables)  # JSON, not a pickle
    entry.write_bytes(entry.read_bytes()[:32] + tables.replace(b'"NAME"', b'"NOME"'))
    assert grammar_cache.load(grammar, options).parse(text) == expected
    assert disk_cache.read(entry) is not None and b'"NOME"' not in unsigned(entry)  # analysed again, stored anew


def test_the_grammar_is_never_unpickled(tmp_path: Path) -> None:
    """A check in a new process, with the grammar analysed and then read back, never unpickles."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    script = ("import pickle\n"
              "def refuse(*args, **kwargs): raise AssertionError('unpickled')\n"
              "pickle.load = pickle.loads = pickle.Unpickler = refuse\n"
              "from policydsl.cli import main\n"
              "raise SystemExit(main(['check', 'policies/sanmenxia']))\n")
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        for entry in (tmp_path / "cache" / "policydsl" / "parsed").glob("*.json"):
            entry.unlink()  # the second run parses again, with the stored grammar
    assert len(list((tmp_path / "cache" / "policydsl" / "grammar").glob("*.json"))) == 1
    assert not list((tmp_path / "cache").rglob("*.lark")) and not list((tmp_path / "tmp").iterdir())


# ---- a folder someone else could write is not used -------------------------------------------------


def _no_cache_in_use(cache_home: Path) -> None:
    assert disk_cache.cache_folder("parsed") is None
    source, _ = read_source(SANMENXIA / "srdi.pol")
    assert source is not None
    loader.parse_cached(source)  # parses, and keeps nothing
    assert not (cache_home / "parsed").exists() or not list((cache_home / "parsed").iterdir())


def test_a_cache_folder_others_may_write_is_not_used(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    cache_home.chmod(0o777)
    _no_cache_in_use(cache_home)


def test_a_cache_folder_that_is_a_link_is_not_used(cache_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache_home.parent.mkdir()
    cache_home.symlink_to(elsewhere)
    _no_cache_in_use(cache_home)
    assert list(elsewhere.iterdir()) == []


def test_a_folder_above_others_may_write_is_not_used(cache_home: Path) -> None:
    cache_home.parent.mkdir()
    cache_home.parent.chmod(0o777)  # without the sticky bit: anyone may rename `policydsl` away
    _no_cache_in_use(cache_home)
    cache_home.parent.chmod(0o1777)  # with it, as /tmp: only the owner may
    assert disk_cache.cache_folder("parsed") is not None


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_of_another_user_is_not_used(cache_home: Path) -> None:
    cache_home.mkdir(parents=True, mode=0o700)
    os.chown(cache_home, 65534, 65534)
    _no_cache_in_use(cache_home)


def test_a_key_others_may_read_is_not_used(cache_home: Path) -> None:
    assert disk_cache.cache_folder("parsed") is not None
    source, _ = read_source(SANMENXIA / "srdi.pol")
    assert source is not None
    loader.parse_cached(source)
    (cache_home / "key").chmod(0o644)
    assert stored.load(source) is None
    entry = next((cache_home / "parsed").glob("*.json"))
    disk_cache.write(entry, b"new", 10, 10)
    assert unsigned(entry) != b"new"


def test_no_fallback_to_the_temporary_folder(tmp_path: Path) -> None:
    """With no usable cache folder, a check writes nothing anywhere (Lark used to write its pickle
    to a predictable name in the temporary folder)."""
    blocker = tmp_path / "a file"
    blocker.write_text("where the cache folder would be")
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker), "TMPDIR": str(tmp_path / "tmp")}
    done = subprocess.run([sys.executable, "-m", "policydsl", "check", "policies/sanmenxia"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
