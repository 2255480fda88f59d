"""The mapping spreadsheet's columns (with the other names they go by), and how a cell's text is read from a file or the grid."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.i18n import N_
from core.spreadsheets.cells import INVISIBLE_CHARACTER
from core.spreadsheets.table import Column

PLATFORM_SKU = Column(
    "platform_sku", N_("Platform SKU"),
    ("平台SKU", "Seller SKU", "Walmart SKU", "Listing SKU", "店铺SKU", "平台商品SKU", "在线SKU", "Platform SKU (Walmart)"),
)
SYSTEM_SKU = Column("system_sku", N_("System SKU"), ("系统SKU", "OMS SKU", "商品SKU", "产品SKU", "本地SKU", "Local SKU"))
# Optional: a file without it maps each plain row at quantity 1 (core.mapping.imports); bundle cells carry their own.
QUANTITY = Column("quantity", N_("Quantity"), ("Qty", "数量", "配对数量", "组合数量", "Pcs"), required=False)
PRODUCT_NAME = Column("product_name", N_("Product name"), ("产品名称", "商品名称", "品名", "Name"), required=False)
MAPPING_COLUMNS = (PLATFORM_SKU, SYSTEM_SKU, QUANTITY, PRODUCT_NAME)
EXPORT_HEADER = tuple(column.label for column in MAPPING_COLUMNS)  # machine-readable: never translated


def meant_sku(text: str) -> str:
    """The SKU a cell was meant to hold: odd spaces (no-break, tab) made plain, invisible characters dropped, ends trimmed.

    'WM 1' written with a no-break space stays 'WM 1', not 'WM1': SKUs may contain spaces.
    """
    spaced = "".join(" " if character.isspace() else character for character in text)
    return INVISIBLE_CHARACTER.sub("", spaced).strip()


def cell_text(value: Any) -> str:
    """A cell from a file or the grid editor as text: None/NaN -> '', 3.0 -> '3'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN, as the grid gives for an empty number cell
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)
