"""Resolving platform SKUs for a store: its own mapping (an override) first, then the mapping for all stores.

The one way code reads what a store's orders ship; the OMS reads the same thing
through the view store_connect_mapping_v1 (docs/integration.md).

    found = resolve(session, "Acme US", "WM-1", quantity=2)        # a Store, its id or its name
    if isinstance(found, Unmapped): ...                              # found.mapped is False
    found.level                                                      # Level.store or Level.default
    [(c.system_sku, c.quantity) for c in found.components]           # order quantity x quantity per unit: 2 x 3 = 6

    table = effective_mappings(session, store_id, skus)             # many SKUs at once, two queries however many
    table["WM-1"].components, table["WM-1"].level                   # SKUs not in the dict are unmapped
    resolve_many(session, store, [("WM-1", 2), ("WM-9", 1)])         # order lines -> Resolution | Unmapped each

Platform SKUs match exactly, after Unicode NFC (the form mappings are stored in).
Functions here only read; they take the caller's Session.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Table, select
from sqlmodel import Session

from core.catalog import product_names
from core.db.models import ALL_STORES, MappingComponent, Store, saved_id
from core.db.models.base import table_of
from core.errors import ValidationFailed
from core.i18n import _
from core.mapping.bundles import MAX_QUANTITY, Component
from core.mapping.levels import Level, level_of
from core.mapping.repository import rows_for_skus
from core.stores.registry import find_store

_COMPONENT: Table = table_of(MappingComponent)


@dataclass(frozen=True)
class EffectiveMapping:
    """The mapping that applies to a store for one platform SKU, and the level it comes from."""

    platform_sku: str
    level: Level
    version: int  # the mapping's version within its level (each level counts on its own)
    components: tuple[Component, ...]  # in the order they were entered; quantity is per unit sold


@dataclass(frozen=True)
class ResolvedComponent:
    system_sku: str
    product_name: str  # from the catalog; '' if the product has no name
    quantity_per_unit: int  # how many ship for one unit sold
    quantity: int  # for the quantity resolved: order quantity x quantity_per_unit

    def to_dict(self) -> dict[str, Any]:
        return {"system_sku": self.system_sku, "product_name": self.product_name, "quantity_per_unit": self.quantity_per_unit,
                "quantity": self.quantity}


@dataclass(frozen=True)
class Resolution:
    """A mapped platform SKU: what ships for `quantity` units sold."""

    store_id: int
    store_name: str
    platform_sku: str
    quantity: int
    level: Level
    version: int
    components: tuple[ResolvedComponent, ...]
    mapped: Literal[True] = True

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable (--json): keys and values are never translated."""
        return {"mapped": True, "store": self.store_name, "store_id": self.store_id, "platform_sku": self.platform_sku,
                "quantity": self.quantity, "level": str(self.level), "version": self.version,
                "components": [component.to_dict() for component in self.components]}


@dataclass(frozen=True)
class Unmapped:
    """A platform SKU no mapping covers for the store: neither its own nor the default."""

    store_id: int
    store_name: str
    platform_sku: str
    quantity: int
    mapped: Literal[False] = False

    def to_dict(self) -> dict[str, Any]:
        return {"mapped": False, "store": self.store_name, "store_id": self.store_id, "platform_sku": self.platform_sku,
                "quantity": self.quantity}


def effective_mappings(session: Session, store_id: int, skus: Iterable[str] | None = None) -> dict[str, EffectiveMapping]:
    """Platform SKU -> the mapping that applies to the store: its own, else the default's. All of them, or those of `skus`.

    Two queries (the store's rows, the default's rows), each a range of the primary
    key, whatever the number of SKUs; SKUs with no mapping are simply absent.
    """
    wanted = None if skus is None else {_canonical(sku) for sku in skus}
    own = _scope_rows(session, store_id, wanted)
    found = {sku: EffectiveMapping(sku, level_of(store_id), version, tuple(parts)) for sku, (version, parts) in own.items()}
    if store_id != ALL_STORES:
        shared = _scope_rows(session, ALL_STORES, None if wanted is None else wanted - set(own))
        for sku, (version, parts) in shared.items():
            if sku not in found:
                found[sku] = EffectiveMapping(sku, Level.default, version, tuple(parts))
    return found


def _scope_rows(session: Session, scope: int, skus: set[str] | None) -> dict[str, tuple[int, list[Component]]]:
    component = _COMPONENT
    if skus is not None and not skus:
        return {}
    statement = (select(component.c.platform_sku, component.c.version, component.c.system_sku, component.c.quantity)
                 .where(component.c.scope_id == scope).order_by(component.c.platform_sku, component.c.position))
    grouped: dict[str, tuple[int, list[Component]]] = {}
    for row in rows_for_skus(session, statement, component.c.platform_sku, skus, lambda row: str(row[0])):
        platform_sku, version, system_sku, quantity = tuple(row)
        grouped.setdefault(platform_sku, (version, []))[1].append(Component(system_sku, quantity))
    return grouped


def resolve(session: Session, store: Store | int | str, platform_sku: str, quantity: int = 1) -> Resolution | Unmapped:
    """What ships for `quantity` units of `platform_sku` sold in `store` (a Store, its id or its name).

    The store's own mapping wins; without one, the mapping for all stores applies;
    without either the answer is Unmapped. Raises NotFound for an unknown store and
    ValidationFailed for a quantity below 1.
    """
    return resolve_many(session, store, [(platform_sku, quantity)])[0]


def resolve_many(session: Session, store: Store | int | str, lines: Iterable[tuple[str, int]]) -> list[Resolution | Unmapped]:
    """resolve() for many (platform SKU, quantity) pairs, such as an order's lines, in their order, with three queries in all."""
    found_store = store if isinstance(store, Store) else find_store(session, store)
    store_id, store_name = saved_id(found_store), found_store.name
    wanted = [(_canonical(sku), _checked_quantity(quantity)) for sku, quantity in lines]
    table = effective_mappings(session, store_id, {sku for sku, _ in wanted})
    names = product_names(session, {c.system_sku for sku, _ in wanted if sku in table for c in table[sku].components})
    results: list[Resolution | Unmapped] = []
    for sku, quantity in wanted:
        mapping = table.get(sku)
        if mapping is None:
            results.append(Unmapped(store_id, store_name, sku, quantity))
            continue
        parts = tuple(ResolvedComponent(c.system_sku, names.get(c.system_sku, ""), c.quantity, c.quantity * quantity) for c in mapping.components)
        results.append(Resolution(store_id, store_name, sku, quantity, mapping.level, mapping.version, parts))
    return results


def _canonical(sku: str) -> str:
    return unicodedata.normalize("NFC", sku)


def _checked_quantity(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(_("{quantity} is not a quantity that can be resolved.", quantity=quantity),
                               _("Give a whole number of units sold, from 1 to {most}.", most=MAX_QUANTITY))
    return quantity
