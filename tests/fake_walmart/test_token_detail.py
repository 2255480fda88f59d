"""GET /v3/token/detail (§2) on the fake gateway."""

import pytest

from tests.fake_walmart.calls import error_of, get_detail, new_token
from tests.fake_walmart.conftest import CID, basic


def test_detail_without_access_token_is_missing_header(gw):
    response = get_detail(gw, None)
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "MISSING_REQUEST_HEADER.GMP_GATEWAY_API" and err["field"] == "WM_SEC.ACCESS_TOKEN"


@pytest.mark.parametrize("header", ["WM_QOS.CORRELATION_ID", "WM_SVC.NAME"])
def test_detail_checks_common_headers(gw, header):
    response = get_detail(gw, new_token(gw), **{header: ""})
    assert response.status_code == 400 and error_of(response)["field"] == header


def test_detail_rejects_unknown_and_expired_tokens(gw):
    assert get_detail(gw, "not-a-token").status_code == 401
    gw.add_key("production", "short", "pw", token_lifetime=0)
    token = new_token(gw, cid="short", secret="pw")
    response = get_detail(gw, token)
    assert response.status_code == 401 and error_of(response)["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_detail_basic_auth_must_match_the_tokens_key(gw):
    gw.add_key("production", "other", "pw")
    token = new_token(gw)
    assert get_detail(gw, token, Authorization=basic()).status_code == 200
    assert get_detail(gw, token, Authorization=basic("other", "pw")).status_code == 401
    assert get_detail(gw, token, Authorization=basic(CID, "wrong")).status_code == 401
    assert get_detail(gw, token, Authorization="Basic garbage").status_code == 401
