"""Migration 0007 (automatic pairing): catalog barcodes become GTIN-14; ones that are not valid are left as they were.

Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL, the way the app migrates at start.
"""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from core.db.engine import make_engine
from core.db.schema import MIGRATIONS, _alembic_config, prepare, run_alembic, schema_transaction

NOW = "2026-01-02 03:04:05"
BEFORE = {"UPC": "886859944807", "EAN": "4006381333931", "GTIN": "00886859944807", "TYPED": "886-859 944807",
          "TYPO": "4006381333932", "SHORT": "123", "NONE": None}


@pytest.fixture
def at_0005(database_url):
    engine = make_engine(database_url)
    with schema_transaction(engine) as connection:
        run_alembic(connection, MIGRATIONS, "upgrade", "0005")
    with engine.begin() as connection:
        for sku, barcode in BEFORE.items():
            connection.execute(text("INSERT INTO catalog_product (system_sku, name, barcode, active, created_at, updated_at) "
                                    "VALUES (:sku, '', :barcode, true, :now, :now)"), {"sku": sku, "barcode": barcode, "now": NOW})
    yield engine
    engine.dispose()


def test_valid_barcodes_become_gtin_14_and_the_rest_stay_as_they_were(at_0005):
    prepare(at_0005)
    with at_0005.connect() as connection:
        after = dict(connection.execute(text("SELECT system_sku, barcode FROM catalog_product")).all())
    assert after == {"UPC": "00886859944807", "EAN": "04006381333931", "GTIN": "00886859944807", "TYPED": "00886859944807",
                     "TYPO": "4006381333932", "SHORT": "123", "NONE": None}
    assert {"pairing_rule_set", "pairing_rejection"} <= set(inspect(at_0005).get_table_names())


def test_downgrade_drops_the_pairing_tables(at_0005):
    prepare(at_0005)
    with schema_transaction(at_0005) as connection:
        config = _alembic_config(MIGRATIONS)
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert not {"pairing_rule_set", "pairing_rejection"} & set(inspect(at_0005).get_table_names())
