"""Tables the database itself keeps append-only: the audit trail and the mapping history.

The application only appends to them; the database refuses anything else, whoever asks: UPDATE, DELETE, and an
INSERT that names an existing key, which is how REPLACE (SQLite fires no DELETE trigger for the row it replaces,
unless recursive_triggers is on) and an upsert (INSERT ... ON CONFLICT DO UPDATE) would overwrite a row. A BEFORE
INSERT trigger runs before any conflict is resolved, so no ON CONFLICT or OR clause gets past it. On PostgreSQL,
TRUNCATE is refused too.

The guard is a per-row trigger, so a guarded table should get few, wide rows: the mapping history writes one row
per block of platform SKUs, not one per SKU (core.mapping.history).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import DDL, Table, event

# (dialect, statement)
Trigger = tuple[str, str]


def append_only_triggers(table: str, key: Sequence[str], refusal: str) -> list[Trigger]:
    """The statements that make `table` append-only; `key` is its primary key, `refusal` the error's text."""
    given = " AND ".join(f"NEW.{column} IS NOT NULL" for column in key)
    same = " AND ".join(f"{column} = NEW.{column}" for column in key)
    return [
        *(("sqlite", f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                     f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END") for verb in ("UPDATE", "DELETE")),
        ("sqlite", f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} "
                   f"WHEN {given} AND EXISTS (SELECT 1 FROM {table} WHERE {same}) "
                   f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END"),
        ("postgresql", f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                       f"BEGIN RAISE EXCEPTION '{refusal}'; END $$ LANGUAGE plpgsql"),
        ("postgresql", f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"),
        ("postgresql", f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"),
        ("postgresql", f"CREATE OR REPLACE FUNCTION {table}_no_overwrite() RETURNS trigger AS $$ "
                       f"BEGIN IF EXISTS (SELECT 1 FROM {table} WHERE {same}) THEN "
                       f"RAISE EXCEPTION '{refusal}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"),
        ("postgresql", f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_no_overwrite()"),
    ]


def keep_append_only(table: Table, triggers: Sequence[Trigger]) -> None:
    """Create the triggers right after create_all makes the table (a new database); migrations make the same."""
    for dialect, statement in triggers:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
