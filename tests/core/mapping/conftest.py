"""What the mapping tests share: a second store, and putting mappings into a store the way users do."""
from __future__ import annotations

import pytest

from core.db.engine import session_scope
from core.mapping.imports import apply_plan, plan_import
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes


@pytest.fixture
def other_store(engine):
    return add_store(engine, "Acme CA")


def load(engine, store_id, rows, mode="merge"):
    """Put mappings into a store the way users do: an import."""
    with session_scope(engine) as session:
        plan = plan_import(session, store_id, csv_bytes(rows), "setup.csv", mode=mode)
        assert plan.ok, plan.errors
        apply_plan(session, plan, actor=ADMIN)
