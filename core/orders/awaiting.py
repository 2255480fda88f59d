"""Orders awaiting mapping: the SKUs of a store's stored order lines that no mapping covers, grouped by SKU.

    awaiting_mapping(session, store_id)     # [BlockedSku], most orders first: the list to work through
    awaiting_mapping_counts(session)        # {store id: blocked SKUs} for lists and badges

A SKU is covered when the store's own mapping (an override) or the mapping for all stores has it: the rule of
core.mapping.repository.mapped_platform_skus (the rule resolve() applies), asked once for all of a store's SKUs. Cancelled lines block nothing:
they will not ship. Functions here only read; they take the caller's Session.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table, func, select
from sqlmodel import Session

from core.db.bulk import in_chunks
from core.db.models import OrderLine, table_of
from core.mapping.repository import mapped_platform_skus

MAX_PURCHASE_ORDER_IDS: Final = 10  # listed per blocked SKU
NOT_SHIPPING: Final = ("Cancelled",)  # line statuses that block nothing
_LINE: Table = table_of(OrderLine)


@dataclass(frozen=True)
class BlockedSku:
    """A platform SKU with no mapping, and what it holds up."""

    sku: str
    product_name: str  # as the newest order line names it
    orders: int  # purchase orders with a line of this SKU
    units: int  # units ordered over those lines
    newest_order_date: datetime
    purchase_order_ids: list[str] = field(default_factory=list)  # newest first, at most MAX_PURCHASE_ORDER_IDS

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable (--json): keys and values are never translated."""
        return {"sku": self.sku, "product_name": self.product_name, "orders": self.orders, "units": self.units,
                "newest_order_date": self.newest_order_date.isoformat(), "purchase_order_ids": list(self.purchase_order_ids)}


def urgency(sku: BlockedSku) -> tuple[int, int, float]:
    """How a blocked SKU ranks in the list to work through, for sorting: most orders, then most units, then the newest
    order first. Lists of several stores rank by it too."""
    return -sku.orders, -sku.units, -sku.newest_order_date.timestamp()


def unmapped_skus(session: Session, store_id: int, skus: Iterable[str]) -> set[str]:
    """The SKUs among `skus` that no mapping covers for the store (the store's own or the default).

    Only whether a SKU is mapped is read (core.mapping.repository.mapped_platform_skus), never the components:
    a store's orders can span ten thousand SKUs. SKUs are compared in NFC, as mappings keep them."""
    canonical = {sku: unicodedata.normalize("NFC", sku) for sku in skus}
    mapped = mapped_platform_skus(session, store_id, set(canonical.values()))
    return {sku for sku, form in canonical.items() if form not in mapped}


def awaiting_mapping(session: Session, store_id: int) -> list[BlockedSku]:
    """The store's blocked SKUs, most orders first (then most units, newest order, SKU).

    Three steps, whatever the number of lines: the database counts orders and units per SKU, the mappings are
    asked for those SKUs at once, and only the blocked SKUs' lines are read back for their dates, names and
    purchase orders."""
    line = _LINE
    shipping = (line.c.store_id == store_id, line.c.status.not_in(NOT_SHIPPING))
    totals = {sku: (orders, units) for sku, orders, units in session.execute(
        select(line.c.sku, func.count(func.distinct(line.c.purchase_order_id)), func.sum(line.c.quantity)).where(*shipping).group_by(line.c.sku))}
    blocked = unmapped_skus(session, store_id, totals)
    if not blocked:
        return []
    ids: dict[str, list[str]] = defaultdict(list)
    newest: dict[str, tuple[datetime, str]] = {}
    statement = (select(line.c.sku, line.c.purchase_order_id, line.c.order_date, line.c.product_name).where(*shipping)
                 .order_by(line.c.order_date.desc(), line.c.purchase_order_id.desc()))
    for chunk in in_chunks(sorted(blocked)):
        for sku, purchase_order_id, order_date, product_name in session.execute(statement.where(line.c.sku.in_(chunk))):
            newest.setdefault(sku, (order_date, product_name))
            listed = ids[sku]
            if len(listed) < MAX_PURCHASE_ORDER_IDS and purchase_order_id not in listed:
                listed.append(purchase_order_id)
    found = [BlockedSku(sku, newest[sku][1], int(totals[sku][0]), int(totals[sku][1]), newest[sku][0], ids[sku]) for sku in newest]
    found.sort(key=lambda b: (*urgency(b), b.sku))
    return found


def awaiting_mapping_counts(session: Session) -> dict[int, int]:
    """Store id -> how many of its SKUs are blocked; stores with none blocked (or no orders read) are left out."""
    line = _LINE
    skus: dict[int, set[str]] = defaultdict(set)
    for store_id, sku in session.execute(select(line.c.store_id, line.c.sku).where(line.c.status.not_in(NOT_SHIPPING)).distinct()):
        skus[store_id].add(sku)
    counts = {store_id: len(unmapped_skus(session, store_id, wanted)) for store_id, wanted in skus.items()}
    return {store_id: count for store_id, count in counts.items() if count}
