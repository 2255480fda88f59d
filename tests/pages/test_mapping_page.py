"""The Product mapping page through AppTest: grid edit/add/delete/save, errors, conflict, import, clone, listings, roles."""
import pytest

from core import audit, catalog
from core.access import NotAllowed, Role
from core.db.engine import session_scope
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.imports import import_mappings
from core.mapping.levels import ALL_STORES
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, person
from tests.fixtures.spreadsheets.corpus import csv_bytes, database_snapshot, mapping_state
from tests.pages.conftest import page_text, shown
from tests.pages.test_roles_page import AUTH

PRODUCTS = [["MUG", "White mug"], ["TEA", "Tea box"], ["COASTER", "Oak coaster"]]
LIMITED_ID, LIMITED_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789"


def add_store(runtime, name="Acme", client_id=CLIENT_ID, secret=CLIENT_SECRET) -> int:
    with session_scope(runtime.engine) as session:
        return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment="production", client_id=client_id, client_secret=secret,
                                allow_duplicate=True).id  # several stores share the test key


def load(runtime, store_id, rows):
    with session_scope(runtime.engine) as session:
        assert import_mappings(session, store_id, csv_bytes(rows), "setup.csv", actor=ADMIN).applied


@pytest.fixture
def store(runtime):
    with session_scope(runtime.engine) as session:
        catalog.import_catalog(session, csv_bytes(PRODUCTS, header=["System SKU", "Product name"]), "products.csv", actor=ADMIN)
    store_id = add_store(runtime)
    load(runtime, store_id, [["WM-1", "MUG", "1"], ["WM-2", "TEA", "1"], ["WM-3", "COASTER", "2"]])
    return store_id


def open_page(app):
    app.run()
    app.switch_page("pages/mapping.py").run()
    assert not app.exception, app.exception
    return app


def save(app, edited_rows=None, added_rows=(), deleted_rows=(), discard=False):
    """Edit the grid as the browser reports it, then press Save."""
    app.session_state[app.session_state["mapping_editor_key"]] = {
        "edited_rows": edited_rows or {}, "added_rows": list(added_rows), "deleted_rows": list(deleted_rows)}
    if discard:
        app.checkbox(key="mapping_discard").check()
    app.button(key="mapping_save").click().run()
    assert not app.exception, app.exception
    return app


def grid(app):
    return app.data_editor[0].value


def suggestion_rows(app):
    """The Unmapped listings tab's table: one row per listing and suggested product."""
    [table] = [editor.value for editor in app.data_editor if "accept" in editor.value.columns]
    return table


def test_coverage_and_the_grid_show_the_store(app, store):
    open_page(app)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Mapped platform SKUs"], metrics["Bundles"], metrics["Components"]) == ("3", "1", "3")
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-1", "WM-2", "WM-3"]
    assert list(rows["product_name"]) == ["White mug", "Tea box", "Oak coaster"] and list(rows["bundle_size"]) == [1, 1, 2]
    assert app.data_editor[0].editing_mode == "dynamic"


def test_edit_add_and_delete_rows_then_save(app, runtime, store):
    open_page(app)
    save(app, edited_rows={0: {"quantity": 3}}, deleted_rows=[1],
         added_rows=[{"platform_sku": "WM-4", "system_sku": "MUG", "quantity": 1}, {"platform_sku": "WM-4", "system_sku": "TEA", "quantity": 2}])
    assert "Saved: 1 added, 1 changed, 1 deleted." in shown(app.success[0])
    assert mapping_state(runtime.engine, store) == {"WM-1": [("MUG", 3)], "WM-3": [("COASTER", 2)], "WM-4": [("MUG", 1), ("TEA", 2)]}
    assert list(grid(app)["platform_sku"]) == ["WM-1", "WM-3", "WM-4", "WM-4"]  # reloaded from the database
    assert {m.label: m.value for m in app.metric}["Bundles"] == "3"
    with session_scope(runtime.engine) as session:
        recorded = [(e.actor, e.action, e.subject) for e in audit.entries(session, action="mapping.")]
    assert sorted(recorded) == [("local operator", "mapping.create", "WM-4"), ("local operator", "mapping.delete", "WM-2"),
                                ("local operator", "mapping.update", "WM-1")]


