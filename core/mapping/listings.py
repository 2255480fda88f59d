"""A store's listings on Walmart (Get All Items, walmart-api.md §10) and which of them are not mapped yet.

    report = find_unmapped(runtime, store_id)   # pages through /v3/items with the store's token
    report.unmapped                               # listings whose SKU no mapping covers: neither the store's own nor the default

Paging follows §10.3: cursor `*` first, then each answer's nextCursor, 50 a page.
It stops when the cursor is missing or empty, a page is empty, Walmart answers 404
CONTENT_NOT_FOUND (no items), or after ceil(totalItems / 50) + 2 pages or a page
with no new SKU, since Walmart's cursor wording is ambiguous and must not loop forever.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from core.authorization.check import access_token_for
from core.errors import StoreConnectError
from core.i18n import N_, _
from core.mapping.columns import EXPORT_HEADER
from core.mapping.repository import mapped_platform_skus, mapping_versions, scope_platform_skus
from core.runtime import Runtime
from core.spreadsheets.writers import write_table
from core.stores.credential import StoreCredential, load_credential
from core.stores.registry import find_store
from core.walmart.client import CallRecord, ErrorKind, JsonObject, Token, WalmartClient, WalmartError

PAGE_LIMIT = 50  # the only documented bound (§10.1)
PAGES_WITHOUT_TOTAL = 4_000  # when Walmart gives no totalItems: 200,000 listings
NEXT_STEP = N_("Open Store authorization for this store and press Check now to see what Walmart says about its keys.")


class NoItemPermission(StoreConnectError):
    """The store's key (or OAuth authorization) may not read items."""


class ListingsUnavailable(StoreConnectError):
    """Walmart refused, limited or did not answer the listing call."""


@dataclass(frozen=True)
class Listing:
    sku: str
    product_name: str = ""
    gtin: str = ""
    upc: str = ""
    published_status: str = ""
    lifecycle_status: str = ""

    @classmethod
    def from_item(cls, item: JsonObject) -> Listing:
        text = lambda key: str(item.get(key) or "")  # noqa: E731  (Walmart sends "" or leaves fields out)
        return cls(str(item["sku"]), text("productName"), text("gtin"), text("upc"), text("publishedStatus"), text("lifecycleStatus"))

    def to_dict(self) -> dict[str, str]:
        """Walmart's own field names, as the seller sees them in Seller Center exports."""
        return {"sku": self.sku, "productName": self.product_name, "gtin": self.gtin, "upc": self.upc,
                "publishedStatus": self.published_status, "lifecycleStatus": self.lifecycle_status}


@dataclass
class ListingScan:
    listings: list[Listing]  # de-duplicated by SKU, in Walmart's order
    total_reported: int | None  # Walmart's totalItems
    pages: int
    complete: bool  # False when a loop guard stopped before Walmart said it was done
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def correlation_ids(self) -> list[str]:
        return [call.correlation_id for call in self.calls]


def list_listings(client: WalmartClient, environment: str, token: Token, *, limit: int = PAGE_LIMIT,
                  refresh: Callable[[], Token] | None = None) -> ListingScan:
    """Every listing of the token's seller. `refresh` gives a new token once if Walmart refuses this one
    (a cached token revoked by a key reset). Raises WalmartError."""
    seen: dict[str, Listing] = {}
    calls: list[CallRecord] = []
    cursor, pages, total, max_pages = "*", 0, None, PAGES_WITHOUT_TOTAL
    while True:
        try:
            items, next_cursor, reported, call = client.list_items_page(environment, token, cursor, limit)
        except WalmartError as error:
            calls.append(error.call)
            if error.kind != ErrorKind.credentials_refused or refresh is None:
                raise
            token, refresh = refresh(), None
            continue
        calls.append(call)
        pages += 1
        if total is None and reported is not None:
            total = reported
            max_pages = math.ceil(reported / limit) + 2
        before = len(seen)
        for item in items:
            sku = str(item.get("sku") or "")
            if sku and sku not in seen:
                seen[sku] = Listing.from_item(item)
        if not items or not next_cursor:
            return ListingScan(list(seen.values()), total, pages, True, calls)
        if pages >= max_pages or len(seen) == before:
            return ListingScan(list(seen.values()), total, pages, False, calls)
        cursor = next_cursor


