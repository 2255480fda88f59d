"""The fake holds each documented market rule (walmart-orders-markets.md §3.2-§3.3) and refuses what Walmart would."""
import uuid

import pytest
import requests

from tests.fake_walmart.calls import error_of, get_detail, post_token
from tests.fake_walmart.conftest import APP_ID, APP_SECRET, REDIRECT, SELLER, basic

CA_ID, CA_SECRET = "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "canada-secret"


@pytest.fixture
def ca(gw):
    gw.add_key("production", CA_ID, CA_SECRET, market="ca")
    gw.set_items("production", CA_ID, [{"sku": "CA-1"}])
    return gw


def ca_token(gw, market="ca"):
    response = post_token(gw, Authorization=basic(CA_ID, CA_SECRET), WM_MARKET=market)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get_items(gw, token, **overrides):
    headers = {"WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
               "Accept": "application/json", **overrides}
    return requests.get(gw.base_url("production") + "/v3/items", headers={k: v for k, v in headers.items() if v is not None}, timeout=5)


@pytest.mark.parametrize("market", [None, "us", "mx"])
def test_a_market_key_without_its_market_is_refused_as_walmart_does(ca, market):
    response = post_token(ca, Authorization=basic(CA_ID, CA_SECRET), WM_MARKET=market)
    assert response.status_code == 400
    err = error_of(response)
    assert (err["code"], err["field"], err["description"]) == (
        "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "Authorization", "Incorrect Authorization header")


def test_a_us_key_named_as_another_market_is_refused_the_same_way(ca):
    response = post_token(ca, WM_MARKET="ca")
    assert response.status_code == 400 and error_of(response)["description"] == "Incorrect Authorization header"
    assert post_token(ca, WM_MARKET="us").status_code == 200  # the documented default, said out loud


def test_an_unknown_market_is_a_bad_header(ca):
    response = post_token(ca, WM_MARKET="br")
    assert response.status_code == 400 and error_of(response)["field"] == "WM_MARKET"


def test_token_detail_of_a_market_token_needs_the_market(ca):
    token = ca_token(ca, "CA")  # the case of the value is not known to matter (UNCONFIRMED); the fake accepts both
    missing = get_detail(ca, token)
    assert missing.status_code == 400 and error_of(missing)["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API"
    assert error_of(missing)["field"] == "WM_MARKET"
    assert get_detail(ca, token, WM_MARKET="mx").status_code == 401  # checked against another market: unknown there
    assert get_detail(ca, token, WM_MARKET="ca").status_code == 200


def test_items_of_a_market_token_need_the_market_and_the_global_version(ca):
    token = ca_token(ca)
    no_market = get_items(ca, token, WM_GLOBAL_VERSION="3.1")
    assert no_market.status_code == 400 and error_of(no_market)["field"] == "WM_MARKET"
    no_version = get_items(ca, token, WM_MARKET="ca")
    assert no_version.status_code == 400 and error_of(no_version)["field"] == "WM_GLOBAL_VERSION"
    wrong_version = get_items(ca, token, WM_MARKET="ca", WM_GLOBAL_VERSION="2.0")
    assert wrong_version.status_code == 400 and error_of(wrong_version)["field"] == "WM_GLOBAL_VERSION"
    ok = get_items(ca, token, WM_MARKET="ca", WM_GLOBAL_VERSION="3.1")
    assert ok.status_code == 200 and ok.json()["ItemResponse"][0]["sku"] == "CA-1"


def test_us_tokens_need_no_market_headers(ca):
    token = post_token(ca).json()["access_token"]
    assert get_detail(ca, token).status_code == 200
    assert get_items(ca, token).status_code in (200, 404)
    assert get_detail(ca, token, WM_MARKET="ca").status_code == 401


def test_the_oauth_grants_are_us_only(gw):
    gw.register_app(APP_ID, APP_SECRET, REDIRECT)
    gw.add_seller(SELLER)
    url = (f"{gw.authorize_url()}?responseType=code&clientId={APP_ID}&redirectUri={REDIRECT}"
           f"&nonce=ABC123XYZ0&state=STATE12345&clientType=seller")
    code = gw.approve(url, SELLER).split("code=")[1].split("&")[0]
    form = f"grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}"
    for market in ("ca", "mx", "cl"):
        refused = post_token(gw, data=form, Authorization=basic(APP_ID, APP_SECRET), **{"WM_PARTNER.ID": SELLER, "WM_MARKET": market})
        assert refused.status_code == 400 and error_of(refused)["field"] == "WM_MARKET"
        assert "only in the US market" in error_of(refused)["description"]
    exchanged = post_token(gw, data=form, Authorization=basic(APP_ID, APP_SECRET), **{"WM_PARTNER.ID": SELLER, "WM_MARKET": "us"})
    assert exchanged.status_code == 200  # the refusals did not spend the code
    refresh = exchanged.json()["refresh_token"]
    refused = post_token(gw, data=f"grant_type=refresh_token&refresh_token={refresh}", Authorization=basic(APP_ID, APP_SECRET),
                         **{"WM_PARTNER.ID": SELLER, "WM_MARKET": "ca"})
    assert refused.status_code == 400 and error_of(refused)["field"] == "WM_MARKET"


def test_keys_file_takes_a_market(tmp_path):
    import json

    from fake_walmart import FakeWalmart
    from fake_walmart.__main__ import load_keys

    path = tmp_path / "keys.json"
    path.write_text(json.dumps([{"environment": "production", "client_id": CA_ID, "client_secret": CA_SECRET, "market": "ca"}]))
    with FakeWalmart() as gateway:
        load_keys(gateway, path)
        assert post_token(gateway, Authorization=basic(CA_ID, CA_SECRET), WM_MARKET="ca").status_code == 200
    with pytest.raises(ValueError, match="market"):
        FakeWalmart().add_key("production", CA_ID, CA_SECRET, market="br")
