"""Reading a store's recent orders from Walmart and keeping their lines: a workflow.

    read = read_orders(runtime, store_id, days=14)   # OrdersRead: counts, partial or not, retry time, a finding
    last_read(session, store_id)                     # OrderReadState of the last read, or None

The store's credential is read in one transaction, Walmart is paged through with none open
(core.walmart.orders), then ONE short transaction stores what was read, all or nothing:

- A **complete** read (Walmart's last page reached) replaces every stored line of the store.
- A **partial** read (throttled by a 429, the order cap, the read's deadline, a later page failing) replaces
  only the purchase orders it read and drops lines older than the window; the other stored lines stay. So a
  read cut short never loses what an earlier read found, and `order_read.partial` says the list may be
  missing orders until a complete read.
- A read that gets **no page** (the key lacks the Orders permission, or Walmart refuses the keys) changes no
  line: it records a finding in plain words (`OrdersRead.finding`, a `core.i18n` Text) with the FAQ entry
  that explains the permission steps (`PERMISSIONS_FAQ`). Anything else that stops the first page (network,
  timeout, Walmart down) raises OrdersUnavailable and records nothing.

In the same transaction, the SKUs newly awaiting mapping (blocked now, not at the last read) are compared and
ONE `orders_blocked` event is recorded for the store (core.authorization.alerts.record_event, with its
re-notify suppression); `deliver_pending` posts it after the commit.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Table, delete
from sqlalchemy import select as core_select  # sqlmodel's select takes at most four columns
from sqlmodel import Session, col, select

from core.authorization.alerts import AlertPolicy, deliver_pending, record_event
from core.authorization.check import access_token_for
from core.authorization.fleet import bounded_pool
from core.db.bulk import in_chunks, insert_many
from core.db.models import Credential, CredentialState, OrderLine, OrderRead, Store, saved_id, table_of, utc_now
from core.errors import StoreConnectError
from core.i18n import Text, _, dumps, join, lazy, lazy_ngettext, loads
from core.orders.awaiting import awaiting_mapping
from core.runtime import Runtime
from core.stores.credential import StoreCredential, load_credential
from core.stores.registry import find_store
from core.walmart.client import ErrorKind, WalmartError
from core.walmart.orders import MAX_DAYS, MAX_ORDERS, OrderPages, Stop, WireLine, read_order_pages
from core.walmart.wire import Deadline

DEFAULT_DAYS: Final = 14
PERMISSIONS_FAQ: Final = "permissions-not-enabled"  # data/faq.toml: the permission steps a finding links to
ALERT_SKUS_LISTED: Final = 10  # SKUs named in an orders_blocked alert; the rest are counted
_LINE: Table = table_of(OrderLine)


class OrdersUnavailable(StoreConnectError):
    """Walmart or the network did not let the orders be read; nothing was changed."""


@dataclass(frozen=True)
class OrdersRead:
    """What one read of a store's recent orders found and kept."""

    store_id: int
    orders: int  # purchase orders read
    lines: int  # their lines kept
    partial: bool  # the read stopped before Walmart's last page, or got no page at all
    retry_after: float | None  # seconds until Walmart said to try again (after a 429), else None
    finding: Text | None  # why the read did not go through, in plain words with what to do; None when it did
    read_at: datetime
    finding_faq: str | None = None  # the FAQ entry id that explains the finding (PERMISSIONS_FAQ)
    blocked: int = 0  # SKUs awaiting mapping after the read
    newly_blocked: tuple[str, ...] = field(default=())  # of those, the ones not blocked at the last read

    def to_dict(self) -> dict[str, object]:
        """Machine-readable (--json): the finding in the current language, everything else as codes and numbers."""
        return {"store_id": self.store_id, "orders": self.orders, "lines": self.lines, "partial": self.partial,
                "retry_after": self.retry_after, "finding": None if self.finding is None else str(self.finding),
                "finding_faq": self.finding_faq, "read_at": self.read_at.isoformat(), "blocked": self.blocked,
                "newly_blocked": list(self.newly_blocked)}


