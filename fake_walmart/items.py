"""GET /v3/items (§10): a seller's catalogue, paged by nextCursor or offset, filtered by SKU and status."""
from __future__ import annotations

import base64
import os
from typing import Any

from fake_walmart.answers import Answer, json_answer
from fake_walmart.auth import authenticate
from fake_walmart.errors import error
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import AccessToken, GatewayState

ITEMS_PATH = "/v3/items"
LIFECYCLE_STATUSES = ("ACTIVE", "ARCHIVED", "RETIRED")
PUBLISHED_STATUSES = ("PUBLISHED", "READY_TO_PUBLISH", "IN_PROGRESS", "UNPUBLISHED", "STAGE", "SYSTEM_PROBLEM")
MAX_ITEM_LIMIT = 50


def catalogue(items: list[dict]) -> list[dict]:
    """Items as /v3/items lists them: Walmart's defaults filled in; ValueError if a SKU is missing or repeated."""
    skus = [item.get("sku") if isinstance(item, dict) else None for item in items]
    if not all(isinstance(sku, str) and sku for sku in skus):
        raise ValueError("every item needs a non-empty string 'sku'")
    if len(set(skus)) != len(skus):
        raise ValueError("SKUs must be unique per seller")
    return [{"mart": "WALMART_US", "publishedStatus": "PUBLISHED", "lifecycleStatus": "ACTIVE", **item} for item in items]


def list_items(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    record = authenticate(state, req, basic, business=True)
    if isinstance(record, Answer):
        return record
    if record.scopes.get("item", "no_access") == "no_access":
        # UNCONFIRMED for /v3/items (§10.4): no captured body; this is the §4.2 code in the gateway envelope.
        return error(403, "FORBIDDEN.GMP_GATEWAY_API", "FORBIDDEN", "Forbidden",
                     "The token is valid, but the key has no access to the item API.")
    query = req.query
    limit_text = query.get("limit", "20")
    if not limit_text.isdigit() or int(limit_text) < 1:
        return _bad_item_param("limit", f"limit must be a positive integer, not {limit_text!r}")
    limit = int(limit_text)
    if limit > MAX_ITEM_LIMIT:
        return _bad_item_param("limit", f"limit cannot be more than {MAX_ITEM_LIMIT}")
    for name, allowed in (("lifecycleStatus", LIFECYCLE_STATUSES), ("publishedStatus", PUBLISHED_STATUSES)):
        if name in query and query[name] not in allowed:
            return _bad_item_param(name, f"{name} must be one of {', '.join(allowed)}")
    with state.lock:
        owner = _item_owner(state, record)
        use_cursor = "nextCursor" in query or "offset" not in query
        filters = tuple((name, query[name]) for name in ("sku", "lifecycleStatus", "publishedStatus") if name in query)
        if not use_cursor:
            offset = query["offset"]
            if not offset.isdigit():
                return _bad_item_param("offset", f"offset must be a non-negative integer, not {offset!r}")
            start = int(offset)
        elif query.get("nextCursor", "*") == "*":
            start = 0
        else:
            cursor_state = state.cursors.get(query["nextCursor"])
            if cursor_state is None or cursor_state[:2] != (req.environment, owner):
                return _bad_item_param("nextCursor", "nextCursor is invalid; start again with nextCursor=*")
            filters, start = cursor_state[2], cursor_state[3]  # a cursor keeps the filters of the query that started it
        matching = [item for item in state.items[req.environment].get(owner, [])
                    if all(item.get(name) == value for name, value in filters)]
        page = matching[start:start + limit]
        if not page:
            # Documented body (§10.4); integrations read it as "zero items / end of list".
            return error(404, "CONTENT_NOT_FOUND.GMP_ITEM_QUERY_API", "404_NOT_FOUND",
                         "No Items found for the input parameters.", "Requested content could not be found.",
                         category="APPLICATION", severity="INFO")
        body: dict[str, Any] = {"ItemResponse": page, "totalItems": len(matching)}
        if use_cursor and start + limit < len(matching):  # the last page omits nextCursor
            cursor = _new_cursor()
            state.cursors[cursor] = (req.environment, owner, filters, start + limit)
            body["nextCursor"] = cursor
        return json_answer(200, body)


def _item_owner(state: GatewayState, record: AccessToken) -> str:
    if record.grant:
        return record.grant.seller.seller_id
    key = record.seller_key
    if key.seller_id is not None and key.client_id not in state.items[record.environment]:
        return key.seller_id
    return key.client_id


def _bad_item_param(name: str, description: str) -> Answer:
    # Only "limit cannot be more than 50" is documented (§10.1); the 400 body for it and for bad
    # filters or cursors is UNCONFIRMED, so this is the §4.2 INVALID_REQUEST_PARAM in the gateway envelope.
    return error(400, "INVALID_REQUEST_PARAM.GMP_ITEM_QUERY_API", name, description,
                 "One or more request parameters are invalid.")


def _new_cursor() -> str:
    # Shaped like the spec's example (standard base64, may hold "+", "/" and "="), so clients must URL-encode it.
    return base64.b64encode(b"\x02\x81" + os.urandom(44)).decode("ascii")
