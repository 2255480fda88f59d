"""Finding catalog products for Walmart listings: by exact SKU, by SKU after the pairing rules, by barcode, by similarity.

    matcher = Matcher(products, rules)       # indexes the active catalog once (rules may be None)
    found = matcher.certain(listings)        # a table of (listing, product, method, score): exact, rule and barcode
    close = matcher.similar(listings)        # the same for similar products, with the title and SKU scores
    matcher.candidate(row)                   # one row as a Candidate, for people to read

Methods and scores (issue 16): exact 100, rule 95, barcode 90, similar 0-99. Exact, rule and barcode
are joins on keys (the SKU, the SKU after the rules, the GTIN-14) made for a whole column at once,
so 20,000 listings cost about what a plain pandas merge of them does. Candidates stay in tables
(one row per listing and product) until someone looks at one: a page shows 50 of 20,000.

Similar compares the listing's title and SKU with products' (rapidfuzz), but only with the products a
blocking step finds: those sharing the listing's rarest words (of title and SKU), weighted by how rare
they are. Words that more than BLOCK_MAX_PRODUCTS products share are too common to tell products apart
and are not used; a listing with nothing but such words is compared with the whole catalog by the fast
scorer instead, and one with no word any product has gets no similar candidate. Matching reads no
database: the caller hands in the products (core.mapping.pairing.suggestions loads them).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from core.barcodes import GTIN_DIGITS
from core.i18n import _
from core.mapping.bulk import bulk_operation
from core.mapping.listings import Listing
from core.mapping.pairing.rules import ARROW_TEXT, PairingRules

_SkuKeys = Callable[[Sequence[str]], list[str]]


class Method(StrEnum):
    """How a candidate was found, in the order methods are tried. Values are machine-readable (--json) and never translated."""

    exact = "exact"
    rule = "rule"
    barcode = "barcode"
    similar = "similar"


METHOD_ORDER = tuple(Method)
METHOD_CODE = {method: code for code, method in enumerate(METHOD_ORDER)}  # the order, as the tables keep it
SCORES = {Method.exact: 100, Method.rule: 95, Method.barcode: 90}
SIMILAR_MAX = 99  # a similar product is never as sure as an exact SKU
SIMILAR_MIN = 50  # below this, a similar product is not worth showing
SIMILAR_KEEP = 5  # similar candidates kept per listing, best first (the next one shows when the best is rejected)
TITLE_WEIGHT = 0.6  # of the similar score, when both sides have a title; the SKU's is the rest
BLOCK_CANDIDATES = 20  # products a listing is compared with in full, the best by shared rare words
BLOCK_WORDS = 6  # of a listing's words, the rarest this many are looked up
BLOCK_MAX_PRODUCTS = 300  # a word on more products than this is too common to block on
NO_SCORE = -1  # title or SKU score of a candidate that is not a similar one (or a side without a title)
# A candidate table: one row per (listing, product); listing is the position in the listings given.
COLUMNS = ["listing", "product", "method", "score", "title_score", "sku_score"]
_CHUNK = 2_000  # listings blocked at once (bounds the memory of the candidate pairs)
_WHOLE_CATALOG_ROWS = 200  # listings compared with the whole catalog at once (200 x 50,000 scores, 10 MB)
_WORDS = re.compile(r"[^\W_]+")
_SKU_PARTS = re.compile(r"[^\W\d_]+|\d+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
_BARCODE = r"[0-9]{8}|[0-9]{12,14}"  # the lengths a GTIN may have, ASCII digits only


@dataclass(frozen=True)
class CatalogProducts:
    """The active catalog products pairing may suggest, as parallel lists (one position per product)."""

    skus: list[str]
    names: list[str]
    barcodes: list[str | None]  # GTIN-14, or None

    def __len__(self) -> int:
        return len(self.skus)


class Candidate(NamedTuple):
    """A product suggested for a listing, how it was found and how sure that is."""

    system_sku: str
    product_name: str
    method: Method
    score: int
    title_score: int | None = None  # similar only: how alike the titles are (0-100); None when a side has no title
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
    """A listing's SKU in the form mappings are stored in (Unicode NFC; ASCII is already in it)."""
    return sku if sku.isascii() else unicodedata.normalize("NFC", sku)


