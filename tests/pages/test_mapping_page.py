"""The Product mapping page through AppTest: grid edit/add/delete/save, errors, conflict, import, clone, listings, roles."""
import pandas as pd
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


def open_page(app, **params):
    """The mapping page, opened by an address with these parameters (AppTest keeps the first page's, a browser does not)."""
    app.run()
    app.query_params.clear()
    app.query_params.update(params)
    app.switch_page("pages/mapping.py").run()
    assert not app.exception, app.exception
    return app


def edit(app, edited_rows=None, added_rows=(), deleted_rows=()):
    """Edit the grid as a person does: Add row puts a new row at the top, Delete is a box to tick, and the browser reports
    the edits by row position. `edited_rows` and `deleted_rows` count the positions before the new rows were added."""
    for _ in added_rows:
        app.button(key="mapping_add_row").click().run()
        assert not app.exception, app.exception
    new = len(added_rows)
    edits = {position + new: dict(change) for position, change in (edited_rows or {}).items()}
    for position in deleted_rows:
        edits.setdefault(position + new, {})["delete"] = True
    edits.update({position: dict(row) for position, row in enumerate(added_rows)})
    key = app.session_state["mapping_editor_key"]
    try:  # the browser reports every edit made under this key so far, not only the last one
        before = {int(position): dict(change) for position, change in app.session_state[key]["edited_rows"].items()}
    except KeyError:
        before = {}
    for position, change in edits.items():
        before.setdefault(position, {}).update(change)
    app.session_state[key] = {"edited_rows": before, "added_rows": [], "deleted_rows": []}
    return app


def save(app, edited_rows=None, added_rows=(), deleted_rows=(), discard=False):
    """Edit the grid, then press Save."""
    edit(app, edited_rows, added_rows, deleted_rows)
    if discard:
        app.checkbox(key="mapping_discard").check()
    app.button(key="mapping_save").click().run()
    assert not app.exception, app.exception
    return app


def grid(app):
    """The grid as the person sees it: the editor's rows with the edits the browser holds laid over them."""
    rows = app.data_editor[0].value.copy()
    try:
        edits = app.session_state[app.data_editor[0].key]["edited_rows"]
    except KeyError:
        return rows
    for position, change in edits.items():
        for column, value in change.items():
            rows.loc[int(position), column] = value
    return rows


def unsaved(app) -> str:
    """What the bar beside Save says about unsaved changes."""
    return " ".join(w.value for w in app.warning if "unsaved" in w.value) or " ".join(c.value for c in app.caption if "unsaved" in c.value)


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
    # Rows are added with Add row and deleted with a Delete box, so the editor keeps its rows (see ui/mapping_grid.py).
    assert app.data_editor[0].editing_mode == "fixed" and not app.data_editor[0].proto.disabled
    assert unsaved(app) == "No unsaved changes."


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
    rows = grid(app)  # the user's rows are kept, unsaved, the new one at the top, with the problem beside the bad one
    assert list(rows["platform_sku"]) == ["WM-9", "WM-1", "WM-2", "WM-3"] and list(rows["quantity"]) == [1, 5, 1, 2]
    assert "'NOPE' is not in the catalog" in rows.loc[0, "problem"] and rows.loc[1, "problem"] == ""
    assert list(rows["change"]) == ["New", "Edited", "", ""] and "2 unsaved changes" in unsaved(app)

    app.radio(key="mapping_rows").set_value("unsaved").run()  # only what is unsaved, whatever the search or page
    assert list(grid(app)["platform_sku"]) == ["WM-9", "WM-1"]
    save(app, edited_rows={0: {"system_sku": "TEA"}})  # fixed in that view
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
    assert any("now shows those mappings as they are" in shown(e) for e in [*app.error, *app.info])
    assert any("Your changes to WM-1 were dropped" in shown(e) for e in app.error)
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
    rows = grid(app)  # at the top, in view
    assert list(rows["platform_sku"]) == ["WM-NEW", "WM-LATER", "WM-1", "WM-2", "WM-3"]
    assert rows["system_sku"][:2].isna().all() and rows["quantity"][:2].isna().all()
    assert list(rows["change"][:2]) == ["To fill in", "To fill in"] and unsaved(app) == "No unsaved changes."

    # A typo on one new row: the problem is shown beside that row, and the untouched row stays to fill in later.
    save(app, edited_rows={0: {"system_sku": "NOPE", "quantity": 1}})
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["WM-NEW", "WM-LATER", "WM-1", "WM-2", "WM-3"]
    assert "not in the catalog" in rows.loc[0, "problem"] and rows.loc[1, "problem"] == ""
    assert "WM-NEW" not in mapping_state(runtime.engine, store)

    save(app, edited_rows={0: {"system_sku": "TEA", "quantity": 2}}, added_rows=[{"platform_sku": "WM-NEW", "system_sku": "MUG", "quantity": 1}])
    assert "Saved: 1 added, 0 changed, 0 deleted. 1 listing left unmapped" in shown(app.success[0])
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

    app.button(key="mapping_discard_all").click().run()
    assert "1 unsaved change discarded." in shown(app.info[0]) and grid(app).loc[3, "problem"] == ""
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


