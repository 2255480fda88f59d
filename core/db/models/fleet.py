"""Fleet monitoring: cached access tokens and status-change events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now
from core.db.models.stored_text import StoredText


class CachedToken(SQLModel, table=True):
    """An access token kept (encrypted) until shortly before it expires, so separate
    processes (cron runs, several dashboards) share one token per key pair."""

    cache_key: str = Field(primary_key=True, max_length=64)  # sha256 of environment, base URL and keys
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    token_type: str = Field(default="Bearer", max_length=20)
    expires_at: datetime


class StatusEvent(SQLModel, table=True):
    """A store left `authorized`, lost a permission, or recovered; or its orders have SKUs newly awaiting mapping."""

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True))
    at: datetime = Field(default_factory=utc_now, index=True)
    kind: str = Field(max_length=30)  # lost_authorization | lost_permission | recovered | still_failing | orders_blocked
    from_status: str = Field(max_length=40)
    to_status: str = Field(max_length=40)
    detail: str = Field(default="", sa_column=Column(StoredText, nullable=False, default=""))  # core.i18n.dumps
    # pending -> sending (claimed) -> sent | failed (retried) | suppressed (same alert sent recently) | off (no webhook)
    delivery: str = Field(default="pending", max_length=20, index=True)
    delivery_attempts: int = 0
    delivered_at: datetime | None = None  # when it was sent; while `sending`, when it was claimed
    delivery_error: str | None = Field(default=None, max_length=300)
