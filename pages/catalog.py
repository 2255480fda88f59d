"""Product catalog: the OMS products (system SKUs) that mappings point at. Editors add and edit products one
at a time, or import a file. The address keeps the search (`/catalog?q=mug&active=1`)."""
import math
from pathlib import PurePath

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core import catalog
from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import _, format_number, ngettext
from ui import context
from ui.actions import report, run_action, show_result
from ui.identity import actor
from ui.links import Address, Linked, flag, last_page, page_number
from ui.mapping_files import errors_table, templates
from ui.text import plain
from ui.uploads import spreadsheet_uploader

PAGE_SIZE = 50
PREVIEW = "catalog_import_preview"
runtime = context.runtime()
state = st.session_state
can_edit = actor().can(Permission.edit_mappings)
address = Address("catalog", [Linked("q", "catalog_search"), flag("active", "catalog_active"), page_number("page", "catalog_page")])
if (followed := address.follow()).applied and "page" not in followed.applied:
    state["catalog_page"] = 1  # a link opens the first page of what it names, unless it names a page

st.title(_("Product catalog"))
st.caption(_("The OMS products a mapping may point at. Imports add new products and update existing ones; they never delete one."))

filters = st.columns([3, 1, 1], vertical_alignment="bottom")
search = filters[0].text_input(_("Search"), key="catalog_search", placeholder=_("Part of a SKU, product name or barcode"),
                               on_change=lambda: state.update(catalog_page=1))
active_only = filters[1].checkbox(_("Active only"), key="catalog_active", on_change=lambda: state.update(catalog_page=1))
with filters[2]:
    address.copy_link(address.publish(), key="copy_catalog_link")
