"""Exporting 100,000 mapping rows as XLSX (and CSV), streamed from the database, against the bare library.

    .venv/bin/python benchmarks/xlsx_export.py [--rows 100000] [--repeat 3]

Ours: `core.mapping.export.write_export` into a file, as `python -m core mappings export` does: the rows read from
SQLite a batch at a time (product names joined in), every text cell escaped against formulas, openpyxl's write-only
mode. Baseline: openpyxl's write-only mode writing the same rows, already in a list in memory, into a file: no
database, no escaping. For CSV the baseline is `csv.writer` over the same list. Both sides are timed interleaved,
median of --repeat, wall and CPU; the peak of Python's allocations (tracemalloc) shows that neither the rows nor
the workbook are held whole in memory. The workbook is read back by our importer and must match the database.
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.mapping_import import _prepared_database, generate  # noqa: E402  (the import benchmark's file and database)

TARGET = 1.3


def timed(run: Callable[[], object]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - started, time.process_time() - cpu


def peak_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from openpyxl import Workbook

    from core.access import local_operator
    from core.db.engine import session_scope
    from core.mapping.columns import EXPORT_HEADER, MAPPING_COLUMNS
    from core.mapping.export import export_rows, write_export
    from core.mapping.imports import apply_plan, plan_import
    from core.spreadsheets.table import read_table

    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    catalog_csv, mappings_csv = generate(folder, args.rows)
    engine, store_id, _ = _prepared_database(folder, catalog_csv, "export")
    with session_scope(engine) as session:
        apply_plan(session, plan_import(session, store_id, mappings_csv.read_bytes(), mappings_csv.name, mode="merge"), actor=local_operator())
        rows = export_rows(session, store_id)  # the baseline's rows, in memory before its clock starts

    def ours(file_format: str) -> Callable[[], object]:
        def run() -> None:
            with session_scope(engine) as session, open(folder / f"ours.{file_format}", "wb") as target:
                write_export(target, session, store_id, file_format)
        return run

    def openpyxl_baseline() -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Mappings")
        sheet.append(list(EXPORT_HEADER))
        for row in rows:
            sheet.append(row)
        with open(folder / "baseline.xlsx", "wb") as target:
            workbook.save(target)

    def csv_baseline() -> None:
        with open(folder / "baseline.csv", "w", encoding="utf-8", newline="") as target:
            writer = csv.writer(target, lineterminator="\r\n")
            writer.writerow(EXPORT_HEADER)
            writer.writerows(rows)

    print(f"{len(rows):,} rows ({len({row[0] for row in rows}):,} platform SKUs), median of {args.repeat}, interleaved")
    for name, mine, baseline in (("XLSX", ours("xlsx"), openpyxl_baseline), ("CSV", ours("csv"), csv_baseline)):
        pairs = [(timed(mine), timed(baseline)) for _ in range(args.repeat)]
        wall, cpu = statistics.median(p[0][0] for p in pairs), statistics.median(p[0][1] for p in pairs)
        base_wall, base_cpu = statistics.median(p[1][0] for p in pairs), statistics.median(p[1][1] for p in pairs)
        print(f"{name:<5} ours {wall:6.2f} s wall {cpu:6.2f} s CPU | baseline {base_wall:6.2f} s wall {base_cpu:6.2f} s CPU | "
              f"ratio {wall / base_wall:.2f}x wall, {cpu / base_cpu:.2f}x CPU" + (f" (target <= {TARGET}x)" if name == "XLSX" else ""))
    def rows_as_a_list() -> None:
        with session_scope(engine) as session:
            export_rows(session, store_id)

    print(f"peak Python allocations: exporting XLSX {peak_mib(ours('xlsx')):.1f} MiB (streamed); "
          f"the same rows read into a list, as the baseline is given them, {peak_mib(rows_as_a_list):.1f} MiB")
    read_back = read_table((folder / "ours.xlsx").read_bytes(), "ours.xlsx", MAPPING_COLUMNS).frame
    assert read_back[["platform_sku", "system_sku", "quantity"]].values.tolist() == [[p, s, str(q)] for p, s, q, _ in rows]
    print("the exported workbook reads back as the database's rows")
    engine.dispose()


if __name__ == "__main__":
    main()
