"""The history of every mapping: what each change did to each platform SKU at its level, who made it, when and through what.

Writing. Mappings are written in one place, core.mapping.changes.write_mappings, and every caller passes a
ChangeSource saying through what (the grid, an import of a file, a clone from a level, applied suggestions) and who.
write_mappings hands `record` the components it deleted (read back by the DELETE itself) and those it inserted, in
the same transaction: the change and its history land together or not at all, and a platform SKU that was left as
it was writes nothing.

    source = ChangeSource(Through.imported, actor, detail="mappings.csv")
    applied = apply_changes(session, plan.changes, source)     # applied.change_set: the history's id for this write

Storage (core.db.models.history). One MappingChangeSet row per write (who, when, through what, the level, counts)
and the platform SKUs in blocks of about BLOCK_LINES component lines, sorted by platform SKU; a block's `changes`
text has one line per component, `platform SKU <tab> - or + <tab> system SKU <tab> quantity`, '-' for the mapping
before and '+' for after. A 100,000-row import writes a hundred short rows instead of a hundred thousand, which
keeps it within its speed target (benchmarks/mapping_import.py), and both tables are append-only.

Reading. `sku_history` finds a platform SKU's blocks by their first/last SKU, newest first; `changed_skus` lists what
change sets did (the audit trail links an import or a clone to its change set); `recent_change_sets` lists a level's.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Table, insert, or_, select
from sqlmodel import Session

from core.access import Actor
from core.db.bulk import in_chunks, insert_many
from core.db.models import ALL_STORES, MappingChange, MappingChangeSet, Store, utc_now
from core.db.models.base import table_of
from core.i18n import N_, _
from core.mapping.bundles import Component
from core.mapping.levels import Level, level_of, scope_name

BLOCK_LINES = 1000  # component lines per stored block: a SKU's lookup reads one block of about 30 KB
HISTORY_LIMIT = 100  # changes of one platform SKU read at most, newest first
_SET: Table = table_of(MappingChangeSet)
_CHANGE: Table = table_of(MappingChange)
_STORE: Table = table_of(Store)
BEFORE, AFTER = "-", "+"


class Through(StrEnum):
    """Through what a change was made. The values are machine-readable (--json, the database) and never translated."""

    grid = "grid"
    imported = "import"
    clone = "clone"
    suggestion = "suggestion"


class Change(StrEnum):
    """What a change did to one platform SKU's mapping at its level."""

    added = "added"
    changed = "changed"
    removed = "removed"


THROUGH_LABELS = {Through.grid: N_("Grid"), Through.imported: N_("Import"), Through.clone: N_("Clone"), Through.suggestion: N_("Suggestion")}
CHANGE_LABELS = {Change.added: N_("Added"), Change.changed: N_("Changed"), Change.removed: N_("Removed")}


@dataclass(frozen=True)
class ChangeSource:
    """Through what a change to mappings comes and who makes it: what the history keeps beside before and after.

    `detail` says which: for an import the file's name, for a clone the name of the store copied from ('' for
    the mapping for all stores), for suggestions what made them; nothing for the grid.
    """

    through: Through
    actor: Actor
    detail: str = ""


# --------------------------------------------------------------------------- writing


def record(
    session: Session,
    scope: int,
    source: ChangeSource,
    before: Sequence[tuple[str, str, int]],
    after: tuple[Sequence[str], Sequence[str], Sequence[int]] = ((), (), ()),
) -> int | None:
    """Keep what one write did to the scope's mappings; the change set's id, or None when it changed nothing.

    `before` is every component the write removed, (platform SKU, system SKU, quantity); `after` every
    component it wrote, as three columns (platform SKUs, system SKUs, quantities). A platform SKU in both was
    changed, only in `after` added, only in `before` removed. Call it in the write's transaction
    (write_mappings does). Made for 100,000 components at once: the lines are plain strings sorted as they
    are, so each platform SKU's lines come together, and a mapping's components are kept in system SKU order.
    """
    platform, system, quantity = after
    if not before and not platform:
        return None
    lines = [f"{p}\t{BEFORE}\t{s}\t{q}" for p, s, q in before]
    lines += [f"{p}\t{AFTER}\t{s}\t{q}" for p, s, q in zip(platform, system, quantity)]
    lines.sort()  # by platform SKU first: a tab sorts before every character a SKU may hold
    had, has = {row[0] for row in before}, set(platform)
    both = len(has & had) if had else 0
    counts = {"added": len(has) - both, "changed": both, "removed": len(had) - both}
    change_set: int = session.execute(
        insert(_SET).values(
            at=utc_now(), actor=source.actor.name, via=source.actor.via, scope_id=scope, store_name=scope_name(session, scope),
            through=str(source.through), detail=source.detail[:300], **counts,
        ).returning(_SET.c.id)
    ).scalar_one()
    firsts, lasts, texts = [], [], []
    start = 0
    while start < len(lines):
        end = min(start + BLOCK_LINES, len(lines))
        while end < len(lines) and _sku(lines[end]) == _sku(lines[end - 1]):  # a platform SKU's lines stay in one block
            end += 1
        firsts.append(_sku(lines[start]))
        lasts.append(_sku(lines[end - 1]))
        texts.append("\n".join(lines[start:end]))
        start = end
    insert_many(session, _CHANGE, {"change_set_id": change_set, "part": list(range(len(texts))), "scope_id": scope,
                                   "first_sku": firsts, "last_sku": lasts, "changes": texts})
    return change_set


