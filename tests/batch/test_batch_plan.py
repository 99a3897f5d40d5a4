"""The SQL of a batch kept on disk (batch_plan.py): read back when everything it depends on is the
same, built again when anything is not, never trusted when damaged or switched off."""

from __future__ import annotations

import datetime
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

import policydsl
from policydsl import disk_cache
from policydsl.batch import plan as batch_plan
from policydsl.batch import statements as batch_statements
from policydsl.batch.run import run_batch
from policydsl.profile import DEFAULT_LIMITS, Limits
from tests.batch.helpers import DATA

AS_OF = datetime.date(2024, 6, 1)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("POLICYDSL_NO_CACHE", raising=False)
    return home / "policydsl" / "sql"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the plans built (rather than read from disk)."""
    built: list[int] = []
    original = batch_statements.build

    def counting(*args: object, **kwargs: object) -> batch_plan.Plan:
        built.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_statements, "build", counting)
    return built


FLOAT = pa.float64()


def write_profiles(folder: Path, revenue_type: pa.DataType = FLOAT) -> Path:
    path = folder / f"profiles-{revenue_type}.parquet"
    pq.write_table(pa.table({
        "level": pa.array(["provincial", "innovative", None, "little_giant"]),
        "revenue": pa.array([15000, 200, None, 40000], revenue_type),
        "employees": pa.array([120, 5, None, 2000], pa.int64()),
    }), path)
    return path


def batch(source: Path, output: Path, params: dict[str, object] | None = None,
          as_of: datetime.date = AS_OF, limits: Limits = DEFAULT_LIMITS) -> list[dict[str, object]]:
    policies = policydsl.load(DATA / "core", limits=limits)
    run_batch(policies.policy, source, output, as_of=as_of, params=policies.read_params(params or {}),
              limits=policies.limits)
    return pq.read_table(output).to_pylist()  # type: ignore[no-any-return]


def test_a_second_batch_reads_the_plan_from_disk(cache_home: Path, builds: list[int], tmp_path: Path) -> None:
    source = write_profiles(tmp_path)
    first = batch(source, tmp_path / "first.parquet")
    assert len(builds) == 1 and len(list(cache_home.glob("*.json"))) == 1
    second = batch(source, tmp_path / "second.parquet")
    assert len(builds) == 1  # read back, not built
    assert second == first
    # A batch of another file of the same columns and types is the same plan.
    other = tmp_path / "other"
    other.mkdir()
    batch(write_profiles(other), tmp_path / "third.parquet")
    assert len(builds) == 1


def test_what_the_sql_depends_on_makes_another_plan(cache_home: Path, builds: list[int], tmp_path: Path) -> None:
    source = write_profiles(tmp_path)
    batch(source, tmp_path / "out.parquet")
    batch(source, tmp_path / "out.parquet", as_of=datetime.date(2024, 6, 2))
    assert len(builds) == 2
    batch(source, tmp_path / "out.parquet", params={"cap": 300})
    assert len(builds) == 3
    batch(write_profiles(tmp_path, pa.decimal128(18, 2)), tmp_path / "out.parquet")  # revenue typed otherwise
    assert len(builds) == 4
    batch(source, tmp_path / "out.parquet", limits=Limits(max_text_length=50))  # the input checks read the limits
    assert len(builds) == 5
    assert len(list(cache_home.glob("*.json"))) == 5


def test_an_edited_policy_makes_another_plan(cache_home: Path, builds: list[int], tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    folder.mkdir()
    for file in (DATA / "core").iterdir():
        if file.is_file():
            (folder / file.name).write_bytes(file.read_bytes())
    source = write_profiles(tmp_path)
    policies = policydsl.load(folder)
    run_batch(policies.policy, source, tmp_path / "a.parquet", as_of=AS_OF, params={})
    pol = folder / "core.pol"
    pol.write_text(pol.read_text("utf-8").replace("amount 10万元", "amount 11万元", 1), encoding="utf-8")
    edited = policydsl.load(folder)
    assert repr(edited.policy) != repr(policies.policy)
    run_batch(edited.policy, source, tmp_path / "b.parquet", as_of=AS_OF, params={})
    assert len(builds) == 2


@pytest.mark.parametrize("damage", [b"", b"{", b'{"views": 3}', b"\xff\xfe", b'{"views": [1], "columns": []}',
                                    b'{"views": [1], "copy": "", "columns": [], "stream": "", "goals_all": null, '
                                    b'"goals_some": "", "tally": ""}'])
def test_a_damaged_entry_is_built_again(cache_home: Path, builds: list[int], tmp_path: Path, damage: bytes) -> None:
    source = write_profiles(tmp_path)
    first = batch(source, tmp_path / "first.parquet")
    (entry,) = cache_home.glob("*.json")
    disk_cache.write(entry, damage, 10, 10)  # signed with the user's key: the plan's own checks refuse it
    assert batch(source, tmp_path / "second.parquet") == first
    assert len(builds) == 2
    assert batch_plan._load(disk_cache.read(entry)) is not None  # and stored whole again


def test_switched_off_by_the_environment(cache_home: Path, builds: list[int], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYDSL_NO_CACHE", "1")
    source = write_profiles(tmp_path)
    batch(source, tmp_path / "a.parquet")
    batch(source, tmp_path / "b.parquet")
    assert len(builds) == 2
    assert not cache_home.exists() or not list(cache_home.glob("*.json"))


def test_a_stored_plan_is_the_plan_built(cache_home: Path, tmp_path: Path) -> None:
    policies = policydsl.load(DATA / "core")
    origins = {"level": "VARCHAR", "revenue": "DOUBLE", "projects": "VARCHAR"}
    built = batch_statements.build(policies.policy, {}, AS_OF, ".parquet", origins, None, DEFAULT_LIMITS)
    assert batch_plan.plan(policies.policy, {}, AS_OF, ".parquet", origins, None, DEFAULT_LIMITS) == built  # stored
    assert batch_plan.plan(policies.policy, {}, AS_OF, ".parquet", origins, None, DEFAULT_LIMITS) == built  # read back
    assert len(list(cache_home.glob("*.json"))) == 1


def test_a_kept_plan_runs_without_sqlglot(cache_home: Path, tmp_path: Path) -> None:
    """A second batch neither imports nor runs sqlglot (a fresh process: imports are per process)."""
    import subprocess
    import sys

    source = write_profiles(tmp_path)
    script = (
        "import sys, datetime, policydsl\n"
        "from pathlib import Path\n"
        "from policydsl.batch.run import run_batch\n"
        f"policies = policydsl.load({str(DATA / 'core')!r})\n"
        f"run_batch(policies.policy, Path({str(source)!r}), Path(sys.argv[1]), as_of=datetime.date(2024, 6, 1), "
        "params={})\n"
        "print('sqlglot' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{n}.parquet")], capture_output=True,
                           text=True, check=True) for n in range(2)]
    assert [run.stdout.strip() for run in runs] == ["True", "False"]
    assert pq.read_table(tmp_path / "0.parquet") == pq.read_table(tmp_path / "1.parquet")


@pytest.mark.parametrize("day", [datetime.date(2024, 6, 1), datetime.date(2020, 6, 1), datetime.date(2026, 6, 1)])
def test_the_tally_of_the_written_file_is_the_python_engines(tmp_path: Path, day: datetime.date) -> None:
    """The SQL tally counts only the statuses a measure can have that day (batch_plan.possible_statuses)
    and takes the last as the rest: it must equal the Python engine's count of every status."""
    from tests.batch.generate_profiles import write_profiles as generate
    from tests.conftest import SANMENXIA

    policies = policydsl.load(SANMENXIA)
    source = tmp_path / "profiles.parquet"
    generate(policies.policy, source, 400)
    params = policies.read_params({"three_upgrades.cap": 500})
    summaries = [run_batch(policies.policy, source, tmp_path / f"{engine}.parquet", as_of=day, params=params,
                           engine=engine) for engine in ("duckdb", "python")]
    duck, python = summaries
    assert duck.by_python == 0  # every row in SQL: the tally read from the written file
    assert (duck.rows, duck.errors, duck.statuses, duck.totals, duck.goals) == (
        python.rows, python.errors, python.statuses, python.totals, python.goals)
    kinds = {status for counts in duck.statuses.values() for status in counts}
    assert kinds >= ({"not_in_force"} if day.year != 2024 else {"eligible", "not_eligible", "undetermined",
                                                                 "not_applicable"})
