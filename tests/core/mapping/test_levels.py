"""The two levels of a mapping: for all stores (the default) and for one store (an override), through every path."""
from __future__ import annotations

import json

import pytest

from core import audit
from core.db.engine import make_engine, session_scope
from core.db.models import ALL_STORES
from core.errors import Conflict, NotFound
from core.mapping import clone as mapping_clone
from core.mapping import export as mapping_export
from core.mapping import repository as mapping
from core.mapping.grid import OVERRIDE, grid_rows, save_grid
from core.mapping.imports import apply_plan, plan_import
from core.mapping.levels import Level, parse_scope, scope_label
from core.mapping.resolve import resolve
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, mapping_state


@pytest.fixture
def shared(engine, store):
    """WM-1 and WM-2 for all stores; Acme US overrides WM-2 and maps WM-US of its own."""
    load(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "MUG-WHITE*1+COASTER-OAK*2", ""]])
    load(engine, store, [["WM-2", "TEA-BOX", "4"], ["WM-US", "COASTER-OAK", "1"]])
    return store


def _page(engine, scope, **filters):
    with session_scope(engine) as session:
        return mapping.list_mappings(session, scope, effective=True, **filters)


def test_parse_scope(engine, store):
    renamed = add_store(engine, "all")  # a store may be called "all": it is reached by its id
    with session_scope(engine) as session:
        assert parse_scope(session, "all") == parse_scope(session, " ALL ") == ALL_STORES
        assert parse_scope(session, "Acme US") == parse_scope(session, str(store)) == store
        assert parse_scope(session, str(renamed)) == renamed
        assert scope_label(session, ALL_STORES) == "All stores (default)" and scope_label(session, store) == "Acme US"
        with pytest.raises(NotFound):
            parse_scope(session, "Nobody")


def test_a_stores_page_shows_what_applies_with_where_it_comes_from(engine, shared):
    page = _page(engine, shared)
    assert [(view.platform_sku, view.level, view.bundle_size) for view in page.mappings] == [
        ("WM-1", Level.default, 1), ("WM-2", Level.store, 4), ("WM-3", Level.default, 3), ("WM-US", Level.store, 1)]
    assert page.effective and page.total == 4
    assert [row["level"] for row in grid_rows(page)] == ["default", "store", "default", "default", "store"]
    assert [v.platform_sku for v in _page(engine, shared, sku_text="coaster").mappings] == ["WM-3", "WM-US"]
    assert [v.platform_sku for v in _page(engine, shared, bundles_only=True).mappings] == ["WM-2", "WM-3"]
    assert [v.platform_sku for v in _page(engine, shared, offset=1, limit=2).mappings] == ["WM-2", "WM-3"]
    with session_scope(engine) as session:
        own = mapping.list_mappings(session, shared)  # without effective: the store's own only
        default = mapping.list_mappings(session, ALL_STORES, effective=True)
    assert [v.platform_sku for v in own.mappings] == ["WM-2", "WM-US"] and not own.effective
    assert [(v.platform_sku, v.level) for v in default.mappings] == [("WM-1", Level.default), ("WM-2", Level.default), ("WM-3", Level.default)]


def test_coverage_counts_default_mappings_as_mapped(engine, shared, other_store):
    with session_scope(engine) as session:
        us, ca, default = (mapping.coverage(session, scope) for scope in (shared, other_store, ALL_STORES))
        mapped = mapping.mapped_platform_skus(session, other_store, ["WM-1", "WM-US", "WM-9"])
    assert us.to_dict() == {"platform_skus": 4, "bundles": 2, "components": 5, "from_default": 2}
    assert ca.to_dict() == {"platform_skus": 3, "bundles": 1, "components": 4, "from_default": 3}
    assert default.to_dict() == {"platform_skus": 3, "bundles": 1, "components": 4, "from_default": 0}
    assert mapped == {"WM-1"}  # WM-US is another store's own


