"""Stores, the credential each one holds, and the history of authorization checks."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now
from core.db.models.stored_text import StoredText


class Environment(StrEnum):
    production = "production"
    sandbox = "sandbox"


class Market(StrEnum):
    """The Walmart marketplace a store sells on. It decides the headers every call carries
    (WM_MARKET outside the US) and which credential kinds exist (OAuth is documented for the US only)."""

    us = "us"
    ca = "ca"
    mx = "mx"
    cl = "cl"


class CredentialKind(StrEnum):
    # A Client ID and Client Secret made in the Developer Portal (delegated or the seller's own).
    delegated_key = "delegated_key"
    # OAuth 2.0 seller authorization: a refresh token plus the seller ID; the app keys live in settings.
    oauth_seller = "oauth_seller"


class Store(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=120)
    environment: str = Field(default=Environment.production, max_length=20)
    market: str = Field(default=Market.us, max_length=2, sa_column_kwargs={"server_default": Market.us.value})
    enabled: bool = Field(default=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    # Bumped on every change; a save based on an older version is refused.
    version: int = Field(default=1)
    # When a checker last claimed this store; fleet checks with --due skip stores claimed recently.
    check_claimed_at: datetime | None = Field(default=None, index=True)


class CredentialState(StrEnum):
    active = "active"  # what checks use; at most one per store
    pending = "pending"  # a new authorization waiting for the user to confirm the switch
    retired = "retired"  # replaced; its secret is wiped


class Credential(SQLModel, table=True):
    """What a store uses to obtain tokens; `kind` says how to read it. A store has one
    active credential, and during a migration also a pending one."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True))
    kind: str = Field(default=CredentialKind.delegated_key, max_length=30)
    state: str = Field(default=CredentialState.active, max_length=20, index=True)
    # delegated_key: the store's Client ID. oauth_seller: the app Client ID it was granted to.
    client_id: str = Field(default="", max_length=200)
    # oauth_seller only: Walmart's seller (partner) ID, sent as WM_PARTNER.ID.
    seller_id: str | None = Field(default=None, max_length=64)
    # Fernet token of the Client Secret (delegated_key) or the refresh token (oauth_seller).
    secret_ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    # Last four characters only, so lists can show "••••abcd" without the key.
    secret_last4: str = Field(default="", max_length=4)
    secret_set_at: datetime = Field(default_factory=utc_now)
    # oauth_seller only: when the refresh token runs out.
    secret_expires_at: datetime | None = Field(default=None)
    # When a check with this credential last succeeded (used to allow retiring the old one).
    verified_at: datetime | None = Field(default=None)


class AuthorizationCheck(SQLModel, table=True):
    """One run of the authorization check; the newest row per store is its current health."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True))
    checked_at: datetime = Field(default_factory=utc_now, index=True)
    environment: str = Field(max_length=20)
    status: str = Field(max_length=40, index=True)
    summary: str = Field(default="", sa_column=Column(StoredText, nullable=False, default=""))  # core.i18n.dumps
    http_status: int | None = None
    walmart_code: str | None = Field(default=None, max_length=120)
    correlation_ids: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    token_expires_at: datetime | None = None
    retry_at: datetime | None = None
    scopes_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    missing_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    findings_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    duration_ms: int = 0


class StoreHealth(SQLModel, table=True):
    """Each store's current health, kept beside the history so status pages and fleet
    counts read one row per store however long the history grows."""

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True))
    status: str = Field(max_length=40, index=True)
    summary: str = Field(default="", sa_column=Column(StoredText, nullable=False, default=""))  # core.i18n.dumps
    checked_at: datetime = Field(index=True)
    last_success_at: datetime | None = None
    # Start of the current run of non-authorized results (None while authorized).
    failing_since: datetime | None = None
    http_status: int | None = None
    walmart_code: str | None = Field(default=None, max_length=120)
    correlation_ids: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    token_expires_at: datetime | None = None
    retry_at: datetime | None = None
    scopes_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    missing_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))


class EncryptionCheck(SQLModel, table=True):
    """A known value encrypted with the key in use, so a wrong key is caught before any write."""

    id: int | None = Field(default=None, primary_key=True)
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
