"""Benchmarks, measured in one run and written as markdown tables (see docs/performance.md).

    python bench/run.py [--quick] [--skip-peers] [--skip-batch] [--rows N] [-o bench/results.md]

Each figure is the median of several runs; ratios are computed within this one run, because the
machines are noisy. Sections: parse+check (cold in a fresh process, and from the content cache),
a generated 5,000-measure policy; evaluation of Sanmenxia on 2,000 generated raw profiles
(bench/workload.py: `evaluate()`, with results read, compiled only, the reference interpreter,
with every explanation) against the lean hand-written function of the same rules
(bench/lean_floor.py, checked to give the same answers first); peer engines on a shared rule set
against its hand-written function (bench/peers/); batch screening in subprocesses against the
hand-written DuckDB query (bench/batch_bench.py, bench/handwritten_sql.py).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SANMENXIA = ROOT / "policies" / "sanmenxia"
AS_OF = datetime.date(2024, 6, 1)
CAP, THRESHOLD = Decimal(500), Decimal(200)  # three_upgrades.cap and .threshold, 万元
PARAMS = {"three_upgrades.cap": 500, "three_upgrades.threshold": 200}


def median_seconds(fn: Callable[[], object], repeat: int, number: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def cold_load(path: Path, repeat: int, parsed_on_disk: bool) -> float:
    """A fresh interpreter imports policydsl, parses and checks the folder. Lark's analysed grammar
    is on disk; the parsed files are (a second run of a command) or are not (a first run)."""
    code = (
        f"import time; t=time.perf_counter(); import policydsl; policydsl.load({str(path)!r}); "
        "print(time.perf_counter()-t)"
    )
    samples = []
    with tempfile.TemporaryDirectory() as cache:
        env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": cache}
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)  # warms both
        for _ in range(repeat):
            if not parsed_on_disk:
                shutil.rmtree(Path(cache) / "policydsl" / "parsed", ignore_errors=True)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def generated_policy(folder: Path, measures: int) -> Path:
    lines = [
        'policy bench.big { title "生成的政策" valid from 2021-01-01 until 2025-12-31 }',
        'ordered enum level "层级" { none, innovative, provincial, little_giant }',
        'entity enterprise "企业" {',
        '  fact revenue "营业收入" : money >= 0',
        '  fact employees "从业人员" : integer >= 0',
        '  fact level "层级" : level',
        '  fact pool "培育库" : bool',
        '  fact projects "项目" : list of project',
        "}",
        'entity project "项目" { fact investment "投资" : money >= 0 }',
        'define is_srdi "专精特新" = level >= provincial',
        'parameter cap "上限" : money = 500万元',
    ]
    for index in range(measures):
        lines += [
            f'measure G{index} "措施{index}" {{',
            '  agencies "市工业和信息化局"',
            f'  condition c "条件" = is_srdi or (pool and revenue >= {index % 97 + 1}万元)',
            f'  benefit grant g "资金" {{ for each p in projects when c and p.investment >= {index % 300}万元 '
            'amount p.investment * 40% cap cap }',
            "}",
        ]
    path = folder / "big.pol"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _clear_parse_cache() -> None:
    """Forget the files parsed in this process (the checker's module is `checker` or, in older
    trees, `check`), so that a load parses again."""
    for name in ("policydsl.checker.loader", "policydsl.check.loader"):
        try:
            loader = importlib.import_module(name)
        except ImportError:
            continue
        loader._PARSE_CACHE.clear()


def load_rows(repeat: int) -> list[tuple[str, str, str]]:
    """Parse+check: Sanmenxia cold, from disk and from the content cache; a generated 5,000-measure policy."""
    import policydsl

    rows: list[tuple[str, str, str]] = []
    cold = cold_load(SANMENXIA, repeat, parsed_on_disk=False)
    rows.append(("parse+check Sanmenxia, cold (fresh process, nothing parsed on disk)", f"{cold * 1000:.0f} ms",
                 "target < 300 ms"))
    warm = cold_load(SANMENXIA, repeat, parsed_on_disk=True)
    rows.append(("parse+check Sanmenxia, fresh process, parsed files on disk", f"{warm * 1000:.0f} ms",
                 "a second run of a command"))

    def cached() -> None:
        policydsl.load(SANMENXIA)

    cached()
    rows.append(("parse+check Sanmenxia, from the content cache", f"{median_seconds(cached, repeat, 20) * 1000:.1f} ms",
                 "target < 20 ms"))

    with tempfile.TemporaryDirectory() as tmp:
        big = generated_policy(Path(tmp), 5000)
        _clear_parse_cache()
        start = time.perf_counter()
        policydsl.load(big)
        rows.append(("parse+check a generated 5,000-measure policy", f"{time.perf_counter() - start:.2f} s",
                     "target < 10 s"))
    shutil.rmtree(Path(tempfile.gettempdir()) / "policydsl-bench", ignore_errors=True)
    return rows


def _compiled_core() -> Callable[..., object] | None:
    """The compiled engine's evaluate(policy, typed facts, typed params, day), wherever this tree has it."""
    for name in ("policydsl.engine.closures", "policydsl.evaluate.compile"):
        try:
            return importlib.import_module(name).evaluate  # type: ignore[no-any-return]
        except ImportError:
            continue
    return None


