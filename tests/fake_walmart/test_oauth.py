"""OAuth 2.0 app flow (§6.4): authorize -> redirect -> code exchange -> refresh, and every way it must fail."""
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from fake_walmart import SCOPES
from tests.fake_walmart.conftest import CID, SECRET, basic

APP_ID, APP_SECRET = "66874dfd-1d5a-476b-8c2c-e22a46c6727f", "app-secret"
REDIRECT = "https://store-connect.example/oauth/callback"
SELLER = "456782346"
SELLER_SCOPES = {"item": "view_only", "orders": "full_access", "price": "no_access"}


@pytest.fixture
def gw(gw):
    gw.register_app(APP_ID, APP_SECRET, REDIRECT)
    gw.add_seller(SELLER, scopes=SELLER_SCOPES, partner_name="Acme Outdoor")
    return gw


def app_basic(cid=APP_ID, secret=APP_SECRET):
    return basic(cid, secret)


def authorize_params(**overrides):
    params = {"responseType": "code", "clientId": APP_ID, "redirectUri": REDIRECT, "nonce": "L8VYPBYOO5",
              "state": "A0YFFJJQMD", "clientType": "seller"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize(gw, env="production", **overrides):
    url = gw.base_url(env) + "/authorize"
    return requests.get(url, params=authorize_params(**overrides), allow_redirects=False, timeout=5)


def callback_params(location):
    assert location.startswith(REDIRECT + "?")
    return dict(parse_qsl(urlsplit(location).query))


def post_token(gw, data, partner=SELLER, env="production", **overrides):
    headers = {"Authorization": app_basic(), "Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/json", "WM_SVC.NAME": "Walmart Marketplace",
               "WM_QOS.CORRELATION_ID": str(uuid.uuid4()), "WM_PARTNER.ID": partner}
    headers.update(overrides)
    headers = {k: v for k, v in headers.items() if v is not None}
    return requests.post(gw.base_url(env) + "/v3/token", data=data, headers=headers, timeout=5)


def new_code(gw, seller=SELLER):
    return callback_params(gw.approve(gw.authorize_url() + "?" + urlencode(authorize_params()), seller))["code"]


def exchange(gw, code, redirect_uri=REDIRECT, **kwargs):
    return post_token(gw, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}, **kwargs)


def refresh(gw, token, **kwargs):
    return post_token(gw, {"grant_type": "refresh_token", "refresh_token": token}, **kwargs)


