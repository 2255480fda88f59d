"""The fake's fault modes, its XML errors and its refresh-token rotation, seen on the wire."""
import json
import socket
import time
import xml.etree.ElementTree as ET

import pytest
import requests

from fake_walmart import FAULT_MODES
from tests.fake_walmart.calls import post_token


def test_echo_puts_the_request_into_every_field(gw):
    gw.set_fault("echo", path="/v3/token")
    response = post_token(gw, data="grant_type=refresh_token&refresh_token=RT-secret-123")
    body = response.json()["error"][0]
    assert response.status_code == 401
    assert "Basic " in body["code"] and "RT-secret-123" in body["field"] + body["info"]
    assert "Authorization: Basic" in body["description"]


def test_a_drip_sends_one_byte_a_second_status_line_included(gw):
    gw.set_fault("drip", path="/v3/token", interval=0.2)
    with socket.create_connection(("127.0.0.1", int(gw.base_url("production").rsplit(":", 1)[1])), timeout=5) as sock:
        sock.sendall(b"POST /v3/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        started = time.monotonic()
        first = sock.recv(100)
        second = sock.recv(100)
        assert first == b"H" and second == b"T"  # a byte at a time
        assert time.monotonic() - started < 2


def test_a_reset_drops_the_connection(gw):
    gw.set_fault("reset", times=1)
    with pytest.raises(requests.ConnectionError):
        post_token(gw)
    assert post_token(gw).status_code == 200  # `times` ran out


def test_nested_and_huge_bodies(gw):
    gw.set_fault("nested", path="/v3/token", times=1)
    response = post_token(gw)
    assert response.status_code == 200 and response.content == b"[" * 100_000
    gw.set_fault("huge", path="/v3/token", times=1, size=3 * 1024 * 1024)
    with requests.post(gw.base_url("production") + "/v3/token", stream=True, timeout=10) as big:
        assert big.status_code == 400 and int(big.headers["Content-Length"]) == 3 * 1024 * 1024
        received = sum(len(chunk) for chunk in big.iter_content(64 * 1024))
    assert received == 3 * 1024 * 1024


def test_faults_can_be_limited_and_cleared(gw):
    assert set(FAULT_MODES) == {"echo", "drip", "reset", "nested", "huge"}
    gw.set_fault("echo", environment="sandbox")
    assert post_token(gw).status_code == 200  # production is untouched
    gw.clear_faults()
    with pytest.raises(ValueError):
        gw.set_fault("melt")


def test_errors_come_in_xml_when_asked(gw):
    refused = post_token(gw, Authorization="Basic bm9wZTpub3Bl", Accept="application/xml")
    assert refused.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(refused.text)
    assert root.tag == "{http://walmart.com/}errors"
    assert root.find("{http://walmart.com/}error/{http://walmart.com/}code").text == "UNAUTHORIZED.GMP_GATEWAY_API"
    gw.error_format = "xml"
    assert post_token(gw, Authorization="Basic bm9wZTpub3Bl").headers["Content-Type"].startswith("application/xml")
    gw.error_format = "json"
    assert json.loads(post_token(gw, Authorization="Basic bm9wZTpub3Bl", Accept="application/xml").text)["error"]
    with pytest.raises(ValueError):
        gw.error_format = "yaml"
