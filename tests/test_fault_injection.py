"""Fault injection (issue 14, "Done when"): a gateway that echoes the request, drips one byte a second,
resets the connection, nests JSON 100,000 deep or sends 20 MB. Checks run from every entry point
("Check now" on the page, `stores check --json` for one store, `--all`, `--due`, `diagnose`, webhook
alerts to a local receiver) and must leave no secret in the database, the logs, the CLI output, the
page or the webhook payloads; every check ends within its deadline; nothing huge is stored.
"""
from __future__ import annotations

import base64
import io
import json
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import streamlit as st
from sqlalchemy import func, text, update
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from cli.main import main as cli_main
from core.db.models import AuthorizationCheck, Credential, Store
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, database_dump
from tests.core.authorization.oauth_stores import APP_ID, APP_SECRET, oauth_store

CA_ID, CA_SECRET = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890abcdef"
WEBHOOK_TOKEN = "hook-TOKEN-0123456789abcdef"
REQUEST_TIMEOUT, STORE_TIMEOUT = 1.0, 4.0  # seconds: one Walmart call, one store's whole check
MARGIN = 3.0  # allowed beyond a deadline (thread start-up, a busy machine): a correctness bound, not a benchmark
MODES = {  # name -> set_fault arguments
    "echo": {"mode": "echo"},  # the token grants echo Basic values, secrets and the refresh token
    "echo_detail": {"mode": "echo", "path": "/v3/token/detail"},  # token detail echoes the access token
    "drip": {"mode": "drip"},
    "reset": {"mode": "reset"},
    "nested": {"mode": "nested"},
    "huge": {"mode": "huge"},
}


class _Receiver(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self):  # noqa: N802
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fault_env(app_env, receiver, monkeypatch):
    env = {**app_env, "WALMART_REQUEST_TIMEOUT": f"{REQUEST_TIMEOUT:g}", "CHECK_STORE_TIMEOUT": f"{STORE_TIMEOUT:g}",
           "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_port}/hook/{WEBHOOK_TOKEN}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def world(fault_env, gateway):
    """Three stores, one of each kind: US delegated keys, Canada delegated keys, a US store connected with OAuth."""
    from core.config import load_settings

    runtime = open_runtime(load_settings(fault_env, env_file=None))
    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    with runtime.transaction() as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme Canada", environment="production", client_id=CA_ID,
                         client_secret=CA_SECRET, market="ca")
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme Keys", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    oauth_store(runtime, gateway, "Acme OAuth")
    yield runtime
    runtime.engine.dispose()


def cli(runtime, capsys, monkeypatch, *argv):
    """`python -m core ...` in-process: (exit code, stdout + stderr, seconds taken)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    started = time.monotonic()
    code = cli_main(list(argv), runtime_factory=lambda: runtime)
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    return code, out + err, took


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def page_check_now(fault_env) -> tuple[str, float]:
    """Press "Check now" on the Store authorization page: (everything the page rendered, seconds the press took)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    started = time.monotonic()
    at.button(key="check_now").click().run()
    took = time.monotonic() - started
    assert not at.exception, at.exception
    rendered = "\n".join(str(node.proto) for node in walk(at._tree) if getattr(node, "proto", None) is not None)
    st.cache_resource.clear()
    return rendered, took


def secrets_of(runtime, gateway) -> set[str]:
    """Every secret the gateway ever saw or the database holds encrypted, and the Basic values they make."""
    found = {CLIENT_SECRET, CA_SECRET, APP_SECRET}
    with runtime.transaction() as session:
        for credential in session.exec(select(Credential)).all():
            if credential.secret_ciphertext:
                found.add(runtime.vault.decrypt(credential.secret_ciphertext))
    for request in gateway.requests:
        found |= {value for value in (request.header("WM_SEC.ACCESS_TOKEN"), request.form.get("refresh_token"),
                                      request.form.get("code")) if value}
        authorization = request.header("Authorization") or ""
        if authorization.startswith("Basic "):
            found.add(authorization.split(" ", 1)[1])
    found |= {base64.b64encode(f"{cid}:{secret}".encode()).decode()
              for cid, secret in ((CLIENT_ID, CLIENT_SECRET), (CA_ID, CA_SECRET), (APP_ID, APP_SECRET))}
    return found


