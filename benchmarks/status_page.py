"""Render time of the Store authorization page through AppTest: 2,000 stores against 20.

Stores are seeded with a check history, so the page reads real health rows.
Prints the median of several renders for each size and the ratio (target: <= 2x).

    .venv/bin/python benchmarks/status_page.py [--small 20] [--large 2000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.access import local_operator  # noqa: E402
from core.authorization.history import record
from core.authorization.outcome import Outcome, Status  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.db.engine import session_scope  # noqa: E402
from core.db.models import utc_now  # noqa: E402
from core.runtime import open_runtime  # noqa: E402
from core.stores.registry import add_store  # noqa: E402

STATUSES = [Status.authorized] * 7 + [Status.missing_permissions, Status.rejected, Status.unreachable]


def seed(folder: Path, count: int) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "STORE_CONNECT_KEY_FILE": str(folder / "secret.key"),
           "WALMART_API_BASE_URL": "http://127.0.0.1:9", "WALMART_SANDBOX_API_BASE_URL": "http://127.0.0.1:9"}
    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        for number in range(count):
            view = add_store(session, runtime.vault, actor=local_operator(), name=f"Store {number:05d}", environment="production",
                             client_id=f"{number:08x}-aaaa-4bbb-8ccc-{number:012x}", client_secret=f"Bench-secret-{number:06d}-abcdefghij")
            for attempt in range(3):
                status = STATUSES[(number + attempt) % len(STATUSES)]
                record(session, view.id, Outcome(status=status, environment="production", summary_text=str(status), next_step_text="",
                                                 checked_at=utc_now(), http_status=200))
    runtime.engine.dispose()
    return env


def render_seconds(env: dict[str, str], repeats: int) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ.update(env)
    st.cache_resource.clear()
    times = []
    for run in range(repeats + 1):
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        started = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - started
        assert not app.exception, app.exception
        if run:  # the first render warms imports and the cached runtime
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for count in (args.small, args.large):
        folder = Path(tempfile.mkdtemp(prefix=f"bench-page-{count}-"))
        env = seed(folder, count)
        results[count] = render_seconds(env, args.repeats)
        print(f"{count:>6} stores: median render {results[count] * 1000:.0f} ms")
    print(f"ratio {results[args.large] / results[args.small]:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
