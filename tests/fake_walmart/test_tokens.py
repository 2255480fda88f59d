"""The fake gateway must be as strict as the reference says Walmart is, or client tests prove nothing."""
import base64
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from fake_walmart import SCOPES, FakeWalmart, ReceivedRequest, rate_limited_answer, server_error_answer
from tests.fake_walmart.conftest import CID, SB_CID, SB_SECRET, SECRET, basic

ROOT = Path(__file__).resolve().parents[2]


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


# /v3/token/detail ------------------------------------------------------------------------------

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


# routing ---------------------------------------------------------------------------------------

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


# canned answers --------------------------------------------------------------------------------

def test_queue_response_applies_times_then_normal_logic_resumes(gw):
    gw.queue_response("production", "/v3/token", 500, body={"error": [{"code": "SYSTEM_ERROR.GMP_GATEWAY_API"}]}, times=2)
    first, second, third = post_token(gw), post_token(gw), post_token(gw)
    assert [first.status_code, second.status_code, third.status_code] == [500, 500, 200]
    assert first.json()["error"][0]["code"] == "SYSTEM_ERROR.GMP_GATEWAY_API"
    assert first.headers["Content-Type"] == "application/json"
    assert post_token(gw, "sandbox", Authorization=basic(SB_CID, SB_SECRET)).status_code == 200


def test_queued_answers_are_per_environment_and_path_and_in_order(gw):
    gw.queue_response("sandbox", "/v3/token/detail", 418)
    gw.queue_response("production", "/v3/token", 502)
    gw.queue_response("production", "/v3/token", 504)
    assert get_detail(gw, "x", "production").status_code == 401
    assert get_detail(gw, "x", "sandbox").status_code == 418
    assert post_token(gw).status_code == 502
    assert post_token(gw).status_code == 504


def test_queue_response_answers_even_bad_requests_and_records_them(gw):
    gw.queue_response("production", "/v3/token", 503)
    response = post_token(gw, Authorization=None, **{"WM_SVC.NAME": None})
    assert response.status_code == 503 and response.content == b""
    assert len(gw.token_requests()) == 1


def test_rate_limited_answer_both_spellings(gw):
    before_ms = time.time() * 1000
    gw.queue_response("production", "/v3/token", **rate_limited_answer(30))
    gw.queue_response("production", "/v3/token", **FakeWalmart.rate_limited_answer(30, header_spelling="x-next-replenish-time"))
    documented, legacy = post_token(gw), post_token(gw)
    for response in (documented, legacy):
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
        assert response.headers["x-current-token-count"] == "0"
    assert before_ms + 29_000 < int(documented.headers["X-Next-Replenishment-Time"]) < before_ms + 35_000
    assert "X-Next-Replenish-Time" in legacy.headers and "X-Next-Replenishment-Time" not in legacy.headers
    with pytest.raises(ValueError):
        rate_limited_answer(1, header_spelling="retry-after")


def test_server_error_answers(gw):
    gw.queue_response("production", "/v3/token", **server_error_answer())
    gw.queue_response("production", "/v3/token", **server_error_answer(502, html=True))
    bare, html = post_token(gw), post_token(gw)
    assert bare.status_code == 503 and bare.content == b""
    assert html.status_code == 502 and html.headers["Content-Type"].startswith("text/html") and "<html>" in html.text
    with pytest.raises(ValueError):
        html.json()


def test_queue_response_body_kinds(gw):
    gw.queue_response("production", "/v3/token", 200, body="plain words", headers={"content-type": "text/plain"})
    gw.queue_response("production", "/v3/token", 200, body=b"<b>bytes</b>")
    gw.queue_response("production", "/v3/token", 401, headers={"X-Extra": "yes"})
    text, raw, empty = post_token(gw), post_token(gw), post_token(gw)
    assert text.text == "plain words" and text.headers["Content-Type"] == "text/plain"
    assert raw.content == b"<b>bytes</b>" and raw.headers["Content-Type"].startswith("text/html")
    assert empty.status_code == 401 and empty.content == b"" and empty.headers["X-Extra"] == "yes"


def test_queued_delay_triggers_client_timeout(gw):
    gw.queue_response("production", "/v3/token", 200, body={}, delay=0.6)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_token(gw, timeout=0.15)
    assert time.monotonic() - started < 0.5
    assert post_token(gw).status_code == 200  # the canned answer was consumed by the timed-out call


# latency and concurrency -----------------------------------------------------------------------

def test_latency_is_added_to_every_answer(gw):
    gw.latency = 0.25
    for call in (lambda: post_token(gw), lambda: get_detail(gw, "bogus"),
                 lambda: requests.get(gw.base_url("sandbox") + "/nope", timeout=5)):
        started = time.monotonic()
        call()
        assert time.monotonic() - started >= 0.25
    gw.latency = 0.0
    started = time.monotonic()
    post_token(gw)
    assert time.monotonic() - started < 0.2


def test_slow_requests_are_served_in_parallel(gw):
    gw.latency = 0.5
    results = []
    threads = [threading.Thread(target=lambda env=env: results.append(post_token(gw, env).status_code))
               for env in ("production", "production", "sandbox")]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert sorted(results) == [200, 200, 401]
    assert 0.5 <= elapsed < 0.9


# recording -------------------------------------------------------------------------------------