def test_ticking_override_copies_the_default_into_the_store(engine, shared):
    page = _page(engine, shared)
    rows = grid_rows(page)
    for row in rows:
        if row["platform_sku"] == "WM-3":
            row[OVERRIDE] = row["system_sku"] == "MUG-WHITE"  # one tick is enough for the whole mapping
            row["quantity"] = 5 if row["system_sku"] == "COASTER-OAK" else row["quantity"]  # and it may be changed as it is copied
    with session_scope(engine) as session:
        result = save_grid(session, shared, page, rows, actor=ADMIN)
    assert result.saved and result.added == ["WM-3"] and result.overridden == ["WM-3"] and not (result.changed or result.removed)
    assert "Now this store's own (overriding the mapping for all stores): WM-3." in result.summary()
    assert mapping_state(engine, shared)["WM-3"] == [("COASTER-OAK", 5), ("MUG-WHITE", 1)]
    assert mapping_state(engine, ALL_STORES)["WM-3"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)]  # the default is untouched
    with session_scope(engine) as session:
        [entry] = audit.entries(session, action="mapping.create")
    assert (entry.store_name, entry.subject) == ("Acme US", "WM-3")
    assert entry.detail == "store override, copied from the mapping for all stores"


def test_default_rows_left_alone_are_not_saved_and_edited_without_the_tick_are_refused(engine, shared):
    page = _page(engine, shared)
    rows = grid_rows(page)
    with session_scope(engine) as session:
        assert save_grid(session, shared, page, rows, actor=ADMIN).summary() == "There were no changes to save."
    rows[0]["quantity"] = 9  # WM-1 comes from all stores
    with session_scope(engine) as session:
        refused = save_grid(session, shared, page, rows, actor=ADMIN)
    assert not refused.saved and refused.errors[0].row == 1 and "mapped for all stores" in refused.errors[0].message
    assert "Tick Override" in refused.errors[0].fix
    rows.append({"platform_sku": "WM-1", "system_sku": "TEA-BOX", "quantity": 1})  # a new row for it: refused the same way
    rows[0]["quantity"] = 1
    with session_scope(engine) as session:
        assert [e.row for e in save_grid(session, shared, page, rows, actor=ADMIN).errors] == [1, 6]
    assert "WM-1" not in mapping_state(engine, shared)


def test_deleting_default_rows_on_a_stores_page_deletes_nothing(engine, shared):
    page = _page(engine, shared)
    rows = [row for row in grid_rows(page) if row["platform_sku"] not in ("WM-1", "WM-US")]
    with session_scope(engine) as session:
        result = save_grid(session, shared, page, rows, actor=ADMIN)
    assert result.removed == ["WM-US"] and result.defaults_kept == ["WM-1"] and result.default_again == []
    assert "Not deleted, because they are mapped for all stores: WM-1." in result.summary()
    assert "WM-1" in mapping_state(engine, ALL_STORES)


def test_overriding_a_default_someone_changed_meanwhile_is_a_conflict(engine, shared):
    page = _page(engine, shared)
    load(engine, ALL_STORES, [["WM-1", "TEA-BOX", "7"]])  # someone changes the default after the page was opened
    rows = grid_rows(page)
    rows[0][OVERRIDE] = True
    with pytest.raises(Conflict, match="mapping for all stores of WM-1 changed"), session_scope(engine) as session:
        save_grid(session, shared, page, rows, actor=ADMIN)
    assert "WM-1" not in mapping_state(engine, shared)


def test_the_default_level_is_saved_in_its_own_grid(engine, shared, other_store):
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, ALL_STORES, effective=True)
    rows = grid_rows(page)
    rows[0]["quantity"] = 2
    with session_scope(engine) as session:
        result = save_grid(session, ALL_STORES, page, rows, actor=ADMIN)
        [entry] = audit.entries(session, action="mapping.update")
    assert result.changed == ["WM-1"] and mapping_state(engine, ALL_STORES)["WM-1"] == [("MUG-WHITE", 2)]
    assert (entry.store_id, entry.store_name, entry.detail) == (None, "", "all stores (default mapping)")
    with session_scope(engine) as session:  # every store without an override follows it at once
        assert resolve(session, other_store, "WM-1").components[0].quantity == 2


