"""Mapping spreadsheets on the page: import (dry run, then apply), export, templates; into and out of the level chosen
on the page (a store's own mappings, or the mapping for all stores).

The import plan is made once per uploaded file and mode and kept in session state,
so what the user approves is exactly what is applied; core refuses it if the
store's mappings moved in between.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import N_, _, format_number, ngettext
from core.mapping import imports as mapping_import
from core.mapping.bundles import format_bundle
from core.mapping.changes import ChangeKind, ChangeSet
from core.mapping.export import export_mappings
from core.mapping.levels import ALL_STORES, scope_label
from core.runtime import Runtime
from core.spreadsheets.table import RowError
from ui.actions import attempt, report, show_result
from ui.identity import actor
from ui.labels import shown_as
from ui.text import plain
from ui.uploads import spreadsheet_uploader

PLAN = "mapping_import_plan"
PREVIEW_ROWS = 200  # per kind of change; the counts cover everything
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MODES = {
    "merge": N_("Merge: add and update the file's platform SKUs, keep the others"),
    "replace": N_("Replace: the mappings chosen above become exactly the file's (others are removed)"),
}


def errors_table(errors: list[RowError]) -> None:
    """Every row error with the row number the user sees in the spreadsheet."""
    st.dataframe(
        pd.DataFrame({
            _("Row"): pd.array([e.row for e in errors], dtype="Int64"),
            _("Column"): [e.column for e in errors],
            _("Value"): [e.value for e in errors],
            _("Problem"): [e.message for e in errors],
            _("How to fix"): [e.fix for e in errors],
        }),
        hide_index=True, width="stretch",
    )


def _uploader_key() -> str:
    return f"mapping_file_{st.session_state.get('mapping_file_version', 0)}"


def _plan(runtime: Runtime, store_id: int, uploaded: UploadedFile, mode: str) -> mapping_import.ImportPlan | None:
    """The dry run for this file and mode, made once and then kept."""
    state = st.session_state
    wanted = (store_id, uploaded.file_id, mode)
    kept = state.get(PLAN)
    if kept and kept[0] == wanted:
        return kept[1]
    try:
        with st.spinner(_("Reading and checking the file…")), session_scope(runtime.engine) as session:
            plan = mapping_import.plan_import(session, store_id, uploaded.getvalue(), uploaded.name, mode=mode)
    except StoreConnectError as problem:  # the file itself cannot be read: say why, change nothing
        state.pop(PLAN, None)
        st.error(_("The file was not imported: {problem}", problem=plain(problem.message)), icon=":material/error:")
        st.info(plain(problem.fix))
        return None
    state[PLAN] = (wanted, plan)
    return plan


def changes_table(changes: ChangeSet, labels: dict, now: str, after: str, kind: str | None = None) -> None:
    """What a preview would do, a few hundred rows per kind of change; the counts above cover all.
    `labels`, `now`, `after` and `kind` are shown as given: translated by the caller."""
    kind = kind or _("Change")
    rows = [
        {_("Platform SKU"): change.platform_sku, kind: labels[status], now: format_bundle(change.before),
         after: format_bundle(change.after)}
        for status in labels
        for change in changes.changes(status, limit=PREVIEW_ROWS)
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        if any(changes.count(status) > PREVIEW_ROWS for status in labels):
            st.caption(_("Showing the first {count} of each kind of change; the counts above cover them all.",
                         count=format_number(PREVIEW_ROWS)))


def _apply(runtime: Runtime, plan: mapping_import.ImportPlan, discard: bool) -> None:
    state = st.session_state
    done = attempt(runtime.engine, lambda session: mapping_import.apply_plan(session, plan, actor=actor(), discard_rejected=discard),
                   key="mapping_import", conflict_fix=_("A new preview was made from the same file: check it, then apply again."),
                   forget=(PLAN,))  # the next run makes a new preview from the same file
    if done is None:
        return
    state.pop(PLAN, None)
    state.pop("mapping_grid", None)  # the grid shows the imported mappings
    state["mapping_file_version"] = state.get("mapping_file_version", 0) + 1  # empty the uploader
    report("mapping_import", "success", plan.summary())  # shown where the file was, under the uploader
    st.rerun()


def import_section(runtime: Runtime, store_id: int) -> None:
    can_edit = actor().can(Permission.edit_mappings)
    st.markdown(_("Upload a CSV or Excel file with the columns **Platform SKU** and **System SKU**, and **Quantity** if any row "
                  "maps more than one unit (without it every row counts 1; Chinese headers such as 平台SKU / 系统SKU / 数量 work too). "
                  "A bundle is several rows with the same platform SKU, or one cell like `SKU-A*1+SKU-B*2`. "
                  "You see what would change before anything is saved."))
    with session_scope(runtime.engine) as session:
        target = scope_label(session, store_id)
    if store_id == ALL_STORES:
        st.caption(_("The file is imported into the mapping for all stores: every store follows it for the SKUs it has no "
                     "mapping of its own for."))
    else:
        st.caption(_("The file is imported into the own mappings of {store}, which override the mapping for all stores for this "
                     "store. To import for every store, choose All stores (default) above.", store=plain(target)))
    templates(mapping_import.mapping_template, "mapping-template", "mapping_template")
    uploaded = spreadsheet_uploader(_("Mapping file"), key=_uploader_key(), command="python -m core mappings import FILE --store NAME")
    show_result("mapping_import")  # the import just applied (the uploader is empty again), or refused
    mode = st.radio(_("Mode"), list(MODES), format_func=shown_as(MODES), key="mapping_import_mode")
    if uploaded is None:
        return
    plan = _plan(runtime, store_id, uploaded, mode)
    if plan is None:
        return
    preview_summary(plan)
    changes_table(plan.changes, {ChangeKind.added: _("Add"), ChangeKind.changed: _("Change"), ChangeKind.removed: _("Remove")}, _("Now"),
                  _("After the import"))
    counts = plan.counts()
    discard = False
    if plan.errors:
        st.markdown(ngettext("**{count} row with problems**: its row number is as in the spreadsheet.",
                             "**{count} rows with problems**: row numbers as in the spreadsheet.", counts["rows_with_errors"],
                             count=format_number(counts["rows_with_errors"])))
        errors_table(plan.errors)
        st.download_button(_("Download the error report"), plan.error_report(), file_name=f"{PurePath(plan.filename).stem}-errors.csv",
                           mime="text/csv", icon=":material/download:", key="mapping_error_report")
        if can_edit and plan.changes.has_writes:
            discard = st.checkbox(ngettext("Skip the rows with problems ({count} platform SKU stays as it is) and import the rest",
                                           "Skip the rows with problems ({count} platform SKUs stay as they are) and import the rest",
                                           counts["platform_skus_rejected"], count=format_number(counts["platform_skus_rejected"])),
                                  key="mapping_import_discard")
    if not can_edit:
        st.caption(_("This is a preview only: applying an import needs the editor role."))
        return
    if not plan.changes.has_writes:  # the summary says why: nothing differs, or every differing row has a problem
        return
    if st.button(_("Apply import"), type="primary", icon=":material/upload:", key="mapping_import_apply", disabled=bool(plan.errors) and not discard,
                 help=_("Fix the rows with problems, or choose to skip them.") if plan.errors and not discard else None):
        _apply(runtime, plan, discard)
    show_result("mapping_import")


def preview_summary(plan: mapping_import.ImportPlan) -> None:
    """The one summary of a preview: every figure, rows with errors among them, and one sentence in the colour it deserves.
    Never green: nothing has happened yet. Red while rows are rejected and nothing else would change."""
    counts = plan.counts()
    figures = st.columns(5)
    for column, label, key in zip(figures, (_("To add"), _("To change"), _("To remove"), _("Unchanged"), _("Rows with errors")),
                                  ("added", "changed", "removed", "unchanged", "rows_with_errors")):
        column.metric(label, format_number(counts[key]))
    if plan.errors:
        (st.warning if plan.changes.has_writes else st.error)(plain(plan.summary()), icon=":material/warning:")  # quotes the file name
    else:
        st.info(plain(plan.summary()), icon=":material/info:")


def templates(make: Callable[[str], bytes], stem: str, key: str) -> None:
    """Download buttons for a template in CSV and XLSX."""
    columns = st.columns(2)
    for column, format in zip(columns, ("csv", "xlsx")):
        column.download_button(_("Template ({format})", format=format.upper()), make(format), file_name=f"{stem}.{format}", mime=MIME[format],
                               icon=":material/description:", key=f"{key}_{format}")


def export_section(runtime: Runtime, store_id: int, store_name: str) -> None:
    st.markdown(_("The mappings as a spreadsheet: one row per component, bundles as several rows with the same platform SKU. "
                  "Importing the file again changes nothing."))
    if store_id == ALL_STORES:
        st.caption(_("This exports the mapping for all stores."))
    else:
        st.caption(_("This exports the store's own mappings only; those it takes from all stores are exported with All stores "
                     "(default) chosen above."))
    stem = "all-stores" if store_id == ALL_STORES else "".join(c if c.isalnum() or c in "-_" else "-" for c in store_name).strip("-") or "store"

    def export(format: str) -> Callable[[], bytes]:
        def build() -> bytes:  # run only when the button is pressed: a big store's XLSX takes a while
            with session_scope(runtime.engine) as session:
                return export_mappings(session, store_id, format)
        return build

    columns = st.columns(2)
    for column, format in zip(columns, ("csv", "xlsx")):
        column.download_button(_("Export {format}", format=format.upper()), export(format), file_name=f"{stem}-mappings.{format}", mime=MIME[format],
                               icon=":material/download:", key=f"mapping_export_{format}", on_click="ignore")
