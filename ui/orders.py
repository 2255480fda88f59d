"""Orders and mappings on screen: reading a store's orders, the SKUs whose orders wait for a mapping (each with
"Map it"), and an order's explosion into system SKUs. Shared by the Orders page and the mapping page's section.

"Map it" is a deep link to the store's grid (`/mapping?store=NAME&tab=mappings&map=SKU`): the mapping page puts the
SKU in as a new row to fill in (ui.mapping_grid.map_in_grid). Nothing here decides what is blocked: the list is
core.orders.awaiting, computed from the stored order lines against the current mappings, and computed again as soon
as either changes (a mapping saved, orders read), so a SKU leaves it as soon as its mapping is saved.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core.access import Permission
from core.db.engine import session_scope
from core.i18n import _, format_date, format_datetime, format_number, ngettext, render
from core.mapping.listings import Listing
from core.mapping.pairing import suggestions as pairing
from core.mapping.repository import mapping_versions
from core.orders import awaiting, explode, sync
from core.orders.awaiting import BlockedSku
from core.runtime import Runtime
from ui import mapping_grid, mapping_suggestions
from ui.actions import attempt_workflow, report, show_result
from ui.identity import actor
from ui.text import plain

MAPPING_PAGE = "pages/mapping.py"
ORDERS_PAGE = "pages/orders.py"
TROUBLESHOOTING_PAGE = "pages/troubleshooting.py"
PAGE_SIZE = 20  # blocked SKUs per page of the list
PO_SHOWN = 3  # purchase order IDs shown beside a blocked SKU (core keeps up to 10)
PURCHASE_ORDER = "orders_po"  # the purchase order whose explosion is shown
STORE = "orders_store"  # the Orders page's store choice (0: all stores)
BLOCKED = "orders_blocked"  # store id -> (what it was computed at, its blocked SKUs)


@dataclass(frozen=True)
class Blocked:
    """One row of the list: a blocked SKU and the store it belongs to."""

    store_id: int
    store_name: str
    sku: BlockedSku


def map_it_params(store_name: str, sku: str) -> dict[str, str]:
    """The mapping page's address for "Map it": the store's grid with the SKU as a new row to fill in."""
    return {"store": store_name, "tab": "mappings", "map": sku}


def map_it(store_name: str, sku: str, *, where: st.delta_generator.DeltaGenerator | None = None) -> None:
    """The "Map it" link, for editors; a viewer is told who can map instead."""
    place = where if where is not None else st.container()
    if actor().can(Permission.edit_mappings):
        place.page_link(MAPPING_PAGE, label=_("Map it"), icon=":material/edit_note:", query_params=map_it_params(store_name, sku))
    else:
        place.caption(_("Mapping needs the editor role."))


def open_map_it(runtime: Runtime, store_id: int, sku: str) -> None:
    """What a "Map it" link does on the mapping page: the SKU goes into the store's grid as a new row, filled in with
    the product when automatic pairing has a safe suggestion for it (exact SKU, pairing rules), else left to fill in."""
    if not actor().can(Permission.edit_mappings):
        return  # a viewer's grid takes no new rows; the page still searches for the SKU
    kept = st.session_state.get(mapping_suggestions.RUNS, {})  # the Unmapped listings tab's: the catalog indexed once
    with session_scope(runtime.engine) as session:
        run, found = pairing.suggest(session, store_id, [Listing(sku)], reuse=kept.get(store_id), similar=False)
    st.session_state[mapping_suggestions.RUNS] = {store_id: run}
    suggestion = found.at(0) if len(found) else None
    if suggestion is None or not suggestion.safe():
        mapping_grid.map_in_grid(store_id, [sku])
        return
    best = suggestion.candidates[0]
    mapping_grid.map_in_grid(store_id, [sku], {sku: best.system_sku})
    report(mapping_grid.SAVE, "info", _("Automatic pairing suggests {system_sku} ({product}) for {sku}: {why}. It is filled in "
                                        "with a quantity of 1 and not saved yet: check the row, then press Save.",
                                        system_sku=best.system_sku, product=best.product_name, sku=sku, why=best.breakdown()))


# --------------------------------------------------------------------------- reading orders


def read_button(runtime: Runtime, store_id: int, days: int, *, enabled: bool = True) -> None:
    """"Read orders now": reads the store's recent orders from Walmart; the result shows beside the button."""
    key = f"orders_read_{store_id}"
    if not enabled:
        st.caption(_("This store is disabled, so its orders are not read."))
    if st.button(_("Read orders now"), icon=":material/cloud_download:", key="orders_read", type="primary", disabled=not enabled,
                 help=_("Reads this store's orders of the last {days} days from Walmart and keeps what mapping needs: "
                        "purchase order, date, and each line's SKU, product name and quantity. No customer details.", days=days)):
        with st.spinner(_("Reading the store's orders from Walmart…")):
            done = attempt_workflow(lambda: sync.read_orders(runtime, store_id, days=days), key=key)
        if done is not None:
            _report_read(key, done.result, days)
        st.rerun()  # the list above was drawn before this read
    show_result(key)


