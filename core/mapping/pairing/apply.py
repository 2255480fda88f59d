"""Applying suggestions: the safe ones, or those a person accepted, through the same preview and transaction as an import.

    plan = plan_safe(session, store_id, suggestions, min_similar_score=None)      # a dry run: writes nothing
    plan = plan_accepted(session, store_id, [(suggestion, "SKU-1"), ...])          # what a person picked, row by row
    plan.changes.changes(); plan.left                                              # show it
    apply_plan(session, plan, actor=actor)                                         # one transaction, or Conflict

Where the mappings go: by default into the store's own mappings (overrides). The evidence for a
suggestion (the listing's SKU and barcode, the store's rules) belongs to that store, and another
store may sell the same SKU as a different product, so a suggestion is not a fact about every store.
`scope=ALL_STORES` writes them as the mapping for all stores instead, for sellers whose stores share
their SKUs; it only adds (a listing a default covers is not unmapped) and never touches a store's own.

Each platform SKU becomes a one-component mapping at quantity 1, checked by the same row rules as
an import (core.mapping.rules), planned with core.mapping.changes.plan_changes (merge: nothing else in
the level changes) and written by apply_changes, which refuses a plan the level moved under. One
audit entry per platform SKU says which product, by which method and score.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.db.models import ALL_STORES
from core.errors import ValidationFailed
from core.i18n import N_, Text, _, lazy, ngettext
from core.mapping.changes import ChangeKind, ChangeSet, apply_changes, plan_changes
from core.mapping.history import ChangeSource, Through
from core.mapping.levels import audited_level, level_of, scope_name
from core.mapping.pairing.matcher import Candidate, Method
from core.mapping.pairing.suggestions import Status, Suggestion
from core.mapping.repository import mapped_platform_skus
from core.mapping.rules import validate_rows
from core.spreadsheets.cells import TEXT

# What the per-mapping history (issue 15) records as the way these mappings were made.
SOURCE_DETAIL = N_("automatic pairing")  # what the mapping history says made them (kept so, translated where shown)


@dataclass(frozen=True)
class Pick:
    """A suggestion and the candidate to map it to."""

    suggestion: Suggestion
    candidate: Candidate

    @property
    def platform_sku(self) -> str:
        return self.suggestion.platform_sku


@dataclass(frozen=True)
class LeftOut:
    """A listing a plan does not map, and why (a Status value, or 'invalid' / 'mapped' with the message)."""

    suggestion: Suggestion
    reason: str
    message: str = ""


@dataclass
class SuggestionPlan:
    store_id: int  # whose listings
    scope: int  # where the mappings are written: the store, or ALL_STORES
    picks: list[Pick]
    changes: ChangeSet
    left: list[LeftOut] = field(default_factory=list)
    min_similar_score: int | None = None
    applied: bool = False

    def by_method(self) -> dict[str, int]:
        counts = {str(method): 0 for method in Method}
        for pick in self.picks:
            counts[str(pick.candidate.method)] += 1
        return counts

    def counts(self) -> dict[str, int]:
        left: dict[str, int] = {}
        for item in self.left:
            left[item.reason] = left.get(item.reason, 0) + 1
        return {"to_map": len(self.picks), **{f"by_{method}": count for method, count in self.by_method().items()},
                **{f"left_{reason}": count for reason, count in sorted(left.items())}}

    def summary(self) -> str:
        text = ngettext("{n} listing to map", "{n} listings to map", len(self.picks)) if not self.applied else \
            ngettext("{n} listing mapped", "{n} listings mapped", len(self.picks))
        methods = ", ".join(f"{count} {method}" for method, count in self.by_method().items() if count)
        if methods:
            text += f" ({methods})"
        if self.left:
            text += "; " + ngettext("{n} left for a person to decide", "{n} left for a person to decide", len(self.left))
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable (--json): keys and values are never translated."""
        return {
            "store_id": self.store_id, "level": str(level_of(self.scope)), "applied": self.applied,
            "min_similar_score": self.min_similar_score, "counts": self.counts(),
            "mapped": [{"platform_sku": pick.platform_sku, "system_sku": pick.candidate.system_sku, "method": str(pick.candidate.method),
                        "score": pick.candidate.score} for pick in self.picks],
            "left": [{"platform_sku": item.suggestion.listing.sku, "reason": item.reason, "message": item.message,
                      "candidates": [c.system_sku for c in item.suggestion.candidates]} for item in self.left],
        }


def plan_safe(session: Session, store_id: int, suggestions: Sequence[Suggestion], *, scope: int | None = None,
              min_similar_score: int | None = None) -> SuggestionPlan:
    """The dry run of "Apply safe suggestions": exact, rule and unambiguous barcode matches, and similar ones scoring at
    least `min_similar_score` (None: none). Everything else is in `left`, with its status as the reason."""
    picks = [Pick(s, s.candidates[0]) for s in suggestions if s.safe(min_similar_score)]
    left = [LeftOut(s, str(s.status(min_similar_score))) for s in suggestions if not s.safe(min_similar_score)]
    return _plan(session, store_id, store_id if scope is None else scope, picks, left, min_similar_score)


