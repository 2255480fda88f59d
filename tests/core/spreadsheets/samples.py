"""Columns and cells the spreadsheet tests share."""
from __future__ import annotations

from core.spreadsheets.table import Column

COLUMNS = (
    Column("platform_sku", "Platform SKU", ("平台SKU",)),
    Column("system_sku", "System SKU", ("系统SKU",)),
    Column("quantity", "Quantity", ("Qty", "数量")),
    Column("note", "Note", ("备注",), required=False),
)
ROWS = [["WM-茶-1", "TEA-BOX", "2"], ["WM-2", "MUG-WHITE", "1"]]
PRODUCTS = (Column("system_sku", "System SKU", ("系统SKU",)), Column("name", "Product name", ("产品名称",)))
TRICKY = ["=1+2", "+33 phone", "-5", "@SUM(A1)", "'quoted", "''twice", "\tTab", "plain", "", "a=b", "汉字"]


def values(table) -> list[list[str]]:
    return table.frame[["platform_sku", "system_sku", "quantity"]].values.tolist()