def read_all_button(runtime: Runtime, stores: Mapping[int, str], days: int) -> None:
    """"Read orders of every store": several stores at once, on the fleet check's bounded pool (core.orders.sync.read_many)."""
    key = "orders_read_all"
    if st.button(_("Read orders of every store"), icon=":material/cloud_download:", key=key,
                 help=_("Reads the orders of the last {days} days of every store with working keys, several at a time.", days=days)):
        with st.spinner(_("Reading the stores' orders from Walmart…")):
            done = attempt_workflow(lambda: list(sync.read_many(runtime, list(stores), days=days)), key=key)
        if done is not None:
            _report_many(key, done.result, len(stores))
        st.rerun()  # the list above was drawn before this read
    show_result(key)


def _report_many(key: str, results: list[sync.StoreOrders], asked: int) -> None:
    orders = sum(result.read.orders for result in results if result.read is not None)
    message = _("Read the orders of {stores}: {orders} in all.", stores=ngettext("{n} store", "{n} stores", len(results)),
                orders=ngettext("{n} order", "{n} orders", orders))
    short = [result.store_name for result in results if result.read is None or result.read.partial]
    left_out = asked - len(results)
    notes = []
    if short:
        notes.append(_("Not read in full: {names}. Choose the store above to see why.", names=", ".join(short)))
    if left_out:
        notes.append(ngettext("{n} store without working keys was left out.", "{n} stores without working keys were left out.", left_out))
    report(key, "warning" if short else "info" if left_out else "success", message, " ".join(notes))


def _report_read(key: str, read: sync.OrdersRead, days: int) -> None:
    counted = ngettext("{n} order", "{n} orders", read.orders)
    lines = ngettext("{n} line", "{n} lines", read.lines)
    if read.finding is not None and read.finding_faq:  # refused: the key lacks the Orders permission, or no longer works
        report(key, "failure", render(read.finding), _("The permission steps are linked below."))
    elif read.partial:  # cut short: what was read is kept, with what was stored before
        report(key, "warning", _("Only part of the orders were read ({orders}, {lines}): the list may miss some orders.",
                                 orders=counted, lines=lines), render(read.finding) if read.finding is not None else "")
    elif not read.orders:
        report(key, "info", _("Walmart has no orders for this store in the last {days} days.", days=days))
    else:
        report(key, "success", _("Read {orders} with {lines}.", orders=counted, lines=lines))


def last_read(runtime: Runtime, store_id: int) -> None:
    """When the store's orders were last read, and whether that read was whole; a missing permission links to its FAQ."""
    with session_scope(runtime.engine) as session:
        state = sync.last_read(session, store_id)
    if state is None:
        st.caption(_("Orders have not been read for this store yet: press Read orders now."))
        return
    st.caption(_("Orders last read {when}: {orders} from the last {days} days.", when=format_datetime(state.read_at),
                 orders=ngettext("{n} order", "{n} orders", state.orders_read), days=state.days))
    if state.finding is not None and state.finding_faq:
        st.warning(plain(render(state.finding)), icon=":material/lock:")  # may quote Walmart's correlation ID
        faq_link(state.finding_faq)
    elif state.partial:
        st.warning(plain(render(state.finding) if state.finding is not None else
                         _("That read was cut short, so some orders may be missing from the list. Read again later.")),
                   icon=":material/hourglass_top:")


def faq_link(entry_id: str) -> None:
    st.page_link(TROUBLESHOOTING_PAGE, label=_("How to switch on a missing permission (Troubleshooting)"), icon=":material/help:",
                 query_params={"faq": entry_id})


# --------------------------------------------------------------------------- orders awaiting mapping


