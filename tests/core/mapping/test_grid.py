"""Mapping rules, the grid (list, filter, save with optimistic concurrency), clone and export."""
from __future__ import annotations

import pandas as pd
import pytest

from core.db.engine import make_engine, session_scope
from core.errors import Conflict, ValidationFailed
from core.mapping import clone as mapping_clone
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping import rules as mapping_rules
from core.mapping.imports import apply_plan, plan_import
from core.mapping.repository import ClonePolicy, Status
from core.mapping.rules import Component, format_bundle, parse_bundle_cell, quantity_problem
from core.spreadsheets.table import read_table
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, database_snapshot, mapping_state


@pytest.fixture
def other_store(engine):
    return add_store(engine, "Acme CA")


def load(engine, store_id, rows, mode="merge"):
    """Put mappings into a store the way users do: an import."""
    with session_scope(engine) as session:
        plan = plan_import(session, store_id, csv_bytes(rows), "setup.csv", mode=mode)
        assert plan.ok, plan.errors
        apply_plan(session, plan, actor=ADMIN)


def frame(rows):
    data = pd.DataFrame(rows, columns=["platform_sku", "system_sku", "quantity"], dtype=object)
    data.index = pd.RangeIndex(1, len(rows) + 1)
    return data


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "cell, components",
    [
        ("SKU-A*1+SKU-B*2", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A*3", [("SKU-A", 3)]),
        (" SKU-A * 1 + SKU-B * 2 ", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A×1+SKU-B×2", [("SKU-A", 1), ("SKU-B", 2)]),
        ("SKU-A＊1＋SKU-B＊2", [("SKU-A", 1), ("SKU-B", 2)]),  # full-width, as Chinese input methods type them
        ("BOX-X2*1", [("BOX-X2", 1)]),  # the letter x is part of the SKU, never a quantity mark
    ],
)
def test_bundle_cells_parse(cell, components):
    assert parse_bundle_cell(cell) == [Component(s, q) for s, q in components]


@pytest.mark.parametrize(
    "cell, phrase",
    [
        ("SKU-A*1++SKU-B*2", "empty part"),
        ("SKU-A*1+", "empty part"),
        ("SKU-A*1+SKU-B", "has no quantity"),
        ("*2", "no SKU"),
        ("SKU-A*0", "quantity is 0"),
        ("SKU-A*1.5", "not a whole number"),
        ("SKU-A*-1", "negative"),
        ("SKU-A*two", "not a number"),
        ("SKU-A*", "quantity is empty"),
    ],
)
def test_malformed_bundle_cells_say_what_is_wrong(cell, phrase):
    with pytest.raises(ValidationFailed) as problem:
        parse_bundle_cell(cell)
    assert phrase in problem.value.message and problem.value.fix


def test_format_bundle_is_the_inverse_of_parsing():
    components = [Component("SKU-A", 1), Component("SKU-B", 2)]
    assert format_bundle(components) == "SKU-A*1+SKU-B*2"
    assert parse_bundle_cell(format_bundle(components)) == components


@pytest.mark.parametrize(
    "text, phrase",
    [("1", None), ("10000", None), (" 2 ", None), ("0", "is 0"), ("-1", "negative"), ("−3", "negative"), ("1.5", "not a whole number"),
     ("2.0", "Write 2"), ("1,5", "not a whole number"), ("two", "not a number"), ("", "empty"), ("10001", "more than 10,000"), ("1e3", "not a number")],
)
def test_quantity_rules(text, phrase):
    problem = quantity_problem(text)
    if phrase is None:
        assert problem is None
    else:
        assert problem is not None and phrase in " ".join(problem)


def test_validation_reports_every_problem_with_its_row(engine):
    rows = [
        ["WM-1", "MUG-WHITE", "1"],
        ["WM-2", "mug-white", "1"],  # 3: wrong case
        ["WM-3", "NOT-IN-CATALOG", "1"],  # 4
        ["WM-4", "MUG-WHITE", "0"],  # 5
        ["WM-5", "MUG-WHITE*1+MUG-WHITE*2", ""],  # 6: twice in one cell
        ["WM-6", "MUG-WHITE", "1"],
        ["WM-6", "MUG-WHITE", "2"],  # 8: twice for one platform SKU
        ["WM-7", "MUG-WHITE*1+COASTER-OAK*1", ""],
        ["WM-7", "TEA-BOX", "1"],  # 10: both bundle forms for one SKU
        ["", "MUG-WHITE", "1"],  # 11
        ["WM-8\u200b", "MUG-WHITE", "1"],  # 12
        ["WM-9", "MUG-WHITE", "1"],
        ["WM-9", "COASTER-OAK", "x"],  # 14: one bad component rejects the whole bundle
        ["WM-10", "BAD SKU ", "x"],  # 15: two problems on one row, both reported
    ]
    with session_scope(engine) as session:
        checked = mapping_rules.validate_rows(session, frame(rows).set_axis(range(2, len(rows) + 2)))
    by_row = {}
    for error in checked.errors:
        by_row.setdefault(error.row, []).append(error.message)
    assert sorted(by_row) == [3, 4, 5, 6, 8, 10, 11, 12, 14, 15]
    assert "Did you mean 'MUG-WHITE'" in by_row[3][0]
    assert "not in the catalog" in by_row[4][0]
    assert "Quantity is 0" in by_row[5][0]
    assert "in the same cell" in by_row[6][0]
    assert "on row 7 too" in by_row[8][0]
    assert "bundle cell" in by_row[10][0]
    assert "Platform SKU is empty" in by_row[11][0]
    assert "zero width space" in by_row[12][0]
    assert len(by_row[15]) == 2
    assert checked.rejected == {"WM-2", "WM-3", "WM-4", "WM-5", "WM-6", "WM-7", "WM-8\u200b", "WM-8", "WM-9", "WM-10", ""}
    assert checked.components[["platform_sku", "system_sku", "quantity"]].values.tolist() == [["WM-1", "MUG-WHITE", 1]]


def test_a_catalog_sku_with_plus_or_star_is_a_plain_sku_not_a_bundle(engine):
    rows = [["WM-1", "A+B-COMBO", "1"], ["WM-2", "PACK*2", "3"], ["WM-3", "PACK*2*1+MUG-WHITE*1", ""]]
    with session_scope(engine) as session:
        checked = mapping_rules.validate_rows(session, frame(rows))
    assert not checked.errors
    assert checked.components[["platform_sku", "system_sku", "quantity"]].values.tolist() == [
        ["WM-1", "A+B-COMBO", 1], ["WM-2", "PACK*2", 3], ["WM-3", "PACK*2", 1], ["WM-3", "MUG-WHITE", 1],
    ]


# --------------------------------------------------------------------------- listing


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
    assert figures.to_dict() == {"platform_skus": 122, "bundles": 2, "components": 123}
    grid = coaster.grid_frame()
    assert grid.columns.tolist() == list(mapping.GRID_COLUMNS)
    assert grid.values.tolist() == [["WM-BUNDLE", "MUG-WHITE", 1, "White mug", 3, "WM-BUNDLE"], ["WM-BUNDLE", "COASTER-OAK", 2, "Oak coaster", 3, "WM-BUNDLE"]]


# --------------------------------------------------------------------------- grid saves


def grid_after(page, edit):
    rows = page.grid_rows()
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
        store_version = mapping.store_mapping_version(session, store)
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
    rows = old_page.grid_rows()
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
    rows = [row for row in page.grid_rows()]
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
    rows = page.grid_rows()
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
    rows = page.grid_rows()
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
        result = mapping_grid.save_grid(session, store, page, page.grid_frame(), actor=ADMIN)
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


def test_a_new_row_for_a_sku_mapped_on_another_page_is_refused(engine, store):
    load(engine, store, [["WM-A", "MUG-WHITE", "1"], ["WM-B", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store, sku_text="WM-A")
        result = mapping_grid.save_grid(session, store, page, page.grid_rows() + [{"platform_sku": "WM-B", "system_sku": "TEA-BOX", "quantity": 1}], actor=ADMIN)
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

        alice_rows = alice_page.grid_rows()
        alice_rows[0]["quantity"] = 2
        with session_scope(engine) as session:
            assert mapping_grid.save_grid(session, store, alice_page, alice_rows, actor=ADMIN).saved

        bob_rows = bob_page.grid_rows()
        bob_rows[0]["quantity"] = 7  # the same mapping, from the stale page
        bob_rows[1]["quantity"] = 9  # and another one nobody else touched
        with pytest.raises(Conflict) as conflict, session_scope(second_engine) as session:
            mapping_grid.save_grid(session, store, bob_page, bob_rows, actor=ADMIN)
        assert "WM-1" in conflict.value.message and "Reload" in conflict.value.fix
        assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 2)], "WM-2": [("TEA-BOX", 1)]}  # Alice's, and nothing of Bob's

        # Bob reloads and saves his other change: the version now matches.
        with session_scope(second_engine) as session:
            fresh = mapping.list_mappings(session, store)
            rows = fresh.grid_rows()
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
    rows = stale.grid_rows()
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
    real_check, calls = mapping._existing_platform_skus, []

    def first_check_misses(*args):
        calls.append(args)
        return set() if len(calls) == 1 else real_check(*args)

    monkeypatch.setattr(mapping, "_existing_platform_skus", first_check_misses)
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
        rows = page.grid_rows()
        rows[0]["quantity"] = 4
        mapping_grid.save_grid(session, store, page, rows, actor=ADMIN)
    with pytest.raises(Conflict), session_scope(engine) as session:
        apply_plan(session, plan, actor=ADMIN)
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 4)]}


