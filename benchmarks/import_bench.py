"""Import benchmark: a program of 5,000 volunteers, 500 organizations, 2,000 requests and 10,000 past trips with
their reports, checked (dry run) and imported on SQLite and on PostgreSQL.

Run by hand (not a test; it asserts nothing, it prints a table):

    .venv/bin/python benchmarks/import_bench.py                 # both databases
    .venv/bin/python benchmarks/import_bench.py --database sqlite
    .venv/bin/python benchmarks/import_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Each step runs `giveback import` in a process of its own on a freshly migrated database, so the time is what a
coordinator waits for and the peak memory (the process's maximum resident set) is the whole command's.
Targets (issue 19): dry run < 30 s, import < 60 s, < 1 GiB, on both databases; the second import of the same
file must report 0 created, 0 updated.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from workbooks import generate  # noqa: E402

from giveback.imports.export import workbook_bytes  # noqa: E402


def _run(arguments: list[str], database_url: str) -> tuple[float, int, str]:
    """Seconds, peak resident memory (bytes) and output of one command in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "giveback", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "GIVEBACK_DATABASE_URL": database_url, "GIVEBACK_ENV": "development"},
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise SystemExit(f"giveback {' '.join(arguments)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    # ru_maxrss of the children is the largest child so far: the figure is exact when this step is the largest
    return seconds, max(peak, before) * 1024, result.stdout


def _postgres_database(server: str) -> tuple[str, str]:
    name = f"giveback_import_bench_{secrets.token_hex(3)}"
    subprocess.run(["psql", server, "-qc", f'CREATE DATABASE "{name}"'], check=True)  # noqa: S603, S607
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}")), name


def _drop(server: str, name: str) -> None:
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    subprocess.run(["psql", server, "-qc", drop], check=False)  # noqa: S603, S607


def bench(label: str, database_url: str, workbook: Path) -> list[tuple[str, str, float, int, str]]:
    _run(["db", "upgrade"], database_url)
    rows = []
    for step, arguments in (
        ("dry run", ["import", str(workbook), "--dry-run"]),
        ("import", ["import", str(workbook)]),
        ("again", ["import", str(workbook)]),
    ):
        seconds, peak, output = _run(arguments, database_url)
        summary = "; ".join(
            f"{sheet} {created}/{updated}/{unchanged}"
            for sheet, created, updated, unchanged in re.findall(
                r"^(\w+): \d+ row\(s\): (\d+) [\w ]+?, (\d+) [\w ]+?, (\d+) unchanged$", output, re.M
            )
        )
        rows.append((label, step, seconds, peak, summary))
        print(f"{label:10} {step:8} {seconds:7.1f} s {peak / 2**20:7.0f} MiB   created/updated/unchanged: {summary}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--organizations", type=int, default=500)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--trips", type=int, default=10000)
    options = parser.parse_args()

    started = time.perf_counter()
    program = generate(
        seed=2026,
        volunteers=options.volunteers,
        organizations=options.organizations,
        requests=options.requests,
        trips=options.trips,
    )
    with tempfile.TemporaryDirectory(prefix="giveback-import-bench-") as folder:
        workbook = Path(folder) / "program.xlsx"
        workbook.write_bytes(workbook_bytes(program.sheets))
        counts = ", ".join(f"{len(rows)} {name} rows" for name, rows in program.sheets.items())
        made = time.perf_counter() - started
        print(f"workbook: {workbook.stat().st_size / 2**20:.1f} MiB ({counts}), made in {made:.1f} s")
        print(f"{'database':10} {'step':8} {'time':>9} {'peak':>11}")
        if options.database in ("sqlite", "both"):
            bench("sqlite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", workbook)
        if options.database in ("postgresql", "both"):
            url, name = _postgres_database(options.postgres)
            try:
                bench("postgresql", url, workbook)
            finally:
                _drop(options.postgres, name)
    print("targets: dry run < 30 s, import < 60 s, peak < 1024 MiB; 'again' must show 0 created and 0 updated")


if __name__ == "__main__":
    main()