def blocked_skus(runtime: Runtime, stores: Mapping[int, str]) -> list[Blocked]:
    """The blocked SKUs of these stores, most orders first (then most units, then the newest order)."""
    found: list[Blocked] = []
    with session_scope(runtime.engine) as session:
        read = sync.stores_read(session)  # a fleet of 2,000 stores costs one query for those never read
        for store_id, name in stores.items():
            if store_id in read:
                found += [Blocked(store_id, name, sku) for sku in _store_blocked(session, store_id)]
    found.sort(key=lambda row: (*awaiting.urgency(row.sku), row.store_name, row.sku.sku))  # several stores, ranked as one
    return found


def _store_blocked(session: Session, store_id: int) -> list[BlockedSku]:
    """One store's list, kept for the session while its mappings and its stored orders stand still: the mapping page
    reruns on every grid edit, and the list only changes when a mapping is saved or the orders are read again."""
    read = sync.last_read(session, store_id)
    key = (mapping_versions(session, store_id), read.read_at if read is not None else None)
    kept: dict[int, tuple[object, list[BlockedSku]]] = st.session_state.setdefault(BLOCKED, {})
    if store_id in kept and kept[store_id][0] == key:
        return kept[store_id][1]
    skus = awaiting.awaiting_mapping(session, store_id) if read is not None else []
    kept[store_id] = (key, skus)
    return skus


def awaiting_list(rows: Sequence[Blocked], *, key: str, with_store: bool, limit: int | None = None,
                  explode_button: bool = True) -> None:
    """The SKUs to map first: orders and units blocked, newest order, a few purchase orders, and "Map it" beside each.
    Paged; `limit` shows only the top rows (the mapping page's compact section)."""
    if limit is not None:
        shown = list(rows[:limit])
    else:
        pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
        number = min(st.session_state.get(f"{key}_page", 1), pages)
        shown = list(rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE])
    widths = [2, 3, 1, 1, 1.4, 3, 1.2] if with_store else [3, 1, 1, 1.4, 3, 1.2]
    header = st.columns(widths, vertical_alignment="bottom")
    titles = ([_("Store")] if with_store else []) + [_("Platform SKU"), _("Orders"), _("Units"), _("Newest order"),
                                                     _("Purchase orders"), ""]
    for column, title in zip(header, titles):
        column.markdown(f"**{title}**" if title else "")
    for index, row in enumerate(shown):
        cells = iter(st.columns(widths, vertical_alignment="center"))
        if with_store:
            next(cells).markdown(plain(row.store_name))
        sku_cell = next(cells)
        sku_cell.markdown(plain(row.sku.sku))
        if row.sku.product_name:
            sku_cell.caption(plain(row.sku.product_name))  # Walmart's product name: outside text
        next(cells).markdown(format_number(row.sku.orders))
        next(cells).markdown(format_number(row.sku.units))
        next(cells).markdown(format_date(row.sku.newest_order_date))
        orders_cell = next(cells)
        ids = row.sku.purchase_order_ids[:PO_SHOWN]
        if explode_button:
            with orders_cell.container(horizontal=True, gap="small"):
                for po in ids:
                    st.button(plain(po), key=f"{key}_po_{index}_{po}", type="tertiary", on_click=_show_order, args=(row.store_id, po))
        else:
            orders_cell.markdown(plain(", ".join(ids)))
        if row.sku.orders > len(ids):
            orders_cell.caption(_("and {n} more", n=format_number(row.sku.orders - len(ids))))
        map_it(row.store_name, row.sku.sku, where=next(cells))
    if limit is None and len(rows) > PAGE_SIZE:
        st.pagination(max(1, math.ceil(len(rows) / PAGE_SIZE)), key=f"{key}_page")


def _show_order(store_id: int, purchase_order_id: str) -> None:
    """Button callback: show this order's explosion, on its store's view (from All stores too)."""
    st.session_state[PURCHASE_ORDER] = purchase_order_id
    st.session_state["orders_po_store"] = store_id
    st.session_state[STORE] = store_id


def summary(rows: Sequence[Blocked]) -> None:
    """How much waits for a mapping, in two figures."""
    figures = st.columns(2)
    figures[0].metric(_("SKUs awaiting mapping"), format_number(len(rows)))
    figures[1].metric(_("Units blocked"), format_number(sum(row.sku.units for row in rows)),
                      help=_("Units ordered of SKUs that no mapping covers: they cannot be shipped until mapped."))


# --------------------------------------------------------------------------- explosion


