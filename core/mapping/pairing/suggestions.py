"""Suggestions for a store's unmapped listings: one per listing, with its method, score, candidates and whether it is safe.

    run, found = suggest(session, store_id, report.unmapped)       # a SuggestionSet: one suggestion per listing
    run, found = suggest(session, store_id, listings, reuse=run)  # the same run while catalog and rules stand still
    found.select(statuses=[Status.ambiguous], min_score=90)        # positions, for a page of found.page(...)
    found.safe(min_similar_score=None)                             # what "Apply safe suggestions" writes

A listing's suggestion comes from the first method that finds a product it was not rejected for
(exact, rule, barcode, similar; core.mapping.pairing.matcher). Two or more products by that method
make it ambiguous: all of them are shown and none is applied automatically. Safe: exact, rule and
unambiguous barcode, and similar at or above a score the user sets (off unless set). A retired
listing is never safe (walmart-orders-markets.md §2.1: skip RETIRED when auto-pairing). Only
active products are candidates; the caller passes only unmapped listings (a listing a default
mapping covers is mapped: core.mapping.listings).

A PairingRun indexes the catalog and the rules once and remembers every listing's candidates, so
the page computes them once per listing scan and keeps them while the catalog and the rules do
not change (`PairingRun.key`); rejections only filter what it found. Suggestions are kept as
arrays (SuggestionSet) and made into Suggestion objects only for the rows someone looks at.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlmodel import Session

from core.barcodes import gtin14
from core.catalog import active_products, catalog_version
from core.mapping.bulk import bulk_operation
from core.mapping.listings import Listing
from core.mapping.pairing.matcher import COLUMNS, METHOD_CODE, METHOD_ORDER, Candidate, CatalogProducts, Matcher, Method, canonical_sku, empty_table
from core.mapping.pairing.rejections import Pair, rejected_pairs
from core.mapping.pairing.rule_sets import EffectiveRules, effective_rules, rules_versions
from core.mapping.pairing.rules import PairingRules

RETIRED = "RETIRED"


class Status(StrEnum):
    """What a suggestion means for applying. Machine-readable (--json, filters), never translated."""

    safe = "safe"  # "Apply safe suggestions" writes it
    ambiguous = "ambiguous"  # two or more products by the same method: a person chooses
    review = "review"  # one product, but not sure enough to apply unseen (similar below the threshold, or a retired listing)
    unmatched = "unmatched"  # nothing found


STATUS_ORDER = tuple(Status)
STATUS_CODE = {status: code for code, status in enumerate(STATUS_ORDER)}


class Suggestion(NamedTuple):
    """A listing's suggestion, as people and the command line read it (a named tuple: cheap to make by the thousand)."""

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
        code = status_codes(np.array([METHOD_CODE[self.method] if self.method else -1]), np.array([len(self.candidates)]),
                            np.array([self.score]), np.array([is_retired(self.listing)]), min_similar_score)[0]
        return STATUS_ORDER[int(code)]

    def to_dict(self, min_similar_score: int | None = None) -> dict[str, Any]:
        """Machine-readable (--json): keys and values are never translated."""
        return {"platform_sku": self.listing.sku, "product_name": self.listing.product_name, "gtin": self.listing.gtin,
                "upc": self.listing.upc, "lifecycle_status": self.listing.lifecycle_status,
                "method": str(self.method) if self.method else None, "score": self.score,
                "candidates": [candidate.to_dict() for candidate in self.candidates],
                "status": str(self.status(min_similar_score)), "safe": self.safe(min_similar_score)}


def is_retired(listing: Listing) -> bool:
    return listing.lifecycle_status.upper() == RETIRED


def status_codes(methods: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], scores: npt.NDArray[np.int64],
                 retired: npt.NDArray[np.bool_], min_similar_score: int | None) -> npt.NDArray[np.int64]:
    """Each suggestion's Status (its position in STATUS_ORDER), from its method code (-1: nothing found), how many
    candidates it has, its score and whether the listing is retired: the one place the rule is written.

    Nothing found: unmatched. Two or more candidates: ambiguous. A retired listing: review. Exact, rule, barcode, or
    similar at or above `min_similar_score`: safe. The rest (similar below it, or with no threshold): review.
    """
    similar = methods == METHOD_CODE[Method.similar]
    sure = (methods >= 0) & ~similar
    if min_similar_score is not None:
        sure |= similar & (scores >= min_similar_score)
    codes = np.full(len(methods), STATUS_CODE[Status.review], dtype="int64")
    codes[sure & ~retired] = STATUS_CODE[Status.safe]
    codes[counts > 1] = STATUS_CODE[Status.ambiguous]
    codes[methods < 0] = STATUS_CODE[Status.unmatched]
    return codes


