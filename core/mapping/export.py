"""One level's own mappings (a store's overrides, or the default for all stores) as a spreadsheet that imports back unchanged.

A store's export holds its own mappings only, never the defaults it inherits:
importing it back into the store must change nothing, and the defaults imported
into the store would become overrides. Export the default with scope ALL_STORES.

One row per component, with the columns Platform SKU, System SKU, Quantity and
Product name (for people; ignored on import), ordered by platform SKU and then by
the order the components were entered. Bundles are several rows with the same
platform SKU, never a bundle cell, so every cell holds one value and sorting or
filtering in Excel cannot break a bundle apart.

Streamed: rows are read a batch at a time and written as they come (`write_export`; openpyxl's write-only mode for
XLSX), so neither the rows nor the workbook are ever whole in memory. The command line writes straight into the file.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import func, select
from sqlmodel import Session

from core.db.models import CatalogProduct, MappingComponent
from core.db.models.base import table_of
from core.mapping.columns import EXPORT_HEADER
from core.spreadsheets.writers import write_table_to

_COMPONENT = table_of(MappingComponent)
_PRODUCT = table_of(CatalogProduct)
# Rows fetched from the database at a time: the export streams, so memory does not grow with the store.
_BATCH = 5000


@dataclass
class Exported:
    """What an export wrote: its rows (one per component) and platform SKUs."""

    rows: int = 0
    platform_skus: int = 0


def iter_export_rows(session: Session, scope: int, counted: Exported | None = None) -> Iterator[tuple[str, str, int, str]]:
    """The scope's own mappings in canonical form, (platform SKU, system SKU, quantity, product name) per component,
    read from the database a batch at a time; `counted` is kept up to date as they come."""
    product_name = select(_PRODUCT.c.name).where(_PRODUCT.c.system_sku == _COMPONENT.c.system_sku).scalar_subquery()
    statement = (select(_COMPONENT.c.platform_sku, _COMPONENT.c.system_sku, _COMPONENT.c.quantity, func.coalesce(product_name, ""))
                 .where(_COMPONENT.c.scope_id == scope).order_by(_COMPONENT.c.platform_sku, _COMPONENT.c.position))
    counted = counted or Exported()
    last = None
    for batch in session.execute(statement, execution_options={"yield_per": _BATCH}).partitions():
        for platform_sku, system_sku, quantity, name in batch:
            counted.rows += 1
            if platform_sku != last:  # rows come sorted by platform SKU
                counted.platform_skus, last = counted.platform_skus + 1, platform_sku
            yield platform_sku, system_sku, int(quantity), name


def export_rows(session: Session, scope: int) -> list[tuple[str, str, int, str]]:
    """The scope's own mappings in canonical form, all at once (for a small scope or a test)."""
    return list(iter_export_rows(session, scope))


def write_export(target: BinaryIO, session: Session, scope: int, format: str = "csv") -> Exported:
    """The scope's own mappings as CSV or XLSX written into `target` as they are read; what was written."""
    counted = Exported()
    write_table_to(target, format, EXPORT_HEADER, iter_export_rows(session, scope, counted), sheet_title="Mappings", widths=[24, 24, 10, 40])
    return counted


def export_mappings(session: Session, scope: int, format: str = "csv") -> bytes:
    """The scope's own mappings as CSV or XLSX bytes; importing them back into the same scope changes nothing."""
    buffer = io.BytesIO()
    write_export(buffer, session, scope, format)
    return buffer.getvalue()
