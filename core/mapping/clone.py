"""Copying one level's own mappings (all, or those matching a filter) into another, with a preview and a conflict policy.

Made for copying overrides between stores; it works between any two scopes, so a
store's mappings can also be copied into the default for all stores, or the
default into a store as overrides (core.mapping.levels).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.db.models import ALL_STORES
from core.errors import ValidationFailed
from core.mapping.changes import ChangeKind, ChangeSet, ClonePolicy, apply_changes, plan_changes
from core.mapping.history import ChangeSource, Through
from core.mapping.levels import audited_level, level_of, scope_name
from core.mapping.repository import current_components


@dataclass
class ClonePlan:
    """A preview of copying one scope's mappings into another."""

    source_scope: int  # a store's id, or ALL_STORES
    target_scope: int
    policy: ClonePolicy
    sku_filter: str
    changes: ChangeSet

    def counts(self) -> dict[str, int]:
        """added: new in the target; overwritten / skipped: the target maps them differently; unchanged: already the same."""
        return {
            "added": self.changes.count(ChangeKind.added),
            "overwritten": self.changes.count(ChangeKind.changed),
            "skipped": self.changes.count(ChangeKind.skipped),
            "unchanged": self.changes.count(ChangeKind.unchanged),
        }

    def summary(self) -> str:
        counts = self.counts()
        return (
            f"{counts['added']} to add, {counts['overwritten']} to overwrite, {counts['skipped']} kept as the target has them, "
            f"{counts['unchanged']} already the same."
        )

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        return {
            "source_store_id": None if self.source_scope == ALL_STORES else self.source_scope,
            "source_level": str(level_of(self.source_scope)),
            "target_store_id": None if self.target_scope == ALL_STORES else self.target_scope,
            "target_level": str(level_of(self.target_scope)),
            "policy": str(self.policy),
            "sku_filter": self.sku_filter,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes.changes(limit=limit) if c.status != ChangeKind.unchanged],
        }


def plan_clone(session: Session, source_scope: int, target_scope: int, *, sku_filter: str = "", policy: ClonePolicy | str = ClonePolicy.skip) -> ClonePlan:
    """What copying the source scope's own mappings (all, or those matching `sku_filter`) into the target's would do."""
    if source_scope == target_scope:
        raise ValidationFailed("The source and target store are the same.", "Choose two different stores.")
    try:
        policy = ClonePolicy(policy)
    except ValueError:
        raise ValidationFailed(f"'{policy}' is not a clone policy.", "Choose skip (keep the target's own mappings) or overwrite.") from None
    source = current_components(session, source_scope, sku_text=sku_filter)
    changes = plan_changes(session, target_scope, source, policy=policy)
    return ClonePlan(source_scope, target_scope, policy, sku_filter, changes)


def apply_clone(session: Session, plan: ClonePlan, *, actor: Actor) -> dict[str, int]:
    """Write a clone preview into the target scope; Conflict if the target's mappings moved since the preview.

    Needs the editor role. One audit entry for the whole clone, on the target (which says its level), linked to
    the history's change set, which has each platform SKU before and after."""
    require(actor, Permission.edit_mappings, "clone product mappings")
    source_name = scope_name(session, plan.source_scope)  # '' for all stores
    applied = apply_changes(session, plan.changes, ChangeSource(Through.clone, actor, source_name))
    counts = plan.counts()
    source = source_name or audited_level(plan.source_scope)
    which = f", SKUs containing '{plan.sku_filter}'" if plan.sku_filter else ""
    audit.append(
        session, actor, "clone.apply", store_id=None if plan.target_scope == ALL_STORES else plan.target_scope,
        store_name=scope_name(session, plan.target_scope), subject=f"from {source}",
        after={"level": str(level_of(plan.target_scope)), "source": source, "source_level": str(level_of(plan.source_scope)),
               "policy": str(plan.policy), "sku_filter": plan.sku_filter, **counts, "change_set": applied.change_set},
        detail=f"Cloned into {audited_level(plan.target_scope)} from '{source}' ({plan.policy}{which}): {plan.summary()}",
    )
    return counts
