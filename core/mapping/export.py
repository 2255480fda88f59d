"""One level's own mappings (a store's overrides, or the default for all stores) as a spreadsheet that imports back unchanged.

A store's export holds its own mappings only, never the defaults it inherits:
importing it back into the store must change nothing, and the defaults imported
into the store would become overrides. Export the default with scope ALL_STORES.

One row per component, with the columns Platform SKU, System SKU, Quantity and
Product name (for people; ignored on import), ordered by platform SKU and then by
the order the components were entered. Bundles are several rows with the same
platform SKU, never a bundle cell, so every cell holds one value and sorting or
filtering in Excel cannot break a bundle apart.
"""
from __future__ import annotations

from sqlmodel import Session

from core.catalog import product_names
from core.mapping.columns import EXPORT_HEADER
from core.mapping.repository import current_components
from core.spreadsheets.writers import write_table


def export_rows(session: Session, scope: int) -> list[tuple[str, str, int, str]]:
    """The scope's own mappings in canonical form: (platform SKU, system SKU, quantity, product name) per component."""
    frame = current_components(session, scope)
    names = product_names(session, frame["system_sku"].unique().tolist())
    return [(p, s, int(q), names.get(s, "")) for p, s, q in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False)]


def export_mappings(session: Session, scope: int, format: str = "csv") -> bytes:
    """The scope's own mappings as CSV or XLSX bytes; importing them back into the same scope changes nothing."""
    return write_table(format, EXPORT_HEADER, export_rows(session, scope), sheet_title="Mappings", widths=[24, 24, 10, 40])
