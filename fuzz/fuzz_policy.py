"""Coverage-guided fuzzing of the parser, checker and formatter with atheris (long runs, not CI).

    pip install atheris
    mkdir -p fuzz/corpus && cp fuzz/seeds/*.pol fuzz/corpus/
    PYTHONPATH=src python fuzz/fuzz_policy.py -max_total_time=600 fuzz/corpus

Any exception other than a clean `PolicyError`-style result is a finding: the invariants are
those of tests/test_fuzz.py — every diagnostic is positioned, checking never raises, and the
formatter's output re-parses to the same tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from policydsl.checker.loader import Loaded, LoadedFile
    from policydsl.checker.policy import check_loaded
    from policydsl.diagnostics import Source
    from policydsl.syntax.format import format_module
    from policydsl.syntax.parse import parse_source


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # undecodable files are refused by the loader before parsing (PD114)
    source = Source("fuzz.pol", text, "/fuzz/fuzz.pol")
    module, problems = parse_source(source)
    for problem in problems:
        assert problem.span is not None, problem
    if not problems:
        formatted = format_module(module)
        again, again_problems = parse_source(Source("fuzz.pol", formatted))
        assert not again_problems and again == module, "the formatter changed the tree"
    loaded = Loaded(Path("/fuzz"), LoadedFile(Path("/fuzz/fuzz.pol"), "fuzz.pol", source, module, (), ()),
                    (LoadedFile(Path("/fuzz/fuzz.pol"), "fuzz.pol", source, module, (), ()),), tuple(problems))
    _, diagnostics = check_loaded(loaded)
    for diagnostic in diagnostics:
        assert diagnostic.span is not None or diagnostic.path, diagnostic


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
