"""The orders client (core.walmart.orders): the first query, the cursor on the path as sent, and reading lines defensively."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.walmart.client import ErrorKind, WalmartClient, WalmartError
from core.walmart.orders import Stop, first_query, read_order_pages
from fake_walmart import order, order_line
from tests.conftest import CLIENT_ID, CLIENT_SECRET

NOW = datetime(2026, 12, 5, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def client(gateway):
    return WalmartClient({env: gateway.base_url(env) for env in ("production", "sandbox")}, timeout=5)


def page(orders, cursor=None, total=None):
    meta = {"totalCount": total if total is not None else len(orders), "limit": 200}
    if cursor:
        meta["nextCursor"] = cursor
    return {"list": {"meta": meta, "elements": {"order": orders}}}


def test_the_first_query_asks_for_the_window_at_200_a_page():
    assert first_query(14, NOW) == "createdStartDate=2026-11-21T12%3A00%3A00Z&limit=200"


def test_the_cursor_is_appended_byte_for_byte(client, gateway):
    cursor = "?limit=200&hasMoreElements=true&soIndex=31&poIndex=10&partnerId=100009&sellerId=8&createdStartDate=2026-11-21&cursor=QW9K+/="
    gateway.queue_response("production", "/v3/orders", 200, page([order("1", 1_764_900_000_000, [order_line(1, "A", "A")])], cursor))
    gateway.queue_response("production", "/v3/orders", 200, page([order("2", 1_764_900_000_000, [order_line(1, "B", "B")])]))
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    pages = read_order_pages(client, "production", token, now=NOW)
    assert pages.complete and pages.orders == 2 and pages.pages == 2
    second = [r for r in gateway.requests if r.path == "/v3/orders"][1]
    assert second.query["cursor"] == "QW9K /=" and second.query["poIndex"] == "10" and "nextCursor" not in second.query
    assert {call.path for call in pages.calls} == {"/v3/orders"}  # the cursor is never kept with the call


def test_lines_are_read_defensively(client, gateway):
    shipped_and_cancelled = order_line(1, "Café-1", "Mug", 2)
    shipped_and_cancelled["orderLineStatuses"]["orderLineStatus"] = [
        {"status": "Shipped", "statusQuantity": {"amount": "1"}}, {"status": "canceled", "statusQuantity": {"amount": "1"}}]
    decimal_quantity = order_line(2, "B", "B", 1)
    decimal_quantity["orderLineQuantity"]["amount"] = "3.0"
    long_sku = order_line(3, "X" * 101, "too long", 1)
    iso_dated = order("2", 0, [order_line("4", "C", "C", 1)])
    iso_dated["orderDate"] = "2026-12-01T10:00:00.000Z"
    no_id = order("3", 1_764_900_000_000, [order_line(1, "D", "D")])
    no_id["purchaseOrderId"] = {"not": "a string"}
    gateway.queue_response("production", "/v3/orders", 200, page([order("1", 1_764_900_000_000, [shipped_and_cancelled, decimal_quantity, long_sku]),
                                                                  iso_dated, no_id]))
    pages = read_order_pages(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), now=NOW)
    lines = {line.line_number: line for line in pages.lines}
    assert set(lines) == {"1", "2", "4"} and pages.skipped_lines == 2 and pages.orders == 2
    assert lines["1"].sku == "Café-1" and lines["1"].status == "Cancelled" and lines["1"].quantity == 2  # equal units: the later bucket
    assert lines["2"].quantity == 3
    assert lines["4"].order_date == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def test_a_page_with_no_list_is_a_bad_response(client, gateway):
    gateway.queue_response("production", "/v3/orders", 200, {"orders": []})
    with pytest.raises(WalmartError) as raised:
        read_order_pages(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), now=NOW)
    assert raised.value.kind == ErrorKind.bad_response


def test_a_cursor_that_repeats_stops_the_read(client, gateway):
    looping = page([order("1", 1_764_900_000_000, [order_line(1, "A", "A")])], "?cursor=same&poIndex=1")
    gateway.queue_response("production", "/v3/orders", 200, looping, times=5)
    pages = read_order_pages(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), now=NOW)
    assert pages.stop == Stop.looping and pages.orders == 1 and pages.pages == 2


def test_the_gateways_own_404_is_not_no_orders(client, gateway):
    gateway.queue_response("production", "/v3/orders", 404, {"error": [{"code": "CONTENT_NOT_FOUND.GMP_GATEWAY_API", "description": "No static resource"}]})
    with pytest.raises(WalmartError) as raised:
        read_order_pages(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), now=NOW)
    assert raised.value.kind == ErrorKind.unavailable


def test_a_page_fetched_ahead_on_a_decoy_cursor_is_dropped(client, gateway):
    decoy = order("1", 1_764_900_000_000, [order_line(1, "A", "A")])
    decoy["nextCursor"] = "?cursor=decoy"  # an order field of that name comes before the real one in the text
    gateway.queue_response("production", "/v3/orders", 200, {"list": {"elements": {"order": [decoy]},
                                                                      "meta": {"totalCount": 2, "nextCursor": "?cursor=real"}}})
    gateway.queue_response("production", "/v3/orders", 200, page([order("2", 1_764_900_000_000, [order_line(1, "B", "B")])]))
    gateway.queue_response("production", "/v3/orders", 200, page([order("3", 1_764_900_000_000, [order_line(1, "C", "C")])]))
    pages = read_order_pages(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), now=NOW)
    sent = [r.query.get("cursor") for r in gateway.requests if r.path == "/v3/orders"]
    assert sorted(sent[1:]) == ["decoy", "real"]  # the decoy was fetched ahead (and dropped), the real cursor asked for
    assert pages.complete and pages.orders == 2 and {line.sku for line in pages.lines} in ({"A", "B"}, {"A", "C"})
