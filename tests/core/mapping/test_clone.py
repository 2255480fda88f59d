"""Cloning one store's mappings into another: preview, each policy, filters, stale previews."""
from __future__ import annotations

import pytest

from core import audit
from core.db.engine import session_scope
from core.errors import Conflict, ValidationFailed
from core.mapping import clone as mapping_clone
from core.mapping.bundles import Component
from core.mapping.changes import ClonePolicy
from tests.conftest import ADMIN
from tests.core.mapping.conftest import load
from tests.fixtures.spreadsheets.corpus import add_store, database_snapshot, mapping_state


@pytest.fixture
def two_stores(engine, store, other_store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "2"], ["WM-GIFT", "MUG-WHITE", "1"], ["WM-GIFT", "COASTER-OAK", "2"]])
    load(engine, other_store, [["WM-2", "TEA-BOX", "5"], ["WM-OWN", "COASTER-OAK", "1"]])
    return store, other_store


@pytest.mark.parametrize(
    "policy, expected_counts, wm2",
    [
        (ClonePolicy.skip, {"added": 2, "overwritten": 0, "skipped": 1, "unchanged": 0}, [("TEA-BOX", 5)]),
        (ClonePolicy.overwrite, {"added": 2, "overwritten": 1, "skipped": 0, "unchanged": 0}, [("TEA-BOX", 2)]),
    ],
)
def test_clone_with_each_policy(engine, two_stores, policy, expected_counts, wm2):
    source, target = two_stores
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target, policy=policy)
    assert preview.counts() == expected_counts
    assert database_snapshot(engine) == before  # a preview writes nothing
    [wm2_change] = [c for c in preview.changes.changes() if c.platform_sku == "WM-2"]
    assert wm2_change.before == (Component("TEA-BOX", 5),) and wm2_change.after == (Component("TEA-BOX", 2),)
    with session_scope(engine) as session:
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    state = mapping_state(engine, target)
    assert state["WM-2"] == wm2 and state["WM-OWN"] == [("COASTER-OAK", 1)]  # the target's own mapping stays
    assert state["WM-GIFT"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)] and state["WM-1"] == [("MUG-WHITE", 1)]
    assert mapping_state(engine, source) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 2)], "WM-GIFT": [("COASTER-OAK", 2), ("MUG-WHITE", 1)]}
    with session_scope(engine) as session:  # cloning again finds everything in place
        again = mapping_clone.plan_clone(session, source, target, policy=policy)
    assert again.counts()["added"] == 0 and not again.changes.has_writes


def test_clone_a_filtered_set_copies_whole_bundles(engine, two_stores):
    source, target = two_stores
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target, sku_filter="coaster")
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    assert preview.counts() == {"added": 1, "overwritten": 0, "skipped": 0, "unchanged": 0}
    assert mapping_state(engine, target)["WM-GIFT"] == [("COASTER-OAK", 2), ("MUG-WHITE", 1)]


def test_clone_refuses_a_stale_preview_and_the_same_store(engine, two_stores):
    source, target = two_stores
    with session_scope(engine) as session:
        preview = mapping_clone.plan_clone(session, source, target)
    load(engine, target, [["WM-LATE", "MUG-WHITE", "1"]])
    before = database_snapshot(engine)
    with pytest.raises(Conflict), session_scope(engine) as session:
        mapping_clone.apply_clone(session, preview, actor=ADMIN)
    assert database_snapshot(engine) == before
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="same"):
        mapping_clone.plan_clone(session, source, source)
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="policy"):
        mapping_clone.plan_clone(session, source, target, policy="merge")


# --------------------------------------------------------------------------- one store's mappings pushed to several


def test_push_previews_each_target_then_applies_all_with_an_audit_entry_each(engine, two_stores):
    source, first = two_stores
    second = add_store(engine, "Acme MX")
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        plans = mapping_clone.plan_push(session, source, [second, first], policy=ClonePolicy.skip)
    assert database_snapshot(engine) == before  # previews write nothing
    assert [plan.target_scope for plan in plans] == sorted([first, second])
    counts = {plan.target_scope: plan.counts() for plan in plans}
    assert counts[first] == {"added": 2, "overwritten": 0, "skipped": 1, "unchanged": 0}  # it maps WM-2 its own way
    assert counts[second] == {"added": 3, "overwritten": 0, "skipped": 0, "unchanged": 0}
    with session_scope(engine) as session:
        applied = mapping_clone.apply_push(session, plans, actor=ADMIN)
    assert applied == {first: counts[first], second: counts[second]}
    assert mapping_state(engine, second) == mapping_state(engine, source)
    assert mapping_state(engine, first)["WM-2"] == [("TEA-BOX", 5)]
    with session_scope(engine) as session:
        entries = audit.entries(session, action="clone.apply")
    assert sorted(entry.store_id for entry in entries) == sorted([first, second])
    assert all("One of 2 targets of one push" in entry.detail for entry in entries)


def test_a_push_is_all_or_nothing(engine, two_stores):
    source, first = two_stores
    second = add_store(engine, "Acme MX")
    with session_scope(engine) as session:
        plans = mapping_clone.plan_push(session, source, [first, second])
    load(engine, second, [["WM-LATE", "MUG-WHITE", "1"]])  # the second target moves after its preview
    before = database_snapshot(engine)
    with pytest.raises(Conflict), session_scope(engine) as session:
        mapping_clone.apply_push(session, plans, actor=ADMIN)
    assert database_snapshot(engine) == before  # the first target, written before the conflict, is rolled back too


def test_a_push_needs_targets_other_than_the_source(engine, two_stores):
    source, target = two_stores
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="No store"):
        mapping_clone.plan_push(session, source, [])
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="same"):
        mapping_clone.plan_push(session, source, [target, source])
