"""The composition root shared by the CLI and the pages: settings -> engine -> vault -> Walmart client.

Workflows that call Walmart between writes (checking a store, completing a connect) take a Runtime and
open one short transaction per step with `transaction()`; services below them take a Session and never commit.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.config import Settings, load_settings
from core.db.engine import init_db, make_engine, session_scope
from core.vault import Vault, load_vault, verify_key
from core.walmart.client import WalmartClient
from core.walmart.token_store import DatabaseTokenStore
from core.walmart.tokens import TokenCache


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        init_db(engine)
        return engine

    @cached_property
    def vault(self) -> Vault:
        vault = load_vault(self.settings)
        verify_key(vault, self.engine)
        return vault

    @cached_property
    def walmart(self) -> WalmartClient:
        return WalmartClient.from_settings(self.settings)

    @cached_property
    def tokens(self) -> TokenCache:
        return TokenCache(store=DatabaseTokenStore(self.engine, self.vault))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work on this runtime's database: commits on success, rolls back on any error."""
        with session_scope(self.engine) as session:
            yield session


def open_runtime(settings: Settings | None = None) -> Runtime:
    return Runtime(settings or load_settings())