def test_a_bad_row_is_shown_beside_its_row_and_nothing_is_saved(app, runtime, store):
    open_page(app)
    before = database_snapshot(runtime.engine)
    save(app, edited_rows={0: {"quantity": 5}}, added_rows=[{"platform_sku": "WM-9", "system_sku": "NOPE", "quantity": 1}])
    assert "Nothing was saved" in app.error[0].value
    assert database_snapshot(runtime.engine) == before
    errors = app.dataframe[1].value  # [0] is the grid
    assert (errors.loc[0, "Row"], errors.loc[0, "Platform SKU"]) == (4, "WM-9")
    assert "'NOPE' is not in the catalog" in errors.loc[0, "Problem"]
    rows = grid(app)  # the user's rows are kept, with the problem beside the bad one
    assert list(rows["quantity"]) == [5, 1, 2, 1] and "not in the catalog" in rows.loc[3, "problem"] and rows.loc[0, "problem"] == ""

    app.toggle(key="mapping_only_errors").set_value(True).run()
    assert list(grid(app)["platform_sku"]) == ["WM-9"]
    save(app, edited_rows={0: {"system_sku": "TEA"}})  # fixed in the errors-only view
    assert "Saved: 1 added, 1 changed, 0 deleted." in shown(app.success[0])
    assert mapping_state(runtime.engine, store) == {"WM-1": [("MUG", 5)], "WM-2": [("TEA", 1)], "WM-3": [("COASTER", 2)], "WM-9": [("TEA", 1)]}


def test_discarding_the_bad_rows_saves_the_rest(app, runtime, store):
    open_page(app)
    save(app, edited_rows={0: {"quantity": 4}, 1: {"quantity": 0}}, discard=True)
    assert "Saved: 0 added, 1 changed, 0 deleted." in shown(app.success[0]) and "WM-2" in shown(app.success[0])
    assert mapping_state(runtime.engine, store)["WM-1"] == [("MUG", 4)] and mapping_state(runtime.engine, store)["WM-2"] == [("TEA", 1)]


def test_a_row_renamed_with_a_problem_and_discarded_keeps_its_mapping(app, runtime, store):
    open_page(app)
    save(app, edited_rows={0: {"platform_sku": "WM-9", "system_sku": "NOPE"}, 1: {"quantity": 5}}, discard=True)
    assert "Saved: 0 added, 1 changed, 0 deleted." in shown(app.success[0])
    assert mapping_state(runtime.engine, store) == {"WM-1": [("MUG", 1)], "WM-2": [("TEA", 5)], "WM-3": [("COASTER", 2)]}


def test_a_conflict_keeps_the_other_persons_change_and_reloads(app, runtime, store):
    open_page(app)
    with session_scope(runtime.engine) as session:  # a colleague changes WM-1 after the page was shown
        page = mapping.list_mappings(session, store, sku_text="WM-1")
        mapping_grid.save_grid(session, store, page, [{"platform_sku": "WM-1", "system_sku": "TEA", "quantity": 7}], actor=person("colleague@x.com"))
    save(app, edited_rows={0: {"quantity": 3}})
    assert "Someone else changed or deleted WM-1" in shown(app.error[0])
    assert "now shows the mappings as they are" in app.info[0].value
    assert mapping_state(runtime.engine, store)["WM-1"] == [("TEA", 7)]
    rows = grid(app)
    assert (rows.loc[0, "system_sku"], rows.loc[0, "quantity"]) == ("TEA", 7)
    save(app, edited_rows={0: {"quantity": 3}})  # after the reload, the change goes through
    assert mapping_state(runtime.engine, store)["WM-1"] == [("TEA", 3)]


def test_search_bundles_and_pages(app, runtime, store):
    load(runtime, store, [[f"BULK-{n:03}", "MUG", "1"] for n in range(120)])
    open_page(app)
    assert app.pagination(key="mapping_page").num_pages == 3 and len(grid(app)) == 50
    app.pagination(key="mapping_page").set_value(3).run()
    assert list(grid(app)["platform_sku"])[-3:] == ["WM-1", "WM-2", "WM-3"] and len(grid(app)) == 23
    app.text_input(key="mapping_search").input("bulk-11").run()
    assert list(grid(app)["platform_sku"]) == [f"BULK-11{n}" for n in range(10)]
    app.text_input(key="mapping_search").input("").run()
    app.checkbox(key="mapping_bundles").check().run()
    assert list(grid(app)["platform_sku"]) == ["WM-3"]


