"""GET /v3/items (§10) and GET /v3/settings/partnerprofile (§11) on the fake gateway."""
import base64
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.fake_walmart.conftest import APP_ID, APP_SECRET, CID, REDIRECT, SB_CID, SB_SECRET, SECRET, SELLER, basic

NOT_FOUND = {"code": "CONTENT_NOT_FOUND.GMP_ITEM_QUERY_API", "field": "404_NOT_FOUND",
             "description": "No Items found for the input parameters.", "info": "Requested content could not be found.",
             "severity": "INFO", "category": "APPLICATION", "causes": [], "errorIdentifiers": {}}


def token_for(gw, env="production", cid=CID, secret=SECRET):
    response = requests.post(gw.base_url(env) + "/v3/token", data="grant_type=client_credentials", timeout=5, headers={
        "Authorization": basic(cid, secret), "Content-Type": "application/x-www-form-urlencoded",
        "WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": str(uuid.uuid4())})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call(gw, path, token, env="production", params=None, **overrides):
    headers = {"WM_SEC.ACCESS_TOKEN": token, "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
               "WM_SVC.NAME": "Walmart Marketplace", "Accept": "application/json"}
    headers.update(overrides)
    headers = {k: v for k, v in headers.items() if v is not None}
    return requests.get(gw.base_url(env) + path, params=params, headers=headers, timeout=5)


def items(gw, token, env="production", **params):
    return call(gw, "/v3/items", token, env, params=params)


def error_of(response, status):
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}
    return response.json()["error"][0]


def catalogue(count, prefix="SKU"):
    return [{"sku": f"{prefix}-{n:03}", "productName": f"Product {n}", "gtin": f"{n:014}"} for n in range(count)]