def barcode_keys(codes: pd.Series[str]) -> pd.Series[str]:
    """Walmart's gtin or upc cells as GTIN-14 keys (walmart-orders-markets.md §2.3); None where a cell is not 8, 12, 13 or 14 digits.

    No check digit is computed: every catalog barcode has a valid one, so a listing's code with a wrong one
    can never equal a catalog key.
    """
    codes = codes.astype(ARROW_TEXT)
    return codes.str.zfill(GTIN_DIGITS).where(codes.str.fullmatch(_BARCODE).fillna(False).astype(bool))


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype="int64") for column in COLUMNS})


class Matcher:
    """The catalog indexed for every method; built once per catalog and rule set, then asked about any listings."""

    @bulk_operation
    def __init__(self, products: CatalogProducts, rules: PairingRules | None) -> None:
        self.products = products
        self.rules = rules
        positions = pd.Series(np.arange(len(products)), dtype="int64")
        skus = pd.Series(products.skus, dtype=ARROW_TEXT)
        self._by_sku = pd.DataFrame({"sku": skus, "product": positions})
        self._by_rule: pd.DataFrame | None = None
        if rules is not None:
            keys = rules.normalise_column(skus)
            self._by_rule = pd.DataFrame({"key": keys, "product": positions})[keys != ""]
        barcodes = pd.Series(products.barcodes, dtype=ARROW_TEXT)
        self._by_barcode = pd.DataFrame({"barcode": barcodes, "product": positions})[barcodes.notna()]
        self._similarity: _SimilarityIndex | None = None

    @bulk_operation
    def certain(self, listings: Sequence[Listing]) -> pd.DataFrame:
        """The exact, rule and barcode candidates of the listings (COLUMNS), in listing then method order. A product
        found by an earlier method is not repeated by a later one."""
        if not listings or not len(self.products):
            return empty_table()
        skus = pd.Series([canonical_sku(listing.sku) for listing in listings], dtype=ARROW_TEXT)
        numbers = pd.Series(np.arange(len(listings)), dtype="int64")
        parts = [pd.DataFrame({"listing": numbers, "sku": skus}).merge(self._by_sku, on="sku")[["listing", "product"]].assign(method=0)]
        if self._by_rule is not None and self.rules is not None:
            keys = self.rules.normalise_column(skus)
            wanted = pd.DataFrame({"listing": numbers, "key": keys})[keys != ""]
            parts.append(wanted.merge(self._by_rule, on="key")[["listing", "product"]].assign(method=1))
        gtins = barcode_keys(pd.Series([listing.gtin for listing in listings], dtype=ARROW_TEXT))
        upcs = barcode_keys(pd.Series([listing.upc for listing in listings], dtype=ARROW_TEXT))
        upcs = upcs.where((upcs != gtins).fillna(True).astype(bool))  # the same code twice would find the same products twice
        for codes in (gtins, upcs):
            wanted = pd.DataFrame({"listing": numbers, "barcode": codes})[codes.notna()]
            parts.append(wanted.merge(self._by_barcode, on="barcode")[["listing", "product"]].assign(method=2))
        found = pd.concat(parts, ignore_index=True).drop_duplicates(["listing", "product"], keep="first")
        found = found.sort_values(["listing", "method"], kind="stable")
        scores = np.array([SCORES[method] for method in METHOD_ORDER[:3]], dtype="int64")
        return pd.DataFrame({"listing": found["listing"].to_numpy(dtype="int64"), "product": found["product"].to_numpy(dtype="int64"),
                             "method": found["method"].to_numpy(dtype="int64"), "score": scores[found["method"].to_numpy()],
                             "title_score": NO_SCORE, "sku_score": NO_SCORE})

    def similar(self, listings: Sequence[Listing]) -> pd.DataFrame:
        """Up to SIMILAR_KEEP similar products per listing scoring at least SIMILAR_MIN (COLUMNS), best first."""
        if not listings or not len(self.products):
            return empty_table()
        if self._similarity is None:
            self._similarity = _SimilarityIndex(self.products, self._sku_keys)
        return self._similarity.best(listings)

    def candidate(self, product: int, method: int, score: int, title_score: int, sku_score: int) -> Candidate:
        """One row of a candidate table as people read it."""
        return Candidate(self.products.skus[product], self.products.names[product], METHOD_ORDER[method], int(score),
                         None if title_score == NO_SCORE else int(title_score), None if sku_score == NO_SCORE else int(sku_score))

    def _sku_keys(self, skus: Sequence[str]) -> list[str]:
        """SKUs as the similar method compares them: after the rules, lower case, letters and digits only."""
        canonical = [canonical_sku(sku) for sku in skus]
        normalised = self.rules.normalise_all(canonical) if self.rules is not None else canonical
        return [_NOT_ALPHANUMERIC.sub("", sku.lower()) for sku in normalised]


