"""The grid: saving edits, adds and deletes with optimistic concurrency, and holding back mappings with bad rows."""
from __future__ import annotations

import unicodedata

import pytest

from core.db.engine import make_engine, session_scope
from core.errors import Conflict
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.imports import apply_plan, plan_import
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load
from tests.fixtures.spreadsheets.corpus import csv_bytes, database_snapshot, mapping_state


def grid_after(page, edit):
    rows = mapping_grid.grid_rows(page)
    edit(rows)
    return rows


def test_grid_save_adds_edits_and_deletes(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "MUG-WHITE", "1"], ["WM-3", "TEA-BOX", "2"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)

    def edit(rows):
        rows[0]["quantity"] = 2.0  # the grid gives numbers as floats
        del rows[1]  # WM-2 deleted
        rows.append({"platform_sku": "WM-4", "system_sku": "COASTER-OAK", "quantity": 1})
        rows.append({"platform_sku": "WM-3", "system_sku": "MUG-WHITE", "quantity": 1})  # WM-3 becomes a bundle
        rows.append({"platform_sku": None, "system_sku": None, "quantity": None})  # the editor's empty new row

    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, grid_after(page, edit), actor=ADMIN)
    assert result.saved and (result.added, result.changed, result.removed) == (["WM-4"], ["WM-1", "WM-3"], ["WM-2"])
    assert "1 added, 2 changed, 1 deleted" in result.summary()
    assert mapping_state(engine, store) == {
        "WM-1": [("MUG-WHITE", 2)], "WM-3": [("MUG-WHITE", 1), ("TEA-BOX", 2)], "WM-4": [("COASTER-OAK", 1)],
    }
    with session_scope(engine) as session:
        versions = {m.platform_sku: m.version for m in mapping.list_mappings(session, store).mappings}
        store_version = mapping.scope_version(session, store)
    # Every mapping this save wrote carries the store's new version; the ones it left alone keep theirs.
    assert store_version == 2 and versions == {"WM-1": 2, "WM-3": 2, "WM-4": 2}
    assert {view.platform_sku: view.version for view in page.mappings} == {"WM-1": 1, "WM-2": 1, "WM-3": 1}


@pytest.mark.parametrize("stale_edit", ["change", "delete"])
def test_a_mapping_deleted_and_made_again_is_not_overwritten_from_an_old_page(engine, store, stale_edit):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        old_page = mapping.list_mappings(session, store)  # Alice opens the page
    with session_scope(engine) as session:  # Bob deletes WM-1, then maps it again differently
        mapping_grid.save_grid(session, store, mapping.list_mappings(session, store), [], actor=ADMIN)
    load(engine, store, [["WM-1", "TEA-BOX", "5"]])
    rows = mapping_grid.grid_rows(old_page)
    if stale_edit == "change":
        rows[0]["quantity"] = 3
    else:
        rows = []
    with pytest.raises(Conflict, match="WM-1"), session_scope(engine) as session:
        mapping_grid.save_grid(session, store, old_page, rows, actor=ADMIN)
    assert mapping_state(engine, store) == {"WM-1": [("TEA-BOX", 5)]}


@pytest.mark.parametrize("new_name, quantity", [("WM-1 ", 2), ("WM-1\u200b", 2), ("WM-9", 0), ("WM-2", 0), ("WM-OTHER", 2)])
def test_a_bundle_row_renamed_and_skipped_for_a_problem_leaves_the_bundle_whole(engine, store, new_name, quantity):
    # "Discard the rows with problems": the mapping a skipped row came from is left exactly as it was,
    # neither deleted nor saved as a bundle with that component missing.
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-1", "TEA-BOX", "2"], ["WM-2", "MUG-WHITE", "1"], ["WM-OTHER", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store, sku_text="WM-")
        page.mappings = [view for view in page.mappings if view.platform_sku != "WM-OTHER"]  # WM-OTHER is not on this page
    rows = [row for row in mapping_grid.grid_rows(page)]
    tea = next(row for row in rows if row["system_sku"] == "TEA-BOX")
    tea.update(platform_sku=new_name, quantity=quantity)  # the TEA row moved away from WM-1, and it is bad
    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, rows, actor=ADMIN, discard_invalid=True)
    assert result.saved and (result.added, result.changed, result.removed) == ([], [], [])
    assert "WM-1" in result.discarded
    assert mapping_state(engine, store) == {
        "WM-1": [("MUG-WHITE", 1), ("TEA-BOX", 2)], "WM-2": [("MUG-WHITE", 1)], "WM-OTHER": [("MUG-WHITE", 1)]}


