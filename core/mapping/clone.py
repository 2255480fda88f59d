"""Copying one level's own mappings (all, or those matching a filter) into another, with a preview and a conflict policy.

Made for copying overrides between stores; it works between any two scopes, so a
store's mappings can also be copied into the default for all stores, or the
default into a store as overrides (core.mapping.levels). One level can be pushed to several
at once: one preview per target (plan_push), applied all together (apply_push).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.db.models import ALL_STORES
from core.errors import ValidationFailed
from core.i18n import N_, Text, _, join, lazy
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
        return _("{added} to add, {overwritten} to overwrite, {skipped} kept as the target has them, {unchanged} already the same.",
                 **counts)

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
    return plan_push(session, source_scope, [target_scope], sku_filter=sku_filter, policy=policy)[0]


def plan_push(
    session: Session, source_scope: int, target_scopes: Sequence[int], *, sku_filter: str = "", policy: ClonePolicy | str = ClonePolicy.skip
) -> list[ClonePlan]:
    """One preview per target, in target order: copying the source scope's own mappings into each of several scopes.

    The source is read once; each target is compared with it on its own, so each
    preview says what would happen there (apply them together with apply_push).
    """
    targets = sorted(set(target_scopes))
    if not targets:
        raise ValidationFailed(_("No store was chosen to copy the mappings to."), _("Choose one or more stores."))
    if source_scope in targets:
        raise ValidationFailed(_("The source and target store are the same."), _("Choose two different stores."))
    try:
        policy = ClonePolicy(policy)
    except ValueError:
        raise ValidationFailed(_("'{policy}' is not a clone policy.", policy=policy),
                               _("Choose skip (keep the target's own mappings) or overwrite.")) from None
    source = current_components(session, source_scope, sku_text=sku_filter)
    return [ClonePlan(source_scope, target, policy, sku_filter, plan_changes(session, target, source, policy=policy)) for target in targets]


def apply_clone(session: Session, plan: ClonePlan, *, actor: Actor, pushed_to: int = 1) -> dict[str, int]:
    """Write a clone preview into the target scope; Conflict if the target's mappings moved since the preview.

    Needs the editor role. One audit entry for the whole clone, on the target (which says its level), linked to
    the history's change set, which has each platform SKU before and after; `pushed_to` > 1 notes that it was one of
    that many targets of one push (apply_push)."""
    require(actor, Permission.edit_mappings, N_("clone product mappings"))
    source_name = scope_name(session, plan.source_scope)  # '' for all stores
    applied = apply_changes(session, plan.changes, ChangeSource(Through.clone, actor, source_name))
    counts = plan.counts()
    source = source_name or audited_level(plan.source_scope)
    audit.append(
        session, actor, "clone.apply", store_id=None if plan.target_scope == ALL_STORES else plan.target_scope,
        store_name=scope_name(session, plan.target_scope), subject=f"from {source}",
        after={"level": str(level_of(plan.target_scope)), "source": source, "source_level": str(level_of(plan.source_scope)),
               "policy": str(plan.policy), "sku_filter": plan.sku_filter, **counts, "change_set": applied.change_set},
        detail=_clone_detail(plan, source, pushed_to),
    )
    return counts


def _clone_detail(plan: ClonePlan, source: str | Text, pushed_to: int) -> Text:
    """The audit entry's words, kept untranslated so the trail reads in its reader's language."""
    counts = plan.counts()
    summary = lazy("{added} to add, {overwritten} to overwrite, {skipped} kept as the target has them, {unchanged} already the same.",
                   **counts)
    target = audited_level(plan.target_scope)
    if plan.sku_filter:
        cloned = lazy("Cloned into {target} from '{source}' ({policy}, SKUs containing '{text}'): {summary}", target=target, source=source,
                      policy=str(plan.policy), text=plan.sku_filter, summary=summary)
    else:
        cloned = lazy("Cloned into {target} from '{source}' ({policy}): {summary}", target=target, source=source, policy=str(plan.policy),
                      summary=summary)
    return join(cloned, lazy("One of {count} targets of one push, applied all together.", count=pushed_to) if pushed_to > 1 else None)


def apply_push(session: Session, plans: Sequence[ClonePlan], *, actor: Actor) -> dict[int, dict[str, int]]:
    """Apply several clone previews (plan_push) in the caller's one transaction: every target, or none.

    All or nothing, because a push is one decision ("these stores get these mappings"): if
    one target's mappings moved since its preview, the Conflict rolls back the targets already
    written, and a fresh preview shows every target as it is now, rather than leaving some
    stores changed and others not. Targets are written in id order, so two pushes to
    overlapping stores wait for each other instead of deadlocking (PostgreSQL). One audit
    entry per target. Returns target scope -> counts.
    """
    require(actor, Permission.edit_mappings, N_("clone product mappings"))
    ordered = sorted(plans, key=lambda plan: plan.target_scope)
    return {plan.target_scope: apply_clone(session, plan, actor=actor, pushed_to=len(ordered)) for plan in ordered}
