"""Which stores need a Connect, and why: for the Connect page (searched and paged in the database, so
thousands of stores cost one page of rows) and `python -m core oauth status`.

A US store needs one when it has no credential, is still on delegated keys, has a new grant waiting,
or is on OAuth and its grant fails (Walmart refused or revoked it) or its refresh token has run out or
soon will. Stores outside the US keep their delegated keys (Walmart documents no OAuth there).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.authorization.outcome import HealthState, Status
from core.db.models import Credential, CredentialKind, CredentialState, Market, Store, StoreHealth, saved_id, utc_now
from core.stores.credential import refresh_token_days_left

# Health states of an OAuth store that a new grant can cure: Walmart refused or revoked the grant.
GRANT_FAILING = (Status.reconnect_required, Status.rejected)


class ConnectNeed(StrEnum):
    """Why a store is on the Connect page's list, most urgent first; `none` when it needs nothing."""

    reconnect = "reconnect"  # on OAuth, and Walmart refuses or revoked the grant
    expired = "expired"  # on OAuth, and the refresh token ran out
    expiring = "expiring"  # on OAuth, and the refresh token runs out within REFRESH_TOKEN_WARN_DAYS
    waiting = "waiting"  # a new grant waits for verification or for the switch off delegated keys
    delegated_keys = "delegated_keys"  # still on delegated keys: move it before they stop
    no_credential = "no_credential"
    none = "none"


@dataclass(frozen=True)
class ConnectRow:
    store_id: int
    name: str
    environment: str
    kind: str  # the active credential's kind, "" for none
    need: ConnectNeed
    pending: bool
    pending_verified: bool
    seller_id: str | None
    refresh_expires_at: datetime | None
    days_left: int | None  # of the refresh token; None unless on OAuth, and None for a grant Walmart refuses (revoked)
    health: HealthState
    summary: str  # the last check's summary: why a failing grant fails


_Active = aliased(Credential)
_Pending = aliased(Credential)


def _warn_until(today: date, warn_days: int) -> datetime:
    """Refresh tokens expiring before this moment are within the warning window (refresh_token_expiring's rule)."""
    return datetime.combine(today + timedelta(days=warn_days + 1), time.min, tzinfo=timezone.utc)


def _needs_connect(warn_until: datetime) -> ColumnElement[bool]:
    on_oauth = col(_Active.kind) == CredentialKind.oauth_seller
    failing = col(StoreHealth.status).in_([str(status) for status in GRANT_FAILING])
    return or_(
        col(_Active.id).is_(None),
        col(_Active.kind) == CredentialKind.delegated_key,
        col(_Pending.id).is_not(None),
        and_(on_oauth, or_(failing, col(_Active.secret_expires_at) < warn_until)),
    )


def _joined(query, search: str | None):  # type: ignore[no-untyped-def]  # SQLModel's select overloads cannot name an aliased entity's row type
    query = (query
             .join(_Active, (col(_Active.store_id) == col(Store.id)) & (col(_Active.state) == CredentialState.active), isouter=True)
             .join(_Pending, (col(_Pending.store_id) == col(Store.id)) & (col(_Pending.state) == CredentialState.pending), isouter=True)
             .join(StoreHealth, col(StoreHealth.store_id) == col(Store.id), isouter=True)
             .where(Store.market == Market.us))
    if search and search.strip():
        query = query.where(func.lower(Store.name).contains(search.strip().lower()))
    return query


def need_of(kind: str, pending: bool, health: HealthState, expires_at: datetime | None, today: date, warn_days: int) -> ConnectNeed:
    """Why one store needs a Connect (the same rule as the database filter, row by row)."""
    days = refresh_token_days_left(expires_at, today) if kind == CredentialKind.oauth_seller else None
    if kind == CredentialKind.oauth_seller and health.value in GRANT_FAILING:
        return ConnectNeed.reconnect
    if days is not None and days < 0:
        return ConnectNeed.expired
    if days is not None and days <= warn_days:
        return ConnectNeed.expiring
    if pending:
        return ConnectNeed.waiting
    if kind == CredentialKind.delegated_key:
        return ConnectNeed.delegated_keys
    if not kind:
        return ConnectNeed.no_credential
    return ConnectNeed.none


