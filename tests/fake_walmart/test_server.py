"""The HTTP side: latency, parallel requests, request capture, start and stop."""
import dataclasses
import threading
import time
import uuid

import pytest
import requests

from fake_walmart import FakeWalmart, ReceivedRequest
from tests.fake_walmart.calls import get_detail, post_token, token_headers
from tests.fake_walmart.conftest import CID, SECRET, basic

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
