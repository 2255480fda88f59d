"""The transport under the Walmart client: whole-call deadlines, bodies read up to a cap, and the
environment's proxy and CA-bundle settings.

Why a watchdog: a socket timeout bounds each read, not the call. A gateway that drips one byte a second
never trips it, and would hold a check for as long as it likes. So every socket a call opens is registered
with the call's Watch, and when the call's deadline passes the watchdog (one thread for the process) shuts
those sockets down: whatever was blocked on them (connecting, the TLS handshake, the status line, headers or
body) returns at once.
"""
from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Final

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.poolmanager import PoolManager

READ_CHUNK: Final = 16 * 1024
CONNECT_TIMEOUT: Final = 5.0  # at most; never more than what is left of the call
CA_BUNDLE_VARIABLES: Final = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")

_current = threading.local()  # the Watch of the call running on this thread


class Deadline:
    """A point in time (monotonic) a call must end by."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at


class DeadlinePassed(Exception):
    """The call's deadline passed; its sockets were shut down."""


class Watch:
    """The sockets one call uses, shut down by the watchdog when the call's deadline passes."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.fired = False
        self.done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if any(known is sock for known in self._sockets):
                return
            self._sockets.append(sock)
            fired = self.fired
        if fired:  # registered after the deadline: shut it at once
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def __enter__(self) -> Watch:
        _current.watch = self
        _WATCHDOG.watch(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.done = True
        _current.watch = None


class _Watchdog:
    """One daemon thread for every call in the process: it fires each Watch whose deadline has passed."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Watch]] = []
        self._count = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, watch: Watch) -> None:
        with self._wake:
            heapq.heappush(self._due, (watch.deadline.at, next(self._count), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="walmart-call-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)  # finished in time: forget it
                if not self._due:
                    self._wake.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                _at, _number, late = heapq.heappop(self._due)
            late.fire()


_WATCHDOG = _Watchdog()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected


def _register(sock: socket.socket | None) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _register(sock)  # before any TLS handshake or proxy tunnel runs over it
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self.sock)  # a kept-alive connection was opened by an earlier call
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _register(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watched(manager: PoolManager) -> PoolManager:
    # SOCKS proxies bring pool classes of their own; those keep the per-read timeout only.
    if manager.pool_classes_by_scheme.get("http") is HTTPConnectionPool:
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
    return manager


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections register their sockets with the running call's Watch.
    No retries here: the client retries itself, within the call's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watched(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return _watched(super().proxy_manager_for(proxy, **proxy_kwargs))


def new_session(pool_size: int = 4) -> requests.Session:
    session = requests.Session()
    adapter = WatchedAdapter(pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    # The environment is read per call by network_settings (and only when allowed), never by requests
    # itself: that would also pull credentials from ~/.netrc into calls to Walmart.
    session.trust_env = False
    # Each call carries its own credentials and nothing else: a cookie from one store's answer must not
    # ride along with the next call this thread makes, for whichever store.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


@dataclass(frozen=True)
class NetworkSettings:
    proxies: dict[str, str] = field(default_factory=dict)
    verify: bool | str = True  # True: the bundled CA certificates; a path: the environment's CA bundle


def network_settings(url: str, use_environment: bool) -> NetworkSettings:
    """The proxy (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, honouring NO_PROXY) and CA bundle (REQUESTS_CA_BUNDLE,
    CURL_CA_BUNDLE, SSL_CERT_FILE) the environment names for `url`, or none of them when not allowed."""
    if not use_environment:
        return NetworkSettings()
    bundle = next((value for name in CA_BUNDLE_VARIABLES if (value := os.environ.get(name, "").strip())), None)
    return NetworkSettings(dict(get_environ_proxies(url)), bundle or True)


@dataclass(frozen=True)
class Reply:
    """An answer read within its bounds."""

    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes
    truncated: bool  # the body was longer than the cap; only the first `cap` bytes were read

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def read_capped(response: requests.Response, cap: int) -> tuple[bytes, bool]:
    """At most `cap` bytes of the (decoded) body; stops reading there. Raises DeadlinePassed when the
    watchdog cut the connection, and urllib3/OS errors for a broken connection."""
    parts: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = response.raw.read(min(READ_CHUNK, cap + 1 - size), decode_content=True)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    body = b"".join(parts)
    return body[:cap], len(body) > cap


@contextmanager
def watched(deadline: Deadline) -> Iterator[Watch]:
    """Run one HTTP exchange under the deadline's watchdog; DeadlinePassed if the watchdog fired,
    whatever error the cut connection caused."""
    watch = Watch(deadline)
    try:
        with watch:
            yield watch
    except (requests.RequestException, Urllib3Error, OSError):
        if watch.fired or deadline.passed:
            raise DeadlinePassed() from None
        raise
    if watch.fired:
        raise DeadlinePassed()
