"""The queries of `policydsl sql --dialect postgres|spark` run on a real PostgreSQL and a real Spark
and give the Python engine's answers, field for field.

These engines are not Python packages the suite can count on: PostgreSQL's server programs come
from the system's packages, Spark from the `warehouse` extra and a Java runtime. Each test is
skipped, saying why, where its engine is missing; `make test-warehouses` installs both and runs
them (CI does).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import policydsl
from policydsl import model as m
from policydsl.batch.exact import refine_rows
from policydsl.batch.inputs import facts_table
from policydsl.engine import closures as compiled
from policydsl.sql.query import compile_policy
from tests.batch.helpers import AS_OF, DATA, expected, profiles
from tests.conftest import SANMENXIA

pytestmark = pytest.mark.warehouse
ROWS = 300
# The policies run: Sanmenxia with and without its parameters, the nested-list policy, loop
# variables that could capture a policy's names, nested max/min and sums, and ids too long for
# PostgreSQL's 63-byte names.
CASES = [
    ("sanmenxia", SANMENXIA, {"three_upgrades.cap": "500", "three_upgrades.threshold": "200"}),
    ("sanmenxia-no-params", SANMENXIA, {}),
    ("nested", DATA / "nested.pol", {}),
    ("loop-names", DATA / "loop_names.pol", {}),
    ("min-max-sums", DATA / "min_max_sums.pol", {}),
    ("long-ids", DATA / "long_ids.pol", {}),
]


def _cases() -> Iterator[tuple[str, m.Policy, dict[str, object], list[dict[str, Any]]]]:
    for name, path, raw_params in CASES:
        loaded = policydsl.load(path)
        params = loaded.read_params(raw_params)
        facts = profiles(loaded.policy.schema, ROWS, seed=7)
        yield name, loaded.policy, params, facts


def _expected(policy: m.Policy, facts: Sequence[Mapping[str, object]], params: Mapping[str, object],
              as_of: datetime.date) -> list[dict[str, Any]]:
    return [expected(compiled.evaluate(policy, f, params, as_of)) for f in facts]


def _compare(name: str, want: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
    assert len(got) == len(want), f"{name}: {len(got)} rows for {len(want)} profiles"
    mismatches = [f"row {number} {key}: warehouse {row.get(key)!r}, Python {value!r}"
                  for number, (expect, row) in enumerate(zip(want, got, strict=True), start=1)
                  for key, value in expect.items() if row.get(key) != value]
    assert not mismatches, f"{name}: {len(mismatches)} fields differ, e.g.:\n" + "\n".join(mismatches[:8])


def _renamed(query: Any) -> dict[str, str]:
    """The output name of each column of the query that has another name in it."""
    return {getattr(c, part): f"{c.id}_{part}" for c in query.measures for part in ("status", "total", "unknowns")
            if getattr(c, part) != f"{c.id}_{part}"}


# ---- PostgreSQL ---------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Postgres:
    """A throwaway PostgreSQL server on a Unix socket in a temporary folder."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin, self.folder = bin_dir, folder
        self.port = _free_port()
        # PostgreSQL refuses to run as root: then its programs run as the `postgres` user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, program: str, *args: str, input_text: str | None = None) -> str:
        done = subprocess.run([*self.as_user, str(self.bin / program), *args], input=input_text,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> None:
        data = self.folder / "data"
        self.run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                 "--locale=C")
        self.run("pg_ctl", "-D", str(data), "-w", "-l", str(self.folder / "log"), "-o",
                 f"-k {self.folder} -p {self.port} -c listen_addresses='' -c fsync=off", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")

    def sql(self, script: str) -> str:
        return self.run("psql", "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-q", "-X", input_text=script)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs are not installed (make test-warehouses installs them)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started")
    folder = Path(tempfile.mkdtemp(prefix="policydsl-pg-"))
    folder.chmod(0o777)  # the server's user writes its data and socket here
    server = Postgres(bin_dir, folder)
    try:
        server.start()
    except RuntimeError as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL is installed but does not start: {error}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _pg_type(typ: Any) -> str:
    """An Arrow type as PostgreSQL spells it; lists of objects are arrays of a composite type."""
    import pyarrow as pa  # type: ignore[import-untyped]

    if pa.types.is_boolean(typ):
        return "BOOLEAN"
    if pa.types.is_integer(typ):
        return "BIGINT"
    if pa.types.is_decimal(typ):
        return f"NUMERIC({typ.precision}, {typ.scale})"
    if pa.types.is_date(typ):
        return "DATE"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "TEXT"
    raise AssertionError(f"no PostgreSQL type for {typ}")


def _pg_literal(value: Any, typ: Any, composites: dict[str, str]) -> str:
    import pyarrow as pa

    if value is None:
        return "NULL"
    if pa.types.is_list(typ):
        item = typ.value_type
        items = ", ".join(_pg_literal(v, item, composites) for v in value)
        return f"ARRAY[{items}]::{_pg_element(item, composites)}[]"
    if pa.types.is_struct(typ):
        fields = ", ".join(_pg_literal(value.get(f.name), f.type, composites) for f in typ)
        return f"ROW({fields})::{composites[str(typ)]}"
    if pa.types.is_boolean(typ):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, Decimal)):
        return f"{value}::{_pg_type(typ)}"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _pg_element(typ: Any, composites: dict[str, str]) -> str:
    import pyarrow as pa

    if pa.types.is_list(typ):
        return f"{_pg_element(typ.value_type, composites)}[]"
    return composites[str(typ)] if pa.types.is_struct(typ) else _pg_type(typ)