def fetch_store_listings(runtime: Runtime, credential: StoreCredential) -> ListingScan:
    """The listings of a store, with its credential as `core.stores.credential.load_credential` gives it.

    Raises NoItemPermission when the key lacks the item permission, ListingsUnavailable
    for anything else Walmart or the network does; both say what to do next.
    """
    try:
        environment, token = access_token_for(runtime, credential)
        return list_listings(runtime.walmart, environment, token, refresh=lambda: access_token_for(runtime, credential, fresh=True)[1])
    except WalmartError as error:
        raise _plain(error) from None


def _plain(error: WalmartError) -> StoreConnectError:
    ticket = _(" (correlation ID {id})", id=error.call.correlation_id) if error.call.correlation_id else ""
    if error.kind == ErrorKind.forbidden:
        return NoItemPermission(
            _("Walmart would not list this store's items: its key does not have the Item permission{ticket}.", ticket=ticket),
            _("Ask the seller to enable the Item permission (view only is enough) on the key in Walmart's Developer Portal, "
              "or to approve item access when connecting the store again. Then check the store on the Store authorization page."),
        )
    if error.kind == ErrorKind.credentials_refused:
        return ListingsUnavailable(_("Walmart refused this store's keys when listing its items{ticket}.", ticket=ticket), _(NEXT_STEP))
    if error.kind == ErrorKind.rate_limited:
        when = (_("Try again after {time} UTC. Nothing is wrong with the keys.", time=f"{error.retry_at:%H:%M:%S}") if error.retry_at
                else _("Try again in a few minutes. Nothing is wrong with the keys."))
        return ListingsUnavailable(_("Walmart is limiting requests for this store's keys{ticket}.", ticket=ticket), when)
    return ListingsUnavailable(_("The store's listings could not be read: {problem}{ticket}", problem=error.message, ticket=ticket),
                               _("Try again in a few minutes. If it keeps failing, check the store on the Store authorization page."))


@dataclass
class UnmappedReport:
    scan: ListingScan
    unmapped: list[Listing]
    mapping_version: tuple[int, int] = (0, 0)  # the store's and the default's mapping versions the listings were compared with
    by_default: int = 0  # listings mapped only by the mapping for all stores (counted in `mapped`)

    @property
    def mapped(self) -> int:
        """Listings a mapping covers: the store's own, or the default for all stores."""
        return len(self.scan.listings) - len(self.unmapped)

    def rows(self) -> list[dict[str, str]]:
        return [listing.to_dict() for listing in self.unmapped]

    def mapping_sheet(self, format: str = "csv") -> bytes:
        """The unmapped SKUs as a mapping file with System SKU and Quantity left to fill in, ready to import."""
        return write_table(format, EXPORT_HEADER, [(listing.sku, "", "", listing.product_name) for listing in self.unmapped],
                           sheet_title="Mappings", widths=[24, 24, 10, 40])


def _compared(session: Session, store_id: int, scan: ListingScan) -> UnmappedReport:
    """Unmapped: the listings whose SKU no mapping covers, neither the store's own nor the default (exact match, as
    orders will be matched)."""
    version = mapping_versions(session, store_id)  # first: a change meanwhile makes the report look older, never newer
    skus = [listing.sku for listing in scan.listings]
    mapped = mapped_platform_skus(session, store_id, skus)
    own = scope_platform_skus(session, store_id, skus)
    return UnmappedReport(scan, [listing for listing in scan.listings if listing.sku not in mapped], version, len(mapped - own))


def up_to_date(session: Session, store_id: int, report: UnmappedReport) -> UnmappedReport:
    """The report, compared again with the mappings if the store's or the default's changed since; never calls Walmart."""
    if mapping_versions(session, store_id) == report.mapping_version:
        return report
    return _compared(session, store_id, report.scan)


def find_unmapped(runtime: Runtime, store_id: int) -> UnmappedReport:
    """Read the store's listings from Walmart and compare them with its mappings.

    A workflow: the credential is read in one transaction and the listings compared in
    another; Walmart is paged through with none open.
    """
    with runtime.transaction() as session:
        credential = load_credential(session, runtime.vault, find_store(session, store_id))
    scan = fetch_store_listings(runtime, credential)
    with runtime.transaction() as session:
        return _compared(session, store_id, scan)
