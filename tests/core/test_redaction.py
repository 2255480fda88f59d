"""Outside text loses every credential-shaped part before it is kept, logged, shown or sent."""
import base64
import json

import pytest

from core.redaction import HIDDEN, outside_text, redact, url_host

CLIENT_ID = "3f2b8c1e-9d4a-4f6b-8e2a-7c5d1b0a9e34"
SECRET = "Qm9vZ2llLXNlY3JldC1mb3ItdGVzdHMtb25seS0xMjM0NTY3ODkw"
BASIC = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
JWE = "eyJraWQiOiI1MWY3MjM0Ny0wYWY5LTRhZ.x.QmFzZTY0IGNpcGhlcnRleHQ.aXY.dGFn"


@pytest.mark.parametrize("echoed", [
    f"Authorization: Basic {BASIC}",
    f"authorization=basic%20{BASIC}",
    f'{{"headers": {{"Authorization": "Basic {BASIC}"}}}}',
    f"WM_SEC.ACCESS_TOKEN: {JWE}",
    f"Bearer {JWE}",
    f"grant_type=refresh_token&refresh_token=Rt-{SECRET}&x=1",
    json.dumps({"refresh_token": "AtzrT0k3n-refresh-value", "access_token": JWE}),
    f"client_secret={SECRET}",
    f"the app secret is {SECRET} (echoed)",  # a known secret anywhere
    f"bare pair {BASIC}",  # the Basic form of a known id:secret without its prefix
])
def test_credentials_echoed_by_a_gateway_are_hidden(echoed):
    cleaned = redact(echoed, secrets=[CLIENT_ID, SECRET])
    assert SECRET not in cleaned and BASIC not in cleaned and JWE not in cleaned and "Rt-" not in cleaned
    assert "AtzrT0k3n" not in cleaned and HIDDEN in cleaned


def test_walmart_error_codes_and_descriptions_stay_readable():
    body = '{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API","field":"UNAUTHORIZED","description":"Unauthorized token or Invalid Client Id or Secret"}]}'
    assert redact(body) == body


def test_outside_text_is_one_bounded_line_of_printable_characters():
    text = outside_text("line one\nline\x1b[31m two\u202e" + "x" * 10_000, limit=50)
    assert "\n" not in text and "\x1b" not in text and "\u202e" not in text
    assert len(text) == 50 and text.endswith("…")
    assert outside_text("short") == "short"


def test_a_webhook_address_is_shown_by_its_host_only():
    assert url_host("https://hooks.slack.com/services/T000/B000/XXXXSECRET") == "hooks.slack.com"
    assert url_host("") == "" and "could not be read" in url_host("http://[::1")