def _pg_load(policy: m.Policy, facts: Sequence[Mapping[str, object]]) -> str:
    """CREATE TYPE/TABLE and INSERT statements for the input table `profiles`."""
    import pyarrow as pa

    table = facts_table(policy.schema, facts)
    composites: dict[str, str] = {}
    types: list[str] = []

    def declare(typ: Any) -> str:
        """The PostgreSQL type of an Arrow type; objects become composite types, inner ones first."""
        if pa.types.is_list(typ):
            return f"{declare(typ.value_type)}[]"
        if not pa.types.is_struct(typ):
            return _pg_type(typ)
        if str(typ) not in composites:
            members = ", ".join(f'"{f.name}" {declare(f.type)}' for f in typ)
            name = composites[str(typ)] = f"item_{len(composites)}"
            types.append(f"CREATE TYPE {name} AS ({members});")
        return composites[str(typ)]

    columns = [f'"{field.name}" {declare(field.type)}' for field in table.schema]
    lines = ["DROP TABLE IF EXISTS profiles;", "DROP TYPE IF EXISTS " + ", ".join(
        f"item_{n}" for n in range(len(composites))) + " CASCADE;" if composites else "", *types]
    lines.append(f"CREATE TABLE profiles ({', '.join(columns)});")
    for row in table.to_pylist():
        values = ", ".join(_pg_literal(row[f.name], f.type, composites) for f in table.schema)
        lines.append(f"INSERT INTO profiles VALUES ({values});")
    return "\n".join(lines) + "\n"


