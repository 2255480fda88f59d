"""The History tab of the mapping page: one platform SKU's changes, or the level's latest, from core.mapping.history.

On a store, a SKU's history holds the store's own changes and those of the mapping for all stores, which the
store follows where it has none of its own; each row says which. Tables only (st.dataframe), so SKUs, file and
store names and actors are shown as the text they are.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.db.engine import session_scope
from core.i18n import _, format_datetime, format_number
from core.mapping.bundles import format_bundle
from core.mapping.history import CHANGE_LABELS, ChangeSetRecord, SkuChange, describe_difference, recent_change_sets, sku_history
from core.mapping.levels import ALL_STORES, LEVEL_LABELS
from core.runtime import Runtime
from ui.text import plain

SKU = "mapping_history_sku"
RECENT = 50  # change sets listed under "Latest changes"
RECENT_TOGGLE = "mapping_history_recent"


def _who(record: ChangeSetRecord) -> str:
    return f"{record.actor} ({record.via})" if record.via else record.actor


def _changes_table(found: list[SkuChange]) -> pd.DataFrame:
    return pd.DataFrame({
        _("When"): [format_datetime(c.change_set.at) for c in found],
        _("Who"): [_who(c.change_set) for c in found],
        _("Through"): [c.change_set.through_text() for c in found],
        _("Level"): [_(LEVEL_LABELS[c.change_set.level]) for c in found],
        _("Change"): [_(CHANGE_LABELS[c.kind]) for c in found],
        _("Before"): [format_bundle(c.before) or "—" for c in found],
        _("After"): [format_bundle(c.after) or "—" for c in found],
        _("Difference"): [describe_difference(c.difference()) for c in found],
    })


def _recent_table(found: list[ChangeSetRecord]) -> pd.DataFrame:
    return pd.DataFrame({
        _("When"): [format_datetime(r.at) for r in found],
        _("Who"): [_who(r) for r in found],
        _("Through"): [r.through_text() for r in found],
        _("Level"): [_(LEVEL_LABELS[r.level]) for r in found],
        _("Added"): [format_number(r.added) for r in found],
        _("Changed"): [format_number(r.changed) for r in found],
        _("Removed"): [format_number(r.removed) for r in found],
    })


def history_section(runtime: Runtime, scope: int) -> None:
    """Every tab of the page runs on each rerun: nothing is read here until a SKU is typed or the latest changes are asked for."""
    if scope == ALL_STORES:
        st.markdown(_("Every change to the mapping for all stores, newest first: who made it, when, and through what."))
    else:
        st.markdown(_("Every change to what applies to this store, newest first: its own mappings and the mapping for all "
                      "stores, which it follows where it has none of its own."))
    search = st.columns([3, 2], vertical_alignment="bottom")
    sku = search[0].text_input(_("Platform SKU"), key=SKU, placeholder=_("The platform SKU, exactly as sold"),
                               help=_("Shows each change to this SKU's mapping: before, after and the difference."))
    latest = search[1].toggle(_("Latest changes"), key=RECENT_TOGGLE, help=_("The latest imports, clones and grid saves at this level."))
    wanted = sku.strip()
    if wanted:
        with session_scope(runtime.engine) as session:
            changes = sku_history(session, scope, wanted)
        if not changes:
            st.info(_("No recorded changes of {sku} here. Changes made before the history was kept are only in the audit trail.",
                      sku=plain(wanted)), icon=":material/history:")
        else:
            st.dataframe(_changes_table(changes), hide_index=True, width="stretch")
    if not latest:
        if not wanted:
            st.caption(_("Type a platform SKU to see what happened to its mapping, or show the latest changes."))
        return
    with session_scope(runtime.engine) as session:
        recent = recent_change_sets(session, scope, limit=RECENT)
    if not recent:
        st.info(_("No changes are recorded at this level yet."), icon=":material/history:")
        return
    st.caption(_("The latest changes, newest first."))
    st.dataframe(_recent_table(recent), hide_index=True, width="stretch")
