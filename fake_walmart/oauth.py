"""GET /authorize (§6.4): the seller's login and approval page, which redirects to the app with a code.

Really https://login.account.wal-mart.com/authorize; the fake serves it on its production gateway.
"""
from __future__ import annotations

import html
import secrets
import time
from urllib.parse import urlencode, urlsplit

from fake_walmart.answers import Answer, html_answer, html_message
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import App, AuthorizationCode, GatewayState, Grant

AUTHORIZE_PATH = "/authorize"
CLIENT_TYPES = ("seller", "seller-ca", "seller-mx")


def authorize(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    try:
        app = check_authorize(state, req.query)
        seller_id = req.query.get("sellerId") or state.default_seller
        if not seller_id:
            return _login_page(state, req.query)
        return Answer(302, b"", {"Location": issue_code(state, app, req.query, seller_id)})
    except ValueError as exc:
        return html_message(400, "Authorization request rejected", str(exc))


def check_authorize(state: GatewayState, query: dict) -> App:
    """The app a well-formed authorize request names; ValueError saying what is wrong otherwise."""
    for name in ("responseType", "clientId", "redirectUri", "nonce", "state", "clientType"):
        if not query.get(name, "").strip():  # §6.4: "All parameters are mandatory unless specified as optional."
            raise ValueError(f"Missing mandatory parameter {name}.")
    if query["responseType"] != "code":
        raise ValueError(f"responseType must be 'code', not {query['responseType']!r}.")
    if not (query["nonce"].isascii() and query["nonce"].isalnum()):
        # §4.3: "random alphanumeric"; whether Walmart refuses other characters is UNCONFIRMED, so the fake is strict.
        raise ValueError(f"nonce must be alphanumeric, not {query['nonce']!r}.")
    with state.lock:
        app = state.apps.get(query["clientId"])
    if app is None:
        raise ValueError(f"clientId {query['clientId']!r} is not a registered app.")
    if query["redirectUri"] != app.redirect_uri:
        raise ValueError(f"redirectUri {query['redirectUri']!r} is not the app's registered redirect URI.")
    if query["clientType"] not in CLIENT_TYPES:
        raise ValueError(f"clientType must be one of {', '.join(CLIENT_TYPES)}, not {query['clientType']!r}.")
    return app


def issue_code(state: GatewayState, app: App, query: dict, seller_id: str) -> str:
    """The seller approves the app: a new grant and its code; returns the redirect URL carrying the code."""
    with state.lock:
        seller = state.sellers.get(str(seller_id))
        if seller is None:
            raise ValueError(f"Unknown seller {seller_id!r}.")
        grant = Grant(app, seller)
        state.grants.append(grant)
        code = secrets.token_hex(16).upper()
        state.codes[code] = AuthorizationCode(grant, query["redirectUri"], time.time() + state.code_lifetime)
    params = {"code": code, "type": "auth", "clientId": app.client_id, "sellerId": seller.seller_id, "state": query["state"]}
    separator = "&" if urlsplit(query["redirectUri"]).query else "?"
    return query["redirectUri"] + separator + urlencode(params)


def _login_page(state: GatewayState, query: dict) -> Answer:
    """Several sellers and no default: a demo browser picks who logs in and approves."""
    with state.lock:
        sellers = list(state.sellers.values())
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in query.items() if k != "sellerId")
    options = "".join(f'<option value="{html.escape(s.seller_id)}">{html.escape(s.partner_name or s.seller_id)}</option>'
                      for s in sellers)
    page = (f"<html><head><title>Walmart seller login (fake)</title></head><body><h1>Approve app access</h1>"
            f'<form method="get" action="{AUTHORIZE_PATH}">{hidden}<select name="sellerId">{options}</select>'
            f'<button type="submit">Approve</button></form></body></html>')
    return html_answer(200, page)
