"""Benchmarks, measured in one run and written as markdown tables (see docs/performance.md).

    python bench/run.py [--quick] [--skip-peers] [--skip-batch] [--rows N] [-o bench/results.md]

Each figure is the median of several runs; ratios are computed within this one run, because the
machines are noisy. Sections: parse+check (cold in a fresh process, and from the content cache),
a generated 5,000-measure policy, and single-profile evaluation (compiled, interpreted, with the
explanation) against a hand-written Python function of the same rules; peer engines on a shared
rule set against its hand-written function (bench/peers/); batch screening in subprocesses
against hand-written DuckDB SQL (bench/batch_bench.py).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SANMENXIA = ROOT / "policies" / "sanmenxia"
PROFILE = SANMENXIA / "examples" / "profiles" / "lingbao-little-giant.json"
AS_OF = datetime.date(2024, 6, 1)


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


def sanmenxia_rows(repeat: int) -> list[tuple[str, str, str]]:
    """Parse+check and single-profile evaluation of Sanmenxia against bench/handwritten.py."""
    from handwritten import evaluate_by_hand

    import policydsl
    from policydsl.checker import loader
    from policydsl.engine import closures as compiled
    from policydsl.profile import read_profile

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
        loader._PARSE_CACHE.clear()
        start = time.perf_counter()
        policydsl.load(big)
        rows.append(("parse+check a generated 5,000-measure policy", f"{time.perf_counter() - start:.2f} s",
                     "target < 10 s"))
    shutil.rmtree(Path(tempfile.gettempdir()) / "policydsl-bench", ignore_errors=True)

    policies = policydsl.load(SANMENXIA)
    policy = policies.policy
    import json

    raw = json.loads(PROFILE.read_text("utf-8"))
    params = {"three_upgrades.cap": 500}
    facts = read_profile(policy.schema, raw).values
    typed_params = policies.read_params(params)

    def by_hand() -> None:
        evaluate_by_hand(raw, AS_OF, cap=500)

    def api_compiled() -> None:
        policies.evaluate(raw, as_of=AS_OF, params=params)

    def core_compiled() -> None:
        compiled.evaluate(policy, facts, typed_params, AS_OF)

    def with_explanation() -> None:
        result = policies.evaluate(raw, as_of=AS_OF, params=params)
        for measure in result.measures:
            measure.explanation  # noqa: B018 - building the tree is the work measured

    floor = median_seconds(by_hand, repeat, 2000)
    rows.append(("hand-written Python function, 28 measures (the floor)", f"{floor * 1e6:.1f} µs", "1.0×"))
    for label, fn, number in [
        ("policydsl evaluate(): validate + 28 measures, compiled", api_compiled, 500),
        ("compiled evaluation only (typed facts in)", core_compiled, 500),
        ("evaluate() + every explanation tree", with_explanation, 50),
    ]:
        seconds = median_seconds(fn, repeat, number)
        rows.append((label, f"{seconds * 1e6:.1f} µs", f"{seconds / floor:.1f}× the floor"))
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
        *table("Sanmenxia, one profile", ("what", "time", "ratio / target"), sanmenxia_rows(repeat)),
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
