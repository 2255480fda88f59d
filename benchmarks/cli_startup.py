"""Start-up of the command line: `python -m core stores list` on 20 stores, as a whole process, beside `python -c pass`.

Both are run in turn in the same run (after one warm-up each, with bytecode caches written as an installed copy has
them), so a busy machine slows both alike. Prints the median wall time and the median CPU time (user + system of the
child) of each, and the ratio. Also shown, for context: the models alone (`import core.db.models`: SQLAlchemy,
SQLModel and the table classes), the floor any command that reads the database pays.

    .venv/bin/python benchmarks/cli_startup.py [--stores 20] [--runs 15]

Target: stores list median <= 0.40 s wall.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.processes import timed  # noqa: E402

TARGET_SECONDS = 0.40


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from benchmarks.status_page import seed  # stores on delegated keys, with a check history

    folder = Path(tempfile.mkdtemp(prefix="bench-cli-startup-"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(seed(folder, args.stores), STORE_CONNECT_SECRET_KEY="")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import core.db.models": [sys.executable, "-c", "import core.db.models"],
        "python -m core stores list": [sys.executable, "-m", "core", "stores", "list"],
    }
    listed = subprocess.run(commands["python -m core stores list"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert listed.stdout.count("\n") == args.stores, listed.stdout  # one line per store: it really listed them
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for run in range(args.runs + 1):
        for name, command in commands.items():
            measured = timed(command, env)
            if run:  # the first round warms the disk cache and writes the bytecode caches
                times[name].append(measured)

    print(f"{args.stores} stores, median of {args.runs} runs, interleaved")
    print(f"{'command':<30} {'wall':>9} {'CPU':>9}")
    medians = {}
    for name, pairs in times.items():
        medians[name] = statistics.median(wall for wall, _ in pairs), statistics.median(cpu for _, cpu in pairs)
        print(f"{name:<30} {medians[name][0] * 1000:>7.0f}ms {medians[name][1] * 1000:>7.0f}ms")
    wall, cpu = medians["python -m core stores list"]
    base_wall, base_cpu = medians["python -c pass"]
    print(f"stores list: {wall:.3f} s wall (target <= {TARGET_SECONDS:.2f} s: {'met' if wall <= TARGET_SECONDS else 'NOT met'}), "
          f"{wall / base_wall:.1f}x python -c pass wall, {cpu / max(base_cpu, 1e-3):.1f}x its CPU")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
