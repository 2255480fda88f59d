"""Suggestions for a store's unmapped listings on the page: filter them, accept or reject row by row, apply the safe ones.

The PairingRun (the catalog and rules indexed, every listing's candidates) is kept per store in session
state and made again only when the catalog or the rules change, so 20,000 listings are matched once
per scan; each rerun only decides (rejections), filters and shows one page of 50 as Suggestion rows.
A row is one candidate of one listing: an ambiguous listing has a row per candidate, and accepting one
of them maps the listing to it. Applying goes through the same preview and transaction as an import.
"""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import N_, _, format_datetime, format_number, ngettext
from core.mapping.changes import ChangeKind
from core.mapping.levels import ALL_STORES
from core.mapping.listings import UnmappedReport
from core.mapping.pairing import apply as pairing
from core.mapping.pairing import rejections
from core.mapping.pairing.matcher import SIMILAR_MAX, Method
from core.mapping.pairing.suggestions import PairingRun, Status, Suggestion, SuggestionSet, suggest
from core.runtime import Runtime
from ui.actions import attempt, report, show_problem, show_result
from ui.identity import actor
from ui.labels import shown_as
from ui.mapping_files import changes_table
from ui.text import plain

RUNS = "pairing_runs"  # store id -> PairingRun (the store on screen only)
PLAN = "pairing_plan"  # (store id, what was asked, SuggestionPlan): the preview being looked at
PAGE_SIZE = 50
NOTHING = "none"  # the method filter's value for listings nothing was found for
METHOD_LABELS = {Method.exact.value: N_("Exact SKU"), Method.rule.value: N_("Pairing rules"), Method.barcode.value: N_("Barcode"),
                 Method.similar.value: N_("Similar"), NOTHING: N_("Nothing found")}
STATUS_LABELS = {Status.safe: N_("Safe"), Status.ambiguous: N_("Ambiguous"), Status.review: N_("To check"), Status.unmatched: N_("Unmatched")}
LEVELS = {"store": N_("This store's own mappings"), "all": N_("All stores (default mapping)")}


def _suggestions(runtime: Runtime, store_id: int, unmapped: UnmappedReport) -> SuggestionSet:
    state = st.session_state
    kept: dict[int, PairingRun] = state.get(RUNS, {})
    with session_scope(runtime.engine) as session:
        run, found = suggest(session, store_id, unmapped.unmapped, reuse=kept.get(store_id))
    state[RUNS] = {store_id: run}  # one store's at a time: a run holds the indexed catalog, tens of MB for 50,000 products
    return found


def _threshold() -> int | None:
    state = st.session_state
    return int(state.get("pairing_similar_score", 90)) if state.get("pairing_similar_on") else None


RESULT = "pairing"  # the key the suggestion actions keep their results under (ui.actions), shown at the section's top


def suggestions_section(runtime: Runtime, store_id: int, unmapped: UnmappedReport) -> None:
    """Everything about the store's unmapped listings' suggestions."""
    show_result(RESULT)  # what was just applied, rejected or brought back
    found = _suggestions(runtime, store_id, unmapped)
    threshold = _threshold()
    counts = found.count_by_status(threshold)
    figures = st.columns(4)
    for column, status in zip(figures, STATUS_LABELS):
        column.metric(_(STATUS_LABELS[status]), format_number(counts[status]))
    can_edit = actor().can(Permission.edit_mappings)
    if can_edit:
        _safe_section(runtime, store_id, found, counts[Status.safe])
    _table_section(runtime, store_id, found, threshold, can_edit)
    _rejected_section(runtime, store_id, can_edit)


# --------------------------------------------------------------------------- apply safe suggestions


