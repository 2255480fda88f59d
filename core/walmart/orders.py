"""Reading a seller's recent orders from Walmart: GET /v3/orders paged by nextCursor (walmart-orders-markets.md §1).

    pages = read_order_pages(client, environment, token, days=14, max_orders=10_000)
    pages.lines          # one WireLine per order line: only what mapping needs, no customer data
    pages.complete       # False when the read stopped early: pages.stop says why (throttled, capped, deadline, failed)

The first page asks for orders created since now - `days` (`createdStartDate`), `limit` 200 (Walmart's most);
each next page is the answer's `nextCursor` appended to the path byte for byte (§1.3). Paging ends when the
cursor is missing or empty or a page has no orders; it also stops after `max_orders` orders, when the read's
deadline passes, on a page that brings nothing new, or when Walmart throttles (429): what was read is kept and
the read marked incomplete, with the time Walmart said to retry. Any other failure on the first page raises
WalmartError; on a later page it stops the read the same way, keeping the pages already read.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlencode

from core.i18n import _
from core.redaction import KnownSecrets, outside_text
from core.walmart.client import CallRecord, ErrorKind, JsonObject, Token, WalmartClient, WalmartError
from core.walmart.wire import Deadline, Reply

PAGE_LIMIT: Final = 200  # "cannot be larger than 200" (§1.2)
MAX_ORDERS: Final = 10_000  # the smaller of the two documented per-query caps (§1.2)
MAX_DAYS: Final = 180  # orders older than this cannot be read (§1.2)
MAX_CURSOR_LENGTH: Final = 4096
SKU_LIMIT: Final = 100  # core.db.models.catalog.SKU_MAX_LENGTH: a longer SKU cannot be mapped, so it is not kept
PRODUCT_NAME_LIMIT: Final = 300
KEY_LIMITS: Final = (40, 20)  # purchase order ID, line number (core.db.models.orders)
# A line's status when it carries several (a line of 2: one Shipped, one Cancelled): the one with the most units.
STATUSES: Final = {"created": "Created", "acknowledged": "Acknowledged", "shipped": "Shipped", "delivered": "Delivered",
                   "cancelled": "Cancelled", "canceled": "Cancelled", "refund": "Refund"}


_NEXT_CURSOR: Final = re.compile(r'"nextCursor"\s*:\s*"([^"\\]{1,%d})"' % MAX_CURSOR_LENGTH)


class Stop(StrEnum):
    """Why a read ended before Walmart's last page."""

    throttled = "throttled"  # 429: retry at `retry_at`
    capped = "capped"  # `max_orders` read
    deadline = "deadline"  # the read's own deadline passed
    failed = "failed"  # a later page failed (network, 5xx, an unreadable answer); `error` says how
    looping = "looping"  # a page brought no order not seen before: the cursor went round


@dataclass(frozen=True)
class WireLine:
    """One order line as mapping needs it."""

    purchase_order_id: str
    line_number: str
    order_date: datetime  # UTC
    sku: str  # Unicode NFC, the form mappings are stored in
    product_name: str
    quantity: int
    status: str


@dataclass
class OrderPages:
    lines: list[WireLine]
    orders: int  # distinct purchase orders read
    pages: int
    stop: Stop | None = None  # None: Walmart's last page was read
    retry_at: datetime | None = None  # after a 429, when Walmart said to try again
    error: WalmartError | None = None  # the failure that stopped a later page
    skipped_lines: int = 0  # lines too malformed to keep (no SKU, no quantity, a SKU longer than any mapping's)
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.stop is None


def first_query(days: int, now: datetime, limit: int = PAGE_LIMIT) -> str:
    """The first page's query: orders created since `days` ago (a UTC timestamp, §1.2), `limit` a page."""
    start = (now - timedelta(days=days)).astimezone(timezone.utc).replace(microsecond=0)
    return urlencode({"createdStartDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": str(limit)})


