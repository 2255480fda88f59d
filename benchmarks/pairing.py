"""Benchmark: pairing suggestions for 20,000 unmapped listings against a 50,000-product catalog, barcodes and rules on.

    .venv/bin/python benchmarks/pairing.py [--listings 20000] [--products 50000] [--repeat 5] [--database]

The catalog has a GTIN on 80% of its products, a brand, a product type, a colour or size and a model code in
each name. The listings are made from it: a quarter carry a system SKU as it is (exact), a quarter the SKU with
the seller's prefix, suffix, case and separators (rule), a quarter another SKU with the product's GTIN, UPC-12 or
EAN-13 (barcode), a fifth a new SKU and a reworded title (similar), the rest nothing of the catalog. The rules are
the issue's example (ignore case, a prefix, a suffix, removed characters, a replacement).

Exact, rule and barcode: ours indexes the catalog (core.mapping.pairing.matcher.Matcher, rules applied to
every system SKU), finds every listing's candidates (Matcher.certain), decides each listing's suggestion
(ambiguity included: core.mapping.pairing.suggestions.decide) and counts them by status (SuggestionSet),
against the baseline "a plain pandas merge on the normalised keys": the catalog and the listings put in frames
(both start from the same lists), the same keys made with pandas' string methods, then three merges (SKU,
normalised SKU, GTIN-14). The merges alone, frames and keys made beforehand, are shown too.

Similar: the listings no other method found, scored by title and SKU with rapidfuzz behind the blocking step.

--database also times the whole thing as the page does it: the active catalog read from a SQLite file, the
stored rules, rejections, and every suggestion made (core.mapping.pairing.suggestions.suggest).
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from core.barcodes import check_digit, listing_gtin  # noqa: E402
from core.mapping.listings import Listing  # noqa: E402
from core.mapping.pairing.matcher import CatalogProducts, Matcher  # noqa: E402
from core.mapping.pairing.rules import EXAMPLE_RULES, PairingRules, parse_rules  # noqa: E402
from core.mapping.pairing.suggestions import PairingRun, SuggestionSet, decide  # noqa: E402

RULES = EXAMPLE_RULES  # every kind of rule, as the page's placeholder shows them
BRANDS = ["Acme", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Proseware", "Adventure Works", "Alpine Ski",
          "Blue Yonder", "Coho", "Fourth Coffee", "Lamna", "Margie", "Nod", "Relecloud", "Trey", "Woodgrove", "Humongous"]
TYPES = ["camping lantern", "trail mug", "fleece blanket", "water bottle", "hiking socks", "rain poncho", "headlamp", "camp stool",
         "compass", "first-aid kit", "dry bag", "tent pegs", "sleeping mask", "carabiner", "fire starter", "map case", "cooler bag",
         "picnic set", "trekking pole", "sleeping bag", "camp stove", "hammock", "tarp", "dome tent", "cargo net", "bike light"]
DETAILS = ["black", "red", "blue", "green", "orange", "grey", "small", "medium", "large", "XL", "2-pack", "3-pack", "steel",
           "aluminium", "cotton", "wool", "insulated", "waterproof", "foldable", "LED"]


def gtin(rng: random.Random) -> str:
    data = f"0{rng.randint(10**10, 10**11 - 1)}{rng.randint(0, 9)}"  # a GTIN-14 of a UPC-12 (leading 00) or an EAN-13
    data = data[:13]
    return data + str(check_digit(data))


def make_catalog(size: int, rng: random.Random) -> CatalogProducts:
    skus, names, barcodes = [], [], []
    for number in range(size):
        brand, kind, detail = rng.choice(BRANDS), rng.choice(TYPES), rng.choice(DETAILS)
        model = f"{rng.choice('ABCDEFGHKLMNPRSTVXZ')}{rng.randint(100, 9999)}"
        skus.append(f"{brand[:3].upper()}-{kind.split()[0][:4].upper()}-{model}-{number:05d}")
        names.append(f"{brand} {kind} {model}, {detail}")
        barcodes.append(gtin(rng) if rng.random() < 0.8 else None)
    return CatalogProducts(skus, names, barcodes)


def make_listings(products: CatalogProducts, count: int, rng: random.Random) -> list[Listing]:
    listings: list[Listing] = []
    positions = rng.sample(range(len(products)), count)
    for number, position in enumerate(positions):
        sku, name, barcode = products.skus[position], products.names[position], products.barcodes[position]
        share = number / count
        if share < 0.25:  # exact
            listings.append(Listing(sku, name))
        elif share < 0.50:  # rule: prefix, suffix, case, separators
            listings.append(Listing(f"WM-{sku.lower().replace('-', '/', 1)}_-US", name))
        elif share < 0.75 and barcode:  # barcode, as Walmart sends it: GTIN-14, UPC only when it starts with 00
            listings.append(Listing(f"L{number:06d}", name, barcode, barcode[2:] if barcode.startswith("00") else ""))
        elif share < 0.95:  # similar: a new SKU, the title reworded
            brand_and_type, _, detail = name.partition(", ")
            listings.append(Listing(f"L{number:06d}-{sku.split('-')[2]}", f"{brand_and_type} ({detail}) for outdoor use"))
        else:  # nothing of the catalog
            listings.append(Listing(f"GIFT-{number:06d}", f"Gift card {number}"))
    return listings


def baseline(products: CatalogProducts, listings: list[Listing]) -> tuple[Timing, Timing]:
    """(frames, keys and merges; merges alone): the catalog and the listings as frames (both sides start from the same
    lists ours does), the same three keys made with pandas' string methods, then three merges."""

    def normalised(skus: pd.Series) -> pd.Series:
        skus = skus.str.strip().str.lower().str.replace("/", "-", regex=False)
        skus = skus.where(~skus.str.startswith("wm-"), skus.str.slice(3))
        skus = skus.where(~skus.str.endswith("-us"), skus.str.slice(0, -3))
        return skus.str.replace(r"[ _]", "", regex=True)

    def merges(catalog: pd.DataFrame, wanted: pd.DataFrame) -> None:
        wanted.merge(catalog, left_on="sku", right_on="system_sku")
        wanted.merge(catalog, on="key")
        wanted.merge(catalog, left_on="gtin14", right_on="barcode")

    clock = Clock()
    catalog = pd.DataFrame({"system_sku": pd.Series(products.skus, dtype="str"), "barcode": pd.Series(products.barcodes, dtype="str")})
    wanted = pd.DataFrame({"sku": pd.Series([item.sku for item in listings], dtype="str"),
                           "gtin": pd.Series([item.gtin for item in listings], dtype="str"),
                           "upc": pd.Series([item.upc for item in listings], dtype="str")})
    catalog["key"] = normalised(catalog["system_sku"])
    wanted["key"] = normalised(wanted["sku"])
    wanted["gtin14"] = wanted["gtin"].where(wanted["gtin"] != "", "00" + wanted["upc"])
    merges(catalog, wanted)
    whole = clock.read()
    clock = Clock()
    merges(catalog, wanted)
    return whole, clock.read()


