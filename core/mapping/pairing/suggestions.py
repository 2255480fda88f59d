"""Suggestions for a store's unmapped listings: one per listing, with its method, score, candidates and whether it is safe.

    run, found = suggest(session, store_id, report.unmapped)            # Suggestion per listing
    run, found = suggest(session, store_id, listings, reuse=run)       # the same run while catalog and rules stand still
    [s for s in found if s.safe(min_similar_score=None)]                # what "Apply safe suggestions" writes

A listing's suggestion comes from the first method that finds a product it was not rejected for
(exact, rule, barcode, similar; core.mapping.pairing.matcher). Two or more products by that method
make it ambiguous: all of them are shown and none is applied automatically. Safe: exact, rule and
unambiguous barcode, and similar at or above a score the user sets (off unless set). A retired
listing is never safe (walmart-orders-markets.md §2.1: skip RETIRED when auto-pairing). Only
active products are candidates; the caller passes only unmapped listings (a listing a default
mapping covers is mapped: core.mapping.listings).

A PairingRun indexes the catalog and the rules once and remembers every listing's candidates, so
the page computes them once per listing scan and keeps them while the catalog and the rules do
not change (`PairingRun.key`); rejections only filter what it found.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from core.barcodes import gtin14
from core.catalog import active_products, catalog_version
from core.mapping.listings import Listing
from core.mapping.pairing.matcher import METHOD_ORDER, Candidate, CatalogProducts, Matcher, Method, canonical_sku
from core.mapping.pairing.rejections import Pair, rejected_pairs
from core.mapping.pairing.rule_sets import EffectiveRules, effective_rules, rules_versions
from core.mapping.pairing.rules import PairingRules

SAFE_METHODS = (Method.exact, Method.rule, Method.barcode)
RETIRED = "RETIRED"


class Status(StrEnum):
    """What a suggestion means for applying. Machine-readable (--json, filters), never translated."""

    safe = "safe"  # "Apply safe suggestions" writes it
    ambiguous = "ambiguous"  # two or more products by the same method: a person chooses
    review = "review"  # one product, but not sure enough to apply unseen (similar below the threshold, or a retired listing)
    unmatched = "unmatched"  # nothing found


@dataclass(frozen=True)
class Suggestion:
    listing: Listing
    method: Method | None  # None: nothing found
    candidates: tuple[Candidate, ...]  # best first; more than one: ambiguous

    @property
    def platform_sku(self) -> str:
        return canonical_sku(self.listing.sku)

    @property
    def score(self) -> int:
        return self.candidates[0].score if self.candidates else 0

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def safe(self, min_similar_score: int | None = None) -> bool:
        """Whether "Apply safe suggestions" writes it; similar ones only at or above `min_similar_score` (None: never)."""
        return self.status(min_similar_score) == Status.safe

    def status(self, min_similar_score: int | None = None) -> Status:
        if not self.candidates:
            return Status.unmatched
        if self.ambiguous:
            return Status.ambiguous
        if self.listing.lifecycle_status.upper() == RETIRED:
            return Status.review
        if self.method in SAFE_METHODS or (min_similar_score is not None and self.score >= min_similar_score):
            return Status.safe
        return Status.review

    def to_dict(self, min_similar_score: int | None = None) -> dict[str, Any]:
        """Machine-readable (--json): keys and values are never translated."""
        return {"platform_sku": self.listing.sku, "product_name": self.listing.product_name, "gtin": self.listing.gtin,
                "upc": self.listing.upc, "lifecycle_status": self.listing.lifecycle_status,
                "method": str(self.method) if self.method else None, "score": self.score,
                "candidates": [candidate.to_dict() for candidate in self.candidates],
                "status": str(self.status(min_similar_score)), "safe": self.safe(min_similar_score)}


def decide(listing: Listing, candidates: Sequence[Candidate], rejected: Set[Pair]) -> Suggestion:
    """The listing's suggestion from its candidates: the first method with one not rejected; for similar, the best
    score (products tied at it make it ambiguous)."""
    sku = canonical_sku(listing.sku)
    open_ = [candidate for candidate in candidates if (sku, candidate.system_sku) not in rejected]
    for method in METHOD_ORDER:
        chosen = [candidate for candidate in open_ if candidate.method == method]
        if chosen:
            if method == Method.similar:
                best = max(candidate.score for candidate in chosen)
                chosen = [candidate for candidate in chosen if candidate.score == best]
            return Suggestion(listing, method, tuple(chosen))
    return Suggestion(listing, None, ())


def load_products(session: Session) -> CatalogProducts:
    """The active catalog products, barcodes as GTIN-14 (one saved before barcodes were checked and not valid counts as none)."""
    skus: list[str] = []
    names: list[str] = []
    barcodes: list[str | None] = []
    for sku, name, barcode in active_products(session):
        skus.append(sku)
        names.append(name or "")
        barcodes.append(barcode if barcode is None or (len(barcode) == 14 and barcode.isdigit()) else gtin14(barcode))
    return CatalogProducts(skus, names, barcodes)


@dataclass
class PairingRun:
    """The catalog and the rules indexed once, and every listing's candidates found so far."""

    key: tuple[Hashable, ...]  # what it was made from: the catalog's version and the rules' (see run_key)
    matcher: Matcher
    rules: EffectiveRules | None  # the stored rules used; None when a rules file was given instead
    found: dict[Listing, list[Candidate]] = field(default_factory=dict)
    similar_searched: set[Listing] = field(default_factory=set)

    def suggestions(self, listings: Sequence[Listing], rejected: Set[Pair]) -> list[Suggestion]:
        """One suggestion per listing, in the listings' order. Candidates are found once per listing; a listing whose
        every exact, rule and barcode candidate was rejected is then looked up by similarity too."""
        new = [listing for listing in dict.fromkeys(listings) if listing not in self.found]
        if new:
            certain = {listing: self.matcher.certain(listing) for listing in new}
            self.found.update(certain)
            self._add_similar([listing for listing, candidates in certain.items() if not candidates])
        decided = [decide(listing, self.found[listing], rejected) for listing in listings]
        retry = [s.listing for s in decided if s.method is None and s.listing not in self.similar_searched]
        if retry:
            self._add_similar(retry)
            again = {listing: decide(listing, self.found[listing], rejected) for listing in retry}
            decided = [again.get(s.listing, s) for s in decided]
        return decided

    def _add_similar(self, listings: list[Listing]) -> None:
        if not listings:
            return
        similar = self.matcher.similar(listings)
        for listing in listings:
            self.found[listing] = [c for c in self.found.get(listing, []) if c.method != Method.similar] + similar.get(listing.sku, [])
            self.similar_searched.add(listing)


