"""Run one command and print its wall time, CPU time and peak memory as JSON (used by bench/run.py).

    python bench/measure.py COMMAND [ARG ...]

The peak is ru_maxrss (KiB on Linux) of the waited-for children, so this wrapper must run each measured command
in a process of its own: the figure is the largest child it has ever waited for.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time too: on a shared machine it moves less than wall time does.
    print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
