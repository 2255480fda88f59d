"""Opening the database: a new one is made from the models, an existing one is migrated, one from an older schema is refused."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from core.db import MIGRATIONS, init_db, make_engine, migrate
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


def _schema_differences(engine) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def _revision(engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_the_migrations_build_exactly_the_models_schema(database_url):
    """Replaying every migration on an empty database (SQLite, or PostgreSQL in CI) gives what the models describe,
    append-only audit trail included: a model change without its migration fails here."""
    engine = make_engine(database_url)
    migrate(engine)
    assert _revision(engine) == _head()
    assert _schema_differences(engine) == []
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO auditentry (at, actor, via, action, store_name, subject, before_json, after_json, detail) "
                                "VALUES (CURRENT_TIMESTAMP, 'ann', 'test', 'store.add', '', '', 'null', 'null', '')"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE auditentry SET actor = 'someone else'"))
    engine.dispose()


def test_a_new_database_is_made_from_the_models_and_marked_up_to_date(database_url):
    engine = make_engine(database_url)
    init_db(engine)
    assert _revision(engine) == _head() and _schema_differences(engine) == []
    engine.dispose()


def test_a_current_database_from_before_migrations_is_kept_and_marked_up_to_date(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'early.db'}")
    SQLModel.metadata.create_all(engine)  # how the first builds made their databases
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO store (name, environment, enabled, notes, version, created_at, updated_at) "
                                "VALUES ('Acme', 'production', 1, '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    assert _revision(engine) is None
    init_db(engine)
    assert _revision(engine) == _head()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM store")).scalars().all() == ["Acme"]
    engine.dispose()
