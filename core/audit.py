"""Appending to and reading the audit trail."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from sqlmodel import Session, col, select

from core.access import Actor
from core.db.bulk import insert_many
from core.db.models.audit import AuditEntry
from core.db.models.base import table_of, utc_now
from core.spreadsheets.writers import write_csv

# The export's columns: machine-readable names, never translated.
CSV_HEADER = ("at", "actor", "via", "action", "store", "subject", "before", "after", "detail")


def append(
    session: Session,
    actor: Actor,
    action: str,
    *,
    store_id: int | None = None,
    store_name: str = "",
    subject: str = "",
    before: object = None,
    after: object = None,
    detail: str = "",
) -> AuditEntry:
    """Record a change in the same transaction as the change itself: both land or neither."""
    entry = AuditEntry(
        actor=actor.name, via=actor.via, action=action, store_id=store_id, store_name=store_name or "", subject=subject[:300],
        before_json=json.dumps(before, default=str, ensure_ascii=False), after_json=json.dumps(after, default=str, ensure_ascii=False),
        detail=detail,
    )
    session.add(entry)
    return entry


def append_many(
    session: Session,
    actor: Actor,
    action: str,
    *,
    store_id: int | None = None,
    store_name: str = "",
    subjects: Sequence[str],
    after: Sequence[object],
    details: Sequence[str],
) -> int:
    """One entry per subject (a platform SKU each, say), written with one multi-row INSERT in the caller's transaction."""
    if not subjects:
        return 0
    insert_many(session, table_of(AuditEntry), {
        "at": utc_now(), "actor": actor.name, "via": actor.via, "action": action, "store_id": store_id, "store_name": store_name or "",
        "subject": [subject[:300] for subject in subjects], "before_json": "null",
        "after_json": [json.dumps(value, default=str, ensure_ascii=False) for value in after], "detail": list(details),
    })
    return len(subjects)


def entries(
    session: Session,
    *,
    store: str | None = None,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if store:
        query = query.where(AuditEntry.store_name == store)
    if since:
        query = query.where(AuditEntry.at >= since)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(col(AuditEntry.action).startswith(action))
    return list(session.exec(query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).offset(offset).limit(limit)).all())


class AuditRow(TypedDict):
    """One entry as the CLI, the page and the CSV show it; `before` and `after` are the JSON kept."""

    at: str
    actor: str
    via: str
    action: str
    store: str
    subject: str
    before: object
    after: object
    detail: str


def to_rows(found: list[AuditEntry]) -> list[AuditRow]:
    return [
        {"at": e.at.isoformat(), "actor": e.actor, "via": e.via, "action": e.action, "store": e.store_name, "subject": e.subject,
         "before": json.loads(e.before_json), "after": json.loads(e.after_json), "detail": e.detail}
        for e in found
    ]


def export_csv(found: list[AuditEntry]) -> bytes:
    """The entries as a CSV Excel opens safely: actors, store names, SKUs and file names come from outside."""
    return write_csv(CSV_HEADER, ([e.at.isoformat(), e.actor, e.via, e.action, e.store_name, e.subject, e.before_json, e.after_json, e.detail]
                                  for e in found))
