"""SKUs newly blocking orders raise ONE webhook event per store, from a read or a fleet check, with re-notify suppression."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from core.authorization import fleet
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import StatusEvent
from core.orders import sync
from core.runtime import open_runtime
from tests.conftest import CLIENT_ID, CLIENT_SECRET
from tests.core.orders.conftest import DAY_MS, add_products, add_store, map_skus, now_ms, order, order_line


@pytest.fixture
def received():
    """A webhook receiver on 127.0.0.1: the JSON bodies it was sent."""
    class Bodies(list):
        url = ""

    bodies = Bodies()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bodies.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield bodies
    server.shutdown()


@pytest.fixture
def alerting(app_env, received):
    runtime = open_runtime(load_settings({**app_env, "ALERT_WEBHOOK_URL": received.url}, env_file=None))
    yield runtime
    runtime.engine.dispose()


def events(runtime, store_id):
    with session_scope(runtime.engine) as session:
        found = session.exec(select(StatusEvent).where(StatusEvent.store_id == store_id).order_by(StatusEvent.id)).all()
        return [(event.kind, event.delivery, event.detail) for event in found]


def seed(gateway):
    now = now_ms()
    gateway.set_orders("production", CLIENT_ID, [order("1", now - DAY_MS, [order_line(1, "A", "A", 1), order_line(2, "B", "B", 2)]),
                                                 order("2", now - DAY_MS, [order_line(1, "C", "C", 1)])])


def test_a_read_delivers_one_event_per_store_after_commit(alerting, gateway, received):
    store_id = add_store(alerting)
    seed(gateway)
    read = sync.read_orders(alerting, store_id)
    assert set(read.newly_blocked) == {"A", "B", "C"}
    assert len(received) == 1  # one event for three SKUs
    body = received[0]
    assert body["event"] == "orders_blocked" and body["store"] == "Acme" and "3 SKUs newly blocked" in body["detail"]
    assert CLIENT_SECRET not in json.dumps(body) and CLIENT_ID not in json.dumps(body)
    assert [kind for kind, delivery, _detail in events(alerting, store_id)] == ["orders_blocked"]
    assert events(alerting, store_id)[0][1] == "sent"


def test_a_fleet_check_alerts_when_a_removed_mapping_blocks_stored_orders(alerting, gateway, received):
    store_id = add_store(alerting)
    add_products(alerting, "MUG")
    map_skus(alerting, store_id, [["A", "MUG", "1"], ["B", "MUG", "1"], ["C", "MUG", "1"]])
    seed(gateway)
    assert sync.read_orders(alerting, store_id).newly_blocked == ()
    list(fleet.check_many(alerting, [store_id], after_record=sync.note_newly_blocked))
    assert events(alerting, store_id) == []  # nothing blocked: no event
    with session_scope(alerting.engine) as session:  # someone replaces the store's mappings, dropping C
        from core.mapping.imports import import_mappings
        from tests.conftest import ADMIN
        from tests.fixtures.spreadsheets.corpus import csv_bytes
        assert import_mappings(session, store_id, csv_bytes([["A", "MUG", "1"], ["B", "MUG", "1"]]), "m.csv", actor=ADMIN, mode="replace").applied
    list(fleet.check_many(alerting, [store_id], after_record=sync.note_newly_blocked))
    list(fleet.check_many(alerting, [store_id], after_record=sync.note_newly_blocked))  # still blocked: nothing new
    assert [(kind, delivery) for kind, delivery, _ in events(alerting, store_id)] == [("orders_blocked", "sent")]
    assert "C" in events(alerting, store_id)[0][2] and len(received) == 1


def test_the_same_alert_within_the_renotify_interval_is_suppressed(alerting, gateway, received):
    store_id = add_store(alerting)
    seed(gateway)
    sync.read_orders(alerting, store_id)
    gateway.set_orders("production", CLIENT_ID, [order("3", now_ms() - DAY_MS, [order_line(1, "D", "D", 1)])])
    sync.read_orders(alerting, store_id)  # D is new, within the interval: recorded, not sent
    assert [(kind, delivery) for kind, delivery, _ in events(alerting, store_id)] == [("orders_blocked", "sent"), ("orders_blocked", "suppressed")]
    assert len(received) == 1


def test_the_cli_fleet_check_records_newly_blocked_skus(alerting, gateway, received, monkeypatch, capsys):
    from cli.main import main

    store_id = add_store(alerting)
    add_products(alerting, "MUG")
    seed(gateway)
    sync.read_orders(alerting, store_id)
    received.clear()
    gateway.set_orders("production", CLIENT_ID, [])
    with session_scope(alerting.engine) as session:  # the stored lines stay; the store's known blocked SKUs are forgotten
        from core.db.models import OrderRead
        row = session.get(OrderRead, store_id)
        row.blocked_skus = "[]"
        session.add(row)
    assert main(["stores", "check", "--all"], runtime_factory=lambda: alerting) == 0
    kinds = [kind for kind, _delivery, _detail in events(alerting, store_id)]
    assert kinds == ["orders_blocked", "orders_blocked"]  # the read's, then the fleet check's
    capsys.readouterr()
