"""Access tokens cached per key pair until 60 s before they expire.

One token request per store per token lifetime, however often pages rerun or
checks repeat. Thread-safe, with a lock per key so concurrent checks of one
store share a single request.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, ParamSpec, Protocol, TypeVar

from core.walmart.client import Token

REFRESH_MARGIN = timedelta(seconds=60)
log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class TokenStore(Protocol):
    """Somewhere tokens outlive the process (see core/walmart/token_store.py)."""

    def load(self, key: str) -> Token | None: ...

    def save(self, key: str, token: Token) -> None: ...

    def delete(self, key: str) -> None: ...


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TokenCache:
    def __init__(self, clock: Callable[[], datetime] = _utc_now, store: TokenStore | None = None):
        self._clock = clock
        self._store = store
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def key(environment: str, base_url: str, client_id: str, client_secret: str) -> str:
        # Hash so the cache's keys never hold the secret; a new secret is a new entry.
        material = "\0".join((environment, base_url, client_id, client_secret)).encode("utf-8")
        return hashlib.sha256(material).hexdigest()

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: str, fetch: Callable[[], Token], fresh: bool = False) -> tuple[Token, bool]:
        """Return (token, reused). `fetch` runs only when no usable token is cached, or when `fresh`."""
        with self._lock(key):
            token = None if fresh else self._tokens.get(key)
            if token is None and self._store is not None and not fresh:
                token = self._quietly(self._store.load, key)
            if token is not None and self._usable(token):
                self._tokens[key] = token
                return token, True
            token = fetch()
            self._tokens[key] = token
            if self._store is not None:
                self._quietly(self._store.save, key, token)
            return token, False

    def _usable(self, token: Token) -> bool:
        return self._clock() < token.expires_at - REFRESH_MARGIN

    @staticmethod
    def _quietly(operation: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        # The shared store only saves token requests; a failure there must never fail a check.
        try:
            return operation(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            log.warning("token store unavailable (%s); using this process's cache only", type(exc).__name__)
            return None

    def forget(self, key: str) -> None:
        with self._guard:
            self._tokens.pop(key, None)
        if self._store is not None:
            self._quietly(self._store.delete, key)

    def __len__(self) -> int:
        return len(self._tokens)
