"""Migration 0005 (mapping levels): every existing mapping stays where it was, as its store's override.

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL: a database at 0004 with mappings in two stores (and,
on SQLite, rows whose store was deleted by hand) is brought up to date the way the app does it at start.
"""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from core.db.engine import make_engine, session_scope
from core.db.schema import MIGRATIONS, _alembic_config, head_revision, prepare, run_alembic, schema_transaction
from core.mapping import repository, resolve
from core.mapping.levels import Level
from tests.fixtures.spreadsheets.corpus import mapping_state

NOW = "2026-01-02 03:04:05"


@pytest.fixture
def at_0004(database_url):
    engine = make_engine(database_url)
    with schema_transaction(engine) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "0004")
    with engine.begin() as connection:
        for store_id, name in ((1, "Acme US"), (2, "Acme CA")):
            connection.execute(text("INSERT INTO store (id, name, environment, market, enabled, notes, created_at, updated_at, version) "
                                    "VALUES (:id, :name, 'production', 'us', true, '', :now, :now, 1)"), {"id": store_id, "name": name, "now": NOW})
        for sku in ("MUG", "TEA"):
            connection.execute(text("INSERT INTO catalog_product (system_sku, name, active, created_at, updated_at) VALUES (:sku, '', true, :now, :now)"),
                               {"sku": sku, "now": NOW})
        connection.execute(text("INSERT INTO store_mapping_version (store_id, version, updated_at) VALUES (1, 7, :now), (2, 2, :now)"), {"now": NOW})
        rows = [(1, "WM-1", "MUG", 1, 0, 7), (1, "WM-1", "TEA", 2, 1, 7), (1, "WM-2", "TEA", 1, 0, 5), (2, "WM-1", "MUG", 3, 0, 2)]
        for store_id, platform, system, quantity, position, version in rows:
            connection.execute(text("INSERT INTO mapping_component (store_id, platform_sku, system_sku, quantity, position, version, updated_at) "
                                    "VALUES (:s, :p, :y, :q, :o, :v, :now)"),
                               {"s": store_id, "p": platform, "y": system, "q": quantity, "o": position, "v": version, "now": NOW})
    yield engine
    engine.dispose()


def test_every_mapping_becomes_its_stores_override_with_its_version(at_0004):
    prepare(at_0004)
    assert mapping_state(at_0004, 1) == {"WM-1": [("MUG", 1), ("TEA", 2)], "WM-2": [("TEA", 1)]}
    assert mapping_state(at_0004, 2) == {"WM-1": [("MUG", 3)]}
    assert mapping_state(at_0004, 0) == {}  # nothing is made for all stores
    with session_scope(at_0004) as session:
        assert (repository.scope_version(session, 1), repository.scope_version(session, 2), repository.scope_version(session, 0)) == (7, 2, 0)
        us = repository.list_mappings(session, 1)
        found = resolve.resolve(session, "Acme US", "WM-1", 2)
    assert [(view.platform_sku, view.version, view.level) for view in us.mappings] == [("WM-1", 7, Level.store), ("WM-2", 5, Level.store)]
    assert found.level == Level.store and [(c.system_sku, c.quantity) for c in found.components] == [("MUG", 2), ("TEA", 4)]  # order kept


def test_rows_of_a_store_deleted_by_hand_are_not_carried_over(at_0004, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL never lets a row lose its parent")
    with at_0004.connect() as connection:  # foreign keys off, as the sqlite3 tool has them
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("DELETE FROM store WHERE id = 2")
        connection.commit()
        assert connection.exec_driver_sql("SELECT count(*) FROM mapping_component WHERE store_id = 2").scalar_one() == 1  # orphaned
    prepare(at_0004)  # would fail if the migration left rows without their parent
    assert mapping_state(at_0004, 2) == {} and mapping_state(at_0004, 1) != {}


def test_downgrade_keeps_the_overrides_and_drops_the_default(at_0004):
    from core.mapping.imports import import_mappings
    from tests.conftest import ADMIN
    from tests.fixtures.spreadsheets.corpus import csv_bytes

    prepare(at_0004)
    with session_scope(at_0004) as session:
        import_mappings(session, 0, csv_bytes([["WM-9", "MUG", "1"]]), "default.csv", actor=ADMIN)
    with schema_transaction(at_0004) as connection:
        config = _alembic_config(MIGRATIONS)
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    with at_0004.connect() as connection:
        rows = sorted(tuple(row) for row in connection.execute(text("SELECT store_id, platform_sku, system_sku, quantity FROM mapping_component")))
        versions = sorted(tuple(row) for row in connection.execute(text("SELECT store_id, version FROM store_mapping_version")))
    assert rows == [(1, "WM-1", "MUG", 1), (1, "WM-1", "TEA", 2), (1, "WM-2", "TEA", 1), (2, "WM-1", "MUG", 3)]
    assert versions == [(1, 7), (2, 2)]
    prepare(at_0004)  # and up again
    assert mapping_state(at_0004, 1) == {"WM-1": [("MUG", 1), ("TEA", 2)], "WM-2": [("TEA", 1)]}
    with at_0004.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
