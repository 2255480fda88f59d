"""`python -m demo` as a process: it refuses to start on a taken port before touching any data, a second run never
wipes the data of one still running, and SIGTERM stops everything it started."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from demo.__main__ import port_taken
from tests.e2e.conftest import ROOT, _free_port


def demo(port: int, folder, *more: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALMART_", "STORE_CONNECT_", "ROLE_", "TRUSTED_", "DATABASE_URL"))}
    return subprocess.Popen([sys.executable, "-m", "demo", "--port", str(port), "--folder", str(folder), *more], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_a_taken_port_is_refused_before_any_data_is_touched(tmp_path):
    port = _free_port()
    kept = tmp_path / str(port) / "demo.db"
    kept.parent.mkdir(parents=True)
    kept.write_text("the data of an earlier demo")
    with socket.create_server(("127.0.0.1", port)):
        finished = demo(port, tmp_path)
        out, err = finished.communicate(timeout=60)
    assert finished.returncode == 2, out + err
    assert f"Port {port} is already in use" in err and "changed nothing" in err
    assert kept.read_text() == "the data of an earlier demo"


def _wait_for_dashboard(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail("the demo's dashboard did not start")


def test_a_second_run_leaves_a_running_demo_alone_and_sigterm_stops_everything(tmp_path):
    port = _free_port()
    first = demo(port, tmp_path)
    try:
        _wait_for_dashboard(f"http://127.0.0.1:{port}", first)
        database = tmp_path / str(port) / "demo.db"
        made = database.stat().st_mtime_ns
        second = demo(port, tmp_path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2 and "did not start" in err, out + err
        assert database.stat().st_mtime_ns == made  # not wiped, not reseeded
        assert requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).text == "ok"  # still serving

        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
        assert "Spare keys to try" in out and "Client Secret" in out  # printed for the person trying "Add a store"
        deadline = time.monotonic() + 15
        while port_taken(port) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not port_taken(port)  # its dashboard stopped with it
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
