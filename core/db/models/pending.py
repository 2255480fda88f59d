"""Seller-started connections: grants a seller gave our app from Walmart's App Store, waiting for an admin."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now


class PendingStatus(StrEnum):
    waiting = "waiting"  # no admin has decided yet
    attached = "attached"  # its grant now belongs to a store
    discarded = "discarded"  # an admin threw it away
    superseded = "superseded"  # the same seller connected again; the newer grant replaced it


class PendingConnection(SQLModel, table=True):
    """One code exchange that a seller started at our Login URL. The refresh token is kept here, encrypted,
    until an admin attaches it to a store (then it moves to the store's credential) or discards it; either
    way it is wiped here. Rows are made only after Walmart accepted a real code, never by a page view."""

    id: int | None = Field(default=None, primary_key=True)
    # The connect state it came from: reloading the callback finds this row instead of exchanging again.
    state: str = Field(max_length=100, unique=True)
    seller_id: str = Field(max_length=64, index=True)
    client_id: str = Field(max_length=200)  # the app the seller approved
    secret_ciphertext: str = Field(sa_column=Column(Text, nullable=False))  # Fernet token of the refresh token; "" once resolved
    secret_last4: str = Field(default="", max_length=4)
    received_at: datetime = Field(default_factory=utc_now)
    secret_expires_at: datetime | None = None
    status: str = Field(default=PendingStatus.waiting, max_length=20, index=True)
    resolved_at: datetime | None = None
    resolved_by: str = Field(default="", max_length=200)
    store_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("store.id", ondelete="SET NULL"), nullable=True))