def _reference() -> Callable[..., object] | None:
    """The reference interpreter's evaluate(policy, typed facts, typed params, day): tests/reference,
    or in older trees the interpreter inside the library."""
    sys.path.insert(0, str(ROOT))
    for name in ("tests.reference", "policydsl.evaluate.interpret"):
        try:
            return importlib.import_module(name).evaluate  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    return None


def check_floor(policies: object, profiles: list[dict[str, object]]) -> None:
    """The lean floor gives policydsl's status, total, unknowns and agencies for every measure of
    every profile, or the benchmark stops (tests/policies/test_lean_floor.py holds the same)."""
    from lean_floor import evaluate_lean

    for number, profile in enumerate(profiles):
        result = policies.evaluate(profile, as_of=AS_OF, params=PARAMS)  # type: ignore[attr-defined]
        want = [(m.status, m.total.in_unit() if m.total is not None else None, m.unknowns, m.agencies)
                for m in result.measures]
        if evaluate_lean(profile, AS_OF, CAP, THRESHOLD) != want:
            raise AssertionError(f"the lean floor and policydsl differ on generated profile {number}: {profile}")


def evaluation_rows(repeat: int, count: int) -> list[tuple[str, str, str]]:
    """Evaluation of Sanmenxia's 28 measures on `count` generated raw profiles (bench/workload.py)
    against the lean hand-written function (bench/lean_floor.py). The variants take turns within
    each pass over the profiles; each figure is the median over the passes of the CPU time per
    profile, each ratio the median of the ratios within a pass."""
    from handwritten import evaluate_by_hand
    from lean_floor import evaluate_lean
    from workload import generate

    import policydsl
    from policydsl.profile import read_profile

    policies = policydsl.load(SANMENXIA)
    policy = policies.policy
    profiles = generate(count)
    check_floor(policies, profiles)
    typed_params = policies.read_params(PARAMS)
    facts = [read_profile(policy.schema, profile).values for profile in profiles]
    core, reference = _compiled_core(), _reference()

    def lean() -> None:
        for profile in profiles:
            evaluate_lean(profile, AS_OF, CAP, THRESHOLD)

    def former_floor() -> None:
        for profile in profiles:
            evaluate_by_hand(profile, AS_OF, cap=CAP, threshold=THRESHOLD)

    def api() -> None:
        for profile in profiles:
            policies.evaluate(profile, as_of=AS_OF, params=PARAMS)

    def api_read() -> None:
        for profile in profiles:
            for measure in policies.evaluate(profile, as_of=AS_OF, params=PARAMS).measures:
                measure.status, measure.total, measure.unknowns  # noqa: B018 - reading them is the work measured

    def compiled_only() -> None:
        for values in facts:
            core(policy, values, typed_params, AS_OF)  # type: ignore[misc]

    def interpreted() -> None:
        for values in facts:
            reference(policy, values, typed_params, AS_OF)  # type: ignore[misc]

    def explained() -> None:
        for profile in profiles:
            for measure in policies.evaluate(profile, as_of=AS_OF, params=PARAMS).measures:
                measure.explanation  # noqa: B018 - building the tree is the work measured

    # The explanations' target (≤ 10×) was set against the former floor, bench/handwritten.py.
    variants: list[tuple[str, Callable[[], None], float | None]] = [
        ("lean hand-written function (bench/lean_floor.py), the floor", lean, None),
        ("policydsl `evaluate()`: raw profile validated, 28 measures", api, 3),
        ("`evaluate()` and each measure's status, total and unknowns read", api_read, None),
        ("`evaluate()` and every explanation tree", explained, None),
        ("bench/handwritten.py (the floor until session 5)", former_floor, None),
    ]
    if core is not None:
        variants.insert(3, ("compiled evaluation only (typed facts in)", compiled_only, None))
    if reference is not None:
        variants.insert(4, ("reference interpreter (typed facts in)", interpreted, None))
    samples: list[list[float]] = [[] for _ in variants]
    for _ in range(repeat):
        for (_, run, _), times in zip(variants, samples, strict=True):
            start = time.process_time()
            run()
            times.append((time.process_time() - start) / count)
    rows = [(variants[0][0], f"{statistics.median(samples[0]) * 1e6:.1f} µs", "1.0×")]
    for (label, run, target), times in zip(variants[1:], samples[1:], strict=True):
        ratio = statistics.median(t / f for t, f in zip(times, samples[0], strict=True))
        note = f"{ratio:.1f}× the floor"
        if target is not None:
            note += f" (target ≤ {target:g}×: {'met' if ratio <= target else 'missed'})"
        if run is explained:
            former = statistics.median(t / f for t, f in zip(times, samples[-1], strict=True))
            note += f"; {former:.1f}× bench/handwritten.py (target ≤ 10× of it: {'met' if former <= 10 else 'missed'})"
        rows.append((label, f"{statistics.median(times) * 1e6:.1f} µs", note))
    return rows


