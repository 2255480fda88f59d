"""Exporting a store's mappings in the canonical form."""
from __future__ import annotations

import pytest

from core.db.engine import session_scope
from core.errors import ValidationFailed
from core.mapping import export as mapping_export
from core.mapping.columns import MAPPING_COLUMNS
from core.spreadsheets.table import read_table
from tests.core.mapping.conftest import load


def test_export_is_one_row_per_component_in_platform_sku_order(engine, store):
    load(engine, store, [["WM-B", "MUG-WHITE*1+COASTER-OAK*2", ""], ["WM-A", "TEA-BOX", "3"], ["WM-C", "'=FORMULA-LOOKALIKE", "1"]])  # escaped, as our exports write it
    with session_scope(engine) as session:
        rows = mapping_export.export_rows(session, store)
        csv_data = mapping_export.export_mappings(session, store, "csv")
        xlsx_data = mapping_export.export_mappings(session, store, "xlsx")
    assert rows == [
        ("WM-A", "TEA-BOX", 3, "茶叶礼盒"),
        ("WM-B", "MUG-WHITE", 1, "White mug"),  # in the order the bundle was written
        ("WM-B", "COASTER-OAK", 2, "Oak coaster"),
        ("WM-C", "=FORMULA-LOOKALIKE", 1, "A SKU that starts like a formula"),
    ]
    text = csv_data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Platform SKU,System SKU,Quantity,Product name"
    assert "WM-C,'=FORMULA-LOOKALIKE,1," in text  # escaped: Excel shows it, never runs it
    table = read_table(xlsx_data, "export.xlsx", MAPPING_COLUMNS)
    assert table.frame[["platform_sku", "system_sku", "quantity"]].values.tolist() == [[p, s, str(q)] for p, s, q, _ in rows]
    with session_scope(engine) as session, pytest.raises(ValidationFailed):
        mapping_export.export_mappings(session, store, "pdf")



@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_streamed_in_small_batches_writes_every_row_once_and_counts_them(engine, store, monkeypatch, tmp_path, file_format):
    """Rows are read a batch at a time (here 2, so a bundle straddles two batches) and written as they come: the
    file holds the same rows as reading them all at once, and the counts are right."""
    load(engine, store, [["WM-B", "MUG-WHITE*1+COASTER-OAK*2", ""], ["WM-A", "TEA-BOX", "3"], ["WM-D", "TEA-BOX", "1"], ["WM-C", "MUG-WHITE", "2"]])
    with session_scope(engine) as session:
        rows = mapping_export.export_rows(session, store)
        whole = mapping_export.export_mappings(session, store, file_format)
    monkeypatch.setattr(mapping_export, "_BATCH", 2)
    path = tmp_path / f"out.{file_format}"
    with session_scope(engine) as session, open(path, "wb") as target:
        exported = mapping_export.write_export(target, session, store, file_format)
    assert (exported.rows, exported.platform_skus) == (len(rows), len({row[0] for row in rows})) == (5, 4)
    table = read_table(path.read_bytes(), path.name, MAPPING_COLUMNS)
    assert table.frame[["platform_sku", "system_sku", "quantity"]].values.tolist() == [[p, s, str(q)] for p, s, q, _ in rows]
    if file_format == "csv":
        assert path.read_bytes() == whole  # byte for byte what the page downloads
