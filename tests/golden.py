"""Golden-file comparison shared by the tests: compare, or rewrite with --update-golden."""

from __future__ import annotations

from pathlib import Path


def assert_golden(actual: str, path: Path, update: bool) -> None:
    if update or not path.exists():
        if not update:
            raise AssertionError(f"missing golden file {path}; run pytest --update-golden and review the diff")
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path} (rerun with --update-golden and review the diff)"