def table(title: str, header: tuple[str, str, str], rows: list[tuple[str, str, str]]) -> list[str]:
    return [f"## {title}", "", "| " + " | ".join(header) + " |", "|---|---|---|",
            *[f"| {what} | {value} | {note} |" for what, value, note in rows], ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (one run per batch command)")
    parser.add_argument("--skip-peers", action="store_true", help="leave out the peer engines")
    parser.add_argument("--skip-batch", action="store_true", help="leave out batch screening")
    parser.add_argument("--rows", type=int, default=1_000_000, help="profiles for the batch timings")
    parser.add_argument("--python-rows", type=int, default=100_000, help="profiles for the python batch engine")
    parser.add_argument("--check-rows", type=int, default=10_000, help="profiles for the SQL cross-check")
    parser.add_argument("--peer-profiles", type=int, default=300, help="profiles the peers are checked and timed on")
    parser.add_argument("--profiles", type=int, default=2000, help="generated profiles Sanmenxia is evaluated on")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "policydsl-bench-batch"),
                        help="where the generated Parquet files go (removed at the end)")
    parser.add_argument("-o", "--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    sys.path.insert(0, str(ROOT / "bench"))

    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.datetime.now().isoformat(timespec='minutes')} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; medians of {repeat} runs "
        f"(batch: {1 if args.quick else 3}).",
        "",
        *table("Sanmenxia, parse and check", ("what", "time", "target"), load_rows(repeat)),
        *table(f"Sanmenxia, evaluation of {args.profiles:,} generated profiles (CPU time per profile, medians of "
               f"{repeat} passes)", ("what", "per profile", "ratio / target"), evaluation_rows(repeat, args.profiles)),
    ]
    if not args.skip_peers:
        import peers

        rows = peers.run(args.peer_profiles, repeat)
        lines += table(f"Peer engines, shared rule set, one profile at a time (mean of {args.peer_profiles} profiles, "
                       "all cross-checked)", ("engine", "per profile", "ratio"), rows)
    if not args.skip_batch:
        import batch_bench

        work = Path(args.work_dir)
        try:
            rows = batch_bench.run(args.rows, args.python_rows, args.check_rows, 1 if args.quick else 3, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        lines += table("Batch screening, Sanmenxia, Parquet in and out (subprocesses)",
                       ("what", "wall time", "ratio / target / peak memory"), rows)
    text = "\n".join(lines)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
