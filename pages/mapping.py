"""Product mapping: which OMS products ship for each Walmart listing of a store.

The address keeps the store, the tab and the grid's search: `/mapping?store=Acme%20Outdoor&tab=import`,
`/mapping?store=...&q=WM-1&bundles=1`; `sku=` is taken as a search too (links that name one SKU).
"""
import streamlit as st

from core import catalog
from core.db.engine import session_scope
from core.i18n import N_, _, format_number
from core.mapping import repository as mapping
from core.stores import registry as stores
from ui import context, mapping_clone, mapping_files, mapping_grid, mapping_listings
from ui.links import Address, Linked, flag, words
from ui.text import plain

runtime = context.runtime()
state = st.session_state
# Tab -> its word in the address; the label is translated where shown, the word never changes.
TABS = {"mappings": N_("Mappings"), "import": N_("Import"), "export": N_("Export"), "clone": N_("Clone"), "unmapped": N_("Unmapped listings")}

st.title(_("Product mapping"))

with session_scope(runtime.engine) as session:
    names = {store.id: store.name for store in stores.list_stores(session)}
    products = catalog.catalog_size(session)
if not names:
    st.info(_("There are no stores yet. Add one first; its mappings are managed here."))
    st.page_link("pages/stores.py", label=_("Store authorization"), icon=":material/key:")
    st.stop()

by_name = {name.casefold(): store_id for store_id, name in names.items()}


def store_of(text: str) -> int | None:
    """The store a link names: by name (any letter case), or by ID when no store has that name."""
    wanted = text.strip()
    found = by_name.get(wanted.casefold())
    return found if found is not None else int(wanted) if wanted.isdigit() and int(wanted) in names else None


labels = {word: _(label) for word, label in TABS.items()}
address = Address("mapping", [
    Linked("store", "mapping_store", store_of, lambda chosen: names.get(chosen, "")),
    words("tab", "mapping_tab", labels),
    Linked("q", "mapping_search"),
    flag("bundles", "mapping_bundles"),
])
followed = address.follow()
if (sku := st.query_params.get("sku")) is not None:  # a link naming one platform SKU: search the grid for it
    state["mapping_search"] = sku
    followed.applied.add("q")
    if "tab" not in followed.applied:
        state["mapping_tab"] = labels["mappings"]
if followed.applied:
    state["mapping_page"] = 1  # a link opens the first page of what it names

heading = st.columns([4, 1], vertical_alignment="bottom")
store_id = heading[0].selectbox(_("Store"), list(names), format_func=lambda chosen: names[chosen], key="mapping_store",
                                on_change=lambda: state.update(mapping_page=1))
if store_id is None:  # never: there are stores to choose from
    st.stop()
if "store" in followed.unusable:
    st.warning(_("There is no store called '{name}'; the link may be older than a rename. Pick the store above.",
                 name=plain(st.query_params.get("store", ""))), icon=":material/link_off:")
if not products:
    st.warning(_("The product catalog is empty, and a mapping can only point at a catalog product. Import the catalog first."))
    st.page_link("pages/catalog.py", label=_("Product catalog"), icon=":material/inventory_2:")

with session_scope(runtime.engine) as session:
    covered = mapping.coverage(session, store_id)
figures = st.columns(3)
figures[0].metric(_("Mapped platform SKUs"), format_number(covered.platform_skus))
figures[1].metric(_("Bundles"), format_number(covered.bundles), help=_("Platform SKUs that ship more than one unit."))
figures[2].metric(_("Components"), format_number(covered.components), help=_("Rows in all: one per system SKU of each mapping."))

# The tabs remember which one is open, so a rerun (an upload, a save) stays on it. All of them
# still run: widgets in a tab that did not run would lose their state (a search, an uploaded file).
# They are driven through session state (st.tabs' key), and ui/links writes the open one into the
# address as a fixed word: Streamlit's bind="query-params" would write the translated label instead.
grid_tab, import_tab, export_tab, clone_tab, unmapped_tab = st.tabs(list(labels.values()), key="mapping_tab", on_change="rerun")
with grid_tab:
    mapping_grid.show(runtime, store_id)
with import_tab:
    mapping_files.import_section(runtime, store_id)
with export_tab:
    mapping_files.export_section(runtime, store_id, names[store_id])
with clone_tab:
    mapping_clone.clone_section(runtime, store_id, names)
with unmapped_tab:
    mapping_listings.unmapped_section(runtime, store_id)

shown = address.publish({"tab": state.get("mapping_tab") or labels["mappings"]})
if "sku" in st.query_params:
    del st.query_params["sku"]  # now the search (q) holds it
with heading[1]:
    address.copy_link(shown, key="copy_mapping_link", note=_("This address opens this store's mappings on the same tab, with the same search."))
