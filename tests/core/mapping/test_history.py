"""The history of every mapping: grid saves, imports and clones each keep, per platform SKU and level, the mapping
before and after, who, when and through what; unchanged SKUs and rolled-back writes keep nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import audit
from core.access import Role
from core.db.engine import session_scope
from core.db.models import ALL_STORES, MappingChange, MappingChangeSet, Store, utc_now
from core.errors import Conflict
from core.mapping import clone as mapping_clone
from core.mapping import grid as mapping_grid
from core.mapping import history
from core.mapping import repository as mapping
from core.mapping.bundles import Component
from core.mapping.history import Change, Difference, Through, changed_skus, describe_difference, recent_change_sets, sku_history
from core.mapping.imports import apply_plan, import_mappings, plan_import
from tests.conftest import person
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes

ANN, BOB = person("ann@x.com", Role.editor), person("bob@x.com", Role.editor)


def imported(engine, scope, rows, *, actor=ANN, name="m.csv", mode="merge"):
    with session_scope(engine) as session:
        plan = import_mappings(session, scope, csv_bytes(rows), name, actor=actor, mode=mode)
        assert plan.ok, plan.errors


def of(engine, scope, sku):
    with session_scope(engine) as session:
        return sku_history(session, scope, sku)


def sets(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(MappingChangeSet)).scalar_one()


def parts(*pairs):
    return tuple(Component(sku, quantity) for sku, quantity in pairs)


def test_an_import_keeps_each_platform_sku_before_and_after_who_and_the_file(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "COASTER-OAK", "2"]], name="first.csv")
    imported(engine, store, [["WM-1", "MUG-WHITE", "2"], ["WM-1", "TEA-BOX", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-4", "PACK*2", "3"]],
             actor=BOB, name="second.csv", mode="replace")

    [changed, first] = of(engine, store, "WM-1")
    assert (changed.kind, changed.before, changed.after) == (Change.changed, parts(("MUG-WHITE", 1)), parts(("MUG-WHITE", 2), ("TEA-BOX", 1)))
    record = changed.change_set
    assert (record.actor, record.via, record.through, record.detail) == ("bob@x.com", "test", Through.imported, "second.csv")
    assert (record.scope, record.store_name, record.level) == (store, "Acme US", "store")
    assert (record.added, record.changed, record.removed) == (1, 1, 1)  # WM-4; WM-1; WM-3 (replace). WM-2 unchanged
    assert (first.kind, first.before, first.after, first.change_set.detail) == (Change.added, (), parts(("MUG-WHITE", 1)), "first.csv")
    assert first.change_set.at <= record.at and first.change_set.id < record.id

    [removed, _] = of(engine, store, "WM-3")
    assert (removed.kind, removed.before, removed.after) == (Change.removed, parts(("COASTER-OAK", 2)), ())
    assert [c.kind for c in of(engine, store, "WM-4")] == [Change.added]
    assert [c.change_set.detail for c in of(engine, store, "WM-2")] == ["first.csv"]  # unchanged by the second import: nothing kept
    assert of(engine, store, "WM-9") == []


def test_a_file_that_changes_nothing_keeps_nothing(engine, store):
    rows = [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]]
    imported(engine, store, rows)
    imported(engine, store, rows)  # applied, audited, but nothing changed
    assert sets(engine) == 1
    assert len(of(engine, store, "WM-1")) == 1


def test_the_audit_entry_of_an_import_links_to_the_skus_it_changed(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    imported(engine, store, [["WM-2", "TEA-BOX", "4"], ["WM-5", "MUG-WHITE", "1"]], mode="replace", name="again.csv")
    with session_scope(engine) as session:
        entry = audit.to_rows(audit.entries(session, action="import.apply"))[0]
        assert entry["subject"] == "again.csv"
        found = changed_skus(session, [entry["after"]["change_set"]])
    assert found == {entry["after"]["change_set"]: {Change.added: ["WM-5"], Change.changed: ["WM-2"], Change.removed: ["WM-1"]}}


def test_a_grid_save_keeps_each_mapping_it_changed_with_the_grid_as_source(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"], ["WM-3", "TEA-BOX", "2"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
    rows = mapping_grid.grid_rows(page)
    rows[0]["quantity"] = 3.0  # WM-1 changed
    del rows[1]  # WM-2 deleted; WM-3 left alone
    rows.append({"platform_sku": "WM-4", "system_sku": "A+B-COMBO", "quantity": 1})
    rows.append({"platform_sku": "WM-4", "system_sku": "PACK*2", "quantity": 2})
    with session_scope(engine) as session:
        assert mapping_grid.save_grid(session, store, page, rows, actor=BOB).saved

    latest = {sku: of(engine, store, sku)[0] for sku in ("WM-1", "WM-2", "WM-3", "WM-4")}
    assert (latest["WM-1"].before, latest["WM-1"].after) == (parts(("MUG-WHITE", 1)), parts(("MUG-WHITE", 3)))
    assert (latest["WM-2"].kind, latest["WM-2"].before) == (Change.removed, parts(("TEA-BOX", 1)))
    assert latest["WM-4"].after == parts(("A+B-COMBO", 1), ("PACK*2", 2))  # SKUs with + and * come back whole, in order
    assert latest["WM-3"].change_set.through == Through.imported  # left alone: its last change is still the import
    grid = latest["WM-1"].change_set
    assert (grid.through, grid.actor, grid.detail, grid.added, grid.changed, grid.removed) == (Through.grid, "bob@x.com", "", 1, 1, 1)
    assert latest["WM-1"].difference() == [Difference("MUG-WHITE", 1, 3)]


def test_a_refused_grid_save_keeps_nothing(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        page = mapping.list_mappings(session, store)
        rows = [*mapping_grid.grid_rows(page), {"platform_sku": "WM-2", "system_sku": "NOPE", "quantity": 1}]
        assert not mapping_grid.save_grid(session, store, page, rows, actor=ANN).saved
    assert sets(engine) == 1


def test_a_clone_keeps_the_target_skus_it_wrote_and_the_store_it_copied_from(engine, store):
    other = add_store(engine, "Acme CA")
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "2"], ["WM-3", "COASTER-OAK", "1"]])
    imported(engine, other, [["WM-2", "TEA-BOX", "1"], ["WM-3", "COASTER-OAK", "1"]])
    with session_scope(engine) as session:
        plan = mapping_clone.plan_clone(session, store, other, policy="overwrite")
        mapping_clone.apply_clone(session, plan, actor=BOB)

    [added] = [c for c in of(engine, other, "WM-1")]
    assert (added.kind, added.after, added.change_set.through, added.change_set.detail) == (Change.added, parts(("MUG-WHITE", 1)), Through.clone, "Acme US")
    [overwritten, _] = of(engine, other, "WM-2")
    assert (overwritten.before, overwritten.after, overwritten.change_set.actor) == (parts(("TEA-BOX", 1)), parts(("TEA-BOX", 2)), "bob@x.com")
    assert [c.change_set.through for c in of(engine, other, "WM-3")] == [Through.imported]  # the same already: nothing kept
    assert [c.change_set.through for c in of(engine, store, "WM-1")] == [Through.imported]  # the source is not touched
    with session_scope(engine) as session:
        entry = audit.to_rows(audit.entries(session, action="clone.apply"))[0]
        assert changed_skus(session, [entry["after"]["change_set"]])[entry["after"]["change_set"]] == {
            Change.added: ["WM-1"], Change.changed: ["WM-2"], Change.removed: []}


def test_a_clone_from_all_stores_says_so(engine, store):
    imported(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        mapping_clone.apply_clone(session, mapping_clone.plan_clone(session, ALL_STORES, store), actor=ANN)
    [cloned, default] = of(engine, store, "WM-1")
    assert (cloned.change_set.detail, cloned.change_set.level, default.change_set.level) == ("", "store", "default")
    assert cloned.change_set.through_text() == "Clone from All stores (default)"


def test_a_store_sees_its_own_changes_and_those_of_the_mapping_for_all_stores(engine, store):
    other = add_store(engine, "Acme CA")
    imported(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "1"]], name="default.csv")
    imported(engine, store, [["WM-1", "TEA-BOX", "1"]], name="override.csv")
    imported(engine, other, [["WM-1", "COASTER-OAK", "1"]], name="other.csv")
    imported(engine, ALL_STORES, [["WM-1", "MUG-WHITE", "2"]], name="default-2.csv")

    assert [(c.change_set.detail, c.change_set.level) for c in of(engine, store, "WM-1")] == [
        ("default-2.csv", "default"), ("override.csv", "store"), ("default.csv", "default")]
    assert [c.change_set.detail for c in of(engine, ALL_STORES, "WM-1")] == ["default-2.csv", "default.csv"]
    with session_scope(engine) as session:
        assert [r.detail for r in recent_change_sets(session, store)] == ["default-2.csv", "override.csv", "default.csv"]
        assert [r.detail for r in recent_change_sets(session, other, limit=1)] == ["default-2.csv"]


def test_a_rolled_back_import_keeps_nothing(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        plan = plan_import(session, store, csv_bytes([["WM-1", "TEA-BOX", "1"], ["WM-2", "TEA-BOX", "1"]]), "later.csv")
        apply_plan(session, plan, actor=ANN)
        assert len(sku_history(session, store, "WM-1")) == 2  # written in the transaction...
        raise RuntimeError("something after the import failed")
    assert [c.change_set.detail for c in of(engine, store, "WM-1")] == ["m.csv"]  # ...and gone with it
    assert sets(engine) == 1


def test_a_stale_import_is_refused_and_keeps_nothing(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        plan = plan_import(session, store, csv_bytes([["WM-1", "TEA-BOX", "1"]]), "stale.csv")
    imported(engine, store, [["WM-1", "COASTER-OAK", "1"]], name="meanwhile.csv")
    with pytest.raises(Conflict), session_scope(engine) as session:
        apply_plan(session, plan, actor=ANN)
    assert [c.change_set.detail for c in of(engine, store, "WM-1")] == ["meanwhile.csv", "m.csv"]


def test_a_big_import_is_kept_in_blocks_and_every_sku_is_found(engine, store, monkeypatch):
    monkeypatch.setattr(history, "BLOCK_LINES", 7)
    # Out of order, bundles across block edges, SKUs that are prefixes of others, a space and mixed case.
    skus = [f"WM-{n}" for n in range(40, 0, -1)] + ["wm-1", "WM 1", "WM-1-B", "Z", "A"]
    rows = [[sku, "MUG-WHITE", "1"] for sku in skus] + [[sku, "TEA-BOX", "2"] for sku in skus[::3]]
    imported(engine, store, rows, name="big.csv")
    with engine.connect() as connection:
        blocks = connection.execute(select(MappingChange.part, MappingChange.first_sku, MappingChange.last_sku).order_by(MappingChange.part)).all()
    assert len(blocks) >= 8
    assert all(first <= last for _, first, last in blocks)
    assert all(earlier[2] < later[1] for earlier, later in zip(blocks, blocks[1:]))  # sorted, a SKU never split
    for n, sku in enumerate(skus):
        [change] = of(engine, store, sku)
        expected = parts(("MUG-WHITE", 1), ("TEA-BOX", 2)) if n % 3 == 0 else parts(("MUG-WHITE", 1))
        assert (change.platform_sku, change.after) == (sku, expected)
    assert of(engine, store, "WM-") == [] and of(engine, store, "WM-41") == []
    with session_scope(engine) as session:
        [record] = recent_change_sets(session, store)
        assert changed_skus(session, [record.id])[record.id][Change.added] == sorted(skus)
        assert record.added == len(skus)


def test_a_new_store_with_a_deleted_stores_id_does_not_inherit_its_history(engine):
    first = add_store(engine, "Gone")
    imported(engine, first, [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        session.delete(session.get(Store, first))
    with session_scope(engine) as session:  # what SQLite does when the newest store was deleted; made a moment later
        session.add(Store(id=first, name="New", created_at=utc_now() + timedelta(seconds=1)))
    assert of(engine, first, "WM-1") == []
    assert sets(engine) == 1  # the old store's history is kept all the same


def test_the_difference_reads_as_plain_words():
    change = [Difference("MUG-WHITE", 1, 2), Difference("TEA-BOX", None, 1), Difference("PACK*2", 3, None)]
    assert describe_difference(change) == "MUG-WHITE × 1 → 2; + TEA-BOX × 1; − PACK*2 × 3"


def test_to_dict_is_machine_readable(engine, store):
    imported(engine, store, [["WM-1", "MUG-WHITE", "1"]])
    imported(engine, store, [["WM-1", "MUG-WHITE", "2"]], actor=BOB, name="x.csv")
    data = of(engine, store, "WM-1")[0].to_dict()
    assert data | {"at": None, "change_set": None} == {
        "at": None, "change_set": None, "actor": "bob@x.com", "via": "test", "through": "import", "detail": "x.csv", "level": "store",
        "store": "Acme US", "counts": {"added": 0, "changed": 1, "removed": 0}, "platform_sku": "WM-1", "change": "changed",
        "before": [{"system_sku": "MUG-WHITE", "quantity": 1}], "after": [{"system_sku": "MUG-WHITE", "quantity": 2}],
        "difference": [{"system_sku": "MUG-WHITE", "before": 1, "after": 2}],
    }
