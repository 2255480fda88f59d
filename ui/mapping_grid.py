"""The mapping grid: one page of a level's mappings in st.data_editor, saved through core.mapping.grid.save_grid.

A store's grid shows what applies to it: its own mappings and those it takes from
all stores, with a "Comes from" column. Rows from all stores are read-only there;
their "Override" box makes the store's own copy on Save (core.mapping.grid).

The rows the editor starts from live in session state (a Grid) and change only
when they are loaded, or when a save fails and the user's rows are kept with
their problems. The editor's output is never fed back as its input on an
ordinary rerun (streamlit-notes §3); each new set of rows gets a new editor key.
Edits are read from the editor's edit state, so they can be applied to the
full set of rows even when the grid shows only the rows with errors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from sqlmodel import Session
from streamlit.elements.lib.column_types import ColumnConfig

from core.access import Permission
from core.catalog import product_names
from core.db.engine import session_scope
from core.i18n import _, ngettext
from core.mapping import grid as mapping_grid
from core.mapping import repository as mapping
from core.mapping.levels import LEVEL_LABELS, Level
from core.runtime import Runtime
from ui.actions import attempt, report, show_result
from ui.identity import actor

GRID = "mapping_grid"
PREFILL = "mapping_grid_prefill"  # (store id, platform SKUs) of unmapped listings to add to the grid on its next run
PREFILL_LIMIT = 100  # listings added at once: enough to work through, few enough for the editor
EDITOR_KEY = "mapping_editor_key"  # the current editor's key, for tests that seed edits
PAGE = "mapping_page"
EDITABLE = ["platform_sku", "system_sku", "quantity"]
LOADED = "loaded_platform_sku"
LEVEL = "level"  # not shown: where a row's mapping comes from (a Level value; empty for new rows)
COMES_FROM = "comes_from"  # LEVEL in words, shown on a store's grid
OVERRIDE = mapping_grid.OVERRIDE
SHOWN = [*EDITABLE, "product_name", "bundle_size"]
LEVEL_COLUMNS = [COMES_FROM, OVERRIDE]  # shown on a store's grid only
COLUMNS = {
    "platform_sku": st.column_config.TextColumn("Platform SKU", required=True, help="The listing's SKU on Walmart. Several rows with the same one make a bundle."),
    "system_sku": st.column_config.TextColumn("System SKU", required=True, help="A SKU from the product catalog, exactly as written there."),
    # No min, max, step or integer format: the browser would turn 0 into 1, -2 into 2 and 1.5 into 1 without a word. What is typed
    # reaches core.mapping.bundles.whole_quantity, the import's rule, and a bad quantity is an error on its row.
    "quantity": st.column_config.NumberColumn("Quantity", required=True, default=1,
                                              help="How many of this product ship for ONE unit sold: a whole number from 1 to 10,000."),
    # Both are worked out when the page loads or saves, not while typing: redrawing the
    # editor on every keystroke would drop the cell being edited.
    "product_name": st.column_config.TextColumn("Product name", help="From the catalog; filled in for new rows when you save."),
    "bundle_size": st.column_config.NumberColumn("Bundle size", format="%d", help="Units shipped for one unit sold, as of the last load or save."),
    "problem": st.column_config.TextColumn("Problem at the last save", width="large"),
}


def _level_columns() -> dict[str, ColumnConfig]:
    """Built per run: their labels are translated in the reader's language."""
    return {
        COMES_FROM: st.column_config.TextColumn(_("Comes from"), help=_("This store: its own mapping. All stores: the mapping made for "
                                                                         "all stores, which this store follows; read-only here.")),
        OVERRIDE: st.column_config.CheckboxColumn(_("Override"), help=_("On a row from all stores: make this store's own copy of that "
                                                                       "mapping when you save, then change it as you like.")),
    }


# (scope: a store's id or ALL_STORES, search, bundles only, page number)
GridQuery = tuple[int, str, bool, int]


