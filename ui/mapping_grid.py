"""The mapping grid: one level's mappings in st.data_editor, the unsaved edits kept per level until saved or discarded.

Edits live in a core.mapping.draft.Draft per level (session state DRAFTS), not in the
editor. The editor forgets its edits whenever its rows or its key change (a search,
another page, another level, leaving the page), so every run first takes what the
editor holds into the draft (absorb_pending), and every new set of rows is built from
a page of mappings with the draft laid over it (_build), under a new editor key.

The editor has a fixed number of rows and a key, so Streamlit knows it by its columns
and their types, not by its values (streamlit-notes §1.2). That lets every run refill
the read-only columns (product name, bundle size, what is unsaved, problem) from the
draft without resetting the editor or dropping a cell being typed into; the editable
columns of its input never change under one key, and its output is never fed back as
its input (streamlit#7749). With a dynamic number of rows Streamlit would know the
editor by its values, and refilling a column would throw away the open cell. So rows
are added with our own Add row button (at the top, where they are seen) and deleted
by ticking Delete, which also shows what a save would delete.

A store's grid shows what applies to it: its own mappings and those it takes from
all stores, with a "Comes from" column. Rows from all stores are read-only there;
their "Override" box makes the store's own copy on Save (core.mapping.grid).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from core.access import Permission
from core.db.engine import session_scope
from core.i18n import N_, _, format_number, ngettext
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.draft import Draft, DraftRow, RowRef, clean_rows
from core.mapping.levels import ALL_STORES, LEVEL_LABELS, Level, scope_label
from core.mapping.repository import MappingView
from core.runtime import Runtime
from ui import mapping_counts, mapping_picker
from ui.actions import attempt, report, show_result
from ui.identity import actor
from ui.labels import shown_as
from ui.text import plain

GRID = "mapping_grid"
DRAFTS = "mapping_drafts"  # scope -> Draft: each level's unsaved edits, kept for the whole session
PREFILL = "mapping_grid_prefill"  # (store id, platform SKUs, suggested system SKUs) to add to the grid on its next run
PREFILL_LIMIT = 100  # listings added at once: enough to work through, few enough for the editor
EDITOR_KEY = "mapping_editor_key"  # the current editor's key, for tests that seed edits
PAGE = "mapping_page"
ROWS = "mapping_rows"  # which rows the grid shows: VIEWS
SAVE = "mapping_save"  # the key the results of Save and Discard are kept under, shown beside them (ui.actions)
STALE = "mapping_save_stale"  # after a conflict: which edits were dropped, beside the conflict itself
CHECK_STALE = "mapping_check_stale"  # the level whose save met a conflict: drop the edits of mappings someone else changed
ALL_AGAIN = "mapping_rows_all_again"  # after a save or discard nothing is unsaved: the next run shows all rows again
ALL_ROWS, UNSAVED_ROWS = "all", "unsaved"
VIEWS = {ALL_ROWS: N_("All rows"), UNSAVED_ROWS: N_("Unsaved changes")}
EDITABLE = ["platform_sku", "system_sku", "quantity"]
ROW, DELETE, CHANGE, PROBLEM = "row", "delete", "change", "problem"
COMES_FROM = "comes_from"  # where a row's mapping comes from, in words, on a store's grid
OVERRIDE = mapping_grid.OVERRIDE
LEVEL_COLUMNS = [COMES_FROM, OVERRIDE]  # shown on a store's grid only
READ_ONLY = [ROW, "product_name", "bundle_size", CHANGE, COMES_FROM, PROBLEM]


def _columns() -> dict[str, ColumnConfig]:
    """Built per run: their labels are translated in the reader's language."""
    return {
        ROW: st.column_config.NumberColumn("#", width="small", help=_("The row's place in the grid, as the System SKU picker names it.")),
        "platform_sku": st.column_config.TextColumn(_("Platform SKU"), required=True,
                                                    help=_("The listing's SKU on Walmart. Several rows with the same one make a bundle.")),
        "system_sku": st.column_config.TextColumn(_("System SKU"), required=True,
                                                  help=_("A SKU from the product catalog, exactly as written there. Type it, or use the picker "
                                                         "above the grid to find it by SKU or product name.")),
        # No min, max, step or whole-number format: the browser would turn 0 into 1, -2 into 2 and 1.5 into 1 without
        # a word. What is typed reaches the import's rule (core.mapping.bundles.quantity_problem) and a bad one is a
        # problem on its row.
        "quantity": st.column_config.NumberColumn(_("Quantity"), required=True,
                                                  help=_("How many of this product ship for ONE unit sold: a whole number from 1 to 10,000.")),
        "product_name": st.column_config.TextColumn(_("Product name"), help=_("From the catalog, as soon as the System SKU is one of its products.")),
        "bundle_size": st.column_config.NumberColumn(_("Bundle size"), format="%d",
                                                     help=_("Units shipped for one unit sold, as soon as every row of the platform SKU is valid.")),
        DELETE: st.column_config.CheckboxColumn(_("Delete"), help=_("Ticked rows are deleted when you save.")),
        CHANGE: st.column_config.TextColumn(_("Unsaved"), help=_("What saving does with the row: New, Edited, Delete, Override. "
                                                                 "Empty: the row is as saved.")),
        COMES_FROM: st.column_config.TextColumn(_("Comes from"), help=_("This store: its own mapping. All stores: the mapping made for "
                                                                         "all stores, which this store follows; read-only here.")),
        OVERRIDE: st.column_config.CheckboxColumn(_("Override"), help=_("On a row from all stores: make this store's own copy of that "
                                                                       "mapping when you save, then change it as you like.")),
        PROBLEM: st.column_config.TextColumn(_("Problem"), width="large", help=_("What a save would refuse in this row, and how to fix it.")),
    }


