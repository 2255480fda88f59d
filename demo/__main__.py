"""Demo mode: `python -m demo [--port 8501] [--keep] [--folder data/demo] [--lang en|zh-CN]`.

Starts the fake Walmart gateway, seeds a demo database (under data/demo/<port>/, never the real one)
with stores in every status, a sample catalog, mappings and Walmart listings, then runs the dashboard
against it. It prints spare key pairs to try in "Add a store" (the dashboard shows them too).
Ctrl-C or SIGTERM stops both. Nothing here talks to the real Walmart.

Before touching any data it makes sure it can run: the port must be free, and no other demo may be
running on it (a lock file next to the data). So a second `python -m demo` never wipes the data of a
demo that is still running: on the same port it refuses; on another port it has its own folder.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from core.i18n import LANGUAGES, _, use_language
from demo.seed import seed, spare_keys, spare_keys_text

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"
EXIT_CANNOT_START = 2
DEMO_KEYS_VARIABLE = "STORE_CONNECT_DEMO_KEYS"  # read by ui/demo_keys.py
LANGUAGE_VARIABLE = "STORE_CONNECT_LANGUAGE"


class Stopped(Exception):
    """SIGTERM (or SIGHUP) arrived: stop like Ctrl-C does."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def port_taken(port: int) -> bool:
    """True when something already listens on the port, or it cannot be bound (on any address, as Streamlit binds)."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    for family, address in ((socket.AF_INET6, "::"), (socket.AF_INET, "0.0.0.0")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((address, port))
                return False
        except OSError as problem:
            if problem.errno == errno.EADDRINUSE:
                return True  # another family may be missing on this machine: only "in use" counts
    return False


@contextlib.contextmanager
def demo_lock(path: Path) -> Iterator[IO[str] | None]:
    """Hold an exclusive lock on `path` for as long as the demo runs; None when another demo holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    # The language is read first, so that the help texts speak it too.
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--lang", choices=list(LANGUAGES))
    asked, _rest = first.parse_known_args(argv)
    with use_language(asked.lang or os.environ.get(LANGUAGE_VARIABLE)):
        return _start(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demo", description=_(
        "Demo mode: the dashboard with a fake Walmart and demo data; nothing talks to the real Walmart."))
    parser.add_argument("--port", type=int, default=8501, help=_("dashboard port (default 8501)"))
    parser.add_argument("--keep", action="store_true", help=_("reuse the demo database from the last run on this port instead of starting fresh"))
    parser.add_argument("--folder", type=Path, default=DEMO_DIR, help=_("where demo data is kept (default data/demo); each port has its own"))
    parser.add_argument("--lang", choices=list(LANGUAGES),
                        help=_("the language of this output and of the dashboard (default: {variable}, else English)", variable=LANGUAGE_VARIABLE))
    return parser


def _start(argv: list[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)

    folder = args.folder / str(args.port)
    if port_taken(args.port):
        print(_("Port {port} is already in use, so the demo did not start and changed nothing. Stop whatever uses it "
                "(another demo?), or choose another port: python -m demo --port {next_port}", port=args.port, next_port=args.port + 1),
              file=sys.stderr)
        return EXIT_CANNOT_START
    lock_file = args.folder / f"{args.port}.lock"
    with demo_lock(lock_file) as lock:
        if lock is None:
            print(_("A demo on port {port} is still running (see {lock}), so this one did not start "
                    "and its data was left alone. Stop it first, or choose another port.", port=args.port, lock=lock_file), file=sys.stderr)
            return EXIT_CANNOT_START
        return _run(args.port, folder, keep=args.keep, language=args.lang)


def _run(port: int, folder: Path, *, keep: bool, language: str | None) -> int:
    from fake_walmart import FakeWalmart

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    process: subprocess.Popen[bytes] | None = None
    try:
        if not keep and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with FakeWalmart() as gateway:
            env = {
                "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
                "STORE_CONNECT_KEY_FILE": str(folder / "secret.key"),
                "STORE_CONNECT_SECRET_KEY": "",
                "WALMART_API_BASE_URL": gateway.base_url("production"),
                "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
                "WALMART_OAUTH_CLIENT_ID": "",
                "WALMART_AUTHORIZE_URL": gateway.authorize_url(),
                "WALMART_OAUTH_REDIRECT_URI": f"http://localhost:{port}/walmart_callback",
                "ALERT_WEBHOOK_URL": "",
            }
            if language:  # asked for with --lang: the dashboard opens in it too (else it follows the setting or the browser)
                env[LANGUAGE_VARIABLE] = language
            summary = seed(gateway, env, fresh=not keep)
            spares = spare_keys(gateway)
            print(summary)
            print(spare_keys_text(spares))
            address = f"http://localhost:{port}"
            print(_("Dashboard: {address}  (Ctrl-C stops the demo)", address=address), flush=True)
            command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                       "--server.headless", "true", "--browser.gatherUsageStats", "false"]
            process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, DEMO_KEYS_VARIABLE: json.dumps(spares)})
            return process.wait()
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    sys.exit(main())
