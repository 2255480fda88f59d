"""Opening the database: tables are created once, and a database from an older schema is refused in plain words."""
from __future__ import annotations

import sqlite3

import pytest

from core.db import init_db, make_engine
from core.errors import ConfigError


def test_a_new_database_is_created_and_opens_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    init_db(engine)
    init_db(engine)  # a second start finds every table and column in place
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM mapping_component").scalar_one() == 0
    engine.dispose()


def test_a_database_from_an_older_schema_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # the two-table mapping layout of an earlier build
        old.execute("CREATE TABLE mapping_component (id INTEGER PRIMARY KEY, mapping_id INTEGER NOT NULL, system_sku VARCHAR(100), quantity INTEGER)")
        old.execute("INSERT INTO mapping_component VALUES (1, 1, 'MUG-WHITE', 2)")
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(ConfigError) as refused:
        init_db(engine)
    engine.dispose()
    assert refused.value.variable == "DATABASE_URL"
    assert "older version" in refused.value.message and "mapping_component.store_id" in refused.value.message
    assert "new database" in refused.value.fix
    with sqlite3.connect(path) as old:  # nothing in the old file was touched
        assert old.execute("SELECT * FROM mapping_component").fetchall() == [(1, 1, "MUG-WHITE", 2)]
        assert [name for (name,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["mapping_component"]
