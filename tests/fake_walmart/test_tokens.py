"""POST /v3/token (§1) with seller keys: as strict as the reference says Walmart is, or client tests prove nothing."""
import base64
import json
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from fake_walmart import SCOPES
from tests.fake_walmart.calls import error_of, get_detail, new_token, post_token, token_headers
from tests.fake_walmart.conftest import CID, SB_CID, SB_SECRET, SECRET, basic

# success ---------------------------------------------------------------------------------------

def test_token_and_detail_round_trip(gw):
    response = post_token(gw)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    parts = body["access_token"].split(".")
    assert len(parts) == 5 and parts[1] == "" and all(parts[i] for i in (0, 2, 3, 4))
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header["alg"] == "dir" and header["enc"] == "A256GCM"

    detail = get_detail(gw, body["access_token"], Authorization=basic())
    assert detail.status_code == 200, detail.text
    info = detail.json()
    assert info["is_valid"] is True and info["is_channel_match"] is True
    assert isinstance(info["expire_at"], str) and isinstance(info["issued_at"], str)
    assert int(info["expire_at"]) - int(info["issued_at"]) == 900_000
    assert abs(int(info["issued_at"]) / 1000 - time.time()) < 5
    assert info["scopes"] == {name: "full_access" for name in SCOPES} and len(SCOPES) == 11


def test_tokens_are_unique(gw):
    assert new_token(gw) != new_token(gw)


def test_detail_reports_custom_scopes_lifetime_and_omits_channel_match_when_none(gw):
    scopes = {"item": "view_only", "orders": "no_access", "price": "full_access"}
    gw.add_key("production", "limited", "pw", scopes=scopes, is_channel_match=None, token_lifetime=60)
    response = post_token(gw, Authorization=basic("limited", "pw"))
    assert response.json()["expires_in"] == 60
    info = get_detail(gw, response.json()["access_token"]).json()
    assert info["scopes"] == scopes
    assert "is_channel_match" not in info
    assert int(info["expire_at"]) - int(info["issued_at"]) == 60_000


def test_add_key_rejects_unknown_access_level_and_environment(gw):
    with pytest.raises(ValueError):
        gw.add_key("production", "x", "y", scopes={"item": "admin"})
    with pytest.raises(ValueError):
        gw.add_key("staging", "x", "y")


def test_xml_accept_gets_oauth_token_dto(gw):
    response = post_token(gw, Accept="application/xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "OAuthTokenDTO"
    assert root.findtext("tokenType") == "Bearer" and root.findtext("expiresIn") == "900"
    assert get_detail(gw, root.findtext("accessToken")).status_code == 200


@pytest.mark.parametrize("accept", [None, "", "*/*", "application/*", "application/json; charset=utf-8",
                                    "application/xml;q=0.5, application/json"])
def test_accept_values_that_allow_json(gw, accept):
    response = post_token(gw, Accept=accept)
    assert response.status_code == 200 and "access_token" in response.json()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded; charset=utf-8",
                                          "Application/X-WWW-Form-Urlencoded"])
def test_content_type_parameters_and_case_are_fine(gw, content_type):
    assert post_token(gw, **{"Content-Type": content_type}).status_code == 200


def test_header_names_are_case_insensitive(gw):
    headers = {
        "authorization": basic(),
        "content-type": "application/x-www-form-urlencoded",
        "wm_svc.name": "Walmart Marketplace",
        "wm_qos.correlation_id": str(uuid.uuid4()),
    }
    response = requests.post(gw.base_url("production") + "/v3/token", data="grant_type=client_credentials",
                             headers=headers, timeout=5)
    assert response.status_code == 200
    assert get_detail(gw, response.json()["access_token"], **{"WM_SEC.ACCESS_TOKEN": None,
                                                              "wm_sec.access_token": response.json()["access_token"]}).status_code == 200


# header checks on /v3/token ----------------------------------------------------------------------

@pytest.mark.parametrize("header", ["WM_QOS.CORRELATION_ID", "WM_SVC.NAME"])
@pytest.mark.parametrize("value", [None, ""])
def test_missing_or_blank_required_header(gw, header, value):
    response = post_token(gw, **{header: value})
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"
    assert err["field"] == header
    assert err["info"] == "One or more request headers are invalid."
    assert err["severity"] == "ERROR" and err["category"] == "DATA"


def test_correlation_id_is_checked_before_service_name(gw):
    response = post_token(gw, **{"WM_QOS.CORRELATION_ID": None, "WM_SVC.NAME": None})
    assert error_of(response)["field"] == "WM_QOS.CORRELATION_ID"


def test_headers_are_checked_before_credentials(gw):
    response = post_token(gw, Authorization=None, **{"WM_SVC.NAME": None})
    assert response.status_code == 400 and error_of(response)["field"] == "WM_SVC.NAME"


