"""Cloning another store's own mappings into this level: choose, preview, apply.

Made for copying overrides between stores; "All stores (default)" is offered too,
last: as a source it copies the default into a store as its own, as a target it
makes a store's mappings the default for every store.
"""
from __future__ import annotations

import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import _
from core.mapping import clone as mapping_clone
from core.mapping.changes import ChangeKind, ClonePolicy
from core.mapping.levels import ALL_STORES
from core.runtime import Runtime
from ui.actions import attempt, report, show_result
from ui.identity import actor
from ui.mapping_files import changes_table
from ui.text import plain

PREVIEW = "mapping_clone_preview"
POLICIES = {
    ClonePolicy.skip.value: "Skip: keep this store's own mapping where it already has one",
    ClonePolicy.overwrite.value: "Overwrite: replace this store's mapping with the other store's",
}
WHAT = {ChangeKind.added: "Add", ChangeKind.changed: "Overwrite", ChangeKind.skipped: "Keep this store's"}


def _apply(runtime: Runtime, plan: mapping_clone.ClonePlan) -> None:
    state = st.session_state
    done = attempt(runtime.engine, lambda session: mapping_clone.apply_clone(session, plan, actor=actor()), key="mapping_clone",
                   conflict_fix=_("Press Preview again to see what a clone would do now, then apply."), forget=(PREVIEW,))
    if done is None:
        return
    counts = done.result
    state.pop(PREVIEW, None)
    state.pop("mapping_grid", None)
    report("mapping_clone", "success", _("Cloned: {added} added, {overwritten} overwritten, {kept} kept as they were.",
                                         added=counts["added"], overwritten=counts["overwritten"], kept=counts["skipped"]))
    st.rerun()


def clone_section(runtime: Runtime, store_id: int, stores: dict[int, str]) -> None:
    state = st.session_state
    others = sorted((other for other in stores if other != store_id), key=lambda other: other == ALL_STORES)  # stores first
    if not others:
        st.info("There is no other store to copy mappings from yet.")
        return
    st.markdown(_("Copy mappings from another store into **{store}**, then adjust them here.", store=plain(stores[store_id])))
    choice = st.columns([2, 2, 3])
    source = choice[0].selectbox("From store", others, format_func=lambda other: stores[other], key="mapping_clone_source")
    if source is None:  # never: there are other stores to choose from
        return
    sku_filter = choice[1].text_input("Only SKUs containing", key="mapping_clone_filter", placeholder="All mappings")
    policy = choice[2].radio("When this store already maps a SKU differently", list(POLICIES), format_func=POLICIES.get, key="mapping_clone_policy")
    wanted = (source, store_id, sku_filter.strip(), policy)
    show_result("mapping_clone")  # a clone just applied, or refused
    if st.button("Preview", icon=":material/preview:", key="mapping_clone_preview_button"):
        try:
            with session_scope(runtime.engine) as session:
                state[PREVIEW] = (wanted, mapping_clone.plan_clone(session, source, store_id, sku_filter=sku_filter.strip(), policy=policy))
        except StoreConnectError as problem:
            st.error(plain(problem.message), icon=":material/error:")
            st.info(plain(problem.fix))
    kept = state.get(PREVIEW)
    if not kept or kept[0] != wanted:  # a preview of other choices is not what would be applied
        return
    plan = kept[1]
    if plan.changes.status.empty:
        if plan.sku_filter:
            st.info(_("{store} has no mappings with a SKU containing '{text}' to copy.", store=plain(stores[source]), text=plain(plan.sku_filter)),
                    icon=":material/info:")
        else:
            st.info(_("{store} has no mappings to copy.", store=plain(stores[source])), icon=":material/info:")
        return
    st.info(plain(plan.summary()))
    changes_table(plan.changes, WHAT, "This store now", "Other store", kind="What happens")
    if not actor().can(Permission.edit_mappings):
        st.caption("This is a preview only: cloning needs the editor role.")
    elif plan.changes.has_writes:
        if st.button("Apply clone", type="primary", icon=":material/content_copy:", key="mapping_clone_apply"):
            _apply(runtime, plan)
        show_result("mapping_clone")
    else:
        st.info(_("Nothing to copy: this store already has these mappings, or keeps its own."), icon=":material/info:")
