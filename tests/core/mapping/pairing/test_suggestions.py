"""Suggestions: every method with its score, ambiguity, barcodes in every form, inactive products, rejections, the run cache."""
import pytest

from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.mapping.pairing import rejections, rule_sets
from core.mapping.pairing.matcher import Method
from core.mapping.pairing.suggestions import Status, prepare, suggest
from tests.conftest import ADMIN
from tests.core.mapping.pairing.conftest import add_products, listing, suggestions
from tests.fixtures.spreadsheets.corpus import barcode

LANTERN_UPC = "886859944807"  # a UPC-12; Walmart sends it as GTIN-14 00886859944807
RULES = 'ignore_case = true\nstrip_prefixes = ["WM-"]\nstrip_suffixes = ["-US"]\nremove_characters = " _"\n[[replace]]\nfind = "/"\nwith = "-"\n'


@pytest.fixture
def shop(engine, store):
    add_products(engine, [
        ["LANTERN-01", "Camping lantern, 300 lumen", LANTERN_UPC, ""],
        ["MUG-RED", "Enamel trail mug, red", "", ""],
        ["SOCK-M", "Merino hiking socks, size M", "", ""],
        ["SOCK-M-OLD", "Merino hiking socks (old)", "", "no"],  # inactive: never suggested
        ["POLE-1", "Trekking pole", "4006381333931", ""],
        ["POLE-1-BOXED", "Trekking pole, boxed", "04006381333931", ""],  # the same barcode: ambiguous
        ["TENT/2", "Dome tent for two", "", ""],
        ["TENT-2", "Dome tent 2 person", "", ""],
    ])
    with session_scope(engine) as session:
        rule_sets.save_rule_set(session, ALL_STORES, RULES, actor=ADMIN)
    return store


def test_exact_sku_scores_100_and_is_safe(engine, shop):
    found = suggestions(engine, shop, [listing("MUG-RED", "Mug")])["MUG-RED"]
    assert (found.method, found.score, [c.system_sku for c in found.candidates]) == (Method.exact, 100, ["MUG-RED"])
    assert found.status() == Status.safe and found.candidates[0].breakdown() == "same SKU"


def test_same_after_the_rules_scores_95(engine, shop):
    found = suggestions(engine, shop, [listing(" wm-Mug-Red-us")])[" wm-Mug-Red-us"]
    assert (found.method, found.score, [c.system_sku for c in found.candidates]) == (Method.rule, 95, ["MUG-RED"])
    assert found.safe()


def test_two_skus_equal_after_the_rules_make_it_ambiguous(engine, shop):
    found = suggestions(engine, shop, [listing("WM-tent/2")])["WM-tent/2"]  # TENT/2 and TENT-2 are both 'tent-2' after the rules
    assert found.method == Method.rule and found.ambiguous and found.status() == Status.ambiguous and not found.safe(0)
    assert sorted(c.system_sku for c in found.candidates) == ["TENT-2", "TENT/2"]


def test_a_listing_gtin_14_finds_the_catalogs_upc_12(engine, shop):
    found = suggestions(engine, shop, [listing("AO-7781", "Lantern", gtin="00886859944807", upc="")])["AO-7781"]
    assert (found.method, found.score, found.candidates[0].system_sku) == (Method.barcode, 90, "LANTERN-01")
    assert found.safe()


def test_a_listing_with_only_a_upc_is_matched_by_it(engine, shop):
    found = suggestions(engine, shop, [listing("AO-7782", upc=LANTERN_UPC)])["AO-7782"]
    assert found.method == Method.barcode and found.candidates[0].system_sku == "LANTERN-01"


def test_two_products_with_one_gtin_make_it_ambiguous(engine, shop):
    found = suggestions(engine, shop, [listing("AO-POLE", gtin="04006381333931")])["AO-POLE"]
    assert found.method == Method.barcode and found.status() == Status.ambiguous
    assert sorted(c.system_sku for c in found.candidates) == ["POLE-1", "POLE-1-BOXED"]


def test_similar_titles_and_skus_score_below_100_with_the_breakdown(engine, shop):
    found = suggestions(engine, shop, [listing("AO-LANTERN-1", "Camping Lantern 300 lumen, black")])["AO-LANTERN-1"]
    best = found.candidates[0]
    assert found.method == Method.similar and best.system_sku == "LANTERN-01"
    assert 50 <= found.score <= 99 and best.title_score >= 80 and best.sku_score is not None
    assert best.breakdown() == f"title {best.title_score}, SKU {best.sku_score}"
    assert found.status() == Status.review  # similar is never safe unless a threshold is set
    assert found.safe(min_similar_score=found.score) and not found.safe(min_similar_score=found.score + 1)


