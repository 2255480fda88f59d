"""Cloning mappings between levels: into this level from another, or from this level to several others at once.

Made for copying overrides between stores; "All stores (default)" is offered too,
last: as a source it copies the default into a store as its own, as a target it
makes a store's mappings the default for every store. A push to several levels shows
one preview per target and applies them all or none (core.mapping.clone.apply_push).
"""
from __future__ import annotations

import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import N_, _, format_number, ngettext
from core.mapping import clone as mapping_clone
from core.mapping.changes import ChangeKind, ClonePolicy
from core.mapping.levels import ALL_STORES
from core.runtime import Runtime
from ui.actions import attempt, report, show_problem, show_result
from ui.identity import actor
from ui.labels import shown_as
from ui.mapping_files import changes_table
from ui.text import plain

PREVIEW = "mapping_clone_preview"
PUSH_PREVIEW = "mapping_push_preview"
INTO, PUSH = "into", "push"
POLICIES = {
    ClonePolicy.skip.value: N_("Skip: keep this store's own mapping where it already has one"),
    ClonePolicy.overwrite.value: N_("Overwrite: replace this store's mapping with the other store's"),
}
WHAT = {ChangeKind.added: N_("Add"), ChangeKind.changed: N_("Overwrite"), ChangeKind.skipped: N_("Keep this store's")}


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
                                         added=format_number(counts["added"]), overwritten=format_number(counts["overwritten"]),
                                         kept=format_number(counts["skipped"])))
    st.rerun()


def clone_section(runtime: Runtime, store_id: int, stores: dict[int, str]) -> None:
    others = sorted((other for other in stores if other != store_id), key=lambda other: other == ALL_STORES)  # stores first
    if not others:
        st.info(_("There is no other store to copy mappings from yet."))
        return
    directions = {INTO: _("Into {level} from another store", level=plain(stores[store_id])),  # radio options are Markdown
                  PUSH: _("From {level} to other stores", level=plain(stores[store_id]))}
    direction = st.radio(_("Copy"), list(directions), format_func=directions.__getitem__, key="mapping_clone_direction", horizontal=True)
    if direction == PUSH:
        _push_section(runtime, store_id, stores, others)
    else:
        _into_section(runtime, store_id, stores, others)


def _into_section(runtime: Runtime, store_id: int, stores: dict[int, str], others: list[int]) -> None:
    state = st.session_state
    st.markdown(_("Copy mappings from another store into **{store}**, then adjust them here.", store=plain(stores[store_id])))
    choice = st.columns([2, 2, 3])
    source = choice[0].selectbox(_("From store"), others, format_func=lambda other: stores[other], key="mapping_clone_source")
    if source is None:  # never: there are other stores to choose from
        return
    sku_filter = choice[1].text_input(_("Only SKUs containing"), key="mapping_clone_filter", placeholder=_("All mappings"))
    policy = choice[2].radio(_("When this store already maps a SKU differently"), list(POLICIES), format_func=shown_as(POLICIES),
                             key="mapping_clone_policy")
    wanted = (source, store_id, sku_filter.strip(), policy)
    show_result("mapping_clone")  # a clone just applied, or refused
    if st.button(_("Preview"), icon=":material/preview:", key="mapping_clone_preview_button"):
        try:
            with session_scope(runtime.engine) as session:
                state[PREVIEW] = (wanted, mapping_clone.plan_clone(session, source, store_id, sku_filter=sku_filter.strip(), policy=policy))
        except StoreConnectError as problem:
            show_problem(problem)
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
    changes_table(plan.changes, {kind: _(label) for kind, label in WHAT.items()}, _("This store now"), _("Other store"),
                  kind=_("What happens"))
    if not actor().can(Permission.edit_mappings):
        st.caption(_("This is a preview only: cloning needs the editor role."))
    elif plan.changes.has_writes:
        if st.button(_("Apply clone"), type="primary", icon=":material/content_copy:", key="mapping_clone_apply"):
            _apply(runtime, plan)
        show_result("mapping_clone")
    else:
        st.info(_("Nothing to copy: this store already has these mappings, or keeps its own."), icon=":material/info:")


PUSH_POLICIES = {
    ClonePolicy.skip.value: N_("Skip: keep the target store's own mapping where it already has one"),
    ClonePolicy.overwrite.value: N_("Overwrite: replace the target store's mapping with this one"),
}
PUSH_RESULT = "mapping_push_apply"  # the push's result is kept under its button's key (ui.actions)
PUSH_WHAT = {ChangeKind.added: N_("Add"), ChangeKind.changed: N_("Overwrite"), ChangeKind.skipped: N_("Keep the target's")}


