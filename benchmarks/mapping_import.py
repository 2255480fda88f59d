"""Benchmark: importing a 100,000-row mapping CSV (10% bundles) against a bare baseline.

    .venv/bin/python benchmarks/mapping_import.py [--rows 100000] [--repeat 3]

Ours: read the file, detect its format, check every row against the rules and
the catalog, make the dry-run plan against the store, then commit it into a fresh
SQLite file (core.mapping.imports.plan_import + apply_plan, one transaction).

Baseline (as the issue defines it): pandas.read_csv of the same file, then a raw
sqlite3 executemany of the same rows into one plain table, then commit.

Also shown, for context: the "database floor", raw sqlite3 executemany of the
already-expanded rows into the real schema (mapping_component, with its key,
checks and foreign keys), i.e. what the writes alone cost without any checking. All SQLite files use the same settings as the app (WAL, synchronous=NORMAL,
foreign keys on).

The checks against hostile input (column count, longest line, formula cells,
NFC and look-alike SKUs) are also timed one by one on the same file, as a share of ours.

Peak memory is measured per variant in a child process: the peak resident set
(ru_maxrss) above the resident set at the start of the run, and Python's own
peak allocations (tracemalloc, which also sees numpy's buffers).

--xlsx also writes the same rows as an XLSX workbook and times reading it: in the
child process the app uses (core.spreadsheets.isolated: a fresh interpreter, the
cells passed back as JSON) against the same reader called in this process, and
the whole import of the workbook. CPU time there includes the child's.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

if TYPE_CHECKING:  # core and SQLAlchemy are loaded where measured runs use them
    from sqlalchemy.engine import Engine

CATALOG_SIZE = 20_000
BUNDLE_SHARE = 0.10
# --sqlite-cache-mb: an experiment for core/db/engine.py. SQLite's default page cache is
# 2 MB; index-heavy bulk writes get faster with more. Applied to every variant alike.
CACHE_PRAGMA: list[str] = []


def generate(directory: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """A catalog CSV and a mapping CSV of exactly `rows` data rows.

    10% of the platform SKUs are bundles of 2-3 components; half of those are
    written as one row per component, half as one bundle cell (SKU-A*1+SKU-B*2).
    """
    rng = random.Random(seed)
    skus = [f"SYS-{n:06d}" for n in range(CATALOG_SIZE)]
    catalog = directory / "catalog.csv"
    catalog.write_text("System SKU,Product name\n" + "".join(f"{s},Product {s}\n" for s in skus), encoding="utf-8")
    lines = ["Platform SKU,System SKU,Quantity"]
    number = 0
    while len(lines) - 1 < rows:
        number += 1
        platform = f"WM-{number:07d}"
        left = rows - (len(lines) - 1)
        if rng.random() < BUNDLE_SHARE and left >= 3:
            parts = rng.sample(skus, rng.choice((2, 3)))
            quantities = [rng.randint(1, 4) for _ in parts]
            if rng.random() < 0.5:
                lines.append(f"{platform},{'+'.join(f'{s}*{q}' for s, q in zip(parts, quantities))},")
            else:
                lines.extend(f"{platform},{s},{q}" for s, q in zip(parts, quantities))
        else:
            lines.append(f"{platform},{rng.choice(skus)},{rng.choice((1, 1, 1, 2, 3))}")
    mappings = directory / "mappings.csv"
    mappings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return catalog, mappings


def _prepared_database(directory: Path, catalog_csv: Path, name: str) -> tuple[Engine, int, Path]:
    from core import catalog
    from core.access import local_operator
    from core.db.engine import init_db, make_engine, session_scope
    from core.db.models import Store, saved_id

    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    if CACHE_PRAGMA:
        from sqlalchemy import event

        event.listen(engine, "connect", lambda connection, _record: connection.execute(CACHE_PRAGMA[0]))
    init_db(engine)
    with session_scope(engine) as session:
        store = Store(name="Benchmark store")
        session.add(store)
        session.flush()
        store_id = saved_id(store)
        catalog.import_catalog(session, catalog_csv.read_bytes(), catalog_csv.name, actor=local_operator())
    return engine, store_id, path


def run_ours(directory: Path, catalog_csv: Path, mappings_csv: Path) -> tuple[tuple[float, float], dict[str, int]]:
    """(wall-clock seconds, CPU seconds of this process), and the plan's counts."""
    from core.access import local_operator
    from core.db.engine import session_scope
    from core.mapping.imports import apply_plan, plan_import

    engine, store_id, _ = _prepared_database(directory, catalog_csv, "ours")
    started, cpu_started = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        plan = plan_import(session, store_id, mappings_csv.read_bytes(), mappings_csv.name, mode="merge")
        if plan.errors:
            raise SystemExit(f"benchmark file has errors: {plan.errors[:3]}")
        apply_plan(session, plan, actor=local_operator())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    engine.dispose()
    return (elapsed, cpu), plan.counts()