def test_a_link_opens_the_store_tab_and_search_and_the_address_follows(app, runtime, store):
    other = add_store(runtime, "Bright Kitchen")
    load(runtime, other, [["BK-1", "TEA", "1"], ["BK-22", "MUG", "2"]])
    open_page(app, store="bright kitchen", tab="import")  # any letter case
    assert app.selectbox(key="mapping_store").value == other
    assert app.session_state["mapping_tab"] == "Import"
    assert (app.query_params["store"], app.query_params["tab"]) == ("Bright Kitchen", "import")
    app.session_state["mapping_tab"] = "Clone"  # as a click on the tab does
    app.run()
    assert app.query_params["tab"] == "clone"
    app.selectbox(key="mapping_store").set_value(store).run()
    assert app.query_params["store"] == "Acme"
    link = next(code.value for code in app.code if "/mapping?" in code.value)
    assert link.endswith("/mapping?store=Acme&tab=clone")


def test_a_link_naming_one_sku_opens_the_grid_searched_for_it(app, runtime, store):
    open_page(app, store="Acme", sku="WM-3")
    assert app.session_state["mapping_tab"] == "Mappings" and app.text_input(key="mapping_search").value == "WM-3"
    assert list(grid(app)["platform_sku"]) == ["WM-3"]
    assert "sku" not in app.query_params and app.query_params["q"] == "WM-3"


def test_a_link_may_name_the_store_by_its_id(app, runtime, store):
    open_page(app, store=str(store), sku="WM-2")
    assert app.selectbox(key="mapping_store").value == store and list(grid(app)["platform_sku"]) == ["WM-2"]
    assert app.query_params["store"] == "Acme"  # written back by name


def test_a_link_to_a_store_that_is_gone_says_so(app, runtime, store):
    open_page(app, store="Renamed Store")
    assert any("There is no store called 'Renamed Store'" in shown(w) for w in app.warning)


def test_a_link_with_a_digit_int_refuses_is_no_store(app, runtime, store):
    open_page(app, store="²")  # a digit to str.isdigit(), which int() refuses: once a crash of the page
    assert not app.exception and any("There is no store called '²'" in shown(w) for w in app.warning)


@pytest.mark.parametrize("typed, problem", [(0, "Quantity is 0"), (-2, "Quantity -2 is negative"), (1.5, "Quantity 1.5 is not a whole number")])
def test_a_bad_quantity_in_the_grid_is_an_error_on_its_row_not_saved_as_1(app, runtime, store, typed, problem):
    open_page(app)
    save(app, edited_rows={0: {"quantity": typed}})
    assert any("Nothing was saved: 1 row has a problem." in shown(e) for e in app.error)  # one row: never "1 rows"
    assert problem in " ".join(grid(app)["problem"])
    assert grid(app).loc[0, "quantity"] == typed  # shown as typed, to be fixed
    assert mapping_state(runtime.engine, store)["WM-1"] == [("MUG", 1)]


