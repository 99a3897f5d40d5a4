"""A policy folder's scan reads regular files inside the folder only (issue 19): a `.pol` link to a
file outside it is refused (PD409) instead of printed, a FIFO is refused instead of waited on, and
links to folders are not followed — for `check` and for `fmt` alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policydsl.cli import main
from tests.conftest import ROOT

POLICY = '''policy t.scan {
  title "扫描"
}

entity enterprise "企业" {
  fact pool "培育库" : bool
}

measure M1 "m" {
  benefit service s "服务" { when pool }
}
'''
SECRET = "root:x:0:0:the secret first line:/root:/bin/bash\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "policy.pol").write_text(POLICY, encoding="utf-8")
    return policy


def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.pol"
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """In a new process, with a time limit: a scan that waits on a FIFO would never return."""
    return subprocess.run([sys.executable, "-m", "policydsl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_a_link_leaving_the_folder_is_refused_not_printed(folder: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "pw.pol").symlink_to(outside(tmp_path))
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'pw.pol'}:1:1: error[PD409]: {folder / 'pw.pol'} is a link to {tmp_path / 'secret.pol'}, " \
           "outside the policy folder: it is not read" in out
    assert "the secret first line" not in out
    assert "1 error, 0 warnings" in out  # the policy itself is checked as usual


def test_a_fifo_is_refused_not_waited_on(folder: Path) -> None:
    os.mkfifo(folder / "x.pol")
    done = run("check", str(folder))
    assert done.returncode == 1 and "x.pol is a named pipe (FIFO), not a file: it is not read" in done.stdout
    named = run("check", str(folder / "x.pol"))  # named on the command line
    assert named.returncode == 1 and "error[PD409]" in named.stdout
    formatted = run("fmt", "--check", str(folder))
    assert formatted.returncode == 2 and "error[PD409]" in formatted.stderr


def test_a_link_inside_the_folder_is_read_once(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "alias.pol").symlink_to(folder / "policy.pol")
    assert main(["check", str(folder)]) == 0, capsys.readouterr().out


def test_links_to_folders_are_not_followed(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other.pol").write_text(SECRET, encoding="utf-8")
    (folder / "linked").symlink_to(elsewhere)
    assert main(["check", str(folder)]) == 0
    assert "secret" not in capsys.readouterr().out


def test_fmt_never_rewrites_a_file_outside_the_folder(folder: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "shared.pol"
    target.write_text(POLICY.replace("\n}\n", "\n\n\n}\n"), encoding="utf-8")  # not in the canonical format
    before = target.read_bytes()
    (folder / "shared.pol").symlink_to(target)
    assert main(["fmt", str(folder)]) == 2
    assert "error[PD409]" in capsys.readouterr().err
    assert target.read_bytes() == before
