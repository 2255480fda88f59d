"""Unsaved grid edits kept apart from the grid (core.mapping.draft), checked while typed, and saved together (core.mapping.grid)."""
from __future__ import annotations

import pytest

from core.db.engine import session_scope
from core.errors import Conflict
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.bundles import Component
from core.mapping.draft import Draft, DraftRow, RowRef, clean_rows
from core.mapping.levels import ALL_STORES, Level
from core.mapping.repository import MappingView
from core.spreadsheets.table import RowError
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load
from tests.fixtures.spreadsheets.corpus import database_snapshot, mapping_state

MUG = MappingView("WM-1", 3, (Component("MUG-WHITE", 1),))
GIFT = MappingView("WM-GIFT", 3, (Component("MUG-WHITE", 1), Component("TEA-BOX", 2)))


def test_an_edit_is_kept_by_mapping_and_laid_over_a_fresh_page():
    draft = Draft(7)
    assert draft.rows_of(GIFT) == clean_rows(GIFT) and draft.changes() == 0
    draft.update(RowRef("WM-GIFT", 1), DraftRow("WM-GIFT", "TEA-BOX", 3.0), GIFT)
    assert draft.changes() == 1 and list(draft.mappings) == ["WM-GIFT"]
    # A fresh page brings a new view of the same mapping: the draft's rows replace its rows, the first view is kept.
    fresh = MappingView("WM-GIFT", 3, GIFT.components)
    assert [row.quantity for row in draft.rows_of(fresh)] == [1.0, 3.0]
    assert draft.mappings["WM-GIFT"].view is GIFT
    assert draft.rows_of(MUG) == clean_rows(MUG)  # a mapping not edited is shown as loaded


def test_a_mapping_edited_back_to_how_it_was_loaded_leaves_the_draft():
    draft = Draft(7)
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 5.0), MUG)
    assert draft.changes() == 1
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 1.0))
    assert draft.empty and draft.changes() == 0


def test_ticks_count_as_changes_and_deleted_rows_are_not_saved():
    draft = Draft(7)
    draft.update(RowRef("WM-GIFT", 0), DraftRow("WM-GIFT", "MUG-WHITE", 1.0, delete=True), GIFT)
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 1.0, override=True), MUG)
    assert draft.changes() == 2
    views, rows, refs = draft.save_rows()
    assert views == [GIFT, MUG]
    assert [(row["platform_sku"], row["system_sku"], row["loaded_platform_sku"], row["override"]) for row in rows] == [
        ("WM-GIFT", "TEA-BOX", "WM-GIFT", False), ("WM-1", "MUG-WHITE", "WM-1", True)]
    assert refs == [RowRef("WM-GIFT", 1), RowRef("WM-1", 0)]


def test_new_rows_go_first_and_only_filled_in_ones_count():
    draft = Draft(7, prefilled={"WM-NEW"})
    draft.add_rows([DraftRow("WM-NEW")])  # a listing to fill in
    draft.add_rows([DraftRow()])  # Add row: blank, at the top
    assert [row.platform_sku for row in draft.added] == ["", "WM-NEW"]
    assert draft.changes() == 0 and draft.left_to_fill() == {"WM-NEW"} and draft.save_rows()[1] == []
    draft.update(RowRef(None, 1), DraftRow("WM-NEW", "TEA-BOX"))
    draft.update(RowRef(None, 0), DraftRow("WM-X", "MUG-WHITE", 2.0, delete=True))
    assert draft.changes() == 1 and draft.left_to_fill() == set()
    assert [row["platform_sku"] for row in draft.save_rows()[1]] == ["WM-NEW"]
    draft.tidy()  # a new row ticked for deletion is simply forgotten
    assert [row.platform_sku for row in draft.added] == ["WM-NEW"]


def test_a_failed_saves_problems_stay_on_their_rows_until_the_row_changes():
    draft = Draft(7)
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 0.0), MUG)
    draft.add_rows([DraftRow("WM-9", "NOPE", 1.0)])
    _, _, refs = draft.save_rows()
    draft.mark_problems([RowError(1, "Quantity", "0", "Quantity is 0.", "Enter 1 or more."),
                         RowError(2, "System SKU", "NOPE", "System SKU 'NOPE' is not in the catalog.", "")], refs)
    assert draft.row(RowRef("WM-1", 0)).problem == "Quantity is 0. Enter 1 or more."
    assert draft.row(RowRef(None, 0)).problem == "System SKU 'NOPE' is not in the catalog." and draft.problems() == 2
    same = draft.row(RowRef(None, 0))
    draft.update(RowRef(None, 0), same.edited(platform_sku="WM-9", system_sku="NOPE", quantity=1.0, override=False, delete=False))
    assert draft.row(RowRef(None, 0)).problem  # nothing changed: the problem stands
    draft.update(RowRef(None, 0), same.edited(platform_sku="WM-9", system_sku="TEA-BOX", quantity=1.0, override=False, delete=False))
    assert draft.row(RowRef(None, 0)).problem == "" and draft.problems() == 1
    # A mapping with a problem stays in the draft even when its values are back as loaded.
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 1.0, problem="kept"))
    assert "WM-1" in draft.mappings


# --------------------------------------------------------------------------- checking rows while they are typed