class SuggestionSet:
    """The suggestions for a list of listings, kept as arrays; a Suggestion is made when one is looked at.

    20,000 listings are decided, counted and filtered by method, status and score in a few milliseconds;
    a page makes Suggestion objects only for the 50 rows it shows (`at`, `page`), applying makes them for
    the safe ones (`safe`), and the command line for all (iterating).
    """

    def __init__(self, listings: Sequence[Listing], matcher: Matcher, decided: pd.DataFrame) -> None:
        self.listings = list(listings)
        self.matcher = matcher
        self.decided = decided  # the candidates that make each suggestion (COLUMNS), by listing, best first
        rows = decided["listing"].to_numpy()
        self._rows = rows
        count = len(self.listings)
        self.counts = np.bincount(rows, minlength=count) if count else np.zeros(0, dtype="int64")
        self.methods = np.full(count, -1, dtype="int64")
        self.methods[rows] = decided["method"].to_numpy()
        self.scores = np.zeros(count, dtype="int64")
        np.maximum.at(self.scores, rows, decided["score"].to_numpy())
        self.retired = np.fromiter(map(is_retired, self.listings), dtype=bool, count=count)
        self._candidates: list[list[int]] | None = None  # the decided table as lists, made for the first Suggestion asked for

    def __len__(self) -> int:
        return len(self.listings)

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self.page(np.arange(len(self.listings))))

    def __getitem__(self, number: int) -> Suggestion:
        return self.at(number)

    def at(self, number: int) -> Suggestion:
        """The suggestion for the listing at this position."""
        return self.page([number])[0]

    def page(self, numbers: Iterable[int]) -> list[Suggestion]:
        """The suggestions for the listings at these positions, in that order."""
        wanted = np.asarray(list(numbers), dtype="int64")
        starts, stops = np.searchsorted(self._rows, wanted, "left"), np.searchsorted(self._rows, wanted, "right")
        if self._candidates is None:
            self._candidates = [self.decided[column].tolist() for column in COLUMNS[1:]]
        product, method, score, title, sku = self._candidates
        made: list[Suggestion] = []
        for number, start, stop in zip(wanted.tolist(), starts.tolist(), stops.tolist()):
            candidates = tuple(self.matcher.candidate(product[row], method[row], score[row], title[row], sku[row]) for row in range(start, stop))
            code = int(self.methods[number])
            made.append(Suggestion(self.listings[number], METHOD_ORDER[code] if code >= 0 else None, candidates))
        return made

    def status_codes(self, min_similar_score: int | None = None) -> npt.NDArray[np.int64]:
        """Each listing's Status, as its position in STATUS_ORDER."""
        return status_codes(self.methods, self.counts, self.scores, self.retired, min_similar_score)

    def select(self, *, methods: Iterable[Method | None] | None = None, statuses: Iterable[Status] | None = None, min_score: int = 0,
               min_similar_score: int | None = None, text: str = "") -> npt.NDArray[np.int64]:
        """Positions of the listings that pass the filters, in listing order. `methods` may hold None (nothing found);
        `text` matches any part of the listing's SKU or product name, or of a candidate's system SKU, in any case."""
        keep = np.ones(len(self.listings), dtype=bool)
        if methods is not None:
            keep &= np.isin(self.methods, [METHOD_CODE[method] if method is not None else -1 for method in methods])
        if statuses is not None:
            keep &= np.isin(self.status_codes(min_similar_score), [STATUS_CODE[status] for status in statuses])
        if min_score:
            keep &= self.scores >= min_score
        needle = text.strip().casefold()
        if needle:
            said = np.fromiter((needle in f"{listing.sku}\n{listing.product_name}".casefold() for listing in self.listings), dtype=bool,
                               count=len(self.listings))
            skus = self.matcher.products.skus
            named = self.decided[[needle in skus[product].casefold() for product in self.decided["product"]]]["listing"].to_numpy()
            said[named] = True
            keep &= said
        return np.flatnonzero(keep)

    def count_by_status(self, min_similar_score: int | None = None) -> dict[Status, int]:
        counts = np.bincount(self.status_codes(min_similar_score), minlength=len(STATUS_ORDER))
        return {status: int(counts[code]) for status, code in STATUS_CODE.items()}

    def count_by_method(self) -> dict[Method | None, int]:
        counts = np.bincount(self.methods + 1, minlength=len(METHOD_ORDER) + 1)
        return {None: int(counts[0]), **{method: int(counts[code + 1]) for method, code in METHOD_CODE.items()}}

    def safe(self, min_similar_score: int | None = None) -> list[Suggestion]:
        """The suggestions "Apply safe suggestions" writes."""
        return self.page(np.flatnonzero(self.status_codes(min_similar_score) == STATUS_CODE[Status.safe]))


