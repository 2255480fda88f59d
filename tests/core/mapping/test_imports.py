"""Importing mapping files: the dry-run plan, applying it in one transaction, and every bad case."""
from __future__ import annotations

import json
import unicodedata

import pytest

from core.db.engine import session_scope
from core.errors import Conflict, ValidationFailed
from core.mapping import changes as mapping_changes
from core.mapping import export as mapping_export
from core.mapping.bundles import format_bundle
from core.mapping.changes import ChangeKind
from core.mapping.imports import ImportMode, apply_plan, import_mappings, mapping_template, plan_import
from core.spreadsheets.cells import escape_formula
from core.spreadsheets.errors import SpreadsheetError
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import (
    CATALOG,
    add_store,
    bad_files,
    csv_bytes,
    database_snapshot,
    mapping_state,
    xls_bytes,
    xlsx_bytes,
)

GIFT = {"WM-GIFT": [("COASTER-OAK", 2), ("MUG-WHITE", 1)]}


def plan(engine, store, data, filename="m.csv", mode="merge"):
    with session_scope(engine) as session:
        return plan_import(session, store, data, filename, mode=mode)


def apply(engine, the_plan, **options):
    with session_scope(engine) as session:
        return apply_plan(session, the_plan, actor=ADMIN, **options)


def imported(engine, store, data, filename="m.csv", mode="merge"):
    the_plan = plan(engine, store, data, filename, mode)
    assert the_plan.ok, the_plan.errors
    apply(engine, the_plan)
    return the_plan


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("name", sorted(bad_files()))
def test_bad_files_change_nothing(engine, store, name):
    imported(engine, store, csv_bytes([["WM-KEEP", "MUG-WHITE", "1"]]))
    before = database_snapshot(engine)
    data, filename, phrase = bad_files()[name]
    with pytest.raises(SpreadsheetError) as refused:
        plan(engine, store, data, filename, mode="replace")
    assert phrase in str(refused.value)
    assert database_snapshot(engine) == before


BAD_ROWS = [
    (["WM-1", "MUG-WHITE", "0"], "Quantity", "Quantity is 0"),
    (["WM-2", "MUG-WHITE", "-2"], "Quantity", "negative"),
    (["WM-3", "MUG-WHITE", "1.5"], "Quantity", "not a whole number"),
    (["WM-4", "MUG-WHITE", "three"], "Quantity", "not a number"),
    (["WM-5", "MUG-WHITE", ""], "Quantity", "Quantity is empty"),
    ([" WM-6", "MUG-WHITE", "1"], "Platform SKU", "a space at the start"),
    (["WM-7", "MUG-WHITE ", "1"], "System SKU", "a space at the end"),
    (["WM-8\u200b", "MUG-WHITE", "1"], "Platform SKU", "zero width space"),
    (["WM-9", "MUG\u00a0WHITE", "1"], "System SKU", "no-break space"),
    (["WM-10", "UNKNOWN-SKU", "1"], "System SKU", "not in the catalog"),
    (["WM-11", "MUG-WHITE*1+COASTER-OAK*0", ""], "System SKU", "quantity is 0"),
    (["WM-12", "MUG-WHITE*1+NOPE*2", ""], "System SKU", "'NOPE' is not in the catalog"),
]


@pytest.mark.parametrize("row, column, phrase", BAD_ROWS, ids=[r[2] for r in BAD_ROWS])
def test_each_bad_row_is_reported_with_its_row_number_and_nothing_is_imported(engine, store, row, column, phrase):
    rows = [["WM-OK-1", "MUG-WHITE", "1"], ["", "", ""], row, ["WM-OK-2", "TEA-BOX", "1"]]
    before = database_snapshot(engine)
    the_plan = plan(engine, store, csv_bytes(rows))
    [error] = the_plan.errors
    assert (error.row, error.column) == (4, column)  # header is row 1, the blank row 3 still counts
    assert phrase in error.message and error.fix
    assert the_plan.counts()["added"] == 2 and the_plan.counts()["rows_with_errors"] == 1
    with pytest.raises(ValidationFailed, match="1 row of .m.csv. has a problem, so nothing was imported"):
        apply(engine, the_plan)
    assert database_snapshot(engine) == before