def _push(runtime: Runtime, plans: list[mapping_clone.ClonePlan], stores: dict[int, str]) -> None:
    state = st.session_state
    done = attempt(runtime.engine, lambda session: mapping_clone.apply_push(session, plans, actor=actor()), key=PUSH_RESULT,
                   conflict_fix=_("Nothing was copied to any store. Press Preview again to see what the push would do now, then apply."),
                   forget=(PUSH_PREVIEW,))
    if done is None:
        return
    state.pop(PUSH_PREVIEW, None)
    state.pop("mapping_grid", None)
    lines = [_("{store}: {added} added, {overwritten} overwritten, {kept} kept as they were.", store=stores.get(target, str(target)),
               added=format_number(counts["added"]), overwritten=format_number(counts["overwritten"]), kept=format_number(counts["skipped"]))
             for target, counts in done.result.items()]
    report(PUSH_RESULT, "success", " ".join([ngettext("Pushed to {n} store.", "Pushed to {n} stores.", len(lines)), *lines]))
    st.rerun()


def _push_section(runtime: Runtime, store_id: int, stores: dict[int, str], others: list[int]) -> None:
    """One level's mappings to several others: a preview per target, applied all together or not at all."""
    state = st.session_state
    show_result(PUSH_RESULT)  # a push just applied, or refused
    st.markdown(_("Copy the mappings of **{store}** to several stores at once. You see what would change in each store first; "
                  "applying copies to all of them together, or, if any store's mappings changed since the preview, to none.",
                  store=plain(stores[store_id])))
    choice = st.columns([3, 2, 3])
    targets = choice[0].multiselect(_("To stores"), others, format_func=lambda other: stores[other], key="mapping_push_targets",
                                    placeholder=_("Choose one or more stores"))
    sku_filter = choice[1].text_input(_("Only SKUs containing"), key="mapping_push_filter", placeholder=_("All mappings"))
    policy = choice[2].radio(_("When a target store already maps a SKU differently"), list(PUSH_POLICIES),
                             format_func=shown_as(PUSH_POLICIES), key="mapping_push_policy")
    wanted = (store_id, tuple(sorted(targets)), sku_filter.strip(), policy)
    if st.button(_("Preview"), icon=":material/preview:", key="mapping_push_preview_button", disabled=not targets):
        try:
            with session_scope(runtime.engine) as session:
                state[PUSH_PREVIEW] = (wanted, mapping_clone.plan_push(session, store_id, targets, sku_filter=sku_filter.strip(), policy=policy))
        except StoreConnectError as problem:
            show_problem(problem)
    kept = state.get(PUSH_PREVIEW)
    if not kept or kept[0] != wanted:  # a preview of other choices is not what would be applied
        return
    plans: list[mapping_clone.ClonePlan] = kept[1]
    if all(plan.changes.status.empty for plan in plans):
        st.info(_("{store} has no mappings to copy.", store=plain(stores[store_id])) if not sku_filter.strip() else
                _("{store} has no mappings with a SKU containing '{text}' to copy.", store=plain(stores[store_id]), text=plain(sku_filter.strip())),
                icon=":material/info:")
        return
    what = {kind: _(label) for kind, label in PUSH_WHAT.items()}
    for plan in plans:
        name = stores.get(plan.target_scope, str(plan.target_scope))
        with st.expander(_("{store}: {summary}", store=plain(name), summary=plan.summary()), expanded=len(plans) <= 3, icon=":material/storefront:"):
            if plan.changes.has_writes:
                changes_table(plan.changes, what, _("The store now"), _("After the push"), kind=_("What happens"))
            else:
                st.caption(_("Nothing changes in this store: it already has these mappings, or keeps its own."))
    writing = [plan for plan in plans if plan.changes.has_writes]
    if not actor().can(Permission.edit_mappings):
        st.caption(_("This is a preview only: cloning needs the editor role."))
    elif writing:
        if st.button(ngettext("Apply to {n} store", "Apply to all {n} stores", len(plans)), type="primary", icon=":material/content_copy:",
                     key="mapping_push_apply", help=_("All together, in one transaction: every store gets its changes, or none does.")):
            _push(runtime, plans, stores)
    else:
        st.info(_("Nothing to copy: every chosen store already has these mappings, or keeps its own."), icon=":material/info:")
