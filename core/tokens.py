"""Access tokens cached per key pair until 60 s before they expire.

One token request per store per token lifetime, however often pages rerun or
checks repeat. Thread-safe, with a lock per key so concurrent checks of one
store share a single request.
"""
from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable

from core.walmart import Token

REFRESH_MARGIN = timedelta(seconds=60)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TokenCache:
    def __init__(self, clock: Callable[[], datetime] = _utc_now):
        self._clock = clock
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

    def get(self, key: str, fetch: Callable[[], Token]) -> tuple[Token, bool]:
        """Return (token, reused). `fetch` runs only when no usable token is cached."""
        with self._lock(key):
            token = self._tokens.get(key)
            if token is not None and self._clock() < token.expires_at - REFRESH_MARGIN:
                return token, True
            token = fetch()
            self._tokens[key] = token
            return token, False

    def forget(self, key: str) -> None:
        with self._guard:
            self._tokens.pop(key, None)

    def __len__(self) -> int:
        return len(self._tokens)
