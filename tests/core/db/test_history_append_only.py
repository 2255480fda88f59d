"""The mapping history cannot be rewritten: UPDATE, DELETE, REPLACE and upserts of a change set or of its platform SKUs
are refused by the database, like the audit trail's (tests/core/db/test_audit_append_only.py).

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL; on a database made from the models and on one migrated.
"""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db.engine import init_db, make_engine
from core.db.schema import MIGRATIONS, run_alembic, schema_transaction

SET_COLUMNS = "(id, at, actor, via, scope_id, store_name, through, detail, added, changed, removed)"
SET_FORGED = "(1, CURRENT_TIMESTAMP, 'forger', 'sql', 1, 'Acme', 'grid', '', 0, 1, 0)"
CHANGE_COLUMNS = "(change_set_id, part, scope_id, first_sku, last_sku, changes)"
CHANGE_FORGED = "(1, 0, 1, 'WM-1', 'WM-1', 'WM-1\t+\tFORGED\t1')"

ATTACKS = {
    "mapping_change_set": {
        "update": "UPDATE mapping_change_set SET actor = 'forger'",
        "delete": "DELETE FROM mapping_change_set",
        "insert of an existing id": f"INSERT INTO mapping_change_set {SET_COLUMNS} VALUES {SET_FORGED}",
        "upsert": f"INSERT INTO mapping_change_set {SET_COLUMNS} VALUES {SET_FORGED} ON CONFLICT (id) DO UPDATE SET actor = 'forger'",
    },
    "mapping_change": {
        "update": "UPDATE mapping_change SET changes = 'WM-1\t+\tFORGED\t1'",
        "delete": "DELETE FROM mapping_change WHERE change_set_id = 1",
        "insert of an existing key": f"INSERT INTO mapping_change {CHANGE_COLUMNS} VALUES {CHANGE_FORGED}",
        "upsert": f"INSERT INTO mapping_change {CHANGE_COLUMNS} VALUES {CHANGE_FORGED} "
                  "ON CONFLICT (change_set_id, part) DO UPDATE SET changes = excluded.changes",
    },
}
SQLITE_ONLY = {
    "mapping_change_set": {
        "replace": f"REPLACE INTO mapping_change_set {SET_COLUMNS} VALUES {SET_FORGED}",
        "update or replace": "UPDATE OR REPLACE mapping_change_set SET actor = 'forger'",
    },
    "mapping_change": {
        "insert or replace": f"INSERT OR REPLACE INTO mapping_change {CHANGE_COLUMNS} VALUES {CHANGE_FORGED}",
        "replace": f"REPLACE INTO mapping_change {CHANGE_COLUMNS} VALUES {CHANGE_FORGED}",
    },
}
POSTGRESQL_ONLY = {
    "mapping_change_set": {"truncate": "TRUNCATE mapping_change_set CASCADE"},
    "mapping_change": {"truncate": "TRUNCATE mapping_change"},
}
CASES = sorted({(table, attack) for group in (ATTACKS, SQLITE_ONLY, POSTGRESQL_ONLY) for table, attacks in group.items() for attack in attacks})


def _genuine_change(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO mapping_change_set (at, actor, via, scope_id, store_name, through, detail, added, changed, removed) "
                                "VALUES (CURRENT_TIMESTAMP, 'ann', 'test', 1, 'Acme', 'import', 'm.csv', 1, 0, 0)"))
        number = connection.execute(text("SELECT max(id) FROM mapping_change_set")).scalar_one()
        connection.execute(text(f"INSERT INTO mapping_change {CHANGE_COLUMNS} VALUES ({number}, 0, 1, 'WM-1', 'WM-1', 'WM-1\t+\tMUG\t1')"))


def _history(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT s.id, s.actor, s.through, c.part, c.changes FROM mapping_change_set s JOIN mapping_change c ON c.change_set_id = s.id "
            "ORDER BY s.id, c.part"))]


@pytest.fixture(params=["models", "migrations"])
def kept(request, database_url):
    engine = make_engine(database_url)
    if request.param == "models":
        init_db(engine)
    else:
        with schema_transaction(engine) as connection:
            run_alembic(connection, MIGRATIONS, "upgrade", "head")
    _genuine_change(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("table", "attack"), CASES)
def test_no_statement_rewrites_the_history(kept, table, attack):
    dialect = kept.dialect.name
    statement = {**ATTACKS[table], **(SQLITE_ONLY if dialect == "sqlite" else POSTGRESQL_ONLY)[table]}.get(attack)
    if statement is None:
        pytest.skip(f"{attack}: not {dialect} syntax")
    before = _history(kept)
    with pytest.raises(DBAPIError, match="append-only"), kept.begin() as connection:
        connection.execute(text(statement))
    assert _history(kept) == before


def test_the_sqlite_tool_cannot_replace_a_change_either(kept):
    """A plain sqlite3 connection (recursive_triggers off, so REPLACE fires no DELETE trigger) is refused just the same."""
    if kept.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    before = _history(kept)
    raw = sqlite3.connect(kept.url.database)
    try:
        for attack in SQLITE_ONLY["mapping_change"].values():
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(attack)
        raw.rollback()
    finally:
        raw.close()
    assert _history(kept) == before


def test_appending_still_works(kept):
    _genuine_change(kept)
    assert [row[0] for row in _history(kept)] == [1, 2]