def _safe_section(runtime: Runtime, store_id: int, found: SuggestionSet, safe: int) -> None:
    state = st.session_state
    with st.container(border=True):
        st.markdown(_("**Apply safe suggestions**: exact SKUs, the pairing rules and barcodes that point at one product. "
                      "Ambiguous ones are never applied this way."))
        options = st.columns([2, 1, 2], vertical_alignment="bottom")
        options[0].checkbox(_("Also apply similar suggestions scoring at least"), key="pairing_similar_on",
                            help=_("Off unless you turn it on: a similar title and SKU is a guess. Check a few rows first."))
        options[1].number_input(_("Score"), min_value=1, max_value=SIMILAR_MAX, value=90, step=1, key="pairing_similar_score",
                                disabled=not state.get("pairing_similar_on"), label_visibility="collapsed")
        level = options[2].radio(_("Write them to"), list(LEVELS), format_func=shown_as(LEVELS), key="pairing_level", horizontal=True,
                                 help=_("This store's own mappings (the usual choice: the listing and its barcode belong to this "
                                        "store), or the mapping for all stores, for sellers whose stores share their SKUs."))
        scope = ALL_STORES if level == "all" else store_id
        if st.button(ngettext("Preview {count} safe suggestion", "Preview {count} safe suggestions", safe, count=format_number(safe)), icon=":material/preview:",
                     key="pairing_preview_safe", disabled=not safe):
            with session_scope(runtime.engine) as session:
                plan = pairing.plan_safe(session, store_id, found.safe(_threshold()), scope=scope, min_similar_score=_threshold())
            state[PLAN] = (store_id, "safe", plan)
        _preview(runtime, store_id, "safe")


def _preview(runtime: Runtime, store_id: int, kind: str) -> None:
    kept = st.session_state.get(PLAN)
    if not kept or kept[:2] != (store_id, kind):
        return
    plan: pairing.SuggestionPlan = kept[2]
    if plan.scope == ALL_STORES:
        text = _("Preview: {summary} They become the mapping for all stores.", summary=plan.summary())
    else:
        text = _("Preview: {summary} They become this store's own mappings.", summary=plan.summary())
    st.info(plain(text), icon=":material/preview:")
    by_sku = {pick.platform_sku: pick.candidate for pick in plan.picks}
    rows = [{_("Platform SKU"): change.platform_sku, _("System SKU"): by_sku[change.platform_sku].system_sku if change.platform_sku in by_sku else "",
             _("Method"): _(METHOD_LABELS[str(by_sku[change.platform_sku].method)]) if change.platform_sku in by_sku else "",
             _("Score"): by_sku[change.platform_sku].score if change.platform_sku in by_sku else None}
            for change in plan.changes.changes(ChangeKind.added, limit=200)]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"pairing_preview_rows_{kind}")
    else:
        changes_table(plan.changes, {ChangeKind.changed: _("Change")}, _("Now"), _("Suggested"))
    if plan.left and kind != "safe":
        st.warning(ngettext("{count} listing is left out: {listings}", "{count} listings are left out: {listings}", len(plan.left),
                            count=format_number(len(plan.left)),
                            listings=plain("; ".join(f"{item.suggestion.listing.sku}: {item.message or item.reason}" for item in plan.left[:10]))))
    columns = st.columns([1, 1, 3])
    if plan.picks and columns[0].button(ngettext("Apply {count} mapping", "Apply {count} mappings", len(plan.picks),
                                                                 count=format_number(len(plan.picks))), type="primary",
                                        icon=":material/done_all:", key=f"pairing_apply_{kind}"):
        _apply(runtime, plan)
    if columns[1].button(_("Cancel"), key=f"pairing_cancel_{kind}"):
        st.session_state.pop(PLAN, None)
        st.rerun()


def _apply(runtime: Runtime, plan: pairing.SuggestionPlan) -> None:
    state = st.session_state
    done = attempt(runtime.engine, lambda session: pairing.apply_plan(session, plan, actor=actor()), key=RESULT,
                   conflict_fix=_("The mappings changed meanwhile: make the preview again."), forget=(PLAN,))
    if done is None:
        return
    state.pop(PLAN, None)
    state.pop("mapping_grid", None)  # the grid shows the new mappings on its next run
    state["pairing_table_version"] = state.get("pairing_table_version", 0) + 1
    report(RESULT, "success", _("Suggestions applied: {summary} They are in the Mappings tab.", summary=plan.summary()))
    st.rerun()


# --------------------------------------------------------------------------- the table