def connect_rows(session: Session, *, warn_days: int, search: str | None = None, needing_only: bool = True,
                 offset: int = 0, limit: int = 20, today: date | None = None, store_id: int | None = None) -> tuple[list[ConnectRow], int]:
    """One page of US stores by name (those needing a Connect, or all), and how many match. `store_id`: that store only."""
    today = today or utc_now().date()
    needing = _needs_connect(_warn_until(today, warn_days))
    rows_query = _joined(select(Store, _Active, _Pending, StoreHealth), search)
    count_query = _joined(select(func.count(col(Store.id))), search)
    if needing_only:
        rows_query, count_query = rows_query.where(needing), count_query.where(needing)
    if store_id is not None:
        rows_query, count_query = rows_query.where(col(Store.id) == store_id), count_query.where(col(Store.id) == store_id)
    total = session.exec(count_query).one()
    if limit <= 0:
        return [], total
    page = session.exec(rows_query.order_by(func.lower(Store.name), col(Store.id)).offset(offset).limit(limit)).all()
    rows = []
    for store, active, pending, health_row in page:
        kind = active.kind if active else ""
        health = HealthState(health_row.status) if health_row else HealthState.never_checked
        expires = active.secret_expires_at if active else None
        need = need_of(kind, pending is not None, health, expires, today, warn_days)
        # A revoked grant's refresh token has a date that would suggest all is well: it has no days left to show.
        days_left = refresh_token_days_left(expires, today) if kind == CredentialKind.oauth_seller and need != ConnectNeed.reconnect else None
        rows.append(ConnectRow(
            store_id=saved_id(store), name=store.name, environment=store.environment, kind=kind, need=need,
            pending=pending is not None, pending_verified=bool(pending and pending.verified_at),
            seller_id=(active.seller_id if active else None) or (pending.seller_id if pending else None),
            refresh_expires_at=expires, days_left=days_left,
            health=health, summary=health_row.summary if health_row else "",
        ))
    return rows, total


def connect_row(session: Session, store_id: int, *, warn_days: int) -> ConnectRow | None:
    """One store's row (None outside the US, where stores are not connected this way)."""
    rows, _total = connect_rows(session, warn_days=warn_days, needing_only=False, store_id=store_id, limit=1)
    return rows[0] if rows else None


@dataclass(frozen=True)
class ConnectCounts:
    on_delegated_keys: int  # US stores
    on_oauth: int
    needing_connect: int  # US stores on the Connect page's default list
    outside_us: int  # keep their delegated keys


def connect_counts(session: Session, *, warn_days: int, today: date | None = None) -> ConnectCounts:
    today = today or utc_now().date()
    needing = _needs_connect(_warn_until(today, warn_days))
    us = _joined(select(
        func.count(col(Store.id)),
        func.coalesce(func.sum(case((col(_Active.kind) == CredentialKind.delegated_key, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(_Active.kind) == CredentialKind.oauth_seller, 1), else_=0)), 0),
        func.coalesce(func.sum(case((needing, 1), else_=0)), 0),
    ), None)
    _, delegated, oauth, needing_count = session.exec(us).one()
    outside = session.exec(select(func.count(col(Store.id))).where(Store.market != Market.us)).one()
    return ConnectCounts(int(delegated), int(oauth), int(needing_count), int(outside))


# --- the whole move off delegated keys (CLI) ------------------------------------------------


@dataclass(frozen=True)
class MigrationRow:
    store_id: int
    name: str
    market: str
    kind: str  # the active credential's kind
    pending: bool
    pending_verified: bool
    refresh_expires_at: datetime | None


def migration_overview(session: Session) -> list[MigrationRow]:
    stores = session.exec(select(Store).order_by(Store.name)).all()
    creds = session.exec(select(Credential).where(Credential.state != CredentialState.retired)).all()
    by_store: dict[int, dict[str, Credential]] = {}
    for credential in creds:
        by_store.setdefault(credential.store_id, {})[credential.state] = credential
    rows = []
    for store in stores:
        store_id = saved_id(store)
        active, pending = by_store.get(store_id, {}).get(CredentialState.active), by_store.get(store_id, {}).get(CredentialState.pending)
        rows.append(MigrationRow(store_id, store.name, store.market, active.kind if active else "", pending is not None,
                                 bool(pending and pending.verified_at), active.secret_expires_at if active else None))
    return rows
