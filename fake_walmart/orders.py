"""GET /v3/orders (walmart-orders-markets.md §1): a seller's orders, newest first, paged by nextCursor.

What it holds to, as the reference documents it:
- the business headers and token (auth.authenticate); the `orders` scope at view_only or better, else 403
  FORBIDDEN.GMP_GATEWAY_API (the reference's advice for a missing scope, §1.1);
- query parameters as strings: `limit` 1..200 (default 100), `createdStartDate` / `createdEndDate` as a date or a
  UTC timestamp (default: the last 7 days), `status` one value, `sku`, `purchaseOrderId`, `customerOrderId`,
  `shipNodeType` (default SellerFulfilled); a bad value is a 400 INVALID_REQUEST_PARAM (body UNCONFIRMED);
  a start older than 180 days is moved forward silently, as [CURSOR-2026] saw;
- `nextCursor` is a ready-made query string starting with "?" that the client appends to the path; its
  `cursor` value names this gateway's paging state. Sending the cursor the wrong way
  (`?nextCursor=%3F...`) is answered like Walmart: page 1 again, as `nextCursor` is not a parameter;
- no order matching: 404 CONTENT_NOT_FOUND.GMP_ORDER_API with INFO severity (§1.7), or, with
  `no_orders_style = "empty"`, a 200 with totalCount 0 (the reference says to handle both);
- orderDate in epoch milliseconds, quantities as strings, the double nesting orderLines.orderLine.

Tests seed orders with FakeWalmart.set_orders (Walmart-shaped dicts, see samples.order / sample_orders),
queue a 429 after N pages with queue_response(..., after=N), and slow every page with orders_latency.
"""
from __future__ import annotations

import base64
import os
import random
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from fake_walmart.answers import Answer, json_answer
from fake_walmart.auth import authenticate
from fake_walmart.errors import error
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import AccessToken, GatewayState

ORDERS_PATH = "/v3/orders"
MAX_LIMIT = 200
DEFAULT_LIMIT = 100
HORIZON_DAYS = 180
LINE_STATUSES = ("Created", "Acknowledged", "Shipped", "Delivered", "Cancelled")
SHIP_NODE_TYPES = ("SellerFulfilled", "WFSFulfilled", "3PLFulfilled")
NO_ORDERS_STYLES = ("not_found", "empty")
CURSOR_ONLY = ("hasMoreElements", "soIndex", "poIndex", "partnerId", "sellerId", "cursor")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


def checked_orders(orders: list[dict]) -> list[dict]:
    """Orders as /v3/orders lists them, newest first; ValueError if one lacks the fields paging and filters need."""
    for order in orders:
        if not isinstance(order, dict) or not isinstance(order.get("purchaseOrderId"), str) or not isinstance(order.get("orderDate"), int):
            raise ValueError("every order needs a string 'purchaseOrderId' and an integer 'orderDate' (epoch milliseconds)")
        lines = order.get("orderLines", {}).get("orderLine")
        if not isinstance(lines, list):
            raise ValueError("every order needs orderLines.orderLine, a list")
    ids = [order["purchaseOrderId"] for order in orders]
    if len(set(ids)) != len(ids):
        raise ValueError("purchaseOrderId must be unique per seller")
    return sorted(orders, key=lambda order: (-order["orderDate"], order["purchaseOrderId"]))