def _sqlite(path: Path) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    for pragma in CACHE_PRAGMA:
        connection.execute(pragma)
    return connection


def run_baseline(directory: Path, mappings_csv: Path) -> tuple[float, float]:
    connection = _sqlite(directory / "baseline.db")
    connection.execute("CREATE TABLE mapping_row (platform_sku TEXT NOT NULL, system_sku TEXT NOT NULL, quantity TEXT)")
    connection.commit()
    started, cpu_started = time.perf_counter(), time.process_time()
    frame = pd.read_csv(mappings_csv, dtype=str, keep_default_na=False)
    connection.executemany("INSERT INTO mapping_row VALUES (?, ?, ?)", frame.itertuples(index=False, name=None))
    connection.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    connection.close()
    return elapsed, cpu


def run_database_floor(directory: Path, catalog_csv: Path, mappings_csv: Path) -> tuple[float, float]:
    """Raw executemany of the final rows into the real schema; the expansion is done before the clock starts."""
    engine, store_id, path = _prepared_database(directory, catalog_csv, "floor")
    engine.dispose()
    frame = pd.read_csv(mappings_csv, dtype=str, keep_default_na=False)
    components: list[tuple[str, str, int]] = []
    for platform, system, quantity in frame.itertuples(index=False, name=None):
        if "*" in system:
            components.extend((platform, part.split("*")[0], int(part.split("*")[1])) for part in system.split("+"))
        else:
            components.append((platform, system, int(quantity)))
    positions: dict[str, int] = {}
    rows = []
    for platform, system, quantity in components:
        rows.append((store_id, platform, system, quantity, positions.get(platform, 0)))
        positions[platform] = positions.get(platform, 0) + 1
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    for pragma in CACHE_PRAGMA:
        connection.execute(pragma)
    now = "2026-01-01 00:00:00.000000"
    # The store's mapping scope (its version counter), which its mappings point at; the import makes it too.
    connection.execute("INSERT INTO mapping_scope (id, store_id, version, updated_at) VALUES (?, ?, 1, ?)", (store_id, store_id, now))
    started, cpu_started = time.perf_counter(), time.process_time()
    connection.executemany(
        "INSERT INTO mapping_component (scope_id, platform_sku, system_sku, quantity, position, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
        (row + (now,) for row in rows),
    )
    connection.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    connection.close()
    return elapsed, cpu