def _pg_array(text: str) -> list[str]:
    """A PostgreSQL text[] as psql prints it in CSV: {a,"b c"}."""
    inner = text[1:-1]
    if not inner:
        return []
    return next(csv.reader(io.StringIO(inner), escapechar="\\"))


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_postgres_gives_the_python_answers(postgres: Postgres, case: str) -> None:
    name, policy, params, facts = next(c for c in _cases() if c[0] == case)
    query = compile_policy(policy, params, AS_OF, dialect="postgres", table="profiles")
    out = postgres.sql(_pg_load(policy, facts) + f"COPY ({query.sql(pretty=False)}) TO STDOUT WITH (FORMAT csv, HEADER);\n")
    renamed = _renamed(query)
    got: list[dict[str, Any]] = []
    for row in csv.DictReader(io.StringIO(out)):
        converted: dict[str, Any] = {}
        for column, value in row.items():
            key = renamed.get(column, column)
            if key.endswith("_total"):
                converted[key] = Decimal(value).quantize(Decimal("1e-10")) if value else None
            elif key.endswith("_unknowns"):
                converted[key] = _pg_array(value) if value else []
            else:
                converted[key] = value
        got.append(converted)
    got.sort(key=lambda r: int(r["row"]))  # a SELECT without ORDER BY keeps no order
    assert [int(r["row"]) for r in got] == list(range(1, len(facts) + 1))
    # Rows whose measures name unknowns are the Python engine's (bounds, exact unknowns), as in a batch.
    _compare(name, _expected(policy, facts, params, AS_OF), refine_rows(policy, facts, params, AS_OF, got))


# ---- Spark --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession  # type: ignore[import-not-found]
    except ImportError:
        pytest.skip("pyspark is not installed (make test-warehouses installs the `warehouse` extra)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (make test-warehouses installs one)")
    session = (SparkSession.builder.master("local[2]").appName("policydsl-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.ansi.enabled", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_spark_gives_the_python_answers(spark: Any, case: str) -> None:
    name, policy, params, facts = next(c for c in _cases() if c[0] == case)
    query = compile_policy(policy, params, AS_OF, dialect="spark", table="profiles")
    spark.createDataFrame(facts_table(policy.schema, facts)).createOrReplaceTempView("profiles")
    renamed = _renamed(query)
    got = []
    for row in spark.sql(query.sql(pretty=False)).orderBy("row").collect():
        converted = {renamed.get(k, k): v for k, v in row.asDict(recursive=True).items()}
        for key, value in list(converted.items()):
            if key.endswith("_total") and value is not None:
                converted[key] = Decimal(value).quantize(Decimal("1e-10"))
            elif key.endswith("_unknowns"):
                converted[key] = list(value) if value is not None else []
        got.append(converted)
    # Rows whose measures name unknowns are the Python engine's (bounds, exact unknowns), as in a batch.
    _compare(name, _expected(policy, facts, params, AS_OF), refine_rows(policy, facts, params, AS_OF, got))


def test_the_postgres_header_declares_the_composite_types_inner_first() -> None:
    from policydsl.sql.query import describe_input

    lines = describe_input(policydsl.load(DATA / "nested.pol").policy.schema, "postgres")
    assert lines[:2] == ['(first: CREATE TYPE "phase" AS ("cost" DECIMAL(18, 6));)',
                         '(first: CREATE TYPE "project" AS ("name" TEXT, "investment" DECIMAL(18, 6), '
                         '"phases" "phase"[]);)']
    assert '"projects" "project"[]' in lines
    assert not any("STRUCT" in line for line in lines)


def test_the_postgres_header_types_create_a_table_the_query_reads(postgres: Postgres) -> None:
    from policydsl.sql.query import describe_input

    policy = policydsl.load(DATA / "nested.pol").policy
    lines = describe_input(policy.schema, "postgres")
    statements = [line.removeprefix("(first: ").removesuffix(")") for line in lines if line.startswith("(first:")]
    columns = [line.split("  --")[0] for line in lines if not line.startswith("(first:")]
    query = compile_policy(policy, {}, AS_OF, dialect="postgres", table="declared")
    out = postgres.sql('DROP TABLE IF EXISTS declared; DROP TYPE IF EXISTS "project", "phase" CASCADE;\n'
                       + "\n".join(statements) + f"\nCREATE TABLE declared ({', '.join(columns)});\n"
                       + f"COPY ({query.sql(pretty=False)}) TO STDOUT WITH (FORMAT csv, HEADER);\n")
    assert out.splitlines()[0].startswith("row,")
