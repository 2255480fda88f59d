"""The audit trail refuses an INSERT that names an existing id (REPLACE, upsert) and, on PostgreSQL, TRUNCATE.

0001 made it refuse UPDATE and DELETE. An INSERT OR REPLACE of an existing id still overwrote an entry on SQLite,
which fires no DELETE trigger for the row it replaces. A BEFORE INSERT trigger runs before any conflict is
resolved, so no OR or ON CONFLICT clause gets past it. The statements are those of core/db/models/audit.py as
of this revision, kept here as they were (a migration is history).

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_REFUSE = "the audit trail is append-only"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE TRIGGER auditentry_no_overwrite BEFORE INSERT ON auditentry "
                   "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM auditentry WHERE id = NEW.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END")
    elif dialect == "postgresql":
        op.execute("CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()")
        op.execute("CREATE OR REPLACE FUNCTION auditentry_no_overwrite() RETURNS trigger AS $$ "
                   "BEGIN IF EXISTS (SELECT 1 FROM auditentry WHERE id = NEW.id) THEN "
                   f"RAISE EXCEPTION '{_REFUSE}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER auditentry_no_overwrite BEFORE INSERT ON auditentry "
                   "FOR EACH ROW EXECUTE FUNCTION auditentry_no_overwrite()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_overwrite")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_overwrite ON auditentry")
        op.execute("DROP FUNCTION IF EXISTS auditentry_no_overwrite()")
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_truncate ON auditentry")