def _table_section(runtime: Runtime, store_id: int, found: SuggestionSet, threshold: int | None, can_edit: bool) -> None:
    state = st.session_state
    st.subheader(_("Suggestions"))
    filters = st.columns([2, 2, 1, 2], vertical_alignment="bottom")
    methods = filters[0].multiselect(_("Found by"), list(METHOD_LABELS), format_func=shown_as(METHOD_LABELS), key="pairing_methods",
                                     placeholder=_("Any method"), on_change=_first_page)
    statuses = filters[1].multiselect(_("Status"), list(STATUS_LABELS), format_func=shown_as(STATUS_LABELS), key="pairing_statuses",
                                      placeholder=_("Any status"), on_change=_first_page)
    min_score = filters[2].number_input(_("Score at least"), min_value=0, max_value=100, value=0, step=5, key="pairing_min_score",
                                        on_change=_first_page)
    text = filters[3].text_input(_("Search"), key="pairing_search", placeholder=_("Part of a SKU or product name"), on_change=_first_page)
    chosen = found.select(methods=[None if value == NOTHING else Method(value) for value in methods] or None,
                          statuses=[Status(value) for value in statuses] or None, min_score=int(min_score),
                          min_similar_score=threshold, text=text)
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    number = min(int(state.get("pairing_page", 1) or 1), pages)
    shown = found.page(chosen[(number - 1) * PAGE_SIZE: number * PAGE_SIZE])
    if not shown:
        st.info(_("No suggestion matches these filters."), icon=":material/filter_alt_off:")
        return
    frame = _rows(shown, threshold)
    key = f"pairing_rows_{store_id}_{number}_{'|'.join(methods)}_{'|'.join(statuses)}_{min_score}_{text}_{state.get('pairing_table_version', 0)}"
    config = {
        "accept": st.column_config.CheckboxColumn(_("Accept"), help=_("Map the listing to this product."), width="small"),
        "reject": st.column_config.CheckboxColumn(_("Reject"), help=_("This listing is not this product: never suggest it again."),
                                                  width="small"),
        "platform_sku": st.column_config.TextColumn(_("Platform SKU")),
        "listing_name": st.column_config.TextColumn(_("Listing")),
        "barcode": st.column_config.TextColumn(_("GTIN / UPC")),
        "method": st.column_config.TextColumn(_("Found by")),
        "score": st.column_config.NumberColumn(_("Score"), format="%d"),
        "status": st.column_config.TextColumn(_("Status")),
        "system_sku": st.column_config.TextColumn(_("System SKU")),
        "product_name": st.column_config.TextColumn(_("Product")),
        "why": st.column_config.TextColumn(_("Why"), help=_("For similar ones: how alike the titles and the SKUs are (0-100).")),
    }
    order = ["accept", "reject", "platform_sku", "method", "score", "status", "system_sku", "product_name", "why", "listing_name", "barcode"]
    if can_edit:
        edited = st.data_editor(frame.drop(columns=["number"]), key=key, hide_index=True, width="stretch", column_config=config,
                                column_order=order, disabled=[column for column in frame.columns if column not in ("accept", "reject")])
    else:
        st.dataframe(frame.drop(columns=["number", "accept", "reject"]), hide_index=True, width="stretch", column_config=config,
                     column_order=order[2:])
        edited = None
    if pages > 1:
        st.pagination(pages, key="pairing_page")
    st.caption(_("{count} of {total} listings match; page {page} of {pages}. Rows of one listing with several candidates are "
                 "ambiguous: accept the right one.", count=format_number(len(chosen)), total=format_number(len(found)),
                 page=number, pages=pages))
    if edited is None:
        return
    accepted = [(shown[int(n)], sku) for n, sku, ticked in zip(frame["number"], frame["system_sku"], edited["accept"]) if ticked and sku]
    rejected = [(shown[int(n)].platform_sku, sku) for n, sku, ticked in zip(frame["number"], frame["system_sku"], edited["reject"])
                if ticked and sku]
    actions = st.columns([1, 1, 3])
    if actions[0].button(ngettext("Apply {n} accepted", "Apply {n} accepted", len(accepted)), icon=":material/check:",
                         key="pairing_accept", disabled=not accepted):
        try:
            with session_scope(runtime.engine) as session:
                level = st.session_state.get("pairing_level", "store")
                plan = pairing.plan_accepted(session, store_id, accepted, scope=ALL_STORES if level == "all" else store_id)
        except StoreConnectError as problem:  # two products ticked for one listing
            show_problem(problem)
        else:
            st.session_state[PLAN] = (store_id, "accepted", plan)
    if actions[1].button(ngettext("Reject {n}", "Reject {n}", len(rejected)), icon=":material/block:", key="pairing_reject",
                         disabled=not rejected):
        _reject(runtime, store_id, rejected)
    _preview(runtime, store_id, "accepted")


