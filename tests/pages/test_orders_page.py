"""The Orders page and the mapping page's "Orders awaiting mapping" section through AppTest: the list (most orders first,
default mappings counted), "Map it" into the grid and the SKU leaving the list, an order's explosion, no orders, a
partial read, a store without the orders permission, and a viewer."""
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from core.db.engine import session_scope
from core.db.models.orders import OrderLine, OrderRead
from core.mapping.levels import ALL_STORES
from fake_walmart import order, order_line, rate_limited_answer
from tests.conftest import CLIENT_ID
from tests.fixtures.spreadsheets.corpus import mapping_state
from tests.pages.conftest import page_text, shown
from tests.pages.test_mapping_page import grid, load, save
from tests.pages.test_mapping_page import store as store  # noqa: F401  (the fixture: Acme with WM-1..3 and a catalog)
from tests.pages.test_roles_page import AUTH

NOW = datetime.now(UTC).replace(microsecond=0)


def seed_orders(runtime, store_id, orders: dict[str, list[tuple[str, int]]], *, names: dict[str, str] | None = None) -> None:
    """Stored order lines as a read of Walmart's orders leaves them: {purchase order: [(SKU, quantity), ...]}, the first
    order the newest."""
    with session_scope(runtime.engine) as session:
        for age, (po, lines) in enumerate(orders.items()):
            for number, (sku, quantity) in enumerate(lines, start=1):
                session.add(OrderLine(store_id=store_id, purchase_order_id=po, line_number=str(number), order_date=NOW - timedelta(hours=age),
                                      sku=sku, product_name=(names or {}).get(sku, f"Walmart {sku}"), quantity=quantity, status="Created"))
        session.add(OrderRead(store_id=store_id, read_at=NOW, days=14, orders_read=len(orders), lines_read=sum(map(len, orders.values()))))


def open_orders(app, **params):
    app.run()
    app.query_params.clear()
    app.query_params.update(params)
    app.switch_page("pages/orders.py").run()
    assert not app.exception, app.exception
    return app


def map_it_links(app) -> list[tuple[str, dict[str, str]]]:
    """Each "Map it" link: the page it opens and its address's parameters, in the order shown."""
    return [(link.proto.page, {name: values[0] for name, values in parse_qs(link.proto.query_string).items()})
            for link in app.get("page_link") if link.value == "Map it"]


def blocked_order(app) -> list[str]:
    return [params["map"] for _page, params in map_it_links(app)]


ORDERS = {"PO-5": [("NEW-A", 1), ("WM-1", 1)], "PO-4": [("NEW-B", 7)], "PO-3": [("NEW-A", 2), ("NEW-C", 1)], "PO-2": [("NEW-A", 1)],
          "PO-1": [("NEW-C", 1), ("DEF-1", 1)]}


def test_the_list_comes_first_most_orders_first_and_mapped_skus_are_left_out(app, runtime, store):
    load(runtime, ALL_STORES, [["DEF-1", "TEA", "1"]])  # mapped by the mapping for all stores only
    seed_orders(runtime, store, ORDERS)
    open_orders(app, store="Acme")
    assert app.subheader[0].value == "Orders awaiting mapping"
    assert blocked_order(app) == ["NEW-A", "NEW-C", "NEW-B"]  # 3 orders, 2 orders, then 1 order (7 units)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["SKUs awaiting mapping"], metrics["Units blocked"]) == ("3", "13")
    assert "WM-1" not in blocked_order(app) and "DEF-1" not in page_text(app)
    assert app.query_params["store"] == "Acme"