def oauth_token(gw, seller=SELLER):
    gw.register_app(APP_ID, APP_SECRET, REDIRECT)
    query = urlencode({"responseType": "code", "clientId": APP_ID, "redirectUri": REDIRECT, "nonce": "n",
                       "state": "s", "clientType": "seller"})
    code = dict(parse_qsl(urlsplit(gw.approve(gw.authorize_url() + "?" + query, seller)).query))["code"]
    response = requests.post(gw.base_url("production") + "/v3/token", timeout=5,
                             data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                             headers={"Authorization": basic(APP_ID, APP_SECRET), "WM_PARTNER.ID": seller,
                                      "WM_SVC.NAME": "t", "WM_QOS.CORRELATION_ID": "c"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


# paging ----------------------------------------------------------------------------------------

def test_45_items_in_pages_of_20_by_cursor(gw):
    gw.set_items("production", CID, catalogue(45))
    token, seen, cursor, sizes = token_for(gw), [], "*", []
    while True:
        response = items(gw, token, nextCursor=cursor, limit=20)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalItems"] == 45
        sizes.append(len(body["ItemResponse"]))
        seen += [item["sku"] for item in body["ItemResponse"]]
        if "nextCursor" not in body:
            break
        cursor = body["nextCursor"]
        assert base64.b64decode(cursor, validate=True)  # opaque, but standard base64 like Walmart's example
    assert sizes == [20, 20, 5]
    assert seen == [f"SKU-{n:03}" for n in range(45)]
    assert [r.query["nextCursor"] for r in gw.requests if r.path == "/v3/items"][0] == "*"


def test_defaults_are_first_page_of_20_and_item_fields(gw):
    gw.set_items("production", CID, catalogue(25) + [{"sku": "X", "publishedStatus": "UNPUBLISHED", "wpid": "0RE1TWYTKBKH",
                                                      "unpublishedReasons": {"reason": ["No price"]}}])
    body = items(gw, token_for(gw)).json()
    assert len(body["ItemResponse"]) == 20 and body["totalItems"] == 26 and body["nextCursor"]
    first = body["ItemResponse"][0]
    assert first == {"mart": "WALMART_US", "sku": "SKU-000", "productName": "Product 0", "gtin": "00000000000000",
                     "publishedStatus": "PUBLISHED", "lifecycleStatus": "ACTIVE"}
    last = items(gw, token_for(gw), sku="X").json()
    assert last == {"ItemResponse": [{"mart": "WALMART_US", "sku": "X", "publishedStatus": "UNPUBLISHED", "wpid": "0RE1TWYTKBKH",
                                      "lifecycleStatus": "ACTIVE", "unpublishedReasons": {"reason": ["No price"]}}],
                    "totalItems": 1}


def test_exactly_one_full_page_has_no_cursor(gw):
    gw.set_items("production", CID, catalogue(50))
    body = items(gw, token_for(gw), limit=50).json()
    assert len(body["ItemResponse"]) == 50 and "nextCursor" not in body


@pytest.mark.parametrize("limit", ["51", "200"])
def test_limit_above_50_is_refused(gw, limit):
    gw.set_items("production", CID, catalogue(3))
    err = error_of(items(gw, token_for(gw), limit=limit), 400)
    assert err["code"] == "INVALID_REQUEST_PARAM.GMP_ITEM_QUERY_API" and err["field"] == "limit"
    assert "cannot be more than 50" in err["description"]


@pytest.mark.parametrize("limit", ["0", "-1", "ten", ""])
def test_limit_must_be_a_positive_integer(gw, limit):
    assert error_of(items(gw, token_for(gw), limit=limit), 400)["field"] == "limit"


def test_empty_catalogue_is_the_documented_404(gw):
    response = items(gw, token_for(gw), nextCursor="*")
    assert error_of(response, 404) == NOT_FOUND


def test_unknown_or_foreign_cursor_is_400(gw):
    gw.add_key("production", "other", "pw")
    gw.set_items("production", CID, catalogue(30))
    gw.set_items("production", "other", catalogue(30))
    cursor = items(gw, token_for(gw)).json()["nextCursor"]
    for token, bad in ((token_for(gw), "AoE/bm90LWEtY3Vyc29y"), (token_for(gw), ""),
                       (token_for(gw, cid="other", secret="pw"), cursor)):
        err = error_of(items(gw, token, nextCursor=bad), 400)
        assert err["code"] == "INVALID_REQUEST_PARAM.GMP_ITEM_QUERY_API" and err["field"] == "nextCursor"
    assert items(gw, token_for(gw), nextCursor=cursor).status_code == 200  # cursors can be replayed


def test_filters_and_cursor_keeps_them(gw):
    listing = catalogue(30)
    for item in listing[::3]:
        item["lifecycleStatus"] = "RETIRED"
    listing[1]["publishedStatus"] = "SYSTEM_PROBLEM"
    gw.set_items("production", CID, listing)
    token = token_for(gw)
    retired = items(gw, token, lifecycleStatus="RETIRED", limit=6).json()
    assert retired["totalItems"] == 10 and len(retired["ItemResponse"]) == 6
    rest = items(gw, token, nextCursor=retired["nextCursor"], limit=6).json()  # no filter re-sent
    assert [i["sku"] for i in rest["ItemResponse"]] == [f"SKU-{n:03}" for n in range(18, 30, 3)] and "nextCursor" not in rest
    assert [i["sku"] for i in items(gw, token, publishedStatus="SYSTEM_PROBLEM").json()["ItemResponse"]] == ["SKU-001"]
    assert error_of(items(gw, token, lifecycleStatus="ARCHIVED"), 404) == NOT_FOUND
    assert error_of(items(gw, token, sku="nope"), 404) == NOT_FOUND
    assert error_of(items(gw, token, lifecycleStatus="active"), 400)["field"] == "lifecycleStatus"
    assert error_of(items(gw, token, publishedStatus="LIVE"), 400)["field"] == "publishedStatus"


def test_offset_paging(gw):
    gw.set_items("production", CID, catalogue(25))
    token = token_for(gw)
    body = items(gw, token, offset=20, limit=20).json()
    assert [i["sku"] for i in body["ItemResponse"]] == [f"SKU-{n:03}" for n in range(20, 25)] and "nextCursor" not in body
    assert error_of(items(gw, token, offset=25), 404) == NOT_FOUND
    assert error_of(items(gw, token, offset="x"), 400)["field"] == "offset"


def test_catalogues_are_per_environment_and_per_key(gw):
    gw.set_items("sandbox", SB_CID, catalogue(2, "SB"))
    assert items(gw, token_for(gw, "sandbox", SB_CID, SB_SECRET), "sandbox").json()["totalItems"] == 2
    assert items(gw, token_for(gw)).status_code == 404
    gw.add_key("production", "k2", "pw", seller_id=SELLER)
    gw.set_items("production", SELLER, catalogue(4))  # keys with a seller_id list that seller's catalogue
    assert items(gw, token_for(gw, cid="k2", secret="pw")).json()["totalItems"] == 4


def test_set_items_validation(gw):
    for bad in ([{"productName": "no sku"}], [{"sku": ""}], [{"sku": "A"}, {"sku": "A"}], ["A"]):
        with pytest.raises(ValueError):
            gw.set_items("production", CID, bad)
    with pytest.raises(ValueError):
        gw.set_items("staging", CID, [])


# auth on the items call ------------------------------------------------------------------------

@pytest.mark.parametrize("scopes", [{"item": "no_access", "orders": "full_access"}, {"orders": "full_access"}])
def test_no_item_scope_is_403(gw, scopes):
    gw.add_key("production", "limited", "pw", scopes=scopes)
    gw.set_items("production", "limited", catalogue(3))
    err = error_of(items(gw, token_for(gw, cid="limited", secret="pw")), 403)
    assert err["code"] == "FORBIDDEN.GMP_GATEWAY_API"


def test_view_only_item_scope_can_list(gw):
    gw.add_key("production", "viewer", "pw", scopes={"item": "view_only"})
    gw.set_items("production", "viewer", catalogue(3))
    assert items(gw, token_for(gw, cid="viewer", secret="pw")).status_code == 200


def test_items_need_the_business_call_headers(gw):
    gw.set_items("production", CID, catalogue(3))
    token = token_for(gw)
    err = error_of(call(gw, "/v3/items", None), 400)
    assert err["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API" and err["field"] == "WM_SEC.ACCESS_TOKEN"
    for header in ("WM_QOS.CORRELATION_ID", "WM_SVC.NAME"):
        err = error_of(call(gw, "/v3/items", token, **{header: None}), 400)
        assert err["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API" and err["field"] == header
    assert error_of(call(gw, "/v3/items", "bogus"), 401)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert error_of(call(gw, "/v3/items", token, Authorization=basic(CID, "wrong")), 401)
    assert call(gw, "/v3/items", token, Authorization=basic()).status_code == 200
    assert call(gw, "/v3/items", token, Accept="text/plain").status_code == 406
    assert call(gw, "/v3/items", token_for(gw, "sandbox", SB_CID, SB_SECRET)).status_code == 401
    response = requests.post(gw.base_url("production") + "/v3/items", timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


def test_oauth_token_lists_the_sellers_catalogue(gw):
    gw.add_seller(SELLER, scopes={"item": "view_only"})
    gw.set_items("production", SELLER, catalogue(21))
    token = oauth_token(gw)
    first = items(gw, token).json()
    assert first["totalItems"] == 21
    assert [i["sku"] for i in items(gw, token, nextCursor=first["nextCursor"]).json()["ItemResponse"]] == ["SKU-020"]
    gw.add_seller("2", scopes={"item": "no_access"})
    gw.set_items("production", "2", catalogue(1))
    assert error_of(items(gw, oauth_token(gw, "2")), 403)["code"] == "FORBIDDEN.GMP_GATEWAY_API"


# partner profile -------------------------------------------------------------------------------

def profile(gw, token, **headers):
    return call(gw, "/v3/settings/partnerprofile", token, **headers)


def test_partner_profile_for_a_key_with_seller_info(gw):
    gw.add_key("production", "named", "pw", seller_id=101, partner_name="Acme Outdoor")
    body = profile(gw, token_for(gw, cid="named", secret="pw")).json()
    assert body["partner"]["partnerId"] == "101"
    assert body["partner"]["partnerName"] == body["partner"]["partnerDisplayName"] == "Acme Outdoor"
    assert {"partnerStoreId", "businessRegNumber", "countryOfIncorporation"} <= set(body["partner"])
    assert body["configurations"] == [{"configurationName": "ACCOUNT", "configuration": {"status": "ACTIVE"}}]


def test_partner_profile_for_a_plain_key_is_stable_and_per_key(gw):
    gw.add_key("production", "other", "pw")
    first, again = profile(gw, token_for(gw)).json(), profile(gw, token_for(gw)).json()
    other = profile(gw, token_for(gw, cid="other", secret="pw")).json()
    assert first == again and first["partner"]["partnerId"].isdigit()
    assert first["partner"]["partnerName"] == f"Seller {first['partner']['partnerId']}"
    assert other["partner"]["partnerId"] != first["partner"]["partnerId"]


def test_partner_profile_for_an_oauth_token_and_its_auth(gw):
    gw.add_seller(SELLER, partner_name="Acme Outdoor", scopes={"item": "no_access"})  # no scope check here
    body = profile(gw, oauth_token(gw)).json()
    assert body["partner"]["partnerId"] == SELLER and body["partner"]["partnerDisplayName"] == "Acme Outdoor"
    assert error_of(profile(gw, "bogus"), 401)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert error_of(profile(gw, token_for(gw), **{"WM_SVC.NAME": ""}), 400)["field"] == "WM_SVC.NAME"
