"""Finding catalog products for Walmart listings: by exact SKU, by SKU after the pairing rules, by barcode, by similarity.

    matcher = Matcher(products, rules)                # indexes the active catalog once (rules may be None)
    found = matcher.match(listings)                   # listing SKU -> candidates of every method that found any
    matcher.similar(listings)                         # similar products only (for listings whose others were rejected)

Methods and scores (issue 16): exact 100, rule 95, barcode 90, similar 0-99. Exact, rule and barcode
are dictionary lookups on keys computed once per catalog. Similar compares the listing's title and
SKU with products' (rapidfuzz), but only with the products a blocking step finds: those sharing the
listing's rarest words (of title and SKU), weighted by how rare they are. Words that more than
BLOCK_MAX_PRODUCTS products share are too common to tell products apart and are not used; a listing
with nothing but such words is compared with the whole catalog by the fast scorer instead. Matching
reads no database: the caller hands in the products (core.mapping.pairing.suggestions loads them).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from core.barcodes import listing_gtin
from core.i18n import _
from core.mapping.listings import Listing
from core.mapping.pairing.rules import PairingRules

_SkuKey = Callable[[str], str]


class Method(StrEnum):
    """How a candidate was found, in the order methods are tried. Values are machine-readable (--json) and never translated."""

    exact = "exact"
    rule = "rule"
    barcode = "barcode"
    similar = "similar"


METHOD_ORDER = tuple(Method)
SCORES = {Method.exact: 100, Method.rule: 95, Method.barcode: 90}
SIMILAR_MAX = 99  # a similar product is never as sure as an exact SKU
SIMILAR_MIN = 50  # below this, a similar product is not worth showing
SIMILAR_KEEP = 5  # similar candidates kept per listing, best first (the next one shows when the best is rejected)
TITLE_WEIGHT = 0.6  # of the similar score, when both sides have a title; the SKU's is the rest
BLOCK_CANDIDATES = 20  # products a listing is compared with in full, the best by shared rare words
BLOCK_WORDS = 6  # of a listing's words, the rarest this many are looked up
BLOCK_MAX_PRODUCTS = 300  # a word on more products than this is too common to block on
_CHUNK = 2_000  # listings blocked at once (bounds the memory of the candidate pairs)
_WHOLE_CATALOG_ROWS = 200  # listings compared with the whole catalog at once (200 x 50,000 scores, 10 MB)
_WORDS = re.compile(r"[^\W_]+")
_SKU_PARTS = re.compile(r"[^\W\d_]+|\d+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class CatalogProducts:
    """The active catalog products pairing may suggest, as parallel lists (one position per product)."""

    skus: list[str]
    names: list[str]
    barcodes: list[str | None]  # GTIN-14, or None

    def __len__(self) -> int:
        return len(self.skus)


@dataclass(frozen=True)
class Candidate:
    """A product suggested for a listing, how it was found and how sure that is."""

    system_sku: str
    product_name: str
    method: Method
    score: int
    title_score: int | None = None  # similar only: how alike the titles are (0-100)
    sku_score: int | None = None  # similar only: how alike the SKUs are (0-100)

    def breakdown(self) -> str:
        """Why this score, in words: the parts of a similar score; the method's rule for the others."""
        if self.method != Method.similar:
            return {Method.exact: _("same SKU"), Method.rule: _("same SKU after the pairing rules"),
                    Method.barcode: _("same barcode (GTIN/UPC)")}[self.method]
        if self.title_score is None:
            return _("SKU {sku}", sku=self.sku_score)
        return _("title {title}, SKU {sku}", title=self.title_score, sku=self.sku_score)

    def to_dict(self) -> dict[str, object]:
        return {"system_sku": self.system_sku, "product_name": self.product_name, "method": str(self.method), "score": self.score,
                "title_score": self.title_score, "sku_score": self.sku_score}


def canonical_sku(sku: str) -> str:
    """A listing's SKU in the form mappings are stored in (Unicode NFC)."""
    return unicodedata.normalize("NFC", sku)