def test_without_similar_only_exact_rule_and_barcode_are_looked_for_and_the_run_can_look_later(engine, shop):
    wanted = [listing("AO-LANTERN-1", "Camping Lantern 300 lumen, black"), listing("MUG-RED")]
    with session_scope(engine) as session:
        run, found = suggest(session, shop, wanted, similar=False)
        assert [(s.method, s.status()) for s in found] == [(None, Status.unmatched), (Method.exact, Status.safe)]
        run, found = suggest(session, shop, wanted, reuse=run)  # the same run, similar asked for now
    assert found.at(0).method == Method.similar and found.at(0).candidates[0].system_sku == "LANTERN-01"


def test_inactive_products_are_never_suggested(engine, shop):
    found = suggestions(engine, shop, [listing("SOCK-M-OLD", "Merino hiking socks (old)")])["SOCK-M-OLD"]
    assert "SOCK-M-OLD" not in [c.system_sku for c in found.candidates]
    assert found.method == Method.similar and found.candidates[0].system_sku == "SOCK-M"


def test_nothing_alike_is_unmatched(engine, shop):
    found = suggestions(engine, shop, [listing("ZZ-9", "Gift card")])["ZZ-9"]
    assert (found.method, found.candidates, found.status()) == (None, (), Status.unmatched)


def test_a_retired_listing_is_suggested_but_never_safe(engine, shop):
    found = suggestions(engine, shop, [listing("MUG-RED", lifecycle="RETIRED")])["MUG-RED"]
    assert found.method == Method.exact and found.status() == Status.review


def test_without_rules_there_is_no_rule_method(engine, store):
    add_products(engine, [["MUG-RED", "Mug", "", ""]])
    found = suggestions(engine, store, [listing("wm-mug-red", "Enamel mug")])["wm-mug-red"]
    assert found.method == Method.similar


def test_a_rules_file_given_for_one_run_replaces_the_stored_rules(engine, shop):
    from core.mapping.pairing.rules import parse_rules

    found = suggestions(engine, shop, [listing("X:MUG-RED")], rules=parse_rules('strip_prefixes = ["X:"]'))["X:MUG-RED"]
    assert found.method == Method.rule


def test_a_store_s_own_rules_replace_the_ones_for_all_stores(engine, shop):
    with session_scope(engine) as session:
        rule_sets.save_rule_set(session, shop, 'strip_prefixes = ["AO-"]', actor=ADMIN)
    found = suggestions(engine, shop, [listing("AO-MUG-RED"), listing("wm-mug-red-us")])
    assert found["AO-MUG-RED"].method == Method.rule
    assert found["wm-mug-red-us"].method != Method.rule  # the shared rules no longer apply here


def test_rejected_suggestions_stay_rejected_and_the_next_method_speaks(engine, shop):
    lantern = listing("LANTERN-01", "Camping lantern 300 lumen", gtin="00886859944807")
    with session_scope(engine) as session:
        run, first = suggest(session, shop, [lantern])
        assert first[0].method == Method.exact
        rejections.reject(session, shop, [("LANTERN-01", "LANTERN-01")], actor=ADMIN)
    with session_scope(engine) as session:
        again, second = suggest(session, shop, [lantern], reuse=run)
    assert again is run  # the same catalog and rules: nothing indexed again
    assert second[0].method == Method.similar or second[0].method is None
    assert "LANTERN-01" not in [c.system_sku for c in second[0].candidates]
    with session_scope(engine) as session:  # a new run (a new page, the command line) still leaves it out
        assert "LANTERN-01" not in [c.system_sku for c in suggest(session, shop, [lantern])[1][0].candidates]
        rejections.forget(session, shop, [("LANTERN-01", "LANTERN-01")], actor=ADMIN)
        assert suggest(session, shop, [lantern])[1][0].method == Method.exact  # forgotten: it comes back


def test_rejecting_one_of_two_barcode_candidates_leaves_the_other_safe(engine, shop):
    pole = listing("AO-POLE", gtin="04006381333931")
    with session_scope(engine) as session:
        rejections.reject(session, shop, [("AO-POLE", "POLE-1-BOXED")], actor=ADMIN)
    found = suggestions(engine, shop, [pole])["AO-POLE"]
    assert [c.system_sku for c in found.candidates] == ["POLE-1"] and found.safe()


def test_rejections_belong_to_one_store(engine, shop, other_store):
    with session_scope(engine) as session:
        rejections.reject(session, shop, [("MUG-RED", "MUG-RED")], actor=ADMIN)
    assert suggestions(engine, other_store, [listing("MUG-RED")])["MUG-RED"].method == Method.exact


def test_a_run_is_made_again_when_the_catalog_or_the_rules_change(engine, shop):
    with session_scope(engine) as session:
        run = prepare(session, shop)
        assert prepare(session, shop, reuse=run) is run
    add_products(engine, [["NEW-1", "New product", barcode("001234567890"), ""]])
    with session_scope(engine) as session:
        after_catalog = prepare(session, shop, reuse=run)
    assert after_catalog is not run
    with session_scope(engine) as session:
        rule_sets.save_rule_set(session, shop, "ignore_case = true", actor=ADMIN)
    with session_scope(engine) as session:
        assert prepare(session, shop, reuse=after_catalog) is not after_catalog
