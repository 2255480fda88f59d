"""The System SKU picker beside the grid: find a catalog product by SKU or name, and put it in a row.

Beside the grid, not in it. A SelectboxColumn of catalog SKUs would send every SKU to the
browser on every run (at 50,000 products, a megabyte or more per rerun, and more again
in the column's identity) and its list can be searched only by SKU, not by product name.
Here the catalog is searched in the database (core.catalog.search_catalog: SKU, name or
barcode, any letter case) and only the first matches are offered, at any catalog size.
A System SKU typed into a row that is not a catalog product is searched for as typed,
so the picker offers suggestions for that row without anything more being typed.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import streamlit as st

from core.catalog import ProductView, search_catalog
from core.db.engine import session_scope
from core.i18n import _, format_number
from core.mapping.bundles import looks_like_bundle_cell
from core.mapping.draft import DraftRow
from core.runtime import Runtime
from ui.text import plain

MATCHES = 20  # products offered at once: enough to choose from, few enough to read


@dataclass(frozen=True)
class Target:
    """A grid row the picker can fill."""

    position: int  # 0-based, as shown in the grid ("#" is position + 1)
    row: DraftRow
    product_name: str  # what the grid shows for the row's System SKU; '' when it is no catalog product

    @property
    def wants_product(self) -> bool:
        """No System SKU yet, or one the catalog does not know: the row the picker is most likely meant for."""
        return not self.row.delete and (not self.row.system_sku.strip() or not self.product_name)

    @property
    def typed(self) -> str:
        """What was typed as the System SKU, when it is not a catalog product: suggestions are searched for with it."""
        sku = self.row.system_sku.strip()
        return sku if sku and not self.product_name and not looks_like_bundle_cell(sku) else ""

    def label(self) -> str:
        what = self.row.platform_sku or _("new row")
        has = self.row.system_sku or _("no System SKU yet")
        return f"#{self.position + 1} · {what} · {has}"


@dataclass(frozen=True)
class Pick:
    system_sku: str
    row: int  # the target's position


def _product_label(product: ProductView) -> str:
    label = f"{product.system_sku} — {product.name}" if product.name else product.system_sku
    return label + (" " + _("(inactive)") if not product.active else "")


def picker(runtime: Runtime, targets: list[Target], *, key: str, last_edited: int | None = None) -> Pick | None:
    """Draw the picker; the product and row chosen when "Put in row" is pressed, else None.

    The row offered first is the one just edited if it wants a product, else the first that does; it is
    offered afresh when that changes or the grid gets new rows (`key`, the grid's editor key).
    """
    with st.container(border=True, key="mapping_picker"):
        st.markdown(_("**System SKU from the catalog:** find a product by its SKU or name and put it in a row."))
        if not targets:
            st.caption(_("There are no rows to fill in. Add a row first."))
            return None
        parts = st.columns([2.2, 3, 3, 1.5], vertical_alignment="bottom")
        first = next((target.position for target in targets if target.wants_product), 0)
        if last_edited is not None and 0 <= last_edited < len(targets) and targets[last_edited].wants_product:
            first = last_edited
        row_labels = [target.label() for target in targets]  # translated now, in this run's language (see ui.labels)
        chosen = parts[2].selectbox(_("For row"), range(len(targets)), index=first, format_func=row_labels.__getitem__,
                                    key=f"mapping_pick_row_{key}_{first}", help=_("Rows are numbered as in the grid's # column."))
        target = targets[chosen if chosen is not None else first]
        typed = parts[0].text_input(_("Find a product"), key="mapping_pick_search", placeholder=_("Part of a SKU or product name"))
        wanted = typed.strip() or target.typed
        found = []
        total = 0
        if wanted:
            with session_scope(runtime.engine) as session:
                page = search_catalog(session, wanted, limit=MATCHES)
            found, total = page.products, page.total
        by_sku = {product.system_sku: product for product in found}
        # Keyed by what was searched for: new matches start at the best one, not at an answer to an older search.
        product_labels = {sku: _product_label(product) for sku, product in by_sku.items()}
        product = parts[1].selectbox(_("Product"), list(by_sku), format_func=product_labels.__getitem__,
                                     key=f"mapping_pick_product_{zlib.crc32(wanted.encode())}", placeholder=_("Type in Find a product first"),
                                     index=0 if by_sku else None)
        put = parts[3].button(_("Put in row"), key="mapping_pick_use", icon=":material/input:", disabled=product is None)
        if wanted and not typed.strip():
            st.caption(_("Suggestions for '{typed}', the System SKU typed in row {row}, which is not in the catalog.",
                         typed=plain(wanted), row=target.position + 1))
        if wanted and not found:
            st.caption(_("No product's SKU or name contains '{text}'.", text=plain(wanted)))
        elif total > len(found):
            st.caption(_("{total} products match; the first {shown} are listed. Type more to narrow it down.",
                         total=format_number(total), shown=len(found)))
    if put and product is not None:
        return Pick(product, target.position)
    return None