def read_order_pages(client: WalmartClient, environment: str, token: Token, *, days: int = 14, max_orders: int = MAX_ORDERS,
                     deadline: Deadline | None = None, refresh: Callable[[], Token] | None = None,
                     now: datetime | None = None) -> OrderPages:
    """The order lines of the orders created in the last `days` days, paged to the end (see the module docstring).

    `refresh` gives a new token once if Walmart refuses this one (a cached token revoked by a key reset).
    Raises WalmartError when the first page fails (other than a 429), including 401 and 403.

    Pages are still asked for one at a time, but the next is asked for as soon as this one's nextCursor is seen in
    its text, before the page is parsed and its lines read: those milliseconds overlap Walmart's time to answer.
    When the cursor found in the text is not the one the parsed page holds, the page fetched ahead is dropped
    and the right one asked for.
    """
    days = max(1, min(int(days), MAX_DAYS))
    query = first_query(days, now or datetime.now(timezone.utc))
    found: dict[tuple[str, str], WireLine] = {}
    orders: set[str] = set()
    pages = OrderPages([], 0, 0)
    seen_cursors: set[str] = set()
    names = _ProductNames(token)
    ahead: tuple[str, Future[tuple[Reply | None, CallRecord]]] | None = None  # (its query, the page being fetched)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders-page") as fetcher:
        while True:
            if deadline is not None and deadline.passed:
                pages.stop = Stop.deadline
                break
            try:
                if ahead is not None and ahead[0] == query:
                    reply, call = ahead[1].result()
                else:
                    reply, call = client.orders_page(environment, token, query)
            except WalmartError as error:
                pages.calls.append(error.call)
                if error.kind == ErrorKind.credentials_refused and refresh is not None:
                    token, refresh, ahead = refresh(), None, None
                    continue
                if error.kind == ErrorKind.rate_limited:
                    pages.stop, pages.retry_at, pages.error = Stop.throttled, error.retry_at, error
                    break
                if pages.pages == 0:
                    raise
                pages.stop, pages.error = Stop.failed, error
                break
            finally:
                ahead = None
            pages.calls.append(call)
            pages.pages += 1
            seen = None if reply is None else _cursor_in(reply.text)
            if seen and seen not in seen_cursors and len(orders) + PAGE_LIMIT < max_orders and not (deadline is not None and deadline.passed):
                ahead = (seen, fetcher.submit(copy_context().run, client.orders_page, environment, token, seen))
            page_orders, next_cursor = _page(None if reply is None else WalmartClient.page_json(reply, call), call)
            before = len(orders)
            for order in page_orders:
                purchase_order_id = _text(order.get("purchaseOrderId"), KEY_LIMITS[0])
                order_date = _moment(order.get("orderDate"))
                if not purchase_order_id or order_date is None:
                    pages.skipped_lines += len(_order_lines(order))
                    continue
                if purchase_order_id not in orders and len(orders) >= max_orders:
                    pages.stop = Stop.capped
                    break
                orders.add(purchase_order_id)
                for raw in _order_lines(order):
                    line = _line(purchase_order_id, order_date, raw, names)
                    if line is None:
                        pages.skipped_lines += 1
                    else:
                        found[(line.purchase_order_id, line.line_number)] = line
            if pages.stop is not None or not page_orders or not next_cursor:
                break
            if len(orders) == before or next_cursor in seen_cursors:
                pages.stop = Stop.looping
                break
            if len(orders) >= max_orders:
                pages.stop = Stop.capped
                break
            seen_cursors.add(next_cursor)
            query = next_cursor
        if ahead is not None:
            ahead[1].cancel()  # fetched ahead and not needed (the read stopped): its answer is dropped
    pages.lines = list(found.values())
    pages.orders = len(orders)
    return pages


def _cursor_in(text: str) -> str | None:
    """The nextCursor a page's text holds, found without parsing it: only a plain one (no escapes), so it is
    exactly what parsing gives, else None."""
    match = _NEXT_CURSOR.search(text)
    return match.group(1) if match and match.group(1).strip() else None