def test_import_preview_then_apply(app, runtime, store):
    open_page(app)
    data = csv_bytes([["WM-1", "MUG", "2"], ["WM-5", "TEA*1+COASTER*2", ""]])
    app.file_uploader(key="mapping_file_0").set_value(("new.csv", data, "text/csv")).run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["To add"], metrics["To change"], metrics["To remove"], metrics["Unchanged"]) == ("1", "1", "0", "0")
    changes = app.dataframe[-1].value
    assert set(zip(changes["Platform SKU"], changes["Change"], changes["After the import"])) == {("WM-5", "Add", "TEA*1+COASTER*2"), ("WM-1", "Change", "MUG*2")}
    assert mapping_state(runtime.engine, store)["WM-1"] == [("MUG", 1)]  # a preview writes nothing

    app.radio(key="mapping_import_mode").set_value("replace").run()
    assert {m.label: m.value for m in app.metric}["To remove"] == "2"
    app.button(key="mapping_import_apply").click().run()
    assert "Imported 'new.csv'" in shown(app.success[0])
    assert mapping_state(runtime.engine, store) == {"WM-1": [("MUG", 2)], "WM-5": [("COASTER", 2), ("TEA", 1)]}
    assert list(grid(app)["platform_sku"]) == ["WM-1", "WM-5", "WM-5"]
    assert app.file_uploader(key="mapping_file_1").value is None  # emptied for the next file


def test_import_with_bad_rows_lists_them_and_applies_only_when_told(app, runtime, store):
    open_page(app)
    data = csv_bytes([["WM-6", "MUG", "1"], ["WM-7", "MUG", "1.5"], ["WM-8", "NOPE", "1"]])
    app.file_uploader(key="mapping_file_0").set_value(("bad.csv", data, "text/csv")).run()
    errors = app.dataframe[-1].value
    assert list(errors["Row"]) == [3, 4] and "not a whole number" in errors.loc[0, "Problem"]
    assert "mapping_error_report" in [b.key for b in app.get("download_button")]
    assert app.button(key="mapping_import_apply").disabled
    app.checkbox(key="mapping_import_discard").check().run()
    app.button(key="mapping_import_apply").click().run()
    assert "WM-6" in mapping_state(runtime.engine, store) and "WM-7" not in mapping_state(runtime.engine, store)


def test_a_file_that_is_not_a_spreadsheet_is_refused_plainly(app, runtime, store):
    open_page(app)
    before = database_snapshot(runtime.engine)
    app.file_uploader(key="mapping_file_0").set_value(("empty.csv", b"", "text/csv")).run()
    assert not app.exception
    assert any("The file was not imported" in e.value and "empty" in e.value for e in app.error)
    assert database_snapshot(runtime.engine) == before


def test_export_and_template_buttons(app, store):
    open_page(app)
    labels = {b.label for b in app.get("download_button")}
    assert {"Export CSV", "Export XLSX", "Template (CSV)", "Template (XLSX)"} <= labels


def test_clone_preview_then_apply(app, runtime, store):
    target = add_store(runtime, "Acme CA")
    load(runtime, target, [["WM-2", "COASTER", "9"]])
    open_page(app)
    app.selectbox(key="mapping_store").set_value(target).run()
    assert list(grid(app)["platform_sku"]) == ["WM-2"]
    app.text_input(key="mapping_clone_filter").input("WM").run()
    app.button(key="mapping_clone_preview_button").click().run()
    assert "2 to add, 0 to overwrite, 1 kept as the target has them" in shown(app.info[0])
    app.button(key="mapping_clone_apply").click().run()
    assert "Cloned: 2 added, 0 overwritten, 1 kept" in shown(app.success[0])
    assert mapping_state(runtime.engine, target) == {"WM-1": [("MUG", 1)], "WM-2": [("COASTER", 9)], "WM-3": [("COASTER", 2)]}


def test_cloning_from_a_store_without_matching_mappings_says_so(app, runtime, store):
    empty = add_store(runtime, "Acme CA")  # no mappings at all
    open_page(app)
    app.selectbox(key="mapping_clone_source").set_value(empty).run()
    app.button(key="mapping_clone_preview_button").click().run()
    assert "Acme CA has no mappings to copy." in app.info[0].value
    app.selectbox(key="mapping_store").set_value(empty).run()  # the other way round, with a filter nothing matches
    app.selectbox(key="mapping_clone_source").set_value(store).run()
    app.text_input(key="mapping_clone_filter").input("NOPE").run()
    app.button(key="mapping_clone_preview_button").click().run()
    assert "Acme has no mappings with a SKU containing 'NOPE' to copy." in app.info[0].value
    assert not [b for b in app.button if b.key == "mapping_clone_apply"]


