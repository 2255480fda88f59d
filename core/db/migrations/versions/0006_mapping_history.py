"""The history of every mapping: change sets (who, when, through what) and their platform SKUs' components before
and after, in blocks. Both tables are append-only like the audit trail: the triggers are those of
core/db/models/append_only.py for these tables as of this revision, written out as they were (a migration is history).

Changes made before this revision have no history; the audit trail still has what it recorded of them.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_REFUSE = "the mapping history is append-only"


def _sqlite_guards(table: str, given: str, same: str) -> list[str]:
    return [
        *(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
          for verb in ("UPDATE", "DELETE")),
        f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} WHEN {given} AND EXISTS (SELECT 1 FROM {table} WHERE {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END",
    ]


def _postgresql_guards(table: str, same: str) -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        f"CREATE OR REPLACE FUNCTION {table}_no_overwrite() RETURNS trigger AS $$ BEGIN IF EXISTS (SELECT 1 FROM {table} WHERE {same}) THEN "
        f"RAISE EXCEPTION '{_REFUSE}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_no_overwrite()",
    ]


_KEYS = {
    "mapping_change_set": ("NEW.id IS NOT NULL", "id = NEW.id"),
    "mapping_change": ("NEW.change_set_id IS NOT NULL AND NEW.part IS NOT NULL", "change_set_id = NEW.change_set_id AND part = NEW.part"),
}


def upgrade() -> None:
    op.create_table(
        "mapping_change_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("store_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("through", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mapping_change_set_scope", "mapping_change_set", ["scope_id", "id"], unique=False)
    op.create_table(
        "mapping_change",
        sa.Column("change_set_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("first_sku", sa.String(length=100), nullable=False),
        sa.Column("last_sku", sa.String(length=100), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["change_set_id"], ["mapping_change_set.id"]),
        sa.PrimaryKeyConstraint("change_set_id", "part"),
    )
    op.create_index("ix_mapping_change_lookup", "mapping_change", ["scope_id", "first_sku"], unique=False)
    dialect = op.get_bind().dialect.name
    for table, (given, same) in _KEYS.items():
        if dialect == "sqlite":
            statements = _sqlite_guards(table, given, same)
        elif dialect == "postgresql":
            statements = _postgresql_guards(table, same)
        else:
            statements = []
        for statement in statements:
            op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers; PostgreSQL's trigger functions stay unless dropped.
    op.drop_index("ix_mapping_change_lookup", table_name="mapping_change")
    op.drop_table("mapping_change")
    op.drop_index("ix_mapping_change_set_scope", table_name="mapping_change_set")
    op.drop_table("mapping_change_set")
    if op.get_bind().dialect.name == "postgresql":
        for table in _KEYS:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_no_overwrite()")
