"""Fleet checks: bounded concurrency, per-store timeout, claims, events, webhooks, retention."""
import json
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, select

from core.authorization import alerts as events
from core.authorization import fleet
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import AuthorizationCheck, StatusEvent, Store, utc_now
from core.i18n import loads, render
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, reset_postgres


def add_stores(runtime, gateway, count, environment="production", prefix="Store"):
    ids = []
    with session_scope(runtime.engine) as session:
        for number in range(count):
            client_id = f"{number:08x}-1111-4222-8333-{number:012x}"
            secret = f"Secret-{prefix}-{number:04d}-abcdefghijklmnop"
            gateway.add_key(environment, client_id, secret)
            ids.append(stores.add_store(session, runtime.vault, actor=ADMIN, name=f"{prefix} {number:03d}", environment=environment, client_id=client_id, client_secret=secret,
                                        allow_duplicate=True).id)  # calls with another prefix reuse the same key numbers
    return ids


def test_worker_pool_is_bounded(runtime, gateway):
    ids = add_stores(runtime, gateway, 8)
    gateway.latency = 0.2
    results = list(fleet.check_many(runtime, ids, workers=2))
    assert {r.outcome.status for r in results} == {"authorized"}
    arrivals = sorted(r.received_at for r in gateway.requests)
    busiest = max(sum(1 for t in arrivals if start <= t < start + 0.18) for start in arrivals)
    assert busiest <= 2  # never more than two calls in flight


def test_a_slow_store_is_abandoned_and_does_not_hold_up_the_rest(runtime, gateway):
    fast = add_stores(runtime, gateway, 3)
    slow = add_stores(runtime, gateway, 1, environment="sandbox", prefix="Slow")
    gateway.queue_response("sandbox", "/v3/token", 200, body={"access_token": "late", "expires_in": 900}, delay=3)
    results = list(fleet.check_many(runtime, slow + fast, workers=2, store_timeout=0.5))
    assert [r.store_id for r in results][-1] == slow[0]
    slow_outcome = results[-1].outcome
    assert slow_outcome.status == "unreachable" and "longer than 0.5 seconds" in slow_outcome.summary
    assert all(r.outcome.status == "authorized" for r in results[:-1])
    with session_scope(runtime.engine) as session:
        assert session.exec(select(AuthorizationCheck).where(AuthorizationCheck.store_id == slow[0])).one().status == "unreachable"


def test_tokens_are_shared_across_processes_and_runs(runtime, gateway, settings):
    ids = add_stores(runtime, gateway, 5)
    for _ in range(3):
        list(fleet.check_many(runtime, ids))
    other_process = open_runtime(settings)  # a new runtime has an empty memory cache, like the next cron run
    list(fleet.check_many(other_process, ids))
    per_store = {}
    for request in gateway.token_requests():
        per_store[request.client_id] = per_store.get(request.client_id, 0) + 1
    assert len(per_store) == 5 and set(per_store.values()) == {1}
    with runtime.engine.connect() as connection:
        stored = connection.execute(text("select ciphertext from cachedtoken")).scalars().all()
    assert len(stored) == 5 and not any("." in value and value.count(".") == 4 for value in stored)  # encrypted, not the raw token


def test_due_checks_skip_recently_checked_stores(runtime, gateway):
    ids = add_stores(runtime, gateway, 4)
    list(fleet.check_many(runtime, ids[:2]))
    checked = [r.store_id for r in fleet.check_due(runtime, timedelta(minutes=30))]
    assert sorted(checked) == sorted(ids[2:])
    assert list(fleet.check_due(runtime, timedelta(minutes=30))) == []
    with session_scope(runtime.engine) as session:
        session.execute(update(Store).values(check_claimed_at=utc_now() - timedelta(hours=2)))
    assert len(list(fleet.check_due(runtime, timedelta(minutes=30)))) == 4


