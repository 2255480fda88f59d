"""python -m fake_walmart: keys, apps, sellers and items from a file; bad files are reported."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from fake_walmart.__main__ import main
from tests.fake_walmart.calls import token_headers
from tests.fake_walmart.conftest import APP_ID, APP_SECRET, CID, REDIRECT, SB_CID, SB_SECRET, SECRET, SELLER, basic

ROOT = Path(__file__).resolve().parents[2]


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


def test_command_line_loads_apps_sellers_and_items(tmp_path):
    config = tmp_path / "fake.json"
    config.write_text(json.dumps({
        "keys": [{"environment": "production", "client_id": CID, "client_secret": SECRET, "partner_name": "Acme"}],
        "apps": [{"client_id": APP_ID, "client_secret": APP_SECRET, "redirect_uri": REDIRECT}],
        "sellers": [{"seller_id": SELLER, "partner_name": "Acme Outdoor"}],
        "items": {"production": {CID: [{"sku": "A-1"}], SELLER: [{"sku": "B-1"}, {"sku": "B-2"}]}},
    }))
    process = subprocess.Popen([sys.executable, "-m", "fake_walmart", "--keys", str(config)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = dict(process.stdout.readline().strip().split(": ", 1) for _ in range(3))
        assert urls["authorize"] == urls["production"] + "/authorize"
        response = requests.get(urls["authorize"], allow_redirects=False, timeout=5, params={
            "responseType": "code", "clientId": APP_ID, "redirectUri": REDIRECT, "nonce": "n", "state": "s",
            "clientType": "seller"})  # the only seller approves
        assert response.status_code == 302 and f"sellerId={SELLER}" in response.headers["Location"]
        token = requests.post(urls["production"] + "/v3/token", data="grant_type=client_credentials", timeout=5, headers={
            "Authorization": basic(), "Content-Type": "application/x-www-form-urlencoded",
            "WM_SVC.NAME": "t", "WM_QOS.CORRELATION_ID": "c"}).json()["access_token"]
        listed = requests.get(urls["production"] + "/v3/items", timeout=5, headers={
            "WM_SEC.ACCESS_TOKEN": token, "WM_SVC.NAME": "t", "WM_QOS.CORRELATION_ID": "c"})
        assert [i["sku"] for i in listed.json()["ItemResponse"]] == ["A-1"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
        process.stdout.close()
        process.stderr.close()


@pytest.mark.parametrize("content, words", [
    ({"apps": [{"client_id": "a"}]}, "app #1"),
    ({"sellers": [{"seller_id": "1", "scopes": {"item": "admin"}}]}, "seller #1"),
    ({"items": {"production": {"x": [{"name": "no sku"}]}}}, "items for 'production'"),
    ({"items": {"staging": {}}}, "items for 'staging'"),
    ({"keyz": []}, "unknown section"),
])
def test_command_line_reports_bad_sections(tmp_path, capsys, content, words):
    config = tmp_path / "fake.json"
    config.write_text(json.dumps(content))
    assert main(["--keys", str(config)]) == 2  # in-process: a subprocess per case is slow
    assert words in capsys.readouterr().err
