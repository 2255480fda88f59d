"""Checking component rows against the rules and the catalog."""
from __future__ import annotations

import pandas as pd

from core.db.engine import session_scope
from core.mapping import rules as mapping_rules


def frame(rows):
    data = pd.DataFrame(rows, columns=["platform_sku", "system_sku", "quantity"], dtype=object)
    data.index = pd.RangeIndex(1, len(rows) + 1)
    return data


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
