"""Appending to and reading the audit trail."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypedDict, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.access import Actor
from core.db.bulk import insert_many
from core.db.models.audit import AuditEntry
from core.db.models.base import table_of, utc_now
from core.i18n import N_, Text, _, dumps

# The export's columns: machine-readable names, never translated.
_Selected = TypeVar("_Selected")
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
    detail: Text | str = "",
) -> AuditEntry:
    """Record a change in the same transaction as the change itself: both land or neither."""
    entry = AuditEntry(
        actor=actor.name, via=actor.via, action=action, store_id=store_id, store_name=store_name or "", subject=subject[:300],
        before_json=json.dumps(before, default=str, ensure_ascii=False), after_json=json.dumps(after, default=str, ensure_ascii=False),
        detail=dumps(detail),  # a Text reads back in the reader's language (core.db.models.stored_text)
    )
    session.add(entry)
    return entry


def _matching(
    query: SelectOfScalar[_Selected], store: str | None, store_search: str | None, since: datetime | None, actor: str | None, action: str | None
) -> SelectOfScalar[_Selected]:
    if store:
        query = query.where(AuditEntry.store_name == store)
    if store_search and store_search.strip():  # any part of the name, any letter case
        query = query.where(func.lower(AuditEntry.store_name).contains(store_search.strip().lower(), autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= since)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(col(AuditEntry.action).startswith(action, autoescape=True))
    return query


def append_many(
    session: Session,
    actor: Actor,
    action: str,
    *,
    store_id: int | None = None,
    store_name: str = "",
    subjects: Sequence[str],
    after: Sequence[object],
    details: Sequence[Text | str],
) -> int:
    """One entry per subject (a platform SKU each, say), written with one multi-row INSERT in the caller's transaction."""
    if not subjects:
        return 0
    insert_many(session, table_of(AuditEntry), {
        "at": utc_now(), "actor": actor.name, "via": actor.via, "action": action, "store_id": store_id, "store_name": store_name or "",
        "subject": [subject[:300] for subject in subjects], "before_json": "null",
        "after_json": [json.dumps(value, default=str, ensure_ascii=False) for value in after], "detail": [dumps(detail) for detail in details],
    })
    return len(subjects)