def _first_page() -> None:
    st.session_state["pairing_page"] = 1


def _rows(shown: list[Suggestion], threshold: int | None) -> pd.DataFrame:
    """One row per candidate of each suggestion (one row, with no product, for a listing nothing was found for)."""
    rows = []
    for number, suggestion in enumerate(shown):
        listing = suggestion.listing
        base = {"number": number, "accept": False, "reject": False, "platform_sku": listing.sku, "listing_name": listing.product_name,
                "barcode": listing.gtin or listing.upc, "status": _(STATUS_LABELS[suggestion.status(threshold)])}
        if not suggestion.candidates:
            rows.append({**base, "method": _(METHOD_LABELS[NOTHING]), "score": None, "system_sku": "", "product_name": "", "why": ""})
        for candidate in suggestion.candidates:
            rows.append({**base, "method": _(METHOD_LABELS[str(candidate.method)]), "score": candidate.score, "system_sku": candidate.system_sku,
                         "product_name": candidate.product_name, "why": candidate.breakdown()})
    frame = pd.DataFrame(rows, columns=["number", "accept", "reject", "platform_sku", "listing_name", "barcode", "method", "score", "status",
                                        "system_sku", "product_name", "why"])
    return frame.astype({"score": "Int64"})


# --------------------------------------------------------------------------- rejections


def _reject(runtime: Runtime, store_id: int, pairs: list[tuple[str, str]]) -> None:
    done = attempt(runtime.engine, lambda session: rejections.reject(session, store_id, pairs, actor=actor()), key=RESULT)
    if done is None:
        return
    state = st.session_state
    state["pairing_table_version"] = state.get("pairing_table_version", 0) + 1
    report(RESULT, "success", ngettext("{n} suggestion rejected: it will not be suggested again.",
                                       "{n} suggestions rejected: they will not be suggested again.", done.result))
    st.rerun()


def _rejected_section(runtime: Runtime, store_id: int, can_edit: bool) -> None:
    with session_scope(runtime.engine) as session:
        found, total = rejections.list_rejections(session, store_id, limit=200)
    if not total:
        return
    with st.expander(ngettext("{count} rejected suggestion", "{count} rejected suggestions", total, count=format_number(total)), icon=":material/block:"):
        frame = pd.DataFrame({_("Platform SKU"): [r.platform_sku for r in found], _("System SKU"): [r.system_sku for r in found],
                              _("Rejected by"): [r.rejected_by for r in found], _("When"): [format_datetime(r.rejected_at) for r in found]})
        if not can_edit:
            st.dataframe(frame, hide_index=True, width="stretch")
            return
        picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
                              key=f"pairing_rejected_{store_id}")
        rows = list(picked.selection.rows) if picked is not None else []
        if st.button(_("Bring back the selected"), key="pairing_unreject", disabled=not rows, icon=":material/undo:"):
            pairs = [(found[row].platform_sku, found[row].system_sku) for row in rows]
            done = attempt(runtime.engine, lambda session: rejections.forget(session, store_id, pairs, actor=actor()), key=RESULT)
            if done is not None:
                report(RESULT, "success", ngettext("{n} suggestion brought back.", "{n} suggestions brought back.", done.result))
                st.rerun()
        if total > len(found):
            st.caption(_("The {shown} newest of {total}.", shown=len(found), total=format_number(total)))

