"""The error decoder, with cases from Walmart's error tables (shared/reference/walmart-api.md §4, §8)."""
import json

import pytest

from core.i18n import use_language
from core.troubleshooting.decoder import explain, explain_all
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


# --- The error inside a log line (issue 18) ------------------------------------------------------

TOKEN_URL = "https://marketplace.walmartapis.com/v3/token"


@pytest.mark.parametrize(
    "line, title, status, first_answer",
    [
        (f"2026-12-01 10:00:01 ERROR walmart sync failed: 401 Client Error: Unauthorized for url: {TOKEN_URL}",
         "Walmart refused the keys", 401, "keys-rejected"),
        (f"requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: {TOKEN_URL}", "Walmart refused the keys", 401, "keys-rejected"),
        ("HTTPError: 429 Client Error: Too Many Requests for url: https://marketplace.walmartapis.com/v3/orders",
         "Too many requests: Walmart is limiting calls", 429, "rate-limited"),
        ("HTTPError: 429 Client Error...", "Too many requests: Walmart is limiting calls", 429, "rate-limited"),
        ("2026-12-01T10:00:01.123Z [ERROR] walmart.client: requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: x",
         "Walmart is unavailable", 503, "walmart-unavailable"),
        ("ERROR:root:500 Server Error: Internal Server Error for url: https://marketplace.walmartapis.com/v3/items",
         "Walmart had an internal error", 500, "walmart-unavailable"),
        (f"2026-12-01 10:00:01 错误 同步沃尔玛订单失败：401 Client Error: Unauthorized for url: {TOKEN_URL}", "Walmart refused the keys", 401, "keys-rejected"),
    ],
)
def test_an_http_status_written_by_requests_is_found_inside_a_log_line(faq, line, title, status, first_answer):
    result = explain(line, faq)
    assert result.recognized and result.title == title and result.http_status == status
    assert ids(result)[0] == first_answer and ids(result)[0] != "oauth-app-setup"


@pytest.mark.parametrize(
    "text, code",
    [
        ("unauthorized.gmp_gateway_api", "unauthorized.gmp_gateway_api"),
        ("ERROR:walmart.sync:unauthorized.gmp_gateway_api", "unauthorized.gmp_gateway_api"),
        ("2026-12-01 10:00:01 WARN Unauthorized.Gmp_Gateway_Api", "Unauthorized.Gmp_Gateway_Api"),
    ],
)
def test_a_walmart_code_is_found_in_any_case(faq, text, code):
    result = explain(text, faq)
    assert result.title == "Walmart refused the keys" and result.code == code and ids(result)[0] == "keys-rejected"
    assert f"Walmart code {code}" in result.found


def test_ordinary_words_are_not_taken_for_a_code_in_lower_case(faq):
    result = explain("the seller was unauthorized to change the forbidden items", faq)
    assert not result.recognized


@pytest.mark.parametrize(
    "text, title, label",
    [
        ("Unauthorized token or Invalid Client Id or Secret", "Walmart refused the keys", "Walmart's words for refused keys"),
        ("invalid client_id or client_secret", "Walmart refused the keys", "Walmart's words for refused keys"),
        ("客户端ID或密钥无效", "Walmart refused the keys", "Walmart's words for refused keys"),
        ("Too many requests", "Too many requests: Walmart is limiting calls", "Walmart's words for too many requests"),
        ("请求过于频繁，请稍后再试", "Too many requests: Walmart is limiting calls", "Walmart's words for too many requests"),
        ("Refresh token has expired", "Walmart refused the store's refresh token: re-connect the store", "a refused refresh token"),
        ("刷新令牌已过期", "Walmart refused the store's refresh token: re-connect the store", "a refused refresh token"),
        ("redirect_uri does not match", "The redirect URI does not match the app's registration", "a redirect URI that does not match"),
        ("回调地址与登记的不一致", "The redirect URI does not match the app's registration", "a redirect URI that does not match"),
    ],
)
def test_walmarts_own_words_are_recognised_in_both_languages(faq, text, title, label):
    result = explain(text, faq)
    assert result.recognized and result.title == title and label in result.found


@pytest.mark.parametrize("text", ["Connection timed out", "连接超时", "2026-12-01 10:00:01 错误 无法连接 marketplace.walmartapis.com"])
def test_network_failures_in_both_languages(faq, text):
    assert explain(text, faq).title == "Walmart could not be reached"


