"""The composition root shared by the pages, the CLI and the demo: settings -> engine -> vault -> Walmart client -> token cache.

One service style, and everything passed is typed (a `Runtime`, a `Settings`, a `Session`; never a bare parameter):

- Services take a `Session` plus whatever else they need, explicitly: `add_store(session, vault, actor=...)`,
  `deadlines(session, settings)`. They work in the caller's transaction and never commit.
- Calls that only talk to Walmart take its client and token cache explicitly: `check_keys(client, cache, ...)`.
- Workflows take a `Runtime`, and only workflows do: `check_store`, `check_many`, `complete_connect`,
  `verify_pending`, `find_unmapped`, `diagnose_store`. They call Walmart between database steps and open one
  short transaction per step with `runtime.transaction()`, so no transaction (on SQLite, no write lock) is held
  across a network call; webhooks are delivered after the transaction that recorded them commits.
- No function takes both a Session and a Runtime (tests/core/test_runtime.py checks this).

Entry points build one Runtime (`open_runtime`), own the transaction when they call services
(`session_scope(runtime.engine)`), and hand the Runtime to workflows.
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
from core.i18n import DEFAULT_LANGUAGE, set_default_language
from core.vault import Vault, load_vault, verify_key
from core.walmart.client import WalmartClient
from core.walmart.token_store import DatabaseTokenStore
from core.walmart.tokens import TokenCache


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url, busy_timeout=self.settings.database_busy_timeout)
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
    settings = settings or load_settings()
    set_default_language(settings.language or DEFAULT_LANGUAGE)  # where no unit of work chose one: cron, alerts
    return Runtime(settings)