def test_unmapped_listings(app, gateway, store):
    gateway.set_items("production", CLIENT_ID, [{"sku": "WM-1", "productName": "Mug"}, {"sku": "WM-NEW", "productName": "New listing", "gtin": "00886859944807"}])
    open_page(app)
    app.button(key="mapping_listings_read").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Listings on Walmart"], metrics["Mapped"], metrics["Not mapped"]) == ("2", "1", "1")
    table = suggestion_rows(app)  # the unmapped listings, each with what automatic pairing suggests (tests/pages/test_pairing_page.py)
    assert list(table["platform_sku"]) == ["WM-NEW"] and table.loc[0, "barcode"] == "00886859944807"
    assert (table.loc[0, "listing_name"], table.loc[0, "status"]) == ("New listing", "Unmatched")


def test_unmapped_listings_are_mapped_in_the_grid(app, runtime, gateway, store):
    gateway.set_items("production", CLIENT_ID, [{"sku": "WM-1", "productName": "Mug"}, {"sku": "WM-NEW", "productName": "New"},
                                                {"sku": "WM-LATER", "productName": "Later"}])
    open_page(app)
    app.button(key="mapping_listings_read").click().run()
    app.button(key="mapping_listings_to_grid").click().run()
    assert not app.exception, app.exception
    assert app.session_state["mapping_tab"] == "Mappings"
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-1", "WM-2", "WM-3", "WM-NEW", "WM-LATER"]
    assert rows["system_sku"][3:].isna().all() and rows["quantity"][3:].isna().all()
    assert any("2 unmapped listing(s) were added" in info.value for info in app.info)

    # A typo on one new row: the problem is shown beside that row, and the untouched row stays to fill in later.
    save(app, edited_rows={3: {"system_sku": "NOPE", "quantity": 1}})
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-1", "WM-2", "WM-3", "WM-NEW", "WM-LATER"]
    assert "not in the catalog" in rows.loc[3, "problem"] and rows.loc[4, "problem"] == ""
    assert "WM-NEW" not in mapping_state(runtime.engine, store)

    save(app, edited_rows={3: {"system_sku": "TEA", "quantity": 2}}, added_rows=[{"platform_sku": "WM-NEW", "system_sku": "MUG", "quantity": 1}])
    assert "Saved: 1 added, 0 changed, 0 deleted. 1 listing(s) left unmapped" in shown(app.success[0])
    state = mapping_state(runtime.engine, store)
    assert state["WM-NEW"] == [("MUG", 1), ("TEA", 2)] and "WM-LATER" not in state
    assert list(grid(app)["platform_sku"]) == ["WM-1", "WM-2", "WM-3", "WM-NEW", "WM-NEW"]  # reloaded: the empty row is gone

    # The listings read earlier are compared again with the mappings now: only WM-LATER is left to offer.
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Mapped"], metrics["Not mapped"]) == ("2", "1")
    app.text_input(key="mapping_search").set_value("WM-L").run()  # WM-NEW is not on the grid's page now
    app.button(key="mapping_listings_to_grid").click().run()
    assert list(grid(app)["platform_sku"]) == ["WM-LATER"]


def test_no_item_permission_links_to_the_store_status(app, runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"orders": "full_access", "item": "no_access"})
    add_store(runtime, "Limited", LIMITED_ID, LIMITED_SECRET)
    open_page(app)
    app.button(key="mapping_listings_read").click().run()
    assert "does not have the Item permission" in app.error[0].value
    assert any("Developer Portal" in info.value for info in app.info)
    assert ("Open Store authorization", "stores") in [(link.value, link.proto.page) for link in app.get("page_link")]
    assert LIMITED_SECRET not in page_text(app)


def test_a_viewer_sees_the_grid_read_only_and_core_refuses_a_save(app, runtime, store, monkeypatch):
    monkeypatch.setenv("ROLE_VIEWERS", "ann@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com"}
    open_page(app)
    assert app.data_editor[0].editing_mode == "fixed" and app.data_editor[0].proto.disabled
    assert "mapping_save" not in [b.key for b in app.button]
    app.file_uploader(key="mapping_file_0").set_value(("new.csv", csv_bytes([["WM-5", "MUG", "1"]]), "text/csv")).run()
    assert {m.label: m.value for m in app.metric}["To add"] == "1"  # a viewer may preview
    assert "mapping_import_apply" not in [b.key for b in app.button] and "needs the editor role" in page_text(app)
    before = database_snapshot(runtime.engine)
    with pytest.raises(NotAllowed), session_scope(runtime.engine) as session:
        page = mapping.list_mappings(session, store)
        mapping_grid.save_grid(session, store, page, [], actor=person("ann@x.com", Role.viewer))
    assert database_snapshot(runtime.engine) == before


# --------------------------------------------------------------------------- levels: all stores and one store


