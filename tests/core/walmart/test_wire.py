"""The client's transport against a hostile fake gateway: whole-call deadlines, capped bodies, resets,
unreadable JSON, echoed secrets, proxies and CA bundles, and the grants that must not be retried."""
import base64
import http.server
import socketserver
import threading
import time
import urllib.request

import pytest

from core.walmart.client import ERROR_BODY_CAP, ErrorKind, WalmartClient, WalmartError
from core.walmart.wire import network_settings
from fake_walmart import FakeWalmart
from tests.conftest import CLIENT_ID, CLIENT_SECRET

APP_ID, APP_SECRET, REDIRECT, SELLER = "app-5678", "app-secret-value-456", "http://127.0.0.1:8501/walmart_callback", "456782346"
MARGIN = 2.0  # seconds allowed beyond a deadline: a correctness bound, not a benchmark


def new_client(gateway, timeout=2.0, **options):
    return WalmartClient({env: gateway.base_url(env) for env in ("production", "sandbox")}, timeout=timeout, **options)


def timed(action):
    started = time.monotonic()
    try:
        action()
    except WalmartError as error:
        return error, time.monotonic() - started
    raise AssertionError("the call should have failed")


def test_a_gateway_dripping_one_byte_a_second_cannot_hold_a_call_past_its_deadline(gateway):
    gateway.set_fault("drip", path="/v3/token")
    error, took = timed(lambda: new_client(gateway, timeout=1.5).request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind == ErrorKind.timeout and "1.5 seconds" in error.message
    assert took < 1.5 + MARGIN


def test_the_deadline_covers_retries_too(gateway):
    gateway.queue_response("production", "/v3/token", 503, headers={"Retry-After": "1"}, delay=0.6, times=5)
    error, took = timed(lambda: new_client(gateway, timeout=1.0).request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind in (ErrorKind.timeout, ErrorKind.unavailable)
    assert took < 1.0 + MARGIN


def test_a_huge_error_body_is_read_only_up_to_the_cap(gateway):
    gateway.set_fault("huge", path="/v3/token", status=400)  # 20 MB, streamed by the fake
    error, took = timed(lambda: new_client(gateway, timeout=10).request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind == ErrorKind.bad_request and error.http_status == 400
    assert len(error.message) < 1000 and all(len(item.description) <= 500 for item in error.items)
    assert took < 10  # it stopped reading at the cap instead of taking in 20 MB
    assert ERROR_BODY_CAP == 64 * 1024


def test_a_huge_answer_on_200_is_not_read(gateway):
    gateway.set_fault("huge", path="/v3/token", status=200)
    error, _took = timed(lambda: new_client(gateway, timeout=10).request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind == ErrorKind.bad_response and "larger than" in error.message


def test_deeply_nested_json_is_an_answer_we_cannot_read_not_a_crash(gateway):
    client = new_client(gateway)
    token = client.request_token("production", CLIENT_ID, CLIENT_SECRET)
    gateway.set_fault("nested")  # 100,000 "[" on HTTP 200
    error, _took = timed(lambda: client.list_items_page("production", token))  # an items page may be that large
    assert error.kind == ErrorKind.bad_response and error.message == "Walmart sent an answer we cannot read (HTTP 200)."
    error, _took = timed(lambda: client.request_token("production", CLIENT_ID, CLIENT_SECRET))  # a token answer may not
    assert error.kind == ErrorKind.bad_response and error.message.startswith("Walmart sent an answer larger than")
    gateway.clear_faults()
    gateway.set_fault("nested", status=400)
    error, _took = timed(lambda: client.list_items_page("production", token))
    assert error.kind == ErrorKind.bad_request and error.items == ()


def test_a_reset_connection_is_a_network_error(gateway):
    gateway.set_fault("reset", path="/v3/token")
    error, _took = timed(lambda: new_client(gateway).request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind == ErrorKind.network and "cut" in error.message
    assert len(gateway.token_requests()) == 1  # the request went out: not retried


def test_an_echoing_gateway_leaks_nothing_through_the_error(gateway):
    gateway.set_fault("echo", path="/v3/token")
    error, _took = timed(lambda: new_client(gateway).request_token("production", CLIENT_ID, CLIENT_SECRET))
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    text = " ".join([error.message, str(error), *(f"{i.code} {i.field} {i.description} {i.info}" for i in error.items)])
    assert CLIENT_SECRET in gateway.requests[-1].body or basic in str(gateway.requests[-1].headers)  # the fake did echo them
    assert CLIENT_SECRET not in text and basic not in text and CLIENT_ID not in text
    assert error.kind == ErrorKind.credentials_refused


def test_an_xml_error_from_the_gateway_is_decoded(gateway):
    gateway.error_format = "xml"
    error, _took = timed(lambda: new_client(gateway).request_token("production", CLIENT_ID, "wrong-secret-value-123"))
    assert error.kind == ErrorKind.credentials_refused and error.code == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert "Walmart said: UNAUTHORIZED.GMP_GATEWAY_API Unauthorized" in error.message


def oauth_code(gateway):
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(SELLER)
    url = (f"{gateway.authorize_url()}?responseType=code&clientId={APP_ID}&redirectUri={REDIRECT}"
           f"&nonce=ABC123XYZ0&state=STATE12345&clientType=seller")
    return gateway.approve(url, SELLER).split("code=")[1].split("&")[0]


def test_the_code_exchange_is_never_retried_not_even_on_a_5xx(gateway):
    code = oauth_code(gateway)
    gateway.queue_response("production", "/v3/token", 503, body=None, times=1)
    client = new_client(gateway)
    error, _took = timed(lambda: client.exchange_code(APP_ID, APP_SECRET, code, REDIRECT, SELLER))
    assert error.kind == ErrorKind.unavailable
    assert len(gateway.token_requests(grant_type="authorization_code")) == 1  # one attempt: the code works once
    # The refresh grant and the key grant still ride out a passing 5xx.
    gateway.queue_response("production", "/v3/token", 503, body=None, times=1)
    assert client.request_token("production", CLIENT_ID, CLIENT_SECRET).access_token
    assert len(gateway.token_requests(grant_type="client_credentials")) == 2


def test_a_rotated_refresh_token_is_returned_and_an_unrotated_one_is_not(gateway):
    client = new_client(gateway)
    _token, refresh = client.exchange_code(APP_ID, APP_SECRET, oauth_code(gateway), REDIRECT, SELLER)
    assert client.refresh_access_token(APP_ID, APP_SECRET, refresh, SELLER).refresh_token is None
    gateway.rotate_refresh_tokens = True
    rotated = client.refresh_access_token(APP_ID, APP_SECRET, refresh, SELLER).refresh_token
    assert rotated and rotated != refresh
    with pytest.raises(WalmartError):  # the fake retired the old one, as a rotating server would
        client.refresh_access_token(APP_ID, APP_SECRET, refresh, SELLER)
    assert client.refresh_access_token(APP_ID, APP_SECRET, rotated, SELLER).access_token


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A plain HTTP forward proxy (no CONNECT): enough for the fake's http:// addresses."""

    def do_GET(self):
        self._forward()

    def do_POST(self):
        self._forward()

    def _forward(self):
        self.server.seen.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection", "host")}
        request = urllib.request.Request(self.path, data=body, headers=headers, method=self.command)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            answer = opener.open(request, timeout=5)
        except urllib.request.HTTPError as refused:
            answer = refused
        data = answer.read()
        self.send_response(answer.status if hasattr(answer, "status") else answer.code)
        for name, value in answer.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_environments_proxy_is_used_by_default_and_not_when_switched_off(gateway, proxy, monkeypatch):
    address = f"http://127.0.0.1:{proxy.server_address[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", address)
    token = new_client(gateway).request_token("production", CLIENT_ID, CLIENT_SECRET)
    assert token.access_token and proxy.seen == [gateway.base_url("production") + "/v3/token"]

    assert new_client(gateway, use_environment_network=False).request_token("production", CLIENT_ID, CLIENT_SECRET).access_token
    assert len(proxy.seen) == 1  # switched off: straight to the gateway

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert new_client(gateway).request_token("production", CLIENT_ID, CLIENT_SECRET).access_token
    assert len(proxy.seen) == 1  # NO_PROXY is honoured too
    assert len(gateway.token_requests()) == 3


def test_the_ca_bundle_comes_from_the_environment_unless_switched_off(monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert network_settings("https://marketplace.walmartapis.com/v3/token", True).verify is True
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert network_settings("https://marketplace.walmartapis.com/v3/token", True).verify == str(bundle)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "first.pem"))
    assert network_settings("https://marketplace.walmartapis.com/v3/token", True).verify == str(tmp_path / "first.pem")
    assert network_settings("https://marketplace.walmartapis.com/v3/token", False).verify is True
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert network_settings("https://marketplace.walmartapis.com/v3/token", True).proxies["https"] == "http://proxy.example:3128"
    assert network_settings("https://marketplace.walmartapis.com/v3/token", False).proxies == {}


def test_connections_are_still_reused_between_calls(gateway):
    """Reading bodies ourselves must not cost keep-alive: one connection for several calls."""
    client = new_client(gateway)
    for _ in range(3):
        client.token_detail("production", client.request_token("production", CLIENT_ID, CLIENT_SECRET), CLIENT_ID, CLIENT_SECRET)
    pool = next(iter(client._session().get_adapter("http://x").poolmanager.pools._container.values()))
    assert pool.num_connections == 1


def test_a_call_to_a_stopped_gateway_is_refused_quickly():
    with FakeWalmart() as gw:
        url = gw.base_url("production")
    client = WalmartClient({"production": url}, timeout=2)
    error, took = timed(lambda: client.request_token("production", CLIENT_ID, CLIENT_SECRET))
    assert error.kind == ErrorKind.network and "refused" in error.message and took < 2 + MARGIN