def test_duplicates_within_the_file(engine, store):
    rows = [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-1", "MUG-WHITE", "1"], ["WM-3", "TEA-BOX*1+TEA-BOX*2", ""]]
    the_plan = plan(engine, store, csv_bytes(rows))
    assert [(e.row, e.message) for e in the_plan.errors] == [
        (4, "System SKU 'MUG-WHITE' is listed twice for platform SKU 'WM-1' (on row 2 too)."),
        (5, "System SKU 'TEA-BOX' is listed twice for platform SKU 'WM-3' (in the same cell)."),
    ]
    assert the_plan.rejected == {"WM-1", "WM-3"} and the_plan.changes.platform_skus(ChangeKind.added) == ["WM-2"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_without_a_quantity_column_plain_rows_count_one_and_bundle_cells_their_own(engine, store, file_format):
    rows = [["WM-1", "MUG-WHITE"], ["WM-2", "TEA-BOX*2+COASTER-OAK*1"], ["WM-3", "COASTER-OAK"], ["WM-3", "TEA-BOX"]]
    header = ["Platform SKU", "System SKU"]
    data = csv_bytes(rows, header=header) if file_format == "csv" else xlsx_bytes(rows, header=header)
    the_plan = imported(engine, store, data, f"m.{file_format}")
    assert mapping_state(engine, store) == {
        "WM-1": [("MUG-WHITE", 1)], "WM-2": [("COASTER-OAK", 1), ("TEA-BOX", 2)], "WM-3": [("COASTER-OAK", 1), ("TEA-BOX", 1)]}
    assert "no Quantity column, so each row counts as quantity 1" in the_plan.summary()


def test_with_a_quantity_column_an_empty_quantity_is_still_a_problem(engine, store):
    the_plan = plan(engine, store, csv_bytes([["WM-1", "MUG-WHITE", ""]]))
    assert [(e.row, e.column, e.message) for e in the_plan.errors] == [(2, "Quantity", "Quantity is empty.")]


def test_skus_in_nfd_are_stored_in_nfc_and_look_alikes_are_refused(engine, store):
    from core import catalog

    nfc, nfd = unicodedata.normalize("NFC", "CAFÉ-MUG"), unicodedata.normalize("NFD", "CAFÉ-MUG")
    with session_scope(engine) as session:
        catalog.add_product(session, nfc, actor=ADMIN)
    rows = [[unicodedata.normalize("NFD", "WM-Café"), nfd, "1"], ["ＷＭ-2", "MUG-WHITE", "1"], ["WM-3", "MUG-WНITE", "1"],
            ["WM-4", "MUG-WHITE＊1＋TEA-BOX＊2", ""], ["WM-5", "杯子-01", "1"]]
    the_plan = plan(engine, store, csv_bytes(rows))
    assert [(e.row, e.column, e.message) for e in the_plan.errors] == [
        (3, "Platform SKU", "Platform SKU 'ＷＭ-2' has 'Ｗ' (fullwidth latin capital letter w) at position 1, a look-alike of 'W'."),
        (4, "System SKU", "System SKU 'MUG-WНITE' mixes Latin letters with the Cyrillic letter 'Н' (cyrillic capital letter en) at position 6, "
                          "which looks like a Latin letter."),
        (6, "System SKU", "System SKU '杯子-01' is not in the catalog."),  # accepted as a SKU; just not a product here
    ]
    apply(engine, the_plan, discard_rejected=True)
    state = mapping_state(engine, store)
    assert state[unicodedata.normalize("NFC", "WM-Café")] == [(nfc, 1)]  # the full-width bundle marks still work:
    assert state["WM-4"] == [("MUG-WHITE", 1), ("TEA-BOX", 2)]


def test_a_csv_with_a_formula_cell_imports_nothing_and_names_the_cell(engine, store):
    before = database_snapshot(engine)
    data = csv_bytes([["WM-1", "MUG-WHITE", "1"], ['=HYPERLINK("https://evil.example","WM-2")', "MUG-WHITE", "1"]])
    with pytest.raises(SpreadsheetError, match=r"^Cell A3 of 'm.csv' starts like a spreadsheet formula"):
        plan(engine, store, data)
    assert database_snapshot(engine) == before


def test_the_error_report_lists_every_problem(engine, store):
    the_plan = plan(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "0"], ["WM-2", "'=NOPE", "1"]]))  # '=NOPE imports as =NOPE
    lines = the_plan.error_report().decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Value,Problem,How to fix"
    assert lines[1].startswith("2,Quantity,0,Quantity is 0.")
    assert lines[2].startswith("3,System SKU,'=NOPE,")  # the report is safe to open in Excel too


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("utf-16", False), ("gb18030", False), ("gbk", False)])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_encoding_and_delimiter_imports_the_same(engine, store, encoding, bom, delimiter):
    rows = [["WM-茶", "TEA-BOX", "2"], ["WM-GIFT", "MUG-WHITE", "1"], ["WM-GIFT", "COASTER-OAK", "2"]]
    data = csv_bytes(rows, header=["平台SKU", "系统SKU", "数量"], encoding=encoding, bom=bom, delimiter=delimiter)
    imported(engine, store, data)
    assert mapping_state(engine, store) == {"WM-茶": [("TEA-BOX", 2)], **GIFT}