def _page(data: JsonObject | None, call: CallRecord) -> tuple[list[JsonObject], str | None]:
    """(the page's orders, the next cursor or None). `data` None is Walmart's 404 for no orders."""
    if data is None:
        return [], None
    listing = data.get("list")
    if not isinstance(listing, dict):
        raise WalmartError(ErrorKind.bad_response, _("Walmart sent an orders answer we cannot read (it has no order list)."), call)
    meta = listing.get("meta") if isinstance(listing.get("meta"), dict) else {}
    elements = listing.get("elements")
    raw = elements.get("order") if isinstance(elements, dict) else None
    page_orders = [order for order in raw if isinstance(order, dict)] if isinstance(raw, list) else []
    cursor = meta.get("nextCursor") if isinstance(meta, dict) else None
    if not isinstance(cursor, str) or not cursor.strip():
        return page_orders, None
    if len(cursor) > MAX_CURSOR_LENGTH or any(ord(character) < 0x21 or ord(character) > 0x7E for character in cursor):
        raise WalmartError(ErrorKind.bad_response, _("Walmart sent a paging cursor that cannot be used."), call)
    return page_orders, cursor


def _order_lines(order: JsonObject) -> list[Any]:
    lines = order.get("orderLines")
    raw = lines.get("orderLine") if isinstance(lines, dict) else None
    return raw if isinstance(raw, list) else []


class _ProductNames:
    """Product names made safe to keep (core.redaction.outside_text, the token as a known secret), each distinct name
    once: a read of 20,000 lines holds a few thousand names, and redacting each line's cost more than parsing it."""

    def __init__(self, token: Token):
        self._known = KnownSecrets((token.access_token,))
        self._done: dict[str, str] = {}

    def __call__(self, raw: object) -> str:
        text = raw if isinstance(raw, str) else ""
        name = self._done.get(text)
        if name is None:
            name = outside_text(text, self._known, PRODUCT_NAME_LIMIT)
            if len(self._done) < 100_000:  # bounded, whatever the pages hold
                self._done[text] = name
        return name


def _line(purchase_order_id: str, order_date: datetime, raw: Any, names: _ProductNames) -> WireLine | None:
    if not isinstance(raw, dict):
        return None
    item = raw.get("item") if isinstance(raw.get("item"), dict) else {}
    sku = unicodedata.normalize("NFC", str(item.get("sku") or "")) if isinstance(item, dict) else ""
    line_number = _text(raw.get("lineNumber"), KEY_LIMITS[1])
    quantity = _amount(raw.get("orderLineQuantity"))
    if not sku or len(sku) > SKU_LIMIT or not line_number or quantity is None:
        return None
    name = names(item.get("productName")) if isinstance(item, dict) else ""
    return WireLine(purchase_order_id, line_number, order_date, sku, name, quantity, _status(raw.get("orderLineStatuses")))


def _text(value: object, limit: int) -> str:
    """A key field (purchase order ID, line number): a string or number, visible ASCII, within its column."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    text = str(value).strip()
    return text if 0 < len(text) <= limit and text.isascii() and text.isprintable() else ""


def _amount(value: object) -> int | None:
    """A quantity: {"amount": "2"} (a string on the wire, §1.5), a whole number from 1 up."""
    amount = value.get("amount") if isinstance(value, dict) else None
    try:
        number = int(str(amount).strip())
    except ValueError:
        try:
            parsed = float(str(amount))
        except ValueError:
            return None
        number = int(parsed) if parsed.is_integer() else 0
    return number if 1 <= number <= 1_000_000 else None


def _status(value: object) -> str:
    entries = value.get("orderLineStatus") if isinstance(value, dict) else None
    best, most = "", -1
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        status = STATUSES.get(str(entry.get("status") or "").strip().lower(), "")
        units = _amount(entry.get("statusQuantity")) or 0
        if status and units >= most:
            best, most = status, units
    return best


def _moment(value: object) -> datetime | None:
    """orderDate: epoch milliseconds in JSON, an ISO string in XML (§1.4); both are read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(int(value) / 1000, timezone.utc).replace(microsecond=0)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    return None
