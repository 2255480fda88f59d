"""Render time of the Connect with Walmart page through AppTest: 2,000 stores needing a connect against 20.

The page lists 20 stores at a time (searched and paged in the database); before, it built one Connect
button per store (2,000 buttons took 9.7 s). Prints the median of several renders for each size and the ratio.

    .venv/bin/python benchmarks/connect_page.py [--small 20] [--large 2000] [--repeats 5]
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

from benchmarks.status_page import seed  # noqa: E402  (stores on delegated keys, with a check history)

APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def render_seconds(env: dict[str, str], repeats: int, count: int) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ.update({**env, "WALMART_OAUTH_CLIENT_ID": APP_ID})
    st.cache_resource.clear()
    times = []
    for run in range(repeats + 1):
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.run()
        started = time.perf_counter()
        app.switch_page("pages/connect.py").run()
        elapsed = time.perf_counter() - started
        assert not app.exception, app.exception
        assert any(f"{count} store(s) match" in caption.value for caption in app.caption)  # every store is listed, a page shown
        assert sum(1 for button in app.button if (button.key or "").startswith("connect_")) == min(count, 20) + 1  # + the new-store link
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
        folder = Path(tempfile.mkdtemp(prefix=f"bench-connect-{count}-"))
        env = seed(folder, count)
        results[count] = render_seconds(env, args.repeats, count)
        print(f"{count:>6} stores: median render of the Connect page {results[count] * 1000:.0f} ms")
    print(f"ratio {results[args.large] / results[args.small]:.2f}x")


if __name__ == "__main__":
    main()