def _cpu_with_children() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_xlsx(directory: Path, catalog_csv: Path, mappings_csv: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU incl. children) medians: reading the workbook in the child process and in this one, and the whole import."""
    from core.access import local_operator
    from core.db.engine import session_scope
    from core.mapping.imports import apply_plan, plan_import
    from core.spreadsheets.isolated import read_workbook
    from core.spreadsheets.limits import UPLOAD_LIMITS
    from core.spreadsheets.writers import write_xlsx
    from core.spreadsheets.xlsx_reader import read_xlsx

    frame = pd.read_csv(mappings_csv, dtype=str, keep_default_na=False)
    data = write_xlsx(list(frame.columns), frame.values.tolist())
    (directory / "mappings.xlsx").write_bytes(data)

    def import_workbook() -> None:
        engine, store_id, _ = _prepared_database(directory, catalog_csv, "xlsx")
        with session_scope(engine) as session:
            plan = plan_import(session, store_id, data, "mappings.xlsx", mode="merge")
            apply_plan(session, plan, actor=local_operator())
        engine.dispose()

    variants = {
        "child": lambda: read_workbook(data, "mappings.xlsx", "xlsx", UPLOAD_LIMITS),
        "in_process": lambda: read_xlsx(data, "mappings.xlsx", UPLOAD_LIMITS),
        "import": import_workbook,
    }
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, run in variants.items():
            started, cpu_started = time.perf_counter(), _cpu_with_children()
            run()
            timings[name].append((time.perf_counter() - started, _cpu_with_children() - cpu_started))
    return {name: (statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs)) for name, runs in timings.items()}


def guard_costs(mappings_csv: Path, repeat: int) -> dict[str, float]:
    """CPU milliseconds (best of `repeat`) of each check the hostile-input work added to a CSV import, on this file."""
    from core.mapping.columns import MAPPING_COLUMNS
    from core.spreadsheets.cells import TEXT
    from core.spreadsheets.csv_formulas import formula_rows
    from core.spreadsheets.csv_reader import _longest_line
    from core.spreadsheets.limits import UPLOAD_LIMITS
    from core.spreadsheets.lookalikes import has_lookalike, nfc_column
    from core.spreadsheets.table import read_table

    data = mappings_csv.read_bytes()
    frame = read_table(data, mappings_csv.name, MAPPING_COLUMNS).frame
    columns = [frame[key] for key in ("platform_sku", "system_sku", "quantity")]
    skus = columns[:2]

    def formulas() -> None:  # the join is shared with the apostrophe check that was there before; counted anyway
        for column in columns:
            values = column.to_numpy(dtype=TEXT)
            formula_rows("\n" + "\n".join(values), values)

    checks = {
        "column count from the header line": lambda: data[: data.find(b"\n")].count(b",") > UPLOAD_LIMITS.max_columns,
        "longest line (bounds every cell's length)": lambda: _longest_line(data, "utf-8"),
        "formula cells (=, +SUM( ...)": formulas,
        "NFC of platform and system SKUs": lambda: [nfc_column(column) for column in skus],
        "look-alike characters in SKUs": lambda: [has_lookalike(column) for column in skus],
    }
    costs = {}
    for name, check in checks.items():
        times = []
        for _ in range(repeat):
            started = time.process_time()
            check()
            times.append(time.process_time() - started)
        costs[name] = min(times) * 1000
    return costs


def _current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _memory_of(variant: str, directory: Path, catalog_csv: Path, mappings_csv: Path) -> dict:
    """Run one variant in this process and report its peak memory growth (called in a child process)."""
    # Libraries loaded on first use are not the import's memory: load them first.
    import pyarrow  # noqa: F401  (pandas loads it for its first text column)

    import core.mapping.imports  # noqa: F401
    from core.db.engine import session_scope  # noqa: F401

    pd.Series(["warm"], dtype=str).str.len()

    before = _current_rss_kb()
    tracemalloc.start()
    if variant == "ours":
        run_ours(directory, catalog_csv, mappings_csv)
    else:
        run_baseline(directory, mappings_csv)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_growth_mb": max(after - before, 0) / 1024, "python_peak_mb": python_peak / 1_048_576}


def _memory(variant: str, directory: Path, catalog_csv: Path, mappings_csv: Path, cache_mb: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--memory-of", variant, "--workdir", str(directory), "--catalog", str(catalog_csv), "--mappings", str(mappings_csv),
         "--sqlite-cache-mb", str(cache_mb)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant; the median is reported")
    parser.add_argument("--sqlite-cache-mb", type=int, default=0, help="experiment: PRAGMA cache_size for every connection (default: SQLite's 2 MB)")
    parser.add_argument("--xlsx", action="store_true", help="also time the same rows as an XLSX: the reader in its child process vs in this one")
    parser.add_argument("--memory-of", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--catalog", help=argparse.SUPPRESS)
    parser.add_argument("--mappings", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sqlite_cache_mb:
        CACHE_PRAGMA.append(f"PRAGMA cache_size=-{args.sqlite_cache_mb * 1024}")

    if args.memory_of:
        print(json.dumps(_memory_of(args.memory_of, Path(args.workdir), Path(args.catalog), Path(args.mappings))))
        return

    with tempfile.TemporaryDirectory(prefix="mapping-bench-") as temporary:
        directory = Path(temporary)
        catalog_csv, mappings_csv = generate(directory, args.rows)
        size_mb = mappings_csv.stat().st_size / 1_048_576
        ours, baseline, floor = [], [], []
        counts: dict[str, int] = {}
        for _ in range(args.repeat):  # interleaved, so a busy moment hurts all three alike
            seconds, counts = run_ours(directory, catalog_csv, mappings_csv)
            ours.append(seconds)
            baseline.append(run_baseline(directory, mappings_csv))
            floor.append(run_database_floor(directory, catalog_csv, mappings_csv))
        (ours_s, ours_cpu), (baseline_s, baseline_cpu), (floor_s, floor_cpu) = (
            (statistics.median(v[0] for v in runs), statistics.median(v[1] for v in runs)) for runs in (ours, baseline, floor)
        )
        memory_ours = _memory("ours", directory, catalog_csv, mappings_csv, args.sqlite_cache_mb)
        memory_baseline = _memory("baseline", directory, catalog_csv, mappings_csv, args.sqlite_cache_mb)
        xlsx = run_xlsx(directory, catalog_csv, mappings_csv, args.repeat) if args.xlsx else {}
        guards = guard_costs(mappings_csv, max(args.repeat, 5))

    cache = f"SQLite cache {args.sqlite_cache_mb} MB" if args.sqlite_cache_mb else "SQLite default cache"
    print(f"Mapping import benchmark: {args.rows:,} rows ({size_mb:.1f} MB CSV), {counts.get('added', 0):,} platform SKUs, "
          f"{BUNDLE_SHARE:.0%} bundles; median of {args.repeat} runs; {cache}")
    print("                                                     wall clock    CPU time")
    print(f"  ours (read + validate + dry-run diff + commit):     {ours_s:7.3f} s   {ours_cpu:7.3f} s")
    print(f"  baseline (pandas.read_csv + sqlite3 executemany):   {baseline_s:7.3f} s   {baseline_cpu:7.3f} s")
    print(f"  ratio ours / baseline (target <= 2x):               {ours_s / baseline_s:7.2f} x   {ours_cpu / baseline_cpu:7.2f} x")
    print(f"  context: database floor (raw executemany into the real schema, rows pre-expanded): "
          f"{floor_s:.3f} s wall, {floor_cpu:.3f} s CPU; ours / floor {ours_s / floor_s:.2f}x")
    print(f"  peak memory, ours:     +{memory_ours['rss_growth_mb']:.0f} MB RSS, {memory_ours['python_peak_mb']:.0f} MB traced by tracemalloc")
    print(f"  peak memory, baseline: +{memory_baseline['rss_growth_mb']:.0f} MB RSS, {memory_baseline['python_peak_mb']:.0f} MB traced by tracemalloc")
    total = sum(guards.values())
    print(f"  checks against hostile input, CPU (best of {max(args.repeat, 5)}): {total:.1f} ms in all, {total / 1000 / ours_cpu:.1%} of ours")
    for name, cost in guards.items():
        print(f"    {name + ':':48s} {cost:6.1f} ms")
    if xlsx:
        (child_s, child_cpu), (own_s, own_cpu), (import_s, import_cpu) = xlsx["child"], xlsx["in_process"], xlsx["import"]
        print("  XLSX, the same rows (CPU time includes the child process's):")
        print(f"    read in the child process (as the app does):      {child_s:7.3f} s   {child_cpu:7.3f} s")
        print(f"    the same reader in this process:                  {own_s:7.3f} s   {own_cpu:7.3f} s")
        print(f"    cost of the child process:                        {child_s - own_s:+7.3f} s   {child_cpu - own_cpu:+7.3f} s"
              f"   ({(child_s / own_s - 1):+.0%} wall)")
        print(f"    whole import of the workbook (read + validate + diff + commit): {import_s:.3f} s wall, {import_cpu:.3f} s CPU")


if __name__ == "__main__":
    main()