def test_rows_moved_between_mappings_hold_back_every_mapping_they_touch(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "MUG-WHITE", "1"], ["WM-3", "TEA-BOX", "2"],
                         ["WM-5", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
    rows = mapping_grid.grid_rows(page)
    by = {(row["platform_sku"], row["system_sku"]): row for row in rows}
    by[("WM-2", "TEA-BOX")]["quantity"] = 0  # a bad row in WM-2
    by[("WM-1", "MUG-WHITE")]["platform_sku"] = "WM-2"  # moved WM-1 -> WM-2
    by[("WM-3", "TEA-BOX")]["platform_sku"] = "WM-1"  # moved WM-3 -> WM-1: a chain back to the bad row
    by[("WM-5", "MUG-WHITE")]["quantity"] = 4  # an edit with nothing to do with them
    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, rows, actor=ADMIN, discard_invalid=True)
    assert (result.changed, result.removed, result.discarded) == (["WM-5"], [], ["WM-1", "WM-2", "WM-3"])
    assert result.summary() == "Saved: 0 added, 1 changed, 0 deleted. Left as they were because of rows with problems: WM-1, WM-2, WM-3."
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 1)],
                                            "WM-3": [("MUG-WHITE", 1), ("TEA-BOX", 2)], "WM-5": [("MUG-WHITE", 4)]}


def test_a_row_moved_out_of_a_mapping_with_a_problem_stays_where_it_was(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-1", "TEA-BOX", "2"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
    rows = mapping_grid.grid_rows(page)
    rows[0]["quantity"] = 0  # WM-1's MUG row is bad
    rows[1]["platform_sku"] = "WM-4"  # and its TEA row moved to a new mapping
    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, rows, actor=ADMIN, discard_invalid=True)
    assert result.summary() == "Nothing was saved. Left as they were because of rows with problems: WM-1, WM-4."
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 1), ("TEA-BOX", 2)]}


def test_grid_save_with_nothing_changed_writes_nothing(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
        result = mapping_grid.save_grid(session, store, page, mapping_grid.grid_frame(page), actor=ADMIN)
    assert result.saved and result.summary() == "There were no changes to save."
    assert database_snapshot(engine) == before


def test_invalid_rows_block_the_save_unless_discarded(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)

    def edit(rows):
        rows[0]["quantity"] = 0  # WM-1 invalid
        rows[1]["quantity"] = 5  # WM-2 fine
        rows.append({"platform_sku": "WM-NEW", "system_sku": "NOPE", "quantity": 1})

    edited = grid_after(page, edit)
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        blocked = mapping_grid.save_grid(session, store, page, edited, actor=ADMIN)
    assert not blocked.saved and [(e.row, e.column) for e in blocked.errors] == [(1, "Quantity"), (3, "System SKU")]
    assert database_snapshot(engine) == before

    with session_scope(engine) as session:
        partial = mapping_grid.save_grid(session, store, page, edited, discard_invalid=True, actor=ADMIN)
    assert partial.saved and partial.changed == ["WM-2"] and partial.discarded == ["WM-1", "WM-NEW"]
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("MUG-WHITE", 5)]}


def test_skus_typed_in_the_grid_are_kept_in_nfc_and_look_alikes_refused(engine, store):
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
    nfd = unicodedata.normalize("NFD", "WM-Café")
    rows = [{"platform_sku": nfd, "system_sku": "MUG-WHITE", "quantity": 1}, {"platform_sku": "WM-Ｘ", "system_sku": "MUG-WHITE", "quantity": 1}]
    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, rows, actor=ADMIN, discard_invalid=True)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "Platform SKU 'WM-Ｘ' has 'Ｘ' (fullwidth latin capital letter x) at position 4, a look-alike of 'X'.")]
    assert mapping_state(engine, store) == {unicodedata.normalize("NFC", "WM-Café"): [("MUG-WHITE", 1)]}


