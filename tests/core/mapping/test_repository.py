"""Reading a store's mappings: list, filter, paginate, coverage; and what deleting a store takes with it."""
from __future__ import annotations

from core.db.engine import session_scope
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.bundles import Component
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load
from tests.fixtures.spreadsheets.corpus import database_snapshot, mapping_state


def test_list_filter_paginate_and_coverage(engine, store, other_store):
    rows = [[f"WM-{n:03d}", "MUG-WHITE", "1"] for n in range(120)]
    rows += [["WM-BUNDLE", "MUG-WHITE", "1"], ["WM-BUNDLE", "COASTER-OAK", "2"], ["WM-3PACK", "TEA-BOX", "3"]]
    load(engine, store, rows)
    load(engine, other_store, [["WM-OTHER", "COASTER-OAK", "1"]])
    with session_scope(engine) as session:
        first = mapping.list_mappings(session, store, limit=50)
        last = mapping.list_mappings(session, store, offset=100, limit=50)
        coaster = mapping.list_mappings(session, store, sku_text="coaster")
        bundles = mapping.list_mappings(session, store, bundles_only=True)
        numbered = mapping.list_mappings(session, store, sku_text="wm-01")
        escaped = mapping.list_mappings(session, store, sku_text="WM_0")
        figures = mapping.coverage(session, store)
    assert first.total == 122 and len(first.mappings) == 50 and first.mappings[0].platform_sku == "WM-000"
    assert [m.platform_sku for m in last.mappings][-3:] == ["WM-119", "WM-3PACK", "WM-BUNDLE"] and len(last.mappings) == 22
    # A match on one component brings the whole mapping, so the grid never saves half a bundle.
    [bundle] = coaster.mappings
    assert bundle.platform_sku == "WM-BUNDLE" and bundle.components == (Component("MUG-WHITE", 1), Component("COASTER-OAK", 2))
    assert bundle.bundle_size == 3 and bundle.is_bundle
    assert [m.platform_sku for m in bundles.mappings] == ["WM-3PACK", "WM-BUNDLE"]
    assert numbered.total == 10
    assert escaped.total == 0  # "_" is a character, not a wildcard
    assert figures.to_dict() == {"platform_skus": 122, "bundles": 2, "components": 123, "from_default": 0}
    grid = mapping_grid.grid_frame(coaster)
    assert grid.columns.tolist() == list(mapping_grid.GRID_COLUMNS)
    assert grid.values.tolist() == [["WM-BUNDLE", "MUG-WHITE", 1, "White mug", 3, "store", "WM-BUNDLE"],
                                   ["WM-BUNDLE", "COASTER-OAK", 2, "Oak coaster", 3, "store", "WM-BUNDLE"]]


def test_deleting_a_store_deletes_its_mappings_and_nothing_else(engine, store, other_store):
    from core.stores.registry import delete_store

    load(engine, store, [["WM-1", "MUG-WHITE*1+TEA-BOX*2", ""]])
    load(engine, other_store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        delete_store(session, "Acme US", actor=ADMIN)
    snapshot = database_snapshot(engine)
    assert [row[0] for row in snapshot["mapping_component"]] == [other_store]
    assert [row[0] for row in snapshot["mapping_scope"]] == [other_store]
    assert mapping_state(engine, other_store) == {"WM-1": [("MUG-WHITE", 1)]}
    assert len(snapshot["catalog_product"]) > 0  # products belong to the OMS, not to a store


def test_a_stores_effective_mappings_page_through_both_levels_in_order(engine, store):
    """Pages of a store's effective mappings are merged from its own and the default's, each read in key order: every
    mapping once, in platform SKU order, with its level, whatever the page size."""
    from core.db.models import ALL_STORES

    load(engine, ALL_STORES, [[f"WM-{n:02}", "MUG-WHITE", "1"] for n in range(20)])
    load(engine, store, [["WM-03", "TEA-BOX", "2"], ["WM-10", "TEA-BOX", "3"], ["WM-055", "TEA-BOX", "1"], ["WM-99", "TEA-BOX", "1"]])
    wanted = sorted({f"WM-{n:02}" for n in range(20)} | {"WM-055", "WM-99"})
    for size in (1, 3, 4, 50):
        seen = []
        with session_scope(engine) as session:
            for offset in range(0, len(wanted) + size, size):
                page = mapping.list_mappings(session, store, offset=offset, limit=size, effective=True)
                assert page.total == len(wanted)
                seen += [(view.platform_sku, view.level.value, view.components[0].quantity) for view in page.mappings]
        assert [sku for sku, _, _ in seen] == wanted, size
        own = {sku for sku, level, _ in seen if level == "store"}
        assert own == {"WM-03", "WM-10", "WM-055", "WM-99"} and dict((s, q) for s, _, q in seen)["WM-10"] == 3
