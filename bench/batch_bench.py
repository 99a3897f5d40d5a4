"""Batch screening, end to end in subprocesses: `policydsl batch` (duckdb and python engines) against
the hand-written DuckDB query (bench/handwritten_sql.py), on generated Sanmenxia profiles.

Each command runs under bench/measure.py, which reports its wall time and peak memory. Before the
timings, the hand-written query and `policydsl batch` must agree on every status and total of a
sample, or the benchmark stops.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import duckdb

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SANMENXIA = ROOT / "policies" / "sanmenxia"
# The console script next to this interpreter, as a user runs it; `-m policydsl` where there is none.
_SCRIPT = Path(sys.executable).with_name("policydsl")
POLICYDSL = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "policydsl"]
AS_OF = "2024-06-01"
CAP, THRESHOLD = "500", "200"

Row = tuple[str, str, str]


def generate(rows: int, folder: Path) -> Path:
    target = folder / f"sanmenxia-{rows}.parquet"
    subprocess.run([sys.executable, "-m", "tests.batch.generate_profiles", str(SANMENXIA), str(target),
                    "--rows", str(rows)], check=True, cwd=ROOT)
    return target


def policydsl_batch(source: Path, target: Path, engine: str) -> list[str]:
    return [*POLICYDSL, "batch", str(SANMENXIA), str(source), "-o", str(target), "--as-of", AS_OF,
            "--param", f"three_upgrades.cap={CAP}", "--param", f"three_upgrades.threshold={THRESHOLD}",
            "--engine", engine]


def hand_sql(source: Path, target: Path) -> list[str]:
    return [sys.executable, str(BENCH / "handwritten_sql.py"), str(source), str(target), "--as-of", AS_OF,
            "--cap", CAP, "--threshold", THRESHOLD]


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds, user + system, all threads
    peak: float  # MB


def measure(command: list[str], fresh_cache: Path | None = None) -> Run:
    """One run of the command, in a fresh wrapper process. With `fresh_cache`, the cache folder is
    a new one, in which the policy has been checked (its files parsed) but nothing else run."""
    env = dict(os.environ)
    if fresh_cache is not None:
        shutil.rmtree(fresh_cache, ignore_errors=True)
        env["XDG_CACHE_HOME"] = str(fresh_cache)
        subprocess.run([*POLICYDSL, "check", str(SANMENXIA)], check=True, capture_output=True, cwd=ROOT, env=env)
    done = subprocess.run([sys.executable, str(BENCH / "measure.py"), *command], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(figures["wall_s"], figures["cpu_s"], figures["peak_mb"])


def disagreements(ours: Path, theirs: Path) -> tuple[int, int]:
    """(rows compared, rows where some measure's status or total differs); invalid rows are skipped."""
    differs = " OR ".join(f"a.M{n}_status IS DISTINCT FROM b.M{n}_status OR a.M{n}_total IS DISTINCT FROM b.M{n}_total"
                          for n in range(1, 29))
    counts = duckdb.connect().execute(
        f"SELECT count(*), count(*) FILTER (WHERE {differs}) FROM read_parquet('{ours}') a "
        f"JOIN read_parquet('{theirs}') b USING (row) WHERE a.error IS NULL").fetchall()
    return counts[0][0], counts[0][1]


def cross_check(rows: int, folder: Path) -> Row:
    source = generate(rows, folder)
    ours, theirs = folder / "check-policydsl.parquet", folder / "check-hand.parquet"
    subprocess.run(policydsl_batch(source, ours, "duckdb"), check=True, capture_output=True, cwd=ROOT)
    subprocess.run(hand_sql(source, theirs), check=True, cwd=ROOT)
    compared, different = disagreements(ours, theirs)
    if different or compared != rows:
        raise AssertionError(f"the hand-written SQL and policydsl batch differ on {different} of {compared} rows "
                             f"(of {rows}); compare {ours} and {theirs}")
    return (f"hand-written SQL vs `policydsl batch`, {rows:,} rows", "agree",
            f"all 28 statuses and totals equal on {compared:,} of {rows:,} rows")


def paired(commands: list[tuple[list[str], Path | None]], repeat: int) -> list[Run]:
    """Median wall and CPU time, largest peak, of `repeat` runs of each command (with a fresh cache
    folder where one is given, see `measure`), taken in turns so that a noisy minute weighs on all
    of them alike."""
    runs: list[list[Run]] = [[] for _ in commands]
    for _ in range(repeat):
        for done, (command, fresh_cache) in zip(runs, commands, strict=True):
            done.append(measure(command, fresh_cache))
    return [Run(statistics.median(r.wall for r in done), statistics.median(r.cpu for r in done),
                max(r.peak for r in done)) for done in runs]


def run(rows: int, python_rows: int, check_rows: int, repeat: int, folder: Path) -> list[Row]:
    folder.mkdir(parents=True, exist_ok=True)
    # As an installed package is: policydsl's modules compiled to bytecode (an editable install
    # compiles them on first import, unless PYTHONDONTWRITEBYTECODE is set).
    compileall.compile_dir(ROOT / "src", quiet=1)
    big = generate(rows, folder)
    out = folder / "out.parquet"
    table = [cross_check(check_rows, folder)]  # also keeps the SQL for the timed runs' input
    # The first batch of a policy, parameters and day builds its SQL (batch_plan) and keeps it:
    # timed too, each time with a new cache folder.
    floor, ours, first = paired([(hand_sql(big, out), None), (policydsl_batch(big, out, "duckdb"), None),
                                 (policydsl_batch(big, out, "duckdb"), folder / "fresh-cache")], repeat)
    ratio = ours.wall / floor.wall
    table.append((f"hand-written DuckDB SQL, {rows:,} rows (the floor)", f"{floor.wall:.2f} s",
                  f"1.0×; CPU {floor.cpu:.1f} s; peak {floor.peak:,.0f} MB"))
    targets = (f" (target ≤ 2×: {_met(ratio <= 2)}); < 5 s: {_met(ours.wall < 5)}" if rows == 1_000_000
               else " (the targets are for 1,000,000 rows)")
    table.append((f"`policydsl batch --engine duckdb`, {rows:,} rows", f"{ours.wall:.2f} s",
                  f"{ratio:.2f}× the SQL{targets}; CPU {ours.cpu:.1f} s ({ours.cpu / floor.cpu:.2f}× the SQL's); "
                  f"peak {ours.peak:,.0f} MB (< 2 GB: {_met(ours.peak < 2048)})"))
    table.append((f"the same, a first run (its SQL built, not read from disk), {rows:,} rows",
                  f"{first.wall:.2f} s", f"{first.wall / floor.wall:.2f}× the SQL; peak {first.peak:,.0f} MB"))
    small = generate(python_rows, folder)
    python = measure(policydsl_batch(small, out, "python"))
    per_row = python.wall / python_rows
    table.append((f"`policydsl batch --engine python`, {python_rows:,} rows (one run)", f"{python.wall:.1f} s",
                  f"{per_row * 1e6:.0f} µs a profile; extrapolated to {rows:,} rows: {per_row * rows:.0f} s "
                  f"({per_row * rows / floor.wall:.0f}× the SQL); peak {python.peak:,.0f} MB"))
    return table


def _met(ok: bool) -> str:
    return "met" if ok else "missed"