def _sku(line: str) -> str:
    return line[: line.index("\t")]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ChangeSetRecord:
    """One write to one level's mappings: who, when, through what, and how many platform SKUs it added, changed, removed."""

    id: int
    at: datetime
    actor: str
    via: str
    scope: int  # a store's id, or ALL_STORES
    store_name: str  # as it was then ('' for all stores)
    through: Through
    detail: str
    added: int
    changed: int
    removed: int

    @property
    def level(self) -> Level:
        return level_of(self.scope)

    def through_text(self) -> str:
        """Through what, for people: 'Import of x.csv', 'Clone from Acme CA', 'Grid'. Holds outside text (file and store names)."""
        if self.through == Through.imported:
            return _("Import of {file}", file=self.detail)
        if self.through == Through.clone:
            return _("Clone from {source}", source=self.detail or _("All stores (default)"))
        if self.through == Through.suggestion and self.detail:
            return _("Suggestion ({detail})", detail=_(self.detail))  # "automatic pairing" (pairing.apply.SOURCE_DETAIL) is marked
        return _(THROUGH_LABELS[self.through])

    def to_dict(self) -> dict[str, Any]:
        return {"change_set": self.id, "at": self.at.isoformat(), "actor": self.actor, "via": self.via, "through": str(self.through),
                "detail": self.detail, "level": str(self.level), "store": self.store_name,
                "counts": {"added": self.added, "changed": self.changed, "removed": self.removed}}


@dataclass(frozen=True)
class Difference:
    """One system SKU whose quantity differs between before and after (None: not in that side)."""

    system_sku: str
    before: int | None
    after: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"system_sku": self.system_sku, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class SkuChange:
    """What one change set did to one platform SKU's mapping at its level."""

    change_set: ChangeSetRecord
    platform_sku: str
    before: tuple[Component, ...]
    after: tuple[Component, ...]

    @property
    def kind(self) -> Change:
        return Change.added if not self.before else Change.removed if not self.after else Change.changed

    def difference(self) -> list[Difference]:
        """The components that differ: added, removed or with another quantity (system SKU order, as kept)."""
        was = {c.system_sku: c.quantity for c in self.before}
        now = {c.system_sku: c.quantity for c in self.after}
        found = [Difference(sku, was.get(sku), quantity) for sku, quantity in now.items() if was.get(sku) != quantity]
        return found + [Difference(sku, quantity, None) for sku, quantity in was.items() if sku not in now]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.change_set.to_dict(), "platform_sku": self.platform_sku, "change": str(self.kind),
            "before": [{"system_sku": c.system_sku, "quantity": c.quantity} for c in self.before],
            "after": [{"system_sku": c.system_sku, "quantity": c.quantity} for c in self.after],
            "difference": [d.to_dict() for d in self.difference()],
        }


def describe_difference(differences: Iterable[Difference]) -> str:
    """'MUG × 1 → 2; + TEA × 1; − CUP × 1': the difference for people. Holds outside text (system SKUs)."""
    parts = []
    for part in differences:
        if part.before is None:
            parts.append(_("+ {sku} × {quantity}", sku=part.system_sku, quantity=part.after))
        elif part.after is None:
            parts.append(_("− {sku} × {quantity}", sku=part.system_sku, quantity=part.before))
        else:
            parts.append(_("{sku} × {before} → {after}", sku=part.system_sku, before=part.before, after=part.after))
    return "; ".join(parts)


def _set_columns() -> list[ColumnElement[Any]]:
    return [_SET.c.id, _SET.c.at, _SET.c.actor, _SET.c.via, _SET.c.scope_id, _SET.c.store_name, _SET.c.through, _SET.c.detail,
            _SET.c.added, _SET.c.changed, _SET.c.removed]


