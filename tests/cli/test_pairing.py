"""`python -m core mappings rules ...` and `mappings suggest ...` against the fake gateway: output, exit codes, what is written."""
from __future__ import annotations

import json

import pytest

from core import catalog
from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.mapping.imports import import_mappings
from core.stores import registry as stores
from fake_walmart import listing_item
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.fixtures.spreadsheets.corpus import csv_bytes, mapping_state

RULES = 'ignore_case = true\nstrip_prefixes = ["WM-"]\n'
CATALOG = [["MUG-RED", "Enamel trail mug, red", "", ""], ["LANTERN-01", "Camping lantern 300 lumen", "886859944807", ""],
           ["POLE-1", "Trekking pole", "4006381333931", ""], ["POLE-1-BOXED", "Trekking pole, boxed", "4006381333931", ""],
           ["SOCK-M", "Merino hiking socks, size M", "", ""]]
SAFE_ONLY = [listing_item("MUG-RED", "Mug"), listing_item("wm-mug-red", "Mug"), listing_item("AO-7781", "Lantern", gtin="00886859944807")]
LEFT = [listing_item("AO-POLE", "Pole", gtin="04006381333931"), listing_item("AO-SOCKS", "Merino hiking socks size M"),
        listing_item("ZZ-9", "Gift card")]


@pytest.fixture
def shop(runtime, gateway):
    with session_scope(runtime.engine) as session:
        store = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme US", environment="production", client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET)
        result = catalog.import_catalog(session, csv_bytes(CATALOG, header=["System SKU", "Product name", "Barcode", "Active"]), "p.csv",
                                        actor=ADMIN)
        assert result.ok
    return store.id


def rules_file(tmp_path, text, name="rules.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_rules_set_show_test_and_clear(cli, tmp_path, shop):
    code, out, err = cli("mappings", "rules", "show", "--store", "all")
    assert code == 0 and out == "" and "No pairing rules" in err
    code, out, _ = cli("mappings", "rules", "set", "--store", "all", "--file", rules_file(tmp_path, RULES))
    assert code == 0 and "saved for All stores (default) (version 1)" in out
    code, out, err = cli("mappings", "rules", "show", "--store", "Acme US")
    assert code == 0 and out == RULES and "has no rules of its own" in err  # what the store uses: the rules for all stores
    code, out, _ = cli("mappings", "rules", "set", "--store", "Acme US", stdin='strip_suffixes = ["-US"]\n')
    assert code == 0
    code, out, _ = cli("mappings", "rules", "show", "--store", "Acme US", "--json")
    shown = json.loads(out)
    assert shown["own"] and shown["rules"] == 'strip_suffixes = ["-US"]\n' and shown["version"] == 1
    code, out, _ = cli("mappings", "rules", "test", "--store", "all", " WM-Mug/Red ")
    assert code == 0 and "' WM-Mug/Red ' -> 'mug/red'" in out and "Strip a prefix: WM-: 'mug/red'" in out
    code, out, _ = cli("mappings", "rules", "set", "--store", "Acme US", "--clear")
    assert code == 0 and "uses the rules for all stores" in out


def test_rules_that_are_wrong_are_refused_with_exit_1_and_nothing_saved(cli, tmp_path, shop):
    code, out, err = cli("mappings", "rules", "set", "--store", "all", "--file", rules_file(tmp_path, "ignore_cse = true\n"))
    assert code == 1 and "'ignore_cse' is not a pairing rule. Did you mean ignore_case?" in err and "What to do:" in err
    assert cli("mappings", "rules", "show", "--store", "all")[1] == ""


def test_suggest_lists_every_listing_with_its_method_score_and_candidates(cli, gateway, tmp_path, shop):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY + LEFT)
    cli("mappings", "rules", "set", "--store", "all", "--file", rules_file(tmp_path, RULES))
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--json")
    assert code == 0
    found = {row["platform_sku"]: row for row in json.loads(out)["suggestions"]}
    assert {sku: (row["method"], row["score"], row["status"]) for sku, row in found.items()} == {
        "MUG-RED": ("exact", 100, "safe"), "wm-mug-red": ("rule", 95, "safe"), "AO-7781": ("barcode", 90, "safe"),
        "AO-POLE": ("barcode", 90, "ambiguous"), "AO-SOCKS": ("similar", found["AO-SOCKS"]["score"], "review"),
        "ZZ-9": (None, 0, "unmatched")}
    assert [c["system_sku"] for c in found["AO-POLE"]["candidates"]] == ["POLE-1", "POLE-1-BOXED"]
    assert found["AO-SOCKS"]["candidates"][0]["system_sku"] == "SOCK-M" and found["AO-SOCKS"]["candidates"][0]["title_score"] > 80
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US")
    assert code == 0 and "Found by: 1 exact SKU, 1 pairing rules, 2 barcode, 1 similar; nothing for 1." in out
    assert "AO-POLE" in out and "POLE-1, POLE-1-BOXED" in out and "ambiguous" in out


