"""Unknown paths and wrong methods get the gateway's 404 and 405."""

import pytest
import requests

from tests.fake_walmart.calls import error_of, token_headers


@pytest.mark.parametrize("path", ["/v3/token/details", "/v3/token/", "/v3/tokens", "/"])
def test_unknown_paths_are_uri_not_found(gw, path):
    response = requests.get(gw.base_url("production") + path, headers=token_headers(), timeout=5)
    assert response.status_code == 404
    assert error_of(response)["code"] == "URI_NOT_FOUND.GMP_GATEWAY_API"


def test_wrong_method_on_known_path_is_405(gw):
    response = requests.get(gw.base_url("production") + "/v3/token", headers=token_headers(), timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert error_of(response)["code"].startswith("METHOD_NOT_ALLOWED")
    response = requests.post(gw.base_url("production") + "/v3/token/detail", headers=token_headers(), timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