def list_orders(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    record = authenticate(state, req, basic, business=True)
    if isinstance(record, Answer):
        return record
    if record.scopes.get("orders", "no_access") == "no_access":
        return error(403, "FORBIDDEN.GMP_GATEWAY_API", "FORBIDDEN", "Forbidden",
                     "The token is valid, but the key has no access to the order API.")
    _pause(state)
    query = req.query
    if "cursor" in query:
        return _next_page(state, req, record)
    if any(name in query for name in CURSOR_ONLY):
        return _bad_param(next(name for name in CURSOR_ONLY if name in query), "paging parameters are only valid inside nextCursor")
    now = datetime.now(timezone.utc)
    filters, problem = _filters(query, now)
    if problem is not None:
        return problem
    limit_text = query.get("limit", str(DEFAULT_LIMIT))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        return _bad_param("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}; it cannot be larger than {MAX_LIMIT}")
    return _page(state, req, record, filters, int(limit_text), 0)


def _pause(state: GatewayState) -> None:
    """The orders_latency setting: each page takes a random time in its range, like a real service (benchmarks)."""
    low, high = state.orders_latency
    if high > 0:
        time.sleep(random.uniform(low, high))


def _filters(query: dict, now: datetime) -> tuple[dict[str, Any], Answer | None]:
    filters: dict[str, Any] = {}
    start = now - timedelta(days=7)
    end = now
    for name in ("createdStartDate", "createdEndDate"):
        if name in query:
            moment = _moment(query[name])
            if moment is None:
                return {}, _bad_param(name, f"{name} must be a date (2020-03-16) or a UTC timestamp (2020-03-16T10:30:15Z)")
            if name == "createdStartDate":
                start = moment
            else:
                end = moment
    start = max(start, now - timedelta(days=HORIZON_DAYS))  # moved forward silently, as seen live
    if end < start:
        return {}, _bad_param("createdEndDate", "createdEndDate must not be before createdStartDate")
    filters["start"], filters["end"] = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    if "status" in query:
        if query["status"] not in LINE_STATUSES:
            return {}, _bad_param("status", f"status must be one of {', '.join(LINE_STATUSES)}")
        filters["status"] = query["status"]
    node = query.get("shipNodeType", "SellerFulfilled")
    if node not in SHIP_NODE_TYPES:
        return {}, _bad_param("shipNodeType", f"shipNodeType must be one of {', '.join(SHIP_NODE_TYPES)}")
    filters["shipNodeType"] = node
    for name in ("sku", "purchaseOrderId", "customerOrderId"):
        if name in query:
            if not query[name].strip():
                return {}, _bad_param(name, f"{name} must not be empty")
            filters[name] = query[name]
    return filters, None


def _moment(text: str) -> datetime | None:
    try:
        if _DATE.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        if _TIMESTAMP.match(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None
    return None


def _matches(order: dict, filters: dict[str, Any]) -> bool:
    if not filters["start"] <= order["orderDate"] <= filters["end"]:
        return False
    if (order.get("shipNode") or {}).get("type", "SellerFulfilled") != filters["shipNodeType"]:
        return False
    if "purchaseOrderId" in filters and order["purchaseOrderId"] != filters["purchaseOrderId"]:
        return False
    if "customerOrderId" in filters and order.get("customerOrderId") != filters["customerOrderId"]:
        return False
    lines = order["orderLines"]["orderLine"]
    if "sku" in filters and not any(line.get("item", {}).get("sku") == filters["sku"] for line in lines):
        return False
    if "status" in filters:
        statuses = {entry.get("status") for line in lines for entry in line.get("orderLineStatuses", {}).get("orderLineStatus", [])}
        return filters["status"] in statuses
    return True


def _page(state: GatewayState, req: ReceivedRequest, record: AccessToken, filters: dict[str, Any], limit: int, start: int) -> Answer:
    with state.lock:
        owner = order_owner(state, record)
        matching = [order for order in state.orders[req.environment].get(owner, []) if _matches(order, filters)]
        page = matching[start:start + limit]
        if not page:
            if state.no_orders_style == "empty" or start > 0:
                return json_answer(200, {"list": {"meta": {"totalCount": len(matching), "limit": limit}, "elements": {"order": []}}})
            return error(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "CONTENT_NOT_FOUND",
                         "Failed when called getAllOrders. Orders not found for given search parameters",
                         "Requested content could not be found.", category="APPLICATION", severity="INFO")
        meta: dict[str, Any] = {"totalCount": len(matching), "limit": limit}
        if start + limit < len(matching):  # the last page has no nextCursor
            token = base64.urlsafe_b64encode(os.urandom(24)).decode("ascii").rstrip("=")
            state.order_cursors[token] = (req.environment, owner, filters, limit, start + limit)
            meta["nextCursor"] = "?" + urlencode({
                "limit": str(limit), "hasMoreElements": "true", "soIndex": str(len(matching)), "poIndex": str(start + limit),
                "partnerId": owner, "sellerId": str(abs(hash(owner)) % 100_000),
                "createdStartDate": _iso(filters["start"]), "createdEndDate": _iso(filters["end"]),
                "shipNodeType": filters["shipNodeType"], "cursor": token})
        return json_answer(200, {"list": {"meta": meta, "elements": {"order": page}}})


def _next_page(state: GatewayState, req: ReceivedRequest, record: AccessToken) -> Answer:
    with state.lock:
        saved = state.order_cursors.get(req.query["cursor"])
        owner = order_owner(state, record)
    if saved is None or saved[:2] != (req.environment, owner) or req.query.get("poIndex") != str(saved[4]):
        return _bad_param("cursor", "the cursor is not valid; start the query again")
    _environment, _owner, filters, limit, start = saved
    return _page(state, req, record, filters, limit, start)


def order_owner(state: GatewayState, record: AccessToken) -> str:
    """Whose orders a token reads: the OAuth grant's seller, else the key's seller ID when orders were seeded for it, else the key."""
    if record.grant:
        return record.grant.seller.seller_id
    key = record.seller_key
    if key.seller_id is not None and key.client_id not in state.orders[record.environment]:
        return key.seller_id
    return key.client_id


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _bad_param(name: str, description: str) -> Answer:
    # The 400 body for a bad order parameter is UNCONFIRMED (§1.7): the §4.2 code in the gateway envelope.
    return error(400, "INVALID_REQUEST_PARAM.GMP_ORDER_API", name, description, "One or more request parameters are invalid.")