def test_rows_are_checked_while_typed_names_and_sizes_as_soon_as_valid(engine):
    rows = [
        {"platform_sku": "WM-1", "system_sku": "MUG-WHITE", "quantity": 1.0},
        {"platform_sku": "WM-1", "system_sku": "TEA-BOX", "quantity": 2.0},  # WM-1 is a bundle of 3
        {"platform_sku": "WM-2", "system_sku": "COASTER-OAK", "quantity": 0.0},  # bad quantity: a name, no size
        {"platform_sku": "WM-3", "system_sku": "mug-white", "quantity": 1.0},
        {"platform_sku": "WM-4", "system_sku": "MUG-WHITE*1+TEA-BOX*2", "quantity": None},  # a bundle cell
        {"platform_sku": "WM-5", "system_sku": "MUG-WHITE", "quantity": -2.0},
        {"platform_sku": "WM-6", "system_sku": "MUG-WHITE", "quantity": 1.5},
        {"platform_sku": None, "system_sku": None, "quantity": None},  # blank
        {"platform_sku": "WM-1", "system_sku": "COASTER-OAK", "quantity": 1.0, "delete": True},  # ticked: takes no part
    ]
    with session_scope(engine) as session:
        checks = mapping_grid.check_rows(session, rows)
    assert [(c.product_name, c.bundle_size) for c in checks[:2]] == [("White mug", 3), ("茶叶礼盒", 3)] and not checks[0].problem
    assert (checks[2].product_name, checks[2].bundle_size) == ("Oak coaster", None) and "Quantity is 0" in checks[2].problem
    assert "not in the catalog" in checks[3].problem and "Did you mean 'MUG-WHITE'" in checks[3].problem
    assert (checks[4].product_name, checks[4].bundle_size, checks[4].problem) == ("White mug + 茶叶礼盒", 3, "")
    assert "negative" in checks[5].problem and "not a whole number" in checks[6].problem
    assert checks[7] == checks[8] == mapping_grid.RowCheck("", None, "")


# --------------------------------------------------------------------------- saving a draft


def test_a_draft_saves_edits_made_on_different_pages_together(engine, store):
    load(engine, store, [[f"WM-{n}", "MUG-WHITE", "1"] for n in range(1, 6)])
    draft = Draft(store)
    with session_scope(engine) as session:
        first = mapping.list_mappings(session, store, limit=2)  # WM-1, WM-2
        last = mapping.list_mappings(session, store, sku_text="WM-5")
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 4.0), first.mappings[0])
    draft.update(RowRef("WM-5", 0), DraftRow("WM-5", "MUG-WHITE", 1.0, delete=True), last.mappings[0])
    draft.add_rows([DraftRow("WM-3", "TEA-BOX", 2.0)])  # joins WM-3, which the draft never showed
    draft.add_rows([DraftRow("WM-NEW", "COASTER-OAK", 1.0)])
    with session_scope(engine) as session:
        result, _ = mapping_grid.save_draft(session, draft, actor=ADMIN)
    assert (result.added, result.changed, result.removed) == (["WM-NEW"], ["WM-1", "WM-3"], ["WM-5"])
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 4)], "WM-2": [("MUG-WHITE", 1)], "WM-3": [("MUG-WHITE", 1), ("TEA-BOX", 2)],
                                            "WM-4": [("MUG-WHITE", 1)], "WM-NEW": [("COASTER-OAK", 1)]}


def test_a_draft_with_a_bad_row_saves_nothing_and_says_which_row(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    draft = Draft(store)
    with session_scope(engine) as session:
        view = mapping.list_mappings(session, store).mappings[0]
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 2.5), view)
    draft.add_rows([DraftRow("WM-2", "TEA-BOX", 1.0)])
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        result, refs = mapping_grid.save_draft(session, draft, actor=ADMIN)
    assert not result.saved and database_snapshot(engine) == before
    draft.mark_problems(result.errors, refs)
    assert "not a whole number" in draft.row(RowRef("WM-1", 0)).problem and draft.row(RowRef(None, 0)).problem == ""


def test_a_draft_of_a_mapping_someone_else_changed_conflicts(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    draft = Draft(store)
    with session_scope(engine) as session:
        view = mapping.list_mappings(session, store).mappings[0]
    draft.update(RowRef("WM-1", 0), DraftRow("WM-1", "MUG-WHITE", 2.0), view)
    load(engine, store, [["WM-1", "TEA-BOX", "7"]])  # a colleague, meanwhile
    with pytest.raises(Conflict, match="WM-1"), session_scope(engine) as session:
        mapping_grid.save_draft(session, draft, actor=ADMIN)
    assert mapping_state(engine, store) == {"WM-1": [("TEA-BOX", 7)]}


def test_on_a_stores_page_a_new_row_joining_a_mapping_for_all_stores_needs_override(engine, store):
    load(engine, ALL_STORES, [["WM-9", "COASTER-OAK", "1"]])
    draft = Draft(store)
    draft.add_rows([DraftRow("WM-9", "TEA-BOX", 1.0)])
    with session_scope(engine) as session:
        result, refs = mapping_grid.save_draft(session, draft, actor=ADMIN)
    assert not result.saved and any("mapped for all stores" in error.message for error in result.errors)
    assert refs[0] == RowRef(None, 0) and refs[1:] == [None]  # the joined mapping's own row lives in no draft
    with session_scope(engine) as session:  # ticking Override on the default's row makes the store's own bundle
        default = mapping.get_mapping(session, store, "WM-9", effective=True)
    assert default is not None and default.level == Level.default
    draft.update(RowRef("WM-9", 0), DraftRow("WM-9", "COASTER-OAK", 1.0, override=True), default)
    with session_scope(engine) as session:
        result, _ = mapping_grid.save_draft(session, draft, actor=ADMIN)
    assert result.saved and result.overridden == ["WM-9"]
    assert mapping_state(engine, store) == {"WM-9": [("COASTER-OAK", 1), ("TEA-BOX", 1)]}
    assert mapping_state(engine, ALL_STORES) == {"WM-9": [("COASTER-OAK", 1)]}