def test_json_body_is_unsupported_media_type(gw):
    response = requests.post(gw.base_url("production") + "/v3/token", json={"grant_type": "client_credentials"},
                             headers={k: v for k, v in token_headers().items() if k != "Content-Type"}, timeout=5)
    assert response.status_code == 415
    assert error_of(response)["code"].startswith("UNSUPPORTED_MEDIA_TYPE")


def test_missing_content_type_is_unsupported_media_type(gw):
    assert post_token(gw, **{"Content-Type": None}).status_code == 415


@pytest.mark.parametrize("accept", ["text/plain", "application/json;q=0", "text/html, image/png"])
def test_accept_without_json_or_xml_is_406(gw, accept):
    response = post_token(gw, Accept=accept)
    assert response.status_code == 406
    assert error_of(response)["code"].startswith("INVALID_ACCEPT_TYPE")


@pytest.mark.parametrize("authorization", [
    None, "", "Basic", "Bearer abc", "Basic not-base64!!", "Basic " + base64.b64encode(b"no-colon").decode(),
    basic(CID, "wrong"), basic("unknown", SECRET), basic(SB_CID, SB_SECRET),
    "Basic " + base64.b64encode(f"{CID}:{SECRET}\n".encode()).decode(),  # echo without -n
])
def test_bad_credentials_are_rejected(gw, authorization):
    response = post_token(gw, Authorization=authorization)
    assert response.status_code == 401
    err = error_of(response)
    assert err["code"] == "UNAUTHORIZED.GMP_GATEWAY_API" and err["field"] == "UNAUTHORIZED"
    assert "Authorization: Basic" in err["info"]


def test_basic_scheme_name_is_case_insensitive(gw):
    assert post_token(gw, Authorization="basic " + basic().split(" ", 1)[1]).status_code == 200


@pytest.mark.parametrize("legacy", ["WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID"])
def test_legacy_signature_headers_are_unauthorized_even_with_good_keys(gw, legacy):
    response = post_token(gw, **{legacy: "1234"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


@pytest.mark.parametrize("data", ["", "grant_type=", "grant_type=password", "grant_type=authorization_code&code=x",
                                  "grant_type=refresh_token&refresh_token=x", "grant=client_credentials"])
def test_grant_type_other_than_client_credentials(gw, data):
    response = post_token(gw, data=data)
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "INVALID_REQUEST_PARAM.GMP_GATEWAY_API" and err["field"] == "grant_type"


# environments and key resets -------------------------------------------------------------------

def test_environments_have_separate_ports_keys_and_tokens(gw):
    assert gw.base_url("production") != gw.base_url("sandbox")
    assert gw.base_url("production").startswith("http://127.0.0.1:")
    assert post_token(gw, "sandbox").status_code == 401  # production key at sandbox
    assert post_token(gw, "production", Authorization=basic(SB_CID, SB_SECRET)).status_code == 401
    sandbox_token = new_token(gw, "sandbox", SB_CID, SB_SECRET)
    production_token = new_token(gw)
    assert get_detail(gw, sandbox_token, "sandbox").status_code == 200
    assert get_detail(gw, sandbox_token, "production").status_code == 401
    assert get_detail(gw, production_token, "sandbox").status_code == 401


def test_remove_key_invalidates_issued_tokens(gw):
    token = new_token(gw)
    gw.remove_key("production", CID)
    assert get_detail(gw, token).status_code == 401
    assert post_token(gw).status_code == 401
    gw.add_key("production", CID, SECRET)  # same pair added back: the old token stays dead
    assert get_detail(gw, token).status_code == 401
    assert get_detail(gw, new_token(gw)).status_code == 200


def test_replacing_a_key_is_a_reset(gw):
    token = new_token(gw)
    gw.add_key("production", CID, "new-secret")
    assert get_detail(gw, token).status_code == 401
    assert post_token(gw).status_code == 401
    assert post_token(gw, Authorization=basic(CID, "new-secret")).status_code == 200


# rejection styles ------------------------------------------------------------------------------

def test_rejection_style_oauth(gw):
    gw.rejection_style = "oauth"
    response = post_token(gw, Authorization=basic(CID, "wrong"))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Bad client credentials"}


def test_rejection_style_invalid_header(gw):
    gw.rejection_style = "invalid_header"
    response = post_token(gw, Authorization=None)
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"
    assert err["field"] == "Authorization" and err["description"] == "Incorrect Authorization header"


def test_rejection_style_does_not_change_good_keys_or_detail(gw):
    gw.rejection_style = "oauth"
    assert post_token(gw).status_code == 200
    assert error_of(get_detail(gw, "bogus"))["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_unknown_rejection_style_is_refused(gw):
    with pytest.raises(ValueError):
        gw.rejection_style = "polite"
    assert gw.rejection_style == "gateway"