# (scope: a store's id or ALL_STORES, search, bundles only, page number, which rows)
GridQuery = tuple[int, str, bool, int, str]


@dataclass
class Grid:
    """The rows the editor was given under one key, and where each of them lives in the draft."""

    query: GridQuery
    page: mapping.MappingPage | None  # the page of mappings loaded (all rows); None when showing the unsaved rows
    refs: list[RowRef]  # the draft row behind each editor row
    views: dict[str, MappingView]  # the mappings shown, by platform SKU: a row's mapping as loaded, for its first edit
    base: pd.DataFrame  # the editor's input; its editable columns never change under this key
    key: str
    rendered: bool = False  # the editor was drawn with this key: if its state is gone since, the user left the page
    last_edited: int | None = None  # the editor row whose values changed last: the picker offers it first

    @property
    def scope(self) -> int:
        return self.query[0]

    def rows(self, draft: Draft) -> list[DraftRow]:
        return [draft.row(ref, self.views.get(ref.mapping or "")) for ref in self.refs]


def _new_key() -> str:
    state = st.session_state
    state["mapping_grid_version"] = state.get("mapping_grid_version", 0) + 1
    return f"mapping_editor_{state['mapping_grid_version']}"


def drafts() -> dict[int, Draft]:
    """Every level's unsaved edits in this session."""
    kept: dict[int, Draft] = st.session_state.setdefault(DRAFTS, {})
    return kept


def _draft(scope: int) -> Draft:
    return drafts().setdefault(scope, Draft(scope))


# --------------------------------------------------------------------------- rows in, edits out


def _load(runtime: Runtime, query: GridQuery) -> mapping.MappingPage:
    scope, search, bundles_only, number, _view = query
    with session_scope(runtime.engine) as session:
        total = mapping_counts.count_mappings(session, runtime.settings.database_url, scope, sku_text=search, bundles_only=bundles_only, effective=True)
        return mapping.list_mappings(session, scope, sku_text=search, bundles_only=bundles_only,
                                     offset=(number - 1) * mapping.PAGE_SIZE, limit=mapping.PAGE_SIZE, effective=True, total=total)


def _build(query: GridQuery, draft: Draft, page: mapping.MappingPage | None) -> Grid:
    """The editor's rows: new rows first, then the page's mappings (or, for the unsaved view, the draft's), the draft laid over them."""
    draft.tidy()
    shown = page.mappings if page is not None else [edited.view for edited in draft.mappings.values()]
    views = {view.platform_sku: view for view in shown}
    refs = [RowRef(None, n) for n in range(len(draft.added))]
    refs += [RowRef(view.platform_sku, n) for view in shown for n in range(len(draft.rows_of(view)))]
    rows = [draft.row(ref, views.get(ref.mapping or "")) for ref in refs]
    levels = [views[ref.mapping].level if ref.mapping is not None else None for ref in refs]
    text = lambda values: pd.Series([value or pd.NA for value in values], dtype="string")  # noqa: E731  (NA: an empty cell)
    base = pd.DataFrame({
        ROW: pd.Series(range(1, len(rows) + 1), dtype="Int64"),
        "platform_sku": text(row.platform_sku for row in rows),
        "system_sku": text(row.system_sku for row in rows),
        "quantity": pd.Series([row.quantity for row in rows], dtype="float64"),  # 1.5 typed stays 1.5
        "product_name": pd.Series([""] * len(rows), dtype="string"),
        "bundle_size": pd.Series([None] * len(rows), dtype="Int64"),
        COMES_FROM: pd.Series([_(LEVEL_LABELS[level]) if level else "" for level in levels], dtype="string"),
        # The box means something on rows from all stores only; the store's own rows leave it empty.
        OVERRIDE: pd.Series([row.override if level == Level.default else None for row, level in zip(rows, levels)], dtype=object),
        DELETE: pd.Series([row.delete for row in rows], dtype=bool),
        CHANGE: pd.Series([""] * len(rows), dtype="string"),
        PROBLEM: pd.Series([""] * len(rows), dtype="string"),
    })
    return Grid(query, page, refs, views, base, _new_key())