@dataclass(frozen=True)
class OrderReadState:
    """The last read of a store's orders, as stored."""

    store_id: int
    read_at: datetime
    days: int
    orders_read: int
    lines_read: int
    partial: bool
    retry_at: datetime | None
    finding: Text | str | None  # render with str() in the reader's language
    finding_faq: str | None
    blocked_skus: tuple[str, ...]


def last_read(session: Session, store_id: int) -> OrderReadState | None:
    row = session.get(OrderRead, store_id)
    if row is None:
        return None
    return OrderReadState(row.store_id, row.read_at, row.days, row.orders_read, row.lines_read, row.partial, row.retry_at,
                          None if row.finding is None else loads(row.finding), row.finding_faq, _skus(row.blocked_skus))


def stores_read(session: Session) -> set[int]:
    """The stores whose orders were read at least once: a list over many stores asks only these (one query)."""
    return set(session.exec(select(OrderRead.store_id)))


def read_orders(runtime: Runtime, store_id: int | str, days: int = DEFAULT_DAYS, max_orders: int = MAX_ORDERS, *,
                deadline: float | None = None, deliver: bool = True) -> OrdersRead:
    """Read the store's orders created in the last `days` days and keep their lines (see the module docstring).

    `deadline`: seconds for the whole read (default: the store check's, CHECK_STORE_TIMEOUT); past it the
    read stops with what it has, partial. `deliver`: post the alert webhook after the commit. Raises NotFound
    for an unknown store and OrdersUnavailable when the first page could not be read for a reason other than
    the keys or their permissions.
    """
    days = max(1, min(int(days), MAX_DAYS))
    with runtime.transaction() as session:
        store = find_store(session, store_id)
        found_id, credential = saved_id(store), load_credential(session, runtime.vault, store)
    read_at = utc_now()
    fetched = fetch_pages(runtime, credential, days, max_orders, deadline if deadline is not None else runtime.settings.check_store_timeout,
                          read_at)
    with runtime.transaction() as session:
        result = keep(session, found_id, fetched, days, read_at, AlertPolicy.from_settings(runtime.settings))
    if deliver and result.newly_blocked:
        deliver_pending(runtime.transaction, runtime.settings.alert_webhook_url)
    return result


@dataclass(frozen=True)
class StoreOrders:
    """One store's part of a run over several: its read, or why there is none."""

    store_id: int
    store_name: str
    read: OrdersRead | None
    problem: str | None = None  # in plain words, when the orders could not be read at all (nothing was changed)


def read_many(runtime: Runtime, store_ids: list[int], days: int = DEFAULT_DAYS, max_orders: int = MAX_ORDERS, *,
              workers: int | None = None, store_timeout: float | None = None) -> Iterator[StoreOrders]:
    """read_orders for several stores at once, on the fleet check's bounded pool with its per-store deadline
    (core.authorization.fleet.bounded_pool): workers only talk to Walmart; what they read is kept here, one
    transaction for whatever finished together, and alerts are delivered once at the end. Stores without an
    active credential are left out. Yields each store as soon as it is kept."""
    settings = runtime.settings
    workers = workers or settings.check_workers
    store_timeout = store_timeout or settings.check_store_timeout
    days = max(1, min(int(days), MAX_DAYS))
    policy = AlertPolicy.from_settings(settings)
    jobs: list[tuple[int, StoreCredential]] = []
    names: dict[int, str] = {}
    with runtime.transaction() as session:
        active = (col(Credential.store_id) == col(Store.id)) & (col(Credential.state) == CredentialState.active)
        for store in session.exec(select(Store).join(Credential, active).where(col(Store.id).in_(store_ids)).order_by(Store.name)).all():
            jobs.append((saved_id(store), load_credential(session, runtime.vault, store)))
            names[saved_id(store)] = store.name
    read_at = utc_now()

    def work(store_id: int, credential: StoreCredential) -> Fetched | OrdersUnavailable:
        try:  # a little under the pool's limit, so a slow store stops with what it read rather than nothing
            return fetch_pages(runtime, credential, days, max_orders, store_timeout * 0.9, read_at)
        except OrdersUnavailable as problem:
            return problem
        except Exception as error:  # noqa: BLE001 - one store must never abort the others
            return OrdersUnavailable(_("The store's orders could not be read ({error}).", error=type(error).__name__),
                                     _("Try again in a few minutes. If it keeps failing, report it with the time of the read."))

    def late(store_id: int, credential: StoreCredential) -> Fetched | OrdersUnavailable:
        seconds = f"{store_timeout:g}"
        return OrdersUnavailable(_("Reading the orders took longer than {seconds} seconds and was stopped; nothing was changed.",
                                   seconds=seconds), _("Read the orders again in a few minutes."))

    batches = bounded_pool(jobs, work, late, workers=workers, store_timeout=store_timeout, name="orders-read")
    try:
        for finished in batches:
            results: list[StoreOrders] = []
            with runtime.transaction() as session:
                for store_id, fetched in finished:
                    if isinstance(fetched, OrdersUnavailable):
                        results.append(StoreOrders(store_id, names[store_id], None, str(fetched)))
                    else:
                        results.append(StoreOrders(store_id, names[store_id], keep(session, store_id, fetched, days, read_at, policy)))
            yield from results
    finally:
        batches.close()
        deliver_pending(runtime.transaction, settings.alert_webhook_url)


