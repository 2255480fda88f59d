"""Answers queued with queue_response, and the ready-made 429 and 5xx answers."""
import time

import pytest
import requests

from fake_walmart import FakeWalmart, rate_limited_answer, server_error_answer
from tests.fake_walmart.calls import get_detail, post_token
from tests.fake_walmart.conftest import SB_CID, SB_SECRET, basic


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
