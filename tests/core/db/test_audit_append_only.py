"""The audit trail cannot be rewritten: every way SQL has to change or replace an entry is refused by the database.

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL. Each attack is tried on a database made from the models
(a new install) and on one built by replaying the migrations (an upgraded install).
"""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db.engine import init_db, make_engine
from core.db.schema import MIGRATIONS, run_alembic, schema_transaction
from core.errors import ConfigError

COLUMNS = "(id, at, actor, via, action, store_name, subject, before_json, after_json, detail)"
FORGED = "(1, CURRENT_TIMESTAMP, 'forger', 'sql', 'store.add', 'Forged', '', 'null', 'null', 'forged')"
SET_FORGED = "actor = 'forger', detail = 'forged'"

BOTH = {
    "update": f"UPDATE auditentry SET {SET_FORGED} WHERE id = 1",
    "delete": "DELETE FROM auditentry WHERE id = 1",
    "delete everything": "DELETE FROM auditentry",
    "insert of an existing id": f"INSERT INTO auditentry {COLUMNS} VALUES {FORGED}",
    "upsert": f"INSERT INTO auditentry {COLUMNS} VALUES {FORGED} ON CONFLICT (id) DO UPDATE SET {SET_FORGED}",
}
SQLITE_ONLY = {
    "insert or replace": f"INSERT OR REPLACE INTO auditentry {COLUMNS} VALUES {FORGED}",
    "replace": f"REPLACE INTO auditentry {COLUMNS} VALUES {FORGED}",
    "update or replace": f"UPDATE OR REPLACE auditentry SET {SET_FORGED} WHERE id = 1",
    "insert or ignore": f"INSERT OR IGNORE INTO auditentry {COLUMNS} VALUES {FORGED}",
}
POSTGRESQL_ONLY = {
    "truncate": "TRUNCATE auditentry",
    "upsert from a select": f"INSERT INTO auditentry {COLUMNS} SELECT * FROM (VALUES {FORGED}) AS f ON CONFLICT (id) DO UPDATE SET {SET_FORGED}",
}
ATTACKS = sorted({**BOTH, **SQLITE_ONLY, **POSTGRESQL_ONLY})


def _genuine_entry(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO auditentry (at, actor, via, action, store_name, subject, before_json, after_json, detail) "
                                "VALUES (CURRENT_TIMESTAMP, 'ann', 'test', 'store.add', 'Acme', '', 'null', '{\"name\": \"Acme\"}', '')"))


def _trail(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, actor, action, store_name, after_json, detail FROM auditentry ORDER BY id"))]


@pytest.fixture(params=["models", "migrations"])
def trail(request, database_url):
    engine = make_engine(database_url)
    if request.param == "models":
        init_db(engine)  # a new database: create_all
    else:
        with schema_transaction(engine) as connection:
            run_alembic(connection, MIGRATIONS, "upgrade", "head")
    _genuine_entry(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_statement_rewrites_the_trail(trail, attack):
    statement = {**BOTH, **(SQLITE_ONLY if trail.dialect.name == "sqlite" else POSTGRESQL_ONLY)}.get(attack)
    if statement is None:
        pytest.skip(f"{attack}: not {trail.dialect.name} syntax")
    before = _trail(trail)
    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as connection:
        connection.execute(text(statement))
    assert _trail(trail) == before


def test_the_sqlite_tool_cannot_replace_an_entry_either(trail):
    """A plain sqlite3 connection (no pragmas of ours, recursive_triggers off) is refused just the same."""
    if trail.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    before = _trail(trail)
    raw = sqlite3.connect(trail.url.database)
    try:
        assert raw.execute("PRAGMA recursive_triggers").fetchone() == (0,)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(SQLITE_ONLY["insert or replace"])
        raw.rollback()
    finally:
        raw.close()
    assert _trail(trail) == before


def test_appending_still_works(trail):
    _genuine_entry(trail)
    assert [row[0] for row in _trail(trail)] == [1, 2]


def test_our_connections_turn_recursive_triggers_on(database_url):
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA recursive_triggers").scalar_one() == 1
    engine.dispose()


# --------------------------------------------------------------------------- guards taken away by hand

NEUTERED = "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql"
TAKEN_AWAY = {  # name -> (dialect or None for both, the statements someone with the database's password runs)
    "a trigger dropped": (None, {"sqlite": ["DROP TRIGGER auditentry_no_update"],
                                 "postgresql": ["DROP TRIGGER auditentry_append_only ON auditentry"]}),
    "a trigger replaced": ("sqlite", {"sqlite": ["DROP TRIGGER auditentry_no_update",
                                                 "CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON auditentry WHEN 0 BEGIN SELECT 1; END"]}),
    "the triggers disabled": ("postgresql", {"postgresql": ["ALTER TABLE auditentry DISABLE TRIGGER USER"]}),
    "the guard's function emptied": ("postgresql", {"postgresql": [NEUTERED]}),
    "the guard's function dropped with its triggers": ("postgresql", {"postgresql": ["DROP FUNCTION auditentry_append_only() CASCADE"]}),
}


@pytest.mark.parametrize("how", sorted(TAKEN_AWAY))
def test_a_guard_taken_away_by_hand_is_back_at_the_next_start(trail, database_url, how, caplog):
    """The database's guards are only as good as their presence: someone with the database's password can drop
    them. The app then ran on with a trail anyone could rewrite; at start it now puts them back and says so."""
    dialect, statements = TAKEN_AWAY[how]
    if dialect not in (None, trail.dialect.name):
        pytest.skip(f"{how}: not {trail.dialect.name}")
    with trail.begin() as connection:
        for statement in statements[trail.dialect.name]:
            connection.exec_driver_sql(statement)
    trail.dispose()
    restarted = make_engine(database_url)
    init_db(restarted)  # what every start does
    before = _trail(restarted)
    with pytest.raises(DBAPIError, match="append-only"), restarted.begin() as connection:
        connection.execute(text(BOTH["update"]))
    assert _trail(restarted) == before
    assert "audit trail" in caplog.text and "put back" in caplog.text
    init_db(restarted)  # an intact database is left as it is
    restarted.dispose()


def test_a_trail_moved_aside_by_hand_stops_the_start(trail, database_url):
    """Renaming the table takes its guards along and left the app failing on every change with a traceback."""
    with trail.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE auditentry RENAME TO auditentry_aside")
    trail.dispose()
    restarted = make_engine(database_url)
    with pytest.raises(ConfigError, match="audit trail") as refused:
        init_db(restarted)
    assert "auditentry" in str(refused.value) and "backup" in refused.value.fix
    restarted.dispose()