def test_map_it_opens_the_grid_with_the_sku_to_fill_in_and_after_saving_it_leaves_the_list(app, runtime, store):
    seed_orders(runtime, store, ORDERS)
    open_orders(app, store="Acme")
    page, params = map_it_links(app)[0]
    assert (page, params) == ("mapping", {"store": "Acme", "tab": "mappings", "map": "NEW-A"})

    # Following the link: the store's grid, searched for the SKU, with it as a new row to fill in.
    app.query_params.clear()
    app.query_params.update(params)
    app.switch_page("pages/mapping.py").run()
    assert not app.exception, app.exception
    assert app.session_state["mapping_tab"] == "Mappings" and app.text_input(key="mapping_search").value == "NEW-A"
    rows = grid(app)
    assert list(rows["platform_sku"]) == ["NEW-A"] and rows.loc[0, "change"] == "To fill in"
    assert "map" not in app.query_params and app.query_params["q"] == "NEW-A"

    save(app, edited_rows={0: {"system_sku": "MUG", "quantity": 2}})
    assert "Saved: 1 added" in shown(app.success[0])
    open_orders(app, store="Acme")
    assert blocked_order(app) == ["NEW-C", "NEW-B", "DEF-1"]


def test_map_it_fills_in_a_safe_pairing_suggestion_to_check_and_save(app, runtime, store):
    seed_orders(runtime, store, {"PO-1": [("COASTER", 2)]})  # the same SKU as a catalog product: an exact suggestion
    open_orders(app, store="Acme")
    [(page, params)] = map_it_links(app)
    app.query_params.clear()
    app.query_params.update(params)
    app.switch_page("pages/mapping.py").run()
    assert not app.exception, app.exception
    rows = grid(app)
    assert (rows.loc[0, "platform_sku"], rows.loc[0, "system_sku"], rows.loc[0, "quantity"]) == ("COASTER", "COASTER", 1)
    assert "Automatic pairing suggests COASTER (Oak coaster) for COASTER: same SKU." in page_text(app)
    assert "COASTER" not in mapping_state(runtime.engine, store)  # suggested, not saved
    save(app)
    assert mapping_state(runtime.engine, store)["COASTER"] == [("COASTER", 1)]
    open_orders(app, store="Acme")
    assert map_it_links(app) == [] and "No order read is waiting for a mapping." in page_text(app)


def test_the_mapping_page_shows_the_stores_top_skus_with_map_it(app, runtime, store):
    seed_orders(runtime, store, ORDERS)
    app.run()
    app.query_params.clear()
    app.query_params.update({"store": "Acme"})
    app.switch_page("pages/mapping.py").run()
    assert not app.exception, app.exception
    assert app.expander[0].label == "Orders awaiting mapping: 4 SKUs"
    assert blocked_order(app) == ["NEW-A", "NEW-C", "NEW-B", "DEF-1"]
    assert ("orders", "store=Acme") in [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]


def test_an_order_explodes_into_system_skus_and_an_unmapped_line_says_so(app, runtime, store):
    load(runtime, store, [["BUNDLE", "MUG", "3"], ["BUNDLE", "TEA", "1"]])
    seed_orders(runtime, store, {"PO-9": [("BUNDLE", 2), ("NEW-Z", 1)]}, names={"BUNDLE": "Mug *and* tea [gift]"})
    open_orders(app, store="Acme")
    app.button(key="orders_awaiting_po_0_PO-9").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="orders_po").value == "PO-9"
    [table] = [frame.value for frame in app.dataframe if "to_ship" in frame.value.columns]
    found = {(row.sku, row.system_sku): (row.ordered, row.per_unit, row.to_ship) for row in table.itertuples()}
    assert found[("BUNDLE", "MUG")] == (2, 3, 6) and found[("BUNDLE", "TEA")] == (2, 1, 2)
    assert table.loc[table["sku"] == "BUNDLE", "product_name"].iloc[0] == "Mug *and* tea [gift]"  # a dataframe cell: never Markdown
    assert table.loc[table["sku"] == "NEW-Z", "system_name"].iloc[0] == "Not mapped: nothing to ship"
    assert "1 SKU of this order has no mapping" in page_text(app)
    assert blocked_order(app) == ["NEW-Z", "NEW-Z"]  # in the list, and beside the unmapped line


def test_no_orders_read_yet(app, store):
    open_orders(app, store="Acme")
    assert "No order read is waiting for a mapping." in page_text(app)
    assert "Orders have not been read for this store yet" in page_text(app)
    assert map_it_links(app) == []


