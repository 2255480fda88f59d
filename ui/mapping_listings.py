"""The store's Walmart listings that no mapping covers yet: neither the store's own nor the mapping for all stores."""
from __future__ import annotations

import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import _, format_number
from core.mapping import listings
from core.mapping.levels import ALL_STORES
from core.runtime import Runtime
from ui import mapping_grid, mapping_suggestions, pairing_rules
from ui.identity import actor
from ui.text import plain

REPORTS = "mapping_listings"  # store id -> the last report; read from Walmart only when asked


def unmapped_section(runtime: Runtime, store_id: int) -> None:
    state = st.session_state
    if store_id == ALL_STORES:
        st.info(_("Listings belong to a store: choose a store above to read its listings from Walmart. A listing that the "
                  "mapping for all stores covers counts as mapped in every store."), icon=":material/info:")
        with st.expander(_("Pairing rules for all stores"), icon=":material/rule:", expanded=True):
            pairing_rules.rules_section(runtime, ALL_STORES)
        return
    reports = state.setdefault(REPORTS, {})
    st.markdown(_("Reads the store's listings from Walmart with its keys and shows the ones no mapping covers yet: "
                  "orders for them cannot be fulfilled until they are mapped."))
    if st.button(_("Read listings from Walmart"), icon=":material/cloud_download:", key="mapping_listings_read"):
        try:
            with st.spinner(_("Reading the store's listings from Walmart…")):
                reports[store_id] = listings.find_unmapped(runtime, store_id)
        except StoreConnectError as problem:
            reports.pop(store_id, None)
            st.error(plain(problem.message), icon=":material/error:")  # may quote Walmart's own words
            st.info(plain(problem.fix))
            st.page_link("pages/stores.py", label=_("Open Store authorization"), icon=":material/key:")
            return
    with st.expander(_("Pairing rules"), icon=":material/rule:"):
        pairing_rules.rules_section(runtime, store_id)
    if store_id not in reports:
        return
    with session_scope(runtime.engine) as session:  # mapped since it was read? compare again
        report = reports[store_id] = listings.up_to_date(session, store_id, reports[store_id])
    figures = st.columns(3)
    figures[0].metric(_("Listings on Walmart"), format_number(len(report.scan.listings)))
    figures[1].metric(_("Mapped"), format_number(report.mapped),
                      help=_("By this store's own mappings or the mapping for all stores ({count} by all stores).",
                             count=format_number(report.by_default)))
    figures[2].metric(_("Not mapped"), format_number(len(report.unmapped)))
    if not report.scan.complete:
        st.warning(_("Walmart kept offering more pages than the {count} listings it reported, so reading stopped early: the list "
                     "may be incomplete. Read again later.", count=format_number(report.scan.total_reported))
                   if report.scan.total_reported else
                   _("Walmart kept offering more pages without saying how many listings there are, so reading stopped early: the "
                     "list may be incomplete. Read again later."))
    if not report.scan.listings:
        st.info(_("Walmart lists no items for this store."))
    elif not report.unmapped:
        st.success(_("Every listing is mapped."), icon=":material/check:")
    else:
        mapping_suggestions.suggestions_section(runtime, store_id, report)
        skus = [listing.sku for listing in report.unmapped]
        actions = st.columns([1, 3])
        if actor().can(Permission.edit_mappings):
            label = (_("Map in the grid") if len(skus) <= mapping_grid.PREFILL_LIMIT
                     else _("Map the first {count} in the grid", count=format_number(mapping_grid.PREFILL_LIMIT)))
            actions[0].button(label, icon=":material/edit_note:", key="mapping_listings_to_grid",
                              on_click=mapping_grid.map_in_grid, args=(store_id, skus),
                              help=_("Adds these listings to the Mappings tab as rows to fill in."))
        actions[1].download_button(_("Download as a mapping file to fill in"), report.mapping_sheet(), file_name="unmapped-listings.csv",
                                   mime="text/csv", icon=":material/download:", key="mapping_listings_download")
        st.caption(_("Map them in the grid, or fill in System SKU and Quantity in the downloaded file and import it on the Import tab."))
