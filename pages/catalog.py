"""Product catalog: the OMS products (system SKUs) that mappings point at."""
import math
from pathlib import PurePath

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core import catalog
from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import _, ngettext
from core.spreadsheets.limits import MB, UPLOAD_LIMITS
from ui import context
from ui.actions import show_flash
from ui.identity import actor
from ui.mapping_files import errors_table, templates
from ui.text import plain

PAGE_SIZE = 50
PREVIEW = "catalog_import_preview"
runtime = context.runtime()
state = st.session_state
can_edit = actor().can(Permission.edit_mappings)

st.title("Product catalog")
show_flash()
st.caption("The OMS products a mapping may point at. Imports add new products and update existing ones; they never delete one.")

filters = st.columns([3, 1], vertical_alignment="bottom")
search = filters[0].text_input("Search", key="catalog_search", placeholder="Part of a SKU, product name or barcode",
                               on_change=lambda: state.update(catalog_page=1))
active_only = filters[1].checkbox("Active only", key="catalog_active", on_change=lambda: state.update(catalog_page=1))
with session_scope(runtime.engine) as session:
    size = catalog.catalog_size(session)
    number = state.get("catalog_page", 1)
    found = catalog.search_catalog(session, search, active_only=active_only, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    shared = len(catalog.shared_barcodes(session))
pages = max(1, math.ceil(found.total / PAGE_SIZE))
if not size:
    st.info("The catalog is empty. Import your OMS product export below (or start from the template).")
else:
    st.dataframe(
        pd.DataFrame({
            "System SKU": [p.system_sku for p in found.products],
            "Product name": [p.name for p in found.products],
            "Barcode": [p.barcode or "" for p in found.products],
            _("Shared barcode"): [p.barcode_shared for p in found.products],
            "Active": [p.active for p in found.products],
        }),
        hide_index=True, width="stretch",
        column_config={_("Shared barcode"): st.column_config.CheckboxColumn(
            help=_("Another product has the same barcode, so a Walmart listing with it is never paired automatically."))},
    )
    if pages > 1:
        st.pagination(pages, key="catalog_page")
    st.caption(f"{found.total:,} of {size:,} product(s) match; page {min(number, pages)} of {pages}.")
    if shared:
        st.warning(ngettext("{n} barcode is on more than one product. A listing with it gets those products as candidates to "
                            "choose from, never an automatic pairing.",
                            "{n} barcodes are on more than one product. A listing with one of them gets those products as "
                            "candidates to choose from, never an automatic pairing.", shared),
                   icon=":material/barcode:")


def preview(uploaded: UploadedFile) -> catalog.CatalogImportResult | None:
    """The dry run for this file, made once and kept until the file changes."""
    kept = state.get(PREVIEW)
    if kept and kept[0] == uploaded.file_id:
        return kept[1]
    try:
        with session_scope(runtime.engine) as session:
            result = catalog.import_catalog(session, uploaded.getvalue(), uploaded.name, actor=actor(), dry_run=True)
    except StoreConnectError as problem:  # the file itself cannot be read: say why, change nothing
        st.error(_("The file was not imported: {problem}", problem=plain(problem.message)), icon=":material/error:")
        st.info(plain(problem.fix))
        return None
    state[PREVIEW] = (uploaded.file_id, result)
    return result


st.subheader("Import products")
if not can_edit:
    st.caption("Importing products needs the editor role.")
    templates(catalog.catalog_template, "catalog-template", "catalog_template")
    st.stop()
st.markdown("A CSV or Excel file with a **System SKU** column, and optionally **Product name**, **Barcode** and **Active** "
            "(yes/no). Blank cells leave what is already there. You see what would change before anything is saved.")
templates(catalog.catalog_template, "catalog-template", "catalog_template")
uploaded = st.file_uploader("Product file", type=["csv", "xlsx", "xls"], key=f"catalog_file_{state.get('catalog_file_version', 0)}",
                            max_upload_size=UPLOAD_LIMITS.max_bytes // MB)
result = preview(uploaded) if uploaded is not None else None
if uploaded is not None and result is not None:
    figures = st.columns(3)
    figures[0].metric("To add", f"{len(result.added):,}")
    figures[1].metric("To update", f"{len(result.updated):,}")
    figures[2].metric("Unchanged", f"{result.unchanged:,}")
    if result.errors:
        st.warning(result.summary())
        errors_table(result.errors)
        st.download_button("Download the error report", result.error_report(), file_name=f"{PurePath(uploaded.name).stem}-errors.csv",
                           mime="text/csv", icon=":material/download:", key="catalog_error_report")
    elif not (result.added or result.updated):
        st.success("The catalog already matches this file: there is nothing to import.", icon=":material/check:")
    else:
        st.info(result.summary())
        if st.button("Apply import", type="primary", icon=":material/upload:", key="catalog_import_apply"):
            try:
                with session_scope(runtime.engine) as session:
                    applied = catalog.import_catalog(session, uploaded.getvalue(), uploaded.name, actor=actor())
            except StoreConnectError as problem:
                st.error(plain(problem.message), icon=":material/error:")
                st.info(plain(problem.fix))
            else:
                state.pop(PREVIEW, None)
                state["catalog_file_version"] = state.get("catalog_file_version", 0) + 1  # empty the uploader
                state["flash"] = f"Imported '{uploaded.name}': {applied.summary()}"
                st.rerun()
