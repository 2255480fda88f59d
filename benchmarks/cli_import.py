"""A 100,000-row mapping import through the command line, as a whole process, against the bare baseline in its own.

    .venv/bin/python benchmarks/cli_import.py [--rows 100000] [--runs 5]

Ours: `python -m core mappings import --store "Benchmark store" mappings.csv`, start-up included: settings, the
schema check, reading and checking every row against the rules and the catalog, the plan, the write with its history
and audit entry, one transaction. Each run starts from a copy of the same database (the store and its 20,000-product
catalog, no mappings), made before the clock starts.

Baseline (as issue 15 defines it): `python -c` with `pandas.read_csv` of the same file and a raw `sqlite3`
`executemany` of its rows into one plain table, then commit: its start-up (pandas) included too.

Both run interleaved, median of --runs, wall and CPU (user + system of the child).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.mapping_import import _prepared_database, generate  # noqa: E402  (the import benchmark's file and database)
from benchmarks.processes import timed  # noqa: E402

TARGET = 1.5
BASELINE = """
import sqlite3, sys
import pandas as pd
connection = sqlite3.connect(sys.argv[2])
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA synchronous=NORMAL")
connection.execute("CREATE TABLE IF NOT EXISTS mapping_row (platform_sku TEXT NOT NULL, system_sku TEXT NOT NULL, quantity TEXT)")
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
connection.executemany("INSERT INTO mapping_row VALUES (?, ?, ?)", frame.itertuples(index=False, name=None))
connection.commit()
"""


def fresh(template: Path, path: Path) -> None:
    """`path` as a copy of `template` (the SQLite file and nothing else: the template was closed cleanly)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-cli-import-"))
    catalog_csv, mappings_csv = generate(folder, args.rows)
    engine, _store_id, template = _prepared_database(folder, catalog_csv, "template")
    engine.dispose()
    database, baseline_database = folder / "ours.db", folder / "baseline.db"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(DATABASE_URL=f"sqlite:///{database}", STORE_CONNECT_KEY_FILE=str(folder / "secret.key"), STORE_CONNECT_SECRET_KEY="",
               WALMART_API_BASE_URL="http://127.0.0.1:9", WALMART_SANDBOX_API_BASE_URL="http://127.0.0.1:9", STORE_CONNECT_OPERATOR="benchmark")
    ours = [sys.executable, "-m", "core", "mappings", "import", "--store", "Benchmark store", str(mappings_csv)]
    baseline = [sys.executable, "-c", BASELINE, str(mappings_csv), str(baseline_database)]

    fresh(template, database)
    subprocess.run([sys.executable, "-m", "core", "stores", "list"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # the key file
    shutil.copyfile(database, template)
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "baseline": []}
    for run in range(args.runs + 1):
        fresh(template, database)
        Path(baseline_database).unlink(missing_ok=True)
        measured = {"ours": timed(ours, env), "baseline": timed(baseline, env)}
        if run:  # the first round writes the bytecode caches and warms the disk cache
            for name, pair in measured.items():
                times[name].append(pair)

    medians = {name: (statistics.median(w for w, _ in pairs), statistics.median(c for _, c in pairs)) for name, pairs in times.items()}
    print(f"{args.rows:,}-row mapping CSV, whole processes, median of {args.runs}, interleaved")
    print(f"ours (python -m core mappings import)            {medians['ours'][0]:6.2f} s wall {medians['ours'][1]:6.2f} s CPU")
    print(f"baseline (pandas.read_csv + sqlite3.executemany) {medians['baseline'][0]:6.2f} s wall {medians['baseline'][1]:6.2f} s CPU")
    print(f"ratio {medians['ours'][0] / medians['baseline'][0]:.2f}x wall, {medians['ours'][1] / medians['baseline'][1]:.2f}x CPU (target <= {TARGET}x)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
