"""Rejected suggestions, remembered per store, listing SKU and product, so that they never come back.

A rejection says "this listing of this store is not that product". The listing may still be
suggested another product (the next method's, or the next most similar). Forgetting a rejection
brings the suggestion back. Both are audited. Functions here never commit.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.db.bulk import insert_many
from core.db.models import PairingRejection, utc_now
from core.db.models.base import table_of
from core.i18n import N_, Text, lazy_ngettext
from core.mapping.levels import scope_name

_REJECTION: Table = table_of(PairingRejection)
SHOWN_IN_AUDIT = 50  # pairs listed in one audit entry; the count says how many in all
Pair = tuple[str, str]  # (platform SKU, system SKU)
_PAIRS_PER_STATEMENT = 400


@dataclass(frozen=True)
class Rejection:
    platform_sku: str
    system_sku: str
    rejected_at: datetime
    rejected_by: str


def rejected_pairs(session: Session, store_id: int) -> set[Pair]:
    """Every (platform SKU, system SKU) the store's people rejected."""
    rows = session.execute(select(_REJECTION.c.platform_sku, _REJECTION.c.system_sku).where(_REJECTION.c.store_id == store_id))
    return {(platform, system) for platform, system in rows}


def list_rejections(session: Session, store_id: int, *, offset: int = 0, limit: int = 100) -> tuple[list[Rejection], int]:
    """A page of the store's rejections, newest first, and how many there are."""
    table = _REJECTION
    total: int = session.execute(select(func.count()).select_from(table).where(table.c.store_id == store_id)).scalar_one()
    rows = session.execute(select(table.c.platform_sku, table.c.system_sku, table.c.rejected_at, table.c.rejected_by)
                           .where(table.c.store_id == store_id)
                           .order_by(table.c.rejected_at.desc(), table.c.platform_sku, table.c.system_sku)
                           .offset(max(offset, 0)).limit(max(limit, 1)))
    return [Rejection(*row) for row in rows], total


def reject(session: Session, store_id: int, pairs: Iterable[Pair], *, actor: Actor) -> int:
    """Remember these (platform SKU, system SKU) suggestions as rejected for the store; returns how many were new."""
    require(actor, Permission.edit_mappings, N_("reject pairing suggestions"))
    wanted = sorted(set(pairs))
    new = [pair for pair in wanted if pair not in _existing(session, store_id, wanted)]
    if not new:
        return 0
    insert_many(session, _REJECTION, {"store_id": store_id, "platform_sku": [p for p, _ in new], "system_sku": [s for _, s in new],
                                      "rejected_at": utc_now(), "rejected_by": actor.name})
    _audit(session, actor, "suggestion.reject", store_id, new, rejected=True)
    return len(new)


def forget(session: Session, store_id: int, pairs: Iterable[Pair], *, actor: Actor) -> int:
    """Forget these rejections, so the suggestions may come back; returns how many there were."""
    require(actor, Permission.edit_mappings, N_("bring back rejected pairing suggestions"))
    wanted = sorted(set(pairs))
    found = sorted(_existing(session, store_id, wanted))
    for chunk in _chunks(found):
        session.execute(delete(_REJECTION).where(_REJECTION.c.store_id == store_id, _pair_in(chunk)))
    if found:
        _audit(session, actor, "suggestion.unreject", store_id, found, rejected=False)
    return len(found)


def _existing(session: Session, store_id: int, pairs: list[Pair]) -> set[Pair]:
    found: set[Pair] = set()
    for chunk in _chunks(pairs):
        rows = session.execute(select(_REJECTION.c.platform_sku, _REJECTION.c.system_sku)
                               .where(_REJECTION.c.store_id == store_id, _pair_in(chunk)))
        found.update((platform, system) for platform, system in rows)
    return found


def _chunks(pairs: list[Pair]) -> list[list[Pair]]:
    """Pairs in lists small enough for one statement: each pair is two parameters and an OR branch."""
    return [pairs[start:start + _PAIRS_PER_STATEMENT] for start in range(0, len(pairs), _PAIRS_PER_STATEMENT)]


def _pair_in(pairs: list[Pair]) -> ColumnElement[bool]:
    return or_(*(and_(_REJECTION.c.platform_sku == platform, _REJECTION.c.system_sku == system) for platform, system in pairs))


def _audit(session: Session, actor: Actor, action: str, store_id: int, pairs: list[Pair], *, rejected: bool) -> None:
    shown = [{"platform_sku": platform, "system_sku": system} for platform, system in pairs[:SHOWN_IN_AUDIT]]
    audit.append(session, actor, action, store_id=store_id, store_name=scope_name(session, store_id),
                 subject=pairs[0][0] if len(pairs) == 1 else f"{len(pairs)} suggestions",
                 after={"count": len(pairs), "suggestions": shown},
                 detail=_detail(pairs, rejected=rejected))


def _detail(pairs: list[Pair], *, rejected: bool) -> Text:
    """The audit entry's words, kept untranslated so the trail reads in its reader's language."""
    listed = ", ".join(f"{p} -> {s}" for p, s in pairs[:10]) + (" ..." if len(pairs) > 10 else "")
    if rejected:
        return lazy_ngettext("{n} pairing suggestion rejected: {pairs}", "{n} pairing suggestions rejected: {pairs}", len(pairs), pairs=listed)
    return lazy_ngettext("{n} pairing suggestion brought back: {pairs}", "{n} pairing suggestions brought back: {pairs}", len(pairs),
                         pairs=listed)