def test_concurrent_claims_never_share_a_store(runtime, gateway):
    add_stores(runtime, gateway, 40)
    claimed: list[int] = []
    lock = threading.Lock()

    def checker():
        while True:
            with runtime.transaction() as session:
                batch = fleet.claim_due(session, timedelta(minutes=30), 3)
            if not batch:
                return
            with lock:
                claimed.extend(batch)

    threads = [threading.Thread(target=checker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(claimed) == 40 and len(set(claimed)) == 40


def _postgres_url():
    return os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


@pytest.mark.postgres
def test_skip_locked_lets_checkers_pass_over_rows_being_claimed(tmp_path, gateway):
    from sqlalchemy.exc import OperationalError

    try:
        url = reset_postgres(_postgres_url())
    except OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    settings = load_settings({"DATABASE_URL": url, "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
                              "WALMART_API_BASE_URL": gateway.base_url("production"), "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox")}, env_file=None)
    runtime = open_runtime(settings)
    ids = add_stores(runtime, gateway, 6)
    with Session(runtime.engine) as holder:
        # Another checker is in the middle of claiming the first three stores.
        holder.exec(select(Store).where(Store.id.in_(ids[:3])).with_for_update()).all()
        with runtime.transaction() as session:
            session.execute(text("SET lock_timeout = '2s'"))  # without SKIP LOCKED this would wait, then fail
            claimed = fleet.claim_due(session, timedelta(minutes=30), 10)
        assert claimed == sorted(ids[3:])
        holder.rollback()
    with runtime.transaction() as session:
        assert fleet.claim_due(session, timedelta(minutes=30), 10) == sorted(ids[:3])
    runtime.engine.dispose()


class _Receiver(BaseHTTPRequestHandler):
    status = 200
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Receiver.received, _Receiver.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, _Receiver
    server.shutdown()
    server.server_close()


def _runtime_with(settings, **changes):
    from dataclasses import replace

    return open_runtime(replace(settings, **changes))


def test_events_on_change_only_and_no_alert_storm(settings, gateway, webhook):
    server, receiver = webhook
    runtime = _runtime_with(settings, alert_webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
    [store_id] = add_stores(runtime, gateway, 1)
    secret, client_id = "Secret-Store-0000-abcdefghijklmnop", "00000000-1111-4222-8333-000000000000"
    list(fleet.check_many(runtime, [store_id]))  # first check: authorized, no event
    list(fleet.check_many(runtime, [store_id]))  # unchanged: no event
    gateway.remove_key("production", client_id)
    list(fleet.check_many(runtime, [store_id]))  # lost
    list(fleet.check_many(runtime, [store_id]))  # still lost: no new event
    gateway.add_key("production", client_id, secret)
    list(fleet.check_many(runtime, [store_id]))  # recovered
    gateway.remove_key("production", client_id)
    list(fleet.check_many(runtime, [store_id]))  # lost again within the re-notify interval
    with Session(runtime.engine) as session:
        kinds = [(e.kind, e.delivery) for e in session.exec(select(StatusEvent).order_by(StatusEvent.id)).all()]
    assert kinds == [("lost_authorization", "sent"), ("recovered", "sent"), ("lost_authorization", "suppressed")]
    assert [m["event"] for m in receiver.received] == ["lost_authorization", "recovered"]
    assert receiver.received[0]["text"].startswith("Store 000: authorization lost (rejected)")
    assert secret not in json.dumps(receiver.received)


def test_a_lost_permission_is_its_own_event(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    list(fleet.check_many(runtime, [store_id]))
    gateway.add_key("production", "00000000-1111-4222-8333-000000000000", "Secret-Store-0000-abcdefghijklmnop", scopes={"orders": "view_only"})
    list(fleet.check_many(runtime, [store_id]))
    with Session(runtime.engine) as session:
        [event] = session.exec(select(StatusEvent)).all()
    assert event.kind == "lost_permission" and event.to_status == "missing_permissions" and "orders" in event.detail
    assert event.delivery == "off"  # no webhook configured


@pytest.mark.parametrize("broken", ["status_500", "refused"])
def test_a_failing_webhook_never_breaks_a_check(settings, gateway, webhook, broken):
    server, receiver = webhook
    receiver.status = 500
    url = f"http://127.0.0.1:{server.server_port}/hook" if broken == "status_500" else "http://127.0.0.1:9/hook"
    runtime = _runtime_with(settings, alert_webhook_url=url)
    [store_id] = add_stores(runtime, gateway, 1)
    list(fleet.check_many(runtime, [store_id]))
    gateway.remove_key("production", "00000000-1111-4222-8333-000000000000")
    [result] = list(fleet.check_many(runtime, [store_id]))
    assert result.outcome.status == "rejected"
    with Session(runtime.engine) as session:
        [event] = session.exec(select(StatusEvent)).all()
        assert event.delivery == "failed" and event.delivery_error and event.delivery_attempts == 1
        assert session.exec(select(AuthorizationCheck).where(AuthorizationCheck.status == "rejected")).one()


def test_still_failing_reminder_after_the_interval(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    list(fleet.check_many(runtime, [store_id]))
    gateway.remove_key("production", "00000000-1111-4222-8333-000000000000")
    list(fleet.check_many(runtime, [store_id]))
    with session_scope(runtime.engine) as session:
        session.execute(update(StatusEvent).values(at=utc_now() - timedelta(hours=25)))
    list(fleet.check_many(runtime, [store_id]))
    with Session(runtime.engine) as session:
        assert [e.kind for e in session.exec(select(StatusEvent).order_by(StatusEvent.id)).all()] == ["lost_authorization", "still_failing"]


def test_retention_prunes_old_history_but_keeps_current_health(runtime, gateway):
    [store_id] = add_stores(runtime, gateway, 1)
    list(fleet.check_many(runtime, [store_id]))
    with session_scope(runtime.engine) as session:
        session.execute(update(AuthorizationCheck).values(checked_at=utc_now() - timedelta(days=400)))
        assert fleet.prune_history(session, 90) == 1
    with Session(runtime.engine) as session:
        assert session.exec(select(AuthorizationCheck)).all() == []
        from core.authorization.history import health_by_store

        assert health_by_store(session)[store_id].status == "authorized"


def test_change_event_rules():
    from core.db.models import StoreHealth

    def before(status, missing=()):
        return StoreHealth(store_id=1, status=status, checked_at=utc_now(), missing_json=json.dumps(list(missing)))

    assert events.change_event(None, "rejected", [], "") is None
    assert events.change_event(before("authorized"), "unreachable", [], "x")[0] == "lost_authorization"
    assert events.change_event(before("rejected"), "authorized", [], "")[0] == "recovered"
    newly = events.change_event(before("missing_permissions", ["item"]), "missing_permissions", ["item", "orders"], "")[1]
    assert render(loads(newly)) == "Newly missing: orders"  # kept untranslated, shown in the reader's language
    assert events.change_event(before("missing_permissions", ["item", "orders"]), "missing_permissions", ["item"], "") is None
    assert events.change_event(before("rejected"), "unreachable", [], "") is None


def test_a_disabled_store_counts_as_disabled_not_as_never_checked(runtime, gateway):
    from core.authorization import history
    from core.authorization.outcome import HealthState
    from core.db.engine import session_scope
    from core.stores import registry as stores
    from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Open", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Closed", environment="sandbox", client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
        stores.set_enabled(session, "Closed", False, actor=ADMIN)
    with session_scope(runtime.engine) as session:
        counts = history.status_counts(session)
        assert (counts[HealthState.never_checked], counts.disabled, counts.total) == (1, 1, 2)
        never = history.store_table(session, statuses=[HealthState.never_checked])
        assert [row.name for row in never] == ["Open"]  # a status filter finds enabled stores
        assert [row.name for row in history.store_table(session, disabled=True)] == ["Closed"]
        assert history.count_stores(session, statuses=[HealthState.never_checked], disabled=True) == 2
