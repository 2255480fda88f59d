"""HTTP client for Walmart's authentication API: token, token detail, and error envelopes.

Wire format as in shared/reference/walmart-api.md §1-§4: Basic auth, a form body,
WM_SVC.NAME, a fresh WM_QOS.CORRELATION_ID per call, Accept: application/json.
Secrets and tokens never reach a log line, an exception or a repr.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from core.config import Settings

TOKEN_PATH = "/v3/token"
TOKEN_DETAIL_PATH = "/v3/token/detail"
ITEMS_PATH = "/v3/items"
RETRYABLE_STATUSES = (500, 502, 503, 504)  # 401/403/429 are answers, not glitches
MAX_RETRY_AFTER_SECONDS = 10  # beyond this a check reports the wait instead of blocking on it

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
    bad_response = "bad_response"  # 2xx we cannot read
    timeout = "timeout"
    network = "network"  # refused, DNS, reset
    tls = "tls"


@dataclass(frozen=True)
class ErrorItem:
    code: str = ""
    field: str = ""
    description: str = ""
    info: str = ""


@dataclass(frozen=True)
class CallRecord:
    """One call as a support ticket needs it."""

    method: str
    path: str
    correlation_id: str
    http_status: int | None
    elapsed_ms: int


class WalmartError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        call: CallRecord,
        items: tuple[ErrorItem, ...] = (),
        retry_at: datetime | None = None,
        token_count: str | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.call = call
        self.items = items
        self.retry_at = retry_at
        self.token_count = token_count

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
    refresh_token: str | None = field(default=None, repr=False)  # only from grant_type=authorization_code


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


def parse_error_body(text: str) -> tuple[ErrorItem, ...]:
    """Read every error shape Walmart is known to send (walmart-api.md §4.1, §4.3)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return ()
    if not isinstance(data, dict):
        return ()
    if isinstance(data.get("error"), str):  # OAuth style: {"error": "invalid_client", ...}
        return (ErrorItem(code=data["error"], description=str(data.get("error_description", ""))),)
    raw = data.get("error", data.get("errors"))
    if isinstance(raw, dict):  # {"errors": {"error": [...]}} or a single object
        raw = raw.get("error", raw.get("errors", [raw])) if ("error" in raw or "errors" in raw) else [raw]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return ()
    items = []
    for entry in raw:
        if isinstance(entry, dict):
            items.append(
                ErrorItem(
                    code=str(entry.get("code", "")),
                    field=str(entry.get("field", "")),
                    description=str(entry.get("description", entry.get("message", ""))),
                    info=str(entry.get("info", "")),
                )
            )
    return tuple(items)


def _header(response: requests.Response, *names: str) -> str | None:
    for name in names:  # requests' headers are case-insensitive already
        if name in response.headers:
            return response.headers[name]
    return None


def _replenish_time(value: str | None, now: datetime) -> datetime | None:
    """X-Next-Replenishment-Time: epoch ms or s, an HTTP date, or seconds to wait."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(value).astimezone(timezone.utc)
        except (TypeError, ValueError):
            return None
    if number > 1e11:  # epoch milliseconds
        return datetime.fromtimestamp(number / 1000, timezone.utc)
    if number > 1e9:  # epoch seconds
        return datetime.fromtimestamp(number, timezone.utc)
    return now + timedelta(seconds=number)


def _basic_auth(client_id: str, client_secret: str) -> HTTPBasicAuth:
    # UTF-8 bytes: requests would encode text as Latin-1 and fail on anything else.
    return HTTPBasicAuth(client_id.encode("utf-8"), client_secret.encode("utf-8"))


def _is_authorization_problem(items: tuple[ErrorItem, ...]) -> bool:
    for item in items:
        text = f"{item.field} {item.description} {item.info}".lower()
        if item.code.lower() in ("invalid_client", "unauthorized_client", "invalid_grant") or "authoriz" in text:
            return True
    return False


def _is_read_timeout(exc: Exception) -> bool:
    """requests wraps a read timeout that exhausted urllib3's Retry in a ConnectionError."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError)


def _millis(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class _CappedRetry(Retry):
    """urllib3's Retry, but a long Retry-After is reported to the user rather than slept through."""

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER_SECONDS)