def _rebuild(grid: Grid, draft: Draft) -> None:
    """New rows for the editor from the same page (after the draft changed outside the editor)."""
    st.session_state[GRID] = _build(grid.query, draft, grid.page)


def _text(value: Any) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def absorb_pending() -> None:
    """Take the edits the grid's editor holds into its level's draft. Safe to call more than once a run.

    Called first thing by the grid and by the sidebar of every page, so an edit made just
    before switching page is kept too.
    """
    state = st.session_state
    grid: Grid | None = state.get(GRID)
    if grid is None or grid.key not in state or not actor().can(Permission.edit_mappings):
        return
    edits = (state[grid.key] or {}).get("edited_rows") or {}
    if not edits:
        return
    draft = _draft(grid.scope)
    for position, change in edits.items():
        index = int(position)
        if not 0 <= index < len(grid.refs):
            continue
        ref = grid.refs[index]
        values = {**grid.base.iloc[index].to_dict(), **change}
        view = grid.views.get(ref.mapping or "")
        current = draft.row(ref, view)
        row = current.edited(platform_sku=_text(values["platform_sku"]), system_sku=_text(values["system_sku"]),
                             quantity=_number(values["quantity"]), override=values.get(OVERRIDE) is True, delete=values.get(DELETE) is True)
        if row.values != current.values:
            grid.last_edited = index
        draft.update(ref, row, view)


def _change(draft: Draft, ref: RowRef, row: DraftRow, view: MappingView | None) -> str:
    if ref.mapping is None:
        if row.delete:
            return _("Not added")
        if draft.untouched(row):
            return _("To fill in")
        return "" if row.blank else _("New")
    if row.delete:
        return _("Delete")
    if row.override:
        return _("Override")
    clean = clean_rows(view)[ref.position] if view is not None else None
    return _("Edited") if clean is None or row.values != clean.values else ""


def _refresh(runtime: Runtime, grid: Grid, draft: Draft) -> list[mapping_grid.RowCheck]:
    """Fill the read-only columns from the draft: what the user sees change as soon as a row is valid."""
    rows = grid.rows(draft)
    with session_scope(runtime.engine) as session:
        checks = mapping_grid.check_rows(session, [
            {"platform_sku": row.platform_sku, "system_sku": row.system_sku, "quantity": row.quantity,
             "delete": row.delete or draft.untouched(row)} for row in rows])
    base = grid.base
    base["product_name"] = pd.Series([check.product_name for check in checks], dtype="string")
    base["bundle_size"] = pd.Series([check.bundle_size for check in checks], dtype="Int64")
    as_loaded = {sku: edited.view for sku, edited in draft.mappings.items()}  # what an edited row is compared with
    base[CHANGE] = pd.Series([_change(draft, ref, row, as_loaded.get(ref.mapping or "") or grid.views.get(ref.mapping or ""))
                              for ref, row in zip(grid.refs, rows)], dtype="string")
    base[PROBLEM] = pd.Series([row.problem or check.problem for row, check in zip(rows, checks)], dtype="string")
    return checks


# --------------------------------------------------------------------------- actions


def _first_page() -> None:
    st.session_state[PAGE] = 1


def map_in_grid(store_id: int, platform_skus: list[str], suggested: Mapping[str, str] | None = None) -> None:
    """Button callback: add these unmapped listings to the grid as rows to fill in, and open the grid's tab.
    `suggested`: platform SKU -> the system SKU a pairing suggestion gives; that row comes filled in (quantity 1), unsaved."""
    st.session_state[PREFILL] = (store_id, list(platform_skus[:PREFILL_LIMIT]), dict(suggested or {}))
    st.session_state["mapping_tab"] = _("Mappings")  # the tab's label as pages/mapping.py shows it
    st.session_state[ROWS] = ALL_ROWS


