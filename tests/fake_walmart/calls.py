"""HTTP calls the fake gateway tests share: a token request, a token detail request, the error envelope."""
import uuid

import requests

from tests.fake_walmart.conftest import CID, SECRET, basic


def token_headers(**overrides):
    headers = {
        "Authorization": basic(),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def post_token(gw, env="production", data="grant_type=client_credentials", timeout=5, **overrides):
    return requests.post(gw.base_url(env) + "/v3/token", data=data, headers=token_headers(**overrides), timeout=timeout)


def get_detail(gw, token, env="production", **overrides):
    headers = {"WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "Walmart Marketplace",
               "WM_QOS.CORRELATION_ID": str(uuid.uuid4()), "Accept": "application/json"}
    headers.update(overrides)
    headers = {k: v for k, v in headers.items() if v is not None}
    return requests.get(gw.base_url(env) + "/v3/token/detail", headers=headers, timeout=5)


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], list) and len(body["error"]) == 1
    err = body["error"][0]
    assert {"code", "field", "description", "info", "severity", "category", "causes", "errorIdentifiers"} <= set(err)
    return err


def new_token(gw, env="production", cid=CID, secret=SECRET):
    response = post_token(gw, env, Authorization=basic(cid, secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