Fetched = OrderPages | Text  # the pages read, or the finding for keys or permissions Walmart refused


def fetch_pages(runtime: Runtime, credential: StoreCredential, days: int, max_orders: int, seconds: float, read_at: datetime) -> Fetched:
    """Walmart's side of a read, with no transaction open: the store's token, then the pages within `seconds`.
    Raises OrdersUnavailable when the first page fails for another reason than the keys or permissions."""
    try:
        environment, token = access_token_for(runtime, credential)
        return read_order_pages(runtime.walmart, environment, token, days=days, max_orders=max_orders, deadline=Deadline(seconds),
                                refresh=lambda: access_token_for(runtime, credential, fresh=True)[1], now=read_at)
    except WalmartError as error:
        finding = _refusal(error)
        if finding is None:
            raise _unavailable(error) from None
        return finding


def keep(session: Session, store_id: int, fetched: Fetched, days: int, read_at: datetime, policy: AlertPolicy) -> OrdersRead:
    """What a read fetched, kept in the caller's transaction: a refusal's finding (no line changed), or the pages."""
    if isinstance(fetched, Text):
        _record_read(session, store_id, days, read_at, 0, 0, True, None, fetched, finding_faq=PERMISSIONS_FAQ)
        return OrdersRead(store_id, 0, 0, True, None, fetched, read_at, PERMISSIONS_FAQ)
    return store_pages(session, store_id, fetched, days, read_at, policy)


def store_pages(session: Session, store_id: int, pages: OrderPages, days: int, read_at: datetime, policy: AlertPolicy) -> OrdersRead:
    """Keep what a read found, in the caller's transaction: the lines, the read's record, and an alert for SKUs newly blocked."""
    _replace_lines(session, store_id, pages.lines, complete=pages.complete, window_start=read_at - timedelta(days=days))
    blocked = [entry.sku for entry in awaiting_mapping(session, store_id)]
    finding = _stopped(pages)
    retry_after = None if pages.retry_at is None else max(0.0, (pages.retry_at - read_at).total_seconds())
    row = _record_read(session, store_id, days, read_at, pages.orders, len(pages.lines), not pages.complete, pages.retry_at, finding)
    newly = _compared(session, row, blocked, policy, read_at)
    return OrdersRead(store_id, pages.orders, len(pages.lines), not pages.complete, retry_after, finding, read_at, None,
                      len(blocked), newly)