def test_a_viewer_reads_the_list_but_gets_no_map_it(app, runtime, store, monkeypatch):
    seed_orders(runtime, store, ORDERS)
    monkeypatch.setenv("ROLE_VIEWERS", "ann@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com"}
    open_orders(app, store="Acme")
    assert map_it_links(app) == [] and "Mapping needs the editor role." in page_text(app)
    assert "NEW-A" in page_text(app) and "orders_read" in [button.key for button in app.button]


def test_all_stores_lists_each_stores_skus(app, runtime, store):
    from tests.pages.test_mapping_page import add_store

    other = add_store(runtime, "Bright Kitchen")
    seed_orders(runtime, store, {"PO-1": [("NEW-A", 1)]})
    seed_orders(runtime, other, {"PO-7": [("BK-9", 1)], "PO-8": [("BK-9", 1)]})
    open_orders(app, store="all")
    assert [(params["store"], params["map"]) for _page, params in map_it_links(app)] == [("Bright Kitchen", "BK-9"), ("Acme", "NEW-A")]
    assert "orders_read" not in [button.key for button in app.button]


def test_all_stores_are_read_at_once_and_a_store_that_failed_is_named(app, runtime, gateway, store):
    from tests.pages.test_mapping_page import LIMITED_ID, LIMITED_SECRET, add_store

    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"item": "full_access", "orders": "no_access"})
    add_store(runtime, "Limited", LIMITED_ID, LIMITED_SECRET)
    gateway.set_orders("production", CLIENT_ID, walmart_orders(4))
    open_orders(app, store="all")
    app.button(key="orders_read_all").click().run()
    assert not app.exception, app.exception
    [warning] = [w for w in app.warning if "Read the orders of" in shown(w)]
    assert "Read the orders of 2 stores: 4 orders in all." in shown(warning) and "Not read in full: Limited." in shown(warning)
    assert [(params["store"], params["map"]) for _page, params in map_it_links(app)] == [("Acme", "WM-NEW-0"), ("Acme", "WM-NEW-1"),
                                                                                           ("Acme", "WM-NEW-2")]


@pytest.mark.parametrize("name", ["Nope", "²"])  # "²" is a digit to Python that int() refuses
def test_a_link_to_a_store_that_is_gone_says_so(app, store, name):
    open_orders(app, store=name)
    assert f"There is no store called '{name}'" in page_text(app)


# --------------------------------------------------------------------------- reading from the fake gateway


def walmart_orders(count, *, first=109_000_000_000_000, sku_of=lambda n: f"WM-NEW-{n % 3}"):
    """Walmart-shaped orders, the newest first, one line each (SKUs WM-NEW-0..2, none mapped)."""
    now_ms = int(NOW.timestamp() * 1000)
    return [order(str(first + n), now_ms - n * 60_000, [order_line(1, sku_of(n), f"Listing {sku_of(n)}", 1 + n % 2)]) for n in range(count)]


def test_read_orders_now_reads_the_store_and_the_list_follows(app, gateway, store):
    gateway.set_orders("production", CLIENT_ID, walmart_orders(5))
    open_orders(app, store="Acme")
    assert "No order read is waiting for a mapping." in page_text(app)
    app.button(key="orders_read").click().run()
    assert not app.exception, app.exception
    assert "Read 5 orders with 5 lines." in shown(app.success[0])
    assert blocked_order(app) == ["WM-NEW-0", "WM-NEW-1", "WM-NEW-2"]  # 2, 2 and 1 orders
    assert "Orders last read" in page_text(app) and "5 orders from the last 14 days" in page_text(app)


