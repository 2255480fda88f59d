"""Wiring shared by the CLI and the pages: settings -> engine -> vault -> Walmart client."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine

from core.authorization.scopes import load_profile
from core.config import Settings, load_settings
from core.db.engine import init_db, make_engine
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

    @cached_property
    def required_permissions(self) -> dict[str, str]:
        return load_profile(self.settings.permission_profile)


def open_runtime(settings: Settings | None = None) -> Runtime:
    return Runtime(settings or load_settings())