def decide(candidates: pd.DataFrame, skus: Sequence[str], matcher: Matcher, rejected: Set[Pair]) -> pd.DataFrame:
    """Of every candidate found (COLUMNS; `listing` a position in `skus`), the ones that make each listing's suggestion:
    without the rejected ones, those of the first method left; for similar, the best score (ties make it ambiguous)."""
    if rejected and not candidates.empty:
        product_skus = matcher.products.skus
        wanted = [(skus[listing], product_skus[product]) not in rejected
                  for listing, product in zip(candidates["listing"].tolist(), candidates["product"].tolist())]
        candidates = candidates[np.asarray(wanted, dtype=bool)]
    if candidates.empty:
        return candidates
    by_listing = candidates.groupby("listing", sort=False)
    candidates = candidates[candidates["method"] == by_listing["method"].transform("min")]
    similar = candidates["method"] == METHOD_CODE[Method.similar]
    if similar.any():
        best = candidates.groupby("listing", sort=False)["score"].transform("max")
        candidates = candidates[~similar | (candidates["score"] == best)]
    return candidates.sort_values(["listing", "score"], ascending=[True, False], kind="stable").reset_index(drop=True)


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
    """The catalog and the rules indexed once, and the candidates of every listing seen so far.

    Listings are remembered by value, in the order first seen (`_seen`); `_found` holds their candidates with
    `listing` as that position. Similar candidates are looked for once per listing, and only when it needs
    them: when no other method found a product, or every product it found was rejected.
    """

    key: tuple[Hashable, ...]  # what it was made from: the catalog's version and the rules' (see run_key)
    matcher: Matcher
    rules: EffectiveRules | None  # the stored rules used; None when a rules file was given instead
    _seen: list[Listing] = field(default_factory=list)
    _position: dict[Listing, int] = field(default_factory=dict)
    _found: pd.DataFrame = field(default_factory=empty_table)
    _similar_done: set[int] = field(default_factory=set)
    _last: tuple[Sequence[Listing], npt.NDArray[np.int64]] | None = None  # the last listings asked about and their positions

    @bulk_operation
    def suggestions(self, listings: Sequence[Listing], rejected: Set[Pair], *, similar: bool = True) -> SuggestionSet:
        """The suggestions for these listings, in their order, without the rejected ones. `similar=False` looks for
        exact, rule and barcode candidates only (never safe by default, similar ones are the costly search)."""
        positions = self._positions(listings)
        where = np.full(len(self._seen), -1, dtype="int64")  # seen position -> position in `listings`
        where[positions] = np.arange(len(listings))
        skus = [canonical_sku(listing.sku) for listing in listings]
        candidates = self._asked(where)
        decided = decide(candidates, skus, self.matcher, rejected)
        empty = np.ones(len(listings), dtype=bool)
        empty[decided["listing"].to_numpy()] = False
        wanting = [int(positions[number]) for number in np.flatnonzero(empty) if int(positions[number]) not in self._similar_done] if similar else []
        if wanting:
            self._add_similar(wanting)
            decided = decide(self._asked(where), skus, self.matcher, rejected)
        return SuggestionSet(listings, self.matcher, decided)

    def _asked(self, where: npt.NDArray[np.int64]) -> pd.DataFrame:
        """The candidates of the listings asked about, `listing` renumbered to their positions there."""
        found = self._found
        mapped = where[found["listing"].to_numpy()]
        asked = found[mapped >= 0].copy()
        asked["listing"] = mapped[mapped >= 0]
        ordered: pd.DataFrame = asked.sort_values(["listing", "method"], kind="stable")
        return ordered

    def _positions(self, listings: Sequence[Listing]) -> npt.NDArray[np.int64]:
        """Each listing's position among those seen; new ones are matched (exact, rule, barcode) and added."""
        if self._last is not None and self._last[0] is listings:  # the same list again (a page rerun): nothing to look up
            return self._last[1]
        if not self._seen:
            self._seen = list(dict.fromkeys(listings))
            self._position = {listing: number for number, listing in enumerate(self._seen)}
            new = self._seen
        else:
            new = [listing for listing in dict.fromkeys(listings) if listing not in self._position]
            for listing in new:
                self._position[listing] = len(self._seen)
                self._seen.append(listing)
        if new:
            found = self.matcher.certain(new)
            found["listing"] += len(self._seen) - len(new)
            self._found = pd.concat([self._found, found], ignore_index=True) if len(self._found) else found
        positions = np.fromiter((self._position[listing] for listing in listings), dtype="int64", count=len(listings))
        self._last = (listings, positions)
        return positions

    def _add_similar(self, positions: list[int]) -> None:
        if not positions:
            return
        found = self.matcher.similar([self._seen[position] for position in positions])
        found["listing"] = np.asarray(positions, dtype="int64")[found["listing"].to_numpy()]
        self._found = pd.concat([self._found, found], ignore_index=True)
        self._similar_done.update(positions)


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
            reuse: PairingRun | None = None, similar: bool = True) -> tuple[PairingRun, SuggestionSet]:
    """Suggestions for the store's listings (pass the unmapped ones), without the ones its people rejected.
    `similar=False`: exact, rule and barcode only ("Map it" on the Orders page fills in safe ones alone)."""
    run = prepare(session, store_id, rules=rules, reuse=reuse)
    return run, run.suggestions(listings, rejected_pairs(session, store_id), similar=similar)