class Matcher:
    """The catalog indexed for every method; built once per catalog and rule set, then asked about any listings."""

    def __init__(self, products: CatalogProducts, rules: PairingRules | None) -> None:
        self.products = products
        self.rules = rules
        self._by_sku = {sku: position for position, sku in enumerate(products.skus)}
        self._normalise = rules.normaliser() if rules is not None else None
        self._by_rule: dict[str, list[int]] = {}
        if self._normalise is not None:
            for position, key in enumerate(map(self._normalise, products.skus)):
                if key:
                    self._by_rule.setdefault(key, []).append(position)
        self._by_barcode: dict[str, list[int]] = {}
        for position, barcode in enumerate(products.barcodes):
            if barcode:
                self._by_barcode.setdefault(barcode, []).append(position)
        self._similarity: _SimilarityIndex | None = None

    def match(self, listings: Sequence[Listing]) -> dict[str, list[Candidate]]:
        """Listing SKU -> the candidates of every method that found any, in method order; similar ones only for
        listings that no other method found anything for. Listings with no candidate are left out."""
        found: dict[str, list[Candidate]] = {}
        for listing in listings:
            candidates = self.certain(listing)
            if candidates:
                found[listing.sku] = candidates
        rest = [listing for listing in listings if listing.sku not in found]
        found.update(self.similar(rest))
        return found

    def certain(self, listing: Listing) -> list[Candidate]:
        """The exact, rule and barcode candidates for one listing (a product found by an earlier method is not repeated)."""
        sku = canonical_sku(listing.sku)
        positions: list[tuple[Method, int]] = []
        exact = self._by_sku.get(sku)
        if exact is not None:
            positions.append((Method.exact, exact))
        if self._normalise is not None:
            key = self._normalise(sku)
            positions.extend((Method.rule, position) for position in self._by_rule.get(key, ()) if key)
        barcode = listing_gtin(listing.gtin, listing.upc) if (listing.gtin or listing.upc) else None
        if barcode:
            positions.extend((Method.barcode, position) for position in self._by_barcode.get(barcode, ()))
        seen: set[int] = set()
        candidates: list[Candidate] = []
        for method, position in positions:
            if position not in seen:
                seen.add(position)
                candidates.append(Candidate(self.products.skus[position], self.products.names[position], method, SCORES[method]))
        return candidates

    def similar(self, listings: Sequence[Listing]) -> dict[str, list[Candidate]]:
        """Listing SKU -> up to SIMILAR_KEEP similar products scoring at least SIMILAR_MIN, best first."""
        if not listings or not len(self.products):
            return {}
        if self._similarity is None:
            self._similarity = _SimilarityIndex(self.products, self._sku_key)
        return self._similarity.best(listings)

    def _sku_key(self, sku: str) -> str:
        """A SKU as the similar method compares it: after the rules, lower case, letters and digits only."""
        sku = canonical_sku(sku)
        if self._normalise is not None:
            sku = self._normalise(sku)
        return _NOT_ALPHANUMERIC.sub("", sku.lower())


