"""Automatic pairing on the Product mapping page (AppTest): suggestions with filters, accept and reject, apply the safe
ones through a preview, the pairing rules and the rule tester, roles, and outside text kept as text."""
import pytest

from core import audit, catalog
from core.db.engine import session_scope
from core.mapping.levels import ALL_STORES
from core.mapping.pairing import rejections, rule_sets
from fake_walmart import listing_item
from tests.conftest import ADMIN, CLIENT_ID
from tests.fixtures.spreadsheets.corpus import csv_bytes, mapping_state
from tests.pages.conftest import page_text, shown
from tests.pages.hostile import PLATFORM_SKU, PRODUCT_NAME, assert_no_markdown_from_outside
from tests.pages.test_mapping_page import add_store, grid, open_page, suggestion_rows
from tests.pages.test_roles_page import AUTH

CATALOG = [["MUG-RED", "Enamel trail mug, red", "", ""], ["LANTERN-01", "Camping lantern 300 lumen", "886859944807", ""],
           ["POLE-1", "Trekking pole", "4006381333931", ""], ["POLE-1-BOXED", "Trekking pole, boxed", "4006381333931", ""],
           ["SOCK-M", "Merino hiking socks, size M", "", ""]]
LISTINGS = [listing_item("MUG-RED", "Mug"), listing_item("wm-mug-red", "Red mug"), listing_item("AO-7781", "Lantern", gtin="00886859944807"),
            listing_item("AO-POLE", "Pole", gtin="04006381333931"), listing_item("AO-SOCKS", "Merino hiking socks size M"),
            listing_item("ZZ-9", "Gift card")]
RULES = 'ignore_case = true\nstrip_prefixes = ["WM-"]\n'


@pytest.fixture
def shop(runtime, gateway):
    with session_scope(runtime.engine) as session:
        assert catalog.import_catalog(session, csv_bytes(CATALOG, header=["System SKU", "Product name", "Barcode", "Active"]), "p.csv",
                                      actor=ADMIN).ok
        rule_sets.save_rule_set(session, ALL_STORES, RULES, actor=ADMIN)
    gateway.set_items("production", CLIENT_ID, LISTINGS)
    return add_store(runtime)


def read_listings(app):
    open_page(app)
    app.button(key="mapping_listings_read").click().run()
    assert not app.exception, app.exception
    return app


def edit_rows(app, edits):
    """Tick Accept or Reject boxes as the browser reports them: {row position: {"accept": True}}."""
    [key] = [editor.key for editor in app.data_editor if "accept" in editor.value.columns]
    app.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return app.run()  # a ticked box reruns the page, which enables the buttons


def test_every_method_shows_with_its_score_and_status(app, shop):
    read_listings(app)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Safe"], metrics["Ambiguous"], metrics["To check"], metrics["Unmatched"]) == ("3", "1", "1", "1")
    rows = suggestion_rows(app)
    found = {(sku, system): (method, score, status) for sku, system, method, score, status
             in rows[["platform_sku", "system_sku", "method", "score", "status"]].itertuples(index=False)}
    assert found[("MUG-RED", "MUG-RED")] == ("Exact SKU", 100, "Safe")
    assert found[("wm-mug-red", "MUG-RED")] == ("Pairing rules", 95, "Safe")
    assert found[("AO-7781", "LANTERN-01")] == ("Barcode", 90, "Safe")
    assert found[("AO-POLE", "POLE-1")][2] == found[("AO-POLE", "POLE-1-BOXED")][2] == "Ambiguous"  # a row per candidate
    assert found[("AO-SOCKS", "SOCK-M")][0] == "Similar" and rows.loc[rows["platform_sku"] == "AO-SOCKS", "why"].iloc[0].startswith("title ")
    assert found[("ZZ-9", "")][0] == "Nothing found"


def test_filters_by_method_and_score(app, shop):
    read_listings(app)
    app.multiselect(key="pairing_methods").set_value(["barcode"]).run()
    assert sorted(suggestion_rows(app)["platform_sku"]) == ["AO-7781", "AO-POLE", "AO-POLE"]
    app.multiselect(key="pairing_methods").set_value([]).run()
    app.number_input(key="pairing_min_score").set_value(95).run()
    assert sorted(suggestion_rows(app)["platform_sku"]) == ["MUG-RED", "wm-mug-red"]
    app.number_input(key="pairing_min_score").set_value(0).run()
    app.multiselect(key="pairing_statuses").set_value(["unmatched"]).run()
    assert list(suggestion_rows(app)["platform_sku"]) == ["ZZ-9"]


def test_apply_safe_suggestions_through_the_preview_and_see_them_in_the_grid(app, runtime, shop):
    read_listings(app)
    app.button(key="pairing_preview_safe").click().run()
    assert "3 listings to map (1 exact, 1 rule, 1 barcode)" in shown(app.info[-1]) or any(
        "3 listings to map (1 exact, 1 rule, 1 barcode)" in shown(info) for info in app.info)
    assert mapping_state(runtime.engine, shop) == {}  # a preview writes nothing
    app.button(key="pairing_apply_safe").click().run()
    assert not app.exception, app.exception
    assert "Suggestions applied: 3 listings mapped" in shown(app.success[0])
    assert mapping_state(runtime.engine, shop) == {"MUG-RED": [("MUG-RED", 1)], "wm-mug-red": [("MUG-RED", 1)], "AO-7781": [("LANTERN-01", 1)]}
    assert {"MUG-RED", "wm-mug-red", "AO-7781"} <= set(grid(app)["platform_sku"])  # the grid shows them
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Not mapped"], metrics["Safe"]) == ("3", "0")
    with session_scope(runtime.engine) as session:
        assert len([e for e in audit.entries(session, action="suggestion.apply")]) == 3