def _add_prefill(runtime: Runtime, scope: int, draft: Draft) -> bool:
    """The listings "Map in the grid" asked for, as new rows at the top; True if any were added."""
    pending = st.session_state.pop(PREFILL, None)
    if not pending or pending[0] != scope:
        return False
    present = {row.platform_sku for row in draft.added} | set(draft.mappings)
    with session_scope(runtime.engine) as session:
        present |= mapping.mapped_platform_skus(session, scope, pending[1])
    new = [sku for sku in pending[1] if sku not in present]
    suggested = pending[2] if len(pending) > 2 else {}
    draft.add_rows(DraftRow(sku, suggested[sku], 1.0) if sku in suggested else DraftRow(sku) for sku in new)
    draft.prefilled |= {sku for sku in new if sku not in suggested}  # a suggested row is a mapping to save, not one to fill in
    return bool(new)


def _drop_stale(runtime: Runtime, draft: Draft) -> None:
    """After a save met someone else's change: drop the edits of the mappings that changed, keep the rest."""
    with session_scope(runtime.engine) as session:
        stale = []
        for sku, edited in draft.mappings.items():
            level_scope = draft.scope if edited.view.level == Level.store else ALL_STORES
            now = mapping.get_mapping(session, level_scope, sku)
            if now is None or now.version != edited.view.version:
                stale.append(sku)
    draft.drop(stale)
    if stale:
        report(STALE, "failure", ngettext(
            "Your changes to {skus} were dropped: someone else changed it after you opened it. Any other unsaved changes are kept.",
            "Your changes to {skus} were dropped: someone else changed them after you opened them. Any other unsaved changes are kept.",
            len(stale), skus=", ".join(sorted(stale)[:10]) + ("…" if len(stale) > 10 else "")))


def _save(runtime: Runtime, draft: Draft, discard: bool) -> None:
    state = st.session_state
    state[CHECK_STALE] = draft.scope  # read on the rerun that a conflict causes
    done = attempt(runtime.engine, lambda session: mapping_grid.save_draft(session, draft, actor=actor(), discard_invalid=discard),
                   key=SAVE, conflict_fix=_("The grid now shows those mappings as they are. Make your changes to them again if they are still needed."),
                   forget=(GRID,))
    state.pop(CHECK_STALE, None)
    if done is None:
        return
    result, refs = done.result
    if result.saved:
        left = len(draft.left_to_fill())
        drafts().pop(draft.scope, None)
        state.pop(GRID, None)
        note = " " + ngettext("{n} listing left unmapped: it had no System SKU.", "{n} listings left unmapped: they had no System SKU.",
                              left) if left else ""
        report(SAVE, "success", result.summary() + note)
        state[ALL_AGAIN] = True
        st.rerun()
    draft.mark_problems(result.errors, refs)
    state.pop(GRID, None)
    report(SAVE, "failure", result.summary())  # names the platform SKUs left as they were
    st.rerun()


def _discard(draft: Draft) -> None:
    state = st.session_state
    count = draft.changes()
    drafts().pop(draft.scope, None)
    state.pop(GRID, None)
    report(SAVE, "info", ngettext("{n} unsaved change discarded.", "{n} unsaved changes discarded.", count))
    state[ALL_AGAIN] = True
    st.rerun()


def _show_result() -> None:
    show_result(SAVE)  # plain(): the messages quote platform SKUs
    show_result(STALE)


def _pending(runtime: Runtime) -> dict[int, tuple[str, int]]:
    """Levels with unsaved edits: scope -> (its name, how many). The edits of a store deleted since are dropped."""
    counts = {scope: draft.changes() for scope, draft in drafts().items() if draft.changes()}
    if not counts:
        return {}
    with session_scope(runtime.engine) as session:
        names = {scope: scope_label(session, scope) for scope in counts}
    for scope in [scope for scope, name in names.items() if not name]:
        drafts().pop(scope, None)
    return {scope: (names[scope], count) for scope, count in counts.items() if names[scope]}


def _open_level(scope: int) -> None:
    st.session_state["mapping_store"] = scope
    st.session_state[PAGE] = 1


