"""Product mapping: which OMS products ship for each Walmart listing, made for all stores (the default) or for one store.

The address keeps the level, the tab and the grid's search: `/mapping?store=Acme%20Outdoor&tab=import`,
`/mapping?store=all&q=WM-1&bundles=1`; `sku=` is taken as a search too (links that name one SKU), and `map=` names a
platform SKU to map: the grid gets it as a new row to fill in, searched for ("Map it" on the Orders page).
"""
import streamlit as st

from core import catalog
from core.db.engine import session_scope
from core.i18n import N_, _, format_number
from core.mapping.levels import ALL_STORES
from core.stores import registry as stores
from ui import context, mapping_clone, mapping_counts, mapping_files, mapping_grid, mapping_history, mapping_listings, orders
from ui.links import Address, Linked, flag, page_number, store_choice, words
from ui.text import plain

runtime = context.runtime()
state = st.session_state
# Tab -> its word in the address; the label is translated where shown, the word never changes.
TABS = {"mappings": N_("Mappings"), "import": N_("Import"), "export": N_("Export"), "clone": N_("Clone"), "unmapped": N_("Unmapped listings"),
        "history": N_("History")}
ALL_STORES_WORD = "all"  # the default level in the address, whatever the language

st.title(_("Product mapping"))

with session_scope(runtime.engine) as session:
    names = {store.id: store.name for store in stores.store_choices(session)}
    products = catalog.catalog_size(session)
if not names:
    st.info(_("There are no stores yet. Add one first; its mappings are managed here."))
    st.page_link("pages/stores.py", label=_("Store authorization"), icon=":material/key:")
    st.stop()

# The level: the mapping made for all stores, or one store's (its own mappings override the default).
levels = {ALL_STORES: _("All stores (default)"), **names}
labels = {word: _(label) for word, label in TABS.items()}
address = Address("mapping", [
    store_choice("store", "mapping_store", names, everything=(ALL_STORES_WORD, ALL_STORES)),
    words("tab", "mapping_tab", labels),
    Linked("q", "mapping_search"),
    flag("bundles", "mapping_bundles"),
    page_number("page", "mapping_page"),  # the grid's page
])
followed = address.follow()
if (sku := st.query_params.get("sku")) is not None:  # a link naming one platform SKU: search the grid for it
    state["mapping_search"] = sku
    followed.applied.add("q")
    if "tab" not in followed.applied:
        state["mapping_tab"] = labels["mappings"]
if (to_map := st.query_params.get("map", "").strip()) and state.get("mapping_store") in names:
    # "Map it": the SKU as a row to fill in at the top of the store's grid (editors only: the grid adds it for them).
    # Read from the address directly, not through `address`: the page takes it out of the address afterwards, so the
    # same link opened again (after a discard) is new again.
    orders.open_map_it(runtime, state["mapping_store"], to_map)
    state["mapping_search"] = to_map
    state["mapping_tab"] = labels["mappings"]
    followed.applied.add("q")
if followed.applied and "page" not in followed.applied:
    state["mapping_page"] = 1  # a link opens the first page of what it names, unless it names a page

heading = st.columns([4, 1], vertical_alignment="bottom")
# Kept for the session (persist_state), so that coming back to the page shows the same level, search and page; the
# first time, the level with unsaved grid edits if there is one.
unsaved = mapping_grid.level_with_edits()
store_id = heading[0].selectbox(_("Mappings for"), list(levels), index=list(levels).index(unsaved) if unsaved in levels else 1,
                                format_func=lambda chosen: levels[chosen], key="mapping_store", persist_state="session",
                                on_change=lambda: state.update(mapping_page=1),
                                help=_("All stores: the default mapping, used by every store that has no mapping of its own for a SKU. "
                                       "A store: its own mappings, which override the default for that store."))
if store_id is None:  # never: there are levels to choose from
    st.stop()
if "store" in followed.unusable:
    st.warning(_("There is no store called '{name}'; the link may be older than a rename. Pick the store above.",
                 name=plain(st.query_params.get("store", ""))), icon=":material/link_off:")
if not products:
    st.warning(_("The product catalog is empty, and a mapping can only point at a catalog product. Import the catalog first."))
    st.page_link("pages/catalog.py", label=_("Product catalog"), icon=":material/inventory_2:")

with session_scope(runtime.engine) as session:
    covered = mapping_counts.coverage(session, runtime.settings.database_url, store_id)  # kept while the mappings stand still
figures = st.columns(4 if store_id != ALL_STORES else 3)
figures[0].metric(_("Mapped platform SKUs"), format_number(covered.platform_skus))
figures[1].metric(_("Bundles"), format_number(covered.bundles), help=_("Platform SKUs that ship more than one unit."))
figures[2].metric(_("Components"), format_number(covered.components), help=_("Rows in all: one per system SKU of each mapping."))
if store_id != ALL_STORES:
    figures[3].metric(_("From all stores"), format_number(covered.from_default),
                      help=_("Mapped platform SKUs this store takes from the mapping for all stores (counted above)."))

if store_id != ALL_STORES:
    orders.mapping_section(runtime, store_id, names[store_id])  # what orders wait for: the SKUs to map first

# The tabs remember which one is open, so a rerun (an upload, a save) stays on it. All of them
# still run: widgets in a tab that did not run would lose their state (a search, an uploaded file).
# They are driven through session state (st.tabs' key), and ui/links writes the open one into the
# address as a fixed word: Streamlit's bind="query-params" would write the translated label instead.
grid_tab, import_tab, export_tab, clone_tab, unmapped_tab, history_tab = st.tabs(list(labels.values()), key="mapping_tab", on_change="rerun")
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
with history_tab:
    mapping_history.history_section(runtime, store_id)

shown = address.publish({"tab": state.get("mapping_tab") or labels["mappings"]})
for taken in ("sku", "map"):
    if taken in st.query_params:
        del st.query_params[taken]  # now the search (q) holds it, and the grid the row to fill in
with heading[1]:
    address.copy_link(shown, key="copy_mapping_link", note=_("This address opens these mappings on the same tab, with the same search."))
