"""Status-change events and their webhook alerts.

An event is recorded when a store leaves `authorized`, loses a permission or
recovers. Alerts go out on change only; the same alert for the same store is
not sent again within the re-notify interval, and a store that stays broken is
reminded about once per interval. A failing webhook never fails a check.

An event's detail is kept untranslated (core.i18n.dumps), so the store's page shows it in its reader's language.
A webhook has no reader at hand: its text is written in the server's default language (STORE_CONNECT_LANGUAGE),
the one the team chose for everything not tied to a person's session, so every alert in a channel reads alike
whichever page or command happened to deliver it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

from core.authorization.outcome import Status
from core.config import Settings
from core.db.models import StatusEvent, Store, StoreHealth, saved_id, utc_now
from core.i18n import N_, _, dumps, lazy, use_language
from core.redaction import HIDDEN, outside_text, url_host
from core.walmart.wire import CONNECT_TIMEOUT, Deadline, DeadlinePassed, network_settings, new_session, watched

log = logging.getLogger(__name__)
Transaction = Callable[[], AbstractContextManager[Session]]  # e.g. Runtime.transaction
Post = Callable[..., requests.Response]
MAX_DELIVERY_ATTEMPTS = 3
WEBHOOK_TIMEOUT = 5  # seconds for one delivery in all: connecting, sending, the receiver's status and headers
DELIVERY_ERROR_LIMIT = 200  # characters kept of why a delivery failed
CLAIM_LAPSES_AFTER = timedelta(minutes=5)  # an event still `sending` this long after its claim: its deliverer died

TEXT = {
    "lost_authorization": N_("{store}: authorization lost ({to}). {detail}"),
    "lost_permission": N_("{store}: permission lost. {detail}"),
    "recovered": N_("{store}: authorized again."),
    "still_failing": N_("{store}: still not authorized ({to}) since {since}. {detail}"),
    "orders_blocked": N_("{store}: orders awaiting mapping. {detail}"),  # recorded by core.orders (SKUs newly blocked)
}

STATUS_KINDS = ("lost_authorization", "lost_permission", "recovered", "still_failing")


@dataclass(frozen=True)
class AlertPolicy:
    renotify: timedelta
    webhook: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertPolicy:
        return cls(timedelta(hours=settings.alert_renotify_hours), bool(settings.alert_webhook_url))


def change_event(previous: StoreHealth | None, status: str, missing: list[str], summary: str) -> tuple[str, str] | None:
    """The event (kind, detail) that going from `previous` to `status` means, if any."""
    if previous is None:
        return None  # a first check is not a change
    before_missing = set(json.loads(previous.missing_json or "[]"))
    if previous.status == Status.authorized and status != Status.authorized:
        return ("lost_permission", summary) if status == Status.missing_permissions else ("lost_authorization", summary)
    if previous.status != Status.authorized and status == Status.authorized:
        return "recovered", ""
    newly_missing = sorted(set(missing) - before_missing)
    if status == Status.missing_permissions and previous.status == Status.missing_permissions and newly_missing:
        return "lost_permission", dumps(lazy("Newly missing: {scopes}", scopes=", ".join(newly_missing)))
    return None


def record_change(session: Session, store_id: int, previous: StoreHealth | None, health: StoreHealth, now: datetime, renotify: timedelta, webhook: bool) -> StatusEvent | None:
    """Record the event this check caused, deciding whether it should be delivered."""
    change = change_event(previous, health.status, json.loads(health.missing_json or "[]"), health.summary)
    if change is None:
        if health.status == Status.authorized or not _reminder_due(session, store_id, now, renotify):
            return None
        change = ("still_failing", health.summary)
    kind, detail = change
    delivery = "pending" if webhook else "off"
    if webhook and kind != "still_failing" and _sent_recently(session, store_id, kind, now, renotify):
        delivery = "suppressed"
    event = StatusEvent(store_id=store_id, at=now, kind=kind, from_status=previous.status if previous else "", to_status=health.status, detail=detail, delivery=delivery)
    session.add(event)
    session.flush()
    return event


def record_event(session: Session, store_id: int, kind: str, detail: str, now: datetime, policy: AlertPolicy) -> StatusEvent:
    """Record an event that is not a status change (a kind of TEXT, such as `orders_blocked`), in the caller's
    transaction, with the same delivery rules: `off` without a webhook, `suppressed` when the same kind of alert
    for the store went out within the re-notify interval, else `pending` for deliver_pending after commit."""
    delivery = "pending" if policy.webhook else "off"
    if policy.webhook and _sent_recently(session, store_id, kind, now, policy.renotify):
        delivery = "suppressed"
    event = StatusEvent(store_id=store_id, at=now, kind=kind, from_status="", to_status="", detail=detail, delivery=delivery)
    session.add(event)
    session.flush()
    return event


def _last_event(session: Session, store_id: int, kind: str | None = None) -> StatusEvent | None:
    """The store's last event of `kind`, or its last status event (events such as orders_blocked say nothing of its status)."""
    query = select(StatusEvent).where(StatusEvent.store_id == store_id)
    query = query.where(StatusEvent.kind == kind) if kind else query.where(col(StatusEvent.kind).in_(STATUS_KINDS))
    return session.exec(query.order_by(col(StatusEvent.at).desc(), col(StatusEvent.id).desc()).limit(1)).first()