def _unsaved_bar(runtime: Runtime, draft: Draft) -> None:
    """How many edits are unsaved, with Save and Discard beside the count; the levels with unsaved edits elsewhere."""
    count = draft.changes()
    with st.container(border=True, key="mapping_unsaved"):
        with st.container(horizontal=True, vertical_alignment="center"):
            if count:
                st.warning(ngettext("{n} unsaved change. It is kept while you search, page or switch stores, until you save or discard it.",
                                    "{n} unsaved changes. They are kept while you search, page or switch stores, until you save or discard them.",
                                    count), icon=":material/edit_note:")
            else:
                st.caption(_("No unsaved changes."))
            # Never disabled: a click right after typing in a cell arrives with that edit, which this run did not know yet.
            save = st.button(_("Save"), type="primary", icon=":material/save:", key="mapping_save")
            discard_all = st.button(_("Discard"), icon=":material/undo:", key="mapping_discard_all",
                                    help=_("Drop every unsaved change at this level and show the mappings as saved."))
        discard_bad = st.checkbox(_("Discard the rows with problems and save the rest"), key="mapping_discard",
                                  help=_("Platform SKUs with a problem are left exactly as they are now."))
        _show_result()
        others = {scope: pending for scope, pending in _pending(runtime).items() if scope != draft.scope}
        if others:
            st.caption(_("Unsaved changes at other levels too: they are kept until saved or discarded there."))
            links = st.columns(min(len(others), 4))
            for n, (scope, (name, changes)) in enumerate(sorted(others.items())):
                links[n % len(links)].button(
                    ngettext("{level}: {n} change", "{level}: {n} changes", changes, level=plain(name)),  # labels are Markdown
                    key=f"mapping_open_level_{scope}", icon=":material/arrow_forward:", on_click=_open_level, args=(scope,))
    if save:
        _save(runtime, draft, discard_bad)
    if discard_all:
        _discard(draft)


def unsaved_notice(runtime: Runtime) -> None:
    """For the sidebar of the other pages: the grid has unsaved edits, and a way back to them."""
    absorb_pending()
    counts = {scope: count for scope, (_name, count) in _pending(runtime).items()}
    if not counts:
        return
    st.warning(ngettext("The product mapping grid has {n} unsaved change.", "The product mapping grid has {n} unsaved changes.",
                        sum(counts.values())) + " " + _("It stays until you save or discard it there."), icon=":material/edit_note:")
    if st.button(_("Back to the unsaved changes"), icon=":material/arrow_back:", key="mapping_unsaved_back"):
        if st.session_state.get("mapping_store") not in counts:
            _open_level(max(counts, key=lambda scope: counts[scope]))
        st.session_state["mapping_tab"] = _("Mappings")  # the tab's label as pages/mapping.py shows it
        st.session_state[ROWS] = UNSAVED_ROWS  # the search may hide them: show exactly what is unsaved
        st.switch_page("pages/mapping.py")


def level_with_edits() -> int | None:
    """The level with the most unsaved edits, for the page to open at when nothing else is chosen."""
    counts = {scope: draft.changes() for scope, draft in drafts().items() if draft.changes()}
    return max(counts, key=lambda scope: counts[scope]) if counts else None


# --------------------------------------------------------------------------- the grid


