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