def _replace_lines(session: Session, store_id: int, lines: list[WireLine], *, complete: bool, window_start: datetime) -> None:
    """The store's stored lines made what the read says (see the module docstring), writing only the purchase orders
    that changed: a read every few minutes finds most orders as they were, and rewriting 20,000 unchanged lines
    cost more than the read's own work. A purchase order is rewritten whole when any of its lines differs."""
    line = _LINE
    if not complete:
        session.execute(delete(line).where(line.c.store_id == store_id, line.c.order_date < window_start))
    read: dict[str, set[tuple[str, str, str, int, str]]] = defaultdict(set)
    for wire in lines:
        read[wire.purchase_order_id].add((wire.line_number, wire.sku, wire.product_name, wire.quantity, wire.status))
    stored: dict[str, set[tuple[str, str, str, int, str]]] = defaultdict(set)
    for purchase_order_id, *kept in session.execute(
            core_select(line.c.purchase_order_id, line.c.line_number, line.c.sku, line.c.product_name, line.c.quantity, line.c.status)
            .where(line.c.store_id == store_id)):
        stored[purchase_order_id].add((kept[0], kept[1], kept[2], kept[3], kept[4]))
    # Gone (a complete read no longer lists them) or different: deleted; new or different: inserted.
    gone = {po for po in stored if po not in read} if complete else set()
    changed = {po for po, found in read.items() if stored.get(po) != found}
    for chunk in in_chunks(sorted(gone | (changed & set(stored)))):
        session.execute(delete(line).where(line.c.store_id == store_id, line.c.purchase_order_id.in_(chunk)))
    written = [wire for wire in lines if wire.purchase_order_id in changed]
    dialect = session.connection().dialect
    # insert_many leaves listed values to the driver: dates are converted here as the column's type would store them.
    stored_date = line.c.order_date.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
    insert_many(session, line, {
        "store_id": store_id,
        "purchase_order_id": [wire.purchase_order_id for wire in written],
        "line_number": [wire.line_number for wire in written],
        "order_date": [stored_date(wire.order_date) for wire in written],
        "sku": [wire.sku for wire in written],
        "product_name": [wire.product_name for wire in written],
        "quantity": [wire.quantity for wire in written],
        "status": [wire.status for wire in written],
    })


def _record_read(session: Session, store_id: int, days: int, read_at: datetime, orders: int, lines: int, partial: bool,
                 retry_at: datetime | None, finding: Text | None, *, finding_faq: str | None = None) -> OrderRead:
    row = session.get(OrderRead, store_id) or OrderRead(store_id=store_id, days=days)
    row.read_at, row.days, row.orders_read, row.lines_read, row.partial, row.retry_at = read_at, days, orders, lines, partial, retry_at
    row.finding = None if finding is None else dumps(finding)
    row.finding_faq = finding_faq
    session.add(row)
    session.flush()
    return row  # its blocked SKUs are left for _compared (a read that got no page leaves them as they were)


def note_newly_blocked(session: Session, store_id: int, policy: AlertPolicy, now: datetime | None = None) -> tuple[str, ...]:
    """Compare the store's stored order lines with its mappings now, in the caller's transaction: SKUs blocked now
    that were not at the last comparison get ONE `orders_blocked` event. Returns those SKUs.

    A fleet check calls it for every store it checks (cli `stores check`: a mapping removed since the last read
    blocks orders without any new order coming in); a store whose orders were never read is left alone."""
    row = session.get(OrderRead, store_id)
    if row is None:
        return ()
    blocked = [entry.sku for entry in awaiting_mapping(session, store_id)]
    return _compared(session, row, blocked, policy, now or utc_now())


def _compared(session: Session, row: OrderRead, blocked: list[str], policy: AlertPolicy, now: datetime) -> tuple[str, ...]:
    before = set(_skus(row.blocked_skus))
    newly = tuple(sku for sku in blocked if sku not in before)
    row.blocked_skus = json.dumps(blocked, ensure_ascii=False)
    session.add(row)
    if newly:
        record_event(session, row.store_id, "orders_blocked", _alert_detail(newly, len(blocked)), now, policy)
    session.flush()
    return newly


def _skus(stored: str) -> tuple[str, ...]:
    try:
        value = json.loads(stored) if stored else []
    except ValueError:
        return ()
    return tuple(str(sku) for sku in value) if isinstance(value, list) else ()


