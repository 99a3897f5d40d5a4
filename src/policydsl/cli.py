"""The command line: parse flags, call the library, print; bad input never shows a traceback.

A thin client of the API (api.py): every command is a call of `check`, `load`, `PolicySet`'s
methods or `format_files`, and its output printed. Exit codes, the same for the same failure in
every command: 0 success; 1 the command ran and found problems (`check` errors, a failing example,
an unformatted file); 2 bad usage or bad input, a policy that does not parse or check included
(for `check` that is its finding: 1); 3 a bug in policydsl; 130 and 143 interrupted (SIGINT,
SIGTERM). tests/cli/test_exit_codes.py holds every command to them.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from policydsl import interrupts
from policydsl.api import PolicySet, format_files, load
from policydsl.api import check as check_policy
from policydsl.diagnostics import (
    Diagnostic,
    PolicydslError,
    PolicyError,
    ProfileError,
    UsageError,
    did_you_mean,
    render,
)
from policydsl.result import Result

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

DESCRIPTION = """\
policydsl: public policy as code.

Write a policy document measure by measure in .pol files, check it, and apply it to
enterprise profiles (JSON) to learn which measures apply, what they are worth, which
agency to ask, and why, clause by clause with the source text quoted.

examples:
  policydsl check policies/sanmenxia
  policydsl eval policies/sanmenxia company.json --as-of 2024-06-01 --param three_upgrades.cap=500
  policydsl explain policies/sanmenxia company.json M2 --as-of 2024-06-01
  policydsl test policies/sanmenxia
  policydsl fmt --check policies/sanmenxia
  policydsl batch policies/sanmenxia firms.parquet -o results.parquet --as-of 2024-06-01
  policydsl sql policies/sanmenxia --dialect spark --as-of 2024-06-01
"""

BATCH_DESCRIPTION = """\
Evaluate every profile of a table and write one result row per input row.

INPUT is .jsonl (one JSON profile per line, as `policydsl eval` reads), .csv or .parquet (one
column per fact of the profile, named as the fact; an empty cell is an unknown fact; a list of
items such as projects is a JSON array in a CSV cell, a list of structs or a JSON string in
Parquet). A column that is not a fact stops the batch before any row is read.

OUTPUT is .parquet, .csv or .jsonl, with the columns: row (the input row, from 1), error (why a
row is not a valid profile; its other columns are then empty), and per measure M: M_status,
M_total (万元, exact), M_unknowns (the unknown facts and parameters the result depends on).
Invalid rows are never dropped. A summary follows: statuses and totals per measure, goals.

The duckdb engine (default) checks and evaluates the table in SQL and gives the rows it cannot
vouch for to Python; the python engine evaluates row by row. Both give the same output.

examples:
  policydsl batch policies/sanmenxia firms.parquet -o results.parquet --as-of 2024-06-01
  policydsl batch policies/sanmenxia firms.csv -o results.csv --param three_upgrades.cap=500
"""

SQL_DESCRIPTION = """\
Print the policy as one SQL SELECT, to screen profiles inside a data warehouse.

The query reads a table named profiles with a column row (any key) and one column per fact
(money as DECIMAL of 万元; lists of items as arrays of structs; NULL for an unknown fact; the
comment above the query lists them) and returns per measure M: M_status, M_total (万元) and
M_unknowns. The day (--as-of) and the parameters (--param) are fixed in the query.