def _change_set(row: Sequence[Any]) -> ChangeSetRecord:
    number, at, actor, via, scope, store_name, through, detail, added, changed, removed = row[:11]
    return ChangeSetRecord(number, at, actor, via, scope, store_name, Through(through), detail, added, changed, removed)


def _levels(session: Session, scope: int) -> ColumnElement[bool]:
    """The change sets that shaped what applies at `scope`: for a store, its own since it was made, and the default's."""
    if scope == ALL_STORES:
        return _SET.c.scope_id == ALL_STORES
    created = session.execute(select(_STORE.c.created_at).where(_STORE.c.id == scope)).scalar_one_or_none()
    # A store's id may be reused after it is deleted (SQLite): its predecessor's history is not its own.
    own = (_SET.c.scope_id == scope) if created is None else ((_SET.c.scope_id == scope) & (_SET.c.at >= created))
    return or_(own, _SET.c.scope_id == ALL_STORES)


def sku_history(session: Session, scope: int, platform_sku: str, *, limit: int = HISTORY_LIMIT) -> list[SkuChange]:
    """What happened to a platform SKU's mapping, newest first: at the level itself and, for a store, at the default.

    `scope` is a store's id (its own mapping, and the mapping for all stores it follows where it has none) or
    ALL_STORES (the default only). Changes made before the history existed (migration 0006) are not there.
    """
    binary = session.get_bind().dialect.name == "postgresql"  # compare SKUs in code-point order, as the blocks are sorted
    first, last = (_CHANGE.c.first_sku.collate("C"), _CHANGE.c.last_sku.collate("C")) if binary else (_CHANGE.c.first_sku, _CHANGE.c.last_sku)
    scopes = [scope] if scope == ALL_STORES else [scope, ALL_STORES]
    statement = (
        select(*_set_columns(), _CHANGE.c.changes)
        .join_from(_CHANGE, _SET, _SET.c.id == _CHANGE.c.change_set_id)
        .where(_CHANGE.c.scope_id.in_(scopes), first <= platform_sku, last >= platform_sku, _levels(session, scope))
        .order_by(_CHANGE.c.change_set_id.desc())
    )
    found: list[SkuChange] = []
    for row in session.execute(statement):
        before, after = _components_of(row[-1], platform_sku)
        if before or after:  # a block's range may hold the SKU without the SKU being in it
            found.append(SkuChange(_change_set(row), platform_sku, before, after))
            if len(found) >= limit:
                break
    return found


def _components_of(text: str, platform_sku: str) -> tuple[tuple[Component, ...], tuple[Component, ...]]:
    prefix = platform_sku + "\t"
    sides: dict[str, list[Component]] = {BEFORE: [], AFTER: []}
    for line in text.split("\n"):
        if line.startswith(prefix):
            _sku, side, system_sku, quantity = line.split("\t")
            sides[side].append(Component(system_sku, int(quantity)))
    return tuple(sides[BEFORE]), tuple(sides[AFTER])


def changed_skus(session: Session, change_sets: Iterable[int]) -> dict[int, dict[Change, list[str]]]:
    """For each change set: the platform SKUs it added, changed and removed, each list in SKU order."""
    found: dict[int, dict[Change, list[str]]] = {}
    for chunk in in_chunks(sorted(set(change_sets))):
        statement = select(_CHANGE.c.change_set_id, _CHANGE.c.changes).where(_CHANGE.c.change_set_id.in_(chunk))
        sides: dict[int, dict[str, set[str]]] = {}
        for number, text in session.execute(statement.order_by(_CHANGE.c.change_set_id, _CHANGE.c.part)):
            seen = sides.setdefault(number, {})
            for line in text.split("\n"):
                sku, side, _rest = line.split("\t", 2)
                seen.setdefault(sku, set()).add(side)
        for number, seen in sides.items():
            kinds: dict[Change, list[str]] = {kind: [] for kind in Change}
            for sku, marks in seen.items():
                kinds[Change.changed if len(marks) == 2 else Change.added if AFTER in marks else Change.removed].append(sku)
            found[number] = {kind: sorted(skus) for kind, skus in kinds.items()}
    return found


def recent_change_sets(session: Session, scope: int, *, limit: int = 50, offset: int = 0) -> list[ChangeSetRecord]:
    """The latest writes that shaped what applies at `scope` (for a store, the default's too), newest first."""
    statement = select(*_set_columns()).where(_levels(session, scope)).order_by(_SET.c.id.desc()).offset(offset).limit(limit)
    return [_change_set(tuple(row)) for row in session.execute(statement)]