def test_the_level_choice_and_where_each_mapping_comes_from(app, runtime, store):
    load(runtime, ALL_STORES, [["WM-1", "TEA", "1"], ["WM-9", "COASTER", "1"]])  # WM-1 is the store's own already
    open_page(app)
    assert app.selectbox(key="mapping_store").options == ["All stores (default)", "Acme"]
    assert app.selectbox(key="mapping_store").value == store  # a store first, as before
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-1", "WM-2", "WM-3", "WM-9"]
    assert list(rows["comes_from"]) == ["This store", "This store", "This store", "All stores"]
    assert list(rows["override"]) == [None, None, None, False]  # the box is for rows from all stores
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Mapped platform SKUs"], metrics["From all stores"]) == ("4", "1")
    assert "read-only here" in page_text(app)

    save(app, edited_rows={3: {"override": True, "quantity": 4}})  # this store's own copy of WM-9, changed
    assert "Now this store's own (overriding the mapping for all stores): WM-9." in shown(app.success[0])
    assert mapping_state(runtime.engine, store)["WM-9"] == [("COASTER", 4)]
    assert mapping_state(runtime.engine, ALL_STORES)["WM-9"] == [("COASTER", 1)]
    assert list(grid(app)["comes_from"]) == ["This store"] * 4

    app.selectbox(key="mapping_store").set_value(ALL_STORES).run()
    assert not app.exception
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-1", "WM-9"]
    assert "From all stores" not in {m.label for m in app.metric}
    save(app, edited_rows={0: {"quantity": 5}})
    assert "Saved: 0 added, 1 changed, 0 deleted." in shown(app.success[0])
    assert mapping_state(runtime.engine, ALL_STORES)["WM-1"] == [("TEA", 5)]
    assert mapping_state(runtime.engine, store)["WM-1"] == [("MUG", 1)]  # the store's own is not touched
    with session_scope(runtime.engine) as session:
        [entry] = audit.entries(session, action="mapping.update")
    assert (entry.store_name, entry.detail) == ("", "all stores (default mapping)")


def test_rows_from_all_stores_are_read_only_and_removing_an_override_brings_the_default_back(app, runtime, store):
    load(runtime, ALL_STORES, [["WM-1", "TEA", "1"], ["WM-9", "COASTER", "1"]])
    open_page(app)
    before = database_snapshot(runtime.engine)
    save(app, edited_rows={3: {"quantity": 2}})  # WM-9 comes from all stores, and Override is not ticked
    assert "Nothing was saved" in app.error[0].value and database_snapshot(runtime.engine) == before
    assert "mapped for all stores" in grid(app).loc[3, "problem"]

    app.button(key="mapping_reload").click().run()
    save(app, deleted_rows=[0])  # this store's own WM-1
    assert "WM-1 follows the mapping for all stores again." in shown(app.success[0])
    rows = grid(app)
    assert (rows.loc[0, "platform_sku"], rows.loc[0, "system_sku"], rows.loc[0, "comes_from"]) == ("WM-1", "TEA", "All stores")


def test_import_into_all_stores_from_the_page(app, runtime, store):
    open_page(app)
    app.selectbox(key="mapping_store").set_value(ALL_STORES).run()
    assert "The file is imported into the mapping for all stores" in page_text(app)
    app.file_uploader(key="mapping_file_0").set_value(("all.csv", csv_bytes([["WM-ALL", "MUG", "2"]]), "text/csv")).run()
    app.button(key="mapping_import_apply").click().run()
    assert "Imported 'all.csv'" in shown(app.success[0])
    assert mapping_state(runtime.engine, ALL_STORES) == {"WM-ALL": [("MUG", 2)]} and "WM-ALL" not in mapping_state(runtime.engine, store)
    assert list(grid(app)["platform_sku"]) == ["WM-ALL"]
    assert any("the mapping for all stores" in info.value for info in app.info)  # Unmapped listings: choose a store


def test_unmapped_listings_count_a_default_mapping_as_mapped(app, runtime, gateway, store):
    gateway.set_items("production", CLIENT_ID, [{"sku": "WM-1", "productName": "Mug"}, {"sku": "WM-SHARED", "productName": "Shared"},
                                                {"sku": "WM-NEW", "productName": "New"}])
    load(runtime, ALL_STORES, [["WM-SHARED", "TEA", "1"]])
    open_page(app)
    app.button(key="mapping_listings_read").click().run()
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Listings on Walmart"], metrics["Mapped"], metrics["Not mapped"]) == ("3", "2", "1")
    assert list(suggestion_rows(app)["platform_sku"]) == ["WM-NEW"]