with session_scope(runtime.engine) as session:
    size = catalog.catalog_size(session)
    number = state.get("catalog_page", 1)
    found = catalog.search_catalog(session, search, active_only=active_only, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    shared = len(catalog.shared_barcodes(session))
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    if (last := last_page("catalog_page", pages)) != number:  # a page past the end (an old link): the last one
        number = last
        found = catalog.search_catalog(session, search, active_only=active_only, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
if not size:
    st.info(_("The catalog is empty. Import your OMS product export below (or start from the template), or add products one by one."))
else:
    st.dataframe(
        pd.DataFrame({
            _("System SKU"): [p.system_sku for p in found.products],
            _("Product name"): [p.name for p in found.products],
            _("Barcode"): [p.barcode or "" for p in found.products],
            _("Shared barcode"): [p.barcode_shared for p in found.products],
            _("Active"): [p.active for p in found.products],
        }),
        hide_index=True, width="stretch",
        column_config={_("Shared barcode"): st.column_config.CheckboxColumn(
            help=_("Another product has the same barcode, so a Walmart listing with it is never paired automatically."))},
    )
    if pages > 1:
        st.pagination(pages, key="catalog_page")
    st.caption(ngettext("{matching} of {total} product matches; page {page} of {pages}.", "{matching} of {total} products match; page {page} of {pages}.",
                        size, matching=format_number(found.total), total=format_number(size), page=min(number, pages), pages=pages))
    if shared:
        st.warning(ngettext("{n} barcode is on more than one product. A listing with it gets those products as candidates to "
                            "choose from, never an automatic pairing.",
                            "{n} barcodes are on more than one product. A listing with one of them gets those products as "
                            "candidates to choose from, never an automatic pairing.", shared),
                   icon=":material/barcode:")


def product_fields(key: str, product: catalog.ProductView | None) -> tuple[str, str, bool]:
    name = st.text_input(_("Product name"), value=product.name if product else "", key=f"{key}_name", max_chars=catalog.NAME_MAX_LENGTH)
    barcode = st.text_input(_("Barcode"), value=(product.barcode or "") if product else "", key=f"{key}_barcode",
                            max_chars=catalog.BARCODE_MAX_LENGTH, help=_("UPC, EAN or GTIN; optional."))
    active = st.checkbox(_("Active"), value=product.active if product else True, key=f"{key}_active",
                         help=_("An inactive product stays in the catalog and in its mappings; the OMS no longer sells it."))
    return name, barcode, active


def add_product() -> None:
    version = state.get("product_form_version", 0)
    with st.form(f"add_product_{version}"):
        sku = st.text_input(_("System SKU"), key=f"add_product_sku_{version}", help=_("Exactly as the OMS writes it: it cannot be changed later."))
        name, barcode, active = product_fields(f"add_product_{version}", None)
        if st.form_submit_button(_("Add product"), type="primary", icon=":material/add:"):
            if run_action(runtime.engine, lambda s: catalog.add_product(s, sku, name, barcode, active, actor=actor()),
                          _("Product {sku} added.", sku=sku.strip()), key="add_product"):
                state["product_form_version"] = version + 1  # an empty form for the next one
                st.rerun()
        show_result("add_product")


def edit_product() -> None:
    if not found.products:
        st.caption(_("Search for the product above; the products shown there can be edited here."))
        return
    skus = [product.system_sku for product in found.products]
    sku = st.selectbox(_("Product"), skus, key="edit_product_sku", help=_("One of the products shown above."),
                       format_func=lambda chosen: next(f"{p.system_sku} · {p.name}" if p.name else p.system_sku
                                                       for p in found.products if p.system_sku == chosen))
    if sku is None:
        return
    product = next(p for p in found.products if p.system_sku == sku)
    version = state.get("product_form_version", 0)
    with st.form(f"edit_product_{version}_{sku}"):
        name, barcode, active = product_fields(f"edit_product_{version}", product)
        if st.form_submit_button(_("Save product"), type="primary", icon=":material/save:"):
            done = run_action(runtime.engine, lambda s: catalog.edit_product(s, sku, name=name, barcode=barcode, active=active, actor=actor()),
                              _("Product {sku} saved.", sku=sku), key="edit_product")
            if done:
                state["product_form_version"] = version + 1
                st.rerun()
        show_result("edit_product")


if can_edit:
    add_tab, edit_tab = st.columns(2)
    with add_tab, st.expander(_("Add a product"), icon=":material/add:"):
        add_product()
    with edit_tab, st.expander(_("Edit a product"), icon=":material/edit:", expanded=bool(state.get("edit_product_sku") and search)):
        edit_product()


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


st.subheader(_("Import products"))
if not can_edit:
    st.caption(_("Adding, editing and importing products needs the editor role."))
    templates(catalog.catalog_template, "catalog-template", "catalog_template")
    st.stop()
st.markdown(_("A CSV or Excel file with a **System SKU** column, and optionally **Product name**, **Barcode** and **Active** "
              "(yes/no). Blank cells leave what is already there. You see what would change before anything is saved."))
templates(catalog.catalog_template, "catalog-template", "catalog_template")
uploaded = spreadsheet_uploader(_("Product file"), key=f"catalog_file_{state.get('catalog_file_version', 0)}", command="python -m core catalog import FILE")
show_result("catalog_import")  # an import just applied (the uploader is empty again)
result = preview(uploaded) if uploaded is not None else None
if uploaded is not None and result is not None:
    rows_with_errors = len({e.row for e in result.errors})
    figures = st.columns(4)
    figures[0].metric(_("To add"), format_number(len(result.added)))
    figures[1].metric(_("To update"), format_number(len(result.updated)))
    figures[2].metric(_("Unchanged"), format_number(result.unchanged))
    figures[3].metric(_("Rows with errors"), format_number(rows_with_errors))
    if result.errors:  # nothing is imported while any row has a problem, so it never "matches"
        st.error(plain(result.summary()), icon=":material/error:")
        errors_table(result.errors)
        st.download_button(_("Download the error report"), result.error_report(), file_name=f"{PurePath(uploaded.name).stem}-errors.csv",
                           mime="text/csv", icon=":material/download:", key="catalog_error_report")
    elif not (result.added or result.updated):
        st.info(_("The catalog already matches this file: there is nothing to import."), icon=":material/info:")
    else:
        st.info(plain(result.summary()), icon=":material/info:")
        if st.button(_("Apply import"), type="primary", icon=":material/upload:", key="catalog_import_apply"):
            try:
                with session_scope(runtime.engine) as session:
                    applied = catalog.import_catalog(session, uploaded.getvalue(), uploaded.name, actor=actor())
            except StoreConnectError as problem:
                report("catalog_import", "failure", problem.message, problem.fix)
            else:
                state.pop(PREVIEW, None)
                state["catalog_file_version"] = state.get("catalog_file_version", 0) + 1  # empty the uploader
                report("catalog_import", "success", _("Imported '{file}': {summary}", file=uploaded.name, summary=applied.summary()))
                st.rerun()
        show_result("catalog_import")