def detail(gw, token, env="production", **headers):
    base = {"WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "t", "WM_QOS.CORRELATION_ID": str(uuid.uuid4())}
    return requests.get(gw.base_url(env) + "/v3/token/detail", headers={**base, **headers}, timeout=5)


def invalid_grant(response):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_grant" and body["error_description"]
    return body["error_description"]


def gateway_error(response, status):
    assert response.status_code == status, response.text
    return response.json()["error"][0]


# the happy path --------------------------------------------------------------------------------

def test_full_flow_authorize_redirect_exchange_refresh(gw):
    assert gw.authorize_url() == gw.base_url("production") + "/authorize"
    response = authorize(gw, sellerId=SELLER)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert list(callback_params(location)) == ["code", "type", "clientId", "sellerId", "state"]
    params = callback_params(location)
    assert params["type"] == "auth" and params["clientId"] == APP_ID
    assert params["sellerId"] == SELLER and params["state"] == "A0YFFJJQMD"

    tokens = exchange(gw, params["code"])
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] != body["refresh_token"]

    info = detail(gw, body["access_token"], Authorization=app_basic())
    assert info.status_code == 200 and info.json()["scopes"] == SELLER_SCOPES and info.json()["is_valid"] is True
    assert int(info.json()["expire_at"]) - int(info.json()["issued_at"]) == 900_000
    assert detail(gw, body["access_token"]).status_code == 200  # Basic is optional
    assert detail(gw, body["access_token"], Authorization=basic(CID, SECRET)).status_code == 401  # not the app's keys
    assert detail(gw, body["access_token"], Authorization=basic(APP_ID, "wrong")).status_code == 401

    for _ in range(2):  # the refresh token is not rotated: §1.3 gives refresh_token only for authorization_code
        renewed = refresh(gw, body["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        assert set(renewed.json()) == {"access_token", "token_type", "expires_in"}
        assert detail(gw, renewed.json()["access_token"]).json()["scopes"] == SELLER_SCOPES

    assert [r.form["grant_type"] for r in gw.token_requests()] == ["authorization_code", "refresh_token", "refresh_token"]
    assert len(gw.token_requests(grant_type="refresh_token")) == 2
    assert gw.token_requests(client_id=APP_ID, grant_type="authorization_code")[0].header("WM_PARTNER.ID") == SELLER
    assert [r.path for r in gw.requests][0] == "/authorize"


def test_default_seller_and_login_page(gw):
    assert gw.default_seller == SELLER  # the only seller
    assert callback_params(authorize(gw).headers["Location"])["sellerId"] == SELLER
    gw.add_seller("777", partner_name="Other <Co>")
    assert gw.default_seller is None
    page = authorize(gw)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'value="777"' in page.text and "Other &lt;Co&gt;" in page.text and 'name="state"' in page.text
    gw.default_seller = "777"
    assert callback_params(authorize(gw).headers["Location"])["sellerId"] == "777"
    assert callback_params(authorize(gw, sellerId=SELLER).headers["Location"])["sellerId"] == SELLER


def test_approve_helper_matches_the_http_endpoint(gw):
    url = gw.authorize_url() + "?" + urlencode(authorize_params(state="xyz"))
    params = callback_params(gw.approve(url, SELLER))
    assert params["state"] == "xyz" and params["sellerId"] == SELLER
    assert exchange(gw, params["code"]).status_code == 200
    assert [r.path for r in gw.requests] == ["/v3/token"]  # approving needed no HTTP
    with pytest.raises(ValueError, match="nonce"):
        gw.approve(gw.authorize_url() + "?" + urlencode(authorize_params(nonce=None)), SELLER)
    with pytest.raises(ValueError, match="Unknown seller"):
        gw.approve(url, "nobody")


def test_redirect_uri_with_its_own_query_keeps_it(gw):
    gw.register_app("app2", "pw", REDIRECT + "?tenant=7")
    response = authorize(gw, clientId="app2", redirectUri=REDIRECT + "?tenant=7", sellerId=SELLER)
    assert response.headers["Location"].startswith(REDIRECT + "?tenant=7&code=")


def test_xml_answer_carries_the_refresh_token(gw):
    response = exchange(gw, new_code(gw), Accept="application/xml")
    root = ET.fromstring(response.text)
    assert [child.tag for child in root] == ["accessToken", "refreshToken", "tokenType", "expiresIn"]


# /authorize validation --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["responseType", "clientId", "redirectUri", "nonce", "state", "clientType"])
@pytest.mark.parametrize("value", [None, ""])
def test_every_authorize_parameter_is_mandatory(gw, name, value):
    response = authorize(gw, sellerId=SELLER, **{name: value})
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    assert f"Missing mandatory parameter {name}" in response.text
    assert "Location" not in response.headers


@pytest.mark.parametrize("overrides, words", [
    ({"responseType": "token"}, "responseType must be 'code'"),
    ({"clientId": "unknown-app"}, "not a registered app"),
    ({"clientId": CID}, "not a registered app"),  # seller keys are not apps
    ({"redirectUri": REDIRECT + "/other"}, "registered redirect URI"),
    ({"clientType": "buyer"}, "clientType must be one of seller, seller-ca, seller-mx"),
    ({"nonce": "n-0S6_WzA2Mj"}, "nonce must be alphanumeric"),  # token_urlsafe's shape; Walmart asks for a random alphanumeric string
    ({"nonce": "L8VYPBYOO5 "}, "nonce must be alphanumeric"),
    ({"sellerId": "999"}, "Unknown seller"),
])
def test_bad_authorize_values(gw, overrides, words):
    response = authorize(gw, **{"sellerId": SELLER, **overrides})
    assert response.status_code == 400 and words in response.text


@pytest.mark.parametrize("client_type", ["seller-ca", "seller-mx"])
def test_other_client_types_are_accepted(gw, client_type):
    assert authorize(gw, clientType=client_type).status_code == 302


def test_authorize_is_production_only_and_get_only(gw):
    assert authorize(gw, env="sandbox").status_code == 404
    response = requests.post(gw.authorize_url(), params=authorize_params(), allow_redirects=False, timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


# code exchange -----------------------------------------------------------------------------------

def test_code_is_single_use(gw):
    code = new_code(gw)
    assert exchange(gw, code).status_code == 200
    assert "already been used" in invalid_grant(exchange(gw, code))


def test_code_expires(gw):
    gw.code_lifetime = 0
    assert "expired" in invalid_grant(exchange(gw, new_code(gw)))


def test_unknown_code(gw):
    assert "Invalid authorization code" in invalid_grant(exchange(gw, "4B58DEADBEEF"))


def test_wrong_redirect_uri_is_refused_without_burning_the_code(gw):
    code = new_code(gw)
    assert "redirect_uri" in invalid_grant(exchange(gw, code, redirect_uri=REDIRECT + "/"))
    assert exchange(gw, code).status_code == 200


@pytest.mark.parametrize("partner", [None, ""])
def test_code_exchange_needs_wm_partner_id(gw, partner):
    err = gateway_error(exchange(gw, new_code(gw), partner=partner), 400)
    assert err["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API" and err["field"] == "WM_PARTNER.ID"


def test_code_exchange_wm_partner_id_must_be_the_approving_seller(gw):
    gw.add_seller("777")
    code = new_code(gw, seller="777")
    assert "WM_PARTNER.ID" in invalid_grant(exchange(gw, code, partner=SELLER))
    assert exchange(gw, code, partner="777").status_code == 200


@pytest.mark.parametrize("data, field", [
    ({"grant_type": "authorization_code", "redirect_uri": REDIRECT}, "code"),
    ({"grant_type": "authorization_code", "code": "X"}, "redirect_uri"),
    ({"grant_type": "refresh_token"}, "refresh_token"),
])
def test_missing_body_parameters(gw, data, field):
    err = gateway_error(post_token(gw, data), 400)
    assert err["code"] == "MISSING_REQUEST_PARAM.GMP_GATEWAY_API" and err["field"] == field


def test_code_is_bound_to_the_app_that_asked_for_it(gw):
    gw.register_app("app2", "pw", REDIRECT)
    code = new_code(gw)
    assert "Invalid authorization code" in invalid_grant(exchange(gw, code, Authorization=basic("app2", "pw")))


@pytest.mark.parametrize("authorization", [basic(APP_ID, "wrong"), basic(SELLER, "x"), None])
def test_app_grants_need_the_apps_basic_auth(gw, authorization):
    response = exchange(gw, new_code(gw), Authorization=authorization)
    assert gateway_error(response, 401)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_app_keys_do_not_do_client_credentials(gw):
    err = gateway_error(post_token(gw, {"grant_type": "client_credentials"}), 400)
    assert err["code"] == "INVALID_REQUEST_PARAM.GMP_GATEWAY_API" and err["field"] == "grant_type"


def test_seller_keys_keep_client_credentials_only(gw):
    ok = post_token(gw, {"grant_type": "client_credentials"}, partner=None, Authorization=basic(CID, SECRET))
    assert ok.status_code == 200 and set(ok.json()) == {"access_token", "token_type", "expires_in"}
    response = exchange(gw, new_code(gw), Authorization=basic(CID, SECRET))
    assert gateway_error(response, 400)["field"] == "grant_type"


# refresh tokens ---------------------------------------------------------------------------------

def tokens_for(gw, seller=SELLER):
    response = exchange(gw, new_code(gw, seller), partner=seller)
    assert response.status_code == 200, response.text
    return response.json()


def test_refresh_needs_matching_wm_partner_id(gw):
    tokens = tokens_for(gw)
    assert gateway_error(refresh(gw, tokens["refresh_token"], partner=None), 400)["field"] == "WM_PARTNER.ID"
    assert "WM_PARTNER.ID" in invalid_grant(refresh(gw, tokens["refresh_token"], partner="777"))


def test_bad_refresh_tokens(gw):
    tokens = tokens_for(gw)
    assert "Invalid refresh token" in invalid_grant(refresh(gw, "nope"))
    assert "Invalid refresh token" in invalid_grant(refresh(gw, tokens["access_token"]))
    gw.register_app("app2", "pw", REDIRECT)
    assert "Invalid refresh token" in invalid_grant(refresh(gw, tokens["refresh_token"], Authorization=basic("app2", "pw")))


def test_revoked_refresh_token(gw):
    tokens = tokens_for(gw)
    gw.revoke_refresh_token(tokens["refresh_token"])
    gw.revoke_refresh_token("unknown")  # no-op
    assert "revoked" in invalid_grant(refresh(gw, tokens["refresh_token"]))
    assert detail(gw, tokens["access_token"]).status_code == 200  # issued access tokens run out on their own
    assert refresh(gw, tokens_for(gw)["refresh_token"]).status_code == 200  # a new approval gets a new one


def test_expired_refresh_token(gw):
    gw.refresh_token_lifetime = 0
    assert "expired" in invalid_grant(refresh(gw, tokens_for(gw)["refresh_token"]))


def test_oauth_access_tokens_expire(gw):
    gw.oauth_token_lifetime = 0
    tokens = tokens_for(gw)
    assert tokens["expires_in"] == 0
    assert detail(gw, tokens["access_token"]).status_code == 401


def test_revoke_seller_disconnects_everything_until_approved_again(gw):
    gw.add_seller("777")
    tokens, other = tokens_for(gw), tokens_for(gw, "777")
    pending = new_code(gw)
    gw.revoke_seller(SELLER)
    assert "revoked" in invalid_grant(refresh(gw, tokens["refresh_token"]))
    assert detail(gw, tokens["access_token"]).status_code == 401
    assert "revoked" in invalid_grant(exchange(gw, pending))
    assert refresh(gw, other["refresh_token"], partner="777").status_code == 200  # other sellers unaffected
    assert refresh(gw, tokens_for(gw)["refresh_token"]).status_code == 200


def test_re_registering_the_app_or_re_adding_the_seller_is_a_reset(gw):
    tokens = tokens_for(gw)
    gw.register_app(APP_ID, "new-secret", REDIRECT)
    assert detail(gw, tokens["access_token"]).status_code == 401
    assert gateway_error(refresh(gw, tokens["refresh_token"]), 401)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert invalid_grant(refresh(gw, tokens["refresh_token"], Authorization=basic(APP_ID, "new-secret")))
    tokens = exchange(gw, new_code(gw), Authorization=basic(APP_ID, "new-secret")).json()
    gw.add_seller(SELLER, partner_name="Acme again")
    assert detail(gw, tokens["access_token"]).status_code == 401


def test_oauth_tokens_survive_removing_a_seller_key(gw):
    tokens = tokens_for(gw)
    gw.remove_key("production", CID)
    assert detail(gw, tokens["access_token"]).status_code == 200


def test_add_seller_defaults_to_full_access_and_checks_levels(gw):
    gw.add_seller(123)
    assert detail(gw, tokens_for(gw, "123")["access_token"]).json()["scopes"] == {s: "full_access" for s in SCOPES}
    with pytest.raises(ValueError):
        gw.add_seller("9", scopes={"item": "admin"})


def test_the_sandbox_takes_the_app_grants_as_simulate_app_connect_does(gw):
    """Simulate App Connect (walmart-orders-markets.md §4.8): the code is exchanged at the sandbox, and its tokens work there only."""
    body = exchange(gw, new_code(gw), env="sandbox").json()
    assert detail(gw, body["access_token"], env="sandbox").status_code == 200
    assert detail(gw, body["access_token"]).status_code == 401
    refreshed = refresh(gw, body["refresh_token"], env="sandbox")
    assert refreshed.status_code == 200 and detail(gw, refreshed.json()["access_token"], env="sandbox").status_code == 200
    assert "Invalid refresh token" in invalid_grant(refresh(gw, "not-a-token", env="sandbox"))
