"""Demo data: stores in every status, a catalog with barcodes, mappings with bundles, Walmart listings, pairing rules.

Acme Outdoor's unmapped listings show every pairing method on the Unmapped listings tab: an exact SKU
(SKU-0013), a SKU the rules for all stores turn into a system SKU (wm-sku-0014-us), a barcode (AO-88215
carries SKU-0015's GTIN, which the catalog holds as a UPC-12), a similar title (AO-MAPCASE-XL), an ambiguous
barcode (AO-POLE-01: two products share it) and two new listings nothing matches.

Acme Outdoor's recent orders (demo_orders, read once when seeding) fill the Orders page: SKUs no mapping covers
(WM-NEW-1 on most orders, and listings pairing has suggestions for), SKUs mapped only for all stores (not
blocked), and a 3-pack of socks ordered twice, which explodes into 2 x 3 = 6.

Everything goes through the same core functions the pages and the CLI use, as the
local demo operator, so the audit trail shows the seeding too.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

from core import catalog
from core.access import Actor, Role
from core.authorization import check as authorization
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import ALL_STORES, saved_id
from core.i18n import N_, _, ngettext
from core.mapping.imports import import_mappings
from core.mapping.pairing import rule_sets
from core.oauth import connect as oauth
from core.orders.sync import read_orders
from core.runtime import open_runtime
from core.spreadsheets.writers import write_csv
from core.stores import registry as stores
from fake_walmart import FakeWalmart, listing_item, order, order_line
from fake_walmart.samples import gtin_of

DEMO = Actor("demo seed", Role.admin, "local")
APP_ID, APP_SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Demo-app-secret_0123456789abcdefghijklmn"
FULL = None  # every scope full_access


def _key(number: int) -> tuple[str, str]:
    return f"{number:08x}-d3m0-4abc-8def-{number:012x}".replace("m", "0"), f"Demo-secret-{number:03d}-abcdefghijklmnopqrstuv"


# name, environment saved, how the fake gateway knows the key, scopes
STORES = [
    ("Acme Outdoor", "production", "production", FULL),
    ("Bright Kitchen", "production", "production", {"orders": "full_access", "item": "view_only", "inventory": "no_access"}),
    ("Cobalt Toys", "production", None, FULL),  # the key was reset by a colleague: Walmart no longer knows it
    ("Delta Books", "production", "sandbox", FULL),  # sandbox keys saved as production
    ("Echo Garden", "production", "production", FULL),  # rate limited at check time
    ("Fable Pets", "production", "production", FULL),  # Walmart unavailable at check time
    ("Indigo Crafts", "sandbox", "sandbox", FULL),  # never checked
    ("Juniper Sports", "production", "production", FULL),  # disabled
    ("Kestrel Games", "production", "production", FULL),  # Walmart says the key is not linked to the seller's channel
]
CHANNEL_MISMATCH = {"Kestrel Games"}
# Key pairs no store uses yet, to try each outcome of "Add a store" by hand: (outcome, how the fake gateway knows the key, scopes,
# channel match). The dashboard shows them (ui/demo_keys.py) and the demo prints them. Fake keys: they open nothing but the fake.
SPARE_KEYS = [
    ("authorized", "production", FULL, True),
    ("missing_permissions", "production", {"orders": "full_access", "item": "no_access", "inventory": "view_only"}, True),
    ("wrong_environment", "sandbox", FULL, True),
    ("channel_mismatch", "production", FULL, False),
    ("rejected", None, FULL, True),
]
SPARE_OUTCOMES = {
    "authorized": N_("Authorized"),
    "missing_permissions": N_("Missing permissions (some are not enabled)"),
    "wrong_environment": N_("Wrong environment (sandbox keys: save them as production)"),
    "channel_mismatch": N_("Not linked to the seller's channel"),
    "rejected": N_("Rejected (Walmart does not know these keys)"),
}
PRODUCTS = [(f"SKU-{n:04d}", name) for n, name in enumerate(
    ["Camping lantern", "Trail mug", "Fleece blanket", "Water bottle", "Hiking socks", "Rain poncho", "Headlamp", "Camp stool",
     "Compass", "First-aid kit", "Dry bag", "Tent pegs", "Sleeping mask", "Carabiner", "Fire starter", "Map case", "Trekking pole",
     "Trekking pole, pair"], start=1)]
# Each product's GTIN-14 (as Walmart sends it); the catalog file holds the UPC-12 form, which pairing reads as the same code.
GTINS = {sku: gtin_of(f"{88600010000 + n}") for n, (sku, _name) in enumerate(PRODUCTS, start=1)}
GTINS["SKU-0018"] = GTINS["SKU-0017"]  # one barcode on two products: a listing with it is ambiguous
# Mapped for all stores only (the default mapping): their orders are not blocked at Acme Outdoor.
DEFAULT_MAPPINGS = [["WM-GIFT-COMPASS", "SKU-0009", 1], ["WM-FIRSTAID-2", "SKU-0010", 2]]


def demo_orders(now_ms: int) -> list[dict]:
    """Acme Outdoor's recent orders: mapped SKUs, a bundle of 3 socks ordered twice (2 x 3 = 6 ship), SKUs mapped only
    for all stores, and SKUs no mapping covers (a new listing on most orders, listings pairing can suggest for)."""
    day, hour = 86_400_000, 3_600_000
    plan = [  # (hours ago, [(SKU, name, quantity, status)])
        (3, [("WM-3PACK-SOCKS", "Hiking socks, 3-pack", 2, "Created"), ("WM-NEW-1", "Picnic set (new listing)", 1, "Created")]),
        (7, [("WM-NEW-1", "Picnic set (new listing)", 2, "Acknowledged"), ("WM-0004", "Water bottle", 1, "Acknowledged")]),
        (20, [("WM-GIFT-COMPASS", "Compass gift box", 1, "Acknowledged"), ("AO-MAPCASE-XL", "Map case, waterproof XL", 1, "Acknowledged")]),
        (30, [("WM-NEW-1", "Picnic set (new listing)", 1, "Shipped"), ("WM-BUNDLE-CAMP", "Camp starter bundle", 1, "Shipped")]),
        (2 * 24, [("WM-FIRSTAID-2", "First-aid kit, 2-pack", 1, "Shipped"), ("wm-sku-0014-us", "Carabiner, 2-pack", 3, "Shipped")]),
        (3 * 24, [("WM-NEW-2", "Gift card (new listing)", 1, "Delivered")]),
        (4 * 24, [("WM-0001", "Camping lantern", 1, "Delivered"), ("WM-0002", "Trail mug", 4, "Delivered")]),
        (5 * 24, [("WM-NEW-1", "Picnic set (new listing)", 1, "Cancelled")]),  # cancelled: blocks nothing
        (9 * 24, [("AO-MAPCASE-XL", "Map case, waterproof XL", 2, "Delivered"), ("WM-0007", "Headlamp", 1, "Delivered")]),
    ]
    return [order(str(108_820_170_097_219 + number * 1_013), now_ms - hours * hour - number * 60_000,
                  [order_line(line + 1, sku, name, quantity, status) for line, (sku, name, quantity, status) in enumerate(lines)])
            for number, (hours, lines) in enumerate(plan)] + [
        order(str(108_820_170_000_001), now_ms - 40 * day, [order_line(1, "WM-OLD-1", "Old listing", 1, "Delivered")])]  # outside 14 days


PAIRING_RULES = 'ignore_case = true\nstrip_prefixes = ["WM-"]\nstrip_suffixes = ["-US"]\nremove_characters = " _"\n'


def spare_keys(gateway: FakeWalmart) -> list[dict[str, str]]:
    """Teach the fake gateway the spare keys; returns them for the dashboard and the terminal."""
    spares = []
    for number, (outcome, known_in, scopes, channel) in enumerate(SPARE_KEYS, start=101):
        client_id, secret = _key(number)
        if known_in:
            gateway.add_key(known_in, client_id, secret, scopes=scopes, is_channel_match=channel)
        spares.append({"outcome": outcome, "client_id": client_id, "client_secret": secret})
    return spares


def spare_keys_text(spares: list[dict[str, str]]) -> str:
    lines = [_("  {outcome}:\n    Client ID {client_id}\n    Client Secret {client_secret}", outcome=_(SPARE_OUTCOMES[spare["outcome"]]),
               client_id=spare["client_id"], client_secret=spare["client_secret"]) for spare in spares]
    return "\n".join([
        _("Spare keys to try in \"Add a store\" (Store authorization page), each with the outcome it gives:"), *lines,
        _("  Invalid keys (caught before anything is sent): paste the same value into both boxes."),
    ])


def seed(gateway: FakeWalmart, env: dict[str, str], fresh: bool = True) -> str:
    gateway.register_app(APP_ID, APP_SECRET, env["WALMART_OAUTH_REDIRECT_URI"])
    gateway.add_seller("100200300", partner_name="Harbor Tools LLC")
    gateway.add_seller("100200400", partner_name="Grove Home Inc")
    gateway.add_seller("100200500", partner_name="Kite Supplies (sandbox)")
    env["WALMART_OAUTH_CLIENT_ID"] = APP_ID
    for number, (name, _saved_as, known_in, scopes) in enumerate(STORES, start=1):
        if known_in:
            gateway.add_key(known_in, *_key(number), scopes=scopes, is_channel_match=name not in CHANNEL_MISMATCH)
    gateway.set_items("production", _key(1)[0], [
        listing_item(f"WM-{n:04d}", name, gtin=GTINS[sku]) for n, (sku, name) in enumerate(PRODUCTS[:12], start=1)
    ] + [
        listing_item("SKU-0013", "Sleeping mask"),  # exact
        listing_item("wm-sku-0014-us", "Carabiner, 2-pack"),  # the pairing rules
        listing_item("AO-88215", "Fire starter", gtin=GTINS["SKU-0015"]),  # barcode
        listing_item("AO-MAPCASE-XL", "Map case, waterproof XL"),  # similar
        listing_item("AO-POLE-01", "Trekking pole", gtin=GTINS["SKU-0017"]),  # ambiguous: two products have this barcode
        listing_item("WM-NEW-1", "Picnic set (new listing)"), listing_item("WM-NEW-2", "Gift card (new listing)"),
    ])
    gateway.set_orders("production", _key(1)[0], demo_orders(int(time.time() * 1000)))
    if not fresh:
        return _("Reusing the demo database from the last run.")

    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        for number, (name, environment, _known_in, _scopes) in enumerate(STORES, start=1):
            client_id, secret = _key(number)
            stores.add_store(session, runtime.vault, actor=DEMO, name=name, environment=environment, client_id=client_id,
                             client_secret=secret, notes="Demo store")
        stores.set_enabled(session, "Juniper Sports", False, actor=DEMO)
        oauth.save_app_secret(session, runtime.vault, runtime.settings, APP_SECRET, actor=DEMO)
        catalog.import_catalog(session, write_csv(["System SKU", "Product name", "UPC"], [[sku, name, GTINS[sku][2:]] for sku, name in PRODUCTS]),
                               "demo-catalog.csv", actor=DEMO)
        rule_sets.save_rule_set(session, ALL_STORES, PAIRING_RULES, actor=DEMO)
    with session_scope(runtime.engine) as session:
        acme = saved_id(stores.find_store(session, "Acme Outdoor"))
        rows = [[f"WM-{n:04d}", sku, 1] for n, (sku, _name) in enumerate(PRODUCTS[:12], start=1)]
        rows += [["WM-BUNDLE-CAMP", "SKU-0001", 1], ["WM-BUNDLE-CAMP", "SKU-0002", 2], ["WM-3PACK-SOCKS", "SKU-0005", 3]]
        import_mappings(session, acme, write_csv(["Platform SKU", "System SKU", "Quantity"], rows), "demo-mappings.csv", actor=DEMO)
        import_mappings(session, ALL_STORES, write_csv(["Platform SKU", "System SKU", "Quantity"], DEFAULT_MAPPINGS), "demo-default-mappings.csv",
                        actor=DEMO)

    # OAuth stores go through the real connect flow against the fake gateway.
    for name, seller in (("Harbor Tools", "100200300"), ("Grove Home", "100200400")):
        with session_scope(runtime.engine) as session:
            link = oauth.start_connect(session, runtime.settings, DEMO, new_store_name=name)
        redirect = gateway.approve(link.url, seller)
        oauth.complete_connect(runtime, oauth.parse_callback(redirect), DEMO)

    # A sandbox store connected as Walmart's Simulate App Connect does it: the code and Seller ID shown on screen, pasted.
    simulated = oauth.authorize_link(runtime.settings, APP_ID, oauth.new_state(), oauth.new_nonce())
    shown = parse_qs(urlparse(gateway.approve(simulated, "100200500")).query)
    oauth.connect_with_code(runtime, DEMO, code=shown["code"][0], seller_id=shown["sellerId"][0], new_store_name="Kite Supplies",
                            environment="sandbox")

    # One check each, in a fixed order, so the canned answers land on the intended store. Each is shown by its title.
    def check(name: str) -> str:
        return authorization.check_store(runtime, name).title

    titles = {name: check(name) for name in ("Acme Outdoor", "Bright Kitchen", "Cobalt Toys", "Delta Books", "Harbor Tools", "Kite Supplies", "Kestrel Games")}
    with session_scope(runtime.engine) as session:
        acme = saved_id(stores.find_store(session, "Acme Outdoor"))
    read = read_orders(runtime, acme)  # so the Orders page opens on SKUs awaiting mapping
    gateway.queue_response("production", "/v3/token", **gateway.rate_limited_answer(600))
    titles["Echo Garden"] = check("Echo Garden")
    gateway.queue_response("production", "/v3/token", **gateway.server_error_answer(503), times=3)
    titles["Fable Pets"] = check("Fable Pets")
    gateway.revoke_seller("100200400")  # the seller disconnected the app
    titles["Grove Home"] = check("Grove Home")
    runtime.engine.dispose()
    lines = [_("  {store}: {status}", store=name, status=title) for name, title in titles.items()]
    return "\n".join([_("Demo stores:"), *lines, _("  {store}: not checked yet", store="Indigo Crafts"),
                      _("  {store}: disabled", store="Juniper Sports"),
                      ngettext("Acme Outdoor: {n} recent order read, {blocked} SKUs awaiting mapping",
                               "Acme Outdoor: {n} recent orders read, {blocked} SKUs awaiting mapping", read.orders,
                               blocked=read.blocked)])