def test_xls_with_chinese_headers(engine, store):
    the_plan = plan(engine, store, xls_bytes("mapping_chinese_headers.xls"), "映射.xls")
    assert the_plan.source.format == "xls" and the_plan.source.blank_rows == 1
    # Row 7 holds the number 12345 as its system SKU, which the catalog does not have; errors name the column as the file does.
    assert [(e.row, e.column) for e in the_plan.errors] == [(7, "系统SKU")]
    assert "'12345' is not in the catalog" in the_plan.errors[0].message
    apply(engine, the_plan, discard_rejected=True)
    assert mapping_state(engine, store) == {"WM-MUG-1": [("MUG-WHITE", 1)], **GIFT, "WM-GIFT-B": [("COASTER-OAK", 2), ("MUG-WHITE", 1)]}


def test_both_bundle_forms_give_the_same_mapping(engine, store):
    rows = [["WM-GIFT", "MUG-WHITE", "1"], ["WM-GIFT", "COASTER-OAK", "2"], ["WM-GIFT-CELL", "MUG-WHITE*1+COASTER-OAK*2", ""]]
    imported(engine, store, csv_bytes(rows))
    state = mapping_state(engine, store)
    assert state["WM-GIFT"] == state["WM-GIFT-CELL"] == GIFT["WM-GIFT"]
    # Rows of one bundle need not be next to each other, and the cell may carry Quantity 1.
    imported(engine, store, csv_bytes([["WM-X", "MUG-WHITE", "1"], ["WM-Y", "TEA-BOX", "1"], ["WM-X", "TEA-BOX", "4"], ["WM-Z", "TEA-BOX*2", "1"]]))
    state = mapping_state(engine, store)
    assert state["WM-X"] == [("MUG-WHITE", 1), ("TEA-BOX", 4)] and state["WM-Z"] == [("TEA-BOX", 2)]


# --------------------------------------------------------------------------- plan and apply


def test_dry_run_changes_nothing(engine, store):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"]]))
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        the_plan = import_mappings(session, store, csv_bytes([["WM-1", "TEA-BOX", "1"], ["WM-2", "TEA-BOX", "1"]]), "m.csv", dry_run=True, actor=ADMIN)
    assert the_plan.counts()["added"] == 1 and the_plan.counts()["changed"] == 1 and not the_plan.applied
    assert database_snapshot(engine) == before


def test_merge_adds_and_updates_and_keeps_the_rest(engine, store):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "COASTER-OAK", "1"]]))
    the_plan = plan(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "3"], ["WM-4", "MUG-WHITE*1+TEA-BOX*1", ""]]))
    assert {k: the_plan.counts()[k] for k in ("added", "changed", "removed", "unchanged")} == {"added": 1, "changed": 1, "removed": 0, "unchanged": 1}
    [change] = the_plan.changes.changes(ChangeKind.changed)
    assert format_bundle(change.before) == "TEA-BOX*1" and format_bundle(change.after) == "TEA-BOX*3"
    apply(engine, the_plan)
    assert the_plan.applied and "Imported" in the_plan.summary()
    assert mapping_state(engine, store) == {
        "WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 3)], "WM-3": [("COASTER-OAK", 1)], "WM-4": [("MUG-WHITE", 1), ("TEA-BOX", 1)],
    }
    with pytest.raises(ValidationFailed, match="already applied"):
        apply(engine, the_plan)


