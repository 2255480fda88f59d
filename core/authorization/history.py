"""Check history and current health: recording an Outcome, and every read of it (the filtered,
paginated store table, counts, timelines, the fleet chart, deadlines) and retention."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from core.authorization.alerts import AlertPolicy, record_change
from core.authorization.outcome import ATTENTION, HealthState, Outcome, Status
from core.authorization.scopes import ScopeDict
from core.config import Settings
from core.db.models import AuthorizationCheck, Credential, CredentialKind, CredentialState, StatusEvent, Store, StoreHealth, saved_id, utc_now
from core.i18n import dumps
from core.stores.credential import delegated_keys_days_left, refresh_token_days_left, refresh_token_expiring

if TYPE_CHECKING:  # pandas is loaded by the one function that uses it (the fleet chart), not by every command
    import pandas as pd


def record(session: Session, store_id: int, outcome: Outcome, alerts: AlertPolicy | None = None) -> AuthorizationCheck:
    """Keep the outcome in the history and as the store's current health; note a status change."""
    scopes_json = json.dumps([row.to_dict() for row in outcome.scopes])
    missing_json = json.dumps([row.scope for row in outcome.missing])
    row = AuthorizationCheck(
        store_id=store_id,
        checked_at=outcome.checked_at,
        environment=outcome.environment,
        status=str(outcome.status),
        summary=dumps(outcome.summary_text),  # read back in the reader's language (core.db.models.stored_text)
        http_status=outcome.http_status,
        walmart_code=outcome.walmart_code,
        correlation_ids=" ".join(outcome.correlation_ids),
        token_expires_at=outcome.token_expires_at,
        retry_at=outcome.retry_at,
        scopes_json=scopes_json,
        missing_json=missing_json,
        findings_json=json.dumps([finding.to_dict() for finding in outcome.findings]),
        duration_ms=outcome.duration_ms,
    )
    session.add(row)
    health = session.get(StoreHealth, store_id)
    previous = StoreHealth.model_validate(health.model_dump()) if health else None
    health = health or StoreHealth(store_id=store_id, status="", checked_at=outcome.checked_at)
    authorized = outcome.status == Status.authorized
    if authorized:
        health.failing_since = None
        health.last_success_at = outcome.checked_at
    elif health.status in ("", Status.authorized) or health.failing_since is None:
        health.failing_since = outcome.checked_at
    health.status = str(outcome.status)
    health.summary = row.summary
    health.checked_at = outcome.checked_at
    health.http_status = outcome.http_status
    health.walmart_code = outcome.walmart_code
    health.correlation_ids = row.correlation_ids
    health.token_expires_at = outcome.token_expires_at
    health.retry_at = outcome.retry_at
    health.scopes_json = scopes_json
    health.missing_json = missing_json
    session.add(health)
    session.flush()
    if alerts is not None:
        record_change(session, store_id, previous, health, outcome.checked_at, alerts.renotify, alerts.webhook)
    return row


def recent_checks(session: Session, store_id: int, limit: int = 50) -> list[AuthorizationCheck]:
    query = select(AuthorizationCheck).where(AuthorizationCheck.store_id == store_id)
    return list(session.exec(query.order_by(col(AuthorizationCheck.checked_at).desc(), col(AuthorizationCheck.id).desc()).limit(limit)).all())


@dataclass(frozen=True)
class Health:
    """A store's current health for pages and the CLI; `never_checked` until its first check."""

    row: StoreHealth | None

    @property
    def status(self) -> HealthState:
        return HealthState(self.row.status) if self.row else HealthState.never_checked

    @property
    def missing(self) -> list[str]:
        return json.loads(self.row.missing_json) if self.row else []

    @property
    def scopes(self) -> list[ScopeDict]:
        scopes: list[ScopeDict] = json.loads(self.row.scopes_json) if self.row else []
        return scopes

    @property
    def summary(self) -> str:
        return self.row.summary if self.row else ""

    @property
    def correlation_ids(self) -> str:
        return self.row.correlation_ids if self.row else ""

    @property
    def checked_at(self) -> datetime | None:
        return self.row.checked_at if self.row else None

    @property
    def last_success_at(self) -> datetime | None:
        return self.row.last_success_at if self.row else None

    @property
    def failing_since(self) -> datetime | None:
        return self.row.failing_since if self.row else None


