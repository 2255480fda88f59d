"""Alert webhooks against hostile receivers: a receiver that drips its answer, redirects, or answers without end
cannot hold a check (or a cron run) past the delivery's deadline, nor fill the dashboard's memory."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from core.authorization import alerts
from core.authorization import check as authorization
from core.authorization.alerts import deliver_pending
from core.config import load_settings
from core.db.models import StatusEvent, utc_now
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET

TOKEN = "hook-TOKEN-0123456789abcdef"
DEADLINE = 1.0  # seconds for one delivery, in these tests
MARGIN = 3.0  # thread start-up and a busy machine: a correctness bound, not a benchmark


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    behaviour = "drip"
    posted: list[str] = []

    def do_POST(self):  # noqa: N802
        self.posted.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if self.behaviour == "drip":  # the status line, a byte every half second: each read is quick, the answer endless
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.5)
        elif self.behaviour == "endless":  # a 200 with a body that never ends
            self.send_response(200)
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(20_000):  # 1.3 GB if read whole
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif self.behaviour == "slow":  # answers after half a second
            time.sleep(0.5)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.behaviour.startswith("redirect:"):
            self.send_response(307)
            self.send_header("Location", self.behaviour.split(":", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setattr(alerts, "WEBHOOK_TIMEOUT", DEADLINE)
    Receiver.posted = []
    servers = []

    def start(behaviour: str) -> str:
        handler = type("Handler", (Receiver,), {"behaviour": behaviour})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/hook/{TOKEN}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _pending_events(runtime, count: int) -> None:
    with runtime.transaction() as session:
        store = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        for _ in range(count):
            session.add(StatusEvent(store_id=store.id, at=utc_now(), kind="lost_authorization", from_status="authorized",
                                    to_status="rejected", detail="x", delivery="pending"))


def _events(runtime) -> list[StatusEvent]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(StatusEvent)).all())


@pytest.mark.parametrize("behaviour", ["drip", "endless"])
def test_a_receiver_that_never_finishes_is_cut_off_at_the_deadline(runtime, receiver, behaviour):
    _pending_events(runtime, 6)
    url = receiver(behaviour)
    started = time.monotonic()
    counts = deliver_pending(runtime.transaction, url)
    took = time.monotonic() - started
    assert took < DEADLINE + MARGIN, took  # not 6 x 20 s of dripping, nor 6 x 1.3 GB read, nor 6 deadlines in a row
    if behaviour == "drip":  # the first ran out of time; the others wait for the next run, their attempt not spent
        assert counts == {"sent": 0, "failed": 1}
        first, *rest = _events(runtime)
        assert first.delivery == "failed" and "did not answer within 1 seconds" in first.delivery_error and TOKEN not in first.delivery_error
        assert [(event.delivery, event.delivery_attempts) for event in rest] == [("pending", 0)] * 5
    else:  # the status said 200: delivered, and the body was never read
        assert counts == {"sent": 6, "failed": 0}


def test_a_redirect_is_not_followed(runtime, receiver):
    _pending_events(runtime, 1)
    elsewhere = receiver("drip")
    Receiver.posted = []
    counts = deliver_pending(runtime.transaction, receiver(f"redirect:{elsewhere}"))
    assert counts == {"sent": 0, "failed": 1} and len(Receiver.posted) == 1  # only the configured address got the alert
    [event] = _events(runtime)
    assert "307" in event.delivery_error


def test_check_now_is_not_held_by_a_dripping_webhook(app_env, receiver, gateway):
    """check_store delivers the alerts its check caused: a slow receiver once held "Check now" for as long as it dripped."""
    runtime = open_runtime(load_settings({**app_env, "ALERT_WEBHOOK_URL": receiver("drip")}, env_file=None))
    with runtime.transaction() as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    assert authorization.check_store(runtime, "Acme").status == "authorized"
    gateway.remove_key("production", CLIENT_ID)
    started = time.monotonic()
    outcome = authorization.check_store(runtime, "Acme")
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert outcome.status != "authorized" and Receiver.posted  # the alert was attempted, and given up at its deadline
    runtime.engine.dispose()


def test_two_deliverers_at_once_send_each_alert_once(runtime, receiver):
    """Check now on the page while cron runs stores check --due: both deliver pending alerts. The claim once only
    guarded the attempt count, so the second deliverer claimed the next attempt while the first was still sending."""
    _pending_events(runtime, 2)
    url = receiver("slow")
    counts: list[dict[str, int]] = []
    first = threading.Thread(target=lambda: counts.append(deliver_pending(runtime.transaction, url)))
    first.start()
    time.sleep(0.2)  # the first is sending its first alert
    counts.append(deliver_pending(runtime.transaction, url))
    first.join()
    assert len(Receiver.posted) == 2 and sum(count["sent"] for count in counts) == 2
    assert [(event.delivery, event.delivery_attempts) for event in _events(runtime)] == [("sent", 1), ("sent", 1)]


def test_a_claim_left_by_a_deliverer_that_died_lapses(runtime, receiver):
    _pending_events(runtime, 1)
    with runtime.transaction() as session:  # claimed long ago by a process that never came back
        session.exec(update(StatusEvent).values(delivery="sending", delivery_attempts=1, delivered_at=utc_now() - timedelta(hours=1)))
    assert deliver_pending(runtime.transaction, receiver("slow")) == {"sent": 1, "failed": 0}
    assert [(event.delivery, event.delivery_attempts) for event in _events(runtime)] == [("sent", 2)]


def test_credentials_in_the_webhook_address_never_reach_a_delivery_error():
    url = "https://tok-USER-123456:pw-SECRET-99@hooks.example.com/services/T0/B0/abcdef123456"
    for said in (f"failed {url}", "failed tok-USER-123456:pw-SECRET-99@hooks.example.com", "auth for tok-USER-123456 refused"):
        shown = alerts.delivery_error(RuntimeError(said), url)
        assert "tok-USER" not in shown and "pw-SECRET" not in shown, shown