def explosion(runtime: Runtime, store_id: int, store_name: str, purchase_order_id: str) -> None:
    """One order, line by line: each line's system SKUs and quantities (order quantity × quantity per unit)."""
    with session_scope(runtime.engine) as session:
        order = explode.explode_order(session, store_id, purchase_order_id)
    if order is None:
        st.info(_("There is no order {po} among the orders read for this store.", po=plain(purchase_order_id)), icon=":material/info:")
        return
    st.caption(_("Purchase order {po}, ordered {when}.", po=plain(purchase_order_id), when=format_datetime(order.order_date)))
    rows = []
    for line in order.lines:
        base = {"line": line.line_number, "sku": line.sku, "product_name": line.product_name, "ordered": line.quantity, "status": line.status}
        if line.components is None:
            rows.append({**base, "system_sku": "", "system_name": _("Not mapped: nothing to ship"), "per_unit": None, "to_ship": None})
            continue
        for component in line.components:
            rows.append({**base, "system_sku": component.system_sku, "system_name": component.product_name,
                         "per_unit": component.quantity_per_unit, "to_ship": component.quantity})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder="", column_config={
        "line": st.column_config.NumberColumn(_("Line"), width="small"),
        "sku": st.column_config.TextColumn(_("Platform SKU")),
        "product_name": st.column_config.TextColumn(_("Product on Walmart")),
        "ordered": st.column_config.NumberColumn(_("Ordered"), width="small"),
        "status": st.column_config.TextColumn(_("Line status"), width="small"),
        "system_sku": st.column_config.TextColumn(_("System SKU")),
        "system_name": st.column_config.TextColumn(_("Product")),
        "per_unit": st.column_config.NumberColumn(_("Per unit"), width="small"),
        "to_ship": st.column_config.NumberColumn(_("To ship"), width="small", help=_("Ordered × per unit.")),
    })
    unmapped = sorted({line.sku for line in order.lines if line.components is None})
    if unmapped:
        st.warning(ngettext("{n} SKU of this order has no mapping, so its line cannot be shipped.",
                            "{n} SKUs of this order have no mapping, so their lines cannot be shipped.", len(unmapped)),
                   icon=":material/link_off:")
        for sku in unmapped:
            cells = st.columns([3, 1], vertical_alignment="center")
            cells[0].markdown(plain(sku))
            map_it(store_name, sku, where=cells[1])


def order_picker(runtime: Runtime, store_id: int) -> str | None:
    """Pick one of the store's recent orders (or the one a purchase order button chose)."""
    state = st.session_state
    only_blocked = st.toggle(_("Only orders awaiting mapping"), key="orders_only_blocked")
    with session_scope(runtime.engine) as session:
        recent = explode.recent_orders(session, store_id, only_blocked=only_blocked, limit=200, offset=0)
    options = [order.purchase_order_id for order in recent]
    described = {order.purchase_order_id: _describe(order) for order in recent}
    if state.get("orders_po_store") not in (None, store_id):
        state.pop(PURCHASE_ORDER, None)  # chosen on another store
    chosen = state.get(PURCHASE_ORDER)
    if chosen and chosen not in options:
        options.insert(0, chosen)
    if not options:
        st.caption(_("No orders to show."))
        return None
    picked: str | None = st.selectbox(_("Purchase order"), options, key=PURCHASE_ORDER, index=None,
                                      format_func=lambda po: described.get(po, po), placeholder=_("Choose an order"))
    state["orders_po_store"] = store_id
    return picked


def _describe(order: explode.OrderSummary) -> str:
    text = _("{po} · {when} · {lines}", po=order.purchase_order_id, when=format_date(order.order_date),
             lines=ngettext("{n} line", "{n} lines", order.lines))
    if order.blocked_skus:
        text += " · " + ngettext("{n} SKU not mapped", "{n} SKUs not mapped", len(order.blocked_skus))
    return text


# --------------------------------------------------------------------------- the mapping page's section

SECTION_ROWS = 5  # the mapping page shows the top SKUs; the Orders page has them all


def mapping_section(runtime: Runtime, store_id: int, store_name: str) -> None:
    """On a store's mapping page: its SKUs whose orders wait for a mapping, the top few with "Map it"."""
    rows = blocked_skus(runtime, {store_id: store_name})
    if not rows:
        return
    title = ngettext("Orders awaiting mapping: {n} SKU", "Orders awaiting mapping: {n} SKUs", len(rows))
    with st.expander(title, icon=":material/pending_actions:", expanded=True):
        awaiting_list(rows, key="mapping_awaiting", with_store=False, limit=SECTION_ROWS, explode_button=False)
        more = _("See all of them on the Orders page") if len(rows) > SECTION_ROWS else _("Open the Orders page")
        st.page_link(ORDERS_PAGE, label=more, icon=":material/receipt_long:", query_params={"store": store_name})
