"""Outside text loses every credential-shaped part before it is kept, logged, shown or sent."""
import base64
import json
import re
from urllib.parse import quote

import pytest

from core.redaction import HIDDEN, outside_text, redact, url_host
from core.walmart.bodies import parse_error_body

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


# A client secret with the characters that change under percent-encoding, and a refresh token.
ODD_SECRET = "Ab+/cd=EfGh/IjKl+MnOp==QrStUvWx-0123456789"
REFRESH = "rt.Zm9vYmFyYmF6+/qux==.AtzrT0k3nRefreshValue"


def _longest_shared_run(text: str, secret: str) -> int:
    """The longest run of characters `secret` and `text` share: what of the secret could be read in the text."""
    return max((size for size in range(len(secret), 0, -1)
                for start in range(len(secret) - size + 1) if secret[start:start + size] in text), default=0)


@pytest.mark.parametrize("form", [
    lambda s: quote(s, safe=""),  # percent-encoded, as a form body or a query string carries it
    lambda s: re.sub("%[0-9A-F]{2}", lambda code: code.group().lower(), quote(s, safe="")),  # ... in lower-case hex
    lambda s: base64.b64encode(s.encode()).decode(),  # base64 of the secret alone
    lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
    lambda s: base64.b64encode(f"x{s}".encode()).decode(),  # base64 of a longer text holding it, at each alignment
    lambda s: base64.b64encode(f"xy{s}z".encode()).decode(),
    lambda s: base64.b64encode(f"{CLIENT_ID}:{s}".encode()).decode(),
])
def test_an_encoded_secret_is_hidden_too(form):
    for secret in (ODD_SECRET, REFRESH):
        echoed = form(secret)
        cleaned = outside_text(f"the request was {echoed} (echoed)", [CLIENT_ID, ODD_SECRET, REFRESH])
        assert _longest_shared_run(cleaned, echoed) < 8, cleaned
        assert HIDDEN in cleaned


def test_a_secret_split_across_two_error_items_is_hidden_in_both():
    body = json.dumps({"errors": [{"code": "ECHO", "description": f"first part {ODD_SECRET[:20]}"},
                                  {"code": "ECHO", "description": f"{ODD_SECRET[20:]} second part"},
                                  {"code": REFRESH[:15], "description": REFRESH[15:]}]})
    items = parse_error_body(body, [CLIENT_ID, ODD_SECRET, REFRESH])
    shown = json.dumps([item.__dict__ for item in items])
    assert _longest_shared_run(shown, ODD_SECRET) < 8 and _longest_shared_run(shown, REFRESH) < 8, shown


def test_padding_cannot_push_a_secret_across_the_length_cut():
    """The text is cut before the patterns run; whitespace collapsed after the cut once brought a secret's
    beginning back within the limit."""
    for padding in (1995, 1990, 1980, 1970):
        cleaned = outside_text(" " * padding + ODD_SECRET, [ODD_SECRET])
        assert _longest_shared_run(cleaned, ODD_SECRET) < 8, (padding, cleaned)


def test_an_ordinary_walmart_message_keeps_its_words_beside_a_known_secret():
    said = "Unauthorized token or Invalid Client Id or Secret"
    assert outside_text(said, [CLIENT_ID, ODD_SECRET, REFRESH]) == said
