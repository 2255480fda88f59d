"""Bounded reading of Walmart's bodies: both error envelopes in JSON and XML, nesting and size limits,
no entity expansion, and every piece of gateway text redacted before it leaves the parser."""
import base64
import json

import pytest

from core.redaction import HIDDEN, OUTSIDE_TEXT_LIMIT
from core.walmart.bodies import MAX_JSON_DEPTH, UnreadableBody, load_json, nesting_ok, parse_error_body

XML_401 = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ns2:errors xmlns:ns2="http://walmart.com/"><ns2:error>'
           "<ns2:code>UNAUTHORIZED.GMP_GATEWAY_API</ns2:code><ns2:field>UNAUTHORIZED</ns2:field>"
           "<ns2:description>Unauthorized</ns2:description><ns2:info>Unauthorized token or incorrect authorization header.</ns2:info>"
           "<ns2:severity>ERROR</ns2:severity><ns2:category>DATA</ns2:category><ns2:causes/><ns2:errorIdentifiers/>"
           "</ns2:error></ns2:errors>")


def test_an_xml_error_body_is_decoded_like_a_json_one():
    (item,) = parse_error_body(XML_401)
    assert (item.code, item.field, item.description) == ("UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized")
    assert item.info.startswith("Unauthorized token")


@pytest.mark.parametrize("body", [
    XML_401.replace(' xmlns:ns2="http://walmart.com/"', ""),  # a captured body whose ns2 declaration was lost
    XML_401.replace("ns2:", "").replace(":ns2", ""),  # no namespace at all
    "<errors><error><code>UNAUTHORIZED.GMP_GATEWAY_API</code><message>Unauthorized</message></error></errors>",
])
def test_xml_variants_are_decoded(body):
    (item,) = parse_error_body(body)
    assert item.code == "UNAUTHORIZED.GMP_GATEWAY_API" and item.description == "Unauthorized"


@pytest.mark.parametrize("body", [
    # a billion-laughs document: never parsed, so nothing is expanded
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    "<errors><error><code>&lol2;</code></error></errors>",
    # an external entity: never fetched
    '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><errors><error><code>&x;</code></error></errors>',
    "<html><body><h1>503 Service Unavailable</h1></body></html>",
    "<errors><error><code>unclosed",
])
def test_dangerous_or_unreadable_xml_gives_no_items(body):
    assert parse_error_body(body) == ()


def test_absurd_nesting_is_refused_before_parsing():
    assert not nesting_ok("[" * 100_000)
    assert nesting_ok('{"a": "[[[[[[[[' + "[" * 1000 + '"}')  # brackets inside strings do not count
    with pytest.raises(UnreadableBody, match="nested too deep"):
        load_json("[" * 100_000)
    with pytest.raises(UnreadableBody, match="nested too deep"):
        load_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert load_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    assert parse_error_body('{"error": ' + "[" * 100_000) == ()


def test_gateway_text_is_redacted_and_cut_as_it_is_parsed():
    secret = "Sup3r-Secret_Value-abcdefgh"
    basic = base64.b64encode(f"client-1234:{secret}".encode()).decode()
    body = json.dumps({"error": [{
        "code": f"UNAUTHORIZED Basic {basic}",
        "field": f"refresh_token={secret}",
        "description": f"echo: Authorization: Basic {basic}; body client_secret={secret} " + "x" * 5000,
        "info": f"the secret was {secret}",
    }]})
    (item,) = parse_error_body(body, secrets=("client-1234", secret))
    text = " ".join([item.code, item.field, item.description, item.info])
    assert secret not in text and basic not in text and HIDDEN in item.info
    assert len(item.description) <= OUTSIDE_TEXT_LIMIT


def test_only_the_first_ten_items_are_kept():
    body = json.dumps({"errors": [{"code": f"C{n}", "message": "m"} for n in range(1000)]})
    assert len(parse_error_body(body)) == 10
