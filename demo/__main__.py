"""Demo mode: `python -m demo [--port 8501] [--keep]`.

Starts the fake Walmart gateway, seeds a demo database (data/demo/, never the real one)
with stores in every status, a sample catalog, mappings and Walmart listings, then runs
the dashboard against it. Ctrl-C stops both. Nothing here talks to the real Walmart.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from demo.seed import seed

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501, help="dashboard port (default 8501)")
    parser.add_argument("--keep", action="store_true", help="reuse the demo database from the last run instead of starting fresh")
    args = parser.parse_args()

    from fake_walmart import FakeWalmart

    if not args.keep and DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    with FakeWalmart() as gateway:
        env = {
            "DATABASE_URL": f"sqlite:///{DEMO_DIR / 'demo.db'}",
            "STORE_CONNECT_KEY_FILE": str(DEMO_DIR / "secret.key"),
            "STORE_CONNECT_SECRET_KEY": "",
            "WALMART_API_BASE_URL": gateway.base_url("production"),
            "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
            "WALMART_OAUTH_CLIENT_ID": "",
            "WALMART_AUTHORIZE_URL": gateway.authorize_url(),
            "WALMART_OAUTH_REDIRECT_URI": f"http://localhost:{args.port}/walmart_callback",
            "ALERT_WEBHOOK_URL": "",
        }
        summary = seed(gateway, env, fresh=not args.keep)
        print(summary)
        print(f"Dashboard: http://localhost:{args.port}  (Ctrl-C stops the demo)", flush=True)
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(args.port),
                   "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=10)
            return 0


if __name__ == "__main__":
    sys.exit(main())
