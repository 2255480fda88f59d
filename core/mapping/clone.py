"""Copying one store's mappings (all, or those matching a filter) into another, with a preview and a conflict policy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.errors import ValidationFailed
from core.mapping.changes import ChangeKind, ChangeSet, ClonePolicy, apply_changes, plan_changes
from core.mapping.repository import current_components, store_name_of


@dataclass
class ClonePlan:
    """A preview of copying one store's mappings into another."""

    source_store_id: int
    target_store_id: int
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
            "source_store_id": self.source_store_id,
            "target_store_id": self.target_store_id,
            "policy": str(self.policy),
            "sku_filter": self.sku_filter,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes.changes(limit=limit) if c.status != ChangeKind.unchanged],
        }


def plan_clone(session: Session, source_store_id: int, target_store_id: int, *, sku_filter: str = "", policy: ClonePolicy | str = ClonePolicy.skip) -> ClonePlan:
    """What copying the source store's mappings (all, or those matching `sku_filter`) into the target would do."""
    if source_store_id == target_store_id:
        raise ValidationFailed("The source and target store are the same.", "Choose two different stores.")
    try:
        policy = ClonePolicy(policy)
    except ValueError:
        raise ValidationFailed(f"'{policy}' is not a clone policy.", "Choose skip (keep the target's own mappings) or overwrite.") from None
    source = current_components(session, source_store_id, sku_text=sku_filter)
    changes = plan_changes(session, target_store_id, source, policy=policy)
    return ClonePlan(source_store_id, target_store_id, policy, sku_filter, changes)


def apply_clone(session: Session, plan: ClonePlan, *, actor: Actor) -> dict[str, int]:
    """Write a clone preview into the target store; Conflict if the target's mappings moved since the preview.

    Needs the editor role. One audit entry for the whole clone, on the target store."""
    require(actor, Permission.edit_mappings, "clone product mappings")
    apply_changes(session, plan.changes)
    counts = plan.counts()
    source = store_name_of(session, plan.source_store_id)
    which = f", SKUs containing '{plan.sku_filter}'" if plan.sku_filter else ""
    audit.append(
        session, actor, "clone.apply", store_id=plan.target_store_id, store_name=store_name_of(session, plan.target_store_id),
        subject=f"from {source}", after={"source": source, "policy": str(plan.policy), "sku_filter": plan.sku_filter, **counts},
        detail=f"Cloned from '{source}' ({plan.policy}{which}): {plan.summary()}",
    )
    return counts
