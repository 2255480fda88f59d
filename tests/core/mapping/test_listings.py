"""A store's Walmart listings (Get All Items by cursor, through the fake gateway) and which are unmapped."""
from dataclasses import replace

import pytest

from core.authorization import check as authorization
from core.db.engine import session_scope
from core.db.models import CatalogProduct
from core.mapping import listings
from core.mapping.imports import import_mappings
from core.mapping.listings import ListingsUnavailable, NoItemPermission
from core.oauth import connect as oauth
from core.runtime import open_runtime
from core.stores import registry as stores
from core.stores.credential import load_credential
from core.walmart.client import WalmartClient
from core.walmart.tokens import TokenCache
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, person
from tests.fixtures.spreadsheets.corpus import csv_bytes

LIMITED_ID, LIMITED_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789"
APP_ID, APP_SECRET, SELLER = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij", "456782346"


def catalogue(count, prefix="WM"):
    return [{"sku": f"{prefix}-{n:03}", "productName": f"Product {n}", "gtin": f"{n:014}"} for n in range(count)]


def add_store(runtime, client_id=CLIENT_ID, secret=CLIENT_SECRET, name="Acme"):
    with session_scope(runtime.engine) as session:
        return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment="production", client_id=client_id, client_secret=secret).id


def item_requests(gateway):
    return [r for r in gateway.requests if r.path == "/v3/items"]


@pytest.fixture
def client(gateway):
    return WalmartClient({env: gateway.base_url(env) for env in ("production", "sandbox")}, timeout=5)


def test_45_items_come_in_3_pages_by_cursor(client, gateway):
    gateway.set_items("production", CLIENT_ID, catalogue(45))
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    scan = listings.list_listings(client, "production", token, limit=20)
    assert (scan.pages, scan.total_reported, scan.complete) == (3, 45, True)
    assert [listing.sku for listing in scan.listings] == [f"WM-{n:03}" for n in range(45)]
    sent = item_requests(gateway)
    assert sent[0].query == {"nextCursor": "*", "limit": "20"}
    assert all(r.query["nextCursor"] not in ("", "*") for r in sent[1:])
    assert all(r.header("WM_SEC.ACCESS_TOKEN") == token.access_token and r.header("WM_SVC.NAME") and r.header("WM_QOS.CORRELATION_ID")
               and r.header("Accept") == "application/json" for r in sent)
    assert len({c.correlation_id for c in scan.calls}) == 3 and {c.path for c in scan.calls} == {"/v3/items"}


def test_listing_fields_are_kept_for_the_table(client, gateway):
    gateway.set_items("production", CLIENT_ID, [{"sku": "X-1", "productName": "Vest", "gtin": "00886859944807", "upc": "",
                                                 "publishedStatus": "UNPUBLISHED", "lifecycleStatus": "RETIRED"}])
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert scan.listings[0].to_dict() == {"sku": "X-1", "productName": "Vest", "gtin": "00886859944807", "upc": "",
                                          "publishedStatus": "UNPUBLISHED", "lifecycleStatus": "RETIRED"}


def test_no_items_is_the_404_and_means_an_empty_list(client, gateway):
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert (scan.listings, scan.pages, scan.total_reported, scan.complete) == ([], 1, 0, True)
    assert item_requests(gateway)[-1].query["nextCursor"] == "*"


def test_the_cursor_is_url_encoded(client, gateway):
    cursor = "AoE/GjBS+WFp=="  # base64 holds + / =, which a plain query string would mangle
    gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [{"sku": "A"}], "totalItems": 2, "nextCursor": cursor})
    gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [{"sku": "B"}], "totalItems": 2})
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert [listing.sku for listing in scan.listings] == ["A", "B"] and scan.complete
    assert item_requests(gateway)[1].query["nextCursor"] == cursor


def test_paging_stops_after_the_expected_pages_plus_two(client, gateway):
    for n in range(10):  # Walmart says 1 item but keeps offering a cursor to new pages
        gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [{"sku": f"S-{n}"}], "totalItems": 1, "nextCursor": "again"})
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert (scan.pages, len(scan.listings), scan.complete) == (3, 3, False)  # ceil(1 / 50) + 2


