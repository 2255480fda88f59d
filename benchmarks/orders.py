"""Orders benchmark: read a store's recent orders from the fake gateway and compute what awaits mapping.

5,000 orders (20,000 lines) at 200 a page, each page taking 30-60 ms at the gateway (a process of its own), against 100,000 mappings
(for all stores, a few hundred of them overridden by the store). Prints, as medians of --repeat runs:

- the page requests alone: a bare `requests` loop over the same pages (the cursor appended, each page's JSON read);
- ours: `read_orders` (token, pages, the lines kept in one transaction, the blocked SKUs compared) plus
  `awaiting_mapping` as the Orders page asks for it, and its ratio to the bare loop (target <= 1.3x);
- the mapping lookup alone: `awaiting_mapping` over the stored lines (target < 0.5 s).

    .venv/bin/python benchmarks/orders.py [--orders 5000] [--lines 4] [--mappings 100000] [--repeat 3] [--database URL]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from benchmarks.processes import gateway_urls  # noqa: E402
from core.access import local_operator  # noqa: E402
from core.catalog import import_catalog  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.db.engine import session_scope  # noqa: E402
from core.db.models import ALL_STORES  # noqa: E402
from core.mapping.imports import import_mappings  # noqa: E402
from core.orders.awaiting import BlockedSku, awaiting_mapping  # noqa: E402
from core.orders.sync import read_orders  # noqa: E402
from core.runtime import Runtime, open_runtime  # noqa: E402
from core.spreadsheets.writers import write_table  # noqa: E402
from core.stores import registry as stores  # noqa: E402
from core.walmart.orders import first_query  # noqa: E402
from fake_walmart import sample_orders  # noqa: E402

Result = TypeVar("Result")
CLIENT_ID, CLIENT_SECRET = "0b7d7a39-6f3e-4c1e-9a55-3e7f1d2c4b60", "Bench-orders-secret-0123456789abcdef"
LISTINGS = 3_000  # distinct platform SKUs the store sells; a tenth of them unmapped
PRODUCTS = 5_000


def csv(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    return write_table("csv", header, rows)


def prepare(runtime: Runtime, mappings: int, listings: list[tuple[str, str]], rng: random.Random) -> int:
    """The store, the catalog, `mappings` mappings for all stores (the listings' among them) and a few store overrides."""
    products = [f"SYS-{n:05d}" for n in range(PRODUCTS)]
    mapped = [sku for sku, _name in listings[: len(listings) - len(listings) // 10]]
    others = [f"OTHER-{n:06d}" for n in range(mappings - len(mapped))]
    rows = [(sku, rng.choice(products), str(rng.choice((1, 1, 1, 2, 3)))) for sku in mapped + others]
    with session_scope(runtime.engine) as session:
        store_id = stores.add_store(session, runtime.vault, actor=local_operator(), name="Bench orders", environment="production",
                                    client_id=CLIENT_ID, client_secret=CLIENT_SECRET).id
        import_catalog(session, csv(["System SKU", "Product name"], [(sku, f"Product {sku}") for sku in products]), "catalog.csv",
                       actor=local_operator())
    with session_scope(runtime.engine) as session:
        plan = import_mappings(session, ALL_STORES, csv(["Platform SKU", "System SKU", "Quantity"], rows), "all.csv", actor=local_operator())
        assert plan.applied, plan.errors[:3]
    with session_scope(runtime.engine) as session:
        overrides = [(sku, rng.choice(products), "2") for sku in mapped[:300]]
        plan = import_mappings(session, store_id, csv(["Platform SKU", "System SKU", "Quantity"], overrides), "own.csv", actor=local_operator())
        assert plan.applied, plan.errors[:3]
    return store_id


def start_gateway(keys_file: Path, latency: tuple[float, float]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The fake gateway in a process of its own, so that encoding its pages does not compete for this one's GIL."""
    process = subprocess.Popen([sys.executable, "-m", "fake_walmart", "--keys", str(keys_file), "--orders-latency", *map(str, latency)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process, gateway_urls(process)


def bare_loop(base: str, days: int) -> tuple[float, int]:
    """The page requests alone: a token, then every page by cursor with requests, each page's JSON read."""
    headers = {"WM_SVC.NAME": "Walmart Marketplace", "Accept": "application/json"}
    started = time.perf_counter()
    with requests.Session() as http:
        token = http.post(base + "/v3/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET),
                          headers={**headers, "WM_QOS.CORRELATION_ID": str(uuid.uuid4())}, timeout=30).json()["access_token"]
        query, orders = "?" + first_query(days, datetime.now(timezone.utc)), 0
        while query:
            answer = http.get(base + "/v3/orders" + query, timeout=30,
                              headers={**headers, "WM_SEC.ACCESS_TOKEN": token, "WM_QOS.CORRELATION_ID": str(uuid.uuid4())}).json()["list"]
            orders += len(answer["elements"]["order"])
            query = answer["meta"].get("nextCursor")
    return time.perf_counter() - started, orders


def timed(run: Callable[[], Result]) -> tuple[float, Result]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--lines", type=int, default=4, help="lines per order")
    parser.add_argument("--mappings", type=int, default=100_000)
    parser.add_argument("--skus", type=int, default=LISTINGS, help="distinct platform SKUs in the orders")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, nargs=2, default=(0.03, 0.06), metavar=("LEAST", "MOST"))
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()

    rng = random.Random(17)
    work = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    listings = [(f"WM-{n:05d}", f"Listing {n}") for n in range(args.skus)]
    orders = sample_orders(args.orders, listings, now_ms=int(time.time() * 1000), days=13, lines_per_order=(args.lines, args.lines), seed=5)
    (work / "gateway.json").write_text(json.dumps({
        "keys": [{"environment": "production", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}],
        "orders": {"production": {CLIENT_ID: orders}}}))
    gateway, urls = start_gateway(work / "gateway.json", (args.latency[0], args.latency[1]))
    try:
        settings = load_settings({"DATABASE_URL": args.database or f"sqlite:///{work / 'bench.db'}", "STORE_CONNECT_KEY_FILE": str(work / "secret.key"),
                                  "WALMART_API_BASE_URL": urls["production"], "WALMART_SANDBOX_API_BASE_URL": urls["sandbox"],
                                  "CHECK_STORE_TIMEOUT": "600"}, env_file=None)
        runtime = open_runtime(settings)
        store_id = prepare(runtime, args.mappings, listings, rng)
        bare_times: list[float] = []
        ours_times: list[float] = []
        lookup_times: list[float] = []
        for _run in range(args.repeat):
            bare, read_count = bare_loop(urls["production"], 14)
            ours, (read, blocked) = timed(lambda: (read_orders(runtime, store_id, 14), _awaiting(runtime, store_id)))
            lookup, _ = timed(lambda: _awaiting(runtime, store_id))
            assert read.orders == read_count and not read.partial, (read.orders, read_count, read.finding)
            bare_times.append(bare)
            ours_times.append(ours)
            lookup_times.append(lookup)
        bare_s, ours_s, lookup_s = (statistics.median(times) for times in (bare_times, ours_times, lookup_times))
        pages = -(-read.orders // 200)
        print(f"{read.orders:,} orders, {read.lines:,} lines, {pages} pages of 200 at {args.latency[0] * 1000:.0f}-{args.latency[1] * 1000:.0f} ms; "
              f"{args.mappings:,} mappings; {len(blocked):,} SKUs awaiting mapping; {settings.database_url.split(':')[0]}")
        print(f"page requests alone (bare requests loop): {bare_s:.3f} s   runs: {', '.join(f'{t:.3f}' for t in bare_times)}")
        print(f"read + keep + awaiting mapping (ours):    {ours_s:.3f} s   runs: {', '.join(f'{t:.3f}' for t in ours_times)}")
        print(f"ratio: {ours_s / bare_s:.2f}x (target <= 1.3x)")
        print(f"mapping lookup (awaiting_mapping):        {lookup_s:.3f} s   runs: {', '.join(f'{t:.3f}' for t in lookup_times)} (target < 0.5 s)")
        runtime.engine.dispose()
    finally:
        gateway.terminate()
        gateway.wait()


def _awaiting(runtime: Runtime, store_id: int) -> list[BlockedSku]:
    with session_scope(runtime.engine) as session:
        return list(awaiting_mapping(session, store_id))


if __name__ == "__main__":
    main()