def show(runtime: Runtime, store_id: int) -> None:
    state = st.session_state
    can_edit = actor().can(Permission.edit_mappings)
    absorb_pending()
    draft = _draft(store_id) if can_edit else Draft(store_id)
    if state.get(CHECK_STALE) == store_id:
        state.pop(CHECK_STALE)
        _drop_stale(runtime, draft)
    grid: Grid | None = state.get(GRID)
    if can_edit and _add_prefill(runtime, store_id, draft):
        grid = None

    if state.pop(ALL_AGAIN, False):
        state[ROWS] = ALL_ROWS  # before the radio is drawn: a widget's value cannot change after
    filters = st.columns([3, 1, 2], vertical_alignment="bottom")
    search = filters[0].text_input(_("Search SKU"), key="mapping_search", placeholder=_("Part of a platform or system SKU"),
                                   on_change=_first_page, persist_state="session")
    bundles_only = filters[1].checkbox(_("Bundles only"), key="mapping_bundles", on_change=_first_page, persist_state="session")
    view = ALL_ROWS
    if can_edit:
        view = filters[2].radio(_("Show"), list(VIEWS), format_func=shown_as(VIEWS), key=ROWS, horizontal=True,
                                persist_state="session",
                                help=_("Unsaved changes: every row you changed or added at this level, whatever the search or page.")) or ALL_ROWS
    query: GridQuery = (store_id, search.strip(), bundles_only, state.get(PAGE, 1), view)
    left_page = grid is not None and grid.rendered and grid.key not in state  # back from another page: the editor forgot its rows
    if grid is None or grid.query != query or left_page:
        page = _load(runtime, query) if view == ALL_ROWS else None
        if page is not None:
            last = max(1, math.ceil(page.total / mapping.PAGE_SIZE))
            if query[3] > last:  # the page ran out (rows deleted meanwhile): show the last one
                state[PAGE] = last
                query = (*query[:3], last, view)
                page = _load(runtime, query)
        grid = state[GRID] = _build(query, draft, page)
    checks = _refresh(runtime, grid, draft)
    state[EDITOR_KEY] = grid.key

    if can_edit:
        _unsaved_bar(runtime, draft)
        targets = [mapping_picker.Target(n, row, check.product_name) for n, (row, check) in enumerate(zip(grid.rows(draft), checks))]
        picked = mapping_picker.picker(runtime, targets, key=grid.key, last_edited=grid.last_edited)
        if picked is not None:
            ref = grid.refs[picked.row]
            row = draft.row(ref, grid.views.get(ref.mapping or ""))
            draft.update(ref, replace(row, system_sku=picked.system_sku, quantity=1.0 if row.quantity is None else row.quantity, problem=""),
                         grid.views.get(ref.mapping or ""))
            _rebuild(grid, draft)
            st.rerun()
        # The editor's toolbar (search, download, full screen) floats just above its top right corner:
        # these buttons stay at the left, so it never covers them.
        with st.container(horizontal=True, key="mapping_tools"):
            add = st.button(_("Add row"), icon=":material/add:", key="mapping_add_row", help=_("A new empty row at the top of the grid."))
            reload = st.button(_("Reload"), icon=":material/refresh:", key="mapping_reload",
                               help=_("Show the mappings as they are saved now, with your unsaved changes laid over them."))
        if add:
            draft.add_rows([DraftRow()])
            _rebuild(grid, draft)
            st.rerun()
        if reload:
            state.pop(GRID, None)
            st.rerun()

    # What is unsaved comes first, beside the row number: a wide grid scrolls sideways, and this column must stay in view.
    columns = ([ROW] + ([CHANGE] if can_edit else []) + [*EDITABLE, "product_name", "bundle_size"]
               + (LEVEL_COLUMNS if store_id != ALL_STORES else []) + ([DELETE] if can_edit else [])
               + ([PROBLEM] if (grid.base[PROBLEM] != "").any() else []))
    st.data_editor(
        grid.base,
        key=grid.key,
        num_rows="fixed",
        hide_index=True,
        width="stretch",
        column_order=columns,
        column_config=_columns(),
        disabled=READ_ONLY if can_edit else True,
        placeholder="",  # an empty cell shows empty, not "None"
    )
    grid.rendered = True
    _captions(grid, search, bundles_only, can_edit)


def _captions(grid: Grid, search: str, bundles_only: bool, can_edit: bool) -> None:
    if grid.page is None:
        st.caption(_("Every row you changed or added at this level, whatever the search or page. Save or discard them above."))
        return
    page = grid.page
    pages = max(1, math.ceil(page.total / mapping.PAGE_SIZE))
    if pages > 1:
        st.pagination(pages, key=PAGE, persist_state="session")
    total = format_number(page.total)
    shown = (ngettext("{count} mapping matches", "{count} mappings match", page.total, count=total) if search.strip() or bundles_only
             else ngettext("{count} mapping", "{count} mappings", page.total, count=total))
    st.caption(_("{shown}; page {page} of {pages}, {here} on this page. A bundle is several rows with the same platform SKU.",
                 shown=shown, page=format_number(grid.query[3]), pages=format_number(pages), here=len(page.mappings)))
    if page.effective:
        st.caption(_("Rows that come from All stores are the mapping for all stores, which this store follows: they are read-only here. "
                     "Tick Override on a row to make this store's own copy when you save, then change that. Deleting this store's own "
                     "mapping of a SKU that is also mapped for all stores makes the mapping for all stores apply again."))
    if not can_edit:
        st.caption(_("You can look at the mappings; changing them needs the editor role."))
    else:
        st.caption(_("New rows are shown first, on every page. Changes are kept, marked in the Unsaved column, until you save or discard them."))