def plan_accepted(session: Session, store_id: int, accepted: Sequence[tuple[Suggestion, str]], *, scope: int | None = None) -> SuggestionPlan:
    """The dry run of applying what a person accepted: (suggestion, the system SKU chosen among its candidates).

    Raises ValidationFailed when a listing is accepted twice or a system SKU is not one of its candidates.
    """
    picks: list[Pick] = []
    seen: set[str] = set()
    for suggestion, system_sku in accepted:
        candidate = next((c for c in suggestion.candidates if c.system_sku == system_sku), None)
        if candidate is None:
            raise ValidationFailed(_("'{product}' is not a suggestion for listing '{sku}'.", product=system_sku, sku=suggestion.listing.sku),
                                   _("Accept one of the products shown for it."))
        if suggestion.platform_sku in seen:
            raise ValidationFailed(_("Listing '{sku}' is accepted more than once.", sku=suggestion.listing.sku),
                                   _("Accept one product for it: a listing is mapped to one product here (make bundles in the grid)."))
        seen.add(suggestion.platform_sku)
        picks.append(Pick(suggestion, candidate))
    return _plan(session, store_id, store_id if scope is None else scope, picks, [], None)


def _plan(session: Session, store_id: int, scope: int, picks: list[Pick], left: list[LeftOut], min_similar_score: int | None) -> SuggestionPlan:
    if scope not in (store_id, ALL_STORES):
        raise ValidationFailed(_("Suggestions for one store are applied to that store or to all stores."), _("Choose one of those two."))
    # Mapped since the suggestions were made (by someone else, or by a default): leave it as it is now.
    mapped = mapped_platform_skus(session, store_id, [pick.platform_sku for pick in picks])
    for pick in picks:
        if pick.platform_sku in mapped:
            left.append(LeftOut(pick.suggestion, "mapped", _("It was mapped meanwhile.")))
    picks = [pick for pick in picks if pick.platform_sku not in mapped]
    rows = pd.DataFrame({"platform_sku": pd.Series([p.platform_sku for p in picks], dtype=TEXT),
                         "system_sku": pd.Series([p.candidate.system_sku for p in picks], dtype=TEXT),
                         "quantity": pd.Series(["1"] * len(picks), dtype=TEXT)})
    checked = validate_rows(session, rows)  # the same rules as an import: a listing SKU no mapping may have is left out
    problems = {error.key: error.message for error in checked.errors}
    for pick in picks:
        if pick.platform_sku in checked.rejected:
            left.append(LeftOut(pick.suggestion, "invalid", problems.get(pick.platform_sku, "")))
    picks = [pick for pick in picks if pick.platform_sku not in checked.rejected]
    changes = plan_changes(session, scope, checked.components)
    return SuggestionPlan(store_id, scope, picks, changes, left, min_similar_score)


def apply_plan(session: Session, plan: SuggestionPlan, *, actor: Actor) -> dict[str, int]:
    """Write the plan in the caller's transaction, one audit entry per platform SKU.

    Needs the editor role; raises Conflict when the level's mappings changed since the plan was made.
    """
    require(actor, Permission.edit_mappings, N_("apply pairing suggestions"))
    if plan.applied:
        raise ValidationFailed(_("These suggestions were already applied."), _("Make the preview again."))
    if not plan.picks:
        plan.applied = True
        return plan.counts()
    apply_changes(session, plan.changes, ChangeSource(Through.suggestion, actor, SOURCE_DETAIL))
    plan.applied = True
    written = set(plan.changes.skus_with(ChangeKind.added)) | set(plan.changes.skus_with(ChangeKind.changed))
    picks = [pick for pick in plan.picks if pick.platform_sku in written]
    level = audited_level(plan.scope)
    listings_of = scope_name(session, plan.store_id)
    audit.append_many(
        session, actor, "suggestion.apply", store_id=None if plan.scope == ALL_STORES else plan.scope,
        store_name=scope_name(session, plan.scope), subjects=[pick.platform_sku for pick in picks],
        after=[{"level": str(level_of(plan.scope)), "system_sku": pick.candidate.system_sku, "method": str(pick.candidate.method),
                "score": pick.candidate.score, "listing_of": listings_of} for pick in picks],
        details=[lazy("Paired with {sku} by {method} (score {score}, {reason}), {level}", sku=pick.candidate.system_sku,
                      method=str(pick.candidate.method), score=pick.candidate.score, reason=_reason(pick.candidate), level=level)
                 for pick in picks],
    )
    return plan.counts()


def _reason(candidate: Candidate) -> Text:
    """The score's reason as the audit trail keeps it: untranslated, read in the reader's language."""
    if candidate.method != Method.similar:
        return {Method.exact: lazy("same SKU"), Method.rule: lazy("same SKU after the pairing rules"),
                Method.barcode: lazy("same barcode")}[candidate.method]
    if candidate.title_score is not None:
        return lazy("title {title}, SKU {sku}", title=candidate.title_score, sku=candidate.sku_score)
    return lazy("SKU {sku}", sku=candidate.sku_score)


def unresolved(suggestions: Sequence[Suggestion], min_similar_score: int | None = None) -> list[Suggestion]:
    """The suggestions "Apply safe suggestions" leaves for a person: ambiguous, unmatched, or not sure enough."""
    return [s for s in suggestions if s.status(min_similar_score) != Status.safe]