def _sent_recently(session: Session, store_id: int, kind: str, now: datetime, renotify: timedelta) -> bool:
    last = _last_event(session, store_id, kind)
    return last is not None and last.delivery in ("sent", "sending", "pending") and now - last.at < renotify


def _reminder_due(session: Session, store_id: int, now: datetime, renotify: timedelta) -> bool:
    last = _last_event(session, store_id)
    return last is not None and last.kind != "recovered" and now - last.at >= renotify


def message(event: StatusEvent, store_name: str, failing_since: datetime | None = None) -> str:
    since = f"{failing_since:%Y-%m-%d %H:%M} UTC" if failing_since else _("a while")
    return _(TEXT[event.kind], store=store_name, to=event.to_status, detail=event.detail, since=since).strip()


@dataclass(frozen=True)
class _Delivery:
    event_id: int
    store_name: str
    payload: dict[str, Any]
    unclaimed: str  # the state it goes back to when it is not tried after all


def post_within_deadline(url: str, *, json: dict[str, Any], timeout: float) -> requests.Response:
    """POST `json` to a webhook receiver with one deadline for the whole exchange (requests' own timeout bounds
    each read, so a receiver dripping its answer could hold a check for ever). Redirects are not followed (the
    alert goes to the configured address or nowhere) and the answer's body is never read: its status is all
    that counts. The environment's proxy and CA bundle are used, as requests would; ~/.netrc is not."""
    deadline = Deadline(timeout)
    network = network_settings(url, use_environment=True)
    with new_session(pool_size=1) as session:
        try:
            with watched(deadline):
                response = session.post(url, json=json, timeout=(min(CONNECT_TIMEOUT, timeout), timeout), allow_redirects=False,
                                        stream=True, proxies=network.proxies, verify=network.verify)
                response.close()
        except DeadlinePassed:
            raise TimeoutError(f"the receiver did not answer within {timeout:g} seconds") from None
    return response


def deliver_pending(transaction: Transaction, webhook_url: str | None, post: Post = post_within_deadline) -> dict[str, int]:
    """POST every undelivered event, after the transaction that recorded it has committed.

    Events are claimed in one short transaction (a guarded attempt count, so two deliverers
    never both send one), posted with no transaction open, and the results written in another.
    Failures are kept for the next run, up to a limit. Once the receiver lets a delivery run out
    of time, the rest wait for the next run with their attempt given back: a receiver that hangs
    costs one WEBHOOK_TIMEOUT per run, not one per event.
    """
    counts = {"sent": 0, "failed": 0}
    if not webhook_url:
        return counts
    with use_language(None), transaction() as session:  # the server's default language: see the module docstring
        deliveries = _claim(session)
    results: list[tuple[_Delivery, str | None]] = []
    waiting: list[_Delivery] = []
    hanging = False
    for delivery in deliveries:
        if hanging:
            waiting.append(delivery)
            continue
        try:
            response = post(webhook_url, json=delivery.payload, timeout=WEBHOOK_TIMEOUT)
            if response.status_code >= 300:
                raise RuntimeError(f"HTTP {response.status_code}")
        except Exception as exc:  # any failure of the receiver is only recorded
            hanging = isinstance(exc, TimeoutError)
            error = delivery_error(exc, webhook_url)
            counts["failed"] += 1
            log.warning("alert webhook to %s failed for store %s: %s", url_host(webhook_url), delivery.store_name, error)
            results.append((delivery, error))
        else:
            counts["sent"] += 1
            results.append((delivery, None))
    if results or waiting:
        with transaction() as session:
            for delivery, failure in results:
                event = session.get(StatusEvent, delivery.event_id)
                if event is None:  # pruned or its store deleted meanwhile
                    continue
                if failure is None:
                    event.delivery, event.delivered_at, event.delivery_error = "sent", utc_now(), None
                else:
                    event.delivery, event.delivered_at, event.delivery_error = "failed", None, failure
                session.add(event)
            for delivery in waiting:  # not tried: the claim is given back, its attempt too
                session.exec(update(StatusEvent).where(col(StatusEvent.id) == delivery.event_id, col(StatusEvent.delivery) == "sending",
                                                       col(StatusEvent.delivery_attempts) > 0)
                             .values(delivery=delivery.unclaimed, delivered_at=None, delivery_attempts=StatusEvent.delivery_attempts - 1))
    return counts


