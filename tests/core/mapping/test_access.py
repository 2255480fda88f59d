"""Roles and the audit trail for the mapping core: viewers are refused every change, every change is recorded."""
from __future__ import annotations

import json

import pytest

from core import audit, catalog
from core.access import NotAllowed, Role
from core.db.engine import session_scope
from core.mapping import clone as mapping_clone
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.imports import apply_plan, import_mappings, plan_import
from tests.conftest import person
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, database_snapshot, mapping_state

VIEWER, EDITOR, NOBODY = person("viewer@x.com", Role.viewer), person("editor@x.com", Role.editor), person("nobody@x.com", None)
CATALOG_HEADER = ["System SKU", "Product name"]


@pytest.fixture
def stores(engine):
    return add_store(engine, "Acme US"), add_store(engine, "Acme CA")


def trail(engine) -> list[dict]:
    """The audit trail, oldest first, with before/after decoded."""
    with session_scope(engine) as session:
        return list(reversed(audit.to_rows(audit.entries(session))))


def load(engine, store_id, rows, actor=EDITOR):
    with session_scope(engine) as session:
        return import_mappings(session, store_id, csv_bytes(rows), "setup.csv", actor=actor)


def grid_save(session, store_id, actor, edit=lambda rows: rows.append({"platform_sku": "WM-NEW", "system_sku": "TEA-BOX", "quantity": 1})):
    page = mapping.list_mappings(session, store_id)
    rows = mapping_grid.grid_rows(page)
    edit(rows)
    return mapping_grid.save_grid(session, store_id, page, rows, actor=actor)


def import_plan(session, store_id, actor):
    plan = plan_import(session, store_id, csv_bytes([["WM-NEW", "TEA-BOX", "1"]]), "new.csv")
    return apply_plan(session, plan, actor=actor)


def clone(session, stores, actor):
    plan = mapping_clone.plan_clone(session, stores[0], stores[1])
    return mapping_clone.apply_clone(session, plan, actor=actor)


WRITES = {
    "grid save": lambda s, stores, a: grid_save(s, stores[0], a),
    "import (plan, then apply)": lambda s, stores, a: import_plan(s, stores[0], a),
    "one-step import": lambda s, stores, a: import_mappings(s, stores[0], csv_bytes([["WM-NEW", "TEA-BOX", "1"]]), "new.csv", actor=a),
    "clone": lambda s, stores, a: clone(s, stores, a),
    "catalog import": lambda s, stores, a: catalog.import_catalog(s, csv_bytes([["NEW-1", "New"]], header=CATALOG_HEADER), "p.csv", actor=a),
    "catalog add": lambda s, stores, a: catalog.add_product(s, "NEW-1", "New", actor=a),
    "catalog edit": lambda s, stores, a: catalog.edit_product(s, "MUG-WHITE", name="Renamed", barcode=None, active=False, actor=a),
}


