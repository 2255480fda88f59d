"""The History tab of the Product mapping page through AppTest: one SKU's changes newest first, a level's latest, outside text."""
import pytest

from core import catalog
from core.db.engine import session_scope
from core.mapping.imports import import_mappings
from core.mapping.levels import ALL_STORES
from tests.conftest import ADMIN, person
from tests.fixtures.spreadsheets.corpus import csv_bytes
from tests.pages.conftest import shown
from tests.pages.hostile import ACTOR, PLATFORM_SKU, SYSTEM_SKU, assert_no_markdown_from_outside, seed_hostile
from tests.pages.test_mapping_page import PRODUCTS, add_store, load, open_page, save

BOB = person("bob@x.com")


@pytest.fixture
def store(runtime):
    """The mapping page tests' store: three products, WM-1 to WM-3 imported as setup.csv."""
    with session_scope(runtime.engine) as session:
        catalog.import_catalog(session, csv_bytes(PRODUCTS, header=["System SKU", "Product name"]), "products.csv", actor=ADMIN)
    store_id = add_store(runtime)
    load(runtime, store_id, [["WM-1", "MUG", "1"], ["WM-2", "TEA", "1"], ["WM-3", "COASTER", "2"]])
    return store_id


def history(app, sku):
    app.text_input(key="mapping_history_sku").input(sku).run()
    assert not app.exception, app.exception
    return app


def table(app):
    [frame] = [f.value for f in app.dataframe if "Through" in f.value.columns]
    return frame


def test_a_skus_changes_newest_first_with_before_after_and_the_difference(app, runtime, store):
    open_page(app)
    save(app, edited_rows={0: {"quantity": 3}})  # WM-1 in the grid, by the local operator
    with session_scope(runtime.engine) as session:
        import_mappings(session, store, csv_bytes([["WM-1", "TEA", "1"]]), "fix.csv", actor=BOB)
    history(app, "WM-1")
    rows = table(app).to_dict("records")
    assert [(r["Through"], r["Who"], r["Change"]) for r in rows] == [
        ("Import of fix.csv", "bob@x.com (test)", "Changed"),
        ("Grid", "local operator (local)", "Changed"),
        ("Import of setup.csv", "test admin (test)", "Added"),
    ]
    assert (rows[0]["Before"], rows[0]["After"], rows[0]["Difference"]) == ("MUG*3", "TEA*1", "+ TEA × 1; − MUG × 3")
    assert (rows[1]["Before"], rows[1]["After"], rows[1]["Difference"]) == ("MUG*1", "MUG*3", "MUG × 1 → 3")
    assert (rows[2]["Before"], rows[2]["Level"]) == ("—", "This store")


def test_a_store_shows_the_changes_of_the_mapping_for_all_stores_too(app, runtime, store):
    with session_scope(runtime.engine) as session:
        import_mappings(session, ALL_STORES, csv_bytes([["WM-9", "MUG", "2"]]), "defaults.csv", actor=BOB)
    open_page(app)
    history(app, "WM-9")
    [row] = table(app).to_dict("records")
    assert (row["Level"], row["Through"], row["After"]) == ("All stores", "Import of defaults.csv", "MUG*2")
    app.selectbox(key="mapping_store").set_value(ALL_STORES).run()
    assert [r["Level"] for r in table(app).to_dict("records")] == ["All stores"]


def test_the_latest_changes_are_listed_when_asked_for(app, runtime, store):
    open_page(app)
    save(app, deleted_rows=[1])
    assert not [f for f in app.dataframe if "Through" in f.value.columns]  # nothing is read until asked
    app.toggle(key="mapping_history_recent").set_value(True).run()
    rows = table(app).to_dict("records")
    assert [(r["Through"], r["Added"], r["Changed"], r["Removed"]) for r in rows] == [("Grid", "0", "0", "1"), ("Import of setup.csv", "3", "0", "0")]


def test_a_sku_without_history_says_so(app, store):
    open_page(app)
    history(app, "WM-NOPE")
    assert any("No recorded changes of WM-NOPE" in shown(info) for info in app.info)
    assert not [f for f in app.dataframe if "Through" in f.value.columns]


def test_outside_text_stays_text(app, runtime):
    seeded = seed_hostile(runtime)
    open_page(app)
    app.selectbox(key="mapping_store").set_value(seeded.store_id).run()
    history(app, PLATFORM_SKU)
    assert_no_markdown_from_outside(app)
    [row] = table(app).to_dict("records")
    assert row["After"] == f"{SYSTEM_SKU}*1"  # literal in the table
    history(app, PLATFORM_SKU + "x")  # quoted in the message
    assert_no_markdown_from_outside(app)
    app.toggle(key="mapping_history_recent").set_value(True).run()
    assert_no_markdown_from_outside(app)
    assert table(app).loc[0, "Who"] == f"{ACTOR} (test)"
