"""Reading fleet health: the filtered, paginated store table, counts, timelines, the fleet
chart and deadlines. Everything here is a query; nothing is written."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, or_
from sqlmodel import Session, select

from core.config import Settings
from core.db.models import AuthorizationCheck, Credential, Store, StoreHealth, utc_now

NEVER_CHECKED = "never_checked"
ATTENTION = ("missing_permissions", "rejected", "wrong_environment", "invalid_input", "reconnect_required")


@dataclass(frozen=True)
class StoreRow:
    id: int
    name: str
    environment: str
    enabled: bool
    status: str
    summary: str
    missing: list[str]
    checked_at: datetime | None
    last_success_at: datetime | None
    failing_since: datetime | None
    token_expires_at: datetime | None
    key_saved_at: datetime | None
    credential_kind: str

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _filtered(query, statuses: list[str] | None, environment: str | None, search: str | None):
    if statuses:
        conditions = [StoreHealth.status.in_([s for s in statuses if s != NEVER_CHECKED])]
        if NEVER_CHECKED in statuses:
            conditions.append(StoreHealth.status.is_(None))
        query = query.where(or_(*conditions))
    if environment:
        query = query.where(Store.environment == environment)
    if search and search.strip():
        query = query.where(func.lower(Store.name).contains(search.strip().lower()))
    return query


def store_table(
    session: Session,
    *,
    statuses: list[str] | None = None,
    environment: str | None = None,
    search: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[StoreRow]:
    """One page of stores with their health, by name."""
    base = select(Store, StoreHealth, Credential).join(StoreHealth, StoreHealth.store_id == Store.id, isouter=True)
    base = base.join(Credential, (Credential.store_id == Store.id) & (Credential.state == "active"), isouter=True)
    base = _filtered(base, statuses, environment, search)
    page = session.exec(base.order_by(func.lower(Store.name), Store.id).offset(offset).limit(limit)).all()
    rows = [
        StoreRow(
            id=store.id,
            name=store.name,
            environment=store.environment,
            enabled=store.enabled,
            status=health.status if health else NEVER_CHECKED,
            summary=health.summary if health else "",
            missing=json.loads(health.missing_json) if health else [],
            checked_at=health.checked_at if health else None,
            last_success_at=health.last_success_at if health else None,
            failing_since=health.failing_since if health else None,
            token_expires_at=health.token_expires_at if health else None,
            key_saved_at=credential.secret_set_at if credential else None,
            credential_kind=credential.kind if credential else "",
        )
        for store, health, credential in page
    ]
    return rows


def count_stores(session: Session, *, statuses: list[str] | None = None, environment: str | None = None, search: str | None = None) -> int:
    query = select(func.count(Store.id)).join(StoreHealth, StoreHealth.store_id == Store.id, isouter=True)
    return session.exec(_filtered(query, statuses, environment, search)).one()


def status_counts(session: Session) -> dict[str, int]:
    """Stores per current status, `never_checked` included; and `total`."""
    query = select(StoreHealth.status, func.count(Store.id)).join(StoreHealth, StoreHealth.store_id == Store.id, isouter=True)
    counts = {status or NEVER_CHECKED: number for status, number in session.exec(query.group_by(StoreHealth.status)).all()}
    counts["total"] = sum(counts.values())
    return counts


@dataclass(frozen=True)
class Segment:
    """A run of consecutive checks with the same status."""

    status: str
    started_at: datetime
    ended_at: datetime  # time of the last check in the run
    checks: int


def timeline(session: Session, store_id: int, limit: int = 2000) -> list[Segment]:
    """The store's history as streaks, newest first."""
    rows = session.exec(
        select(AuthorizationCheck.status, AuthorizationCheck.checked_at)
        .where(AuthorizationCheck.store_id == store_id)
        .order_by(AuthorizationCheck.checked_at.desc(), AuthorizationCheck.id.desc())
        .limit(limit)
    ).all()
    segments: list[Segment] = []
    for status, at in rows:
        if segments and segments[-1].status == status:
            last = segments[-1]
            segments[-1] = Segment(status, at, last.ended_at, last.checks + 1)
        else:
            segments.append(Segment(status, at, at, 1))
    return segments


def fleet_chart(session: Session, days: int = 30, now: datetime | None = None) -> pd.DataFrame:
    """Stores per status per day: each store counted once a day, by its last check that day."""
    since = (now or utc_now()) - timedelta(days=days)
    rows = session.exec(
        select(AuthorizationCheck.store_id, AuthorizationCheck.checked_at, AuthorizationCheck.status).where(AuthorizationCheck.checked_at >= since)
    ).all()
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows, columns=["store_id", "checked_at", "status"])
    frame["day"] = pd.to_datetime(frame["checked_at"], utc=True).dt.tz_localize(None).dt.normalize()
    last = frame.sort_values("checked_at").groupby(["store_id", "day"]).tail(1)
    return last.pivot_table(index="day", columns="status", values="store_id", aggfunc="count", fill_value=0)


@dataclass(frozen=True)
class Deadlines:
    delegated_access_deadline: date
    days_left: int
    stores_on_delegated_keys: int
    keys_older_than_limit: list[tuple[str, int]]  # (store name, age in days)
    key_max_age_days: int
    refresh_tokens_expiring: list[tuple[str, int]]  # OAuth stores: (store name, days left), within the warning window


def deadlines(session: Session, settings: Settings, today: date | None = None) -> Deadlines:
    today = today or utc_now().date()
    rows = session.exec(
        select(Store.name, Credential.kind, Credential.secret_set_at, Credential.secret_expires_at)
        .join(Credential, (Credential.store_id == Store.id) & (Credential.state == "active"))
    ).all()
    old = sorted(
        ((name, (today - saved.date()).days) for name, kind, saved, _ in rows
         if kind == "delegated_key" and (today - saved.date()).days > settings.key_max_age_days),
        key=lambda item: -item[1],
    )
    expiring = sorted(
        ((name, (expires.date() - today).days) for name, kind, _, expires in rows
         if kind == "oauth_seller" and expires and (expires.date() - today).days <= settings.refresh_token_warn_days),
        key=lambda item: item[1],
    )
    return Deadlines(
        delegated_access_deadline=settings.delegated_access_deadline,
        days_left=(settings.delegated_access_deadline - today).days,
        stores_on_delegated_keys=sum(1 for _, kind, _, _ in rows if kind == "delegated_key"),
        keys_older_than_limit=old,
        key_max_age_days=settings.key_max_age_days,
        refresh_tokens_expiring=expiring,
    )