class _SimilarityIndex:
    """Products' titles and SKU keys prepared for rapidfuzz, and an index of the words they contain (for blocking)."""

    def __init__(self, products: CatalogProducts, sku_key: _SkuKeys) -> None:
        self.products = products
        self.sku_key = sku_key
        self.titles = [utils.default_process(name) for name in products.names]
        self.sku_keys = sku_key(products.skus)
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

    @bulk_operation
    def best(self, listings: Sequence[Listing]) -> pd.DataFrame:
        titles = [utils.default_process(listing.product_name) for listing in listings]
        keys = self.sku_key([listing.sku for listing in listings])
        found = [empty_table()]
        for start in range(0, len(listings), _CHUNK):
            stop = start + _CHUNK
            pairs = self._blocked(listings[start:stop], titles[start:stop], start)
            found.append(self._scored(titles, keys, pairs))
        return pd.concat(found, ignore_index=True)

    def _blocked(self, listings: Sequence[Listing], titles: Sequence[str], offset: int) -> pd.DataFrame:
        """(listing, product) pairs to score: each listing's BLOCK_CANDIDATES products sharing the most rare words with it."""
        wanted: list[tuple[int, str, float]] = []
        unblocked: list[int] = []
        for number, words in enumerate(self._words((listing.sku for listing in listings), titles)):
            known = [(self.frequency[word], word) for word in words if word in self.frequency]
            rare = sorted(found for found in known if found[0] <= BLOCK_MAX_PRODUCTS)[:BLOCK_WORDS]
            if known and not rare:  # only common words: compare it with everything (no known word at all: nothing is alike)
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
        keys = self.sku_key([listings[number].sku for number in numbers])
        queries = [f"{key} {titles[number]}" for key, number in zip(keys, numbers)]
        keep = min(BLOCK_CANDIDATES, len(self._combined))
        found: list[pd.DataFrame] = []
        for start in range(0, len(queries), _WHOLE_CATALOG_ROWS):
            scores = process.cdist(queries[start:start + _WHOLE_CATALOG_ROWS], self._combined, scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
            best = np.argpartition(-scores.astype(np.int16), keep - 1, axis=1)[:, :keep]
            rows = np.repeat(np.asarray(numbers[start:start + _WHOLE_CATALOG_ROWS]), keep)
            found.append(pd.DataFrame({"listing": rows, "product": best.ravel()}))
        return pd.concat(found, ignore_index=True)

    def _scored(self, titles: Sequence[str], keys: Sequence[str], pairs: pd.DataFrame) -> pd.DataFrame:
        if pairs.empty:
            return empty_table()
        listing_at, product_at = pairs["listing"].to_numpy(), pairs["product"].to_numpy()
        sku_scores = process.cpdist([keys[i] for i in listing_at], [self.sku_keys[i] for i in product_at], scorer=fuzz.ratio, workers=-1)
        left, right = [titles[i] for i in listing_at], [self.titles[i] for i in product_at]
        title_scores = process.cpdist(left, right, scorer=fuzz.WRatio, workers=-1)
        has_titles = np.fromiter((bool(a) and bool(b) for a, b in zip(left, right)), dtype=bool, count=len(left))
        combined = np.where(has_titles, TITLE_WEIGHT * title_scores + (1 - TITLE_WEIGHT) * sku_scores, sku_scores)
        scores = np.minimum(np.rint(combined), SIMILAR_MAX).astype(int)
        table = pd.DataFrame({"listing": listing_at.astype("int64"), "product": product_at.astype("int64"),
                              "method": METHOD_CODE[Method.similar], "score": scores.astype("int64"),
                              "title_score": np.where(has_titles, np.rint(title_scores), NO_SCORE).astype("int64"),
                              "sku_score": np.rint(sku_scores).astype("int64")})
        table = table[table["score"] >= SIMILAR_MIN].sort_values(["listing", "score"], ascending=[True, False], kind="stable")
        return table.groupby("listing", sort=False).head(SIMILAR_KEEP).reset_index(drop=True)