def test_a_read_cut_short_by_walmart_says_so_and_keeps_what_it_read(app, runtime, gateway, store):
    gateway.set_orders("production", CLIENT_ID, walmart_orders(250))
    gateway.queue_response("production", "/v3/orders", after=1, **rate_limited_answer(30))  # page 2 is throttled
    open_orders(app, store="Acme")
    app.button(key="orders_read").click().run()
    assert not app.exception, app.exception
    [warning] = [w for w in app.warning if "Only part of the orders were read" in shown(w)]
    assert "(200 orders, 200 lines): the list may miss some orders." in shown(warning)
    assert "limited requests" in shown(warning) and "Read the orders again after" in shown(warning)
    assert blocked_order(app) == ["WM-NEW-1", "WM-NEW-0", "WM-NEW-2"]  # what was read is listed: 67, 67 (100 units), 66 orders
    app.run()  # the result beside the button is shown once; the last read still says it was cut short
    assert any("limited requests" in shown(w) for w in app.warning) and not any("Only part" in shown(w) for w in app.warning)


def test_a_store_without_the_orders_permission_gets_the_finding_and_the_faq_link(app, runtime, gateway):
    from tests.pages.test_mapping_page import LIMITED_ID, LIMITED_SECRET, add_store

    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"item": "full_access", "orders": "no_access"})
    add_store(runtime, "Limited", LIMITED_ID, LIMITED_SECRET)
    open_orders(app, store="Limited")
    app.button(key="orders_read").click().run()
    assert not app.exception, app.exception
    assert "does not have the Orders permission" in shown(app.error[0]) and "view only is enough" in shown(app.error[0])
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    assert ("troubleshooting", "faq=permissions-not-enabled") in links
    assert LIMITED_SECRET not in page_text(app)


def test_a_disabled_store_keeps_its_list_but_its_orders_are_not_read(app, runtime, store):
    from core.stores import registry as stores
    from tests.conftest import ADMIN

    seed_orders(runtime, store, ORDERS)
    with session_scope(runtime.engine) as session:
        stores.set_enabled(session, store, False, actor=ADMIN)
    open_orders(app, store="Acme")
    assert app.button(key="orders_read").disabled and "This store is disabled, so its orders are not read." in page_text(app)
    assert blocked_order(app)[0] == "NEW-A"


def test_outside_text_is_shown_as_text_never_as_markdown(app, runtime):
    from tests.pages.hostile import PLATFORM_SKU, PRODUCT_NAME, STORE_NAME, assert_no_markdown_from_outside, seed_hostile, shown_as_text

    seeded = seed_hostile(runtime)
    hostile_sku, hostile_po = PLATFORM_SKU + "-2", "[PO](https://evil.example/po)"
    seed_orders(runtime, seeded.store_id, {hostile_po: [(hostile_sku, 2), (PLATFORM_SKU, 1)]}, names={hostile_sku: PRODUCT_NAME})
    open_orders(app, store="all")
    texts = assert_no_markdown_from_outside(app)
    assert shown_as_text(PRODUCT_NAME, texts) and shown_as_text(hostile_po, texts)  # a caption and a button label, escaped
    assert [(params["store"], params["map"]) for _page, params in map_it_links(app)] == [(STORE_NAME, hostile_sku)]
    [button] = [button for button in app.button if button.key and button.key.startswith("orders_awaiting_po_")]
    button.click().run()
    texts = assert_no_markdown_from_outside(app)
    [table] = [frame.value for frame in app.dataframe if "to_ship" in frame.value.columns]
    assert set(table["product_name"]) == {PRODUCT_NAME, f"Walmart {PLATFORM_SKU}"}
    app.query_params.clear()
    app.query_params.update({"store": STORE_NAME})
    app.switch_page("pages/mapping.py").run()
    assert_no_markdown_from_outside(app)


def test_the_page_speaks_chinese(app, runtime, store):
    seed_orders(runtime, store, {"PO-1": [("NEW-A", 2)]})
    open_orders(app, store="Acme", lang="zh-CN")
    assert app.title[0].value == "订单" and app.subheader[0].value == "待映射订单"
    assert {m.label for m in app.metric} == {"待映射的SKU", "受阻件数"}
    assert [link.value for link in app.get("page_link") if "map=" in link.proto.query_string] == ["去映射"]
    assert "最近 14 天共 1 个订单" in page_text(app)