# --------------------------------------------------------------------------- clone


@pytest.fixture
def two_stores(engine, store, other_store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "2"], ["WM-GIFT", "MUG-WHITE", "1"], ["WM-GIFT", "COASTER-OAK", "2"]])
    load(engine, other_store, [["WM-2", "TEA-BOX", "5"], ["WM-OWN", "COASTER-OAK", "1"]])
    return store, other_store


@pytest.mark.parametrize(
    "policy, expected_counts, wm2",
    [
        (ClonePolicy.skip, {"added": 2, "overwritten": 0, "skipped": 1, "unchanged": 0}, [("TEA-BOX", 5)]),
        (ClonePolicy.overwrite, {"added": 2, "overwritten": 1, "skipped": 0, "unchanged": 0}, [("TEA-BOX", 2)]),
    ],
)
def test_clone_with_each_policy(engine, two_stores, policy, expected_counts, wm2):
    source, target = two_stores
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target, policy=policy)
    assert preview.counts() == expected_counts
    assert database_snapshot(engine) == before  # a preview writes nothing
    [wm2_change] = [c for c in preview.changes.changes() if c.platform_sku == "WM-2"]
    assert wm2_change.before == (Component("TEA-BOX", 5),) and wm2_change.after == (Component("TEA-BOX", 2),)
    with session_scope(engine) as session:
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    state = mapping_state(engine, target)
    assert state["WM-2"] == wm2 and state["WM-OWN"] == [("COASTER-OAK", 1)]  # the target's own mapping stays
    assert state["WM-GIFT"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)] and state["WM-1"] == [("MUG-WHITE", 1)]
    assert mapping_state(engine, source) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 2)], "WM-GIFT": [("COASTER-OAK", 2), ("MUG-WHITE", 1)]}
    with session_scope(engine) as session:  # cloning again finds everything in place
        again = mapping_clone.plan_clone(session, source, target, policy=policy)
    assert again.counts()["added"] == 0 and not again.changes.has_writes


