"""Fleet check benchmark: N stores against the fake gateway with added latency per call.

Prints the wall time of each run against the ideal for the worker count
(stores x calls per store x latency / workers) and the token requests per store
across runs inside one token lifetime (target: exactly one).

    .venv/bin/python benchmarks/check_all.py [--stores 500] [--latency 0.05] [--workers 4] [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.processes import gateway_urls  # noqa: E402
from core.access import local_operator  # noqa: E402
from core.authorization import fleet
from core.config import load_settings  # noqa: E402
from core.db.engine import session_scope  # noqa: E402
from core.runtime import open_runtime  # noqa: E402
from core.stores import registry as stores  # noqa: E402


def start_gateway(keys_file: Path, latency: float) -> tuple[subprocess.Popen, dict[str, str]]:
    # A separate process, so the gateway's threads do not compete for this process's GIL.
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_walmart", "--keys", str(keys_file), "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    return process, gateway_urls(process)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    keys = [{"environment": "production", "client_id": f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}", "client_secret": f"Bench-secret-{n:06d}-abcdefghijklmnop"}
            for n in range(args.stores)]
    (work / "keys.json").write_text(json.dumps(keys))
    gateway, urls = start_gateway(work / "keys.json", args.latency)
    try:
        settings = load_settings({"DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "STORE_CONNECT_KEY_FILE": str(work / "secret.key"),
                                  "WALMART_API_BASE_URL": urls["production"], "WALMART_SANDBOX_API_BASE_URL": urls["sandbox"],
                                  "CHECK_WORKERS": str(args.workers)}, env_file=None)
        runtime = open_runtime(settings)
        with session_scope(runtime.engine) as session:
            ids = [stores.add_store(session, runtime.vault, actor=local_operator(), name=f"Bench {n:05d}", environment="production",
                                    client_id=key["client_id"], client_secret=key["client_secret"]).id for n, key in enumerate(keys)]
        print(f"{args.stores} stores, {args.latency * 1000:.0f} ms per call, {args.workers} workers")
        token_calls: Counter = Counter()
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            results = list(fleet.check_many(runtime, ids))
            wall = time.perf_counter() - started
            calls = Counter(call.path for r in results for call in r.outcome.calls)
            for r in results:
                token_calls[r.store_id] += sum(1 for call in r.outcome.calls if call.path == "/v3/token")
            per_store = sum(calls.values()) / len(results)
            elapsed = [call.elapsed_ms for r in results for call in r.outcome.calls]
            print(f"  mean call {sum(elapsed) / len(elapsed):.1f} ms, mean check {sum(r.outcome.duration_ms for r in results) / len(results):.1f} ms")
            ideal = len(results) * per_store * args.latency / args.workers
            statuses = Counter(r.outcome.status for r in results)
            print(f"run {run}: wall {wall:.2f} s, ideal {ideal:.2f} s ({per_store:.1f} calls/store), ratio {wall / ideal:.2f}x "
                  f"(target <= 1.3x); statuses {dict(statuses)}")
        per_store_tokens = Counter(token_calls.values())
        print(f"token requests per store over {args.runs} runs: {dict(per_store_tokens)} (target: every store exactly 1)")
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)


if __name__ == "__main__":
    main()
