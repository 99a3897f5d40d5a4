"""Faults during a batch (issue 19): interrupts at random points, a full disk, outputs that cannot
be written, a damaged input, two writers of one output, a row beyond the exact range.

Each test checks the three promises: no partial output stands under the output's name (nor a
temporary file beside it), the input is intact, and the message says what happened (exit 2 for
bad input or paths, 130/143 for SIGINT/SIGTERM), never "internal error".
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from policydsl.batch import outputs
from policydsl.cli import main
from policydsl.diagnostics import UsageError
from tests.batch.helpers import DATA
from tests.conftest import ROOT

CORE = DATA / "core"
MULTIPLE = DATA / "multiple.pol"
AS_OF = "2024-06-01"
DAY = datetime.date(2024, 6, 1)
ENGINES = ["python", "duckdb"]


def firms(count: int) -> pa.Table:
    """`count` valid profiles of the core policy (each a little different)."""
    projects = json.dumps([{"name": "智能产线", "category": "intelligent_upgrade", "investment": 800}],
                          ensure_ascii=False)
    return pa.table({"level": ["provincial"] * count, "revenue": pa.array(range(15000, 15000 + count), pa.int64()),
                     "employees": [120] * count, "projects": [projects] * count})


def write_firms(folder: Path, count: int, fmt: str = ".parquet") -> Path:
    path = folder / f"firms{fmt}"
    table = firms(count)
    if fmt == ".parquet":
        pq.write_table(table, path, row_group_size=max(1, count // 10))
    else:
        with open(path, "w", encoding="utf-8") as file:
            for record in table.to_pylist():
                record["projects"] = json.loads(record["projects"])
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path, *keep: Path) -> list[str]:
    """Files in `folder` other than `keep`: a partial output or a temporary file."""
    return sorted(p.name for p in folder.iterdir() if p not in keep)


def run_cli(*args: str, env: dict[str, str] | None = None, limit_file_size: int | None = None,
            wait: bool = True) -> subprocess.Popen[str]:
    """`policydsl ARGS` in a new process (its own cache folder under the test's)."""
    def limits() -> None:
        if limit_file_size is not None:  # Python ignores SIGXFSZ: a write past the limit fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    process = subprocess.Popen([sys.executable, "-m", "policydsl", *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limits)
    if wait:
        process.wait(timeout=120)
    return process


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}


# ---- the output is not the input; paths that cannot be written --------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("link", ["same path", "hard link", "symbolic link"])
def test_an_output_that_is_the_input_is_refused_before_anything_is_opened(tmp_path: Path, engine: str,
                                                                          link: str) -> None:
    source = write_firms(tmp_path, 3, ".jsonl")
    before = digest(source)
    output = source
    if link != "same path":
        output = tmp_path / "results.jsonl"
        (os.link if link == "hard link" else os.symlink)(source, output)
    with pytest.raises(UsageError) as error:
        policydsl.load(CORE).batch(source, output, engine=engine, as_of=DAY)
    assert [d.code for d in error.value.diagnostics] == ["PD407"]
    assert digest(source) == before