def ours_certain(products: CatalogProducts, listings: list[Listing], rules: PairingRules) -> tuple[Timing, Matcher, list[Listing]]:
    """Index the catalog and decide every listing by exact, rule and barcode; returns the listings left for similar."""
    clock = Clock()
    matcher = Matcher(products, rules)
    found = SuggestionSet(listings, matcher, decide(matcher.certain(listings), [item.sku for item in listings], matcher, frozenset()))
    counts = found.count_by_status()
    elapsed = clock.read()
    assert sum(counts.values()) == len(listings)
    return elapsed, matcher, [listings[number] for number in found.select(methods=[None])]


def ours_similar(matcher: Matcher, listings: list[Listing]) -> tuple[Timing, dict[str, int]]:
    clock = Clock()
    found = matcher.similar(listings)
    elapsed = clock.read()
    return elapsed, {"listings": len(listings), "with_a_candidate": found["listing"].nunique()}


Timing = tuple[float, float]  # (wall, CPU of this process and its threads) in seconds


class Clock:
    def __init__(self) -> None:
        gc.collect()
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> Timing:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def median(runs: list[Timing]) -> Timing:
    return statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)


def shown(timing: Timing) -> str:
    return f"{timing[0] * 1000:6.0f} ms wall {timing[1] * 1000:6.0f} ms CPU"