def run_key(session: Session, store_id: int, rules: PairingRules | None = None) -> tuple[Hashable, ...]:
    """What a PairingRun depends on: the catalog's version and the store's rules (versions, or the rules given)."""
    rules_part: Hashable = ("given", rules) if rules is not None else ("stored", rules_versions(session, store_id))
    return (store_id, catalog_version(session), rules_part)


def prepare(session: Session, store_id: int, *, rules: PairingRules | None = None, reuse: PairingRun | None = None) -> PairingRun:
    """A PairingRun for the store: `reuse` when it was made from the same catalog and rules, else a new one.

    `rules` replaces the stored rules (the command line's --rules FILE, to try rules before saving them).
    """
    key = run_key(session, store_id, rules)
    if reuse is not None and reuse.key == key:
        return reuse
    stored = None if rules is not None else effective_rules(session, store_id)
    used = rules if rules is not None else (stored.rules if stored else None)
    return PairingRun(key, Matcher(load_products(session), used), stored)


def suggest(session: Session, store_id: int, listings: Sequence[Listing], *, rules: PairingRules | None = None,
            reuse: PairingRun | None = None) -> tuple[PairingRun, list[Suggestion]]:
    """Suggestions for the store's listings (pass the unmapped ones), without the ones its people rejected."""
    run = prepare(session, store_id, rules=rules, reuse=reuse)
    return run, run.suggestions(listings, rejected_pairs(session, store_id))