@pytest.mark.parametrize("name", list(MODES))
def test_a_hostile_gateway_leaks_nothing_and_holds_no_check_past_its_deadline(name, world, gateway, fault_env, receiver, capsys,
                                                                              monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    runtime = world
    outputs: list[str] = []

    # A healthy first round: every store authorized, the access tokens cached (so token detail is reached later).
    code, out, _took = cli(runtime, capsys, monkeypatch, "stores", "check", "--all", "--json")
    assert code == 0, out
    assert {row["status"] for row in json.loads(out)} == {"authorized"}

    gateway.set_fault(**MODES[name])
    durations: dict[str, float] = {}

    code, out, durations["stores check one"] = cli(runtime, capsys, monkeypatch, "stores", "check", "Acme Keys", "--json")
    outputs.append(out)
    [one] = json.loads(out)
    assert code == 1 and one["status"] != "authorized"

    code, out, durations["stores check --all"] = cli(runtime, capsys, monkeypatch, "stores", "check", "--all", "--json")
    outputs.append(out)
    assert code == 1 and len(json.loads(out)) == 3

    with runtime.transaction() as session:
        session.exec(update(Store).values(check_claimed_at=None))  # make every store due again
    code, out, durations["stores check --due"] = cli(runtime, capsys, monkeypatch, "stores", "check", "--due", "--json")
    outputs.append(out)
    assert code == 1 and len(json.loads(out)) == 3

    for store in ("Acme OAuth", "Acme Canada"):
        code, out, durations[f"diagnose {store}"] = cli(runtime, capsys, monkeypatch, "diagnose", "--store", store, "--json")
        outputs.append(out)
        assert code == 1 and json.loads(out)["status"] != "authorized"
    code, out, durations["diagnose text"] = cli(runtime, capsys, monkeypatch, "diagnose", "--store", "Acme Keys")
    outputs.append(out)
    assert code == 1 and "Traceback" not in out

    page, durations["Check now"] = page_check_now(fault_env)
    assert "Acme Canada" in page

    # Every check ended within its deadline: one store's, and for --all / --due the stores run side by side.
    for what, took in durations.items():
        assert took < STORE_TIMEOUT + MARGIN, (what, took)
    # ... and every Walmart call within its own: no check had to be abandoned at the store's deadline.
    checked = [row for out in outputs[:3] for row in json.loads(out)]
    assert len(checked) == 7
    for row in checked:
        assert "took longer than" not in row["summary"], row["summary"]
        assert all(call["elapsed_ms"] < (REQUEST_TIMEOUT + MARGIN) * 1000 for call in row["calls"]), row["calls"]

    # Alerts went out (authorized -> failing) and carried no secret; the webhook address is nowhere but the settings.
    assert receiver.server_port and _Receiver.received, "the status changes should have been sent"
    payloads = "\n".join(_Receiver.received)

    secrets = secrets_of(runtime, gateway)
    assert len(secrets) >= 6
    dump = database_dump(runtime.engine)
    ours = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("urllib3"))
    places = {"database": dump, "logs": caplog.text, "CLI output": "\n".join(outputs), "page": page, "webhooks": payloads}
    for place, content in places.items():
        leaked = sorted(secret[:6] + "…" for secret in secrets if secret in content)
        assert not leaked, f"{name}: secrets in the {place}: {leaked}"
    for place, content in {"database": dump, "CLI output": "\n".join(outputs), "page": page, "our logs": ours}.items():
        assert WEBHOOK_TOKEN not in content, place

    # Nothing huge was kept: a 20 MB body leaves at most a bounded summary.
    with runtime.transaction() as session:
        longest = session.exec(select(func.max(func.length(AuthorizationCheck.summary)))).one()
        count = session.exec(select(func.count()).select_from(AuthorizationCheck)).one()
        session.exec(text("select 1"))
    assert longest < 2000 and len(dump) < 200_000 + 5_000 * count, (longest, len(dump))
