"""Items that look like the ones Walmart's Get All Items returns (walmart-orders-markets.md §2.1, walmart-api.md §10.2).

    listing_item("WM-0001", "Camping lantern", gtin="00886859944807")   # upc, wpid, shelf, price ... filled in
    sample_items(200, seed=1)                                            # a seller's catalogue of 200, deterministic

What makes them realistic, from the spec's 20-item example: `gtin` is always 14 digits with a valid GS1 check
digit; `upc` is `gtin[2:]` when the GTIN starts with 00 (a UPC-A) and "" when it holds an EAN-13 (starts with 0
and a country prefix); `wpid` is 12 characters of [0-9A-Z] starting with 0; SKUs are free seller strings, some
of them GTIN-like; some items are unpublished (with reasons) or retired. The fake must not know our code, so the
check digit is computed here.
"""
from __future__ import annotations

import hashlib
import json
import random

_WPID_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BRANDS = ["Acme", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Proseware", "Coho", "Lamna"]
_PRODUCTS = [("Camping lantern", "Camping Lanterns", "Sports & Outdoors"), ("Trail mug", "Camping Cookware", "Sports & Outdoors"),
             ("Fleece blanket", "Throw Blankets", "Home"), ("Water bottle", "Water Bottles", "Sports & Outdoors"),
             ("Hiking socks", "Mens Socks", "Clothing"), ("Rain poncho", "Rain Ponchos", "Clothing"),
             ("Headlamp", "Headlamps", "Sports & Outdoors"), ("Electronic cables", "Computer Cables & Connectors", "Electronics"),
             ("Men's rugged vest", "Mens Jackets & Outerwear", "Clothing"), ("Baby carrier sling", "Baby Carriers", "Baby")]
_DETAILS = ["Black", "Navy", "Red", "Olive", "Large", "Medium", "2-Pack", "Stainless Steel", "Waterproof", "LED"]
_UNPUBLISHED = ["No shipping information was set up. Please re - ingest this item with a shipping price if you are submitting an over - ride.",
                "You did not assign a tax code to your listing during item setup. Please re-ingest your item with a valid tax code."]


def check_digit(data: str) -> int:
    """GS1: weights 3, 1, 3, ... from the rightmost data digit; (10 - sum mod 10) mod 10."""
    return (10 - sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(data))) % 10) % 10


def gtin_of(data: str) -> str:
    """The GTIN-14 Walmart would send for these data digits (11 for a UPC-A, 12 for an EAN-13): padded, check digit added."""
    code = data + str(check_digit(data))
    return code.rjust(14, "0")


def upc_of(gtin: str) -> str:
    """Walmart's `upc` beside a `gtin`: the UPC-A when the GTIN holds one (starts with 00), else "" (§2.1)."""
    return gtin[2:] if gtin.startswith("00") and len(gtin) == 14 else ""


def wpid_of(sku: str) -> str:
    """A stable Walmart Product ID for a SKU: 12 characters of [0-9A-Z], starting with 0 like every example."""
    digest = hashlib.sha256(sku.encode("utf-8")).digest()
    return "0" + "".join(_WPID_CHARACTERS[byte % len(_WPID_CHARACTERS)] for byte in digest[:11])


def listing_item(sku: str, name: str, *, gtin: str = "", upc: str | None = None, product_type: str = "default",
                 shelf: tuple[str, ...] = ("Home Page",), price: float = 19.99, published: str = "PUBLISHED",
                 lifecycle: str = "ACTIVE", **extra: object) -> dict:
    """One item as /v3/items lists it. `upc` defaults to what Walmart derives from the GTIN ("" when there is none)."""
    item: dict = {"mart": "WALMART_US", "sku": sku, "condition": "New", "wpid": wpid_of(sku), "upc": upc_of(gtin) if upc is None else upc,
                  "gtin": gtin, "productName": name, "shelf": json.dumps(list(shelf)), "productType": product_type,
                  "price": {"currency": "USD", "amount": price}, "publishedStatus": published, "lifecycleStatus": lifecycle}
    if published != "PUBLISHED":
        item["unpublishedReasons"] = {"reason": _UNPUBLISHED[:1]}
    item.update(extra)
    return item