def test_similar_ones_are_applied_only_with_the_threshold_turned_on(app, runtime, shop):
    read_listings(app)
    app.checkbox(key="pairing_similar_on").check().run()
    app.number_input(key="pairing_similar_score").set_value(50).run()
    assert {m.label: m.value for m in app.metric}["Safe"] == "4"
    app.button(key="pairing_preview_safe").click().run()
    app.button(key="pairing_apply_safe").click().run()
    assert mapping_state(runtime.engine, shop)["AO-SOCKS"] == [("SOCK-M", 1)]


def test_accept_one_candidate_of_an_ambiguous_listing(app, runtime, shop):
    read_listings(app)
    rows = suggestion_rows(app)
    boxed = int(rows.index[(rows["platform_sku"] == "AO-POLE") & (rows["system_sku"] == "POLE-1-BOXED")][0])
    edit_rows(app, {boxed: {"accept": True}})
    app.button(key="pairing_accept").click().run()
    app.button(key="pairing_apply_accepted").click().run()
    assert not app.exception, app.exception
    assert mapping_state(runtime.engine, shop) == {"AO-POLE": [("POLE-1-BOXED", 1)]}


def test_two_candidates_accepted_for_one_listing_are_refused(app, runtime, shop):
    read_listings(app)
    rows = suggestion_rows(app)
    poles = [int(n) for n in rows.index[rows["platform_sku"] == "AO-POLE"]]
    edit_rows(app, {n: {"accept": True} for n in poles})
    app.button(key="pairing_accept").click().run()
    assert "accepted more than once" in shown(app.error[0]) and mapping_state(runtime.engine, shop) == {}


def test_a_rejected_suggestion_goes_and_stays_gone_until_brought_back(app, runtime, shop):
    read_listings(app)
    rows = suggestion_rows(app)
    mug = int(rows.index[rows["platform_sku"] == "MUG-RED"][0])
    edit_rows(app, {mug: {"reject": True}})
    app.button(key="pairing_reject").click().run()
    assert "1 suggestion rejected" in shown(app.success[0])
    after = suggestion_rows(app)
    assert "MUG-RED" not in set(after.loc[after["platform_sku"] == "MUG-RED", "system_sku"])
    with session_scope(runtime.engine) as session:
        assert rejections.rejected_pairs(session, shop) == {("MUG-RED", "MUG-RED")}
    read_listings(app)  # read again: still gone
    again = suggestion_rows(app)
    assert "MUG-RED" not in set(again.loc[again["platform_sku"] == "MUG-RED", "system_sku"])
    assert any("1 rejected suggestion" in e.label for e in app.expander)


def test_rules_are_saved_from_the_page_and_the_tester_shows_each_step(app, runtime, shop):
    open_page(app)
    [box] = [area for area in app.text_area if area.key.startswith("pairing_rules_box_")]
    assert box.value == RULES  # the store uses the rules for all stores
    box.set_value(RULES + 'strip_suffixes = ["-US"]\n').run()
    app.text_input(key=f"pairing_rules_box_try_{shop}").set_value(" WM-Mug-Red-US").run()
    assert "is compared as 'mug-red'" in shown(app.success[0])
    [steps] = [frame.value for frame in app.dataframe if "Result" in frame.value.columns]
    assert list(steps["Result"]) == ["WM-Mug-Red-US", "wm-mug-red-us", "mug-red-us", "mug-red"]
    app.button(key=f"pairing_rules_box_save_{shop}").click().run()
    assert "Pairing rules saved (version 1)" in shown(app.success[0])
    with session_scope(runtime.engine) as session:
        own = rule_sets.effective_rules(session, shop)
    assert own.rule_set.scope == shop and own.rules.strip_suffixes == ("-US",)


def test_rules_with_a_mistake_say_what_is_wrong_and_cannot_be_saved(app, shop):
    open_page(app)
    [box] = [area for area in app.text_area if area.key.startswith("pairing_rules_box_")]
    box.set_value("ignore_cse = true").run()
    assert "Did you mean ignore_case?" in page_text(app)
    assert app.button(key=f"pairing_rules_box_save_{shop}").disabled


def test_a_viewer_sees_suggestions_but_cannot_apply_or_reject(app, runtime, shop, monkeypatch):
    from tests.pages.test_mapping_page import load

    load(runtime, shop, [["WM-OLD", "MUG-RED", "1"]])  # a viewer's grid needs a row: an empty read-only grid is the grid's own issue
    monkeypatch.setenv("ROLE_VIEWERS", "ann@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com"}
    read_listings(app)
    keys = {button.key for button in app.button}
    assert not keys & {"pairing_preview_safe", "pairing_accept", "pairing_reject"}
    assert not [editor for editor in app.data_editor if "accept" in editor.value.columns]
    assert "MUG-RED" in page_text(app)


def test_outside_text_in_listings_and_products_stays_text(app, runtime, gateway):
    with session_scope(runtime.engine) as session:
        catalog.import_catalog(session, csv_bytes([["HOSTILE-1", PRODUCT_NAME, "", ""]], header=["System SKU", "Product name", "Barcode", "Active"]),
                               "p.csv", actor=ADMIN)
    gateway.set_items("production", CLIENT_ID, [listing_item(PLATFORM_SKU, PRODUCT_NAME)])
    add_store(runtime)
    read_listings(app)
    assert_no_markdown_from_outside(app)
