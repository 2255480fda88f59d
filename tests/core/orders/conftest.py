"""What the order tests share: a store on the fake gateway, its orders seeded there, mappings put in the way users do."""
from __future__ import annotations

import time

from core.db.engine import session_scope
from core.db.models import ALL_STORES, CatalogProduct
from core.mapping.imports import import_mappings
from core.stores import registry as stores
from fake_walmart import order, order_line
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.fixtures.spreadsheets.corpus import csv_bytes

DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def add_store(runtime, name="Acme", client_id=CLIENT_ID, secret=CLIENT_SECRET):
    with session_scope(runtime.engine) as session:
        return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment="production", client_id=client_id,
                                client_secret=secret).id


def add_products(runtime, *skus):
    with session_scope(runtime.engine) as session:
        for sku in skus:
            session.add(CatalogProduct(system_sku=sku, name=f"{sku.title()} product"))


def map_skus(runtime, scope, rows):
    """rows: [platform SKU, system SKU, quantity]; scope: a store's id or ALL_STORES."""
    with session_scope(runtime.engine) as session:
        plan = import_mappings(session, scope, csv_bytes(rows), "m.csv", actor=ADMIN)
        assert plan.applied, plan.errors


def orders_of(count, sku_of=lambda n: f"WM-{n % 5}", days_ago=lambda n: n % 10, first=109_000_000_000_000):
    """`count` one-line orders, newest first by construction, the SKU and age (days) given per order number."""
    now = now_ms()
    return [order(str(first + n), now - days_ago(n) * DAY_MS - n * 1000, [order_line(1, sku_of(n), f"Listing {sku_of(n)}", 1 + n % 2)])
            for n in range(count)]


__all__ = ["ALL_STORES", "DAY_MS", "add_products", "add_store", "map_skus", "now_ms", "order", "order_line", "orders_of"]
