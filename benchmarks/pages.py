"""Every page at scale: each page through AppTest with 2,000 stores and 100,000 mappings, against 20 and 100.

    .venv/bin/python benchmarks/pages.py [--repeats 3] [--page stores] ...

Large: 2,000 stores on delegated keys with three checks each (benchmarks/status_page.py), a catalog of 20,000
products and a 100,000-row mapping file (10% bundles, benchmarks/mapping_import.py) imported as the mapping for all
stores, so every store sees it. Small: 20 stores, 100 mapping rows, the catalog those rows use. Both through the real
services, so the audit trail and the mapping history hold what they would.

For each page: the app is run, then the page is switched to and timed (the router and sidebar included); the first
render of each page warms imports and caches and is not counted. `--keep` reuses the databases of the last run. Prints, per page, the median for the small and
the large database and the ratio (target <= 2x each).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import mapping_import  # noqa: E402
from benchmarks.status_page import seed as seed_stores  # noqa: E402

TARGET = 2.0
APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PAGES = ["stores", "fleet", "connect", "mapping", "catalog", "audit", "system", "troubleshooting", "guide", "orders"]


def seed(folder: Path, stores: int, mapping_rows: int, catalog_size: int) -> dict[str, str]:
    from core import catalog
    from core.access import local_operator
    from core.config import load_settings
    from core.db.models import ALL_STORES
    from core.mapping.imports import apply_plan, plan_import
    from core.runtime import open_runtime

    env = seed_stores(folder, stores)
    mapping_import.CATALOG_SIZE = catalog_size
    catalog_csv, mappings_csv = mapping_import.generate(folder, mapping_rows)
    runtime = open_runtime(load_settings(env, env_file=None))
    with runtime.transaction() as session:
        catalog.import_catalog(session, catalog_csv.read_bytes(), catalog_csv.name, actor=local_operator())
    with runtime.transaction() as session:
        plan = plan_import(session, ALL_STORES, mappings_csv.read_bytes(), mappings_csv.name, mode="merge")
        assert not plan.errors, plan.errors[:3]
        apply_plan(session, plan, actor=local_operator())
    runtime.engine.dispose()
    return {**env, "WALMART_OAUTH_CLIENT_ID": APP_ID}


def render_times(env: dict[str, str], pages: list[str], repeats: int) -> dict[str, float]:
    """Page -> median seconds of switching to it and rendering it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ.update(env)
    st.cache_resource.clear()
    st.cache_data.clear()
    times: dict[str, list[float]] = {page: [] for page in pages}
    for run in range(repeats + 1):
        for page in pages:
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            app.run()
            app.query_params.clear()  # as a browser does on another page (AppTest keeps the first page's ?store=)
            started = time.perf_counter()
            app.switch_page(f"pages/{page}.py").run()
            elapsed = time.perf_counter() - started
            assert not app.exception, (page, app.exception)
            if run:
                times[page].append(elapsed)
    return {page: statistics.median(values) for page, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse the databases the last run seeded")
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages (default: every page)")
    args = parser.parse_args()
    pages = args.page or PAGES
    sizes = {"small": (20, 100, 100), "large": (2000, 100_000, mapping_import.CATALOG_SIZE)}
    results = {}
    for name, (stores, rows, products) in sizes.items():
        started = time.perf_counter()
        kept = sorted(Path(tempfile.gettempdir()).glob(f"bench-pages-{name}-*/env.json"), key=lambda path: path.stat().st_mtime)
        if args.keep and kept:
            env = json.loads(kept[-1].read_text())
        else:
            folder = Path(tempfile.mkdtemp(prefix=f"bench-pages-{name}-"))
            env = seed(folder, stores, rows, products)
            (folder / "env.json").write_text(json.dumps(env))
        print(f"{name}: {stores:,} stores, {rows:,} mapping rows, {products:,} products (seeded in {time.perf_counter() - started:.0f} s)")
        results[name] = render_times(env, pages, args.repeats)
    print(f"\nmedian of {args.repeats} renders per page (router and sidebar included)")
    print(f"{'page':<16} {'small':>9} {'large':>9} {'ratio':>7}")
    for page in pages:
        small, large = results["small"][page], results["large"][page]
        ratio = large / small
        print(f"{page:<16} {small * 1000:>7.0f}ms {large * 1000:>7.0f}ms {ratio:>6.2f}x{'' if ratio <= TARGET else '  over the target'}")
    print(f"target <= {TARGET}x each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