def test_apply_exits_0_when_everything_was_safe(cli, gateway, tmp_path, shop, runtime):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY)
    cli("mappings", "rules", "set", "--store", "all", "--file", rules_file(tmp_path, RULES))
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply")
    assert code == 0 and "Applied to this store's own mappings: 3 listings mapped (1 exact, 1 rule, 1 barcode)." in out
    assert mapping_state(runtime.engine, shop) == {"MUG-RED": [("MUG-RED", 1)], "wm-mug-red": [("MUG-RED", 1)], "AO-7781": [("LANTERN-01", 1)]}
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply")  # nothing left to do
    assert code == 0 and "0 not mapped" in out


def test_apply_exits_1_and_lists_what_is_left(cli, gateway, shop, runtime):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY[:1] + LEFT)
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply")
    assert code == 1 and "3 listings are left for a person:" in out
    assert "  AO-POLE: ambiguous (POLE-1, POLE-1-BOXED)" in out and "  AO-SOCKS: review (SOCK-M)" in out and "  ZZ-9: unmatched" in out
    assert mapping_state(runtime.engine, shop) == {"MUG-RED": [("MUG-RED", 1)]}


def test_a_similarity_threshold_applies_similar_ones_too(cli, gateway, shop, runtime):
    gateway.set_items("production", CLIENT_ID, [LEFT[1]])
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply", "--min-similar-score", "50")
    assert code == 0 and mapping_state(runtime.engine, shop) == {"AO-SOCKS": [("SOCK-M", 1)]}


def test_dry_run_writes_nothing_and_json_shows_the_plan(cli, gateway, shop, runtime):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY[:1] + LEFT[:1])
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply", "--dry-run", "--json")
    plan = json.loads(out)
    assert code == 1 and plan["applied"] is False and plan["plan"]["mapped"][0]["platform_sku"] == "MUG-RED"
    assert mapping_state(runtime.engine, shop) == {}


def test_apply_to_all_stores_writes_the_default_mapping(cli, gateway, shop, runtime):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY[:1])
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--apply", "--apply-to", "all")
    assert code == 0 and "Applied to all stores (default mapping)" in out
    assert mapping_state(runtime.engine, ALL_STORES) == {"MUG-RED": [("MUG-RED", 1)]} and mapping_state(runtime.engine, shop) == {}


def test_a_listing_a_default_mapping_covers_is_mapped_and_not_suggested(cli, gateway, shop, runtime):
    gateway.set_items("production", CLIENT_ID, SAFE_ONLY[:1] + [listing_item("AO-7781", "Lantern", gtin="00886859944807")])
    with session_scope(runtime.engine) as session:
        import_mappings(session, ALL_STORES, csv_bytes([["AO-7781", "LANTERN-01", "1"]]), "all.csv", actor=ADMIN)
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--json")
    result = json.loads(out)
    assert code == 0 and (result["listings"], result["unmapped"]) == (2, 1)
    assert [row["platform_sku"] for row in result["suggestions"]] == ["MUG-RED"]


def test_a_rules_file_is_tried_without_saving_it(cli, gateway, tmp_path, shop):
    gateway.set_items("production", CLIENT_ID, [listing_item("WM-MUG-RED", "Mug")])
    code, out, _ = cli("mappings", "suggest", "--store", "Acme US", "--rules", rules_file(tmp_path, RULES), "--json")
    assert code == 0 and json.loads(out)["suggestions"][0]["method"] == "rule"
    assert cli("mappings", "rules", "show", "--store", "all")[1] == ""  # nothing saved
    code, _, err = cli("mappings", "suggest", "--store", "Acme US", "--rules", rules_file(tmp_path, "trim = 1", "bad.toml"))
    assert code == 2 and "trim must be true or false" in err


def test_suggestions_are_for_one_store(cli, shop):
    code, _, err = cli("mappings", "suggest", "--store", "all")
    assert code == 2 and "one store's listings" in err


def test_catalog_import_checks_barcodes_and_names_the_check_digit(cli, tmp_path, shop):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["NEW-1", "New", "012345678905"]], header=["System SKU", "Product name", "UPC"]))
    code, out, _ = cli("catalog", "import", str(good), "--json")
    assert code == 0 and json.loads(out)["added"] == ["NEW-1"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["NEW-2", "Typo", "4006381333932"]], header=["System SKU", "Product name", "GTIN"]))
    code, out, _ = cli("catalog", "import", str(bad))
    assert code == 1 and "row 2, GTIN: The barcode 4006381333932 ends in check digit 2, but its other digits need 1" in out


def test_a_rules_file_that_is_not_there_is_a_plain_usage_error(cli, tmp_path, shop):
    code, _, err = cli("mappings", "rules", "set", "--store", "all", "--file", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot be read" in err and "Traceback" not in err