def test_replace_makes_the_store_match_the_file(engine, store):
    other = add_store(engine, "Acme CA")
    imported(engine, other, csv_bytes([["WM-9", "MUG-WHITE", "1"]]))
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "COASTER-OAK", "1"]]))
    the_plan = plan(engine, store, csv_bytes([["WM-2", "TEA-BOX", "2"], ["WM-5", "MUG-WHITE", "1"]]), mode="replace")
    assert the_plan.changes.platform_skus(ChangeKind.removed) == ["WM-1", "WM-3"]
    apply(engine, the_plan)
    assert mapping_state(engine, store) == {"WM-2": [("TEA-BOX", 2)], "WM-5": [("MUG-WHITE", 1)]}
    assert mapping_state(engine, other) == {"WM-9": [("MUG-WHITE", 1)]}  # another store is never touched


def test_discarding_rejected_rows_applies_the_rest_and_keeps_rejected_skus_as_they_were(engine, store):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "COASTER-OAK", "1"]]))
    data = csv_bytes([["WM-1", "MUG-WHITE", "5"], ["WM-2", "TEA-BOX", "0"]])  # WM-2's row is bad; WM-3 is not in the file
    the_plan = plan(engine, store, data, mode="replace")
    assert the_plan.rejected == {"WM-2"} and the_plan.changes.platform_skus(ChangeKind.removed) == ["WM-3"]
    apply(engine, the_plan, discard_rejected=True)
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 5)], "WM-2": [("TEA-BOX", 1)]}


def test_a_row_rejected_for_stray_spaces_leaves_its_mapping_whole(engine, store):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-1", "TEA-BOX", "2"], ["WM-2", "TEA-BOX", "1"]]))
    # 'WM-1 ' was meant for WM-1: replace mode must neither remove WM-1 nor make it a bundle without TEA-BOX.
    data = csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-1 ", "TEA-BOX", "2"], ["WM-2", "TEA-BOX", "3"]])
    the_plan = plan(engine, store, data, mode="replace")
    assert the_plan.rejected == {"WM-1 ", "WM-1"} and the_plan.counts()["platform_skus_rejected"] == 1
    assert [e.row for e in the_plan.errors] == [3] and "other rows of 'WM-1' are left out too" in the_plan.errors[0].message
    assert the_plan.changes.platform_skus(ChangeKind.removed) == [] and the_plan.changes.platform_skus(ChangeKind.changed) == ["WM-2"]
    apply(engine, the_plan, discard_rejected=True)
    assert mapping_state(engine, store) == {"WM-1": [("MUG-WHITE", 1), ("TEA-BOX", 2)], "WM-2": [("TEA-BOX", 3)]}


def test_a_no_break_space_is_read_as_the_space_it_stands_for(engine, store):
    imported(engine, store, csv_bytes([["WM 1", "MUG-WHITE", "1"], ["WM1", "TEA-BOX", "1"], ["WM-2", "TEA-BOX", "1"]]))
    the_plan = plan(engine, store, csv_bytes([["WM\u00a01", "MUG-WHITE", "2"], ["WM1", "TEA-BOX", "1"], ["WM-2", "TEA-BOX", "3"]]), mode="replace")
    # 'WM 1' (meant by the bad cell) is held back; 'WM1', a different SKU, is not.
    assert the_plan.rejected == {"WM\u00a01", "WM 1"} and the_plan.counts()["platform_skus_rejected"] == 1
    assert the_plan.changes.platform_skus(ChangeKind.removed) == [] and the_plan.changes.platform_skus(ChangeKind.unchanged) == ["WM1"]
    apply(engine, the_plan, discard_rejected=True)
    assert mapping_state(engine, store) == {"WM 1": [("MUG-WHITE", 1)], "WM1": [("TEA-BOX", 1)], "WM-2": [("TEA-BOX", 3)]}


def test_a_plan_is_refused_when_the_store_changed_after_it_was_made(engine, store):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"]]))
    first = plan(engine, store, csv_bytes([["WM-1", "TEA-BOX", "1"]]), mode="replace")
    second = plan(engine, store, csv_bytes([["WM-2", "TEA-BOX", "1"]]), mode="replace")
    apply(engine, second)
    after_second = database_snapshot(engine)
    with pytest.raises(Conflict) as conflict:
        apply(engine, first)
    assert "changed by someone else" in conflict.value.message and "preview again" in conflict.value.fix
    assert database_snapshot(engine) == after_second


def test_a_first_import_into_an_empty_store_is_also_protected(engine, store):
    first = plan(engine, store, csv_bytes([["WM-1", "TEA-BOX", "1"]]))
    second = plan(engine, store, csv_bytes([["WM-2", "TEA-BOX", "1"]]))
    assert first.changes.scope_version == second.changes.scope_version == 0
    apply(engine, second)
    with pytest.raises(Conflict):
        apply(engine, first)
    assert mapping_state(engine, store) == {"WM-2": [("TEA-BOX", 1)]}


