"""Product mapping: which OMS products ship for each Walmart listing, made for all stores (the default) or for one store."""
import streamlit as st

from core import catalog
from core.db.engine import session_scope
from core.i18n import _, format_number
from core.mapping import repository as mapping
from core.mapping.levels import ALL_STORES
from core.stores import registry as stores
from ui import context, mapping_clone, mapping_files, mapping_grid, mapping_listings
from ui.actions import show_flash

runtime = context.runtime()
state = st.session_state

st.title("Product mapping")
show_flash()

with session_scope(runtime.engine) as session:
    names = {store.id: store.name for store in stores.list_stores(session)}
    products = catalog.catalog_size(session)
if not names:
    st.info("There are no stores yet. Add one first; its mappings are managed here.")
    st.page_link("pages/stores.py", label="Store authorization", icon=":material/key:")
    st.stop()

# The level: the mapping made for all stores, or one store's (its own mappings override the default). A store is
# chosen at first, as before levels existed.
levels = {ALL_STORES: _("All stores (default)"), **names}
# Kept for the session (persist_state), so that coming back to the page shows the same level, search and page; the
# first time, the level with unsaved grid edits if there is one.
unsaved = mapping_grid.level_with_edits()
store_id = st.selectbox(_("Mappings for"), list(levels), index=list(levels).index(unsaved) if unsaved in levels else 1,
                        format_func=lambda chosen: levels[chosen], key="mapping_store", persist_state="session",
                        on_change=lambda: state.update(mapping_page=1),
                        help=_("All stores: the default mapping, used by every store that has no mapping of its own for a SKU. "
                               "A store: its own mappings, which override the default for that store."))
if store_id is None:  # never: there are levels to choose from
    st.stop()
if not products:
    st.warning("The product catalog is empty, and a mapping can only point at a catalog product. Import the catalog first.")
    st.page_link("pages/catalog.py", label="Product catalog", icon=":material/inventory_2:")

with session_scope(runtime.engine) as session:
    covered = mapping.coverage(session, store_id)
figures = st.columns(4 if store_id != ALL_STORES else 3)
figures[0].metric("Mapped platform SKUs", f"{covered.platform_skus:,}")
figures[1].metric("Bundles", f"{covered.bundles:,}", help="Platform SKUs that ship more than one unit.")
figures[2].metric("Components", f"{covered.components:,}", help="Rows in all: one per system SKU of each mapping.")
if store_id != ALL_STORES:
    figures[3].metric(_("From all stores"), format_number(covered.from_default),
                      help=_("Mapped platform SKUs this store takes from the mapping for all stores (counted above)."))

# The tabs remember which one is open, so a rerun (an upload, a save) stays on it. All of them
# still run: widgets in a tab that did not run would lose their state (a search, an uploaded file).
grid_tab, import_tab, export_tab, clone_tab, unmapped_tab = st.tabs(
    ["Mappings", "Import", "Export", "Clone", "Unmapped listings"], key="mapping_tab", on_change="rerun")
with grid_tab:
    mapping_grid.show(runtime, store_id)
with import_tab:
    mapping_files.import_section(runtime, store_id)
with export_tab:
    mapping_files.export_section(runtime, store_id, levels[store_id])
with clone_tab:
    mapping_clone.clone_section(runtime, store_id, levels)
with unmapped_tab:
    mapping_listings.unmapped_section(runtime, store_id)
