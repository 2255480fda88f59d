"""Migration 0006 (mapping history): existing mappings are kept and have no history yet; the next change starts it.

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
"""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from core.db.engine import make_engine, session_scope
from core.db.schema import MIGRATIONS, _alembic_config, prepare, run_alembic, schema_transaction
from core.mapping.history import sku_history
from core.mapping.imports import import_mappings
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import csv_bytes, mapping_state

NOW = "2026-01-02 03:04:05"


def _at_0005(database_url):
    engine = make_engine(database_url)
    with schema_transaction(engine) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "0005")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO store (id, name, environment, market, enabled, notes, created_at, updated_at, version) "
                                "VALUES (1, 'Acme US', 'production', 'us', true, '', :now, :now, 1)"), {"now": NOW})
        connection.execute(text("INSERT INTO catalog_product (system_sku, name, active, created_at, updated_at) VALUES ('MUG', '', true, :now, :now)"),
                           {"now": NOW})
        connection.execute(text("INSERT INTO mapping_scope (id, store_id, version, updated_at) VALUES (1, 1, 3, :now)"), {"now": NOW})
        connection.execute(text("INSERT INTO mapping_component (scope_id, platform_sku, system_sku, quantity, position, version, updated_at) "
                                "VALUES (1, 'WM-1', 'MUG', 1, 0, 3, :now)"), {"now": NOW})
    return engine


def test_upgrade_keeps_the_mappings_and_the_next_change_starts_their_history(database_url):
    engine = _at_0005(database_url)
    prepare(engine)
    assert mapping_state(engine, 1) == {"WM-1": [("MUG", 1)]}
    with session_scope(engine) as session:
        assert sku_history(session, 1, "WM-1") == []  # made before the history existed
        import_mappings(session, 1, csv_bytes([["WM-1", "MUG", "2"]]), "later.csv", actor=ADMIN)
    with session_scope(engine) as session:
        [change] = sku_history(session, 1, "WM-1")
    assert [(c.system_sku, c.quantity) for c in change.before] == [("MUG", 1)]  # "before" is what the database had
    engine.dispose()


def test_downgrade_drops_the_history_and_its_guards(database_url):
    engine = _at_0005(database_url)
    prepare(engine)
    with session_scope(engine) as session:
        import_mappings(session, 1, csv_bytes([["WM-2", "MUG", "1"]]), "m.csv", actor=ADMIN)
    with schema_transaction(engine) as connection:
        config = _alembic_config(MIGRATIONS)
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        if engine.dialect.name == "postgresql":
            leftovers = connection.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'mapping_change%'")).all()
        else:
            leftovers = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'mapping_change%'")).all()
    assert not {"mapping_change_set", "mapping_change"} & tables and leftovers == []
    assert mapping_state(engine, 1) == {"WM-1": [("MUG", 1)], "WM-2": [("MUG", 1)]}
    prepare(engine)  # and up again
    with session_scope(engine) as session:
        assert sku_history(session, 1, "WM-2") == []
    engine.dispose()