def entries(
    session: Session,
    *,
    store: str | None = None,
    store_search: str | None = None,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first. `store` is an exact name; `store_search` any part of one, in any letter case; `action` a code or
    the start of one ('store.' for every store change)."""
    query = _matching(select(AuditEntry), store, store_search, since, actor, action)
    return list(session.exec(query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).offset(offset).limit(limit)).all())


def count_entries(session: Session, *, store: str | None = None, store_search: str | None = None, since: datetime | None = None,
                  actor: str | None = None, action: str | None = None) -> int:
    """How many entries `entries` would page through with the same filters."""
    return session.exec(_matching(select(func.count(col(AuditEntry.id))), store, store_search, since, actor, action)).one()


def actors(session: Session) -> list[str]:
    """Everyone who changed something, for a filter by person."""
    return sorted(session.exec(select(AuditEntry.actor).distinct()).all(), key=str.casefold)


def actions(session: Session) -> list[str]:
    """Every action code the trail holds, for a filter by action."""
    return sorted(session.exec(select(AuditEntry.action).distinct()).all())


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
    from core.spreadsheets.writers import write_csv  # loaded here: every command appends to the trail, few export it

    return write_csv(CSV_HEADER, ([e.at.isoformat(), e.actor, e.via, e.action, e.store_name, e.subject, e.before_json, e.after_json, e.detail]
                                  for e in found))


# --------------------------------------------------------------------------- for people

# Action code -> what it means to a person. Codes are what the trail keeps and what `--json` prints; these
# names are only shown. A code missing here (a newer one) is shown as it is.
ACTION_NAMES: Final[dict[str, str]] = {
    "store.add": N_("Store added"),
    "store.edit": N_("Store edited"),
    "store.enable": N_("Store enabled"),
    "store.disable": N_("Store disabled"),
    "store.delete": N_("Store deleted"),
    "store.secret_replaced": N_("Keys replaced"),
    "oauth.app_secret": N_("OAuth app secret saved"),
    "oauth.connect": N_("Connected with Walmart"),
    "oauth.reconnect": N_("Connected with Walmart again"),
    "oauth.switch": N_("Switched to OAuth"),
    "oauth.seller_connect": N_("Seller-started connection received"),
    "oauth.attach": N_("Seller connection given to a store"),
    "oauth.discard": N_("Seller connection discarded"),
    "catalog.add": N_("Product added"),
    "catalog.update": N_("Product edited"),
    "catalog.import": N_("Catalog imported"),
    "mapping.create": N_("Mapping added"),
    "mapping.update": N_("Mapping changed"),
    "mapping.delete": N_("Mapping deleted"),
    "import.apply": N_("Mappings imported"),
    "clone.apply": N_("Mappings cloned"),
    "system.key_backup": N_("Key backup confirmed"),
}
# The first part of a code -> the kind of change, for a filter on every change of one kind.
ACTION_GROUPS: Final[dict[str, str]] = {
    "store.": N_("Every store change"),
    "oauth.": N_("Every Walmart connection change"),
    "catalog.": N_("Every catalog change"),
    "mapping.": N_("Every mapping change in the grid"),
    "import.": N_("Every mapping import"),
    "clone.": N_("Every mapping clone"),
}


def action_name(code: str) -> str:
    """What an action code means, in the current language."""
    return _(ACTION_NAMES[code]) if code in ACTION_NAMES else _(ACTION_GROUPS[code]) if code in ACTION_GROUPS else code


@dataclass(frozen=True)
class Change:
    """One field of an entry, before and after, as text a person reads ('—' for nothing)."""

    field: str
    before: str
    after: str


def _text(value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list) and all(isinstance(item, dict) and {"system_sku", "quantity"} <= set(item) for item in value):
        return "+".join(f"{item['system_sku']}*{item['quantity']}" for item in value)  # a mapping's components, as a bundle cell
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    return str(value)


def difference(before: object, after: object) -> list[Change]:
    """What an entry changed, field by field: only the fields that differ, each before and after.
    A value that is no record of fields (a mapping's components) is one change named ''."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        fields = list(dict.fromkeys([*old, *new]))
        return [Change(field, _text(old.get(field)), _text(new.get(field))) for field in fields if old.get(field) != new.get(field)]
    if before == after:
        return []
    return [Change("", _text(before), _text(after))]


# The fields entries keep -> their name for people. In English the field's own name is shown, as it always was;
# other languages translate it. A field missing here is shown as it is.
FIELD_NAMES: Final[dict[str, str]] = {
    "name": N_("name"), "environment": N_("environment"), "market": N_("market"), "notes": N_("notes"), "enabled": N_("enabled"),
    "client_id": N_("client_id"), "credential": N_("credential"), "seller_id": N_("seller_id"), "state": N_("state"),
    "level": N_("level"), "mode": N_("mode"), "source": N_("source"), "policy": N_("policy"), "added": N_("added"),
    "changed": N_("changed"), "removed": N_("removed"), "unchanged": N_("unchanged"), "updated": N_("updated"),
    "barcode": N_("barcode"), "active": N_("active"), "rules": N_("rules"), "count": N_("count"),
}


def field_name(field: str) -> str:
    """A field of an entry as people read it, in the current language."""
    return _(FIELD_NAMES[field]) if field in FIELD_NAMES else field


def describe_difference(before: object, after: object) -> str:
    """The difference on one line: 'notes: Call first → Email first; enabled: yes → no', 'MUG*1 → MUG*2'. Something made
    from nothing (a store added, an import's figures) is its values alone: 'name: Acme; environment: production'."""
    changes = difference(before, after)
    if before is None:
        return _("; ").join(_("{field}: {value}", field=field_name(change.field), value=change.after) if change.field else change.after
                            for change in changes)
    return _("; ").join(_("{field}: {before} → {after}", field=field_name(change.field), before=change.before, after=change.after)
                        if change.field else f"{change.before} → {change.after}" for change in changes)
