"""Views other programs read: `store_connect_mapping_v1`, the OMS's one way to read mappings (docs/integration.md).

A view is a contract, not a table: its name carries the contract's version, its
columns and their meaning never change within it, and a change that would break
a reader gets a new view (v2) beside the old one. The statement is created by
create_all with the tables (listeners below) and by the migration that introduced
it (0005, which keeps its own copy: a migration is history). tests/core/db checks
that both make the same view and that it reads right.
"""
from __future__ import annotations

from sqlalchemy import DDL, event
from sqlmodel import SQLModel

from core.db.models.catalog import ALL_STORES

MAPPING_VIEW = "store_connect_mapping_v1"

# Per store: each of its own mappings (level 'store'), then each default mapping (level 'default') for every
# store that has no mapping of that platform SKU of its own. One row per component. Plain SQL that SQLite and
# PostgreSQL read alike; CAST gives the level column a text type on both.
MAPPING_VIEW_SQL = f"""CREATE VIEW {MAPPING_VIEW} AS
SELECT store.name AS store_name, store.id AS store_id, store.market AS market,
       own.platform_sku AS platform_sku, own.system_sku AS system_sku, own.quantity AS quantity_per_unit,
       CAST('store' AS VARCHAR(7)) AS level, own.version AS version, own.updated_at AS updated_at
FROM mapping_component AS own JOIN store ON store.id = own.scope_id
UNION ALL
SELECT store.name, store.id, store.market,
       shared.platform_sku, shared.system_sku, shared.quantity,
       CAST('default' AS VARCHAR(7)), shared.version, shared.updated_at
FROM mapping_component AS shared CROSS JOIN store
WHERE shared.scope_id = {ALL_STORES}
  AND NOT EXISTS (SELECT 1 FROM mapping_component AS override
                  WHERE override.scope_id = store.id AND override.platform_sku = shared.platform_sku)"""

VIEWS = {MAPPING_VIEW: MAPPING_VIEW_SQL}

for _name, _statement in VIEWS.items():
    event.listen(SQLModel.metadata, "after_create", DDL(_statement))
    event.listen(SQLModel.metadata, "before_drop", DDL(f"DROP VIEW IF EXISTS {_name}"))
