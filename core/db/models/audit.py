"""The audit trail: who changed what, when, with before and after. Never a secret."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from core.db.models.append_only import append_only_triggers, keep_append_only
from core.db.models.base import table_of, utc_now
from core.db.models.stored_text import StoredText


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    actor: str = Field(max_length=200, index=True)
    via: str = Field(default="", max_length=20)
    action: str = Field(max_length=60, index=True)  # e.g. store.add, mapping.update, import.apply
    # No foreign key: the trail outlives a deleted store.
    store_id: int | None = Field(default=None, index=True)
    store_name: str = Field(default="", max_length=120, index=True)
    subject: str = Field(default="", max_length=300)  # what inside the store: a platform SKU, a file name
    before_json: str = Field(default="null", sa_column=Column(Text, nullable=False, default="null"))
    after_json: str = Field(default="null", sa_column=Column(Text, nullable=False, default="null"))
    detail: str = Field(default="", sa_column=Column(StoredText, nullable=False, default=""))  # core.i18n.dumps


# The application only appends; the database refuses anything else (core.db.models.append_only). Migrations
# 0001 and 0003 make the same triggers.
APPEND_ONLY = "the audit trail is append-only"
APPEND_ONLY_TRIGGERS = append_only_triggers("auditentry", ("id",), APPEND_ONLY)
keep_append_only(table_of(AuditEntry), APPEND_ONLY_TRIGGERS)