def test_requests_are_recorded_with_exact_headers_form_and_client_id(gw):
    correlation = str(uuid.uuid4())
    requests.post(gw.base_url("production") + "/v3/token?debug=1", data={"grant_type": "client_credentials", "x": "1"},
                  headers=token_headers(**{"WM_QOS.CORRELATION_ID": correlation}), timeout=5)
    post_token(gw, "sandbox", Authorization=basic("nobody", "pw"))
    get_detail(gw, "bogus")
    requests.get(gw.base_url("production") + "/v3/token/details", timeout=5)

    recorded = gw.requests
    assert [(r.environment, r.method, r.path) for r in recorded] == [
        ("production", "POST", "/v3/token"), ("sandbox", "POST", "/v3/token"),
        ("production", "GET", "/v3/token/detail"), ("production", "GET", "/v3/token/details")]
    first = recorded[0]
    assert isinstance(first, ReceivedRequest)
    assert first.headers["WM_QOS.CORRELATION_ID"] == correlation  # name kept exactly as sent
    assert first.header("wm_qos.correlation_id") == correlation and first.header("X-Absent") is None
    assert first.form == {"grant_type": "client_credentials", "x": "1"}
    assert first.body == "grant_type=client_credentials&x=1"
    assert first.query == {"debug": "1"} and first.client_id == CID
    assert recorded[1].client_id == "nobody"  # rejected requests are recorded too
    assert recorded[2].client_id is None and recorded[2].header("WM_SEC.ACCESS_TOKEN") == "bogus"
    assert all(a.received_at <= b.received_at for a, b in zip(recorded, recorded[1:]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.method = "GET"  # type: ignore[misc]

    assert [r.environment for r in gw.token_requests()] == ["production", "sandbox"]
    assert gw.token_requests(environment="sandbox") == [recorded[1]]
    assert gw.token_requests(client_id=CID) == [first]
    assert gw.token_requests("production", "nobody") == []

    snapshot = gw.requests
    snapshot.clear()
    assert len(gw.requests) == 4  # the property hands out a copy
    gw.clear_requests()
    assert gw.requests == []


def test_request_is_recorded_before_the_answer_is_sent(gw):
    gw.queue_response("production", "/v3/token", 503, delay=0.4)
    worker = threading.Thread(target=lambda: post_token(gw))
    worker.start()
    time.sleep(0.15)
    assert len(gw.token_requests()) == 1
    worker.join()


# lifecycle -------------------------------------------------------------------------------------

def test_base_url_needs_a_running_gateway():
    gateway = FakeWalmart()
    with pytest.raises(RuntimeError):
        gateway.base_url("production")
    with pytest.raises(ValueError):
        FakeWalmart().start().base_url("staging")


def test_stop_is_quick_idempotent_and_leaves_no_threads():
    before = set(threading.enumerate())
    gateway = FakeWalmart(latency=5.0).start()
    gateway.add_key("production", CID, SECRET)
    url = gateway.base_url("production")
    outcome = []

    def call():
        try:
            outcome.append(post_token(gateway, timeout=10).status_code)
        except requests.RequestException as exc:
            outcome.append(type(exc))

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.1)  # let the request sit in its latency sleep
    started = time.monotonic()
    gateway.stop()
    gateway.stop()
    assert time.monotonic() - started < 1.0
    worker.join(2)
    assert not worker.is_alive()
    assert outcome == [requests.ConnectionError]  # the sleeping answer is dropped, not delivered late
    assert set(threading.enumerate()) <= before
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/v3/token/detail", timeout=1)


def test_gateway_can_restart_and_keeps_its_keys():
    gateway = FakeWalmart()
    gateway.add_key("production", CID, SECRET)
    with gateway:
        pass
    with gateway:
        assert post_token(gateway).status_code == 200


# command line ----------------------------------------------------------------------------------

def test_command_line_serves_keys_from_file(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([
        {"environment": "production", "client_id": CID, "client_secret": SECRET,
         "scopes": {"item": "view_only"}, "is_channel_match": True},
        {"environment": "sandbox", "client_id": SB_CID, "client_secret": SB_SECRET, "is_channel_match": None},
    ]))
    process = subprocess.Popen([sys.executable, "-m", "fake_walmart", "--keys", str(keys), "--latency", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = dict(process.stdout.readline().strip().split(": ", 1) for _ in range(2))
        assert set(urls) == {"production", "sandbox"} and urls["production"] != urls["sandbox"]
        headers = token_headers(Authorization=basic(SB_CID, SB_SECRET))
        response = requests.post(urls["sandbox"] + "/v3/token", data="grant_type=client_credentials", headers=headers, timeout=5)
        assert response.status_code == 200
        detail = requests.get(urls["sandbox"] + "/v3/token/detail", timeout=5, headers={
            "WM_SEC.ACCESS_TOKEN": response.json()["access_token"], "WM_SVC.NAME": "t", "WM_QOS.CORRELATION_ID": "c"})
        assert "is_channel_match" not in detail.json()
        response = requests.post(urls["production"] + "/v3/token", data="grant_type=client_credentials",
                                 headers=token_headers(), timeout=5)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
        process.stdout.close()
        process.stderr.close()


def test_command_line_reports_a_bad_keys_file(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([{"environment": "staging", "client_id": "a", "client_secret": "b"}]))
    result = subprocess.run([sys.executable, "-m", "fake_walmart", "--keys", str(keys)], cwd=ROOT,
                            capture_output=True, text=True, timeout=10, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "key #1" in result.stderr
