"""OAuth 2.0 seller authorization: the app's own secret and pending connect requests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, false
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now


class OAuthApp(SQLModel, table=True):
    """The OMS's app registration secret, encrypted like store secrets."""

    client_id: str = Field(primary_key=True, max_length=200)
    secret_ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    secret_last4: str = Field(default="", max_length=4)
    saved_at: datetime = Field(default_factory=utc_now)


class ConnectRequest(SQLModel, table=True):
    """One "Connect" link handed out: its `state` is single-use, expires, and belongs to
    the store (or the store to create) and the user who started it."""

    state: str = Field(primary_key=True, max_length=100)
    nonce: str = Field(max_length=100)
    store_id: int | None = Field(default=None, index=True)  # None: create a new store on success
    new_store_name: str | None = Field(default=None, max_length=120)
    started_by: str = Field(max_length=200)
    # Started at our Login URL by a seller from Walmart's App Store, not by a dashboard user: its grant waits for review.
    seller_started: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    used_at: datetime | None = None
