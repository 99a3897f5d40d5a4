"""Import chains as long as a folder has files load without recursion (and report cycles once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.checker.loader import load

LENGTH = 3000  # well past Python's default recursion limit of 1000


def write_chain(folder: Path, cycle: bool) -> None:
    (folder / "root.pol").write_text('import "f0.pol"\npolicy chain { title "链" }\n', "utf-8")
    for index in range(LENGTH):
        target = "root.pol" if cycle and index == LENGTH - 1 else f"f{index + 1}.pol"
        lines = [] if index == LENGTH - 1 and not cycle else [f'import "{target}"']
        lines.append(f'define d{index} "定义{index}" = true')
        (folder / f"f{index}.pol").write_text("\n".join(lines) + "\n", "utf-8")


@pytest.mark.parametrize("cycle", [False, True], ids=["chain", "cycle"])
def test_a_long_import_chain_loads_in_order(tmp_path: Path, cycle: bool) -> None:
    write_chain(tmp_path, cycle)
    loaded = load(tmp_path)
    chain = [f"f{i}.pol" for i in range(LENGTH)]
    # In a cycle every file is imported, so the first file by name stands in as the root.
    expected = [*chain, "root.pol"] if cycle else ["root.pol", *chain]
    assert loaded.root is not None and loaded.root.path.name == expected[0]
    assert [f.path.name for f in loaded.files] == expected
    cycles = [d for d in loaded.diagnostics if d.code == "PD221"]
    if cycle:
        assert len(cycles) == 1
        assert cycles[0].message.startswith("import cycle: ") and cycles[0].message.count("→") == LENGTH + 1
    else:
        assert cycles == [] and not loaded.diagnostics


def test_a_file_imported_twice_is_loaded_once_in_first_use_order(tmp_path: Path) -> None:
    (tmp_path / "root.pol").write_text('import "a.pol"\nimport "b.pol"\npolicy p { title "p" }\n', "utf-8")
    (tmp_path / "a.pol").write_text('import "c.pol"\ndefine a "a" = true\n', "utf-8")
    (tmp_path / "b.pol").write_text('import "c.pol"\ndefine b "b" = true\n', "utf-8")
    (tmp_path / "c.pol").write_text('define c "c" = true\n', "utf-8")
    loaded = load(tmp_path)
    assert [f.path.name for f in loaded.files] == ["root.pol", "a.pol", "c.pol", "b.pol"]
