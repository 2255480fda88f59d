"""Opening the database: a new one is made from the models, an existing one is migrated, one from an older schema is refused."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from core.db.engine import init_db, make_engine, session_scope
from core.db.models import MAPPING_VIEW
from core.db.schema import MIGRATIONS, head_revision, prepare, run_alembic, schema_transaction
from core.errors import ConfigError
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, mapping_state


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


TEST_REVISION = "test_change"


def _with_migration(tmp_path, body: str):
    """A copy of core/db/migrations with one more migration after the head, TEST_REVISION, whose upgrade() runs `body`."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9999_test_change.py").write_text(
        f'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{TEST_REVISION}"\ndown_revision = "{head_revision()}"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n" + "".join(f"    {line}\n" for line in body.splitlines())
        + "\n\ndef downgrade():\n    pass\n"
    )
    return folder


@pytest.fixture
def filled(database_url):
    """A database at the current head with a store, its catalog and a bundle mapping."""
    from core import catalog
    from core.mapping.imports import import_mappings

    engine = make_engine(database_url)
    init_db(engine)
    store = add_store(engine, "Acme")
    with session_scope(engine) as session:
        catalog.import_catalog(session, csv_bytes([["MUG"], ["TEA"]], header=["System SKU"]), "c.csv", actor=ADMIN)
        import_mappings(session, store, csv_bytes([["WM-1", "MUG*1+TEA*2", ""]]), "m.csv", actor=ADMIN)
    yield engine, store
    engine.dispose()


def test_the_migrations_build_exactly_the_models_schema(database_url):
    """Replaying every migration on an empty database (SQLite, or PostgreSQL in CI) gives what the models describe,
    append-only audit trail included: a model change without its migration fails here."""
    engine = make_engine(database_url)
    with schema_transaction(engine) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "head")
    assert _revision(engine) == head_revision()
    assert _schema_differences(engine) == []
    # Autogenerate does not see views: the OMS's view is there and reads (its content: test_mapping_view.py).
    with engine.connect() as connection:
        assert MAPPING_VIEW in inspect(connection).get_view_names()
        assert connection.execute(text(f"SELECT count(*) FROM {MAPPING_VIEW}")).scalar_one() == 0
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO auditentry (at, actor, via, action, store_name, subject, before_json, after_json, detail) "
                                "VALUES (CURRENT_TIMESTAMP, 'ann', 'test', 'store.add', '', '', 'null', 'null', '')"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE auditentry SET actor = 'someone else'"))
    engine.dispose()


def _triggers(engine) -> set[tuple[str, str]]:
    """Every trigger (and, on PostgreSQL, trigger function) with its definition."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        else:
            rows = connection.execute(text(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
                "UNION SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace"))
        return {(name, " ".join(sql.split())) for name, sql in rows}


def test_the_migrations_make_the_models_triggers(database_url, tmp_path):
    """Triggers are not compared by autogenerate: the append-only audit trail's guards are compared here."""
    migrated = make_engine(database_url)
    with schema_transaction(migrated) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "head")
    from_migrations = _triggers(migrated)
    migrated.dispose()
    if database_url.startswith("sqlite"):
        created = make_engine(f"sqlite:///{tmp_path / 'created.db'}")
    else:
        from tests.conftest import reset_postgres

        created = make_engine(reset_postgres(database_url))
    init_db(created)
    from_models = _triggers(created)
    created.dispose()
    kinds = ("no_update", "no_delete", "no_overwrite") if database_url.startswith("sqlite") else ("append_only", "no_truncate", "no_overwrite")
    guards = {f"{table}_{kind}" for table in ("auditentry", "mapping_change_set", "mapping_change") for kind in kinds}
    assert guards <= {name for name, _ in from_models}
    assert from_migrations == from_models


def test_a_new_database_is_made_from_the_models_and_marked_up_to_date(database_url):
    engine = make_engine(database_url)
    init_db(engine)
    assert _revision(engine) == head_revision() and _schema_differences(engine) == []
    engine.dispose()


def test_a_current_database_from_before_migrations_is_kept_and_marked_up_to_date(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'early.db'}")
    with schema_transaction(engine) as connection:  # what the first builds made: the baseline schema, unversioned
        run_alembic(connection, MIGRATIONS, "upgrade", "0001")
        connection.execute(text("DROP TABLE alembic_version"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO store (name, environment, enabled, notes, version, created_at, updated_at) "
                                "VALUES ('Acme', 'production', 1, '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    assert _revision(engine) is None
    init_db(engine)
    assert _revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM store")).scalars().all() == ["Acme"]
    engine.dispose()


def test_a_migration_that_rebuilds_the_store_table_keeps_every_mapping(filled, tmp_path):
    # SQLite changes a column by copying the table and dropping the old one; with foreign keys on,
    # the drop would delete every mapping of every store (ON DELETE CASCADE).
    engine, store = filled
    migrations = _with_migration(tmp_path, 'with op.batch_alter_table("store") as batch:\n'
                                           '    batch.alter_column("notes", existing_type=sa.Text(), nullable=True)')
    prepare(engine, migrations=migrations)
    assert _revision(engine) == TEST_REVISION
    assert mapping_state(engine, store) == {"WM-1": [("MUG", 1), ("TEA", 2)]}


def test_a_migration_that_fails_half_way_changes_nothing(filled, tmp_path):
    engine, store = filled
    migrations = _with_migration(tmp_path, 'op.add_column("store", sa.Column("region", sa.String(20)))\n'
                                           'op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))\n'
                                           'raise RuntimeError("disk full")')
    with pytest.raises(ConfigError) as refused:
        prepare(engine, migrations=migrations)
    assert "could not be brought up to date (RuntimeError); nothing was changed" in refused.value.message
    assert _revision(engine) == head_revision() and _schema_differences(engine) == []  # no region column, no scratch table
    assert mapping_state(engine, store) == {"WM-1": [("MUG", 1), ("TEA", 2)]}


def test_a_database_from_a_newer_version_is_refused_plainly(filled):
    engine, _ = filled
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(ConfigError) as refused:
        init_db(engine)
    assert "made by a newer version of Store Connect" in refused.value.message and "Nothing was changed" in refused.value.fix


def test_a_database_from_before_migrations_lacking_a_table_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'early.db'}")
    with schema_transaction(engine) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("DROP TABLE store_mapping_version"))
    with pytest.raises(ConfigError, match="lacks the table store_mapping_version"):
        init_db(engine)
    assert _revision(engine) is None
    engine.dispose()


def test_rows_orphaned_by_hand_do_not_stop_the_app_or_a_migration(filled, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL never lets a row lose its parent")
    engine, store = filled
    with sqlite3.connect(database_url.split("///", 1)[1]) as raw:  # the sqlite3 tool: foreign keys off by default
        raw.execute("DELETE FROM store WHERE id = ?", (store,))
    init_db(engine)  # up to date: only read
    prepare(engine, migrations=_with_migration(tmp_path, 'op.add_column("store", sa.Column("region", sa.String(20)))'))
    assert _revision(engine) == TEST_REVISION


def test_a_database_from_before_migrations_is_checked_against_the_first_migration(tmp_path):
    from core.db.schema import _baseline_schema

    baseline = _baseline_schema(MIGRATIONS)
    # Later migrations add to the baseline; 0005 turned store_mapping_version into mapping_scope.
    assert set(baseline) - {"store_mapping_version"} <= set(SQLModel.metadata.tables)
    assert {"store_id", "platform_sku", "system_sku", "quantity", "position", "version", "updated_at"} == baseline["mapping_component"]
