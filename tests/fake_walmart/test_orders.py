"""GET /v3/orders on the fake gateway (walmart-orders-markets.md §1): paging, filters, refusals, the no-orders answer."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from fake_walmart import order, order_line, rate_limited_answer, sample_orders
from tests.fake_walmart.conftest import CID, SECRET
from tests.fake_walmart.test_items import call, error_of, token_for

DAY_MS = 86_400_000


def now_ms():
    return int(time.time() * 1000)


def seed(gw, count, env="production", cid=CID):
    orders = sample_orders(count, [("SKU-1", "One"), ("SKU-2", "Two"), ("SKU-3", "Three")], now_ms=now_ms(), days=5, seed=3)
    gw.set_orders(env, cid, orders)
    return orders


def orders(gw, token, **params):
    return call(gw, "/v3/orders", token, params=params)


def follow(gw, token, cursor):
    """The next page as the reference says: the cursor appended to the path byte for byte."""
    return requests.get(gw.base_url("production") + "/v3/orders" + cursor, timeout=5, headers={
        "WM_SEC.ACCESS_TOKEN": token, "WM_QOS.CORRELATION_ID": str(uuid.uuid4()), "WM_SVC.NAME": "t", "Accept": "application/json"})


def test_pages_by_next_cursor_to_the_end(gw):
    seeded = seed(gw, 450)
    token = token_for(gw)
    response = orders(gw, token, limit="200")
    assert response.status_code == 200, response.text
    body = response.json()["list"]
    assert body["meta"]["totalCount"] == 450 and body["meta"]["limit"] == 200 and len(body["elements"]["order"]) == 200
    cursor = body["meta"]["nextCursor"]
    assert cursor.startswith("?") and "hasMoreElements=true" in cursor and "cursor=" in cursor
    seen = [o["purchaseOrderId"] for o in body["elements"]["order"]]
    while cursor:
        page = follow(gw, token, cursor)
        assert page.status_code == 200, page.text
        seen += [o["purchaseOrderId"] for o in page.json()["list"]["elements"]["order"]]
        cursor = page.json()["list"]["meta"].get("nextCursor")
    assert len(seen) == len(set(seen)) == 450 and set(seen) == {o["purchaseOrderId"] for o in seeded}
    dates = [o["orderDate"] for o in sorted(seeded, key=lambda o: -o["orderDate"])]
    assert dates == sorted(dates, reverse=True)


def test_orders_look_like_walmarts(gw):
    seed(gw, 3)
    first = orders(gw, token_for(gw)).json()["list"]["elements"]["order"][0]
    line = first["orderLines"]["orderLine"][0]
    assert isinstance(first["orderDate"], int) and len(first["purchaseOrderId"]) == 15
    assert first["customerEmailId"].endswith("@relay.walmart.com") and "postalAddress" in first["shippingInfo"]
    assert isinstance(line["lineNumber"], str) and isinstance(line["orderLineQuantity"]["amount"], str)
    assert line["orderLineStatuses"]["orderLineStatus"][0]["status"] in ("Created", "Acknowledged", "Shipped", "Delivered", "Cancelled")


def test_the_cursor_sent_the_wrong_way_gives_page_one_again(gw):
    seed(gw, 250)
    token = token_for(gw)
    first = orders(gw, token, limit="200").json()["list"]
    again = orders(gw, token, nextCursor=first["meta"]["nextCursor"]).json()["list"]  # URL-encoded as a parameter: ignored
    assert again["elements"]["order"][0]["purchaseOrderId"] == first["elements"]["order"][0]["purchaseOrderId"]


def test_no_orders_is_a_404_content_not_found_or_an_empty_200(gw):
    token = token_for(gw)
    item = error_of(orders(gw, token), 404)
    assert item["code"] == "CONTENT_NOT_FOUND.GMP_ORDER_API" and item["severity"] == "INFO"
    gw.no_orders_style = "empty"
    body = orders(gw, token).json()["list"]
    assert body["meta"]["totalCount"] == 0 and body["elements"]["order"] == []
    with pytest.raises(ValueError):
        gw.no_orders_style = "maybe"


@pytest.mark.parametrize("params, field", [
    ({"limit": "201"}, "limit"), ({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"createdStartDate": "16/03/2020"}, "createdStartDate"), ({"createdEndDate": "2020-03-16 10:30"}, "createdEndDate"),
    ({"status": "Created,Shipped"}, "status"), ({"shipNodeType": "Warehouse"}, "shipNodeType"),
    ({"soIndex": "3"}, "soIndex"), ({"cursor": "made-up", "poIndex": "200"}, "cursor"), ({"sku": " "}, "sku"),
])
def test_bad_parameters_are_refused(gw, params, field):
    seed(gw, 3)
    item = error_of(orders(gw, token_for(gw), **params), 400)
    assert item["code"] == "INVALID_REQUEST_PARAM.GMP_ORDER_API" and item["field"] == field


def test_filters_and_the_window(gw):
    now = now_ms()
    gw.set_orders("production", CID, [
        order("100000000000001", now - 2 * DAY_MS, [order_line(1, "A", "A", 1, "Shipped")]),
        order("100000000000002", now - 10 * DAY_MS, [order_line(1, "B", "B", 1, "Created")]),
        order("100000000000003", now - 200 * DAY_MS, [order_line(1, "A", "A", 1)]),
        order("100000000000004", now - DAY_MS, [order_line(1, "A", "A", 1)], ship_node_type="WFSFulfilled"),
    ])
    token = token_for(gw)
    ids = lambda response: [o["purchaseOrderId"] for o in response.json()["list"]["elements"]["order"]]  # noqa: E731
    assert ids(orders(gw, token)) == ["100000000000001"]  # default: the last 7 days, seller-fulfilled only
    start = time.strftime("%Y-%m-%d", time.gmtime(now / 1000 - 365 * 86400))
    assert ids(orders(gw, token, createdStartDate=start)) == ["100000000000001", "100000000000002"]  # 180 days at most
    assert ids(orders(gw, token, createdStartDate=start, status="Created")) == ["100000000000002"]
    assert ids(orders(gw, token, createdStartDate=start, sku="B")) == ["100000000000002"]
    assert ids(orders(gw, token, shipNodeType="WFSFulfilled")) == ["100000000000004"]


def test_a_key_without_the_orders_scope_is_refused(gw):
    gw.add_key("production", "limited", "limited-secret", scopes={"item": "full_access", "orders": "no_access"})
    item = error_of(orders(gw, token_for(gw, cid="limited", secret="limited-secret")), 403)
    assert item["code"] == "FORBIDDEN.GMP_GATEWAY_API"
    gw.add_key("production", "viewer", "viewer-secret", scopes={"orders": "view_only"})
    assert orders(gw, token_for(gw, cid="viewer", secret="viewer-secret")).status_code == 404  # allowed; no orders


def test_headers_and_token_are_required(gw):
    seed(gw, 3)
    token = token_for(gw)
    assert error_of(orders(gw, "not-a-token"), 401)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert error_of(call(gw, "/v3/orders", token, **{"WM_QOS.CORRELATION_ID": None}), 400)["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"
    assert error_of(call(gw, "/v3/orders", token, **{"WM_SEC.ACCESS_TOKEN": None}), 400)["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API"
    assert requests.post(gw.base_url("production") + "/v3/orders", timeout=5).status_code == 405


def test_a_cursor_belongs_to_its_seller(gw):
    seed(gw, 250)
    gw.add_key("production", "other", "other-secret")
    cursor = orders(gw, token_for(gw), limit="200").json()["list"]["meta"]["nextCursor"]
    assert error_of(follow(gw, token_for(gw, cid="other", secret="other-secret"), cursor), 400)["field"] == "cursor"


def test_a_429_can_be_queued_in_the_middle_of_paging(gw):
    seed(gw, 450)
    token = token_for(gw)
    gw.queue_response("production", "/v3/orders", after=1, **rate_limited_answer(30))
    first = orders(gw, token, limit="200")
    assert first.status_code == 200
    throttled = follow(gw, token, first.json()["list"]["meta"]["nextCursor"])
    assert throttled.status_code == 429 and "X-Next-Replenishment-Time" in throttled.headers
    assert follow(gw, token, first.json()["list"]["meta"]["nextCursor"]).status_code == 200  # the cursor still works after


def test_orders_latency(gw):
    seed(gw, 3)
    token = token_for(gw)
    gw.orders_latency = (0.2, 0.2)
    started = time.monotonic()
    orders(gw, token)
    assert time.monotonic() - started >= 0.2
    with pytest.raises(ValueError):
        gw.orders_latency = (0.5, 0.1)


def test_seeding_refuses_what_paging_cannot_use(gw):
    with pytest.raises(ValueError):
        gw.set_orders("production", CID, [{"purchaseOrderId": "1"}])
    with pytest.raises(ValueError):
        gw.set_orders("production", CID, [order("1", 1, []), order("1", 2, [])])


__all__ = ["SECRET"]