def store_health(session: Session, store_id: int) -> Health:
    """One store's current health: `never_checked` before its first check."""
    return Health(session.get(StoreHealth, store_id))


def health_by_store(session: Session, store_ids: list[int] | None = None) -> dict[int, Health]:
    query = select(StoreHealth)
    if store_ids is not None:
        query = query.where(col(StoreHealth.store_id).in_(store_ids))
    return {row.store_id: Health(row) for row in session.exec(query).all()}



@dataclass(frozen=True)
class StoreRow:
    id: int
    name: str
    environment: str
    enabled: bool
    status: HealthState
    summary: str
    missing: list[str]
    checked_at: datetime | None
    last_success_at: datetime | None
    failing_since: datetime | None
    token_expires_at: datetime | None
    key_saved_at: datetime | None
    credential_kind: str

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


_Query = TypeVar("_Query", Select[Store, StoreHealth, Credential], SelectOfScalar[int])


def _filtered(query: _Query, statuses: list[HealthState] | None, environment: str | None, search: str | None, disabled: bool = False) -> _Query:
    """Statuses are those of enabled stores (a disabled store is shown as Disabled, not by its last check);
    `disabled` adds the disabled stores. Neither: every store."""
    if statuses or disabled:
        conditions: list[ColumnElement[bool]] = []
        if statuses:
            health: list[ColumnElement[bool]] = [col(StoreHealth.status).in_([s for s in statuses if s != HealthState.never_checked])]
            if HealthState.never_checked in statuses:
                health.append(col(StoreHealth.status).is_(None))
            conditions.append(and_(col(Store.enabled).is_(True), or_(*health)))
        if disabled:
            conditions.append(col(Store.enabled).is_(False))
        query = query.where(or_(*conditions))
    if environment:
        query = query.where(Store.environment == environment)
    if search and search.strip():
        query = query.where(func.lower(Store.name).contains(search.strip().lower()))
    return query


