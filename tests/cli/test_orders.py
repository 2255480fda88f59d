"""`python -m core orders unmapped|explode`: the output, --json, and the exit codes cron relies on."""
from __future__ import annotations

import json

import pytest

from core.db.models import ALL_STORES
from fake_walmart import server_error_answer
from tests.conftest import CLIENT_ID, SANDBOX_ID, SANDBOX_SECRET
from tests.core.orders.conftest import DAY_MS, add_products, add_store, map_skus, now_ms, order, order_line

LIMITED_ID, LIMITED_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789"


def seed(gateway, client_id=CLIENT_ID, environment="production"):
    now = now_ms()
    gateway.set_orders(environment, client_id, [
        order("100000000000002", now - DAY_MS, [order_line(1, "BUNDLE-3", "Mug, 3 pack", 2), order_line(2, "LOOSE", "Loose tea", 1)]),
        order("100000000000001", now - 2 * DAY_MS, [order_line(1, "LOOSE", "Loose tea", 4)]),
    ])


def test_unmapped_exits_1_when_something_is_blocked_and_0_when_nothing_is(cli, runtime, gateway):
    add_store(runtime, "Acme")
    add_products(runtime, "MUG", "TEA")
    map_skus(runtime, ALL_STORES, [["BUNDLE-3", "MUG", "3"]])
    seed(gateway)
    code, out, err = cli("orders", "unmapped", "--store", "Acme")
    assert code == 1, err
    assert "LOOSE: 2 orders, 5 units" in out and "100000000000002, 100000000000001" in out and "BUNDLE-3" not in out
    map_skus(runtime, ALL_STORES, [["LOOSE", "TEA", "1"]])
    code, out, err = cli("orders", "unmapped", "--store", "Acme")
    assert code == 0, err
    assert "Nothing is awaiting mapping." in out


def test_unmapped_json(cli, runtime, gateway):
    add_store(runtime, "Acme")
    seed(gateway)
    code, out, _err = cli("orders", "unmapped", "--store", "Acme", "--days", "7", "--json")
    data = json.loads(out)
    assert code == 1 and data["days"] == 7
    (store,) = data["stores"]
    assert store["store"] == "Acme" and store["read"]["orders"] == 2 and not store["read"]["partial"]
    assert [(b["sku"], b["orders"], b["units"]) for b in store["blocked"]] == [("LOOSE", 2, 5), ("BUNDLE-3", 1, 2)]
    assert store["blocked"][0]["purchase_order_ids"] == ["100000000000002", "100000000000001"]


def test_unmapped_for_all_stores_reads_each_and_reports_failures(cli, runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"item": "full_access", "orders": "no_access"})
    add_store(runtime, "Acme")
    add_store(runtime, "Limited", LIMITED_ID, LIMITED_SECRET)
    add_products(runtime, "MUG", "TEA")
    map_skus(runtime, ALL_STORES, [["BUNDLE-3", "MUG", "3"], ["LOOSE", "TEA", "1"]])
    seed(gateway)
    code, out, _err = cli("orders", "unmapped", "--all", "--json")
    stores = {s["store"]: s for s in json.loads(out)["stores"]}
    assert code == 1  # nothing blocked at Acme, but Limited's orders could not be read
    assert stores["Acme"]["blocked"] == [] and stores["Acme"]["read"]["orders"] == 2
    assert stores["Limited"]["read"]["finding_faq"] == "permissions-not-enabled" and "Orders permission" in stores["Limited"]["read"]["finding"]
    code, out, _err = cli("orders", "unmapped", "--all")
    assert "Limited: 0 orders read" in out and "permissions-not-enabled" in out


def test_unmapped_when_walmart_is_down_is_a_plain_error(cli, runtime, gateway):
    add_store(runtime, "Acme")
    gateway.queue_response("production", "/v3/orders", times=5, **server_error_answer(503))
    code, out, err = cli("orders", "unmapped", "--store", "Acme")
    assert code == 2 and "could not be read" in err and "Traceback" not in err


def test_unmapped_usage_errors(cli, runtime):
    assert cli("orders", "unmapped")[0] == 2
    assert cli("orders", "unmapped", "--store", "Acme", "--all")[0] == 2
    with pytest.raises(SystemExit) as raised:
        cli("orders", "unmapped", "--all", "--days", "0")
    assert raised.value.code == 2
    code, _out, err = cli("orders", "unmapped", "--store", "Nobody")
    assert code == 2 and "Nobody" in err


def test_explode_a_bundle_line_of_quantity_2(cli, runtime, gateway):
    add_store(runtime, "Acme")
    add_products(runtime, "MUG", "TEA")
    map_skus(runtime, ALL_STORES, [["BUNDLE-3", "MUG", "3"]])
    seed(gateway)
    cli("orders", "unmapped", "--store", "Acme")
    code, out, _err = cli("orders", "explode", "--store", "Acme", "--purchase-order", "100000000000002")
    assert code == 1  # LOOSE is unmapped
    assert "MUG x 6 (3 per unit) Mug product" in out and "unmapped" in out
    code, out, _err = cli("orders", "explode", "--store", "Acme", "--purchase-order", "100000000000002", "--json")
    data = json.loads(out)
    assert data["lines"][0]["components"] == [{"system_sku": "MUG", "product_name": "Mug product", "quantity_per_unit": 3, "quantity": 6}]
    assert data["lines"][1]["mapped"] is False and data["lines"][1]["components"] is None
    map_skus(runtime, ALL_STORES, [["LOOSE", "TEA", "1"]])
    assert cli("orders", "explode", "--store", "Acme", "--purchase-order", "100000000000002")[0] == 0


def test_explode_an_unknown_order(cli, runtime, gateway):
    add_store(runtime, "Acme")
    code, _out, err = cli("orders", "explode", "--store", "Acme", "--purchase-order", "42")
    assert code == 2 and "No order 42" in err and "orders unmapped" in err


def test_chinese_output(cli, runtime, gateway):
    add_store(runtime, "Acme")
    seed(gateway)
    code, out, _err = cli("orders", "unmapped", "--store", "Acme", "--lang", "zh-CN")
    assert code == 1 and "LOOSE" in out and "Nothing is awaiting" not in out and "SKU" in out
    assert "个" in out or "订单" in out


__all__ = ["SANDBOX_ID", "SANDBOX_SECRET"]