def test_clone_a_filtered_set_copies_whole_bundles(engine, two_stores):
    source, target = two_stores
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target, sku_filter="coaster")
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    assert preview.counts() == {"added": 1, "overwritten": 0, "skipped": 0, "unchanged": 0}
    assert mapping_state(engine, target)["WM-GIFT"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)]


def test_clone_refuses_a_stale_preview_and_the_same_store(engine, two_stores):
    source, target = two_stores
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target)
    load(engine, target, [["WM-LATE", "MUG-WHITE", "1"]])
    before = database_snapshot(engine)
    with pytest.raises(Conflict), session_scope(engine) as session:
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    assert database_snapshot(engine) == before
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="same"):
        mapping_clone.plan_clone(session, source, source)
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="policy"):
        mapping_clone.plan_clone(session, source, target, policy="merge")


# --------------------------------------------------------------------------- export


def test_export_is_one_row_per_component_in_platform_sku_order(engine, store):
    load(engine, store, [["WM-B", "MUG-WHITE*1+COASTER-OAK*2", ""], ["WM-A", "TEA-BOX", "3"], ["WM-C", "=FORMULA-LOOKALIKE", "1"]])
    with session_scope(engine) as session:
        rows = mapping.export_rows(session, store)
        csv_data = mapping.export_mappings(session, store, "csv")
        xlsx_data = mapping.export_mappings(session, store, "xlsx")
    assert rows == [
        ("WM-A", "TEA-BOX", 3, "茶叶礼盒"),
        ("WM-B", "MUG-WHITE", 1, "White mug"),  # in the order the bundle was written
        ("WM-B", "COASTER-OAK", 2, "Oak coaster"),
        ("WM-C", "=FORMULA-LOOKALIKE", 1, "A SKU that starts like a formula"),
    ]
    text = csv_data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Platform SKU,System SKU,Quantity,Product name"
    assert "WM-C,'=FORMULA-LOOKALIKE,1," in text  # escaped: Excel shows it, never runs it
    table = read_table(xlsx_data, "export.xlsx", mapping_rules.MAPPING_COLUMNS)
    assert table.frame[["platform_sku", "system_sku", "quantity"]].values.tolist() == [[p, s, str(q)] for p, s, q, _ in rows]
    with session_scope(engine) as session, pytest.raises(ValidationFailed):
        mapping.export_mappings(session, store, "pdf")


