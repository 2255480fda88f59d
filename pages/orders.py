"""Orders: the SKUs whose Walmart orders wait for a mapping, most orders first, each with "Map it"; reading a store's
orders; and an order's explosion into system SKUs. The address keeps the store (`/orders?store=Acme`, `store=all`)."""
import streamlit as st

from core.db.engine import session_scope
from core.i18n import _
from core.orders import sync
from core.stores import registry as stores
from ui import context
from ui import orders as view
from ui.links import Address, store_choice
from ui.text import plain

runtime = context.runtime()
state = st.session_state
ALL = 0  # every store, in the address `store=all`
ALL_WORD = "all"
DAYS = sync.DEFAULT_DAYS  # the period read from Walmart

st.title(_("Orders"))
with session_scope(runtime.engine) as session:
    listed = stores.store_choices(session)  # names only: a fleet of thousands is one light query
names = {store.id: store.name for store in listed}
disabled = {store.id for store in listed if not store.enabled}
if not names:
    st.info(_("There are no stores yet. Add one first; its orders waiting for a mapping are shown here."))
    st.page_link("pages/stores.py", label=_("Store authorization"), icon=":material/key:")
    st.stop()

address = Address("orders", [store_choice("store", view.STORE, names, everything=(ALL_WORD, ALL))])
followed = address.follow()
choices = {ALL: _("All stores"), **names}
heading = st.columns([4, 1], vertical_alignment="bottom")
store_id = heading[0].selectbox(_("Store"), list(choices), format_func=lambda chosen: choices[chosen], key=view.STORE,
                                persist_state="session")
if store_id is None:
    st.stop()
if "store" in followed.unusable:
    st.warning(_("There is no store called '{name}'; the link may be older than a rename. Pick the store above.",
                 name=plain(st.query_params.get("store", ""))), icon=":material/link_off:")
shown = address.publish()
with heading[1]:
    address.copy_link(shown, key="copy_orders_link", note=_("This address opens the orders of the same store."))

# The list to work through comes first: orders that cannot ship until their SKU is mapped.
st.subheader(_("Orders awaiting mapping"))
chosen = names if store_id == ALL else {store_id: names[store_id]}
blocked = view.blocked_skus(runtime, chosen)
if blocked:
    view.summary(blocked)
    view.awaiting_list(blocked, key="orders_awaiting", with_store=store_id == ALL)
    st.caption(_("Most orders first. Map it opens the store's mapping grid with the SKU as a new row: fill in the system SKU "
                 "and quantity, save, and the SKU leaves this list. Press a purchase order to see it line by line."))
else:
    st.success(_("No order read is waiting for a mapping."), icon=":material/check_circle:")

if store_id == ALL:
    st.subheader(_("Read orders from Walmart"))
    view.read_all_button(runtime, {store_id: name for store_id, name in names.items() if store_id not in disabled}, DAYS)
    st.caption(_("Choose a store to see when its orders were last read and an order's system SKUs."))
    st.stop()

st.subheader(_("Read orders from Walmart"))
view.read_button(runtime, store_id, DAYS, enabled=store_id not in disabled)
view.last_read(runtime, store_id)

st.subheader(_("An order, line by line"))
purchase_order = view.order_picker(runtime, store_id)
if purchase_order:
    view.explosion(runtime, store_id, names[store_id], purchase_order)
