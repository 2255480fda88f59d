"""Planning changes to a store's mappings and previewing them before and after."""
from __future__ import annotations

import pandas as pd

from core.db.engine import session_scope
from core.mapping import changes as mapping_changes
from core.mapping.bundles import Component
from core.mapping.changes import ChangeKind
from tests.core.mapping.conftest import load


def test_changes_preview_lists_before_and_after(engine, store):
    load(engine, store, [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])
    with session_scope(engine) as session:
        desired = pd.DataFrame({"platform_sku": ["WM-1", "WM-3"], "system_sku": ["MUG-WHITE", "TEA-BOX"], "quantity": [2, 1]})
        changes = mapping_changes.plan_changes(session, store, desired, replace=True)
    assert changes.counts() == {"added": 1, "changed": 1, "unchanged": 0, "removed": 1, "skipped": 0}
    assert [(c.platform_sku, c.status, c.before, c.after) for c in changes.changes()] == [
        ("WM-3", ChangeKind.added, (), (Component("TEA-BOX", 1),)),
        ("WM-1", ChangeKind.changed, (Component("MUG-WHITE", 1),), (Component("MUG-WHITE", 2),)),
        ("WM-2", ChangeKind.removed, (Component("TEA-BOX", 1),), ()),
    ]
    assert [c.platform_sku for c in changes.changes(limit=1, offset=1)] == ["WM-1"]
    assert changes.changes(ChangeKind.removed)[0].to_dict() == {"platform_sku": "WM-2", "status": "removed", "before": "TEA-BOX*1", "after": ""}