@dataclass
class Grid:
    query: GridQuery  # the rows were loaded for
    page: mapping.MappingPage  # as loaded, with the versions a save must still find
    base: pd.DataFrame  # the editor's input: SHOWN + problem + fix, RangeIndex
    key: str  # the editor's key: new for every new base, which also drops pending edits
    only_errors: bool = False  # the view the editor was last drawn with
    prefilled: frozenset[str] = frozenset()  # platform SKUs of unmapped listings added to fill in

    @property
    def has_problems(self) -> bool:
        return bool((self.base["problem"] != "").any())

    def positions(self, only_errors: bool) -> list[int]:
        """Which rows of `base` the editor shows, in order."""
        if only_errors:
            return [n for n, problem in enumerate(self.base["problem"]) if problem]
        return list(range(len(self.base)))


def _new_key() -> str:
    state = st.session_state
    state["mapping_grid_version"] = state.get("mapping_grid_version", 0) + 1
    return f"mapping_editor_{state['mapping_grid_version']}"


def _frame(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """Typed columns (so even an empty grid can be typed into), with names and bundle sizes filled in."""
    text = lambda values: pd.Series([None if pd.isna(v) else str(v) for v in values], dtype=object)  # noqa: E731  (None: an empty cell)
    frame = pd.DataFrame({"platform_sku": text(rows["platform_sku"]), "system_sku": text(rows["system_sku"])})
    # Numbers with a fraction, so that 1.5 typed stays 1.5 (an integer column would make it 1); whole ones show as 1, 2.
    frame["quantity"] = pd.to_numeric(pd.Series(list(rows["quantity"]), dtype=object), errors="coerce").astype("float64")
    names = product_names(session, {sku for sku in frame["system_sku"] if sku})
    frame["product_name"] = [names.get(sku, "") if sku else "" for sku in frame["system_sku"]]
    sizes = frame.dropna(subset=["platform_sku"]).groupby("platform_sku")["quantity"].sum()
    frame["bundle_size"] = frame["platform_sku"].map(sizes.where(sizes % 1 == 0)).astype("Int64")  # none while a quantity is not whole
    levels = [("" if pd.isna(v) else str(v)) for v in rows[LEVEL]] if LEVEL in rows else [""] * len(frame)
    labels = {str(level): _(label) for level, label in LEVEL_LABELS.items()}
    frame[COMES_FROM] = [labels.get(level, "") for level in levels]
    ticked = list(rows[OVERRIDE]) if OVERRIDE in rows else [False] * len(frame)
    # The box means something on rows from all stores only; the store's own rows leave it empty.
    frame[OVERRIDE] = pd.Series([bool(t is True or t is np.True_) if level == Level.default else None for level, t in zip(levels, ticked)],
                                dtype=object)
    frame[LEVEL] = levels
    for extra in ("problem", "fix"):
        frame[extra] = [("" if pd.isna(v) else str(v)) for v in rows[extra]] if extra in rows else ""
    # Not shown: the platform SKU each row had when loaded (none for new rows), so a row skipped for a problem
    # after its SKU was edited still keeps its mapping (core.mapping.grid.save_grid).
    frame[LOADED] = text(rows[LOADED]) if LOADED in rows else text(rows["platform_sku"])
    return frame


def _load(runtime: Runtime, query: GridQuery) -> Grid:
    store_id, search, bundles_only, number = query
    with session_scope(runtime.engine) as session:
        page = mapping.list_mappings(session, store_id, sku_text=search, bundles_only=bundles_only,
                                     offset=(number - 1) * mapping.PAGE_SIZE, limit=mapping.PAGE_SIZE, effective=True)
        return Grid(query, page, _frame(session, mapping_grid.grid_frame(page)), _new_key())


def _with_edits(grid: Grid, positions: list[int]) -> pd.DataFrame:
    """All of the grid's rows with the editor's pending edits applied (edit positions are those of the rows shown)."""
    edits = st.session_state.get(grid.key) or {}
    rows = grid.base.to_dict("records")
    for position, change in (edits.get("edited_rows") or {}).items():
        rows[positions[int(position)]].update(change)
    gone = {positions[int(position)] for position in edits.get("deleted_rows") or []}
    added = [dict(row) for row in edits.get("added_rows") or []]
    return pd.DataFrame([row for n, row in enumerate(rows) if n not in gone] + added, columns=grid.base.columns)


def _keep(runtime: Runtime, grid: Grid, rows: pd.DataFrame) -> None:
    """Make `rows` (the user's, not saved) the grid's new starting point."""
    with session_scope(runtime.engine) as session:
        grid.base = _frame(session, rows)
    grid.key = _new_key()


def _first_page() -> None:
    st.session_state[PAGE] = 1


def map_in_grid(store_id: int, platform_skus: list[str]) -> None:
    """Button callback: add these unmapped listings to the grid as rows to fill in, and open the grid's tab."""
    st.session_state[PREFILL] = (store_id, list(platform_skus[:PREFILL_LIMIT]))
    st.session_state["mapping_tab"] = "Mappings"
    st.session_state["mapping_only_errors"] = False  # the new rows have no errors to show


def _add_prefill(runtime: Runtime, store_id: int, grid: Grid) -> None:
    pending = st.session_state.pop(PREFILL, None)
    if not pending or pending[0] != store_id:
        return
    rows = _with_edits(grid, grid.positions(grid.only_errors))
    with session_scope(runtime.engine) as session:
        present = set(rows["platform_sku"].dropna()) | mapping.mapped_platform_skus(session, store_id, pending[1])
    new = [sku for sku in pending[1] if sku not in present]
    blank = pd.DataFrame([{"platform_sku": sku, "system_sku": None, "quantity": None} for sku in new], columns=rows.columns)
    _keep(runtime, grid, pd.concat([rows, blank], ignore_index=True) if new else rows)
    grid.prefilled = grid.prefilled | frozenset(new)


def _untouched_prefill(grid: Grid, rows: pd.DataFrame) -> pd.Series:
    """Rows of added listings still without a System SKU and a Quantity: not mappings yet, so not saved."""
    def empty(column: str) -> pd.Series:
        return rows[column].isna() | (rows[column].astype(str).str.strip() == "")

    return rows["platform_sku"].isin(grid.prefilled) & empty("system_sku") & empty("quantity")


def _save(runtime: Runtime, store_id: int, grid: Grid, positions: list[int], discard: bool) -> None:
    state = st.session_state
    rows = _with_edits(grid, positions)
    skipped = _untouched_prefill(grid, rows)
    saving = rows[~skipped].reset_index(drop=True)
    done = attempt(runtime.engine, lambda session: mapping_grid.save_grid(session, store_id, grid.page, saving[[*EDITABLE, LOADED, OVERRIDE]],
                                                                         actor=actor(), discard_invalid=discard),
                         key="mapping_save", conflict_fix="The grid now shows the mappings as they are. Make your changes again if they are still needed.",
                         forget=(GRID,))  # reload: show the other person's version
    if done is None:
        return
    result = done.result
    if result.saved:
        state.pop(GRID, None)
        left = rows.loc[skipped, "platform_sku"].nunique()
        report("mapping_save", "success",
               result.summary() + (" " + ngettext("{n} listing left unmapped: it had no System SKU.",
                                                  "{n} listings left unmapped: they had no System SKU.", left) if left else ""))
        st.rerun()
    problems: dict[int, list[str]] = {}
    fixes: dict[int, list[str]] = {}
    position_in_rows = list(rows.index[~skipped])  # error.row is the 1-based position in `saving`
    for error in result.errors:
        if error.row is None:
            continue
        where = position_in_rows[error.row - 1]
        problems.setdefault(where, []).append(error.message)
        fixes.setdefault(where, []).append(error.fix)
    rows = rows.assign(problem=[" ".join(problems.get(n, [])) for n in range(len(rows))],
                       fix=[" ".join(dict.fromkeys(fixes.get(n, []))) for n in range(len(rows))])
    _keep(runtime, grid, rows)
    report("mapping_save", "failure", result.summary())  # names the platform SKUs left as they were
    st.rerun()


def _errors_table(grid: Grid) -> None:
    bad = grid.base[grid.base["problem"] != ""]
    st.dataframe(
        pd.DataFrame({
            "Row": [n + 1 for n in bad.index],
            "Platform SKU": bad["platform_sku"].fillna("").tolist(),
            "System SKU": bad["system_sku"].fillna("").tolist(),
            "Problem": bad["problem"].tolist(),
            "How to fix": bad["fix"].tolist(),
        }),
        hide_index=True, width="stretch",
    )
    st.caption("Row = the row's position in the grid with *Errors only* off. Fix the rows and save again; nothing was saved yet.")


def show(runtime: Runtime, store_id: int) -> None:
    state = st.session_state
    can_edit = actor().can(Permission.edit_mappings)
    grid: Grid | None = state.get(GRID)

    filters = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    search = filters[0].text_input("Search SKU", key="mapping_search", placeholder="Part of a platform or system SKU", on_change=_first_page)
    bundles_only = filters[1].checkbox("Bundles only", key="mapping_bundles", on_change=_first_page)
    if not (grid and grid.has_problems):
        state["mapping_only_errors"] = False  # nothing failed (any more): back to all rows
    only_errors = filters[2].toggle("Errors only", key="mapping_only_errors", disabled=not (grid and grid.has_problems),
                                    help="Only the rows that failed the last save.")
    if filters[3].button("Reload", icon=":material/refresh:", key="mapping_reload", help="Drop unsaved changes and show the mappings as they are now."):
        grid = None

    query = (store_id, search.strip(), bundles_only, state.get(PAGE, 1))
    if grid is None or grid.query != query:
        grid = state[GRID] = _load(runtime, query)
        last = max(1, math.ceil(grid.page.total / mapping.PAGE_SIZE))
        if query[3] > last:  # the page ran out (rows deleted meanwhile): show the last one
            state[PAGE] = last
            grid = state[GRID] = _load(runtime, (*query[:3], last))
    if can_edit:
        _add_prefill(runtime, store_id, grid)
    if grid.prefilled:
        st.info(ngettext("{n} unmapped listing was added at the end of the grid.", "{n} unmapped listings were added at the end of the grid.",
                         len(grid.prefilled)) + " " + _("Fill in System SKU and Quantity (add rows with the same platform SKU for a bundle), "
                                                         "then Save. Rows left empty are not saved."), icon=":material/playlist_add:")
    only_errors = only_errors and grid.has_problems
    if only_errors != grid.only_errors:  # switching views: keep what was typed in the other one
        _keep(runtime, grid, _with_edits(grid, grid.positions(grid.only_errors)))
        grid.only_errors = only_errors
    positions = grid.positions(only_errors)
    state[EDITOR_KEY] = grid.key

    st.data_editor(
        grid.base.iloc[positions].reset_index(drop=True),
        key=grid.key,
        num_rows="dynamic" if can_edit else "fixed",
        hide_index=True,
        width="stretch",
        column_order=SHOWN + (LEVEL_COLUMNS if grid.page.effective else []) + (["problem"] if grid.has_problems else []),
        column_config=COLUMNS | _level_columns(),
        disabled=["product_name", "bundle_size", COMES_FROM, "problem", "fix"] if can_edit else True,
    )
    pages = max(1, math.ceil(grid.page.total / mapping.PAGE_SIZE))
    if pages > 1:
        st.pagination(pages, key=PAGE)
    shown = (ngettext("{n} mapping matches", "{n} mappings match", grid.page.total) if search.strip() or bundles_only
             else ngettext("{n} mapping", "{n} mappings", grid.page.total))
    st.caption(_("{shown}; page {page} of {pages}, {here} on this page. A bundle is several rows with the same platform SKU.",
                 shown=shown, page=grid.query[3], pages=pages, here=len(grid.page.mappings)))
    if grid.page.effective:
        st.caption(_("Rows that come from All stores are the mapping for all stores, which this store follows: they are read-only here. "
                     "Tick Override on a row to make this store's own copy when you save, then change that. Deleting this store's own "
                     "mapping of a SKU that is also mapped for all stores makes the mapping for all stores apply again."))

    if grid.has_problems:
        _errors_table(grid)
    if not can_edit:
        st.caption("You can look at the mappings; changing them needs the editor role.")
        return
    st.caption("Save before changing the search, the filter or the page: unsaved changes are dropped.")
    actions = st.columns([1, 3], vertical_alignment="center")
    discard = actions[1].checkbox("Discard the rows with problems and save the rest", key="mapping_discard",
                                  help="Platform SKUs with a problem are left exactly as they are now.")
    if actions[0].button("Save", type="primary", icon=":material/save:", key="mapping_save"):
        _save(runtime, store_id, grid, positions, discard)
    show_result("mapping_save")