@pytest.mark.parametrize("engine", ENGINES)
def test_an_output_in_a_missing_folder_or_naming_a_folder(tmp_path: Path, engine: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    source = write_firms(tmp_path, 3, ".jsonl")
    (tmp_path / "taken.parquet").mkdir()
    for output, reason in [(tmp_path / "missing" / "out.parquet", "the folder does not exist"),
                           (tmp_path / "taken.parquet", "the output names a folder")]:
        code = main(["batch", str(CORE), str(source), "-o", str(output), "--engine", engine, "--as-of", AS_OF])
        err = capsys.readouterr().err
        assert code == 2 and "error[PD408]" in err and reason in err and "internal error" not in err, err
    assert leftovers(tmp_path, source, tmp_path / "taken.parquet", tmp_path / "cache") == []
    assert list((tmp_path / "taken.parquet").iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
@pytest.mark.parametrize("engine", ENGINES)
def test_an_output_in_a_read_only_folder(tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_firms(tmp_path, 3, ".jsonl")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code = main(["batch", str(CORE), str(source), "-o", str(folder / "out.jsonl"), "--engine", engine])
    finally:
        folder.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2 and "error[PD408]" in err and "not writable" in err, err
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's /sys, where no one may make a file")
@pytest.mark.parametrize("engine", ENGINES)
def test_an_output_in_a_folder_that_refuses_new_files(tmp_path: Path, engine: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """/sys refuses new files even to root: the failure comes from making the file, past the checks."""
    source = write_firms(tmp_path, 3, ".jsonl")
    code = main(["batch", str(CORE), str(source), "-o", "/sys/out.jsonl", "--engine", engine, "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "/sys/out.jsonl: error[PD408]: cannot write /sys/out.jsonl: Permission denied" in err, err
    assert "internal error" not in err and not Path("/sys/out.jsonl").exists()


# ---- a full disk ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [".parquet", ".csv", ".jsonl"])
def test_a_full_disk_mid_batch_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """The second batch of rows cannot be written (ENOSPC, as a full disk says it)."""
    source = write_firms(tmp_path, 30)
    output = tmp_path / f"out{fmt}"
    output.write_text("the previous results\n", encoding="utf-8")
    monkeypatch.setattr("policydsl.batch.run.CHUNK", 10)
    written: list[int] = []
    real_write = outputs.Writer._write

    def failing(self: outputs.Writer, batch: pa.RecordBatch) -> None:
        written.append(batch.num_rows)
        if len(written) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(self, batch)

    monkeypatch.setattr(outputs.Writer, "_write", failing)
    with pytest.raises(UsageError) as error:
        policydsl.load(CORE).batch(source, output, engine="python", as_of=DAY)
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "PD408" and "No space left on device" in diagnostic.message
    assert diagnostic.hint is not None and "disk is full" in diagnostic.hint
    assert written == [10, 10]
    assert output.read_text("utf-8") == "the previous results\n"  # the old output, untouched
    assert leftovers(tmp_path, source, output) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", [".parquet", ".jsonl"])
def test_a_file_size_limit_stops_the_batch_cleanly(tmp_path: Path, env: dict[str, str], engine: str,
                                                   fmt: str) -> None:
    """A real write failure in a new process (RLIMIT_FSIZE: EFBIG), DuckDB's own writer included."""
    source = write_firms(tmp_path, 3000, ".jsonl")
    before = digest(source)
    output = tmp_path / f"out{fmt}"
    done = run_cli("batch", str(CORE), str(source), "-o", str(output), "--engine", engine, "--as-of", AS_OF,
                   env=env, limit_file_size=8192)
    err = done.stderr.read() if done.stderr else ""
    assert done.returncode == 2, err
    assert "error[PD408]" in err and "File too large" in err and "internal error" not in err
    assert leftovers(tmp_path, source, tmp_path / "cache") == []
    assert digest(source) == before


# ---- interrupts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "signum"), [("python", signal.SIGINT), ("python", signal.SIGTERM),
                                                 ("duckdb", signal.SIGINT), ("duckdb", signal.SIGTERM)])
def test_an_interrupt_at_a_random_point_leaves_no_output(tmp_path: Path, env: dict[str, str], engine: str,
                                                         signum: signal.Signals) -> None:
    rng = random.Random(f"{engine}-{signum}")  # a random point, the same in every run of the suite
    source = write_firms(tmp_path, 60_000 if engine == "duckdb" else 20_000)
    before = digest(source)
    output = tmp_path / "out.parquet"
    process = run_cli("batch", str(CORE), str(source), "-o", str(output), "--engine", engine, "--as-of", AS_OF,
                      env=env, wait=False)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.parquet.") for p in tmp_path.iterdir()):  # the batch has begun
        assert process.poll() is None and time.monotonic() < deadline, "the batch ended before it began"
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 1.0))
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert f"interrupted by {signum.name}" in err and "internal error" not in err and "Traceback" not in err
    assert leftovers(tmp_path, source, tmp_path / "cache") == []
    assert digest(source) == before


# ---- a damaged input -----------------------------------------------------------------------------


def damaged_parquet(folder: Path) -> Path:
    """A Parquet file whose footer is intact and whose sixth row group's first page is garbage."""
    path = write_firms(folder, 1000)
    data = bytearray(path.read_bytes())
    start = pq.ParquetFile(path).metadata.row_group(5).column(1).data_page_offset
    for offset in range(start, start + 64):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", [".parquet", ".jsonl"])
def test_a_corrupt_parquet_page_is_bad_input(tmp_path: Path, engine: str, fmt: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    source = damaged_parquet(tmp_path)
    before = digest(source)
    output = tmp_path / f"out{fmt}"
    code = main(["batch", str(CORE), str(source), "-o", str(output), "--engine", engine, "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and f"{source}: error[PD309]: cannot read {source}" in err, err
    assert "internal error" not in err
    if engine == "python":  # it says how far it read
        assert "after row " in err
    assert err.isprintable() or set(err) - set(filter(str.isprintable, err)) == {"\n"}
    assert leftovers(tmp_path, source) == []
    assert digest(source) == before


# ---- two writers of one output -------------------------------------------------------------------


def test_two_batches_writing_one_output_leave_one_whole_output(tmp_path: Path, env: dict[str, str]) -> None:
    """Each writes its own temporary file; the output is the whole output of one of them."""
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    sources = [write_firms(small, 2000), write_firms(large, 3000)]
    output = tmp_path / "out.parquet"
    processes = [run_cli("batch", str(CORE), str(source), "-o", str(output), "--engine", "python", "--as-of", AS_OF,
                         env=env, wait=False) for source in sources]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert pq.read_metadata(output).num_rows in (2000, 3000)
    rows = pq.read_table(output, columns=["row", "error"]).to_pylist()
    assert [r["row"] for r in rows] == list(range(1, len(rows) + 1)) and all(r["error"] is None for r in rows)
    assert leftovers(tmp_path, small, large, output, tmp_path / "cache") == []


# ---- rows beyond the exact range -----------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_a_total_beyond_the_output_is_an_error_row_and_the_batch_goes_on(tmp_path: Path, engine: str) -> None:
    rows = ['{"fund": "100万元", "multiple": 2}',
            '{"fund": "1000000000000000000万元", "multiple": 100000000000}',  # 10^18 × 10^11 = 10^29 万元
            '{"fund": "1000000000000000000万元", "multiple": 1}',  # 10^18 万元: the largest fact, written exactly
            '{"fund": "1000000000000000000万元", "multiple": 9999999999.99999999}']  # just below 10^28
    source = tmp_path / "in.jsonl"
    source.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    report = policydsl.load(MULTIPLE).batch(source, tmp_path / "out.jsonl", engine=engine, as_of=DAY)
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [(r["row"], r["M1_total"]) for r in written] == [
        (1, "200"), (2, None), (3, "1000000000000000000"), (4, "9999999999999999990000000000")]  # 10^28 - 10^10
    assert written[1]["error"].startswith("M1_total: error[PD318]: the total of M1 (about 10^29 万元) is beyond")
    assert report.summary.errors == 1
    # The summary's total is exact too (a sum of DECIMAL(38, 10) values would wrap round at 38 digits).
    assert report.summary.totals["M1"] == Decimal("10000000000999999990000000200")  # 10^28 + 10^18 - 10^10 + 200


@pytest.mark.parametrize("engine", ENGINES)
def test_totals_summed_past_38_digits_stay_exact(tmp_path: Path, engine: str) -> None:
    source = tmp_path / "in.jsonl"
    row = json.dumps({"fund": "1000000000000000000万元", "multiple": 1000000000}, ensure_ascii=False)  # 10^27
    source.write_text((row + "\n") * 20, encoding="utf-8")
    report = policydsl.load(MULTIPLE).batch(source, tmp_path / "out.parquet", engine=engine, as_of=DAY)
    assert report.summary.totals["M1"] == 20 * Decimal(10) ** 27


@pytest.mark.parametrize("engine", ENGINES)
def test_a_decimal_38_column_beyond_the_limits_is_an_error_row(tmp_path: Path, engine: str) -> None:
    """DuckDB compared DECIMAL(38, 0) 10^37 with its DECIMAL(18, 6) reading in a type that could not
    hold it, and the whole batch failed."""
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"fund": pa.array([Decimal(10) ** 37, Decimal(5)], pa.decimal128(38, 0)),
                             "multiple": pa.array([Decimal(1), Decimal(2)], pa.decimal128(38, 0))}), source)
    policydsl.load(MULTIPLE).batch(source, tmp_path / "out.jsonl", engine=engine, as_of=DAY)
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert written[0]["error"].startswith("fund: error[PD307]: ") and written[0]["M1_total"] is None
    assert written[1]["error"] is None and written[1]["M1_total"] == "10"


# ---- fmt ---------------------------------------------------------------------------------------------


def test_fmt_under_a_file_size_limit_leaves_the_file_as_it_was(tmp_path: Path, env: dict[str, str]) -> None:
    policy = tmp_path / "srdi.pol"
    text = (ROOT / "policies" / "sanmenxia" / "srdi.pol").read_text("utf-8")
    policy.write_text(text.replace("\n", "\n\n", 50), encoding="utf-8")  # unformatted: blank lines to remove
    before = digest(policy)
    assert policy.stat().st_size > 8192
    done = run_cli("fmt", str(policy), env=env, limit_file_size=8192)
    err = done.stderr.read() if done.stderr else ""
    assert done.returncode == 2 and "error[PD408]" in err and "File too large" in err, err
    assert digest(policy) == before
    assert leftovers(tmp_path, policy, tmp_path / "cache") == []


def test_fmt_keeps_the_file_mode(tmp_path: Path) -> None:
    policy = tmp_path / "srdi.pol"
    text = (ROOT / "policies" / "sanmenxia" / "srdi.pol").read_text("utf-8")
    policy.write_text(text.replace("\n", "\n\n", 5), encoding="utf-8")
    policy.chmod(0o640)
    assert main(["fmt", str(policy)]) == 0
    assert main(["fmt", "--check", str(policy)]) == 0 and policy.stat().st_mode & 0o777 == 0o640



# ---- inputs that used to be read wrongly -------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_blank_csv_lines_keep_row_numbers_aligned_with_the_lines(tmp_path: Path, engine: str) -> None:
    """A blank line between data lines is a row of empty cells (all facts unknown); blank lines at
    the end are not rows. Arrow skipped them, so the rows after one were numbered one short."""
    source = tmp_path / "in.csv"
    source.write_text("employees,level\n120,provincial\n\nmany,provincial\n\n\n5,none\n\n\n", encoding="utf-8")
    policydsl.load(CORE).batch(source, tmp_path / "out.jsonl", engine=engine, as_of=DAY)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["error"] is not None for r in rows] == [False, False, True, False, False, False]
    assert rows[2]["error"].startswith("employees: error[PD301]")  # line 4 of the file: data line 3
    assert rows[1]["M1_unknowns"] == ["level", "pool"]  # a blank line: nothing known


@pytest.mark.parametrize("engine", ENGINES)
def test_the_problems_of_one_row_are_capped(tmp_path: Path, engine: str) -> None:
    """A line with 100,000 unknown keys: 20 problems and a count of the rest, not a cell of megabytes."""
    source = tmp_path / "in.jsonl"
    wide = json.dumps({f"k{i}": 1 for i in range(100_000)})
    source.write_text(wide + "\n" + '{"employees": 5}\n', encoding="utf-8")
    policydsl.load(CORE).batch(source, tmp_path / "out.jsonl", engine=engine, as_of=DAY)
    first, second = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(first["error"]) < 10_000
    assert first["error"].count("error[PD302]") == 21
    assert first["error"].endswith("error[PD302]: … and 99,980 more problems of this profile "
                                   "(help: correct the ones above first)")
    assert second["error"] is None


def test_the_sql_tally_of_totals_past_38_digits_is_exact(tmp_path: Path) -> None:
    """DuckDB's sum of a DECIMAL(38, 10) column stops with an overflow from 10^28 on: the tally sums
    the whole 万元 and the decimals apart, as HUGEINTs."""
    import duckdb

    from policydsl.batch import duckdb_engine, statements
    from policydsl.batch.outputs import Tally, output_schema
    from policydsl.profile import DEFAULT_LIMITS

    policy = policydsl.load(MULTIPLE).policy
    plan = statements.build(policy, {}, DAY, ".jsonl", {}, "line", DEFAULT_LIMITS)
    written = tmp_path / "written.parquet"
    big = Decimal("9000000000000000000000000000.1234567891")  # 9 × 10^27 and ten decimals
    pq.write_table(pa.table({"row": [1, 2, 3], "error": [None, None, None], "M1_status": ["eligible"] * 3,
                             "M1_total": [big, big, Decimal("-0.5")], "M1_unknowns": [[], [], []]},
                            schema=output_schema(policy)), written)
    tally = Tally(policy)
    duckdb_engine._tally_file(duckdb.connect(), plan, written, policy, DAY, tally)
    assert tally.totals["M1"] == Decimal("17999999999999999999999999999.7469135782")  # 2 × big − 0.5
    assert tally.statuses["M1"] == {"eligible": 3}
