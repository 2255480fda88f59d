"""Access tokens in the database, encrypted like secrets, shared by every process."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from core.db.models import CachedToken, utc_now
from core.vault import Vault
from core.walmart.client import CallRecord, Token

_NO_CALL = CallRecord("POST", "/v3/token", "", None, 0)  # a stored token was not fetched by this check


class DatabaseTokenStore:
    def __init__(self, engine: Engine, vault: Vault):
        self._engine = engine
        self._vault = vault

    def load(self, key: str) -> Token | None:
        with Session(self._engine) as session:
            row = session.get(CachedToken, key)
            if row is None:
                return None
            lifetime = max(0, int((row.expires_at - utc_now()).total_seconds()))
            return Token(self._vault.decrypt(row.ciphertext), row.token_type, lifetime, row.expires_at, _NO_CALL)

    def save(self, key: str, token: Token) -> None:
        with Session(self._engine) as session:
            session.merge(CachedToken(cache_key=key, ciphertext=self._vault.encrypt(token.access_token), token_type=token.token_type, expires_at=token.expires_at))
            session.commit()

    def delete(self, key: str) -> None:
        with Session(self._engine) as session:
            session.exec(delete(CachedToken).where(col(CachedToken.cache_key) == key))
            session.commit()
