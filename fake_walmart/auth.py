"""Who is calling: Basic client credentials (seller keys, OAuth apps), access tokens, and the headers every call needs."""
from __future__ import annotations

import secrets
import time

from fake_walmart.answers import Answer, accept_ranges, json_answer, media_quality
from fake_walmart.errors import bad_header, missing_header, not_acceptable, unauthorized
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import AccessToken, App, GatewayState, Key

REJECTION_STYLES = ("gateway", "oauth", "invalid_header")


def common_header_problem(req: ReceivedRequest) -> Answer | None:
    for name in ("WM_QOS.CORRELATION_ID", "WM_SVC.NAME"):
        if not (req.header(name) or "").strip():
            return bad_header(name, f"{name} set blank or null")
    return None


def market_problem(req: ReceivedRequest, market: str, business: bool) -> Answer | None:
    """A token works in the market it was granted for. Outside the US, calls must say so in WM_MARKET (and
    business calls add WM_GLOBAL_VERSION: 3.1); Walmart's exact answer to a missing one is UNCONFIRMED (§3.3),
    so it is the §4.2 MISSING_REQUEST_HEADER. A token used for another market is refused as unknown there."""
    sent = (req.header("WM_MARKET") or "").strip().lower()
    if market != "us":
        if not sent:
            return missing_header("WM_MARKET")
        if business:
            version = (req.header("WM_GLOBAL_VERSION") or "").strip()
            if not version:
                return missing_header("WM_GLOBAL_VERSION")
            if version != "3.1":
                return bad_header("WM_GLOBAL_VERSION", "WM_GLOBAL_VERSION must be 3.1")
    if sent and sent != market:
        return unauthorized()
    return None


def lookup_key(state: GatewayState, environment: str, basic: Credentials | None) -> Key | None:
    if basic is None:
        return None
    with state.lock:
        key = state.keys[environment].get(basic[0])
    return key if key is not None and secrets.compare_digest(key.client_secret.encode(), basic[1].encode()) else None


def lookup_app(state: GatewayState, environment: str, basic: Credentials | None) -> App | None:
    if basic is None:  # OAuth apps are US only (§6.4); the sandbox takes them too, as Simulate App Connect does
        return None
    with state.lock:
        app = state.apps.get(basic[0])
    return app if app is not None and secrets.compare_digest(app.client_secret.encode(), basic[1].encode()) else None


def rejection(state: GatewayState) -> Answer:
    """The answer to unknown client credentials, in the style the reference leaves open (UNCONFIRMED)."""
    style = state.rejection_style
    if style == "oauth":
        return json_answer(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
    if style == "invalid_header":
        return bad_header("Authorization", "Incorrect Authorization header")
    return unauthorized()


def authenticate(state: GatewayState, req: ReceivedRequest, basic: Credentials | None, business: bool = False) -> AccessToken | Answer:
    """The access token a call carries, or the error to answer with: the checks /v3/token/detail makes, and
    business calls take the same headers (§3), plus WM_GLOBAL_VERSION outside the US (`business`)."""
    problem = common_header_problem(req)
    if problem:
        return problem
    if media_quality(accept_ranges(req.header("Accept")), "application/json") <= 0:
        return not_acceptable()
    token = (req.header("WM_SEC.ACCESS_TOKEN") or "").strip()
    if not token:
        return missing_header("WM_SEC.ACCESS_TOKEN")
    with state.lock:
        record = state.tokens[req.environment].get(token)
        live = record is not None and state.token_live(record)
    if record is None or not live or time.time() >= record.expires_at:
        return unauthorized()
    problem = market_problem(req, record.market, business)
    if problem:
        return problem
    if req.header("Authorization") is not None:
        # An optional Basic header must name the keys the token came from: the app's for OAuth tokens.
        holder = lookup_app(state, req.environment, basic) if record.grant else lookup_key(state, req.environment, basic)
        if holder is not (record.grant.app if record.grant else record.seller_key):
            return unauthorized()
    return record