def test_changes_preview_lists_before_and_after(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    with session_scope(engine) as session:
        desired = pd.DataFrame({"platform_sku": ["WM-1", "WM-3"], "system_sku": ["MUG-WHITE", "TEA-BOX"], "quantity": [2, 1]})
        changes = mapping.plan_changes(session, store, desired, replace=True)
    assert changes.counts() == {"added": 1, "changed": 1, "unchanged": 0, "removed": 1, "skipped": 0}
    assert [(c.platform_sku, c.status, c.before, c.after) for c in changes.changes()] == [
        ("WM-3", Status.added, (), (Component("TEA-BOX", 1),)),
        ("WM-1", Status.changed, (Component("MUG-WHITE", 1),), (Component("MUG-WHITE", 2),)),
        ("WM-2", Status.removed, (Component("TEA-BOX", 1),), ()),
    ]
    assert [c.platform_sku for c in changes.changes(limit=1, offset=1)] == ["WM-1"]
    assert changes.changes(Status.removed)[0].to_dict() == {"platform_sku": "WM-2", "status": "removed", "before": "TEA-BOX*1", "after": ""}


def test_deleting_a_store_deletes_its_mappings_and_nothing_else(engine, store, other_store):
    from core.stores.registry import delete_store

    load(engine, store, [["WM-1", "MUG-WHITE*1+TEA-BOX*2", ""]])
    load(engine, other_store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        delete_store(session, "Acme US", actor=ADMIN)
    snapshot = database_snapshot(engine)
    assert [row[0] for row in snapshot["mapping_component"]] == [other_store]
    assert [row[0] for row in snapshot["store_mapping_version"]] == [other_store]
    assert mapping_state(engine, other_store) == {"WM-1": [("MUG-WHITE", 1)]}
    assert len(snapshot["catalog_product"]) > 0  # products belong to the OMS, not to a store