class _SimilarityIndex:
    """Products' titles and SKU keys prepared for rapidfuzz, and an index of the words they contain (for blocking)."""

    def __init__(self, products: CatalogProducts, sku_key: _SkuKey) -> None:
        self.products = products
        self.sku_key = sku_key
        self.titles = [utils.default_process(name) for name in products.names]
        self.sku_keys = [sku_key(sku) for sku in products.skus]
        pairs = [(word, position) for position, words in enumerate(self._words(products.skus, self.titles)) for word in words]
        frame = pd.DataFrame(pairs, columns=["word", "product"]).drop_duplicates()
        counts = frame["word"].value_counts()
        self.product_count = len(products)
        self.frequency: dict[str, int] = {str(word): int(count) for word, count in counts.items()}
        usable = counts[counts <= BLOCK_MAX_PRODUCTS].index
        self.postings = frame[frame["word"].isin(usable)]
        self._combined: list[str] | None = None  # SKU key and title together, made when a listing needs the whole catalog

    @staticmethod
    def _words(skus: Iterable[str], titles: Iterable[str]) -> Iterable[set[str]]:
        for sku, title in zip(skus, titles):
            yield {word for word in _WORDS.findall(title) if len(word) > 1} | {part for part in _SKU_PARTS.findall(sku.lower()) if len(part) > 1}

    def best(self, listings: Sequence[Listing]) -> dict[str, list[Candidate]]:
        titles = [utils.default_process(listing.product_name) for listing in listings]
        keys = [self.sku_key(listing.sku) for listing in listings]
        found: dict[str, list[Candidate]] = {}
        for start in range(0, len(listings), _CHUNK):
            stop = start + _CHUNK
            pairs = self._blocked(listings[start:stop], titles[start:stop], start)
            found.update(self._scored(listings, titles, keys, pairs))
        return found

    def _blocked(self, listings: Sequence[Listing], titles: Sequence[str], offset: int) -> pd.DataFrame:
        """(listing, product) pairs to score: each listing's BLOCK_CANDIDATES products sharing the most rare words with it."""
        wanted: list[tuple[int, str, float]] = []
        unblocked: list[int] = []
        for number, words in enumerate(self._words((listing.sku for listing in listings), titles)):
            rare = sorted((self.frequency[word], word) for word in words if 0 < self.frequency.get(word, 0) <= BLOCK_MAX_PRODUCTS)[:BLOCK_WORDS]
            if not rare:
                unblocked.append(number)
            wanted.extend((offset + number, word, math.log(self.product_count / count) + 1.0) for count, word in rare)
        pairs = pd.DataFrame(wanted, columns=["listing", "word", "weight"]).merge(self.postings, on="word")
        pairs = pairs.groupby(["listing", "product"], sort=False)["weight"].sum().reset_index()
        pairs = pairs.sort_values(["listing", "weight"], ascending=[True, False]).groupby("listing", sort=False).head(BLOCK_CANDIDATES)
        chosen = pairs[["listing", "product"]]
        if unblocked:
            extra = self._whole_catalog(listings, titles, unblocked)
            extra["listing"] += offset
            chosen = pd.concat([chosen, extra], ignore_index=True)
        return chosen

    def _whole_catalog(self, listings: Sequence[Listing], titles: Sequence[str], numbers: list[int]) -> pd.DataFrame:
        """For listings with only common words: the BLOCK_CANDIDATES products closest over the whole catalog by the fast
        scorer (plain edit distance of SKU and title together)."""
        if self._combined is None:
            self._combined = [f"{key} {title}" for key, title in zip(self.sku_keys, self.titles)]
        queries = [f"{self.sku_key(listings[number].sku)} {titles[number]}" for number in numbers]
        keep = min(BLOCK_CANDIDATES, len(self._combined))
        found: list[pd.DataFrame] = []
        for start in range(0, len(queries), _WHOLE_CATALOG_ROWS):
            scores = process.cdist(queries[start:start + _WHOLE_CATALOG_ROWS], self._combined, scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
            best = np.argpartition(-scores.astype(np.int16), keep - 1, axis=1)[:, :keep]
            rows = np.repeat(np.asarray(numbers[start:start + _WHOLE_CATALOG_ROWS]), keep)
            found.append(pd.DataFrame({"listing": rows, "product": best.ravel()}))
        return pd.concat(found, ignore_index=True)

    def _scored(self, listings: Sequence[Listing], titles: Sequence[str], keys: Sequence[str], pairs: pd.DataFrame) -> dict[str, list[Candidate]]:
        if pairs.empty:
            return {}
        listing_at, product_at = pairs["listing"].to_numpy(), pairs["product"].to_numpy()
        sku_scores = process.cpdist([keys[i] for i in listing_at], [self.sku_keys[i] for i in product_at], scorer=fuzz.ratio, workers=-1)
        left, right = [titles[i] for i in listing_at], [self.titles[i] for i in product_at]
        title_scores = process.cpdist(left, right, scorer=fuzz.WRatio, workers=-1)
        has_titles = np.fromiter((bool(a) and bool(b) for a, b in zip(left, right)), dtype=bool, count=len(left))
        combined = np.where(has_titles, TITLE_WEIGHT * title_scores + (1 - TITLE_WEIGHT) * sku_scores, sku_scores)
        scores = np.minimum(np.rint(combined), SIMILAR_MAX).astype(int)
        table = pd.DataFrame({"listing": listing_at, "product": product_at, "score": scores, "title": np.rint(title_scores).astype(int),
                              "sku": np.rint(sku_scores).astype(int), "has_title": has_titles})
        table = table[table["score"] >= SIMILAR_MIN].sort_values(["listing", "score"], ascending=[True, False], kind="stable")
        table = table.groupby("listing", sort=False).head(SIMILAR_KEEP)
        found: dict[str, list[Candidate]] = {}
        skus, names = self.products.skus, self.products.names
        for listing, product, score, title, sku, has_title in table.itertuples(index=False):
            found.setdefault(listings[listing].sku, []).append(
                Candidate(skus[product], names[product], Method.similar, int(score), int(title) if has_title else None, int(sku)))
        return found