examples:
  policydsl sql policies/sanmenxia --as-of 2024-06-01 > screening.sql
  policydsl sql policies/sanmenxia --dialect postgres --param three_upgrades.cap=500
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error[PD404]: {message}\n  help: run `{self.prog} --help` for the options\n")
        raise SystemExit(EXIT_USAGE)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2024-06-01") from None


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=VALUE: write e.g. --param three_upgrades.cap=500 (万元) or =500万元")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policydsl", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    from policydsl import __version__

    parser.add_argument("--version", action="version", version=f"policydsl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser("check", help="parse and check policies; print every problem with file:line:col",
                                description="Parse and check .pol files or policy folders. Every problem is "
                                "reported with its position, the source line, a caret and a hint. "
                                "Exit 1 when there are errors.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .pol file or a policy folder")
    check.add_argument("--format", choices=("text", "json"), default="text")

    def evaluation(name: str, helptext: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=helptext, description=description)
        sub.add_argument("path", metavar="PATH", help="a .pol file or a policy folder")
        sub.add_argument("profile", metavar="PROFILE.json", help="the enterprise profile (JSON object)")
        return sub

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--as-of", type=_date, metavar="DATE", help="the day to apply the policy on (default: today)")
        sub.add_argument("--param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                         help="set a parameter, e.g. three_upgrades.cap=500 (a bare number of money is 万元)")
        sub.add_argument("--format", choices=("text", "json"), default="text",
                         help="json prints exactly one JSON document on stdout")

    ev = evaluation("eval", "apply a policy to one enterprise: status, amount, agencies of every measure",
                    "Evaluate every measure of the policy for one enterprise profile.")
    common(ev)
    ex = evaluation("explain", "explain one measure clause by clause, with the facts read and the source text",
                    "Explain why a measure has its status: each clause, its value, the facts and parameters "
                    "it read, the amendments that applied and the quoted source sentences.")
    ex.add_argument("measure", metavar="MEASURE", help="a measure id, e.g. M2")
    common(ex)

    test = commands.add_parser("test", help="run the examples written inside .pol files",
                               description="Run every `example` of the policies: expected status, total, "
                               "bounds and unknowns per measure. Exit 1 when one fails.")
    test.add_argument("paths", nargs="+", metavar="PATH")

    fmt = commands.add_parser("fmt", help="rewrite .pol files in the canonical format",
                              description="Format .pol files canonically (comments kept). With --check, "
                              "change nothing and exit 1 if a file is not formatted.")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument("--check", action="store_true", help="only report files that would change")

    def day_and_params(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--as-of", type=_date, metavar="DATE", help="the day to apply the policy on (default: today)")
        sub.add_argument("--param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                         help="set a parameter, e.g. three_upgrades.cap=500 (a bare number of money is 万元)")

    batch = commands.add_parser("batch", help="evaluate a table of profiles (.jsonl/.csv/.parquet) into a table of results",
                                description=BATCH_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("path", metavar="PATH", help="a .pol file or a policy folder")
    batch.add_argument("input", metavar="INPUT", help="the profiles: a .jsonl, .csv or .parquet file")
    batch.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                       help="where to write the results: a .parquet, .csv or .jsonl file")
    day_and_params(batch)
    batch.add_argument("--engine", choices=("duckdb", "python"), default="duckdb",
                       help="duckdb (default, fast) or python (row by row); both give the same output")

    sql = commands.add_parser("sql", help="print the policy as one SQL query, to run in a data warehouse",
                              description=SQL_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sql.add_argument("path", metavar="PATH", help="a .pol file or a policy folder")
    sql.add_argument("--dialect", choices=("duckdb", "spark", "postgres"), default="duckdb",
                     help="the SQL dialect to write (default: duckdb)")
    day_and_params(sql)
    return parser


def _print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO, prefix: str = "") -> None:
    for diagnostic in diagnostics:
        text = render(diagnostic)
        if prefix and diagnostic.span is None:
            text = f"{prefix}: {text}"
        stream.write(text + "\n\n")


def cmd_check(args: argparse.Namespace) -> int:
    checked = [check_policy(raw) for raw in args.paths]
    everything = [d for one in checked for d in one.diagnostics]
    errors = sum(len(one.errors) for one in checked)
    warnings = len(everything) - errors
    if args.format == "json":
        json.dump({"diagnostics": [d.to_dict() for d in everything], "errors": errors, "warnings": warnings},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_diagnostics(everything, sys.stdout)
        if errors or warnings:
            print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
        else:
            print(f"ok: {', '.join(args.paths)} checked, no problems")
    if any(one.unreadable for one in checked):  # a missing path is bad usage, not a policy problem
        return EXIT_USAGE
    return EXIT_PROBLEMS if errors else EXIT_OK


def _load_and_params(args: argparse.Namespace) -> tuple[PolicySet, dict[str, object]]:
    policies = load(args.path)
    try:
        params = policies.read_params(dict(args.param), from_text=True)
    except ProfileError as error:
        raise UsageError(error.diagnostics) from None
    return policies, params


def _evaluate(args: argparse.Namespace) -> tuple[PolicySet, object]:
    policies, params = _load_and_params(args)
    if not Path(args.profile).is_file():
        raise UsageError([Diagnostic("PD401", f"no such profile file: {args.profile}", path=args.profile,
                                     hint="give the path of a JSON file holding one enterprise profile")])
    try:
        result = policies.evaluate(args.profile, as_of=args.as_of, params=params)
    except ProfileError as error:
        raise ProfileError([_in_file(d, args.profile) for d in error.diagnostics]) from None
    return policies, result


def _in_file(diagnostic: Diagnostic, file: str) -> Diagnostic:
    if diagnostic.span is not None or (diagnostic.path or "").startswith(file):
        return diagnostic
    import attrs

    where = f"{file}: {diagnostic.path}" if diagnostic.path else file
    return attrs.evolve(diagnostic, path=where)


def cmd_eval(args: argparse.Namespace) -> int:
    policies, result = _evaluate(args)
    assert isinstance(result, Result)
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
        for warning in result.warnings:
            sys.stderr.write(f"warning: {warning}\n")
    else:
        from policydsl import present  # rich: only for text output

        present.print_result(policies, result)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    policies, result = _evaluate(args)
    assert isinstance(result, Result)
    ids = [m.id for m in result.measures]
    if args.measure not in ids:
        raise UsageError([Diagnostic("PD405", f"no measure '{args.measure}' in {policies.id}", path=args.measure,
                                     hint=did_you_mean(args.measure, ids) or f"the measures are {', '.join(ids)}")])
    measure = result[args.measure]
    if args.format == "json":
        json.dump(measure.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from policydsl import present

        present.print_explanation(result, measure)
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from policydsl.examples import run_examples

    passed = failed = 0
    for raw in args.paths:
        policies = load(raw)
        for run in run_examples(policies):
            if run.error:
                failed += 1
                print(f"FAIL {run.error}\n")
                continue
            for check in run.checks:
                if check.ok:
                    passed += 1
                else:
                    failed += 1
                    print("FAIL " + check.describe())
                    print("  explanation:\n" + "\n".join("    " + line for line in check.explanation.splitlines()))
                    print()
            if run.ok:
                print(f"ok   {run.example.id} ({len(run.checks)} expectations)")
    print(f"{passed} passed, {failed} failed")
    return EXIT_PROBLEMS if failed else EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    formatted = format_files(args.paths, write=not args.check)
    changed = formatted.changed
    if formatted.problems:
        _print_diagnostics(formatted.problems, sys.stderr)
        return EXIT_USAGE
    verb = "would reformat" if args.check else "reformatted"
    for path in changed:
        print(f"{verb} {path}")
    if not changed:
        print("all files are formatted")
    return EXIT_PROBLEMS if (args.check and changed) else EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    policies, params = _load_and_params(args)
    with _progress_bar() as progress:
        report = policies.batch(args.input, args.output, engine=args.engine, as_of=args.as_of, params=params,
                                progress=progress)
    print(report)
    return EXIT_OK


class _progress_bar:
    """A progress bar on stderr when it is a terminal; otherwise nothing."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        self.bar = None
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("profiles", total=None)
        bar = self.bar

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def cmd_sql(args: argparse.Namespace) -> int:
    policies, params = _load_and_params(args)
    sys.stdout.write(policies.sql(args.dialect, as_of=args.as_of, params=params))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "eval": cmd_eval, "explain": cmd_explain, "test": cmd_test, "fmt": cmd_fmt,
            "batch": cmd_batch, "sql": cmd_sql}


def main(argv: Sequence[str] | None = None) -> int:
    _degrade_encoding()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors: already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with interrupts.handled():  # SIGINT and SIGTERM end the command through its `finally`s
            return _run(args)
    except KeyboardInterrupt as error:
        return _interrupted(error)


def _degrade_encoding() -> None:
    """Under an encoding that cannot show Chinese (PYTHONIOENCODING=ascii, a C locale on an old
    system), characters it lacks are written as escapes (`\\u4f01`), not a crash: JSON output stays
    valid JSON with the same meaning, text output stays readable."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _interrupted(error: BaseException | None) -> int:
    signum = getattr(error, "signum", None) or interrupts.received() or signal.SIGINT
    sys.stderr.write(f"policydsl: interrupted by {signal.Signals(signum).name}; no file was left half-written\n")
    return 128 + signum


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except PolicyError as error:
        _print_diagnostics(error.diagnostics, sys.stderr)
        sys.stderr.write(f"the policy has {len(error.diagnostics)} problem(s); run `policydsl check` on it\n")
        return EXIT_USAGE
    except PolicydslError as error:
        _print_diagnostics(error.diagnostics, sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # never a traceback for the user; POLICYDSL_DEBUG shows it
        if interrupts.received():  # a library's own error about being stopped
            return _interrupted(None)
        if os.environ.get("POLICYDSL_DEBUG"):
            raise
        sys.stderr.write(f"policydsl: internal error: {type(error).__name__}: {error}\n"
                         "  help: this is a bug in policydsl; rerun with POLICYDSL_DEBUG=1 and report it\n")
        return EXIT_INTERNAL


def run() -> None:  # console script entry
    raise SystemExit(main())