def test_paging_stops_on_a_page_with_nothing_new_and_skus_are_not_repeated(client, gateway):
    for _ in range(5):
        gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [{"sku": "A"}, {"sku": "A"}], "totalItems": 500, "nextCursor": "same"})
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert (scan.pages, [listing.sku for listing in scan.listings], scan.complete) == (2, ["A"], False)


def test_an_empty_page_ends_the_list(client, gateway):
    gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [{"sku": "A"}], "totalItems": 100, "nextCursor": "c1"})
    gateway.queue_response("production", "/v3/items", 200, {"ItemResponse": [], "totalItems": 100, "nextCursor": "c2"})
    scan = listings.list_listings(client, "production", client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert (scan.pages, len(scan.listings), scan.complete) == (2, 1, True)


def test_unmapped_listings_of_a_store(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_items("production", CLIENT_ID, catalogue(120))  # 3 pages of 50
    with session_scope(runtime.engine) as session:
        session.add(CatalogProduct(system_sku="MUG", name="Mug"))
        session.flush()
        rows = [["WM-000", "MUG", "1"], ["WM-077", "MUG", "2"], ["WM-119", "MUG", "1"], ["NOT-LISTED", "MUG", "1"]]
        assert import_mappings(session, store_id, csv_bytes(rows), "m.csv", actor=ADMIN).applied
    report = listings.find_unmapped(runtime, store_id)
    assert report.scan.pages == 3 and len(report.scan.listings) == 120 and report.mapped == 3
    assert [listing.sku for listing in report.unmapped] == [f"WM-{n:03}" for n in range(120) if n not in (0, 77, 119)]
    assert report.rows()[0] == {"sku": "WM-001", "productName": "Product 1", "gtin": "00000000000001", "upc": "",
                                "publishedStatus": "PUBLISHED", "lifecycleStatus": "ACTIVE"}
    assert {r.query["limit"] for r in item_requests(gateway)} == {"50"}


def test_a_listing_covered_by_the_mapping_for_all_stores_is_mapped(runtime, gateway):
    from core.db.models import ALL_STORES

    store_id = add_store(runtime)
    gateway.set_items("production", CLIENT_ID, catalogue(5))
    with session_scope(runtime.engine) as session:
        session.add(CatalogProduct(system_sku="MUG", name="Mug"))
        session.flush()
        assert import_mappings(session, ALL_STORES, csv_bytes([["WM-001", "MUG", "1"], ["WM-002", "MUG", "1"]]), "all.csv", actor=ADMIN).applied
        assert import_mappings(session, store_id, csv_bytes([["WM-002", "MUG", "3"], ["WM-003", "MUG", "1"]]), "own.csv", actor=ADMIN).applied
    report = listings.find_unmapped(runtime, store_id)
    assert [listing.sku for listing in report.unmapped] == ["WM-000", "WM-004"]
    assert (report.mapped, report.by_default) == (3, 1)  # WM-002 is the store's own (an override), WM-001 the default's

    with session_scope(runtime.engine) as session:  # mapped for all stores after the report was made: compared again
        import_mappings(session, ALL_STORES, csv_bytes([["WM-004", "MUG", "1"]]), "more.csv", actor=ADMIN)
        fresh = listings.up_to_date(session, store_id, report)
    assert fresh is not report and [listing.sku for listing in fresh.unmapped] == ["WM-000"] and fresh.by_default == 2
    with session_scope(runtime.engine) as session:
        assert listings.up_to_date(session, store_id, fresh) is fresh  # nothing moved: the same report
    assert len(item_requests(gateway)) == 1  # comparing again never calls Walmart


def test_the_check_and_the_listing_share_one_token(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_items("production", CLIENT_ID, catalogue(3))
    authorization.check_store(runtime, store_id)
    listings.find_unmapped(runtime, store_id)
    listings.find_unmapped(runtime, store_id)
    assert len(gateway.token_requests()) == 1


def test_a_revoked_cached_token_is_replaced_once(runtime, gateway):
    store_id = add_store(runtime)
    gateway.set_items("production", CLIENT_ID, catalogue(3))
    listings.find_unmapped(runtime, store_id)  # caches a token
    gateway.queue_response("production", "/v3/items", 401, {"error": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized"}]})
    report = listings.find_unmapped(runtime, store_id)
    assert len(report.unmapped) == 3 and len(gateway.token_requests()) == 2


def test_walmart_is_paged_with_no_database_connection_held(runtime, gateway, monkeypatch):
    store_id = add_store(runtime)
    gateway.set_items("production", CLIENT_ID, catalogue(120))  # 3 pages
    held = []
    list_page = runtime.walmart.list_items_page

    def watched(*args, **kwargs):
        held.append(runtime.engine.pool.checkedout())
        return list_page(*args, **kwargs)

    monkeypatch.setattr(runtime.walmart, "list_items_page", watched)
    report = listings.find_unmapped(runtime, store_id)
    assert len(report.unmapped) == 120 and held == [0, 0, 0]


def test_no_item_permission_is_said_plainly(runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"orders": "full_access", "item": "no_access"})
    gateway.set_items("production", LIMITED_ID, catalogue(3))
    store_id = add_store(runtime, LIMITED_ID, LIMITED_SECRET)
    with pytest.raises(NoItemPermission) as refused:
        listings.find_unmapped(runtime, store_id)
    assert "does not have the Item permission" in refused.value.message and "correlation ID" in refused.value.message
    assert "Developer Portal" in refused.value.fix and "Store authorization" in refused.value.fix
    assert LIMITED_SECRET not in str(refused.value)


def test_refused_keys_and_an_unreachable_walmart_are_plain_errors(runtime, gateway):
    store_id = add_store(runtime, CLIENT_ID, "Wrong-secret-value_0123456789abcdef")
    with pytest.raises(ListingsUnavailable) as refused:
        listings.find_unmapped(runtime, store_id)
    assert "refused this store's keys" in refused.value.message and "Check now" in refused.value.fix
    other = add_store(runtime, "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Other")
    gateway.add_key("production", "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", CLIENT_SECRET)
    gateway.queue_response("production", "/v3/items", 503, times=3)
    with pytest.raises(ListingsUnavailable) as down:
        listings.find_unmapped(runtime, other)
    assert "could not be read" in down.value.message and "Try again" in down.value.fix


def test_an_oauth_store_lists_with_its_refresh_grant(settings, gateway):
    app_settings = replace(settings, oauth_client_id=APP_ID, authorize_url=gateway.authorize_url(),
                           oauth_redirect_uri="http://127.0.0.1:8501/walmart_callback")
    gateway.register_app(APP_ID, APP_SECRET, app_settings.oauth_redirect_uri)
    gateway.add_seller(SELLER, scopes={"item": "view_only"})
    gateway.set_items("production", SELLER, catalogue(2, "OA"))
    runtime = open_runtime(app_settings)
    try:
        with session_scope(runtime.engine) as session:
            oauth.save_app_secret(session, runtime.vault, app_settings, APP_SECRET, actor=ADMIN)
            link = oauth.start_connect(session, app_settings, person("ops@example.com"), new_store_name="Acme OAuth")
        oauth.complete_connect(runtime, oauth.parse_callback(gateway.approve(link.url, SELLER)), person("ops@example.com"))
        with session_scope(runtime.engine) as session:
            store_id = stores.find_store(session, "Acme OAuth").id
            grant = load_credential(session, runtime.vault, stores.find_store(session, store_id))
        # Forget the token the connect check cached, so this listing must use the refresh grant.
        runtime.tokens.forget(TokenCache.key("oauth", runtime.walmart.base_urls["production"], grant.seller_id, grant.refresh_token))
        gateway.clear_requests()
        report = listings.find_unmapped(runtime, store_id)
        assert [listing.sku for listing in report.unmapped] == ["OA-000", "OA-001"]
        assert [r.form["grant_type"] for r in gateway.token_requests()] == ["refresh_token"]
        assert gateway.token_requests()[0].header("WM_PARTNER.ID") == SELLER
    finally:
        runtime.engine.dispose()