def delivery_error(exc: BaseException, webhook_url: str) -> str:
    """Why a delivery failed, fit to store and show: the address only as its host (its path and query often
    hold the webhook's token), anything credential-shaped hidden, cut to DELIVERY_ERROR_LIMIT."""
    host = url_host(webhook_url)
    text = str(exc)
    forms = _address_forms(webhook_url)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, host if form == webhook_url else HIDDEN)
    # What is left of the token-bearing parts goes too, in any form; the host stays readable.
    return outside_text(f"{type(exc).__name__}: {text}", [form for form in forms if not host or host not in form], DELIVERY_ERROR_LIMIT)


def _address_forms(url: str) -> set[str]:
    """The parts of a webhook address that may appear in an error text and may hold its token."""
    parts = urlsplit(url)
    forms = {url, url.split("://", 1)[-1], parts.path, parts.query, f"{parts.path}?{parts.query}", parts.username or "", parts.password or ""}
    forms |= {segment for segment in parts.path.split("/") if len(segment) >= 6}
    forms |= {value for _name, value in parse_qsl(parts.query) if len(value) >= 6}
    return {form for form in forms if len(form) >= 4 and form not in ("/", "?")}


def _claim(session: Session) -> list[_Delivery]:
    """Claim every event to deliver: pending, failed (retried), or left `sending` by a deliverer that died.
    A claim marks the event `sending` (delivered_at holds when it was claimed) with a guarded update, so
    a second deliverer running at the same time neither claims it nor sends it again."""
    now = utc_now()
    lapsed = (col(StatusEvent.delivery) == "sending") & (col(StatusEvent.delivered_at) < now - CLAIM_LAPSES_AFTER)
    query = (
        select(StatusEvent, Store.name, StoreHealth.failing_since)
        .join(Store, col(Store.id) == col(StatusEvent.store_id))
        .join(StoreHealth, col(StoreHealth.store_id) == col(StatusEvent.store_id), isouter=True)
        .where(col(StatusEvent.delivery).in_(("pending", "failed")) | lapsed, StatusEvent.delivery_attempts < MAX_DELIVERY_ATTEMPTS)
        .order_by(col(StatusEvent.id))
    )
    claimed: list[_Delivery] = []
    for event, name, since in session.exec(query).all():
        attempts, state = event.delivery_attempts, event.delivery
        won = session.exec(
            update(StatusEvent).where(col(StatusEvent.id) == event.id, col(StatusEvent.delivery_attempts) == attempts,
                                      col(StatusEvent.delivery) == state)
            .values(delivery_attempts=attempts + 1, delivery="sending", delivered_at=now)
        ).rowcount
        if not won:
            continue  # another deliverer claimed it first
        payload = {"text": message(event, name, since), "store": name, "event": event.kind, "from_status": event.from_status,
                   "to_status": event.to_status, "detail": event.detail, "at": event.at.isoformat()}
        claimed.append(_Delivery(saved_id(event), name, payload, "pending" if state == "sending" else state))
    return claimed


def recent_events(session: Session, store_id: int | None = None, limit: int = 100) -> list[tuple[StatusEvent, str]]:
    query = select(StatusEvent, Store.name).join(Store, col(Store.id) == col(StatusEvent.store_id))
    if store_id is not None:
        query = query.where(StatusEvent.store_id == store_id)
    return list(session.exec(query.order_by(col(StatusEvent.at).desc(), col(StatusEvent.id).desc()).limit(limit)).all())


def count_events(session: Session, store_search: str = "") -> int:
    """How many status changes are recorded for stores whose name contains `store_search` (any letter case)."""
    query = select(func.count()).select_from(StatusEvent).join(Store, col(Store.id) == col(StatusEvent.store_id))
    return session.exec(query.where(*_store_named(store_search))).one()


def find_events(session: Session, store_search: str = "", *, offset: int = 0, limit: int = 50) -> list[tuple[StatusEvent, str]]:
    """One page of status changes, newest first, for stores whose name contains `store_search` (any letter case)."""
    query = select(StatusEvent, Store.name).join(Store, col(Store.id) == col(StatusEvent.store_id)).where(*_store_named(store_search))
    ordered = query.order_by(col(StatusEvent.at).desc(), col(StatusEvent.id).desc())
    return list(session.exec(ordered.offset(max(offset, 0)).limit(max(limit, 1))).all())


def _store_named(store_search: str) -> list[ColumnElement[bool]]:
    wanted = store_search.strip().lower()
    return [func.lower(Store.name).contains(wanted)] if wanted else []
