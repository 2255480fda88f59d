"""HTTP client for Walmart: the token grants, token detail, items, and the error envelopes.

Wire format as in shared/reference/walmart-api.md §1-§4 and §10: Basic auth, a form body, WM_SVC.NAME,
a fresh WM_QOS.CORRELATION_ID per call, Accept: application/json, and the market headers of
core.walmart.markets on every call. Every call is bounded: one deadline for the whole call, retries
included (core.walmart.wire), bodies read up to a cap, JSON parsed within a depth (core.walmart.bodies).
Secrets and tokens never reach a log line, an exception or a repr, and gateway text is redacted of
the call's own secrets before anything keeps it.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlencode

import requests
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, ProxyError

from core.config import Settings
from core.i18n import Text, join, lazy, render
from core.redaction import KnownSecrets, outside_text
from core.walmart.bodies import ErrorItem, UnreadableBody, load_json, parse_error_body
from core.walmart.markets import CallKind, market_headers, market_of
from core.walmart.wire import CONNECT_TIMEOUT, Deadline, DeadlinePassed, Reply, network_settings, new_session, read_capped, watched

__all__ = [
    "ITEMS_PATH", "ORDERS_PATH", "TOKEN_DETAIL_PATH", "TOKEN_PATH", "CallRecord", "ErrorItem", "ErrorKind", "JsonObject", "Token",
    "TokenDetail", "WalmartClient", "WalmartError", "parse_error_body",
]

TOKEN_PATH: Final = "/v3/token"
TOKEN_DETAIL_PATH: Final = "/v3/token/detail"
ITEMS_PATH: Final = "/v3/items"
ORDERS_PATH: Final = "/v3/orders"
RETRYABLE_STATUSES: Final = (500, 502, 503, 504)  # 401/403/429 are answers, not glitches
MAX_RETRIES: Final = 2
BACKOFF_SECONDS: Final = 0.3  # doubled on each retry
MAX_RETRY_AFTER_SECONDS: Final = 10  # beyond this a check reports the wait instead of blocking on it
ERROR_BODY_CAP: Final = 64 * 1024  # an error envelope is a few hundred bytes
TOKEN_BODY_CAP: Final = 64 * 1024  # a token or token-detail answer is smaller still
ITEMS_BODY_CAP: Final = 8 * 1024 * 1024  # 50 items a page, each a few KB
ORDERS_BODY_CAP: Final = 16 * 1024 * 1024  # 200 orders a page, each a few KB with its lines and shipping
MAX_CURSOR_LENGTH: Final = 4096
REFRESH_TOKEN_LIFETIME: Final = timedelta(days=365)  # walmart-api.md §6.4

# What an access token may hold: visible ASCII, as every token Walmart documents (JWT-like base64 text) does.
_HEADER_SAFE: Final = re.compile(r"[\x21-\x7e]+")
# A JSON object as Walmart sends it: values are whatever the wire held, read with checks.
JsonObject = dict[str, Any]


class ErrorKind(StrEnum):
    """Why one call to Walmart failed. Not a check's Status: a check turns these into one (refused credentials
    or a 403 become `rejected` or `reconnect_required`, a 429 `rate_limited`, anything else `unreachable`)."""

    credentials_refused = "credentials_refused"  # 401, or a 400 about the Authorization header
    forbidden = "forbidden"  # valid token, permission missing (403)
    rate_limited = "rate_limited"  # 429
    unavailable = "unavailable"  # 5xx, or a 404 from a wrong base URL
    bad_request = "bad_request"  # 400 about our request (a header or parameter)
    bad_response = "bad_response"  # 2xx we cannot read (not JSON, too large, nested too deep)
    timeout = "timeout"  # the call's deadline passed
    network = "network"  # refused, DNS, reset
    tls = "tls"


@dataclass(frozen=True)
class CallRecord:
    """One call as a support ticket needs it."""

    method: str
    path: str
    correlation_id: str
    http_status: int | None
    elapsed_ms: int


class WalmartError(Exception):
    """A failed call. `message` and `items` hold no secret of the call (redacted at the client boundary).

    `text` is the message kept untranslated (a check stores it, and a fleet run builds it in a worker thread);
    `message` shows it in the current language. `said` is Walmart's own words about it, if any."""

    def __init__(
        self,
        kind: ErrorKind,
        message: Text | str,
        call: CallRecord,
        items: tuple[ErrorItem, ...] = (),
        retry_at: datetime | None = None,
        token_count: str | None = None,
        said: Text | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.text = join(message, said) if said is not None else message
        self.said = said
        self.call = call
        self.items = items
        self.retry_at = retry_at
        self.token_count = token_count

    @property
    def message(self) -> str:
        return render(self.text)

    @property
    def http_status(self) -> int | None:
        return self.call.http_status

    @property
    def code(self) -> str | None:
        return self.items[0].code if self.items else None


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    expires_at: datetime  # UTC
    call: CallRecord
    # From authorization_code always; from refresh_token only when Walmart rotates it (walmart-orders-markets.md §4.6).
    refresh_token: str | None = field(default=None, repr=False)
    # The market the token was granted for: calls made with it carry the same market headers.
    market: str = "us"


@dataclass(frozen=True)
class TokenDetail:
    scopes: dict[str, str]
    is_valid: bool
    is_channel_match: bool | None
    issued_at: datetime | None
    expire_at: datetime | None
    call: CallRecord


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _header(reply: Reply, *names: str) -> str | None:
    for name in names:  # the headers are case-insensitive already
        if name in reply.headers:
            return reply.headers[name]
    return None


def _replenish_time(value: str | None, now: datetime) -> datetime | None:
    """X-Next-Replenishment-Time: epoch ms or s, an HTTP date, or seconds to wait."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            return parsedate_to_datetime(value).astimezone(timezone.utc)
        except (TypeError, ValueError):
            return None
    try:
        if number > 1e11:  # epoch milliseconds
            return datetime.fromtimestamp(number / 1000, timezone.utc)
        if number > 1e9:  # epoch seconds
            return datetime.fromtimestamp(number, timezone.utc)
        return now + timedelta(seconds=number)
    except (OverflowError, OSError, ValueError):
        return None


def _retry_after_seconds(reply: Reply) -> float | None:
    value = reply.headers.get("Retry-After")
    if not value:
        return None
    when = _replenish_time(value, _now())
    return None if when is None else max(0.0, (when - _now()).total_seconds())


def _basic_auth(client_id: str, client_secret: str) -> HTTPBasicAuth:
    # UTF-8 bytes: requests would encode text as Latin-1 and fail on anything else.
    return HTTPBasicAuth(client_id.encode("utf-8"), client_secret.encode("utf-8"))


def _is_authorization_problem(items: tuple[ErrorItem, ...]) -> bool:
    for item in items:
        text = f"{item.field} {item.description} {item.info}".lower()
        if item.code.lower() in ("invalid_client", "unauthorized_client", "invalid_grant") or "authoriz" in text:
            return True
    return False


def _connect_failed(exc: BaseException) -> bool:
    """The request never left: the connection (or the proxy's) could not be opened, so a retry is safe."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ProxyError, requests.exceptions.ConnectTimeout)):
            return True
        reason = getattr(current, "reason", None)
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = reason if isinstance(reason, BaseException) else nested
    return False


def _network_reason(exc: BaseException) -> Text:
    text = str(exc).lower()
    if "refused" in text:
        return lazy("the connection was refused")
    if "reset" in text or "aborted" in text or "closed" in text or "remotedisconnected" in text:
        return lazy("the connection was cut")
    if isinstance(exc, requests.exceptions.ProxyError) or "proxy" in text:
        return lazy("the proxy could not be reached")
    return lazy("the network could not reach it")


def _millis(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _flag(value: object) -> bool:
    return value in (True, "true", "True")


class WalmartClient:
    def __init__(self, base_urls: dict[str, str], *, timeout: float = 15.0, service_name: str = "Walmart Marketplace",
                 use_environment_network: bool = True, retries: int = MAX_RETRIES):
        self.base_urls = dict(base_urls)
        self.timeout = timeout  # seconds for a whole call: connecting, retries, headers and body
        self.service_name = service_name
        self.use_environment_network = use_environment_network  # proxy and CA bundle from the environment
        self.retries = retries
        self._local = threading.local()  # requests.Session is not thread-safe; one per worker thread

    @classmethod
    def from_settings(cls, settings: Settings) -> WalmartClient:
        return cls(
            {"production": settings.production_base_url, "sandbox": settings.sandbox_base_url},
            timeout=settings.request_timeout,
            service_name=settings.service_name,
            use_environment_network=settings.use_environment_network,
        )

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = new_session()
            self._local.session = session
        return session

    # --- one call -----------------------------------------------------------------------------------

    def _call(
        self, environment: str, method: str, path: str, *, headers: dict[str, str], secrets: Iterable[str],
        auth: HTTPBasicAuth | None = None, data: dict[str, str] | None = None, query: str = "",
        retry: bool = True, cap: int = TOKEN_BODY_CAP,
    ) -> tuple[Reply, CallRecord]:
        """One logical call, retried on a connection failure or a 5xx while its deadline allows (never when
        `retry` is False). `cap` bounds a 200 answer's body; an error body is held to ERROR_BODY_CAP."""
        correlation_id = str(uuid.uuid4())
        headers = {
            "WM_SVC.NAME": self.service_name,
            "WM_QOS.CORRELATION_ID": correlation_id,
            "Accept": "application/json",
            **headers,
        }
        url = self.base_urls[environment] + path + (f"?{query}" if query else "")
        deadline = Deadline(self.timeout)
        started = time.monotonic()

        def record(status: int | None) -> CallRecord:
            return CallRecord(method, path, correlation_id, status, int((time.monotonic() - started) * 1000))

        attempt = 0
        while True:
            try:
                reply = self._exchange(method, url, headers, auth, data, deadline, cap)
            except DeadlinePassed:
                raise WalmartError(ErrorKind.timeout, lazy("Walmart did not answer within {seconds} seconds.", seconds=f"{self.timeout:g}"),
                                   record(None)) from None
            except requests.exceptions.SSLError:
                raise WalmartError(ErrorKind.tls, lazy("The secure connection to Walmart failed (TLS certificate or protocol problem)."),
                                   record(None)) from None
            except (requests.RequestException, Urllib3Error, OSError) as exc:
                if retry and attempt < self.retries and _connect_failed(exc) and self._pause(attempt, None, deadline):
                    attempt += 1
                    continue
                raise WalmartError(ErrorKind.network, lazy("Walmart could not be reached: {reason}.", reason=_network_reason(exc)),
                                   record(None)) from None
            if retry and reply.status in RETRYABLE_STATUSES and attempt < self.retries and self._pause(attempt, reply, deadline):
                attempt += 1
                continue
            return reply, record(reply.status)

    @staticmethod
    def _pause(attempt: int, reply: Reply | None, deadline: Deadline) -> bool:
        """Wait before a retry (Retry-After, else a backoff); False when the wait would not fit the deadline."""
        wait = _retry_after_seconds(reply) if reply is not None else None
        wait = BACKOFF_SECONDS * 2**attempt if wait is None else wait
        if wait > MAX_RETRY_AFTER_SECONDS or wait + 0.05 >= deadline.remaining():
            return False
        time.sleep(wait)
        return True

    def _exchange(self, method: str, url: str, headers: dict[str, str], auth: HTTPBasicAuth | None,
                  data: dict[str, str] | None, deadline: Deadline, cap: int) -> Reply:
        """One HTTP exchange under the deadline's watchdog; the body read up to its cap."""
        network = network_settings(url, self.use_environment_network)
        left = max(deadline.remaining(), 0.001)
        with watched(deadline):
            response = self._session().request(
                method, url, headers=headers, auth=auth, data=data, timeout=(min(CONNECT_TIMEOUT, left), left),
                allow_redirects=False, stream=True, proxies=network.proxies, verify=network.verify,
            )
            try:
                body, truncated = read_capped(response, cap if response.status_code == 200 else ERROR_BODY_CAP)
            except BaseException:
                response.close()
                raise
            if truncated:
                response.close()  # unread bytes remain: the connection cannot be reused
            else:
                response.raw.release_conn()  # read to the end: the connection goes back to the pool
        return Reply(response.status_code, response.headers, body, truncated)

    # --- answers ------------------------------------------------------------------------------------

    def _raise_for(self, reply: Reply, call: CallRecord, secrets: Iterable[str]) -> None:
        status = reply.status
        items = parse_error_body(reply.text, secrets)
        said = None
        if items:
            said = (lazy("Walmart said: {code} {description}", code=items[0].code, description=items[0].description) if items[0].description
                    else lazy("Walmart said: {code}", code=items[0].code))
        if status == 401 or (status == 400 and _is_authorization_problem(items)):
            raise WalmartError(ErrorKind.credentials_refused, lazy("Walmart refused the keys (HTTP {status}).", status=status), call, items,
                               said=said)
        if status == 403:
            raise WalmartError(ErrorKind.forbidden, lazy("Walmart refused access: the key lacks a permission (HTTP 403)."), call, items,
                               said=said)
        if status == 429:
            now = _now()
            retry_at = _replenish_time(_header(reply, "X-Next-Replenishment-Time", "X-Next-Replenish-Time"), now)
            if retry_at is None and reply.headers.get("Retry-After"):
                retry_at = _replenish_time(reply.headers["Retry-After"], now)
            count = _header(reply, "X-Current-Token-Count")
            raise WalmartError(
                ErrorKind.rate_limited,
                lazy("Walmart is limiting requests for these keys (HTTP 429)."),
                call,
                items,
                retry_at=retry_at,
                token_count=None if count is None else outside_text(count, limit=20),
            )
        if status >= 500:
            raise WalmartError(ErrorKind.unavailable, lazy("Walmart is unavailable (HTTP {status}).", status=status), call, items, said=said)
        if status == 404:
            raise WalmartError(ErrorKind.unavailable, lazy("Walmart does not know this address; check the base URL setting (HTTP 404)."),
                               call, items, said=said)
        raise WalmartError(ErrorKind.bad_request, lazy("Walmart did not accept the request (HTTP {status}).", status=status), call, items, said=said)

    @staticmethod
    def _json(reply: Reply, call: CallRecord) -> JsonObject:
        if reply.truncated:
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart sent an answer larger than {size} KB, so it was not read.",
                                                         size=len(reply.body) // 1024), call)
        try:
            data = load_json(reply.text)
        except UnreadableBody:
            data = None
        if not isinstance(data, dict):
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart sent an answer we cannot read (HTTP {status}).", status=reply.status), call)
        return data

    # --- token grants -------------------------------------------------------------------------------

    def _grant(self, environment: str, client_id: str, client_secret: str, form: dict[str, str], headers: dict[str, str],
               secrets: tuple[str, ...], market: str, retry: bool = True) -> Token:
        reply, call = self._call(
            environment, "POST", TOKEN_PATH,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
            secrets=secrets, auth=_basic_auth(client_id, client_secret), data=form, retry=retry,
        )
        if reply.status != 200:
            self._raise_for(reply, call, secrets)
        data = self._json(reply, call)
        token, lifetime = data.get("access_token"), data.get("expires_in", 900)
        try:
            lifetime = int(lifetime)
        except (TypeError, ValueError, OverflowError):
            lifetime = 0
        if not isinstance(token, str) or not token or not 0 < lifetime <= 10 * 365 * 86400:
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart's token answer lacked an access token or its lifetime."), call)
        if not _HEADER_SAFE.fullmatch(token):  # it goes back in a header: one that cannot hold it must not be cached
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart's token answer held an access token that cannot be used "
                                                         "(characters no request header can carry)."), call)
        refresh = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) and data.get("refresh_token") else None
        token_type = outside_text(data.get("token_type", "Bearer"), (*secrets, token), limit=20) or "Bearer"
        return Token(token, token_type, lifetime, _now() + timedelta(seconds=lifetime), call, refresh, market_of(market).value)

    def request_token(self, environment: str, client_id: str, client_secret: str, market: str = "us") -> Token:
        """Delegated or own keys: grant_type=client_credentials, with the store's market headers."""
        return self._grant(environment, client_id, client_secret, {"grant_type": "client_credentials"},
                           market_headers(market, CallKind.key_grant), (client_id, client_secret), market)

    @staticmethod
    def _seller_headers(seller_id: str, market: str) -> dict[str, str]:
        # WM_PARTNER.ID is required for both OAuth grants (walmart-api.md §6.4).
        return {"WM_PARTNER.ID": seller_id, **market_headers(market, CallKind.seller_grant)}

    def exchange_code(self, app_id: str, app_secret: str, code: str, redirect_uri: str, seller_id: str, market: str = "us", *,
                      environment: str = "production") -> tuple[Token, str]:
        """OAuth: the authorization code from the redirect -> (access token, refresh token).

        Never retried, not even after a 5xx or a dropped connection: the code works once, and a retry could
        spend it on an answer nobody reads. The caller starts a new connect instead."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        token = self._grant(environment, app_id, app_secret, form, self._seller_headers(seller_id, market),
                            (app_id, app_secret, code), market, retry=False)
        if not token.refresh_token:
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart's answer to the code exchange had no refresh token."), token.call)
        return token, token.refresh_token

    def refresh_access_token(self, app_id: str, app_secret: str, refresh_token: str, seller_id: str, market: str = "us", *,
                             environment: str = "production") -> Token:
        """OAuth: a new access token from the store's refresh token. When Walmart's answer carries a new
        refresh token, `Token.refresh_token` holds it and the caller must keep it in place of the old one."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        token = self._grant(environment, app_id, app_secret, form, self._seller_headers(seller_id, market),
                            (app_id, app_secret, refresh_token), market)
        rotated = token.refresh_token if token.refresh_token and token.refresh_token != refresh_token else None
        return replace(token, refresh_token=rotated)

    # --- token detail and business calls ---------------------------------------------------------------

    def token_detail(self, environment: str, token: Token, client_id: str, client_secret: str, market: str | None = None) -> TokenDetail:
        """What a token may do. `market` defaults to the token's own."""
        # Basic auth as well as the token: older specs required both, and sending both is harmless (§2.1).
        secrets = (client_id, client_secret, token.access_token)
        reply, call = self._call(
            environment, "GET", TOKEN_DETAIL_PATH,
            headers={"WM_SEC.ACCESS_TOKEN": token.access_token, "Content-Type": "application/x-www-form-urlencoded",
                     **market_headers(market or token.market, CallKind.token_detail)},
            secrets=secrets, auth=_basic_auth(client_id, client_secret),
        )
        if reply.status != 200:
            self._raise_for(reply, call, secrets)
        data = self._json(reply, call)
        granted = data.get("scopes")
        scopes = granted if isinstance(granted, dict) else {}
        channel = data.get("is_channel_match")
        known = KnownSecrets(secrets)  # worked out once for every scope
        return TokenDetail(
            # Scope names and levels are shown and stored: bounded and redacted like any gateway text.
            scopes={outside_text(k, known, 64): outside_text(v, known, 32) for k, v in list(scopes.items())[:100]},
            is_valid=_flag(data.get("is_valid")),
            is_channel_match=None if channel is None else _flag(channel),
            issued_at=_millis(data.get("issued_at")),
            expire_at=_millis(data.get("expire_at")),
            call=call,
        )

    def list_items_page(self, environment: str, token: Token, cursor: str = "*", limit: int = 50,
                        market: str | None = None) -> tuple[list[JsonObject], str | None, int | None, CallRecord]:
        """One page of Get All Items (walmart-api.md §10): (items, next cursor or None, totalItems, call).
        `market` defaults to the token's own.

        404 CONTENT_NOT_FOUND means no (more) items, so it is an empty page, not an error.
        """
        secrets = (token.access_token,)
        query = urlencode({"nextCursor": cursor, "limit": str(limit)})  # base64 cursors hold + / =
        reply, call = self._call(environment, "GET", ITEMS_PATH, query=query, secrets=secrets, cap=ITEMS_BODY_CAP,
                                 headers={"WM_SEC.ACCESS_TOKEN": token.access_token, **market_headers(market or token.market, CallKind.business)})
        if reply.status == 404 and any(item.code.startswith("CONTENT_NOT_FOUND") for item in parse_error_body(reply.text, secrets)):
            return [], None, 0, call
        if reply.status != 200:
            self._raise_for(reply, call, secrets)
        data = self._json(reply, call)
        raw_items = data.get("ItemResponse")
        items = [item for item in raw_items if isinstance(item, dict)] if isinstance(raw_items, list) else []
        next_cursor = data.get("nextCursor")
        if isinstance(next_cursor, str) and len(next_cursor) > MAX_CURSOR_LENGTH:
            raise WalmartError(ErrorKind.bad_response, lazy("Walmart sent a paging cursor too long to use."), call)
        try:
            total: int | None = int(data["totalItems"])
        except (KeyError, TypeError, ValueError, OverflowError):
            total = None
        return items, next_cursor if isinstance(next_cursor, str) and next_cursor.strip() else None, total, call

    def orders_page(self, environment: str, token: Token, query: str, market: str | None = None) -> tuple[Reply | None, CallRecord]:
        """One page of Get All Orders (walmart-orders-markets.md §1): (the answer, call), None for "no orders".
        Its JSON is read with `page_json`, so the caller may look ahead before parsing it (core.walmart.orders).

        `query` goes on the path as it is, without its leading "?": the first page's own parameters, or a
        nextCursor byte for byte (§1.3: re-encoding the cursor makes Walmart answer page 1 again). A 404
        CONTENT_NOT_FOUND from the order service means no orders match (§1.7), so it is not an error;
        the gateway's own 404 (a wrong base URL) still is."""
        secrets = (token.access_token,)
        reply, call = self._call(environment, "GET", ORDERS_PATH, query=query.removeprefix("?"), secrets=secrets, cap=ORDERS_BODY_CAP,
                                 headers={"WM_SEC.ACCESS_TOKEN": token.access_token, **market_headers(market or token.market, CallKind.business)})
        if reply.status == 404 and any(item.code.startswith("CONTENT_NOT_FOUND") and not item.code.endswith("GMP_GATEWAY_API")
                                       for item in parse_error_body(reply.text, secrets)):
            return None, call
        if reply.status != 200:
            self._raise_for(reply, call, secrets)
        return reply, call

    page_json = _json  # a 200 answer's JSON object, or WalmartError bad_response