def timed(repeat: int, run: Callable[[], Timing]) -> list[Timing]:
    return [run() for _ in range(repeat)]


def database_run(products: CatalogProducts, listings: list[Listing], repeat: int) -> tuple[list[Timing], list[Timing]]:
    """The page's path: catalog and rules from a SQLite file, then every suggestion (similar included); and a rerun of the
    page with the run kept (catalog and rules versions checked, rejections read, suggestions decided, counted, one page made)."""
    from sqlalchemy import insert

    from core.access import Actor, Role
    from core.db.engine import init_db, make_engine, session_scope
    from core.db.models import ALL_STORES, CatalogProduct, Store, utc_now
    from core.mapping.pairing import rule_sets
    from core.mapping.pairing.suggestions import suggest

    folder = Path(tempfile.mkdtemp(prefix="pairing-benchmark-"))
    engine = make_engine(f"sqlite:///{folder / 'pairing.db'}")
    init_db(engine)
    now = utc_now()
    with session_scope(engine) as session:
        session.execute(insert(CatalogProduct), [{"system_sku": sku, "name": name, "barcode": barcode, "active": True, "created_at": now,
                                                 "updated_at": now} for sku, name, barcode in zip(products.skus, products.names, products.barcodes)])
        store = Store(name="Benchmark store")
        session.add(store)
        session.flush()
        store_id = store.id or 0
        rule_sets.save_rule_set(session, ALL_STORES, RULES, actor=Actor("benchmark", Role.admin, "local"))

    kept: list[PairingRun] = []

    def run() -> Timing:
        clock = Clock()
        with session_scope(engine) as session:
            kept[:] = [suggest(session, store_id, listings)[0]]
        return clock.read()

    def rerun() -> Timing:
        clock = Clock()
        with session_scope(engine) as session:
            _run, found = suggest(session, store_id, listings, reuse=kept[0])
            found.count_by_status()
            found.page(found.select(min_score=50)[:50])
        return clock.read()

    try:
        return timed(repeat, run), timed(repeat * 3, rerun)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", action="store_true", help="also time the whole suggestion run from a SQLite file")
    args = parser.parse_args()

    rng = random.Random(16)
    products = make_catalog(args.products, rng)
    listings = make_listings(products, args.listings, rng)
    rules = parse_rules(RULES)
    assert all(listing_gtin(item.gtin, item.upc) for item in listings if item.gtin)
    print(f"{len(listings):,} unmapped listings, {len(products):,} products ({sum(b is not None for b in products.barcodes):,} with a barcode), "
          f"rules on; median of {args.repeat}")

    # Interleaved, so that other work on the machine weighs on both alike.
    base_runs, certain_runs = [], []
    for _ in range(args.repeat):
        base_runs.append(baseline(products, listings))
        certain_runs.append(ours_certain(products, listings, rules))
    base_whole, base_merge = median([b[0] for b in base_runs]), median([b[1] for b in base_runs])
    certain = median([run[0] for run in certain_runs])
    rest = certain_runs[-1][2]
    print(f"exact, rule, barcode  ours {shown(certain)}   baseline (frames, keys, 3 merges) {shown(base_whole)}")
    print(f"                      ratio {certain[0] / base_whole[0]:.2f}x wall, {certain[1] / base_whole[1]:.2f}x CPU (target 1.5x); "
          f"the merges alone {shown(base_merge)}")
    print(f"                      {len(listings) - len(rest):,} listings found by exact, rule or barcode")

    similar_runs = [ours_similar(Matcher(products, rules), rest) for _ in range(max(1, args.repeat // 2))]
    similar = median([run[0] for run in similar_runs])
    counts = similar_runs[-1][1]
    print(f"similar               ours {shown(similar)} for {counts['listings']:,} listings "
          f"({counts['with_a_candidate']:,} got a candidate), its index built included; target 10 s")
    if args.database:
        runs, reruns = database_run(products, listings, max(1, args.repeat // 2))
        print(f"whole run from SQLite {shown(median(runs))}   (catalog and rules read, every suggestion made, similar included)")
        print(f"a page rerun          {shown(median(reruns))}   (the run kept: versions checked, decided, counted, a page of 50 made)")


if __name__ == "__main__":
    main()