def test_a_new_row_for_a_sku_mapped_on_another_page_is_refused(engine, store):
    load(engine, store, [["WM-A", "MUG-WHITE", "1"], ["WM-B", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store, sku_text="WM-A")
        result = mapping_grid.save_grid(session, store, page, mapping_grid.grid_rows(page) + [{"platform_sku": "WM-B", "system_sku": "TEA-BOX", "quantity": 1}], actor=ADMIN)
    assert not result.saved and "already mapped" in result.errors[0].message and result.errors[0].row == 2


def test_concurrent_saves_the_second_gets_a_conflict_and_the_first_survives(engine, store, database_url):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    second_engine = make_engine(database_url)  # another user: another connection pool
    try:
        with session_scope(engine) as session:
            alice_page = mapping.list_mappings(session, store)
        with session_scope(second_engine) as session:
            bob_page = mapping.list_mappings(session, store)
        assert [m.version for m in alice_page.mappings] == [m.version for m in bob_page.mappings]

        alice_rows = mapping_grid.grid_rows(alice_page)
        alice_rows[0]["quantity"] = 2
        with session_scope(engine) as session:
            assert mapping_grid.save_grid(session, store, alice_page, alice_rows, actor=ADMIN).saved

        bob_rows = mapping_grid.grid_rows(bob_page)
        bob_rows[0]["quantity"] = 7  # the same mapping, from the stale page
        bob_rows[1]["quantity"] = 9  # and another one nobody else touched
        with pytest.raises(Conflict) as conflict, session_scope(second_engine) as session:
            mapping_grid.save_grid(session, store, bob_page, bob_rows, actor=ADMIN)
        assert "WM-1" in conflict.value.message and "Reload" in conflict.value.fix
        assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 2)], "WM-2": [("TEA-BOX", 1)]}  # Alice's, and nothing of Bob's

        # Bob reloads and saves his other change: the version now matches.
        with session_scope(second_engine) as session:
            fresh = mapping.list_mappings(session, store)
            rows = mapping_grid.grid_rows(fresh)
            rows[1]["quantity"] = 9
            assert mapping_grid.save_grid(session, store, fresh, rows, actor=ADMIN).changed == ["WM-2"]
    finally:
        second_engine.dispose()


def test_saving_a_mapping_someone_deleted_is_a_conflict(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        stale = mapping.list_mappings(session, store)
    with session_scope(engine) as session:
        fresh = mapping.list_mappings(session, store)
        mapping_grid.save_grid(session, store, fresh, [], actor=ADMIN)  # deleted
    rows = mapping_grid.grid_rows(stale)
    rows[0]["quantity"] = 3
    with pytest.raises(Conflict), session_scope(engine) as session:
        mapping_grid.save_grid(session, store, stale, rows, actor=ADMIN)
    assert mapping_state(engine, store) == {}


def test_adding_a_sku_someone_else_just_added_is_a_conflict(engine, store, monkeypatch):
    with session_scope(engine) as session:
        empty = mapping.list_mappings(session, store)
    load(engine, store, [["WM-NEW", "MUG-WHITE", "1"]])
    # The other insert commits after our first "is it taken?" check (which is made to miss
    # it here) but before we hold the store's lock: the check made under the lock catches it.
    from core.mapping import changes

    real_check, calls = mapping.scope_platform_skus, []

    def first_check_misses(*args):
        calls.append(args)
        return set() if len(calls) == 1 else real_check(*args)

    monkeypatch.setattr(mapping_grid, "scope_platform_skus", first_check_misses)  # the check before the lock
    monkeypatch.setattr(changes, "scope_platform_skus", first_check_misses)  # the check under it
    with pytest.raises(Conflict, match="at the same moment"), session_scope(engine) as session:
        mapping_grid.save_grid(session, store, empty, [{"platform_sku": "WM-NEW", "system_sku": "TEA-BOX", "quantity": 1}], actor=ADMIN)
    assert len(calls) == 2
    assert mapping_state(engine, store) == {"WM-NEW": [("MUG-WHITE", 1)]}


def test_a_grid_save_makes_an_older_import_preview_stale(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        plan = plan_import(session, store, csv_bytes([["WM-1", "TEA-BOX", "1"]]), "later.csv")
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
        rows = mapping_grid.grid_rows(page)
        rows[0]["quantity"] = 4
        mapping_grid.save_grid(session, store, page, rows, actor=ADMIN)
    with pytest.raises(Conflict), session_scope(engine) as session:
        apply_plan(session, plan, actor=ADMIN)
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 4)]}


@pytest.mark.parametrize("typed, problem", [(0, "Quantity is 0"), (0.0, "Quantity is 0"), (-2.0, "Quantity -2 is negative"),
                                            (1.5, "Quantity 1.5 is not a whole number")])
def test_a_quantity_the_import_refuses_is_refused_in_the_grid_too(engine, store, typed, problem):
    """The grid once saved 0 as 1: the same rule as the import decides, and the row is not saved."""
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)

    def edit(rows):
        rows[0]["quantity"] = typed

    with session_scope(engine) as session:
        result = mapping_grid.save_grid(session, store, page, grid_after(page, edit), actor=ADMIN)
    assert not result.saved and [(e.row, e.column, e.message) for e in result.errors] == [(1, "Quantity", f"{problem}.")]
    with session_scope(engine) as session:
        imported = plan_import(session, store, csv_bytes([["WM-1", "MUG-WHITE", str(typed).removesuffix(".0") if typed != 1.5 else "1.5"]]), "q.csv")
    assert [e.message for e in imported.errors] == [f"{problem}."]
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 1)]}
