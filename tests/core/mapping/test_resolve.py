"""Resolving a platform SKU for a store: its own mapping first, then the mapping for all stores; unmapped otherwise."""
from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import event

from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.errors import NotFound, ValidationFailed
from core.mapping import repository
from core.mapping.bundles import Component
from core.mapping.grid import save_grid
from core.mapping.levels import Level
from core.mapping.resolve import Resolution, Unmapped, effective_mappings, resolve, resolve_many
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load


@pytest.fixture
def third_store(engine):
    from tests.fixtures.spreadsheets.corpus import add_store

    return add_store(engine, "Acme MX")


@pytest.fixture
def levels(engine, store, other_store):
    """WM-1 and the 3-pack WM-3 for all stores; Acme US overrides WM-1; Acme CA maps WM-CA of its own."""
    load(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "1"], ["WM-3", "TEA-BOX", "3"], ["WM-GIFT", "MUG-WHITE*1+TEA-BOX*2", ""]])
    load(engine, store, [["WM-1", "COASTER-OAK", "2"]])
    load(engine, other_store, [["WM-CA", "MUG-WHITE", "1"]])
    return store, other_store


def test_the_stores_own_mapping_wins_over_the_default(engine, levels):
    us, _ = levels
    with session_scope(engine) as session:
        found = resolve(session, us, "WM-1")
    assert isinstance(found, Resolution) and found.mapped and found.level == Level.store
    assert [(c.system_sku, c.product_name, c.quantity_per_unit, c.quantity) for c in found.components] == [("COASTER-OAK", "Oak coaster", 2, 2)]


def test_a_store_with_no_override_gets_the_default(engine, levels, third_store):
    with session_scope(engine) as session:
        mx = resolve(session, third_store, "WM-1")
        ca = resolve(session, "Acme CA", "WM-1")  # by name too
    assert mx.level == ca.level == Level.default
    assert [(c.system_sku, c.quantity) for c in mx.components] == [("MUG-WHITE", 1)]


def test_deleting_the_override_brings_the_default_back(engine, levels):
    us, _ = levels
    with session_scope(engine) as session:
        page = repository.list_mappings(session, us)
        result = save_grid(session, us, page, [], actor=ADMIN)  # every row of the override deleted
    assert result.removed == ["WM-1"] and result.default_again == ["WM-1"]
    assert "WM-1 follows the mapping for all stores again." in result.summary()
    with session_scope(engine) as session:
        found = resolve(session, us, "WM-1")
    assert found.level == Level.default and [(c.system_sku, c.quantity) for c in found.components] == [("MUG-WHITE", 1)]


def test_order_quantity_times_component_quantity(engine, levels):
    us, _ = levels
    with session_scope(engine) as session:
        three_pack = resolve(session, us, "WM-3", quantity=2)
        gift = resolve(session, us, "WM-GIFT", quantity=4)
    assert [(c.system_sku, c.quantity_per_unit, c.quantity) for c in three_pack.components] == [("TEA-BOX", 3, 6)]  # 2 x 3 = 6
    assert [(c.system_sku, c.quantity) for c in gift.components] == [("MUG-WHITE", 4), ("TEA-BOX", 8)]  # in the order entered
    assert three_pack.to_dict()["components"] == [{"system_sku": "TEA-BOX", "product_name": "茶叶礼盒", "quantity_per_unit": 3, "quantity": 6}]


def test_an_unmapped_sku(engine, levels):
    us, ca = levels
    with session_scope(engine) as session:
        nowhere = resolve(session, us, "WM-NOPE", quantity=2)
        elsewhere = resolve(session, us, "WM-CA")  # another store's own mapping is not this store's
    assert isinstance(nowhere, Unmapped) and not nowhere.mapped and nowhere.to_dict() == {
        "mapped": False, "store": "Acme US", "store_id": us, "platform_sku": "WM-NOPE", "quantity": 2}
    assert isinstance(elsewhere, Unmapped)


def test_skus_match_exactly_after_nfc(engine, store):
    load(engine, ALL_STORES, [["Café-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        decomposed = resolve(session, store, unicodedata.normalize("NFD", "Café-1"))
        other_case = resolve(session, store, "CAFÉ-1")
    assert decomposed.mapped and decomposed.platform_sku == "Café-1"
    assert not other_case.mapped


def test_bad_input_is_refused_plainly(engine, levels):
    us, _ = levels
    with session_scope(engine) as session:
        with pytest.raises(ValidationFailed, match="not a quantity"):
            resolve(session, us, "WM-1", quantity=0)
        with pytest.raises(NotFound, match="no store called 'Nobody'"):
            resolve(session, "Nobody", "WM-1")


def test_resolve_many_keeps_the_lines_order(engine, levels):
    us, _ = levels
    with session_scope(engine) as session:
        found = resolve_many(session, us, [("WM-3", 1), ("WM-NOPE", 5), ("WM-1", 2), ("WM-3", 2)])
    assert [(f.platform_sku, f.mapped, f.quantity) for f in found] == [("WM-3", True, 1), ("WM-NOPE", False, 5), ("WM-1", True, 2), ("WM-3", True, 2)]
    assert [f.level for f in found if isinstance(f, Resolution)] == [Level.default, Level.store, Level.default]


def test_effective_mappings_says_where_each_comes_from(engine, levels):
    us, ca = levels
    with session_scope(engine) as session:
        for_us = effective_mappings(session, us)
        for_ca = effective_mappings(session, ca, ["WM-1", "WM-CA", "WM-NOPE"])
        default = effective_mappings(session, ALL_STORES)
    assert {sku: m.level for sku, m in for_us.items()} == {"WM-1": Level.store, "WM-3": Level.default, "WM-GIFT": Level.default}
    assert for_us["WM-GIFT"].components == (Component("MUG-WHITE", 1), Component("TEA-BOX", 2))
    assert {sku: m.level for sku, m in for_ca.items()} == {"WM-1": Level.default, "WM-CA": Level.store}
    assert {sku: m.level for sku, m in default.items()} == {"WM-1": Level.default, "WM-3": Level.default, "WM-GIFT": Level.default}


def test_effective_mappings_for_many_skus_is_two_queries(engine, store):
    load(engine, ALL_STORES, [[f"WM-{n:05}", "MUG-WHITE", "1"] for n in range(0, 6000, 2)])
    load(engine, store, [[f"WM-{n:05}", "TEA-BOX", "2"] for n in range(0, 6000, 3)])
    asked = [f"WM-{n:05}" for n in range(6000)]  # more than WHOLE_SCOPE_ABOVE: read once, picked in memory
    assert len(asked) > repository.WHOLE_SCOPE_ABOVE
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with session_scope(engine) as session:
        many = effective_mappings(session, store, asked)
        few = effective_mappings(session, store, asked[:30])
    assert len(statements) == 4  # two for the many, two for the few
    assert len(many) == len({n for n in range(6000) if n % 2 == 0 or n % 3 == 0})
    assert many["WM-00006"].level == Level.store and many["WM-00002"].level == Level.default and "WM-00001" not in many
    assert few == {sku: many[sku] for sku in asked[:30] if sku in many}
