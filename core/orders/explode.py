"""An order turned into what ships: each line's platform SKU resolved into system SKUs and quantities.

    explode_order(session, store_id, "109012345678901")   # OrderExplosion | None: lines with components, or None where unmapped
    recent_orders(session, store_id, only_blocked=True, limit=50, offset=0)   # [OrderSummary], newest first

A line of quantity 2 of a bundle of 3 ships 2 x 3 = 6: `ShippedComponent.quantity` is the order quantity times
the quantity per unit. The mapping is the one that applies to the store (its own, else the default's), as
core.mapping.resolve reads it. Functions here only read; they take the caller's Session.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session

from core.catalog import product_names
from core.db.models import OrderLine, table_of
from core.mapping.levels import Level
from core.mapping.resolve import effective_mappings
from core.orders.awaiting import NOT_SHIPPING, unmapped_skus

_LINE: Table = table_of(OrderLine)


@dataclass(frozen=True)
class ShippedComponent:
    system_sku: str
    product_name: str  # from the catalog; '' when the product has no name
    quantity_per_unit: int
    quantity: int  # order quantity x quantity_per_unit

    def to_dict(self) -> dict[str, Any]:
        return {"system_sku": self.system_sku, "product_name": self.product_name, "quantity_per_unit": self.quantity_per_unit,
                "quantity": self.quantity}


@dataclass(frozen=True)
class ExplodedLine:
    line_number: str
    sku: str
    product_name: str  # Walmart's name for the listing
    quantity: int
    status: str
    components: list[ShippedComponent] | None  # None: no mapping covers the SKU (the line is blocked)
    level: Level | None = None  # where the mapping comes from: the store's own or the default

    @property
    def mapped(self) -> bool:
        return self.components is not None

    def to_dict(self) -> dict[str, Any]:
        return {"line_number": self.line_number, "sku": self.sku, "product_name": self.product_name, "quantity": self.quantity,
                "status": self.status, "mapped": self.mapped, "level": None if self.level is None else str(self.level),
                "components": None if self.components is None else [c.to_dict() for c in self.components]}


@dataclass(frozen=True)
class OrderExplosion:
    store_id: int
    purchase_order_id: str
    order_date: datetime
    lines: list[ExplodedLine]

    @property
    def blocked(self) -> bool:
        """Some line that will ship has no mapping."""
        return any(not line.mapped and line.status not in NOT_SHIPPING for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "purchase_order_id": self.purchase_order_id, "order_date": self.order_date.isoformat(),
                "blocked": self.blocked, "lines": [line.to_dict() for line in self.lines]}


@dataclass(frozen=True)
class OrderSummary:
    purchase_order_id: str
    order_date: datetime
    lines: int
    units: int
    blocked_skus: tuple[str, ...]  # the SKUs of its lines (not cancelled) that no mapping covers

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_skus)

    def to_dict(self) -> dict[str, Any]:
        return {"purchase_order_id": self.purchase_order_id, "order_date": self.order_date.isoformat(), "lines": self.lines,
                "units": self.units, "blocked_skus": list(self.blocked_skus)}


def _line_order(line_number: str) -> tuple[int, int, str]:
    return (0, int(line_number), "") if line_number.isdigit() else (1, 0, line_number)


def explode_order(session: Session, store_id: int, purchase_order_id: str) -> OrderExplosion | None:
    """The order's lines with what each ships, or None when no stored order of the store has this ID."""
    line = _LINE
    rows = session.execute(
        select(line.c.line_number, line.c.sku, line.c.product_name, line.c.quantity, line.c.status, line.c.order_date)
        .where(line.c.store_id == store_id, line.c.purchase_order_id == purchase_order_id.strip())
    ).all()
    if not rows:
        return None
    table = effective_mappings(session, store_id, {row[1] for row in rows})
    names = product_names(session, {c.system_sku for mapping in table.values() for c in mapping.components})
    lines = []
    for line_number, sku, product_name, quantity, status, _date in sorted(rows, key=lambda row: _line_order(row[0])):
        mapping = table.get(sku)
        components = None if mapping is None else [
            ShippedComponent(c.system_sku, names.get(c.system_sku, ""), c.quantity, c.quantity * quantity) for c in mapping.components]
        lines.append(ExplodedLine(line_number, sku, product_name, quantity, status, components, None if mapping is None else mapping.level))
    return OrderExplosion(store_id, purchase_order_id.strip(), min(row[5] for row in rows), lines)


def recent_orders(session: Session, store_id: int, *, only_blocked: bool = False, limit: int = 50, offset: int = 0) -> list[OrderSummary]:
    """The store's stored orders, newest first, a page of them; `only_blocked` keeps those with a blocked line."""
    summaries = _summaries(session, store_id)
    if only_blocked:
        summaries = [summary for summary in summaries if summary.blocked]
    return summaries[max(0, offset):max(0, offset) + max(0, limit)]


def count_orders(session: Session, store_id: int, *, only_blocked: bool = False) -> int:
    """How many orders recent_orders would page through."""
    if not only_blocked:
        line = _LINE
        return int(session.execute(select(func.count(func.distinct(line.c.purchase_order_id))).where(line.c.store_id == store_id)).scalar_one())
    return sum(1 for summary in _summaries(session, store_id) if summary.blocked)


def _summaries(session: Session, store_id: int) -> list[OrderSummary]:
    line = _LINE
    rows = session.execute(
        select(line.c.purchase_order_id, line.c.order_date, line.c.sku, line.c.quantity, line.c.status).where(line.c.store_id == store_id)
    ).all()
    blocked = unmapped_skus(session, store_id, {row[2] for row in rows if row[4] not in NOT_SHIPPING})
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    summaries = []
    for purchase_order_id, lines in grouped.items():
        skus = tuple(sorted({row[2] for row in lines if row[2] in blocked and row[4] not in NOT_SHIPPING}))
        summaries.append(OrderSummary(purchase_order_id, min(row[1] for row in lines), len(lines), sum(row[3] for row in lines), skus))
    summaries.sort(key=lambda s: (s.order_date, s.purchase_order_id), reverse=True)
    return summaries