def test_a_failure_half_way_leaves_nothing_behind(engine, store, monkeypatch):
    imported(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]]))
    before = database_snapshot(engine)
    the_plan = plan(engine, store, csv_bytes([["WM-1", "TEA-BOX", "1"], ["WM-3", "MUG-WHITE", "1"]]), mode="replace")
    original = mapping_changes.insert_many

    def fail_on_components(session, table, columns):
        # The old rows are deleted by now; write part of the new ones, then fail.
        original(session, table, {name: values[:1] if isinstance(values, list) else values for name, values in columns.items()})
        raise RuntimeError("disk full")

    monkeypatch.setattr(mapping_changes, "insert_many", fail_on_components)
    with pytest.raises(RuntimeError):
        apply(engine, the_plan)
    assert database_snapshot(engine) == before


# --------------------------------------------------------------------------- round trip


TRICKY_ROWS = [
    ["WM-A", "MUG-WHITE", "1"],
    ["WM-GIFT", "MUG-WHITE", "1"],
    ["WM-GIFT", "COASTER-OAK", "2"],
    ["=WM-FORMULA", "=FORMULA-LOOKALIKE", "3"],
    ["-WM-DASH", "-DASH-FIRST", "1"],
    ["+WM-PLUS", "A+B-COMBO", "1"],
    ["@WM-AT", "PACK*2", "2"],
    ["'WM-QUOTE", "00123", "4"],
    ["WM-茶叶", "TEA-BOX", "1"],
    ["00042", "00123", "1"],
]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_reimport_changes_nothing(engine, store, file_format):
    imported(engine, store, csv_bytes([[escape_formula(cell) for cell in row] for row in TRICKY_ROWS]))  # as our exports write them
    state = mapping_state(engine, store)
    assert len(state) == 9 and state["=WM-FORMULA"] == [("=FORMULA-LOOKALIKE", 3)]
    with session_scope(engine) as session:
        exported = mapping_export.export_mappings(session, store, file_format)
    before = database_snapshot(engine)
    the_plan = plan(engine, store, exported, f"export.{file_format}", mode="replace")
    assert the_plan.ok, the_plan.errors
    assert the_plan.counts()["unchanged"] == 9
    assert {the_plan.counts()[k] for k in ("added", "changed", "removed")} == {0}
    apply(engine, the_plan)
    assert mapping_state(engine, store) == state
    assert database_snapshot(engine)["mapping_component"] == before["mapping_component"]

    # Into a fresh store, the export gives the same state.
    fresh = add_store(engine, f"Copy {file_format}")
    imported(engine, fresh, exported, f"export.{file_format}")
    assert mapping_state(engine, fresh) == state


def test_the_import_plan_serialises_to_json(engine, store):
    the_plan = plan(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "MUG-WHITE", "0"]]))
    data = json.loads(json.dumps(the_plan.to_dict(), ensure_ascii=False))
    assert data["counts"]["added"] == 1 and data["errors"][0]["row"] == 3 and data["added"] == ["WM-1"]
    assert data["source"]["encoding"] == "utf-8" and data["source"]["delimiter"] == "comma"


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_imports_cleanly_with_an_example_bundle_in_both_forms(engine, store, file_format):
    from core import catalog

    with session_scope(engine) as session:
        catalog.import_catalog(session, catalog.catalog_template(), "catalog_template.csv", actor=ADMIN)
    imported(engine, store, mapping_template(file_format), f"mapping_template.{file_format}")
    state = mapping_state(engine, store)
    assert state["WM-GIFT-SET"] == state["WM-GIFT-SET-B"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)]
    assert state["WM-MUG-3PACK"] == [("MUG-WHITE", 3)]


def test_import_modes_are_checked(engine, store):
    with pytest.raises(ValidationFailed, match="not an import mode"):
        plan(engine, store, csv_bytes([["WM-1", "MUG-WHITE", "1"]]), mode="upsert")
    assert ImportMode("replace") == ImportMode.replace


def test_catalog_fixture_has_what_the_round_trip_needs():
    assert {"=FORMULA-LOOKALIKE", "-DASH-FIRST", "A+B-COMBO", "PACK*2", "00123"} <= set(CATALOG)
