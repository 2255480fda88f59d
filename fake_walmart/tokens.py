"""POST /v3/token (§1): client_credentials for seller keys; authorization_code and refresh_token for OAuth apps (§6.4)."""
from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from fake_walmart.answers import Answer, accept_ranges, json_answer, media_quality, xml_answer
from fake_walmart.auth import common_header_problem, lookup_app, lookup_key, rejection
from fake_walmart.errors import bad_header, error, not_acceptable, unauthorized
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import MARKETS, AccessToken, App, GatewayState, Grant, Key, RefreshToken

TOKEN_PATH = "/v3/token"
SELLER_GRANTS = ("authorization_code", "refresh_token")
_LEGACY_HEADERS = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
_XML_NAMES = {"access_token": "accessToken", "refresh_token": "refreshToken", "token_type": "tokenType", "expires_in": "expiresIn"}

Issued = dict[str, Any]  # the token answer's fields, before encoding


def token(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    problem = common_header_problem(req)
    if problem:
        return problem
    content_type = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return error(415, "UNSUPPORTED_MEDIA_TYPE.GMP_GATEWAY_API", "Content-Type", "Unsupported Media Type",
                     "The token request body must be application/x-www-form-urlencoded.")
    accept = accept_ranges(req.header("Accept"))
    json_q, xml_q = media_quality(accept, "application/json"), media_quality(accept, "application/xml")
    if json_q <= 0 and xml_q <= 0:
        return not_acceptable()
    # Keys are checked against the market WM_MARKET names, the US when it is absent (§3.2, §3.3).
    market = (req.header("WM_MARKET") or "").strip().lower() or "us"
    if market not in MARKETS:
        return bad_header("WM_MARKET", f"WM_MARKET must be one of {', '.join(MARKETS)}")
    grant = req.form.get("grant_type")
    if grant in SELLER_GRANTS and market != "us":
        # "authorization_code and refresh_token only for app-based integrations ... supported only in the US market" (§6.4).
        return bad_header("WM_MARKET", f"grant_type {grant} is supported only in the US market")
    key = lookup_key(state, req.environment, basic)
    app = lookup_app(state, req.environment, basic)
    if key is not None and key.market != market:
        # The one captured case (§3.3): keys of another market, checked against this one.
        return bad_header("Authorization", "Incorrect Authorization header")
    if key is None and app is None:
        return rejection(state)
    if any(req.header(name) is not None for name in _LEGACY_HEADERS):
        return unauthorized()
    # Seller keys get client_credentials; the code and refresh grants are "only for app-based integrations" (§6.4).
    grants: dict[str, Callable[[], Issued | Answer]] = {}
    if key is not None:
        grants["client_credentials"] = lambda: _grant_client_credentials(state, req, key, market)
    if app is not None:
        grants["authorization_code"] = lambda: _grant_authorization_code(state, req, app)
        grants["refresh_token"] = lambda: _grant_refresh_token(state, req, app)
    if grant not in grants:
        return error(400, "INVALID_REQUEST_PARAM.GMP_GATEWAY_API", "grant_type",
                     f"grant_type {grant!r} is not supported" if grant else "grant_type is missing",
                     "One or more request parameters are invalid.")
    result = grants[grant]()
    if isinstance(result, Answer):
        return result
    if xml_q > json_q:
        # refreshToken is UNCONFIRMED: the spec's OAuthTokenDTO example shows only the three other fields.
        lines = "".join(f"    <{_XML_NAMES[k]}>{v}</{_XML_NAMES[k]}>\n" for k, v in result.items())
        return xml_answer(200, f'<OAuthTokenDTO xmlns="">\n{lines}</OAuthTokenDTO>')
    return json_answer(200, result)


def _grant_client_credentials(state: GatewayState, req: ReceivedRequest, key: Key, market: str) -> Issued:
    token, now = _new_token(), time.time()
    with state.lock:
        state.tokens[req.environment][token] = AccessToken(req.environment, key, now, now + key.token_lifetime, market=market)
    return {"access_token": token, "token_type": "Bearer", "expires_in": key.token_lifetime}


def _grant_authorization_code(state: GatewayState, req: ReceivedRequest, app: App) -> Issued | Answer:
    partner_id, problem = _seller_grant_request(req, "code", "redirect_uri")
    if problem:
        return problem
    now = time.time()
    with state.lock:
        # A failed exchange leaves the code usable (UNCONFIRMED either way); only success burns it.
        code = state.codes.get(req.form["code"])
        if code is None or code.grant.app is not app:
            return _invalid_grant(state, "Invalid authorization code")
        if code.used:
            return _invalid_grant(state, "Authorization code has already been used")
        if now >= code.expires_at:
            return _invalid_grant(state, "Authorization code has expired")
        if not state.grant_live(code.grant):
            return _invalid_grant(state, "The seller has revoked this authorization")
        if code.grant.seller.seller_id != partner_id:
            return _invalid_grant(state, "WM_PARTNER.ID is not the seller who approved this code")
        if req.form["redirect_uri"] != code.redirect_uri:
            return _invalid_grant(state, "redirect_uri does not match the authorization request")
        code.used = True
        refresh = _new_token()
        state.refresh_tokens[refresh] = RefreshToken(code.grant, now + state.refresh_token_lifetime)
        return _issue_oauth_token(state, req.environment, code.grant, now, refresh)


def _grant_refresh_token(state: GatewayState, req: ReceivedRequest, app: App) -> Issued | Answer:
    partner_id, problem = _seller_grant_request(req, "refresh_token")
    if problem:
        return problem
    now = time.time()
    with state.lock:
        record = state.refresh_tokens.get(req.form["refresh_token"])
        if record is None or record.grant.app is not app:
            return _invalid_grant(state, "Invalid refresh token")
        if record.revoked or not state.grant_live(record.grant):
            return _invalid_grant(state, "Refresh token has been revoked")
        if now >= record.expires_at:
            return _invalid_grant(state, "Refresh token has expired")
        if record.grant.seller.seller_id != partner_id:
            return _invalid_grant(state, "WM_PARTNER.ID is not the seller this refresh token belongs to")
        if state.rotate_refresh_tokens:
            # Not what Walmart documents (§4.6), but what a rotating server would do: a new token, the old one dead.
            rotated = _new_token()
            state.refresh_tokens[rotated] = RefreshToken(record.grant, now + state.refresh_token_lifetime)
            record.revoked = True
            return _issue_oauth_token(state, req.environment, record.grant, now, rotated)
        # No new refresh token: §1.3 says one comes only with authorization_code; the old one stays valid.
        return _issue_oauth_token(state, req.environment, record.grant, now, None)


def _issue_oauth_token(state: GatewayState, environment: str, grant: Grant, now: float, refresh: str | None) -> Issued:
    token, lifetime = _new_token(), int(state.oauth_token_lifetime)
    state.tokens[environment][token] = AccessToken(environment, None, now, now + lifetime, grant)
    body = {"access_token": token, "refresh_token": refresh, "token_type": "Bearer", "expires_in": lifetime}
    return {k: v for k, v in body.items() if v is not None}


def _seller_grant_request(req: ReceivedRequest, *fields: str) -> tuple[str, Answer | None]:
    """(WM_PARTNER.ID, the error to answer with or None) for a seller grant: the header and the form fields must be there."""
    partner_id = (req.header("WM_PARTNER.ID") or "").strip()
    if not partner_id:
        return partner_id, bad_header("WM_PARTNER.ID", "WM_PARTNER.ID set blank or null")
    return partner_id, _missing_form_param(req, *fields)


def _missing_form_param(req: ReceivedRequest, *names: str) -> Answer | None:
    for name in names:
        if not req.form.get(name, "").strip():
            # UNCONFIRMED body: the §4.2 MISSING_REQUEST_PARAM code in the gateway envelope.
            return error(400, "MISSING_REQUEST_PARAM.GMP_GATEWAY_API", name, f"{name} set blank or null",
                         "One or more request parameters are missing.")
    return None


def _invalid_grant(state: GatewayState, description: str) -> Answer:
    # UNCONFIRMED (§6.4, orders-markets §4.6): no captured body exists for a bad, expired or reused code or refresh
    # token. "oauth": the RFC 6749 §5.2 shape; "gateway": the gateway's own 401 envelope, which does not say whose
    # keys or which token it refused. Clients must cope with both.
    if state.grant_error_style == "gateway":
        return unauthorized()
    return json_answer(400, {"error": "invalid_grant", "error_description": description})


def _new_token() -> str:
    # Real tokens are JWE compact serialisations (header..iv.ciphertext.tag); clients must treat them as opaque.
    header = json.dumps({"kid": str(uuid.uuid4()), "enc": "A256GCM", "alg": "dir"}, separators=(",", ":"))
    return ".".join([_b64url(header.encode()), "", _b64url(os.urandom(12)), _b64url(os.urandom(96)), _b64url(os.urandom(16))])


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
