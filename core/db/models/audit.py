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


# The application only appends; the database refuses anything else, whoever asks: UPDATE, DELETE, and an INSERT
# that names an existing id, which is how REPLACE (SQLite fires no DELETE trigger for the row it replaces, unless
# recursive_triggers is on) and an upsert (INSERT ... ON CONFLICT DO UPDATE) would overwrite an entry. A BEFORE
# INSERT trigger runs before any conflict is resolved, so no ON CONFLICT or OR clause gets past it.
# (dialect, statement); run after the table is created, by create_all. Migrations 0001 and 0003 make the same.
APPEND_ONLY = "the audit trail is append-only"
APPEND_ONLY_TRIGGERS = [
    *(("sqlite", f"CREATE TRIGGER auditentry_no_{verb.lower()} BEFORE {verb} ON auditentry "
                 f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END") for verb in ("UPDATE", "DELETE")),
    ("sqlite", "CREATE TRIGGER auditentry_no_overwrite BEFORE INSERT ON auditentry "
               "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM auditentry WHERE id = NEW.id) "
               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"),
    ("postgresql", "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ "
                   f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql"),
    ("postgresql", "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
                   "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()"),
    ("postgresql", "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()"),
    ("postgresql", "CREATE OR REPLACE FUNCTION auditentry_no_overwrite() RETURNS trigger AS $$ "
                   "BEGIN IF EXISTS (SELECT 1 FROM auditentry WHERE id = NEW.id) THEN "
                   f"RAISE EXCEPTION '{APPEND_ONLY}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"),
    ("postgresql", "CREATE TRIGGER auditentry_no_overwrite BEFORE INSERT ON auditentry "
                   "FOR EACH ROW EXECUTE FUNCTION auditentry_no_overwrite()"),
]
for _dialect, _statement in APPEND_ONLY_TRIGGERS:
    event.listen(table_of(AuditEntry), "after_create", DDL(_statement).execute_if(dialect=_dialect))
