"""The Walmart client against the fake gateway: wire format, error envelopes, retries."""
import base64
import uuid

import pytest

from core.walmart.client import ErrorKind, WalmartClient, WalmartError, parse_error_body
from fake_walmart import FakeWalmart
from tests.conftest import CLIENT_ID, CLIENT_SECRET


@pytest.fixture
def client(gateway):
    return WalmartClient({env: gateway.base_url(env) for env in ("production", "sandbox")}, timeout=2)


def test_token_request_is_exactly_what_walmart_expects(client, gateway):
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert token.token_type == "Bearer" and token.expires_in == 900
    sent = gateway.token_requests()[-1]
    assert sent.method == "POST" and sent.path == "/v3/token"
    expected_basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent.header("Authorization") == f"Basic {expected_basic}"
    assert sent.header("Content-Type").startswith("application/x-www-form-urlencoded")
    assert sent.header("Accept") == "application/json"
    assert sent.header("WM_SVC.NAME") == "Walmart Marketplace"
    assert uuid.UUID(sent.header("WM_QOS.CORRELATION_ID")).version == 4
    assert sent.form == {"grant_type": "client_credentials"}
    assert token.call.correlation_id == sent.header("WM_QOS.CORRELATION_ID")


def test_token_detail_sends_the_token_and_reads_scopes(client, gateway):
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    detail = client.token_detail("production", token, CLIENT_ID, CLIENT_SECRET)
    sent = gateway.requests[-1]
    assert sent.path == "/v3/token/detail" and sent.method == "GET"
    assert sent.header("WM_SEC.ACCESS_TOKEN") == token.access_token
    assert detail.is_valid and detail.scopes["orders"] == "full_access"
    assert detail.expire_at > detail.issued_at


def test_every_call_has_its_own_correlation_id(client, gateway):
    for _ in range(3):
        client.token_detail("production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), CLIENT_ID, CLIENT_SECRET)
    ids = [request.header("WM_QOS.CORRELATION_ID") for request in gateway.requests]
    assert len(ids) == 6 and len(set(ids)) == 6


@pytest.mark.parametrize("style", ["gateway", "oauth", "invalid_header"])
def test_every_rejection_style_means_rejected(client, gateway, style):
    gateway.rejection_style = style
    with pytest.raises(WalmartError) as caught:
        client.request_token("production", CLIENT_ID, "wrong-secret-value")
    assert caught.value.kind == ErrorKind.credentials_refused
    assert caught.value.http_status in (400, 401)
    assert "wrong-secret-value" not in str(caught.value)


def test_401_is_never_retried(client, gateway):
    with pytest.raises(WalmartError):
        client.request_token("production", CLIENT_ID, "nope")
    assert len(gateway.token_requests()) == 1


@pytest.mark.parametrize("header", ["X-Next-Replenishment-Time", "x-next-replenish-time"])
def test_rate_limit_reports_when_to_retry(client, gateway, header):
    gateway.queue_response(
        "production", "/v3/token", 429,
        body={"errors": [{"code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", "message": "Too many requests"}]},
        headers={"X-Current-Token-Count": "0", header: "1900000000000"},
    )
    with pytest.raises(WalmartError) as caught:
        client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    error = caught.value
    assert error.kind == ErrorKind.rate_limited and error.code == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
    assert error.token_count == "0"
    assert error.retry_at.year == 2030
    assert len(gateway.token_requests()) == 1  # 429 is reported, not retried


def test_transient_5xx_is_retried_then_succeeds(client, gateway):
    gateway.queue_response("production", "/v3/token", 503, body=None, times=2)
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert token.access_token
    assert [r.path for r in gateway.token_requests()] == ["/v3/token"] * 3


@pytest.mark.parametrize("body", [None, "<html><body>Service Unavailable</body></html>"])
def test_persistent_5xx_means_unavailable(client, gateway, body):
    gateway.queue_response("production", "/v3/token", 503, body=body, times=5)
    with pytest.raises(WalmartError) as caught:
        client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert caught.value.kind == ErrorKind.unavailable and caught.value.http_status == 503


def test_html_on_200_is_a_bad_response(client, gateway):
    gateway.queue_response("production", "/v3/token", 200, body="<html>maintenance</html>")
    with pytest.raises(WalmartError) as caught:
        client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert caught.value.kind == ErrorKind.bad_response


def test_timeout(gateway):
    slow = WalmartClient({"production": gateway.base_url("production")}, timeout=0.3)
    gateway.queue_response("production", "/v3/token", 200, body={"access_token": "x", "expires_in": 900}, delay=1.5)
    with pytest.raises(WalmartError) as caught:
        slow.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert caught.value.kind == ErrorKind.timeout


def test_refused_connection():
    with FakeWalmart() as gw:
        url = gw.base_url("production")
    dead = WalmartClient({"production": url}, timeout=1)
    with pytest.raises(WalmartError) as caught:
        dead.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert caught.value.kind == ErrorKind.network and "refused" in caught.value.message


def test_tls_error_is_named():
    # An https URL on a plain-http port fails the TLS handshake.
    with FakeWalmart() as gw:
        client = WalmartClient({"production": gw.base_url("production").replace("http://", "https://")}, timeout=2)
        with pytest.raises(WalmartError) as caught:
            client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert caught.value.kind == ErrorKind.tls


@pytest.mark.parametrize(
    "body, code, description",
    [
        ('{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API","field":"UNAUTHORIZED","description":"Unauthorized"}]}', "UNAUTHORIZED.GMP_GATEWAY_API", "Unauthorized"),
        ('{"errors":[{"code":"INVALID_REQUEST_PARAM","message":"bad sku","field":"sku"}]}', "INVALID_REQUEST_PARAM", "bad sku"),
        ('{"errors":{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API","info":"Unauthorized"}]}}', "UNAUTHORIZED.GMP_GATEWAY_API", ""),
        ('{"error":"invalid_client","error_description":"Bad client credentials"}', "invalid_client", "Bad client credentials"),
        ('{"error":{"code":"SYSTEM_ERROR.GMP_GATEWAY_API","description":"boom"}}', "SYSTEM_ERROR.GMP_GATEWAY_API", "boom"),
    ],
)
def test_both_error_envelopes_parse(body, code, description):
    items = parse_error_body(body)
    assert items[0].code == code and items[0].description == description


@pytest.mark.parametrize("body", ["", "<html>", "null", "[1,2]", '{"ok": true}'])
def test_unreadable_bodies_give_no_items(body):
    assert parse_error_body(body) == ()


def test_a_cookie_the_gateway_sets_is_never_sent_back(client, gateway):
    """Calls carry their own credentials only: a cookie from one store's answer once went with every later call
    the worker thread made, for any store."""
    gateway.add_key("production", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "AnotherSecretValue_123456789")
    gateway.queue_response("production", "/v3/token", 200, {"access_token": "first-store-token", "token_type": "Bearer", "expires_in": 900},
                           headers={"Set-Cookie": "session=first-store; Path=/"})
    client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    token = client.request_token("production", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "AnotherSecretValue_123456789")
    client.token_detail("production", token, "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "AnotherSecretValue_123456789")
    assert len(gateway.requests) == 3 and all(request.header("Cookie") is None for request in gateway.requests)
