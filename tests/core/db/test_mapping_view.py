"""store_connect_mapping_v1, the OMS's way to read mappings (docs/integration.md): what it holds, on either database.

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL. The view is read on a database made from the models
(a new install) and on one built by replaying the migrations (an upgraded install), and the two definitions are
compared; autogenerate does not see views, so this is what keeps the migration and the models in step.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, inspect, text

from core.db.engine import init_db, make_engine, session_scope
from core.db.models import ALL_STORES, MAPPING_VIEW, CatalogProduct, utc_now
from core.db.schema import MIGRATIONS, run_alembic, schema_transaction
from core.mapping import resolve
from core.mapping.imports import import_mappings
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import CATALOG, add_store, csv_bytes

# The contract's columns, in order (docs/integration.md): a change here is a new version of the view.
CONTRACT = ["store_name", "store_id", "market", "platform_sku", "system_sku", "quantity_per_unit", "level", "version", "updated_at"]


def _built(database_url: str, how: str):
    engine = make_engine(database_url)
    if how == "models":
        init_db(engine)
    else:
        with schema_transaction(engine) as connection:
            run_alembic(connection, MIGRATIONS, "upgrade", "head")
    now = utc_now()
    with session_scope(engine) as session:
        session.execute(insert(CatalogProduct), [{"system_sku": sku, "name": name, "active": True, "created_at": now, "updated_at": now}
                                                 for sku, name in CATALOG.items()])
    return engine


@pytest.fixture(params=["models", "migrations"])
def built(request, database_url):
    engine = _built(database_url, request.param)
    yield engine
    engine.dispose()


def _import(engine, scope, rows):
    with session_scope(engine) as session:
        assert import_mappings(session, scope, csv_bytes(rows), "setup.csv", actor=ADMIN).applied


def _seed(engine):
    """Three stores: one overrides WM-1, one maps WM-9 of its own, one has nothing of its own."""
    us, ca, mx = (add_store(engine, name) for name in ("Acme US", "Acme CA", "Acme MX"))
    _import(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX*2+COASTER-OAK*1", ""]])
    _import(engine, us, [["WM-1", "COASTER-OAK", "3"]])
    _import(engine, ca, [["WM-9", "MUG-WHITE", "1"]])
    return us, ca, mx


def _view(engine, store_id: int) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT platform_sku, system_sku, quantity_per_unit, level FROM {MAPPING_VIEW} "
                                       "WHERE store_id = :store ORDER BY platform_sku, system_sku"), {"store": store_id})
        return [tuple(row) for row in rows]


def test_the_view_has_the_contracts_columns(built):
    with built.connect() as connection:
        assert MAPPING_VIEW in inspect(connection).get_view_names()
        assert MAPPING_VIEW not in inspect(connection).get_table_names()  # so autogenerate never mistakes it for a table
        columns = connection.execute(text(f"SELECT * FROM {MAPPING_VIEW}")).keys()
    assert list(columns) == CONTRACT


def test_per_store_overrides_replace_the_default_and_the_default_fills_the_rest(built):
    us, ca, mx = _seed(built)
    default_wm2 = [("WM-2", "COASTER-OAK", 1, "default"), ("WM-2", "TEA-BOX", 2, "default")]
    assert _view(built, us) == [("WM-1", "COASTER-OAK", 3, "store"), *default_wm2]  # the override replaces WM-1's default
    assert _view(built, ca) == [("WM-1", "MUG-WHITE", 1, "default"), *default_wm2, ("WM-9", "MUG-WHITE", 1, "store")]
    assert _view(built, mx) == [("WM-1", "MUG-WHITE", 1, "default"), *default_wm2]  # no override: every default mapping
    with built.connect() as connection:  # the default is no store's: it never appears under its own id
        assert connection.execute(text(f"SELECT count(*) FROM {MAPPING_VIEW} WHERE store_id = 0")).scalar_one() == 0


def test_every_column_reads_as_documented(built):
    us, _ca, _mx = _seed(built)
    with built.connect() as connection:
        row = connection.execute(text(f"SELECT * FROM {MAPPING_VIEW} WHERE store_id = :store AND platform_sku = 'WM-1'"), {"store": us}).mappings().one()
    assert (row["store_name"], row["store_id"], row["market"], row["system_sku"], row["quantity_per_unit"], row["level"]) == (
        "Acme US", us, "us", "COASTER-OAK", 3, "store")
    assert isinstance(row["version"], int) and row["version"] >= 1
    # A timestamp in UTC: PostgreSQL gives it typed; SQLite keeps the text 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
    updated = row["updated_at"] if isinstance(row["updated_at"], datetime) else datetime.fromisoformat(row["updated_at"])
    assert abs((updated.replace(tzinfo=None) - utc_now().replace(tzinfo=None)).total_seconds()) < 120


def test_deleting_an_override_brings_the_default_back_in_the_view(built):
    us, _ca, _mx = _seed(built)
    with session_scope(built) as session:
        import_mappings(session, us, csv_bytes([["WM-OTHER", "MUG-WHITE", "1"]]), "replace.csv", actor=ADMIN, mode="replace")
    assert [row for row in _view(built, us) if row[0] == "WM-1"] == [("WM-1", "MUG-WHITE", 1, "default")]


def test_the_view_and_resolve_agree_for_every_store(built):
    for store in _seed(built):
        with session_scope(built) as session:
            table = resolve.effective_mappings(session, store)
        from_resolve = sorted((sku, c.system_sku, c.quantity, str(m.level)) for sku, m in table.items() for c in m.components)
        assert _view(built, store) == from_resolve


def test_the_migrations_and_the_models_make_the_same_view(database_url, tmp_path):
    migrated = _built(database_url, "migrations")
    from_migrations = _definition(migrated)
    migrated.dispose()
    if database_url.startswith("sqlite"):
        created = make_engine(f"sqlite:///{tmp_path / 'created.db'}")
    else:
        from tests.conftest import reset_postgres

        created = make_engine(reset_postgres(database_url))
    init_db(created)
    from_models = _definition(created)
    created.dispose()
    assert from_migrations == from_models and MAPPING_VIEW in from_models


def _definition(engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = :name"), {"name": MAPPING_VIEW}).scalar_one()
        else:
            sql = MAPPING_VIEW + connection.execute(text("SELECT pg_get_viewdef(:name, true)"), {"name": MAPPING_VIEW}).scalar_one()
    return " ".join(sql.split())