def test_the_grid_does_not_clamp_or_round_quantities_in_the_browser(app, store):
    import json

    open_page(app)
    config = json.loads(app.data_editor[0].proto.columns)
    limits = config["quantity"].get("type_config", {})
    assert not {"min_value", "max_value", "step"} & set(limits) and limits.get("format") != "%d"  # 0 -> 1, -2 -> 2, 1.5 -> 1 before
    assert str(grid(app)["quantity"].dtype) == "float64"


def test_uploads_state_their_limits_and_refuse_in_words(app, store):
    from core.spreadsheets.limits import UPLOAD_LIMITS

    open_page(app, store="Acme", tab="import")
    assert any("CSV, XLSX or XLS, up to 20 MB and 200,000 rows" in shown(c) and "python -m core mappings import" in shown(c)
               for c in app.caption)  # stated beside the uploader, not in a tooltip
    too_big = b"Platform SKU,System SKU,Quantity\n" + b"WM-1,MUG,1\n" * (UPLOAD_LIMITS.max_bytes // 11 + 10)
    app.file_uploader(key="mapping_file_0").set_value(("big.csv", too_big, "text/csv")).run()
    refusal = " ".join(shown(e) for e in app.error) + " ".join(shown(i) for i in app.info)
    assert "big.csv" in refusal and "the limit is 20 MB" in refusal
    assert "Split it" in refusal and "python -m core mappings import" in refusal  # what to do instead
    app.file_uploader(key="mapping_file_0").set_value(("scan.pdf", b"%PDF-1.7\n" + b"x" * 200, "application/pdf")).run()
    refusal = " ".join(shown(e) for e in app.error) + " ".join(shown(i) for i in app.info)
    assert "scan.pdf" in refusal and "not a spreadsheet" in refusal
    assert not app.get("metric") or "To add" not in [m.label for m in app.metric]  # nothing previewed


def test_a_preview_with_rejected_rows_never_says_the_store_matches(app, runtime, store):
    """6 of 7 rows invalid, the valid one unchanged: once this said, in green, that the store already matches the file."""
    open_page(app, store="Acme", tab="import")
    rows = [["WM-1", "MUG", "1"]] + [[f"WM-{n}", "NOPE", "1"] for n in range(10, 16)]
    app.file_uploader(key="mapping_file_0").set_value(("mixed.csv", csv_bytes(rows), "text/csv")).run()
    metrics = {m.label: m.value for m in app.metric if m.label in ("To add", "To change", "To remove", "Unchanged", "Rows with errors")}
    assert metrics == {"To add": "0", "To change": "0", "To remove": "0", "Unchanged": "1", "Rows with errors": "6"}
    assert "already matches" not in page_text(app) and not app.success
    assert any("6 rows have problems" in shown(e) for e in app.error)  # one summary, red: nothing else would change
    assert "mapping_import_apply" not in [b.key for b in app.button]


# --------------------------------------------------------------------------- unsaved edits, the picker, rows checked while typed


def test_unsaved_edits_survive_searches_levels_and_other_pages_until_saved_or_discarded(app, runtime, store):
    other = add_store(runtime, "Acme CA")
    load(runtime, other, [["CA-1", "MUG", "1"]])
    open_page(app)
    edit(app, edited_rows={0: {"quantity": 4}}).run()  # WM-1, not saved
    assert "1 unsaved change." in unsaved(app)
    assert (grid(app).loc[0, "quantity"], grid(app).loc[0, "change"]) == (4, "Edited")

    app.text_input(key="mapping_search").input("WM-2").run()  # a search: WM-1 is not shown, its edit is kept
    assert list(grid(app)["platform_sku"]) == ["WM-2"] and "1 unsaved change." in unsaved(app)
    app.text_input(key="mapping_search").input("").run()
    assert (grid(app).loc[0, "quantity"], grid(app).loc[0, "change"]) == (4, "Edited")

    app.selectbox(key="mapping_store").set_value(other).run()  # another level has its own edits, and names this one's
    assert list(grid(app)["platform_sku"]) == ["CA-1"] and unsaved(app) == "No unsaved changes."
    assert "Acme: 1 change" in [b.label for b in app.button]
    edit(app, edited_rows={0: {"quantity": 2}}).run()
    app.button(key=f"mapping_open_level_{store}").click().run()
    assert app.selectbox(key="mapping_store").value == store and grid(app).loc[0, "quantity"] == 4
    assert "Acme CA: 1 change" in [b.label for b in app.button]

    # Another page: Streamlit cannot ask before leaving, so the sidebar says the edits are waiting and leads back.
    # (The router itself, app.py, opens Store authorization and draws the sidebar: AppTest runs a page alone.)
    app.switch_page("app.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Store authorization"
    [notice] = [w for w in app.sidebar.warning if "unsaved" in w.value]
    assert "The product mapping grid has 2 unsaved changes." in notice.value
    app.sidebar.button(key="mapping_unsaved_back").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Product mapping" and app.selectbox(key="mapping_store").value == store
    assert app.radio(key="mapping_rows").value == "unsaved"  # what is unsaved, whatever the search
    assert list(grid(app)["platform_sku"]) == ["WM-1"] and "1 unsaved change." in unsaved(app)
    assert (grid(app).loc[0, "quantity"], grid(app).loc[0, "change"]) == (4, "Edited")
    assert not [w for w in app.sidebar.warning if "unsaved" in w.value]  # not on the mapping page itself

    app.switch_page("pages/mapping.py")  # AppTest's next run would start from the router's default page again
    app.button(key="mapping_save").click().run()
    assert "Saved: 0 added, 1 changed, 0 deleted." in shown(app.success[0])
    assert mapping_state(runtime.engine, store)["WM-1"] == [("MUG", 4)] and unsaved(app) == "No unsaved changes."
    assert app.radio(key="mapping_rows").value == "all" and list(grid(app)["platform_sku"]) == ["WM-1", "WM-2", "WM-3"]
    app.button(key=f"mapping_open_level_{other}").click().run()
    assert grid(app).loc[0, "quantity"] == 2
    app.button(key="mapping_discard_all").click().run()
    assert "1 unsaved change discarded." in shown(app.info[0]) and grid(app).loc[0, "quantity"] == 1
    assert app.radio(key="mapping_rows").value == "all"  # nothing is unsaved: all rows again
    assert mapping_state(runtime.engine, other) == {"CA-1": [("MUG", 1)]}
    app.switch_page("app.py").run()
    assert not [w for w in app.sidebar.warning if "unsaved" in w.value] and "mapping_unsaved_back" not in [b.key for b in app.sidebar.button]


def test_an_edit_made_just_before_leaving_the_page_is_kept(app, runtime, store):
    open_page(app)
    edit(app, edited_rows={1: {"system_sku": "COASTER"}})  # typed, then straight to another page: no run of the mapping page between
    app.switch_page("app.py").run()  # the router, on Store authorization
    assert any("1 unsaved change" in w.value for w in app.sidebar.warning)
    app.switch_page("pages/mapping.py").run()
    rows = grid(app)
    assert (rows.loc[1, "system_sku"], rows.loc[1, "product_name"], rows.loc[1, "change"]) == ("COASTER", "Oak coaster", "Edited")


def test_edits_on_other_pages_of_the_grid_are_kept_and_saved_together(app, runtime, store):
    load(runtime, store, [[f"BULK-{n:03}", "MUG", "1"] for n in range(120)])
    open_page(app)
    edit(app, edited_rows={0: {"quantity": 2}}).run()  # BULK-000, on page 1
    app.pagination(key="mapping_page").set_value(3).run()
    assert list(grid(app)["platform_sku"])[-3:] == ["WM-1", "WM-2", "WM-3"]
    edit(app, deleted_rows=[len(grid(app)) - 1]).run()  # WM-3, on page 3
    assert grid(app)["change"].iloc[-1] == "Delete" and "2 unsaved changes." in unsaved(app)
    app.radio(key="mapping_rows").set_value("unsaved").run()  # both, on one screen
    assert list(grid(app)["platform_sku"]) == ["BULK-000", "WM-3"] and list(grid(app)["change"]) == ["Edited", "Delete"]
    app.radio(key="mapping_rows").set_value("all").run()
    app.pagination(key="mapping_page").set_value(1).run()
    assert grid(app).loc[0, "quantity"] == 2
    app.button(key="mapping_save").click().run()
    assert "Saved: 0 added, 1 changed, 1 deleted." in shown(app.success[0])
    state = mapping_state(runtime.engine, store)
    assert state["BULK-000"] == [("MUG", 2)] and "WM-3" not in state


def test_names_and_bundle_sizes_show_as_soon_as_a_row_is_valid(app, runtime, store):
    open_page(app)
    edit(app, added_rows=[{"platform_sku": "WM-5", "system_sku": "TEA", "quantity": 2}]).run()
    rows = grid(app)
    assert (rows.loc[0, "product_name"], rows.loc[0, "bundle_size"], rows.loc[0, "change"], rows.loc[0, "problem"]) == ("Tea box", 2, "New", "")
    assert mapping_state(runtime.engine, store).get("WM-5") is None  # nothing saved yet
    edit(app, edited_rows={0: {"system_sku": "TEAPOT"}}).run()  # not a product: no name, no size, the problem says why
    rows = grid(app)
    assert (rows.loc[0, "product_name"], pd.isna(rows.loc[0, "bundle_size"])) == ("", True)
    assert "'TEAPOT' is not in the catalog" in rows.loc[0, "problem"]
    edit(app, edited_rows={0: {"system_sku": "COASTER"}, 2: {"platform_sku": "WM-5"}}).run()  # WM-2's row (TEA) joins WM-5: a bundle
    rows = grid(app)
    assert (rows.loc[0, "product_name"], rows.loc[0, "bundle_size"], rows.loc[2, "bundle_size"]) == ("Oak coaster", 3, 3)


@pytest.mark.parametrize("typed, problem", [(0, "Quantity is 0"), (-2, "Quantity -2 is negative"), (1.5, "Quantity 1.5 is not a whole number")])
def test_a_quantity_of_zero_negative_or_fractional_is_a_problem_on_its_row(app, runtime, store, typed, problem):
    open_page(app)
    edit(app, edited_rows={0: {"quantity": typed}}).run()
    assert problem in grid(app).loc[0, "problem"] and grid(app).loc[0, "quantity"] == typed  # as typed, never rounded or clamped
    before = database_snapshot(runtime.engine)
    app.button(key="mapping_save").click().run()
    assert "Nothing was saved" in app.error[0].value and database_snapshot(runtime.engine) == before
    assert problem in grid(app).loc[0, "problem"] and grid(app).loc[1, "problem"] == ""


def picked(app):
    return next(box for box in app.selectbox if box.label == "Product")


def test_new_rows_go_to_the_top_and_the_picker_fills_a_row_from_the_catalog(app, runtime, store):
    open_page(app)
    app.button(key="mapping_add_row").click().run()
    assert pd.isna(grid(app).loc[0, "platform_sku"])
    assert len(grid(app)) == 4 and list(grid(app)["row"]) == [1, 2, 3, 4]
    picker_row = [s for s in app.selectbox if s.key.startswith("mapping_pick_row_")][0]
    assert picker_row.value == 0 and picker_row.format_func(0).startswith("#1 · new row")  # the row without a System SKU
    app.text_input(key="mapping_pick_search").input("oak").run()  # by product name, any case
    assert picked(app).options == ["COASTER — Oak coaster"]
    app.button(key="mapping_pick_use").click().run()
    assert not app.exception, app.exception
    rows = grid(app)
    assert (rows.loc[0, "system_sku"], rows.loc[0, "quantity"], rows.loc[0, "product_name"]) == ("COASTER", 1, "Oak coaster")
    save(app, edited_rows={0: {"platform_sku": "WM-OAK"}})
    assert "Saved: 1 added" in shown(app.success[0]) and mapping_state(runtime.engine, store)["WM-OAK"] == [("COASTER", 1)]


def test_a_system_sku_typed_that_is_not_in_the_catalog_gets_suggestions(app, runtime, store):
    open_page(app)
    edit(app, edited_rows={1: {"system_sku": "tea z"}}).run()
    picker_row = [s for s in app.selectbox if s.key.startswith("mapping_pick_row_")][0]
    assert picker_row.value == 1  # the row with the unknown SKU
    assert picked(app).options == []  # 'tea z' is in no SKU or name…
    edit(app, edited_rows={1: {"system_sku": "tea"}}).run()
    assert picked(app).options == ["TEA — Tea box"]  # …'tea' is
    assert any("Suggestions for 'tea', the System SKU typed in row 2" in shown(c) for c in app.caption)
    app.button(key="mapping_pick_use").click().run()
    assert (grid(app).loc[1, "system_sku"], grid(app).loc[1, "product_name"]) == ("TEA", "Tea box")


def test_a_big_catalog_lists_the_first_matches_only(app, runtime, store):
    with session_scope(runtime.engine) as session:
        rows = [[f"BOLT-{n:05}", f"Bolt size {n}"] for n in range(500)]
        catalog.import_catalog(session, csv_bytes(rows, header=["System SKU", "Product name"]), "bolts.csv", actor=ADMIN)
    open_page(app)
    app.text_input(key="mapping_pick_search").input("bolt").run()
    assert len(picked(app).options) == 20
    assert any("500 products match; the first 20 are listed" in c.value for c in app.caption)


def test_push_one_stores_mappings_to_several_stores_with_a_preview_each(app, runtime, store):
    canada, mexico = add_store(runtime, "Acme CA"), add_store(runtime, "Acme MX")
    load(runtime, canada, [["WM-2", "COASTER", "9"]])
    open_page(app)
    app.radio(key="mapping_clone_direction").set_value("push").run()
    app.multiselect(key="mapping_push_targets").set_value([canada, mexico]).run()
    app.button(key="mapping_push_preview_button").click().run()
    assert not app.exception, app.exception
    previews = [e.label for e in app.expander]
    assert any("Acme CA" in label and "2 to add, 0 to overwrite, 1 kept" in label for label in previews)
    assert any("Acme MX" in label and "3 to add" in label for label in previews)
    assert mapping_state(runtime.engine, mexico) == {}  # a preview writes nothing
    app.button(key="mapping_push_apply").click().run()
    assert "Pushed to 2 stores." in shown(app.success[0])
    assert mapping_state(runtime.engine, mexico) == mapping_state(runtime.engine, store)
    assert mapping_state(runtime.engine, canada)["WM-2"] == [("COASTER", 9)]  # skip: its own mapping stays
    with session_scope(runtime.engine) as session:
        assert {e.store_name for e in audit.entries(session, action="clone.apply")} == {"Acme CA", "Acme MX"}


def test_a_push_refused_for_one_store_copies_to_none(app, runtime, store):
    canada, mexico = add_store(runtime, "Acme CA"), add_store(runtime, "Acme MX")
    open_page(app)
    app.radio(key="mapping_clone_direction").set_value("push").run()
    app.multiselect(key="mapping_push_targets").set_value([canada, mexico]).run()
    app.button(key="mapping_push_preview_button").click().run()
    load(runtime, mexico, [["MX-LATE", "MUG", "1"]])  # the second store changes after its preview
    before = database_snapshot(runtime.engine)
    app.button(key="mapping_push_apply").click().run()
    assert "changed by someone else after this preview" in shown(app.error[0])
    assert any("Nothing was copied to any store" in shown(e) for e in app.error) and database_snapshot(runtime.engine) == before


def test_the_unsaved_edits_of_a_store_deleted_meanwhile_are_dropped(app, runtime, store):
    other = add_store(runtime, "Acme CA")
    load(runtime, other, [["CA-1", "MUG", "1"]])
    open_page(app)
    app.selectbox(key="mapping_store").set_value(other).run()
    edit(app, edited_rows={0: {"quantity": 3}}).run()
    app.selectbox(key="mapping_store").set_value(store).run()
    assert "Acme CA: 1 change" in [b.label for b in app.button]
    with session_scope(runtime.engine) as session:  # someone deletes the store, and with it its mappings
        stores.delete_store(session, other, actor=ADMIN)
    app.run()
    assert not app.exception and "Acme CA: 1 change" not in [b.label for b in app.button]
    assert other not in app.session_state["mapping_drafts"]
    app.switch_page("app.py").run()
    assert not [w for w in app.sidebar.warning if "unsaved" in w.value]
