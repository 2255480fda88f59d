"""The one market header policy, and every client call following it against the fake gateway."""
import pytest

from core.walmart.client import ErrorKind, WalmartClient, WalmartError
from core.walmart.markets import CallKind, market_headers, market_of, oauth_offered

CA_ID, CA_SECRET = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890"
APP_ID, APP_SECRET, REDIRECT, SELLER = "app-1234", "app-secret-value-123", "http://127.0.0.1:8501/walmart_callback", "456782346"


@pytest.mark.parametrize("kind", list(CallKind))
def test_us_calls_stay_as_they_were(kind):
    expected = {"WM_MARKET": "us"} if kind == CallKind.seller_grant else {}
    assert market_headers("us", kind) == expected
    assert market_headers(None, kind) == expected  # no market means the US


@pytest.mark.parametrize("market", ["ca", "mx", "cl", "CA"])
def test_outside_the_us_every_call_names_the_market_and_business_calls_the_version(market):
    lower = market.lower()
    assert market_headers(market, CallKind.key_grant) == {"WM_MARKET": lower}
    assert market_headers(market, CallKind.token_detail) == {"WM_MARKET": lower}
    assert market_headers(market, CallKind.business) == {"WM_MARKET": lower, "WM_GLOBAL_VERSION": "3.1"}


def test_unknown_markets_are_refused_and_oauth_is_us_only():
    with pytest.raises(ValueError, match="unknown Walmart market"):
        market_of("br")
    assert oauth_offered("us") and not any(oauth_offered(m) for m in ("ca", "mx", "cl"))


@pytest.fixture
def client(gateway):
    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    return WalmartClient({env: gateway.base_url(env) for env in ("production", "sandbox")}, timeout=3)


def test_a_canada_key_works_with_its_market_on_every_call(client, gateway):
    gateway.set_items("production", CA_ID, [{"sku": "CA-1"}])
    token = client.request_token("production", CA_ID, CA_SECRET, "ca")
    assert token.market == "ca"
    detail = client.token_detail("production", token, CA_ID, CA_SECRET)  # the token's own market by default
    items, _, total, _ = client.list_items_page("production", token)
    assert detail.is_valid and [item["sku"] for item in items] == ["CA-1"] and total == 1
    grant, detail_call, items_call = gateway.requests
    assert grant.header("WM_MARKET") == "ca" and grant.header("WM_GLOBAL_VERSION") is None
    assert detail_call.header("WM_MARKET") == "ca" and detail_call.header("WM_GLOBAL_VERSION") is None
    assert items_call.header("WM_MARKET") == "ca" and items_call.header("WM_GLOBAL_VERSION") == "3.1"


def test_a_canada_key_as_a_us_key_is_refused_as_walmart_does(client, gateway):
    with pytest.raises(WalmartError) as caught:
        client.request_token("production", CA_ID, CA_SECRET)
    error = caught.value
    assert error.kind == ErrorKind.credentials_refused and error.http_status == 400
    assert error.code == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API" and error.items[0].description == "Incorrect Authorization header"
    assert gateway.requests[-1].header("WM_MARKET") is None


def test_us_calls_carry_no_market_headers(client, gateway):
    from tests.conftest import CLIENT_ID, CLIENT_SECRET

    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    client.token_detail("production", token, CLIENT_ID, CLIENT_SECRET)
    client.list_items_page("production", token)
    for request in gateway.requests:
        assert request.header("WM_MARKET") is None and request.header("WM_GLOBAL_VERSION") is None


def oauth_code(gateway):
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(SELLER)
    url = (f"{gateway.authorize_url()}?responseType=code&clientId={APP_ID}&redirectUri={REDIRECT}"
           f"&nonce=ABC123XYZ0&state=STATE12345&clientType=seller")
    redirect = gateway.approve(url, SELLER)
    return redirect.split("code=")[1].split("&")[0]


def test_the_oauth_grants_keep_saying_the_us_market(client, gateway):
    token, refresh = client.exchange_code(APP_ID, APP_SECRET, oauth_code(gateway), REDIRECT, SELLER)
    client.refresh_access_token(APP_ID, APP_SECRET, refresh, SELLER)
    assert [r.header("WM_MARKET") for r in gateway.token_requests()] == ["us", "us"]


def test_oauth_outside_the_us_is_refused(client, gateway):
    token, refresh = client.exchange_code(APP_ID, APP_SECRET, oauth_code(gateway), REDIRECT, SELLER)
    with pytest.raises(WalmartError) as caught:
        client.refresh_access_token(APP_ID, APP_SECRET, refresh, SELLER, "ca")
    assert caught.value.http_status == 400 and caught.value.items[0].field == "WM_MARKET"
    assert "only in the US market" in caught.value.message
