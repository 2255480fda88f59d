"""Mapping levels: a mapping is made for all stores (the default) or for one store (an override), and the OMS's view.

store_mapping_version becomes mapping_scope: one row per store that has mappings (id = the store's id), and one
for all stores (id 0, no store), each with its own version counter. mapping_component is keyed by the scope
instead of the store. Every existing mapping stays where it was, as that store's override: nothing applies to all
stores until someone makes a default mapping. Rows left without their store (possible only on SQLite with foreign
keys switched off by hand) are not carried over; the app never showed them.

The view store_connect_mapping_v1 (docs/integration.md) is created as core/db/models/views.py had it at this
revision, kept here as it was (a migration is history).

Downgrade keeps the store overrides and drops the default mappings, which the old schema cannot hold.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_VIEW = """CREATE VIEW store_connect_mapping_v1 AS
SELECT store.name AS store_name, store.id AS store_id, store.market AS market,
       own.platform_sku AS platform_sku, own.system_sku AS system_sku, own.quantity AS quantity_per_unit,
       CAST('store' AS VARCHAR(7)) AS level, own.version AS version, own.updated_at AS updated_at
FROM mapping_component AS own JOIN store ON store.id = own.scope_id
UNION ALL
SELECT store.name, store.id, store.market,
       shared.platform_sku, shared.system_sku, shared.quantity,
       CAST('default' AS VARCHAR(7)), shared.version, shared.updated_at
FROM mapping_component AS shared CROSS JOIN store
WHERE shared.scope_id = 0
  AND NOT EXISTS (SELECT 1 FROM mapping_component AS override
                  WHERE override.scope_id = store.id AND override.platform_sku = shared.platform_sku)"""


def _component_table(key: str, parent: str) -> None:
    op.create_table(
        "mapping_component",
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("platform_sku", sa.String(length=100), nullable=False),
        sa.Column("system_sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("position >= 0", name="ck_mapping_component_position"),
        sa.CheckConstraint("quantity >= 1", name="ck_mapping_component_quantity"),
        sa.ForeignKeyConstraint([key], [parent], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["system_sku"], ["catalog_product.system_sku"]),
        sa.PrimaryKeyConstraint(key, "platform_sku", "system_sku"),
        sqlite_with_rowid=False,
    )


def _set_aside_components() -> None:
    """Copy the mappings into a scratch table and drop the old one (constraint names on PostgreSQL live on with a
    renamed table, so the new table cannot take them while the old one exists)."""
    op.execute("CREATE TABLE mapping_component_0005 AS SELECT * FROM mapping_component")
    op.drop_table("mapping_component")


_COLUMNS = "platform_sku, system_sku, quantity, position, version, updated_at"


def upgrade() -> None:
    op.create_table(
        "mapping_scope",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("(store_id IS NULL AND id = 0) OR (store_id = id AND id > 0)", name="ck_mapping_scope_store"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO mapping_scope (id, store_id, version, updated_at) "
               "SELECT store_id, store_id, version, updated_at FROM store_mapping_version "
               "WHERE store_id IN (SELECT id FROM store)")
    # A store with mappings always has its counter; should one be missing, its newest mapping tells where it stood.
    op.execute("INSERT INTO mapping_scope (id, store_id, version, updated_at) "
               "SELECT store_id, store_id, MAX(version), MAX(updated_at) FROM mapping_component "
               "WHERE store_id IN (SELECT id FROM store) AND store_id NOT IN (SELECT id FROM mapping_scope) GROUP BY store_id")
    _set_aside_components()
    _component_table("scope_id", "mapping_scope.id")
    op.execute(f"INSERT INTO mapping_component (scope_id, {_COLUMNS}) SELECT store_id, {_COLUMNS} FROM mapping_component_0005 "
               "WHERE store_id IN (SELECT id FROM mapping_scope)")
    op.drop_table("mapping_component_0005")
    op.drop_table("store_mapping_version")
    op.execute(_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS store_connect_mapping_v1")
    op.create_table(
        "store_mapping_version",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.execute("INSERT INTO store_mapping_version (store_id, version, updated_at) "
               "SELECT store_id, version, updated_at FROM mapping_scope WHERE store_id IS NOT NULL")
    _set_aside_components()
    _component_table("store_id", "store.id")
    op.execute(f"INSERT INTO mapping_component (store_id, {_COLUMNS}) SELECT scope_id, {_COLUMNS} FROM mapping_component_0005 "
               "WHERE scope_id <> 0")
    op.drop_table("mapping_component_0005")
    op.drop_table("mapping_scope")
