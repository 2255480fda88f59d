"""What the benchmarks that run whole processes share: timing a child, and starting the fake gateway in its own process."""
from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_cpu() -> float:
    """CPU seconds (user + system) of every child waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process; it must succeed."""
    cpu, started = child_cpu(), time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, child_cpu() - cpu


def gateway_urls(process: subprocess.Popen[str]) -> dict[str, str]:
    """The production and sandbox addresses a starting `python -m fake_walmart` prints."""
    urls: dict[str, str] = {}
    assert process.stdout is not None  # stdout=PIPE
    while len(urls) < 2:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the fake gateway did not start")
        name, _, url = line.strip().partition(": ")
        if name in ("production", "sandbox"):
            urls[name] = url
    return urls
