"""The error decoder, with cases from Walmart's error tables (shared/reference/walmart-api.md §4, §8)."""
import json

import pytest

from core.troubleshooting.decoder import explain
from core.troubleshooting.faq import load_faq


@pytest.fixture(scope="module")
def faq():
    return load_faq()


def envelope(code: str, field: str, description: str, info: str = "", key: str = "error") -> str:
    return json.dumps({key: [{"code": code, "field": field, "description": description, "info": info,
                              "severity": "ERROR", "category": "DATA", "causes": [], "errorIdentifiers": {}}]})


def ids(result) -> list[str]:
    return [entry.id for entry in result.faq]


def test_gateway_401_body_means_refused_keys_with_ranked_causes(faq):
    body = envelope("UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized",
                    'Unauthorized token or incorrect authorization header. Please verify correct format: "Authorization: Basic ..."')
    result = explain(body, faq)
    assert result.recognized and result.title == "Walmart refused the keys"
    assert result.code == "UNAUTHORIZED.GMP_GATEWAY_API" and result.field is None  # the field only repeats the code
    assert [c.faq_id for c in result.causes][:2] == ["production-vs-sandbox", "copied-text-wrong"]
    assert ids(result)[0] == "keys-rejected"
    assert {"reset-key-and-retry", "keys-reset-by-colleague", "legacy-consumer-id"} <= set(ids(result))
    assert result.found == ("Walmart code UNAUTHORIZED.GMP_GATEWAY_API",)
    assert result.steps


def test_the_bare_code_reads_the_same(faq):
    assert explain("UNAUTHORIZED.GMP_GATEWAY_API", faq).title == "Walmart refused the keys"


def test_blank_correlation_id_is_a_request_fault_not_the_keys(faq):
    body = envelope("INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "WM_QOS.CORRELATION_ID",
                    "WM_QOS.CORRELATION_ID set blank or null", "One or more request headers are invalid.")
    result = explain(body, faq)
    assert result.field == "WM_QOS.CORRELATION_ID"
    assert "WM_QOS.CORRELATION_ID" in result.title
    assert "not in the keys" in result.meaning
    assert ids(result)[0] == "request-header-problem" and "correlation-id-support-ticket" in ids(result)
    assert "keys-rejected" not in ids(result)