def _alert_detail(newly: tuple[str, ...], blocked: int) -> str:
    """The event's detail, SKUs only (no customer data, no secret), kept untranslated like the other events' details:
    the store's page shows it in its reader's language, the webhook in the server's (core.authorization.alerts)."""
    shown = ", ".join(newly[:ALERT_SKUS_LISTED])
    more = len(newly) - ALERT_SKUS_LISTED
    listed: Text | str = lazy("{skus} and {more} more", skus=shown, more=more) if more > 0 else shown
    return dumps(join(lazy_ngettext("{n} SKU newly blocked: {skus}.", "{n} SKUs newly blocked: {skus}.", len(newly), skus=listed),
                      lazy_ngettext("{n} SKU awaiting mapping in all.", "{n} SKUs awaiting mapping in all.", blocked)))


def _ticket(error: WalmartError) -> Text | str:
    return lazy("(correlation ID {id})", id=error.call.correlation_id) if error.call.correlation_id else ""


def _refusal(error: WalmartError) -> Text | None:
    """The finding for a refusal about the keys or their permissions; None for any other failure."""
    if error.kind == ErrorKind.forbidden:
        return join(lazy("Walmart would not share this store's orders: its key does not have the Orders permission."), _ticket(error),
                    lazy("Ask the seller to turn on the Orders permission (view only is enough) for this key in Walmart's Developer "
                         "Portal, or to approve order access when connecting the store again. Then read the orders again."))
    if error.kind == ErrorKind.credentials_refused:
        return join(lazy("Walmart refused this store's keys when reading its orders: the keys no longer work, or they lack the "
                         "Orders permission."), _ticket(error),
                    lazy("Open Store authorization and press Check now: it says which. If the keys are fine, ask the seller to turn "
                         "on the Orders permission (view only is enough) for this key, then read the orders again."))
    return None


def _unavailable(error: WalmartError) -> OrdersUnavailable:
    ticket = str(_ticket(error))
    if error.kind == ErrorKind.rate_limited:
        when = f"{error.retry_at:%H:%M:%S} UTC" if error.retry_at else None
        return OrdersUnavailable(str(join(lazy("Walmart is limiting requests for this store's keys."), ticket)),
                                 str(lazy("Try again after {time}.", time=when) if when else lazy("Read the orders again in a few minutes.")))
    return OrdersUnavailable(str(join(lazy("The store's orders could not be read: {reason}", reason=error.message), ticket)),
                             str(lazy("Try again in a few minutes. If it keeps failing, check the store on the Store authorization page.")))


def _stopped(pages: OrderPages) -> Text | None:
    """Why a read that got pages stopped early, in plain words; None when it reached Walmart's last page."""
    read = lazy_ngettext("{n} order was read and kept; orders already stored were kept too.",
                         "{n} orders were read and kept; orders already stored were kept too.", pages.orders)
    if pages.stop is None:
        return None
    if pages.stop == Stop.throttled:
        if pages.retry_at is not None:
            when = pages.retry_at.strftime("%H:%M:%S")
            return join(lazy("Walmart limited requests for this store's keys before the last page."), read,
                        lazy("Read the orders again after {time} UTC to get the rest.", time=when))
        return join(lazy("Walmart limited requests for this store's keys before the last page."), read,
                    lazy("Read the orders again in a few minutes to get the rest."))
    if pages.stop == Stop.capped:
        return join(lazy("The read stopped at {most} orders, the most read at once.", most=pages.orders), read,
                    lazy("Read fewer days to see every order of that period."))
    if pages.stop == Stop.deadline:
        return join(lazy("Walmart took too long to send every page, so the read was stopped."), read,
                    lazy("Read the orders again in a few minutes."))
    if pages.stop == Stop.looping:
        return join(lazy("Walmart kept sending pages already read, so the read was stopped."), read,
                    lazy("Read the orders again later; if it happens again, report it with the time of the read."))
    reason = pages.error.message if pages.error is not None else ""
    return join(lazy("A later page of orders could not be read: {reason}", reason=reason), read,
                lazy("Read the orders again in a few minutes."))