def test_the_explanation_speaks_the_current_language(faq):
    line = f"2026-12-01 10:00:01 ERROR walmart sync failed: 401 Client Error: Unauthorized for url: {TOKEN_URL}"
    with use_language("zh-CN"):
        result = explain(line, faq)
        assert result.title == "沃尔玛拒绝了密钥" and result.steps[0].startswith("对这组密钥运行诊断")
        assert result.causes[0].text.startswith("把沙箱密钥") and result.faq[0].question.startswith("沃尔玛拒绝了密钥")
        assert "沃尔玛表示请求过多的原话" in explain("请求过于频繁", faq).found
        assert result.to_dict()["code"] is None and set(result.to_dict()) == set(explain(line, faq).to_dict())
    assert explain(line, faq).title == "Walmart refused the keys"


# --- A log excerpt: one result per error --------------------------------------------------------

EXCERPT = f"""2026-12-01 10:00:01,001 INFO walmart.sync: starting order sync for Acme US
2026-12-01 10:00:02,311 ERROR walmart.sync: sync failed
Traceback (most recent call last):
  File "/opt/oms/walmart/sync.py", line 88, in pull_orders
    response.raise_for_status()
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: {TOKEN_URL}
2026-12-01 10:05:02,100 ERROR walmart.sync: 401 Client Error: Unauthorized for url: {TOKEN_URL}
2026-12-01 10:06:00,000 WARNING walmart.client: HTTPError: 429 Client Error: Too Many Requests for url: https://marketplace.walmartapis.com/v3/orders
2026-12-01 10:07:00,000 ERROR walmart.client: {{"error":[{{"code":"INVALID_REQUEST_HEADER.GMP_GATEWAY_API","field":"WM_QOS.CORRELATION_ID"}}]}}
2026-12-01 10:08:00,000 INFO walmart.client: GET /v3/orders 200 OK
2026-12-01 10:09:00,000 ERROR walmart.sync: unauthorized.gmp_gateway_api
"""


def test_a_log_excerpt_gives_one_result_per_error_in_order_with_repeats_folded(faq):
    results = explain_all(EXCERPT, faq)
    assert [(r.title, r.lines) for r in results] == [
        ("Walmart refused the keys", (6, 7)),  # the traceback's last line and the same 401 logged again
        ("Too many requests: Walmart is limiting calls", (8,)),
        ("WM_QOS.CORRELATION_ID: the call's tracking ID", (9,)),
        ("Walmart refused the keys", (11,)),  # the same meaning, but a Walmart code rather than an HTTP status
    ]
    assert results[3].code == "unauthorized.gmp_gateway_api" and results[0].http_status == 401
    assert [r.to_dict()["lines"] for r in results] == [[6, 7], [8], [9], [11]]


def test_a_json_body_over_several_lines_is_one_error(faq):
    body = json.dumps({"error": [{"code": "FORBIDDEN.GMP_GATEWAY_API", "field": "FORBIDDEN", "description": "Forbidden"}]}, indent=2)
    results = explain_all(f"2026-12-01 10:00:01 ERROR walmart.client: call failed\n{body}\n", faq)
    assert [r.title for r in results] == ["The key lacks a permission"] and results[0].lines == tuple(range(2, 2 + len(body.splitlines())))
    assert [r.title for r in explain_all(body, faq)] == ["The key lacks a permission"]  # the body alone, as before


def test_an_excerpt_without_an_error_still_gets_the_closest_answers(faq):
    results = explain_all("INFO sync started\nINFO the seller says our bundle qty is wrong\nINFO sync finished", faq)
    assert len(results) == 1 and not results[0].recognized and ids(results[0])[0] == "mapping-bundle-quantities"
    calls_that_worked = explain_all("GET /v3/items 200 OK\nGET /v3/orders 200 OK", faq)  # no error: the statuses say so
    assert [r.title for r in calls_that_worked] == ["This status means success"]


def test_one_line_reads_as_before(faq):
    assert [r.to_dict() for r in explain_all("HTTP 429", faq)] == [explain("HTTP 429", faq).to_dict()]


@pytest.mark.parametrize("pasted", ["[" * 100_000, '{"status": ' * 50_000 + "401", '{"a":' * 3000 + '{"status": 401}' + "}" * 3000])
def test_pasted_text_nested_deeper_than_any_walmart_answer_is_explained_not_a_recursion_error(faq, pasted):
    """Issue 14 item 9, on the decoder's side: json.loads of 100,000 '[' pasted into Decode (or piped into
    `python -m core explain`) raised RecursionError, a traceback on the page."""
    [result] = explain_all(pasted, faq)
    assert result.title
