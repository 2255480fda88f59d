"""A fake Walmart Marketplace gateway: real HTTP on 127.0.0.1, strict about the wire format.

Wire facts come from /work/shared/reference/walmart-api.md (sections 1, 2, 4, 6.4, 7, 10, 11). Anything the
reference marks UNCONFIRMED is either configurable here (rejection_style), left to queue_response, or
picked here with an "UNCONFIRMED" comment saying so.

Beyond seller keys (client_credentials) it serves the OAuth 2.0 app flow (register_app, add_seller,
GET /authorize on production, authorization_code / refresh_token grants), GET /v3/items (set_items)
and GET /v3/settings/partnerprofile.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from fake_walmart.answers import Answer, accept_ranges, html_answer, html_message, json_answer, media_quality, xml_answer
from fake_walmart.server import ReceivedRequest, Servers, first_values

ENVIRONMENTS = ("production", "sandbox")
SCOPES = ("reports", "item", "shipping", "price", "lagtime", "feeds", "returns", "orders", "rules", "inventory", "content")
ACCESS_LEVELS = ("full_access", "view_only", "no_access")
REJECTION_STYLES = ("gateway", "oauth", "invalid_header")
CLIENT_TYPES = ("seller", "seller-ca", "seller-mx")
LIFECYCLE_STATUSES = ("ACTIVE", "ARCHIVED", "RETIRED")
PUBLISHED_STATUSES = ("PUBLISHED", "READY_TO_PUBLISH", "IN_PROGRESS", "UNPUBLISHED", "STAGE", "SYSTEM_PROBLEM")
MAX_ITEM_LIMIT = 50
TOKEN_PATH = "/v3/token"
DETAIL_PATH = "/v3/token/detail"
ITEMS_PATH = "/v3/items"
PROFILE_PATH = "/v3/settings/partnerprofile"
AUTHORIZE_PATH = "/authorize"  # really https://login.account.wal-mart.com/authorize; served on the production fake
_ALLOWED_METHODS = {TOKEN_PATH: "POST", DETAIL_PATH: "GET", ITEMS_PATH: "GET", PROFILE_PATH: "GET", AUTHORIZE_PATH: "GET"}
_LEGACY_HEADERS = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
_GATEWAY_401_INFO = (
    'Unauthorized token or incorrect authorization header. Please verify correct format: '
    '"Authorization: Basic Base64Encode(clientId:clientSecret)" For more information, see '
    "https://developer.walmart.com/#/apicenter/marketPlace/latest#apiAuthentication."
)


@dataclass
class _Key:
    client_id: str
    client_secret: str
    scopes: dict
    is_channel_match: bool | None
    token_lifetime: int
    seller_id: str | None = None
    partner_name: str | None = None


@dataclass
class _App:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class _Seller:
    seller_id: str
    scopes: dict
    partner_name: str | None


@dataclass
class _Grant:
    """One approval of an app by a seller; its code, refresh token and access tokens all die with it."""
    app: _App  # identity matters, as for _Token.key: re-registering an app or re-adding a seller is a reset
    seller: _Seller
    revoked: bool = False


@dataclass
class _Code:
    grant: _Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class _Refresh:
    grant: _Grant
    expires_at: float
    revoked: bool = False


@dataclass
class _Token:
    environment: str
    key: _Key | None  # identity matters: a removed or replaced key must not validate old tokens
    issued_at: float
    expires_at: float
    grant: _Grant | None = None  # set instead of key for tokens from the OAuth app grants

    @property
    def scopes(self) -> dict:
        return self.grant.seller.scopes if self.grant else self.key.scopes


@dataclass
class _Canned:
    status: int
    body: bytes
    headers: dict
    delay: float
    remaining: int


def rate_limited_answer(retry_in_seconds: float, header_spelling: str = "x-next-replenishment-time") -> dict:
    """kwargs for queue_response: a 429 with the throttle headers (§4.4; both spellings exist in the wild)."""
    names = {"x-next-replenishment-time": "X-Next-Replenishment-Time", "x-next-replenish-time": "X-Next-Replenish-Time"}
    if header_spelling.lower() not in names:
        raise ValueError(f"header_spelling must be one of {sorted(names)}")
    replenish_ms = int((time.time() + retry_in_seconds) * 1000)
    return {
        "status": 429,
        "body": {"errors": [{
            "code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API",
            "field": "REQUEST_THRESHOLD_VIOLATED",
            "description": "Too many requests",
            "info": "The request rate limit for this API was exceeded.",
            "severity": "ERROR",
            "category": "REQUEST",
            "causes": [],
            "errorIdentifiers": {},
        }]},
        "headers": {"X-Current-Token-Count": "0", names[header_spelling.lower()]: str(replenish_ms)},
    }


def server_error_answer(status: int = 503, html: bool = False) -> dict:
    """kwargs for queue_response: what an unreachable gateway gives, i.e. no JSON at all (§4.1)."""
    if not html:
        return {"status": status, "body": None}
    page = f"<html><head><title>{status} Service Unavailable</title></head><body><h1>{status}</h1></body></html>"
    return {"status": status, "body": page, "headers": {"Content-Type": "text/html; charset=utf-8"}}


def _error(status: int, code: str, field_name: str, description: str, info: str, category: str = "DATA",
           severity: str = "ERROR") -> Answer:
    envelope = {"error": [{
        "code": code, "field": field_name, "description": description, "info": info,
        "severity": severity, "category": category, "causes": [], "errorIdentifiers": {},
    }]}
    return json_answer(status, envelope)


def _bad_header(name: str, description: str) -> Answer:
    return _error(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", name, description, "One or more request headers are invalid.")


def _unauthorized() -> Answer:
    return _error(401, "UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized", _GATEWAY_401_INFO)


def _invalid_grant(description: str) -> Answer:
    # UNCONFIRMED (§6.4): no captured body exists for a bad, expired or reused code or refresh token;
    # this is the RFC 6749 §5.2 shape, so clients must also cope with the gateway envelope.
    return json_answer(400, {"error": "invalid_grant", "error_description": description})


def _seller_grant_request(req: ReceivedRequest, *fields: str) -> tuple[str, Answer | None]:
    """(WM_PARTNER.ID, the error to answer with or None) for a seller grant: the header and the form fields must be there."""
    partner_id = (req.header("WM_PARTNER.ID") or "").strip()
    if not partner_id:
        return partner_id, _bad_header("WM_PARTNER.ID", "WM_PARTNER.ID set blank or null")
    return partner_id, _missing_form_param(req, *fields)


def _missing_form_param(req: "ReceivedRequest", *names: str) -> Answer | None:
    for name in names:
        if not req.form.get(name, "").strip():
            # UNCONFIRMED body: the §4.2 MISSING_REQUEST_PARAM code in the gateway envelope.
            return _error(400, "MISSING_REQUEST_PARAM.GMP_GATEWAY_API", name, f"{name} set blank or null",
                          "One or more request parameters are missing.")
    return None


def _bad_item_param(name: str, description: str) -> Answer:
    # Only "limit cannot be more than 50" is documented (§10.1); the 400 body for it and for bad
    # filters or cursors is UNCONFIRMED, so this is the §4.2 INVALID_REQUEST_PARAM in the gateway envelope.
    return _error(400, "INVALID_REQUEST_PARAM.GMP_ITEM_QUERY_API", name, description,
                  "One or more request parameters are invalid.")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _new_cursor() -> str:
    # Shaped like the spec's example (standard base64, may hold "+", "/" and "="), so clients must URL-encode it.
    return base64.b64encode(b"\x02\x81" + os.urandom(44)).decode("ascii")


def _new_token() -> str:
    # Real tokens are JWE compact serialisations (header..iv.ciphertext.tag); clients must treat them as opaque.
    header = json.dumps({"kid": str(uuid.uuid4()), "enc": "A256GCM", "alg": "dir"}, separators=(",", ":"))
    return ".".join([_b64url(header.encode()), "", _b64url(os.urandom(12)), _b64url(os.urandom(96)), _b64url(os.urandom(16))])


class FakeWalmart:
    """Two local gateways (production, sandbox) with separate keys and tokens. See the project brief for the API."""

    def __init__(self, latency: float = 0.0, ports: dict | None = None, host: str = "127.0.0.1"):
        self.latency = latency
        self._servers = Servers(host, {env: int((ports or {}).get(env, 0)) for env in ENVIRONMENTS}, self._respond)
        self._lock = threading.RLock()
        self._keys: dict[str, dict[str, _Key]] = {env: {} for env in ENVIRONMENTS}
        self._tokens: dict[str, dict[str, _Token]] = {env: {} for env in ENVIRONMENTS}
        self._canned: dict[tuple[str, str], deque[_Canned]] = {}
        self._requests: list[ReceivedRequest] = []
        self._rejection_style = "gateway"
        # OAuth app flow (§6.4): US production only, so none of this is per environment.
        self._apps: dict[str, _App] = {}
        self._sellers: dict[str, _Seller] = {}
        self._default_seller: str | None = None
        self._grants: list[_Grant] = []
        self._codes: dict[str, _Code] = {}
        self._refresh_tokens: dict[str, _Refresh] = {}
        self.code_lifetime = 600
        self.oauth_token_lifetime = 900
        self.refresh_token_lifetime = 365 * 86400
        self._items: dict[str, dict[str, list[dict]]] = {env: {} for env in ENVIRONMENTS}
        self._cursors: dict[str, tuple] = {}  # cursor -> (environment, owner, filters, next offset)

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> "FakeWalmart":
        self._servers.start()
        return self

    def stop(self) -> None:
        self._servers.stop()

    def __enter__(self) -> "FakeWalmart":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def base_url(self, environment: str) -> str:
        _check_env(environment)
        return self._servers.base_url(environment)

    # configuration -------------------------------------------------------------------------------
    @property
    def rejection_style(self) -> str:
        return self._rejection_style

    @rejection_style.setter
    def rejection_style(self, style: str) -> None:
        if style not in REJECTION_STYLES:
            raise ValueError(f"rejection_style must be one of {REJECTION_STYLES}, not {style!r}")
        self._rejection_style = style

    def add_key(self, environment: str, client_id: str, client_secret: str, scopes: dict | None = None,
                is_channel_match: bool | None = True, token_lifetime: int = 900, *,
                seller_id: str | None = None, partner_name: str | None = None) -> None:
        """Replacing an existing client_id counts as a key reset: its old tokens stop working.

        seller_id / partner_name feed /v3/settings/partnerprofile (a stable fake ID is derived if absent)."""
        _check_env(environment)
        scopes = _checked_scopes(scopes)
        with self._lock:
            self._keys[environment][client_id] = _Key(client_id, client_secret, scopes, is_channel_match, int(token_lifetime),
                                                      None if seller_id is None else str(seller_id), partner_name)

    def remove_key(self, environment: str, client_id: str) -> None:
        _check_env(environment)
        with self._lock:
            self._keys[environment].pop(client_id, None)
            self._tokens[environment] = {t: rec for t, rec in self._tokens[environment].items()
                                         if rec.key is None or rec.key.client_id != client_id}

    def register_app(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        """A Solution Provider's OAuth app keys (production only). Re-registering is a key reset."""
        with self._lock:
            self._apps[client_id] = _App(client_id, client_secret, redirect_uri)

    def add_seller(self, seller_id: str, scopes: dict | None = None, partner_name: str | None = None) -> None:
        """A seller account that can approve apps. Re-adding a seller_id drops its earlier approvals."""
        seller = _Seller(str(seller_id), _checked_scopes(scopes), partner_name)
        with self._lock:
            self._sellers[seller.seller_id] = seller

    @property
    def default_seller(self) -> str | None:
        """Who approves at /authorize when no sellerId is given: the one set here, else the only seller."""
        with self._lock:
            if self._default_seller is not None:
                return self._default_seller
            return next(iter(self._sellers)) if len(self._sellers) == 1 else None

    @default_seller.setter
    def default_seller(self, seller_id: str | None) -> None:
        self._default_seller = None if seller_id is None else str(seller_id)

    def authorize_url(self) -> str:
        return self.base_url("production") + AUTHORIZE_PATH

    def approve(self, authorize_url: str, seller_id: str | None = None) -> str:
        """What /authorize does when the seller logs in and approves, without HTTP: returns the redirect URL.

        Raises ValueError with the reason the login page would show for a bad request."""
        query = first_values(urlsplit(authorize_url).query)
        app = self._check_authorize(query)
        seller_id = seller_id or query.get("sellerId") or self.default_seller
        if not seller_id:
            raise ValueError("no seller_id given and no default seller")
        return self._issue_code(app, query, seller_id)

    def revoke_refresh_token(self, token: str) -> None:
        with self._lock:
            record = self._refresh_tokens.get(token)
            if record is not None:
                record.revoked = True

    def revoke_seller(self, seller_id: str) -> None:
        """The seller disconnects every app: its codes, refresh tokens and access tokens stop working."""
        with self._lock:
            for grant in self._grants:
                if grant.seller.seller_id == str(seller_id):
                    grant.revoked = True

    def set_items(self, environment: str, client_id_or_seller_id: str, items: list[dict]) -> None:
        """The catalogue /v3/items lists for tokens of that key (client_id) or seller (seller_id); replaces any earlier one."""
        _check_env(environment)
        skus = [item.get("sku") if isinstance(item, dict) else None for item in items]
        if not all(isinstance(sku, str) and sku for sku in skus):
            raise ValueError("every item needs a non-empty string 'sku'")
        if len(set(skus)) != len(skus):
            raise ValueError("SKUs must be unique per seller")
        stored = [{"mart": "WALMART_US", "publishedStatus": "PUBLISHED", "lifecycleStatus": "ACTIVE", **item} for item in items]
        with self._lock:
            self._items[environment][str(client_id_or_seller_id)] = stored

    def queue_response(self, environment: str, path: str, status: int, body=None, headers: dict | None = None,
                       delay: float = 0.0, times: int = 1) -> None:
        _check_env(environment)
        headers = dict(headers or {})
        has_type = any(k.lower() == "content-type" for k in headers)
        if isinstance(body, (dict, list)):
            raw = json.dumps(body).encode("utf-8")
            if not has_type:
                headers["Content-Type"] = "application/json"
        elif isinstance(body, (str, bytes)):
            raw = body.encode("utf-8") if isinstance(body, str) else body
            if not has_type:
                headers["Content-Type"] = "text/html; charset=utf-8"
        elif body is None:
            raw = b""
        else:
            raise TypeError("body must be a dict, list, str, bytes or None")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._canned.setdefault((environment, path), deque()).append(_Canned(status, raw, headers, delay, times))

    rate_limited_answer = staticmethod(rate_limited_answer)
    server_error_answer = staticmethod(server_error_answer)

    # inspection ----------------------------------------------------------------------------------
    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def token_requests(self, environment: str | None = None, client_id: str | None = None,
                       grant_type: str | None = None) -> list[ReceivedRequest]:
        return [r for r in self.requests
                if r.method == "POST" and r.path == TOKEN_PATH
                and environment in (None, r.environment) and client_id in (None, r.client_id)
                and grant_type in (None, r.form.get("grant_type"))]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # request handling ----------------------------------------------------------------------------
    def _respond(self, record: ReceivedRequest, basic) -> tuple[Answer, float]:
        """The answer to a request (a queued one first) and how long to hold it before sending."""
        with self._lock:
            self._requests.append(record)
            canned = self._take_canned(record.environment, record.path)
        if canned is not None:
            answer, delay = Answer(canned.status, canned.body, canned.headers), canned.delay
        else:
            answer, delay = self._route(record, basic), 0.0
        return answer, max(0.0, float(self.latency)) + max(0.0, delay)

    def _take_canned(self, environment: str, path: str) -> _Canned | None:
        queue = self._canned.get((environment, path))
        if not queue:
            return None
        canned = queue[0]
        canned.remaining -= 1
        if canned.remaining <= 0:
            queue.popleft()
        return canned

    def _route(self, req: ReceivedRequest, basic) -> Answer:
        allowed = _ALLOWED_METHODS.get(req.path)
        if req.path == AUTHORIZE_PATH and req.environment != "production":
            allowed = None  # the login page exists for production only (OAuth is US production)
        if allowed is None:
            return _error(404, "URI_NOT_FOUND.GMP_GATEWAY_API", "URI_NOT_FOUND", "Not Found",
                          f"No resource exists at {req.path}.")
        if req.method != allowed:
            answer = _error(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API", "METHOD_NOT_ALLOWED", "Method Not Allowed",
                            f"{req.path} only accepts {allowed}.")
            answer.headers["Allow"] = allowed
            return answer
        handlers = {TOKEN_PATH: self._token, DETAIL_PATH: self._detail, ITEMS_PATH: self._list_items,
                    PROFILE_PATH: self._partner_profile, AUTHORIZE_PATH: self._authorize}
        return handlers[req.path](req, basic)

    @staticmethod
    def _common_header_problem(req: ReceivedRequest) -> Answer | None:
        for name in ("WM_QOS.CORRELATION_ID", "WM_SVC.NAME"):
            if not (req.header(name) or "").strip():
                return _bad_header(name, f"{name} set blank or null")
        return None

    def _token(self, req: ReceivedRequest, basic) -> Answer:
        problem = self._common_header_problem(req)
        if problem:
            return problem
        content_type = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _error(415, "UNSUPPORTED_MEDIA_TYPE.GMP_GATEWAY_API", "Content-Type", "Unsupported Media Type",
                          "The token request body must be application/x-www-form-urlencoded.")
        accept = accept_ranges(req.header("Accept"))
        json_q, xml_q = media_quality(accept, "application/json"), media_quality(accept, "application/xml")
        if json_q <= 0 and xml_q <= 0:
            return _not_acceptable()
        key = self._lookup_key(req.environment, basic)
        app = self._lookup_app(req.environment, basic)
        if key is None and app is None:
            return self._rejection()
        if any(req.header(name) is not None for name in _LEGACY_HEADERS):
            return _unauthorized()
        grant = req.form.get("grant_type")
        # Seller keys get client_credentials; the code and refresh grants are "only for app-based integrations" (§6.4).
        handlers = {}
        if key is not None:
            handlers["client_credentials"] = lambda: self._grant_client_credentials(req, key)
        if app is not None:
            handlers["authorization_code"] = lambda: self._grant_authorization_code(req, app)
            handlers["refresh_token"] = lambda: self._grant_refresh_token(req, app)
        if grant not in handlers:
            return _error(400, "INVALID_REQUEST_PARAM.GMP_GATEWAY_API", "grant_type",
                          f"grant_type {grant!r} is not supported" if grant else "grant_type is missing",
                          "One or more request parameters are invalid.")
        result = handlers[grant]()
        if isinstance(result, Answer):
            return result
        if xml_q > json_q:
            # refreshToken is UNCONFIRMED: the spec's OAuthTokenDTO example shows only the three other fields.
            names = {"access_token": "accessToken", "refresh_token": "refreshToken",
                     "token_type": "tokenType", "expires_in": "expiresIn"}
            lines = "".join(f"    <{names[k]}>{v}</{names[k]}>\n" for k, v in result.items())
            xml = f'<OAuthTokenDTO xmlns="">\n{lines}</OAuthTokenDTO>'
            return xml_answer(200, xml)
        return json_answer(200, result)

    def _grant_client_credentials(self, req: ReceivedRequest, key: _Key) -> dict:
        token, now = _new_token(), time.time()
        with self._lock:
            self._tokens[req.environment][token] = _Token(req.environment, key, now, now + key.token_lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": key.token_lifetime}

    def _grant_authorization_code(self, req: ReceivedRequest, app: _App) -> dict | Answer:
        partner_id, problem = _seller_grant_request(req, "code", "redirect_uri")
        if problem:
            return problem
        now = time.time()
        with self._lock:
            # A failed exchange leaves the code usable (UNCONFIRMED either way); only success burns it.
            code = self._codes.get(req.form["code"])
            if code is None or code.grant.app is not app:
                return _invalid_grant("Invalid authorization code")
            if code.used:
                return _invalid_grant("Authorization code has already been used")
            if now >= code.expires_at:
                return _invalid_grant("Authorization code has expired")
            if not self._grant_live(code.grant):
                return _invalid_grant("The seller has revoked this authorization")
            if code.grant.seller.seller_id != partner_id:
                return _invalid_grant("WM_PARTNER.ID is not the seller who approved this code")
            if req.form["redirect_uri"] != code.redirect_uri:
                return _invalid_grant("redirect_uri does not match the authorization request")
            code.used = True
            refresh = _new_token()
            self._refresh_tokens[refresh] = _Refresh(code.grant, now + self.refresh_token_lifetime)
            return self._issue_oauth_token(code.grant, now, refresh)

    def _grant_refresh_token(self, req: ReceivedRequest, app: _App) -> dict | Answer:
        partner_id, problem = _seller_grant_request(req, "refresh_token")
        if problem:
            return problem
        now = time.time()
        with self._lock:
            record = self._refresh_tokens.get(req.form["refresh_token"])
            if record is None or record.grant.app is not app:
                return _invalid_grant("Invalid refresh token")
            if record.revoked or not self._grant_live(record.grant):
                return _invalid_grant("Refresh token has been revoked")
            if now >= record.expires_at:
                return _invalid_grant("Refresh token has expired")
            if record.grant.seller.seller_id != partner_id:
                return _invalid_grant("WM_PARTNER.ID is not the seller this refresh token belongs to")
            # No new refresh token: §1.3 says one comes only with authorization_code; the old one stays valid.
            return self._issue_oauth_token(record.grant, now, None)

    def _issue_oauth_token(self, grant: _Grant, now: float, refresh: str | None) -> dict:
        token, lifetime = _new_token(), int(self.oauth_token_lifetime)
        self._tokens["production"][token] = _Token("production", None, now, now + lifetime, grant)
        body = {"access_token": token, "refresh_token": refresh, "token_type": "Bearer", "expires_in": lifetime}
        return {k: v for k, v in body.items() if v is not None}

    def _grant_live(self, grant: _Grant) -> bool:
        return (not grant.revoked and self._apps.get(grant.app.client_id) is grant.app
                and self._sellers.get(grant.seller.seller_id) is grant.seller)

    def _token_live(self, record: _Token) -> bool:
        if record.grant is not None:
            return self._grant_live(record.grant)
        return self._keys[record.environment].get(record.key.client_id) is record.key

    # OAuth login page -----------------------------------------------------------------------------
    def _check_authorize(self, query: dict) -> _App:
        """The app a well-formed authorize request names; ValueError saying what is wrong otherwise."""
        for name in ("responseType", "clientId", "redirectUri", "nonce", "state", "clientType"):
            if not query.get(name, "").strip():  # §6.4: "All parameters are mandatory unless specified as optional."
                raise ValueError(f"Missing mandatory parameter {name}.")
        if query["responseType"] != "code":
            raise ValueError(f"responseType must be 'code', not {query['responseType']!r}.")
        with self._lock:
            app = self._apps.get(query["clientId"])
        if app is None:
            raise ValueError(f"clientId {query['clientId']!r} is not a registered app.")
        if query["redirectUri"] != app.redirect_uri:
            raise ValueError(f"redirectUri {query['redirectUri']!r} is not the app's registered redirect URI.")
        if query["clientType"] not in CLIENT_TYPES:
            raise ValueError(f"clientType must be one of {', '.join(CLIENT_TYPES)}, not {query['clientType']!r}.")
        return app

    def _issue_code(self, app: _App, query: dict, seller_id: str) -> str:
        with self._lock:
            seller = self._sellers.get(str(seller_id))
            if seller is None:
                raise ValueError(f"Unknown seller {seller_id!r}.")
            grant = _Grant(app, seller)
            self._grants.append(grant)
            code = secrets.token_hex(16).upper()
            self._codes[code] = _Code(grant, query["redirectUri"], time.time() + self.code_lifetime)
        params = {"code": code, "type": "auth", "clientId": app.client_id, "sellerId": seller.seller_id, "state": query["state"]}
        separator = "&" if urlsplit(query["redirectUri"]).query else "?"
        return query["redirectUri"] + separator + urlencode(params)

    def _authorize(self, req: ReceivedRequest, basic) -> Answer:
        try:
            app = self._check_authorize(req.query)
            seller_id = req.query.get("sellerId") or self.default_seller
            if not seller_id:
                return self._login_page(req.query)
            return Answer(302, b"", {"Location": self._issue_code(app, req.query, seller_id)})
        except ValueError as exc:
            return html_message(400, "Authorization request rejected", str(exc))

    def _login_page(self, query: dict) -> Answer:
        """Several sellers and no default: a demo browser picks who logs in and approves."""
        with self._lock:
            sellers = list(self._sellers.values())
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items() if k != "sellerId")
        options = "".join(f'<option value="{html.escape(s.seller_id)}">{html.escape(s.partner_name or s.seller_id)}</option>'
                          for s in sellers)
        page = (f"<html><head><title>Walmart seller login (fake)</title></head><body><h1>Approve app access</h1>"
                f'<form method="get" action="{AUTHORIZE_PATH}">{hidden}<select name="sellerId">{options}</select>'
                f'<button type="submit">Approve</button></form></body></html>')
        return html_answer(200, page)

    # calls made with an access token --------------------------------------------------------------
    def _authenticate(self, req: ReceivedRequest, basic) -> tuple[_Token | None, Answer | None]:
        """The checks /v3/token/detail makes; business calls take the same headers (§3)."""
        problem = self._common_header_problem(req)
        if problem:
            return None, problem
        accept = accept_ranges(req.header("Accept"))
        if media_quality(accept, "application/json") <= 0:
            return None, _not_acceptable()
        token = (req.header("WM_SEC.ACCESS_TOKEN") or "").strip()
        if not token:
            return None, _error(400, "MISSING_REQUEST_HEADER.GMP_GATEWAY_API", "WM_SEC.ACCESS_TOKEN",
                                "WM_SEC.ACCESS_TOKEN set blank or null", "One or more request headers are missing.")
        with self._lock:
            record = self._tokens[req.environment].get(token)
            live = record is not None and self._token_live(record)
        if not live or time.time() >= record.expires_at:
            return None, _unauthorized()
        if req.header("Authorization") is not None:
            # An optional Basic header must name the keys the token came from: the app's for OAuth tokens.
            holder = self._lookup_app(req.environment, basic) if record.grant else self._lookup_key(req.environment, basic)
            if holder is not (record.grant.app if record.grant else record.key):
                return None, _unauthorized()
        return record, None

    def _detail(self, req: ReceivedRequest, basic) -> Answer:
        record, problem = self._authenticate(req, basic)
        if problem:
            return problem
        detail = {
            "expire_at": str(int(record.expires_at * 1000)),
            "issued_at": str(int(record.issued_at * 1000)),
            "is_valid": True,
            "scopes": dict(record.scopes),
        }
        channel_match = True if record.grant else record.key.is_channel_match
        if channel_match is not None:
            detail["is_channel_match"] = channel_match
        return json_answer(200, detail)

    def _list_items(self, req: ReceivedRequest, basic) -> Answer:
        record, problem = self._authenticate(req, basic)
        if problem:
            return problem
        if record.scopes.get("item", "no_access") == "no_access":
            # UNCONFIRMED for /v3/items (§10.4): no captured body; this is the §4.2 code in the gateway envelope.
            return _error(403, "FORBIDDEN.GMP_GATEWAY_API", "FORBIDDEN", "Forbidden",
                          "The token is valid, but the key has no access to the item API.")
        query = req.query
        limit = query.get("limit", "20")
        if not limit.isdigit() or int(limit) < 1:
            return _bad_item_param("limit", f"limit must be a positive integer, not {limit!r}")
        limit = int(limit)
        if limit > MAX_ITEM_LIMIT:
            return _bad_item_param("limit", f"limit cannot be more than {MAX_ITEM_LIMIT}")
        for name, allowed in (("lifecycleStatus", LIFECYCLE_STATUSES), ("publishedStatus", PUBLISHED_STATUSES)):
            if name in query and query[name] not in allowed:
                return _bad_item_param(name, f"{name} must be one of {', '.join(allowed)}")
        with self._lock:
            owner = self._item_owner(record)
            use_cursor = "nextCursor" in query or "offset" not in query
            filters = tuple((name, query[name]) for name in ("sku", "lifecycleStatus", "publishedStatus") if name in query)
            if not use_cursor:
                start = query["offset"]
                if not start.isdigit():
                    return _bad_item_param("offset", f"offset must be a non-negative integer, not {start!r}")
                start = int(start)
            elif query.get("nextCursor", "*") == "*":
                start = 0
            else:
                state = self._cursors.get(query["nextCursor"])
                if state is None or state[:2] != (req.environment, owner):
                    return _bad_item_param("nextCursor", "nextCursor is invalid; start again with nextCursor=*")
                filters, start = state[2], state[3]  # a cursor keeps the filters of the query that started it
            matching = [item for item in self._items[req.environment].get(owner, [])
                        if all(item.get(name) == value for name, value in filters)]
            page = matching[start:start + limit]
            if not page:
                # Documented body (§10.4); integrations read it as "zero items / end of list".
                return _error(404, "CONTENT_NOT_FOUND.GMP_ITEM_QUERY_API", "404_NOT_FOUND",
                              "No Items found for the input parameters.", "Requested content could not be found.",
                              category="APPLICATION", severity="INFO")
            body = {"ItemResponse": page, "totalItems": len(matching)}
            if use_cursor and start + limit < len(matching):  # the last page omits nextCursor
                cursor = _new_cursor()
                self._cursors[cursor] = (req.environment, owner, filters, start + limit)
                body["nextCursor"] = cursor
            return json_answer(200, body)

    def _item_owner(self, record: _Token) -> str:
        if record.grant:
            return record.grant.seller.seller_id
        key = record.key
        if key.seller_id is not None and key.client_id not in self._items[record.environment]:
            return key.seller_id
        return key.client_id

    def _partner_profile(self, req: ReceivedRequest, basic) -> Answer:
        record, problem = self._authenticate(req, basic)
        if problem:
            return problem
        # No scope check: §11 leaves the scope this call needs UNCONFIRMED.
        if record.grant:
            partner_id, name = record.grant.seller.seller_id, record.grant.seller.partner_name
        else:
            # A stable made-up seller ID for keys added without one, so profiles still differ per key.
            digest = int(hashlib.sha256(record.key.client_id.encode()).hexdigest(), 16)
            partner_id = record.key.seller_id or str(10**8 + digest % (9 * 10**8))
            name = record.key.partner_name
        name = name or f"Seller {partner_id}"
        return json_answer(200, {
            "partner": {
                "partnerId": partner_id, "partnerName": name, "partnerDisplayName": name, "partnerStoreId": partner_id,
                "businessRegNumber": "FAKE-TAX-ID-0000",  # sensitive in real life: present so tests can check it is never shown
                "countryOfIncorporation": "US",
            },
            "configurations": [{"configurationName": "ACCOUNT", "configuration": {"status": "ACTIVE"}}],
        })

    def _lookup_key(self, environment: str, basic) -> _Key | None:
        if basic is None:
            return None
        with self._lock:
            key = self._keys[environment].get(basic[0])
        return key if key is not None and secrets.compare_digest(key.client_secret.encode(), basic[1].encode()) else None

    def _lookup_app(self, environment: str, basic) -> _App | None:
        if basic is None or environment != "production":  # OAuth apps are US production only (§6.4)
            return None
        with self._lock:
            app = self._apps.get(basic[0])
        return app if app is not None and secrets.compare_digest(app.client_secret.encode(), basic[1].encode()) else None

    def _rejection(self) -> Answer:
        style = self._rejection_style
        if style == "oauth":
            return json_answer(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        if style == "invalid_header":
            return _bad_header("Authorization", "Incorrect Authorization header")
        return _unauthorized()


def _not_acceptable() -> Answer:
    return _error(406, "INVALID_ACCEPT_TYPE.GMP_GATEWAY_API", "Accept", "Not Acceptable",
                  "This endpoint answers in application/json (or application/xml for /v3/token).", category="APPLICATION")


def _checked_scopes(scopes: dict | None) -> dict:
    if scopes is None:
        return {name: "full_access" for name in SCOPES}
    bad = {k: v for k, v in scopes.items() if v not in ACCESS_LEVELS}
    if bad:
        raise ValueError(f"unknown access level(s) {bad}; use one of {ACCESS_LEVELS}")
    return dict(scopes)


def _check_env(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