def store_table(
    session: Session,
    *,
    statuses: list[HealthState] | None = None,
    environment: str | None = None,
    search: str | None = None,
    disabled: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> list[StoreRow]:
    """One page of stores with their health, by name."""
    base = select(Store, StoreHealth, Credential).join(StoreHealth, col(StoreHealth.store_id) == col(Store.id), isouter=True)
    base = base.join(Credential, (col(Credential.store_id) == col(Store.id)) & (col(Credential.state) == CredentialState.active), isouter=True)
    base = _filtered(base, statuses, environment, search, disabled)
    page = session.exec(base.order_by(func.lower(Store.name), col(Store.id)).offset(offset).limit(limit)).all()
    rows = [
        StoreRow(
            id=saved_id(store),
            name=store.name,
            environment=store.environment,
            enabled=store.enabled,
            status=HealthState(health.status) if health else HealthState.never_checked,
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


def count_stores(session: Session, *, statuses: list[HealthState] | None = None, environment: str | None = None, search: str | None = None,
                 disabled: bool = False) -> int:
    query = select(func.count(col(Store.id))).join(StoreHealth, col(StoreHealth.store_id) == col(Store.id), isouter=True)
    return session.exec(_filtered(query, statuses, environment, search, disabled)).one()


@dataclass(frozen=True)
class StatusCounts:
    """How many enabled stores are in each health state (a state no store is in counts 0), and how many
    stores are disabled: a disabled store is not checked, so it counts in no health state."""

    stores: dict[HealthState, int]
    disabled: int = 0

    def __getitem__(self, state: HealthState) -> int:
        return self.stores.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.stores.values()) + self.disabled

    @property
    def needing_attention(self) -> int:
        return sum(self[HealthState.of(status)] for status in ATTENTION)


def status_counts(session: Session) -> StatusCounts:
    """Enabled stores per current health state, `never_checked` included, and the disabled stores."""
    query = (select(StoreHealth.status, col(Store.enabled), func.count(col(Store.id)))
             .join(StoreHealth, col(StoreHealth.store_id) == col(Store.id), isouter=True))
    counts: dict[HealthState, int] = {}
    disabled = 0
    for status, enabled, number in session.exec(query.group_by(StoreHealth.status, col(Store.enabled))).all():
        if not enabled:
            disabled += number
            continue
        state = HealthState(status) if status else HealthState.never_checked
        counts[state] = counts.get(state, 0) + number
    return StatusCounts(counts, disabled)


@dataclass(frozen=True)
class Segment:
    """A run of consecutive checks with the same status."""

    status: Status
    started_at: datetime
    ended_at: datetime  # time of the last check in the run
    checks: int


def timeline(session: Session, store_id: int, limit: int = 2000) -> list[Segment]:
    """The store's history as streaks, newest first."""
    rows = session.exec(
        select(AuthorizationCheck.status, AuthorizationCheck.checked_at)
        .where(AuthorizationCheck.store_id == store_id)
        .order_by(col(AuthorizationCheck.checked_at).desc(), col(AuthorizationCheck.id).desc())
        .limit(limit)
    ).all()
    segments: list[Segment] = []
    for value, at in rows:
        status = Status(value)
        if segments and segments[-1].status == status:
            last = segments[-1]
            segments[-1] = Segment(status, at, last.ended_at, last.checks + 1)
        else:
            segments.append(Segment(status, at, at, 1))
    return segments


def fleet_chart(session: Session, days: int = 30, now: datetime | None = None) -> pd.DataFrame:
    """Stores per status per day: each store counted once a day, by its last check that day."""
    import pandas as pd

    since = (now or utc_now()) - timedelta(days=days)
    check = AuthorizationCheck
    # The day from the database and the rows in time order: no datetime made per row (most of the time for thousands).
    rows = session.execute(
        select(col(check.store_id), func.date(col(check.checked_at)), col(check.status)).where(col(check.checked_at) >= since)
        .order_by(col(check.store_id), col(check.checked_at), col(check.id))
    ).all()
    if not rows:
        return pd.DataFrame()
    store_ids, checked_days, statuses = zip(*rows)
    frame = pd.DataFrame({"store_id": store_ids, "day": pd.to_datetime(pd.Series(checked_days, dtype=object).astype(str)), "status": statuses})
    last = frame.drop_duplicates(["store_id", "day"], keep="last")  # each store's last check of each day (the newest row on a tie)
    return last.groupby(["day", "status"]).size().unstack(fill_value=0)


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
        .join(Credential, (col(Credential.store_id) == col(Store.id)) & (col(Credential.state) == CredentialState.active))
    ).all()
    old = sorted(
        ((name, (today - saved.date()).days) for name, kind, saved, _ in rows
         if kind == CredentialKind.delegated_key and (today - saved.date()).days > settings.key_max_age_days),
        key=lambda item: -item[1],
    )
    expiring = sorted(
        ((name, days) for name, kind, _, expires in rows
         if kind == CredentialKind.oauth_seller and refresh_token_expiring(expires, today, settings.refresh_token_warn_days)
         and (days := refresh_token_days_left(expires, today)) is not None),
        key=lambda item: item[1],
    )
    return Deadlines(
        delegated_access_deadline=settings.delegated_access_deadline,
        days_left=delegated_keys_days_left(settings.delegated_access_deadline, today),
        stores_on_delegated_keys=sum(1 for _, kind, _, _ in rows if kind == CredentialKind.delegated_key),
        keys_older_than_limit=old,
        key_max_age_days=settings.key_max_age_days,
        refresh_tokens_expiring=expiring,
    )


def prune_history(session: Session, retention_days: int) -> int:
    """Delete checks and events older than the retention; the current health is kept apart."""
    cutoff = utc_now() - timedelta(days=retention_days)
    removed = session.exec(delete(AuthorizationCheck).where(col(AuthorizationCheck.checked_at) < cutoff)).rowcount or 0
    session.exec(delete(StatusEvent).where(col(StatusEvent.at) < cutoff))
    return removed
