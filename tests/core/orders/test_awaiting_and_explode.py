"""Orders awaiting mapping (grouped by SKU) and order explosion, on lines read through the fake gateway."""
from __future__ import annotations

from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.mapping.levels import Level
from core.orders import sync
from core.orders.awaiting import MAX_PURCHASE_ORDER_IDS, awaiting_mapping, awaiting_mapping_counts
from core.orders.explode import count_orders, explode_order, recent_orders
from tests.conftest import CLIENT_ID, SANDBOX_ID, SANDBOX_SECRET
from tests.core.orders.conftest import DAY_MS, add_products, add_store, map_skus, now_ms, order, order_line


def seed(gateway, client_id=CLIENT_ID):
    now = now_ms()
    gateway.set_orders("production" if client_id == CLIENT_ID else "sandbox", client_id, [
        order("100000000000003", now - 1 * DAY_MS, [order_line(1, "BUNDLE-3", "Mug, 3 pack", 2), order_line(2, "LOOSE", "Loose tea", 1)]),
        order("100000000000002", now - 2 * DAY_MS, [order_line(1, "LOOSE", "Loose tea", 4), order_line(2, "DEFAULT-ONLY", "Teapot", 1)]),
        order("100000000000001", now - 3 * DAY_MS, [order_line(1, "NEVER", "Spoon", 1), order_line(2, "LOOSE", "Loose tea", 1),
                                                     order_line(3, "GONE", "Cancelled thing", 5, "Cancelled")]),
    ])


def test_a_sku_mapped_only_by_the_default_mapping_is_not_blocked(runtime, gateway):
    store_id = add_store(runtime)
    add_products(runtime, "MUG", "POT")
    map_skus(runtime, ALL_STORES, [["DEFAULT-ONLY", "POT", "1"]])
    map_skus(runtime, store_id, [["BUNDLE-3", "MUG", "3"]])
    seed(gateway)
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        blocked = awaiting_mapping(session, store_id)
    assert [(b.sku, b.orders, b.units) for b in blocked] == [("LOOSE", 3, 6), ("NEVER", 1, 1)]  # most orders first
    loose = blocked[0]
    assert loose.product_name == "Loose tea" and loose.purchase_order_ids == ["100000000000003", "100000000000002", "100000000000001"]
    assert (now_ms() - loose.newest_order_date.timestamp() * 1000) < 1.1 * DAY_MS
    assert "GONE" not in {b.sku for b in blocked}  # a cancelled line blocks nothing
    assert blocked[0].to_dict()["purchase_order_ids"][0] == "100000000000003"


def test_mapping_a_sku_takes_it_off_the_list(runtime, gateway):
    store_id = add_store(runtime)
    add_products(runtime, "TEA")
    seed(gateway)
    sync.read_orders(runtime, store_id)
    map_skus(runtime, store_id, [["LOOSE", "TEA", "1"]])
    with session_scope(runtime.engine) as session:
        assert "LOOSE" not in {b.sku for b in awaiting_mapping(session, store_id)}


def test_at_most_ten_purchase_orders_are_listed(runtime, gateway):
    store_id = add_store(runtime)
    now = now_ms()
    gateway.set_orders("production", CLIENT_ID, [order(str(200 + n), now - n * 60_000, [order_line(1, "X", "X", 1)]) for n in range(15)])
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        (blocked,) = awaiting_mapping(session, store_id)
    assert blocked.orders == 15 and len(blocked.purchase_order_ids) == MAX_PURCHASE_ORDER_IDS
    assert blocked.purchase_order_ids[0] == "200"  # newest first


def test_counts_per_store(runtime, gateway):
    first = add_store(runtime)
    second = add_store(runtime, "Sandbox shop", SANDBOX_ID, SANDBOX_SECRET)
    with session_scope(runtime.engine) as session:
        from core.db.models import Store
        store = session.get(Store, second)
        store.environment = "sandbox"
        session.add(store)
    add_products(runtime, "TEA")
    map_skus(runtime, ALL_STORES, [["LOOSE", "TEA", "1"]])
    seed(gateway)
    seed(gateway, SANDBOX_ID)
    sync.read_orders(runtime, first)
    sync.read_orders(runtime, second)
    map_skus(runtime, second, [["NEVER", "TEA", "1"]])
    with session_scope(runtime.engine) as session:
        counts = awaiting_mapping_counts(session)
    # first: BUNDLE-3, DEFAULT-ONLY, NEVER; second: BUNDLE-3, DEFAULT-ONLY
    assert counts == {first: 3, second: 2}


def test_a_bundle_line_of_quantity_2_ships_2_x_3(runtime, gateway):
    store_id = add_store(runtime)
    add_products(runtime, "MUG", "POT")
    map_skus(runtime, store_id, [["BUNDLE-3", "MUG", "3"]])
    map_skus(runtime, ALL_STORES, [["DEFAULT-ONLY", "POT", "1"]])
    seed(gateway)
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        explosion = explode_order(session, store_id, "100000000000003")
        second = explode_order(session, store_id, "100000000000002")
        assert explode_order(session, store_id, "999") is None
    assert explosion is not None and explosion.blocked
    bundle, loose = explosion.lines
    assert (bundle.line_number, bundle.sku, bundle.quantity, bundle.level) == ("1", "BUNDLE-3", 2, Level.store)
    assert bundle.components is not None and [(c.system_sku, c.product_name, c.quantity_per_unit, c.quantity) for c in bundle.components] == [
        ("MUG", "Mug product", 3, 6)]
    assert loose.components is None and not loose.mapped
    assert second is not None and second.lines[1].level == Level.default and second.lines[1].components[0].quantity == 1
    assert explosion.to_dict()["lines"][0]["components"][0]["quantity"] == 6


def test_recent_orders_newest_first_and_only_blocked(runtime, gateway):
    store_id = add_store(runtime)
    add_products(runtime, "TEA", "SPOON")
    map_skus(runtime, store_id, [["LOOSE", "TEA", "1"], ["BUNDLE-3", "TEA", "3"], ["DEFAULT-ONLY", "TEA", "1"]])
    seed(gateway)
    sync.read_orders(runtime, store_id)
    with session_scope(runtime.engine) as session:
        every = recent_orders(session, store_id)
        blocked = recent_orders(session, store_id, only_blocked=True)
        paged = recent_orders(session, store_id, limit=1, offset=1)
        counts = count_orders(session, store_id), count_orders(session, store_id, only_blocked=True)
    assert [o.purchase_order_id for o in every] == ["100000000000003", "100000000000002", "100000000000001"]
    assert [(o.purchase_order_id, o.blocked_skus) for o in blocked] == [("100000000000001", ("NEVER",))]
    assert [o.purchase_order_id for o in paged] == ["100000000000002"] and counts == (3, 1)
    assert every[2].lines == 3 and every[2].units == 7
