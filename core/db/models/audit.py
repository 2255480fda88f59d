"""The audit trail: who changed what, when, with before and after. Never a secret."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Column, Text, event
from sqlmodel import Field, SQLModel

from core.db.models.base import table_of, utc_now


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
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


# The application only appends; the database refuses anything else, whoever asks.
# (dialect, statement); run after the table is created, by create_all and by the first migration.
APPEND_ONLY_TRIGGERS = [
    *(("sqlite", f"CREATE TRIGGER auditentry_no_{verb.lower()} BEFORE {verb} ON auditentry "
                 "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END") for verb in ("UPDATE", "DELETE")),
    ("postgresql", "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$ LANGUAGE plpgsql"),
    ("postgresql", "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
                   "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()"),
]
for _dialect, _statement in APPEND_ONLY_TRIGGERS:
    event.listen(table_of(AuditEntry), "after_create", DDL(_statement).execute_if(dialect=_dialect))