def test_invalid_authorization_header_means_refused_keys(faq):
    body = envelope("INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "Authorization", "Incorrect Authorization header")
    result = explain(body, faq)
    assert result.title == "Walmart refused the keys" and result.field == "Authorization"


def test_403_forbidden_is_a_missing_permission(faq):
    result = explain("403 FORBIDDEN.GMP_GATEWAY_API", faq)
    assert result.title == "The key lacks a permission" and result.http_status == 403
    assert result.causes[0].faq_id == "permissions-not-enabled" and ids(result)[0] == "permissions-not-enabled"


def test_429_request_threshold_violated_is_rate_limiting(faq):
    body = json.dumps({"errors": [{"code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", "description": "Too many requests"}]})
    for text in (f"HTTP 429 {body}", "429 REQUEST_THRESHOLD_VIOLATED"):
        result = explain(text, faq)
        assert result.title.startswith("Too many requests") and result.http_status == 429
        assert ids(result) == ["rate-limited"]
        assert "keys are fine" in result.meaning


@pytest.mark.parametrize("text", ['{"error":"invalid_client","error_description":"Bad client credentials"}', "invalid_client", "error=invalid_client"])
def test_oauth_invalid_client_means_refused_keys(faq, text):
    result = explain(text, faq)
    assert result.title == "Walmart refused the keys" and result.code == "invalid_client"
    assert "OAuth error invalid_client" in result.found


def test_invalid_grant_points_to_reconnecting_the_app(faq):
    result = explain("invalid_grant", faq)
    assert "grant" in result.title and result.code == "invalid_grant"
    assert ids(result)[:2] == ["reconnect-store", "connect-link-problems"]


def oauth_error(error: str, description: str) -> str:  # the shape the fake gateway answers (walmart-api.md §6.4: UNCONFIRMED)
    return json.dumps({"error": error, "error_description": description})


@pytest.mark.parametrize(
    "text",
    [
        oauth_error("invalid_grant", "Refresh token has expired"),
        oauth_error("invalid_grant", "Refresh token has been revoked"),
        oauth_error("invalid_grant", "Invalid refresh token"),
        "POST /v3/token grant_type=refresh_token -> 400 invalid_grant",
        "Walmart refused the store's refresh token. Walmart refused the keys (HTTP 400). Walmart said: invalid_grant Refresh token has expired",
        "the refresh token was revoked",
        json.dumps({"error": [{"code": "INVALID_REQUEST.GMP_GATEWAY_API", "description": "Refresh token expired"}]}),  # the other shape
    ],
)
def test_a_refused_refresh_token_means_reconnect_the_store(faq, text):
    result = explain(text, faq)
    assert result.recognized and "re-connect" in result.title
    assert ids(result)[0] == "reconnect-store" and result.causes[0].faq_id == "reconnect-store"
    assert "a refused refresh token" in result.found or "invalid_grant" in text
    assert "access-token-expired" not in ids(result)  # the 15-minute token is another matter


@pytest.mark.parametrize(
    "text",
    [
        oauth_error("invalid_grant", "Authorization code has already been used"),
        oauth_error("invalid_grant", "Authorization code has expired"),
        oauth_error("invalid_grant", "Invalid authorization code"),
        "POST /v3/token grant_type=authorization_code -> 400 invalid_grant",
        "POST /v3/token grant_type=authorization_code&redirect_uri=http://localhost:8501/walmart_callback -> 400 invalid_grant",  # not a mismatch
        "Walmart did not accept the authorization code. Walmart refused the keys (HTTP 400). Walmart said: invalid_grant Authorization code has already been used",
    ],
)
def test_a_refused_authorization_code_means_connect_again(faq, text):
    result = explain(text, faq)
    assert result.title == "Walmart did not accept the authorization code"
    assert ids(result)[0] == "connect-link-problems" and "oauth-redirect-paste" in ids(result)
    assert any("work once" in step for step in result.steps)


@pytest.mark.parametrize(
    "text",
    [
        oauth_error("invalid_grant", "redirect_uri does not match the authorization request"),
        "redirect_uri_mismatch",
        "Redirect URI mismatch",
        "redirectUri 'http://localhost:8501/walmart_callback/' is not the app's registered redirect URI.",
    ],
)
def test_a_redirect_uri_mismatch_points_to_the_app_settings(faq, text):
    result = explain(text, faq)
    assert result.title == "The redirect URI does not match the app's registration"
    assert ids(result)[0] == "oauth-app-setup" and "oauth-redirect-paste" in ids(result)
    assert "WALMART_OAUTH_REDIRECT_URI" in result.meaning


@pytest.mark.parametrize(
    "text, code, field",
    [
        (envelope("INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "WM_PARTNER.ID", "WM_PARTNER.ID set blank or null", "One or more request headers are invalid."),
         "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "WM_PARTNER.ID"),
        (oauth_error("invalid_grant", "WM_PARTNER.ID is not the seller this refresh token belongs to"), "invalid_grant", None),
        ("wm_partner.id", None, "WM_PARTNER.ID"),
    ],
)
def test_wm_partner_id_problems_are_the_seller_id_header(faq, text, code, field):
    result = explain(text, faq)
    assert "WM_PARTNER.ID" in result.title and result.code == code and result.field == field
    assert ids(result)[0] == "oauth-app-setup"
    assert "keys-rejected" not in ids(result)


def test_unauthorized_client_is_about_the_app_registration(faq):
    result = explain(oauth_error("unauthorized_client", "Client not allowed this grant type"), faq)
    assert result.code == "unauthorized_client" and "kind of sign-in" in result.title
    assert ids(result)[0] == "oauth-app-setup" and "keys-rejected" in ids(result)


@pytest.mark.parametrize("text", ["error=access_denied&state=abc", "Walmart did not authorize the app: access_denied.",
                                  "http://localhost:8501/walmart_callback?error=access_denied&error_description=denied"])
def test_access_denied_means_the_seller_did_not_approve(faq, text):
    result = explain(text, faq)
    assert result.title == "The seller did not approve the app" and result.code == "access_denied"
    assert ids(result)[0] == "connect-link-problems"


@pytest.mark.parametrize(
    "text, first_answer",
    [
        ("This connect link is not one we issued (unknown state), so it was refused.", "connect-link-problems"),
        ("This connect link was already used.", "connect-link-problems"),
        ("This connect link has expired.", "connect-link-problems"),
        ("This connect link was started by someone else.", "connect-link-problems"),
        ("The address is missing code, state, sellerId.", "oauth-redirect-paste"),
        ("The address is missing sellerId.", "oauth-redirect-paste"),
    ],
)
def test_the_dashboards_own_connect_messages_are_explained(faq, text, first_answer):
    result = explain(text, faq)
    assert result.recognized and ids(result)[0] == first_answer


def test_invalid_client_still_names_the_delegated_key_causes_and_the_app_keys(faq):
    plain = explain(oauth_error("invalid_client", "Bad client credentials"), faq)
    assert [c.faq_id for c in plain.causes][:2] == ["production-vs-sandbox", "copied-text-wrong"]
    assert "oauth-app-setup" in [c.faq_id for c in plain.causes] and ids(plain)[0] == "keys-rejected"
    assert "app" in plain.meaning
    # While connecting or refreshing a store through the app, the app's own keys are the first suspect.
    connecting = explain("grant_type=refresh_token -> 401 " + oauth_error("invalid_client", "Bad client credentials"), faq)
    assert connecting.title == "Walmart refused the keys" and connecting.causes[0].faq_id == "oauth-app-setup"
    assert ids(connecting)[:2] == ["keys-rejected", "oauth-app-setup"]
    refresh_401 = explain("401 Unauthorized during grant_type=refresh_token", faq)
    assert refresh_401.causes[0].faq_id == "oauth-app-setup"


def test_a_passing_fault_is_not_mistaken_for_a_refused_refresh_token(faq):
    result = explain("refresh token request rejected: 429 Too Many Requests", faq)
    assert result.title.startswith("Too many requests") and ids(result) == ["rate-limited"]


def test_a_refresh_token_merely_mentioned_is_not_a_refusal(faq):
    body = envelope("MISSING_REQUEST_PARAM.GMP_GATEWAY_API", "refresh_token", "refresh_token set blank or null")
    result = explain(body, faq)
    assert result.title == "Walmart could not accept the request" and result.field == "refresh_token"


def test_reconnect_required_status_is_explained(faq):
    result = explain("Acme: reconnect_required", faq)
    assert result.title == "Re-connect this store" and ids(result) == ["reconnect-store"]


def test_oauth_secrets_are_not_echoed(faq):
    secret = "4B58DEADBEEF0123456789refreshSECRET"
    result = explain(f"grant_type=refresh_token&refresh_token={secret} -> " + oauth_error("invalid_grant", "Refresh token has expired"), faq)
    assert "re-connect" in result.title and secret not in json.dumps(result.to_dict())


@pytest.mark.parametrize("text", ["503", " 503\n", "HTTP 503", "HTTP/1.1 503 Service Unavailable", "status code: 503", '{"status": 503}'])
def test_a_bare_503_means_walmart_is_unavailable(faq, text):
    result = explain(text, faq)
    assert result.title == "Walmart is unavailable" and result.http_status == 503
    assert ids(result) == ["walmart-unavailable"]


@pytest.mark.parametrize("text, status", [("status code: 401", 401), ("HTTP 401", 401), ("401 Unauthorized", 401), ("Error 404", 404)])
def test_statuses_in_log_wording(faq, text, status):
    assert explain(text, faq).http_status == status


@pytest.mark.parametrize(
    "text, title_part, first_answer",
    [
        ("SYSTEM_ERROR.GMP_GATEWAY_API", "internal error", "walmart-unavailable"),
        ("INVALID_SYSTEM_STATE", "internal error", "walmart-unavailable"),
        ("DOWNSTREAM_SYSTEM_TIME_OUT", "did not answer in time", "walmart-unavailable"),
        ("504 Gateway Timeout", "did not answer in time", "walmart-unavailable"),
        ("GET https://marketplace.walmartapis.com/v3/token/details -> 404 Not Found", "/v3/token/details", "wrong-web-address"),
        ("URI_NOT_FOUND.GMP_GATEWAY_API", "does not know this address", "wrong-web-address"),
        ("UNSUPPORTED_MEDIA_TYPE.GMP_GATEWAY_API", "could not accept the request", "request-not-accepted"),
        ("INVALID_TOKEN.GMP_GATEWAY_API", "expired", "access-token-expired"),
        ('{"error":[{"code":"CONTENT_NOT_FOUND.GMP_ITEM_QUERY_API","field":"404_NOT_FOUND","description":"No Items found"}]}', "found nothing", "mapping-listing-sku"),
        ('{"error":[{"code":"INVALID_REQUEST_HEADER.GMP_GATEWAY_API","field":"WM_CONSUMER.CHANNEL.TYPE"}]}', "another country", "other-market-keys"),
    ],
)
def test_codes_from_the_reference_tables(faq, text, title_part, first_answer):
    result = explain(text, faq)
    assert result.recognized and title_part in result.title
    assert ids(result)[0] == first_answer


def test_form_body_hint_for_unsupported_media_type(faq):
    assert "application/x-www-form-urlencoded" in explain("UNSUPPORTED_MEDIA_TYPE", faq).meaning


@pytest.mark.parametrize("header", ["WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID"])
def test_legacy_signature_headers_point_to_the_old_credentials(faq, header):
    result = explain(f"Request headers: {header}: abc", faq)
    assert "old signature" in result.title and ids(result)[0] == "legacy-consumer-id"


def test_legacy_headers_move_that_cause_up_on_a_401(faq):
    result = explain("401 UNAUTHORIZED.GMP_GATEWAY_API (sent WM_SEC.AUTH_SIGNATURE and WM_SEC.TIMESTAMP)", faq)
    assert result.title == "Walmart refused the keys" and result.causes[0].faq_id == "legacy-consumer-id"


@pytest.mark.parametrize(
    "header, answer",
    [("WM_QOS.CORRELATION_ID", "request-header-problem"), ("WM_SVC.NAME", "request-header-problem"), ("wm_sec.access_token", "access-token-expired")],
)
def test_header_names_alone_are_explained(faq, header, answer):
    result = explain(header, faq)
    assert result.recognized and header.upper() in result.title
    assert ids(result)[0] == answer


def test_a_logged_correlation_id_does_not_hide_the_status(faq):
    line = "2026-11-26 10:00:01 ERROR walmart call failed status=429 WM_QOS.CORRELATION_ID=b3261d2d-028a-4ef7-8602-633c23200af6"
    assert explain(line, faq).http_status == 429
    assert explain(line, faq).title.startswith("Too many requests")


def test_network_errors_from_logs(faq):
    line = "requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='marketplace.walmartapis.com', port=443): Max retries exceeded"
    result = explain(line, faq)
    assert result.title == "Walmart could not be reached" and ids(result)[0] == "walmart-unavailable"


def test_our_own_status_names_are_explained(faq):
    result = explain("Acme: wrong_environment", faq)
    assert result.recognized and ids(result) == ["production-vs-sandbox"]


@pytest.mark.parametrize("text", ["qzxv blorp 9k!!", "", "the thing broke again"])
def test_unknown_text_still_gets_faq_answers(faq, text):
    result = explain(text, faq)
    assert not result.recognized and result.steps
    assert result.faq, "unknown text must never be a dead end"


def test_unknown_text_with_familiar_words_gets_matching_answers(faq):
    result = explain("the seller says our bundle qty is wrong", faq)
    assert not result.recognized and ids(result)[0] == "mapping-bundle-quantities"


def test_nothing_pasted_is_echoed(faq):
    secret = "Zz9-super-secret-value-0123456789"
    text = f'Authorization: Basic {secret} -> {envelope("UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", secret, secret)}'
    result = explain(text, faq)
    assert result.title == "Walmart refused the keys"
    assert secret not in json.dumps(result.to_dict())


def test_an_xml_error_body_is_decoded_like_the_json_one(faq):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><ns2:errors xmlns:ns2="http://walmart.com/"><ns2:error>'
           "<ns2:code>UNAUTHORIZED.GMP_GATEWAY_API</ns2:code><ns2:field>UNAUTHORIZED</ns2:field>"
           "<ns2:description>Unauthorized</ns2:description><ns2:info>Unauthorized</ns2:info></ns2:error></ns2:errors>")
    from_xml = explain(xml, faq)
    from_json = explain(envelope("UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized", "Unauthorized"), faq)
    assert from_xml.recognized and from_xml.title == from_json.title == "Walmart refused the keys"
    assert from_xml.code == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert [entry.id for entry in from_xml.faq] == [entry.id for entry in from_json.faq]
