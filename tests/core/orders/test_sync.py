"""Reading a store's recent orders through the fake gateway and keeping their lines (core.orders.sync)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import OrderLine, OrderRead, StatusEvent
from core.i18n import use_language
from core.orders import sync
from core.orders.awaiting import awaiting_mapping
from core.runtime import open_runtime
from core.walmart.orders import PAGE_LIMIT
from fake_walmart import rate_limited_answer, server_error_answer
from tests.conftest import CLIENT_ID
from tests.core.orders.conftest import DAY_MS, add_store, now_ms, order, order_line, orders_of

LIMITED_ID, LIMITED_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789"


def order_requests(gateway):
    return [r for r in gateway.requests if r.path == "/v3/orders"]


def stored_lines(runtime, store_id):
    with session_scope(runtime.engine) as session:
        return session.execute(select(func.count()).select_from(OrderLine).where(OrderLine.store_id == store_id)).scalar_one()


def test_paging_runs_to_the_end_by_cursor(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(450))
    read = sync.read_orders(runtime, store_id)
    assert (read.orders, read.lines, read.partial, read.finding) == (450, 450, False, None)
    sent = order_requests(gateway)
    assert len(sent) == 3  # 200 + 200 + 50
    assert sent[0].query["limit"] == str(PAGE_LIMIT) and "createdStartDate" in sent[0].query
    assert all("cursor" in r.query and "nextCursor" not in r.query for r in sent[1:])  # the cursor appended as it came
    assert stored_lines(runtime, store_id) == 450
    with session_scope(runtime.engine) as session:
        state = sync.last_read(session, store_id)
    assert state is not None and (state.orders_read, state.lines_read, state.partial, state.days) == (450, 450, False, 14)


def test_only_the_window_is_asked_for(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(30, days_ago=lambda n: n))  # 0 to 29 days old
    read = sync.read_orders(runtime, store_id, days=7)
    assert read.orders == 7  # created in the last 7 days: ages 0..6 (age 7 is just outside: minus a few seconds)


def test_no_orders_is_an_empty_read_in_both_of_walmarts_answers(runtime, gateway):
    store_id = add_store(runtime)
    read = sync.read_orders(runtime, store_id)
    assert (read.orders, read.lines, read.partial, read.finding) == (0, 0, False, None)
    assert order_requests(gateway)[-1].query["limit"] == "200"
    gateway.no_orders_style = "empty"
    assert sync.read_orders(runtime, store_id).partial is False


def test_no_customer_data_is_stored(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(3))
    sync.read_orders(runtime, store_id)
    from tests.conftest import database_dump
    dump = database_dump(runtime.engine)
    assert "relay.walmart.com" not in dump and "Main Street" not in dump and "customerOrderId" not in dump


def test_a_429_in_the_middle_keeps_what_was_read_and_loses_nothing(runtime, gateway):
    store_id = add_store(runtime)
    older = orders_of(450, days_ago=lambda n: 1 + n % 10)
    gateway.set_orders("production", CLIENT_ID, older)
    sync.read_orders(runtime, store_id)  # a complete read first: 450 lines stored
    newer = orders_of(250, days_ago=lambda n: 0, first=110_000_000_000_000)  # 250 new orders, newer than every stored one
    gateway.set_orders("production", CLIENT_ID, newer + older)
    gateway.queue_response("production", "/v3/orders", after=1, **rate_limited_answer(30))  # page 2 is throttled
    read = sync.read_orders(runtime, store_id)
    assert read.partial and read.orders == 200 and read.retry_after is not None and 20 < read.retry_after <= 31
    with use_language("en"):
        assert "limited requests" in str(read.finding) and "200 orders were read" in str(read.finding)
    assert stored_lines(runtime, store_id) == 450 + 200  # the earlier lines stay; the 200 read are added
    with session_scope(runtime.engine) as session:
        state = sync.last_read(session, store_id)
        assert state is not None and state.partial and state.retry_at is not None
    read = sync.read_orders(runtime, store_id)  # the next complete read replaces them all
    assert not read.partial and stored_lines(runtime, store_id) == 700


def test_a_429_on_the_first_page_changes_nothing(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(5))
    sync.read_orders(runtime, store_id)
    gateway.queue_response("production", "/v3/orders", **rate_limited_answer(30))
    read = sync.read_orders(runtime, store_id)
    assert read.partial and read.orders == 0 and read.retry_after is not None
    assert stored_lines(runtime, store_id) == 5


def test_a_store_without_the_orders_permission_gets_a_finding(runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"item": "full_access", "orders": "no_access"})
    store_id = add_store(runtime, "Limited", LIMITED_ID, LIMITED_SECRET)
    read = sync.read_orders(runtime, store_id)
    assert read.partial and read.orders == 0 and read.finding_faq == sync.PERMISSIONS_FAQ
    with use_language("en"):
        assert "Orders permission" in str(read.finding) and "view only" in str(read.finding)
    with use_language("zh-CN"):
        assert "权限" in str(read.finding)
    with session_scope(runtime.engine) as session:
        state = sync.last_read(session, store_id)
    assert state is not None and state.finding_faq == "permissions-not-enabled" and "Orders permission" in str(state.finding)


def test_the_permissions_faq_entry_exists():
    from core.troubleshooting.faq import load_faq
    assert load_faq().get(sync.PERMISSIONS_FAQ) is not None


def test_walmart_down_raises_in_plain_words_and_keeps_everything(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(5))
    sync.read_orders(runtime, store_id)
    gateway.queue_response("production", "/v3/orders", times=5, **server_error_answer(503))
    with pytest.raises(sync.OrdersUnavailable) as raised:
        sync.read_orders(runtime, store_id)
    assert "could not be read" in str(raised.value) and "Try again" in str(raised.value)
    assert stored_lines(runtime, store_id) == 5


def test_a_later_page_failing_is_a_partial_read(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(250))
    gateway.queue_response("production", "/v3/orders", after=1, times=5, **server_error_answer(503))
    read = sync.read_orders(runtime, store_id)
    assert read.partial and read.orders == 200 and "could not be read" in str(read.finding)


def test_the_order_cap_stops_the_read_as_partial(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(450))
    read = sync.read_orders(runtime, store_id, max_orders=300)
    assert read.partial and read.orders == 300 and len(order_requests(gateway)) == 2


def test_old_lines_leave_after_a_complete_read(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(4))
    sync.read_orders(runtime, store_id)
    gateway.set_orders("production", CLIENT_ID, [order("1", now_ms() - DAY_MS, [order_line(1, "A", "A", 1), order_line(2, "B", "B", 2)])])
    read = sync.read_orders(runtime, store_id)
    assert (read.orders, read.lines) == (1, 2) and stored_lines(runtime, store_id) == 2


def test_malformed_lines_are_skipped_not_fatal(runtime, gateway):
    store_id = add_store(runtime)
    bad_quantity = order_line(2, "B", "B", 1)
    bad_quantity["orderLineQuantity"]["amount"] = "two"
    no_sku = order_line(3, "", "no sku", 1)
    gateway.set_orders("production", CLIENT_ID, [order("7", now_ms() - DAY_MS, [order_line(1, "A", "A", 1), bad_quantity, no_sku])])
    read = sync.read_orders(runtime, store_id)
    assert (read.orders, read.lines) == (1, 1)


@pytest.fixture
def alerting(app_env):
    """A runtime with a webhook set (never reached here: events are only recorded, delivery is left out)."""
    runtime = open_runtime(load_settings({**app_env, "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hook"}, env_file=None))
    yield runtime
    runtime.engine.dispose()


def test_newly_blocked_skus_make_one_event_per_store_with_suppression(alerting, gateway):
    runtime = alerting
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(10))  # SKUs WM-0 .. WM-4, none mapped
    first = sync.read_orders(runtime, store_id, deliver=False)
    assert set(first.newly_blocked) == {f"WM-{n}" for n in range(5)}
    again = sync.read_orders(runtime, store_id, deliver=False)
    assert again.newly_blocked == ()  # nothing new: no event
    gateway.set_orders("production", CLIENT_ID, orders_of(10) + orders_of(1, sku_of=lambda n: "NEW-1", first=111_000_000_000_000))
    third = sync.read_orders(runtime, store_id, deliver=False)
    assert third.newly_blocked == ("NEW-1",)
    with session_scope(runtime.engine) as session:
        events = session.exec(select(StatusEvent).where(StatusEvent.store_id == store_id).order_by(StatusEvent.id)).scalars().all()
        session.expunge_all()
    assert [event.kind for event in events] == ["orders_blocked", "orders_blocked"]
    assert "5 SKUs newly blocked" in events[0].detail and "NEW-1" in events[1].detail
    assert [event.delivery for event in events] == ["pending", "suppressed"]  # the second within the re-notify interval


def test_awaiting_mapping_after_a_read(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_orders("production", CLIENT_ID, orders_of(10))
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        blocked = awaiting_mapping(session, store_id)
        row = session.get(OrderRead, store_id)
    assert {b.sku for b in blocked} == {f"WM-{n}" for n in range(5)} and all(b.orders == 2 for b in blocked)
    assert row is not None and row.read_at - timedelta(seconds=5) < row.read_at


def test_a_reread_writes_only_what_changed_and_keeps_it_right(runtime, gateway):
    store_id = add_store(runtime)
    now = now_ms()
    gateway.set_orders("production", CLIENT_ID, [order("1", now - DAY_MS, [order_line(1, "A", "A", 1, "Created")]),
                                                 order("2", now - DAY_MS, [order_line(1, "B", "B", 1), order_line(2, "C", "C", 2)])])
    sync.read_orders(runtime, store_id)
    gateway.set_orders("production", CLIENT_ID, [order("1", now - DAY_MS, [order_line(1, "A", "A", 1, "Shipped")]),  # status changed
                                                 order("2", now - DAY_MS, [order_line(1, "B", "B", 1)])])  # a line gone
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        rows = sorted((r.purchase_order_id, r.line_number, r.status, r.quantity)
                      for r in session.exec(select(OrderLine).where(OrderLine.store_id == store_id)).scalars())
    assert rows == [("1", "1", "Shipped", 1), ("2", "1", "Acknowledged", 1)]