@pytest.mark.parametrize("who", [VIEWER, NOBODY], ids=["viewer", "no role"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_viewers_are_refused_every_change_and_nothing_changes(engine, stores, who, write):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"]])
    before, entries = database_snapshot(engine), len(trail(engine))
    with pytest.raises(NotAllowed) as refused, session_scope(engine) as session:
        WRITES[write](session, stores, who)
    assert "editor" in refused.value.message and refused.value.fix
    assert database_snapshot(engine) == before
    assert len(trail(engine)) == entries


@pytest.mark.parametrize("write", sorted(WRITES))
def test_editors_may_make_every_change(engine, stores, write):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"]])
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        WRITES[write](session, stores, EDITOR)
    assert database_snapshot(engine) != before
    assert trail(engine)[-1]["actor"] == "editor@x.com"


def test_viewers_may_preview_and_read(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"]])
    before, entries = database_snapshot(engine), len(trail(engine))
    with session_scope(engine) as session:
        plan = import_mappings(session, stores[0], csv_bytes([["WM-2", "TEA-BOX", "1"]]), "m.csv", actor=VIEWER, dry_run=True)
        result = catalog.import_catalog(session, csv_bytes([["NEW-1", "New"]], header=CATALOG_HEADER), "p.csv", actor=VIEWER, dry_run=True)
        assert mapping_clone.plan_clone(session, stores[0], stores[1]).counts()["added"] == 1
        assert mapping.list_mappings(session, stores[0]).total == 1
    assert plan.counts()["added"] == 1 and not plan.applied
    assert result.added == ["NEW-1"] and not result.applied
    assert database_snapshot(engine) == before and len(trail(engine)) == entries
    with pytest.raises(NotAllowed), session_scope(engine) as session:  # without any role, not even a preview
        import_mappings(session, stores[0], csv_bytes([["WM-2", "TEA-BOX", "1"]]), "m.csv", actor=NOBODY, dry_run=True)


def test_grid_changes_are_recorded_one_per_mapping_with_before_and_after(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])

    def edit(rows):
        rows[0]["quantity"] = 3  # WM-1 changed
        del rows[1]  # WM-2 deleted
        rows.append({"platform_sku": "WM-3", "system_sku": "MUG-WHITE", "quantity": 1})  # WM-3 created, a bundle
        rows.append({"platform_sku": "WM-3", "system_sku": "COASTER-OAK", "quantity": 2})

    with session_scope(engine) as session:
        assert grid_save(session, stores[0], EDITOR, edit).saved
    recorded = {(e["action"], e["subject"]): e for e in trail(engine) if e["action"].startswith("mapping.")}
    assert set(recorded) == {("mapping.update", "WM-1"), ("mapping.delete", "WM-2"), ("mapping.create", "WM-3")}
    assert (recorded["mapping.update", "WM-1"]["before"], recorded["mapping.update", "WM-1"]["after"]) == (
        [{"system_sku": "MUG-WHITE", "quantity": 1}], [{"system_sku": "MUG-WHITE", "quantity": 3}])
    assert (recorded["mapping.delete", "WM-2"]["before"], recorded["mapping.delete", "WM-2"]["after"]) == (
        [{"system_sku": "TEA-BOX", "quantity": 1}], None)
    assert (recorded["mapping.create", "WM-3"]["before"], recorded["mapping.create", "WM-3"]["after"]) == (
        None, [{"system_sku": "MUG-WHITE", "quantity": 1}, {"system_sku": "COASTER-OAK", "quantity": 2}])
    assert {(e["actor"], e["store"]) for e in recorded.values()} == {("editor@x.com", "Acme US")}


def test_a_refused_grid_save_records_nothing(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"]])
    entries = len(trail(engine))
    with session_scope(engine) as session:
        result = grid_save(session, stores[0], EDITOR, lambda rows: rows.append({"platform_sku": "WM-2", "system_sku": "NOPE", "quantity": 1}))
    assert not result.saved and len(trail(engine)) == entries


def test_an_import_is_one_entry_with_counts_and_mode_not_one_per_row(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    rows = [["WM-1", "MUG-WHITE", "2"]] + [[f"WM-{n}", "TEA-BOX", "1"] for n in range(10, 40)]
    with session_scope(engine) as session:
        plan = plan_import(session, stores[0], csv_bytes(rows), "big.csv", mode="replace")
        apply_plan(session, plan, actor=EDITOR)
    entries = [e for e in trail(engine) if e["subject"] == "big.csv"]
    assert len(entries) == 1 and len(trail(engine)) == 2  # the setup import and this one
    entry = entries[0]
    assert (entry["action"], entry["store"], entry["actor"]) == ("import.apply", "Acme US", "editor@x.com")
    assert entry["after"] | {"rows": 31} == {"level": "store", "mode": "replace", "rows": 31, "added": 30, "changed": 1, "removed": 1, "unchanged": 0,
                                             "rows_with_errors": 0, "platform_skus_rejected": 0, "change_set": 2}  # the history's second write
    assert "replace mode: 30 added, 1 changed, 1 removed" in entry["detail"]


def test_a_clone_is_recorded_on_the_target_with_source_counts_and_policy(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    load(engine, stores[1], [["WM-2", "COASTER-OAK", "1"]])
    with session_scope(engine) as session:
        plan = mapping_clone.plan_clone(session, stores[0], stores[1], policy="overwrite", sku_filter="WM")
        mapping_clone.apply_clone(session, plan, actor=EDITOR)
    entry = trail(engine)[-1]
    assert (entry["action"], entry["store"]) == ("clone.apply", "Acme CA")
    assert entry["after"] == {"level": "store", "source": "Acme US", "source_level": "store", "policy": "overwrite", "sku_filter": "WM", "added": 1, "overwritten": 1, "skipped": 0, "unchanged": 0,
                            "change_set": 3}  # two setup imports, then this
    assert "Acme US" in entry["detail"] and "overwrite" in entry["detail"]
    assert mapping_state(engine, stores[1]) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 1)]}


def test_catalog_changes_are_recorded(engine):
    with session_scope(engine) as session:
        catalog.add_product(session, "HAND-1", "Hand made", "012345678905", actor=EDITOR)
        catalog.import_catalog(session, csv_bytes([["NEW-1", "New"], ["MUG-WHITE", "White mug, 350 ml"]], header=CATALOG_HEADER), "products.csv", actor=EDITOR)
        catalog.import_catalog(session, csv_bytes([["NEW-2", "x"]], header=CATALOG_HEADER), "preview.csv", actor=EDITOR, dry_run=True)
    added, imported = trail(engine)
    assert (added["action"], added["subject"], added["before"]) == ("catalog.add", "HAND-1", None)
    assert added["after"] == {"system_sku": "HAND-1", "name": "Hand made", "barcode": "00012345678905", "active": True}
    assert (imported["action"], imported["subject"]) == ("catalog.import", "products.csv")
    assert imported["after"] == {"added": 1, "updated": 1, "unchanged": 0} and "1 added, 1 updated" in imported["detail"]


def test_audit_entries_are_plain_json(engine, stores):
    load(engine, stores[0], [["WM-1", "MUG-WHITE", "1"]])
    with session_scope(engine) as session:
        grid_save(session, stores[0], EDITOR)
    for entry in trail(engine):
        json.dumps(entry, default=str)  # what the audit page and CSV export show