def test_each_level_has_its_own_version(engine, shared, database_url):
    """Two saves of the default at once: the second is refused. A store's change does not stale a default plan."""
    first_rows = csv_bytes([["WM-1", "TEA-BOX", "2"]])
    with session_scope(engine) as session:
        alice = plan_import(session, ALL_STORES, first_rows, "alice.csv")
        bob = plan_import(session, ALL_STORES, csv_bytes([["WM-2", "MUG-WHITE", "3"]]), "bob.csv")
        default_version = mapping.scope_version(session, ALL_STORES)
    assert alice.changes.scope_version == bob.changes.scope_version == default_version
    load(engine, shared, [["WM-9", "MUG-WHITE", "1"]])  # a store's own change meanwhile: another counter
    with session_scope(engine) as session:
        assert mapping.scope_version(session, ALL_STORES) == default_version
    second = make_engine(database_url)
    try:
        with session_scope(second) as session:
            apply_plan(session, alice, actor=ADMIN)
        with pytest.raises(Conflict, match="changed by someone else"), session_scope(engine) as session:
            apply_plan(session, bob, actor=ADMIN)
    finally:
        second.dispose()
    assert mapping_state(engine, ALL_STORES)["WM-2"] == [("TEA-BOX", 1)]  # nothing of Bob's
    with session_scope(engine) as session:
        assert mapping.scope_version(session, ALL_STORES) == default_version + 1


def test_grid_saves_of_the_default_at_once(engine, shared, database_url):
    second = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            alice = mapping.list_mappings(session, ALL_STORES)
        with session_scope(second) as session:
            bob = mapping.list_mappings(session, ALL_STORES)
        alice_rows, bob_rows = grid_rows(alice), grid_rows(bob)
        alice_rows[0]["quantity"], bob_rows[0]["quantity"] = 2, 3
        with session_scope(engine) as session:
            assert save_grid(session, ALL_STORES, alice, alice_rows, actor=ADMIN).saved
        with pytest.raises(Conflict, match="WM-1"), session_scope(second) as session:
            save_grid(session, ALL_STORES, bob, bob_rows, actor=ADMIN)
    finally:
        second.dispose()
    assert mapping_state(engine, ALL_STORES)["WM-1"] == [("MUG-WHITE", 2)]


def test_imports_and_clones_are_audited_with_their_level(engine, shared):
    with session_scope(engine) as session:
        plan = mapping_clone.plan_clone(session, shared, ALL_STORES, sku_filter="WM-US")
        mapping_clone.apply_clone(session, plan, actor=ADMIN)
        entries = audit.entries(session)
    clone = next(e for e in entries if e.action == "clone.apply")
    assert (clone.store_id, clone.store_name) == (None, "")
    assert json.loads(clone.after_json)["level"] == "default" and clone.detail.startswith("Cloned into all stores (default mapping) from 'Acme US'")
    imports = [e for e in entries if e.action == "import.apply"]  # the fixture's two imports
    assert sorted((json.loads(e.after_json)["level"], e.store_id or 0) for e in imports) == [("default", 0), ("store", shared)]
    assert mapping_state(engine, ALL_STORES)["WM-US"] == [("COASTER-OAK", 1)]


def test_export_of_a_level_holds_its_own_mappings(engine, shared):
    with session_scope(engine) as session:
        own = mapping_export.export_rows(session, shared)
        default = mapping_export.export_rows(session, ALL_STORES)
    assert [row[:3] for row in own] == [("WM-2", "TEA-BOX", 4), ("WM-US", "COASTER-OAK", 1)]
    assert [row[0] for row in default] == ["WM-1", "WM-2", "WM-3", "WM-3"]


def test_deleting_a_store_keeps_the_default(engine, shared):
    from core.stores.registry import delete_store

    with session_scope(engine) as session:
        delete_store(session, "Acme US", actor=ADMIN)
    assert mapping_state(engine, shared) == {} and set(mapping_state(engine, ALL_STORES)) == {"WM-1", "WM-2", "WM-3"}