def sample_items(count: int, *, seed: int = 0, prefix: str = "") -> list[dict]:
    """A seller's catalogue of `count` items, the same for the same seed: about a third sold under an EAN-13
    (upc ""), a few with GTIN-like SKUs, one in ten unpublished and one in twenty retired."""
    rng = random.Random(seed)
    items: list[dict] = []
    for number in range(count):
        name, product_type, department = rng.choice(_PRODUCTS)
        brand, detail = rng.choice(_BRANDS), rng.choice(_DETAILS)
        if rng.random() < 0.35:  # an EAN-13 (a European maker): Walmart sends upc ""
            gtin = gtin_of(f"{rng.choice(['40', '50', '56', '69', '80'])}{rng.randint(10**9, 10**10 - 1)}")
        else:  # a UPC-A: gtin is 00 + the UPC
            gtin = gtin_of(f"{rng.randint(10**10, 10**11 - 1)}")
        sku = gtin if rng.random() < 0.05 else f"{prefix}{brand[:3].upper()}-{rng.randint(1000, 99999)}-{number:04d}"
        roll = rng.random()
        items.append(listing_item(
            sku, f"{brand} {name}, {detail}", gtin=gtin, product_type=product_type, shelf=("Home Page", department, product_type),
            price=round(rng.uniform(3, 120), 2), published="UNPUBLISHED" if roll < 0.10 else "PUBLISHED",
            lifecycle="RETIRED" if 0.10 <= roll < 0.15 else "ACTIVE"))
    return items


_CITIES = [("Bentonville", "AR", "72712"), ("Sunnyvale", "CA", "94086"), ("Hoboken", "NJ", "07030"), ("Austin", "TX", "78701"),
           ("Columbus", "OH", "43215"), ("Denver", "CO", "80202")]
_NAMES = ["Jordan Lee", "Sam Rivera", "Alex Kim", "Taylor Brooks", "Morgan Diaz", "Casey Nguyen"]


def order_line(line_number: int | str, sku: str, name: str, quantity: int = 1, status: str = "Acknowledged", *,
               price: float = 19.99, status_date: int | None = None) -> dict:
    """One line of an order as /v3/orders sends it: quantities as strings, a status bucket, the item's price."""
    return {
        "lineNumber": str(line_number),
        "item": {"productName": name, "sku": sku},
        "charges": {"charge": [{"chargeType": "PRODUCT", "chargeName": "ItemPrice",
                                "chargeAmount": {"currency": "USD", "amount": round(price * quantity, 2)},
                                "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": round(price * quantity * 0.08, 2)}}}]},
        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
        "statusDate": status_date or 0,
        "orderLineStatuses": {"orderLineStatus": [{"status": status, "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)}}]},
    }


def order(purchase_order_id: str, order_date_ms: int, lines: list[dict], *, customer_order_id: str | None = None,
          ship_node_type: str = "SellerFulfilled", seed: int = 0) -> dict:
    """An order as /v3/orders sends it (§1.4, §1.6): epoch-millisecond dates, a relay e-mail, and shipping
    information with a made-up name and address (the schema requires it; Store Connect must never keep it)."""
    rng = random.Random(f"{purchase_order_id}-{seed}")
    city, state, postal = rng.choice(_CITIES)
    for line in lines:
        line["statusDate"] = line.get("statusDate") or order_date_ms + 3_600_000
    return {
        "purchaseOrderId": purchase_order_id,
        "customerOrderId": customer_order_id or str(200_000_000_000_000 + int(hashlib.sha256(purchase_order_id.encode()).hexdigest()[:10], 16) % 10**12),
        "customerEmailId": hashlib.md5(purchase_order_id.encode()).hexdigest().upper() + "@relay.walmart.com",  # noqa: S324 - a fake address
        "orderDate": order_date_ms,
        "shippingInfo": {"phone": f"{rng.randint(200, 999)}5550{rng.randint(100, 199)}", "estimatedDeliveryDate": order_date_ms + 5 * 86_400_000,
                         "estimatedShipDate": order_date_ms + 86_400_000, "methodCode": "Standard",
                         "postalAddress": {"name": rng.choice(_NAMES), "address1": f"{rng.randint(1, 9999)} Main Street", "address2": None,
                                           "city": city, "state": state, "postalCode": postal, "country": "USA", "addressType": "RESIDENTIAL"}},
        "orderLines": {"orderLine": lines},
        "shipNode": {"type": ship_node_type},
    }


def sample_orders(count: int, products: list[tuple[str, str]], *, now_ms: int, days: int = 14, lines_per_order: tuple[int, int] = (1, 7),
                  seed: int = 0, first_id: int = 108_820_170_000_000) -> list[dict]:
    """`count` orders over the last `days` days, each with lines of random (sku, name) `products`, quantities 1-3,
    mostly Acknowledged or Shipped, a few Cancelled; the same for the same seed. Purchase order IDs have 15 digits."""
    rng = random.Random(seed)
    statuses = ["Created", "Acknowledged", "Acknowledged", "Shipped", "Shipped", "Delivered", "Cancelled"]
    orders = []
    for number in range(count):
        date = now_ms - rng.randint(0, days * 86_400_000 - 60_000)
        chosen = rng.sample(products, min(len(products), rng.randint(*lines_per_order)))
        lines = [order_line(position + 1, sku, name, rng.choice((1, 1, 1, 2, 3)), rng.choice(statuses), price=round(rng.uniform(3, 80), 2))
                 for position, (sku, name) in enumerate(chosen)]
        orders.append(order(str(first_id + number * 7), date, lines, seed=seed))
    return orders