def default_retry() -> Retry:
    return _CappedRetry(
        total=2,
        connect=2,
        read=0,  # a read timeout may mean the call went through; report it instead of waiting twice
        status=2,
        status_forcelist=RETRYABLE_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        backoff_factor=0.3,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class WalmartClient:
    def __init__(self, base_urls: dict[str, str], *, timeout: float = 15.0, service_name: str = "Walmart Marketplace", retry: Retry | None = None):
        self.base_urls = dict(base_urls)
        self.timeout = timeout
        self.service_name = service_name
        self.retry = retry or default_retry()
        self._local = threading.local()  # requests.Session is not thread-safe; one per worker thread

    @classmethod
    def from_settings(cls, settings: Settings) -> "WalmartClient":
        return cls(
            {"production": settings.production_base_url, "sandbox": settings.sandbox_base_url},
            timeout=settings.request_timeout,
            service_name=settings.service_name,
        )

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(max_retries=self.retry, pool_maxsize=4)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.trust_env = False  # a proxy variable must not reroute keys
            self._local.session = session
        return session

    def _call(
        self, environment: str, method: str, path: str, *, headers: dict[str, str],
        auth: HTTPBasicAuth | None = None, data: dict[str, str] | None = None,
    ) -> tuple[requests.Response, CallRecord]:
        correlation_id = str(uuid.uuid4())
        headers = {
            "WM_SVC.NAME": self.service_name,
            "WM_QOS.CORRELATION_ID": correlation_id,
            "Accept": "application/json",
            **headers,
        }
        url = self.base_urls[environment] + path
        started = time.monotonic()

        def record(status: int | None) -> CallRecord:
            return CallRecord(method, path, correlation_id, status, int((time.monotonic() - started) * 1000))

        try:
            response = self._session().request(
                method, url, headers=headers, auth=auth, data=data, timeout=(min(5.0, self.timeout), self.timeout), allow_redirects=False
            )
        except requests.exceptions.SSLError:
            raise WalmartError(ErrorKind.tls, "The secure connection to Walmart failed (TLS certificate or protocol problem).", record(None)) from None
        except requests.exceptions.RequestException as exc:
            if isinstance(exc, requests.exceptions.Timeout) or _is_read_timeout(exc):
                raise WalmartError(ErrorKind.timeout, f"Walmart did not answer within {self.timeout:g} seconds.", record(None)) from None
            reason = "the connection was refused" if "refused" in str(exc).lower() else "the network could not reach it"
            raise WalmartError(ErrorKind.network, f"Walmart could not be reached: {reason}.", record(None)) from None
        return response, record(response.status_code)

    def _raise_for(self, response: requests.Response, call: CallRecord) -> None:
        status = response.status_code
        items = parse_error_body(response.text)
        said = f" Walmart said: {items[0].code} {items[0].description}".rstrip() if items else ""
        if status == 401 or (status == 400 and _is_authorization_problem(items)):
            raise WalmartError(ErrorKind.credentials_refused, f"Walmart refused the keys (HTTP {status}).{said}", call, items)
        if status == 403:
            raise WalmartError(ErrorKind.forbidden, f"Walmart refused access: the key lacks a permission (HTTP 403).{said}", call, items)
        if status == 429:
            now = _now()
            retry_at = _replenish_time(_header(response, "X-Next-Replenishment-Time", "X-Next-Replenish-Time"), now)
            if retry_at is None and response.headers.get("Retry-After"):
                retry_at = _replenish_time(response.headers["Retry-After"], now)
            raise WalmartError(
                ErrorKind.rate_limited,
                "Walmart is limiting requests for these keys (HTTP 429).",
                call,
                items,
                retry_at=retry_at,
                token_count=_header(response, "X-Current-Token-Count"),
            )
        if status >= 500 or status == 404:
            where = "is unavailable" if status >= 500 else "does not know this address; check the base URL setting"
            raise WalmartError(ErrorKind.unavailable, f"Walmart {where} (HTTP {status}).{said}", call, items)
        raise WalmartError(ErrorKind.bad_request, f"Walmart did not accept the request (HTTP {status}).{said}", call, items)

    def _json(self, response: requests.Response, call: CallRecord) -> JsonObject:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise WalmartError(ErrorKind.bad_response, f"Walmart answered HTTP {response.status_code} with something that is not JSON.", call)
        return data

    def _grant(self, environment: str, client_id: str, client_secret: str, form: dict[str, str], headers: dict[str, str] | None = None) -> Token:
        response, call = self._call(
            environment,
            "POST",
            TOKEN_PATH,
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
            auth=_basic_auth(client_id, client_secret),
            data=form,
        )
        if response.status_code != 200:
            self._raise_for(response, call)
        data = self._json(response, call)
        token, lifetime = data.get("access_token"), data.get("expires_in", 900)
        try:
            lifetime = int(lifetime)
        except (TypeError, ValueError):
            lifetime = 0
        if not isinstance(token, str) or not token or lifetime <= 0:
            raise WalmartError(ErrorKind.bad_response, "Walmart's token answer lacked an access token or its lifetime.", call)
        refresh = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else None
        return Token(token, str(data.get("token_type", "Bearer")), lifetime, _now() + timedelta(seconds=lifetime), call, refresh)

    def request_token(self, environment: str, client_id: str, client_secret: str) -> Token:
        """Delegated or own keys: grant_type=client_credentials."""
        return self._grant(environment, client_id, client_secret, {"grant_type": "client_credentials"})

    @staticmethod
    def _seller_headers(seller_id: str, market: str) -> dict[str, str]:
        # WM_PARTNER.ID is required for both OAuth grants (walmart-api.md §6.4).
        return {"WM_PARTNER.ID": seller_id, "WM_MARKET": market}

    def exchange_code(self, app_id: str, app_secret: str, code: str, redirect_uri: str, seller_id: str, market: str = "us",
                      environment: str = "production") -> tuple[Token, str]:
        """OAuth: the authorization code from the redirect -> (access token, refresh token).
        `environment` sandbox: a code from Walmart's Simulate App Connect, exchanged at the sandbox."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        token = self._grant(environment, app_id, app_secret, form, self._seller_headers(seller_id, market))
        if not token.refresh_token:
            raise WalmartError(ErrorKind.bad_response, "Walmart's answer to the code exchange had no refresh token.", token.call)
        return token, token.refresh_token

    def refresh_access_token(self, app_id: str, app_secret: str, refresh_token: str, seller_id: str, market: str = "us",
                             environment: str = "production") -> Token:
        """OAuth: a new access token from the store's refresh token."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._grant(environment, app_id, app_secret, form, self._seller_headers(seller_id, market))

    def token_detail(self, environment: str, token: Token, client_id: str, client_secret: str) -> TokenDetail:
        # Basic auth as well as the token: older specs required both, and sending both is harmless (§2.1).
        response, call = self._call(
            environment,
            "GET",
            TOKEN_DETAIL_PATH,
            headers={"WM_SEC.ACCESS_TOKEN": token.access_token, "Content-Type": "application/x-www-form-urlencoded"},
            auth=_basic_auth(client_id, client_secret),
        )
        if response.status_code != 200:
            self._raise_for(response, call)
        data = self._json(response, call)
        granted = data.get("scopes")
        scopes = granted if isinstance(granted, dict) else {}
        channel = data.get("is_channel_match")
        return TokenDetail(
            scopes={str(k): str(v) for k, v in scopes.items()},
            is_valid=data.get("is_valid") in (True, "true", "True"),
            is_channel_match=None if channel is None else channel in (True, "true", "True"),
            issued_at=_millis(data.get("issued_at")),
            expire_at=_millis(data.get("expire_at")),
            call=call,
        )

    def list_items_page(self, environment: str, token: Token, cursor: str = "*", limit: int = 50) -> tuple[list[JsonObject], str | None, int | None, CallRecord]:
        """One page of Get All Items (walmart-api.md §10): (items, next cursor or None, totalItems, call).

        404 CONTENT_NOT_FOUND means no (more) items, so it is an empty page, not an error.
        """
        query = urlencode({"nextCursor": cursor, "limit": str(limit)})  # base64 cursors hold + / =
        response, call = self._call(environment, "GET", f"{ITEMS_PATH}?{query}", headers={"WM_SEC.ACCESS_TOKEN": token.access_token})
        call = replace(call, path=ITEMS_PATH)  # the opaque cursor is noise in a support ticket
        if response.status_code == 404 and any(item.code.startswith("CONTENT_NOT_FOUND") for item in parse_error_body(response.text)):
            return [], None, 0, call
        if response.status_code != 200:
            self._raise_for(response, call)
        data = self._json(response, call)
        items = [item for item in data.get("ItemResponse") or [] if isinstance(item, dict)]
        next_cursor = data.get("nextCursor")
        try:
            total = int(data["totalItems"])
        except (KeyError, TypeError, ValueError):
            total = None
        return items, next_cursor if isinstance(next_cursor, str) and next_cursor.strip() else None, total, call
