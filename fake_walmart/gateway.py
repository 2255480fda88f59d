"""A fake Walmart Marketplace auth gateway: real HTTP on 127.0.0.1, strict about the wire format.

Wire facts come from /work/shared/reference/walmart-api.md (sections 1, 2, 4, 7). Anything the
reference marks UNCONFIRMED is either configurable here (rejection_style) or left to queue_response.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ENVIRONMENTS = ("production", "sandbox")
SCOPES = ("reports", "item", "shipping", "price", "lagtime", "feeds", "returns", "orders", "rules", "inventory", "content")
ACCESS_LEVELS = ("full_access", "view_only", "no_access")
REJECTION_STYLES = ("gateway", "oauth", "invalid_header")
TOKEN_PATH = "/v3/token"
DETAIL_PATH = "/v3/token/detail"
_ALLOWED_METHODS = {TOKEN_PATH: "POST", DETAIL_PATH: "GET"}
_LEGACY_HEADERS = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
_GATEWAY_401_INFO = (
    'Unauthorized token or incorrect authorization header. Please verify correct format: '
    '"Authorization: Basic Base64Encode(clientId:clientSecret)" For more information, see '
    "https://developer.walmart.com/#/apicenter/marketPlace/latest#apiAuthentication."
)


@dataclass(frozen=True)
class ReceivedRequest:
    environment: str
    method: str
    path: str
    query: dict
    headers: dict
    body: str
    form: dict
    client_id: str | None
    received_at: float

    def header(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), default)


@dataclass
class _Key:
    client_id: str
    client_secret: str
    scopes: dict
    is_channel_match: bool | None
    token_lifetime: int


@dataclass
class _Token:
    environment: str
    key: _Key  # identity matters: a removed or replaced key must not validate old tokens
    issued_at: float
    expires_at: float


@dataclass
class _Canned:
    status: int
    body: bytes
    headers: dict
    delay: float
    remaining: int


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


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


def _error(status: int, code: str, field_name: str, description: str, info: str, category: str = "DATA") -> _Answer:
    envelope = {"error": [{
        "code": code, "field": field_name, "description": description, "info": info,
        "severity": "ERROR", "category": category, "causes": [], "errorIdentifiers": {},
    }]}
    return _json(status, envelope)


def _json(status: int, payload) -> _Answer:
    return _Answer(status, json.dumps(payload).encode("utf-8"), {"Content-Type": "application/json"})


def _bad_header(name: str, description: str) -> _Answer:
    return _error(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", name, description, "One or more request headers are invalid.")


def _unauthorized() -> _Answer:
    return _error(401, "UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized", _GATEWAY_401_INFO)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _new_token() -> str:
    # Real tokens are JWE compact serialisations (header..iv.ciphertext.tag); clients must treat them as opaque.
    header = json.dumps({"kid": str(uuid.uuid4()), "enc": "A256GCM", "alg": "dir"}, separators=(",", ":"))
    return ".".join([_b64url(header.encode()), "", _b64url(os.urandom(12)), _b64url(os.urandom(96)), _b64url(os.urandom(16))])


def _parse_basic(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


def _media_quality(accept: str, media_type: str) -> float:
    """q-value the Accept header gives media_type, using the most specific matching range (RFC 9110)."""
    kind = media_type.split("/")[0]
    best_rank, best_q = -1, 0.0
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        rng = parts[0].lower()
        q = 1.0
        for param in parts[1:]:
            name, _, val = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        rank = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(rng, -1)
        if rank > best_rank:
            best_rank, best_q = rank, q
    return best_q if best_rank >= 0 else 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, gateway: "FakeWalmart", environment: str):
        self.gateway, self.environment = gateway, environment
        self.workers: list[threading.Thread] = []
        self._workers_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        # Tracked so stop() can wait for in-flight answers instead of leaving threads behind.
        worker = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        with self._workers_lock:
            self.workers = [w for w in self.workers if w.is_alive()] + [worker]
        worker.start()

    def handle_error(self, request, client_address):
        pass  # clients that time out and hang up are expected in tests


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that connects and never sends must not pin a thread forever
    server_version = "FakeWalmart/1.0"

    def log_message(self, format, *args):
        pass

    def _handle(self):
        body = self._read_body()
        self.server.gateway._serve(self, self.server.environment, body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def send_answer(self, status: int, body: bytes, headers: dict):
        self.send_response(status)
        if not any(k.lower() == "content-length" for k in headers):
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)


class FakeWalmart:
    """Two local gateways (production, sandbox) with separate keys and tokens. See the project brief for the API."""

    def __init__(self, latency: float = 0.0, ports: dict | None = None, host: str = "127.0.0.1"):
        self.latency = latency
        self._host = host
        self._ports = {env: int((ports or {}).get(env, 0)) for env in ENVIRONMENTS}
        self._lock = threading.RLock()
        self._keys: dict[str, dict[str, _Key]] = {env: {} for env in ENVIRONMENTS}
        self._tokens: dict[str, dict[str, _Token]] = {env: {} for env in ENVIRONMENTS}
        self._canned: dict[tuple[str, str], deque[_Canned]] = {}
        self._requests: list[ReceivedRequest] = []
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._rejection_style = "gateway"

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> "FakeWalmart":
        with self._lock:
            if self._servers:
                return self
            self._stopping.clear()
            try:
                for env in ENVIRONMENTS:
                    self._servers[env] = _Server((self._host, self._ports[env]), self, env)
            except OSError:
                self._close_servers()
                raise
            for env, server in self._servers.items():
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                          name=f"fake-walmart-{env}", daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, {}
            threads, self._threads = self._threads, []
        if not servers:
            return
        self._stopping.set()  # wakes handlers sleeping on latency or a queued delay
        # shutdown() waits out a poll interval; do both servers at once so teardown stays fast.
        closers = [threading.Thread(target=s.shutdown) for s in servers.values()]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
        for server in servers.values():
            server.server_close()
        deadline = time.monotonic() + 5
        for thread in threads + [w for s in servers.values() for w in s.workers]:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _close_servers(self):
        for server in self._servers.values():
            server.server_close()
        self._servers = {}

    def __enter__(self) -> "FakeWalmart":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def base_url(self, environment: str) -> str:
        _check_env(environment)
        with self._lock:
            server = self._servers.get(environment)
            if server is None:
                raise RuntimeError("FakeWalmart is not running; call start() first")
            host, port = server.server_address[:2]
        return f"http://{host}:{port}"

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
                is_channel_match: bool | None = True, token_lifetime: int = 900) -> None:
        """Replacing an existing client_id counts as a key reset: its old tokens stop working."""
        _check_env(environment)
        if scopes is None:
            scopes = {name: "full_access" for name in SCOPES}
        bad = {k: v for k, v in scopes.items() if v not in ACCESS_LEVELS}
        if bad:
            raise ValueError(f"unknown access level(s) {bad}; use one of {ACCESS_LEVELS}")
        with self._lock:
            self._keys[environment][client_id] = _Key(client_id, client_secret, dict(scopes), is_channel_match, int(token_lifetime))

    def remove_key(self, environment: str, client_id: str) -> None:
        _check_env(environment)
        with self._lock:
            self._keys[environment].pop(client_id, None)
            self._tokens[environment] = {t: rec for t, rec in self._tokens[environment].items() if rec.key.client_id != client_id}

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

    def token_requests(self, environment: str | None = None, client_id: str | None = None) -> list[ReceivedRequest]:
        return [r for r in self.requests
                if r.method == "POST" and r.path == TOKEN_PATH
                and environment in (None, r.environment) and client_id in (None, r.client_id)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # request handling ----------------------------------------------------------------------------
    def _serve(self, handler: _Handler, environment: str, raw_body: bytes) -> None:
        url = urlsplit(handler.path)
        text = raw_body.decode("utf-8", errors="replace")
        is_form = handler.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()} if is_form else {}
        basic = _parse_basic(handler.headers.get("Authorization"))
        record = ReceivedRequest(
            environment=environment, method=handler.command, path=url.path,
            query={k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
            headers=dict(handler.headers.items()), body=text, form=form,
            client_id=basic[0] if basic else None, received_at=time.time(),
        )
        with self._lock:
            self._requests.append(record)
            canned = self._take_canned(environment, url.path)
        if canned is not None:
            answer, delay = _Answer(canned.status, canned.body, canned.headers), canned.delay
        else:
            answer, delay = self._route(record, basic), 0.0
        if self._stopping.wait(max(0.0, float(self.latency)) + max(0.0, delay)):
            return  # shutting down: drop the answer rather than hold up stop()
        try:
            handler.send_answer(answer.status, answer.body, answer.headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during a queued delay)

    def _take_canned(self, environment: str, path: str) -> _Canned | None:
        queue = self._canned.get((environment, path))
        if not queue:
            return None
        canned = queue[0]
        canned.remaining -= 1
        if canned.remaining <= 0:
            queue.popleft()
        return canned

    def _route(self, req: ReceivedRequest, basic) -> _Answer:
        allowed = _ALLOWED_METHODS.get(req.path)
        if allowed is None:
            return _error(404, "URI_NOT_FOUND.GMP_GATEWAY_API", "URI_NOT_FOUND", "Not Found",
                          f"No resource exists at {req.path}.")
        if req.method != allowed:
            answer = _error(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API", "METHOD_NOT_ALLOWED", "Method Not Allowed",
                            f"{req.path} only accepts {allowed}.")
            answer.headers["Allow"] = allowed
            return answer
        return self._token(req, basic) if req.path == TOKEN_PATH else self._detail(req, basic)

    @staticmethod
    def _common_header_problem(req: ReceivedRequest) -> _Answer | None:
        for name in ("WM_QOS.CORRELATION_ID", "WM_SVC.NAME"):
            if not (req.header(name) or "").strip():
                return _bad_header(name, f"{name} set blank or null")
        return None

    def _token(self, req: ReceivedRequest, basic) -> _Answer:
        problem = self._common_header_problem(req)
        if problem:
            return problem
        content_type = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _error(415, "UNSUPPORTED_MEDIA_TYPE.GMP_GATEWAY_API", "Content-Type", "Unsupported Media Type",
                          "The token request body must be application/x-www-form-urlencoded.")
        accept = (req.header("Accept") or "").strip() or "*/*"
        json_q, xml_q = _media_quality(accept, "application/json"), _media_quality(accept, "application/xml")
        if json_q <= 0 and xml_q <= 0:
            return _not_acceptable()
        key = self._lookup_key(req.environment, basic)
        if key is None:
            return self._rejection()
        if any(req.header(name) is not None for name in _LEGACY_HEADERS):
            return _unauthorized()
        grant = req.form.get("grant_type")
        # Add "authorization_code" / "refresh_token" here when the OAuth app flow (§6.4) is needed.
        handlers = {"client_credentials": self._grant_client_credentials}
        if grant not in handlers:
            return _error(400, "INVALID_REQUEST_PARAM.GMP_GATEWAY_API", "grant_type",
                          f"grant_type {grant!r} is not supported" if grant else "grant_type is missing",
                          "One or more request parameters are invalid.")
        token, lifetime = handlers[grant](req, key)
        if xml_q > json_q:
            xml = (f'<OAuthTokenDTO xmlns="">\n    <accessToken>{token}</accessToken>\n'
                   f"    <tokenType>Bearer</tokenType>\n    <expiresIn>{lifetime}</expiresIn>\n</OAuthTokenDTO>")
            return _Answer(200, xml.encode("utf-8"), {"Content-Type": "application/xml"})
        return _json(200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def _grant_client_credentials(self, req: ReceivedRequest, key: _Key) -> tuple[str, int]:
        token, now = _new_token(), time.time()
        with self._lock:
            self._tokens[req.environment][token] = _Token(req.environment, key, now, now + key.token_lifetime)
        return token, key.token_lifetime

    def _detail(self, req: ReceivedRequest, basic) -> _Answer:
        problem = self._common_header_problem(req)
        if problem:
            return problem
        accept = (req.header("Accept") or "").strip() or "*/*"
        if _media_quality(accept, "application/json") <= 0:
            return _not_acceptable()
        token = (req.header("WM_SEC.ACCESS_TOKEN") or "").strip()
        if not token:
            return _error(400, "MISSING_REQUEST_HEADER.GMP_GATEWAY_API", "WM_SEC.ACCESS_TOKEN",
                          "WM_SEC.ACCESS_TOKEN set blank or null", "One or more request headers are missing.")
        with self._lock:
            record = self._tokens[req.environment].get(token)
            live = record is not None and self._keys[req.environment].get(record.key.client_id) is record.key
        if not live or time.time() >= record.expires_at:
            return _unauthorized()
        if req.header("Authorization") is not None and self._lookup_key(req.environment, basic) is not record.key:
            return _unauthorized()
        key = record.key
        detail = {
            "expire_at": str(int(record.expires_at * 1000)),
            "issued_at": str(int(record.issued_at * 1000)),
            "is_valid": True,
            "scopes": dict(key.scopes),
        }
        if key.is_channel_match is not None:
            detail["is_channel_match"] = key.is_channel_match
        return _json(200, detail)

    def _lookup_key(self, environment: str, basic) -> _Key | None:
        if basic is None:
            return None
        with self._lock:
            key = self._keys[environment].get(basic[0])
        return key if key is not None and secrets.compare_digest(key.client_secret.encode(), basic[1].encode()) else None

    def _rejection(self) -> _Answer:
        style = self._rejection_style
        if style == "oauth":
            return _json(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        if style == "invalid_header":
            return _bad_header("Authorization", "Incorrect Authorization header")
        return _unauthorized()


def _not_acceptable() -> _Answer:
    return _error(406, "INVALID_ACCEPT_TYPE.GMP_GATEWAY_API", "Accept", "Not Acceptable",
                  "This endpoint answers in application/json (or application/xml for /v3/token).", category="APPLICATION")


def _check_env(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
