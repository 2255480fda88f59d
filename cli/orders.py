"""`python -m core orders ...`: which SKUs hold up recent orders, and what an order ships.

    orders unmapped --store NAME|--all [--days 14] [--json]   # reads the orders first; exit 0 nothing blocked, 1 something blocked
    orders explode --store NAME --purchase-order ID [--json]   # from the orders read last; exit 0 every line mapped, 1 a line unmapped

`unmapped` exits 1 as well when a store's orders could not be read (a missing permission, Walmart down), so a
cron job never takes a failed read for "nothing blocked". Core modules are imported inside the commands:
starting the CLI stays cheap for every other command.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cli.main import EXIT_NOT_ALL_AUTHORIZED, EXIT_OK, EXIT_USAGE, Subparsers, print_json, whole_number
from core.i18n import _, format_datetime, ngettext
from core.runtime import Runtime

if TYPE_CHECKING:
    from core.orders.awaiting import BlockedSku
    from core.orders.sync import StoreOrders

MAX_DAYS = 180  # core.walmart.orders.MAX_DAYS, kept here so the parser needs no core import


def _unmapped(args: argparse.Namespace, runtime: Runtime) -> int:
    from core.db.engine import session_scope
    from core.db.models import saved_id
    from core.orders.awaiting import awaiting_mapping
    from core.orders.sync import StoreOrders, read_many, read_orders
    from core.stores.registry import find_store

    if bool(args.store) == args.all:
        print(_("Name one store with --store NAME, or use --all."), file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        from core.authorization.fleet import enabled_store_ids

        with session_scope(runtime.engine) as session:
            ids = enabled_store_ids(session)
        runs = list(read_many(runtime, ids, args.days, workers=args.workers))
    else:
        with session_scope(runtime.engine) as session:
            store = find_store(session, args.store)
            store_id, name = saved_id(store), store.name
        runs = [StoreOrders(store_id, name, read_orders(runtime, store_id, args.days))]
    with session_scope(runtime.engine) as session:
        blocked = {run.store_id: awaiting_mapping(session, run.store_id) for run in runs}
    failed = any(run.read is None or (run.read.finding is not None and run.read.orders == 0 and run.read.partial) for run in runs)
    if args.json:
        print_json({"days": args.days, "stores": [_store_json(run, blocked[run.store_id]) for run in runs]})
    else:
        for run in runs:
            _print_store(run, blocked[run.store_id])
        if not runs:
            print(_("No enabled store to read."))
    return EXIT_NOT_ALL_AUTHORIZED if failed or any(blocked.values()) else EXIT_OK


def _store_json(run: StoreOrders, blocked: list[BlockedSku]) -> dict[str, Any]:
    return {"store": run.store_name, "store_id": run.store_id, "read": None if run.read is None else run.read.to_dict(),
            "problem": run.problem, "blocked": [entry.to_dict() for entry in blocked]}


def _print_store(run: StoreOrders, blocked: list[BlockedSku]) -> None:
    read = run.read
    if read is None:
        print(_("{store}: the orders could not be read. {problem}", store=run.store_name, problem=run.problem or ""))
    else:
        print(ngettext("{store}: {n} order read ({lines} lines).", "{store}: {n} orders read ({lines} lines).", read.orders,
                       store=run.store_name, lines=read.lines))
        if read.finding is not None:
            print("  " + str(read.finding))
            if read.finding_faq:
                print("  " + _("See the FAQ entry '{entry}' on the Troubleshooting page.", entry=read.finding_faq))
    if not blocked:
        print("  " + _("Nothing is awaiting mapping."))
        return
    print("  " + ngettext("{n} SKU is awaiting mapping (most orders first):", "{n} SKUs are awaiting mapping (most orders first):", len(blocked)))
    for entry in blocked:
        orders = ngettext("{n} order", "{n} orders", entry.orders)
        units = ngettext("{n} unit", "{n} units", entry.units)
        print("  - " + _("{sku}: {orders}, {units}, newest {date}; purchase orders {ids}", sku=entry.sku, orders=orders, units=units,
                         date=format_datetime(entry.newest_order_date), ids=", ".join(entry.purchase_order_ids)))


def _explode(args: argparse.Namespace, runtime: Runtime) -> int:
    from core.db.engine import session_scope
    from core.db.models import saved_id
    from core.errors import NotFound
    from core.orders.explode import explode_order
    from core.stores.registry import find_store

    with session_scope(runtime.engine) as session:
        store = find_store(session, args.store)
        explosion = explode_order(session, saved_id(store), args.purchase_order)
        name = store.name
    if explosion is None:
        raise NotFound(_("No order {id} is stored for store '{store}'.", id=args.purchase_order.strip(), store=name),
                       _("Orders are kept from the last read: run `python -m core orders unmapped --store NAME` first, "
                         "or check the purchase order ID."))
    if args.json:
        print_json({"store": name, **explosion.to_dict()})
    else:
        print(_("Order {id} of {store}, placed {date}:", id=explosion.purchase_order_id, store=name, date=format_datetime(explosion.order_date)))
        for line in explosion.lines:
            print("  " + _("Line {number}: {sku} x {quantity} ({status})", number=line.line_number, sku=line.sku, quantity=line.quantity,
                           status=line.status or "-"))
            if line.components is None:
                print("    " + _("unmapped: no mapping covers this SKU"))
                continue
            for part in line.components:
                print("    " + _("{system_sku} x {quantity} ({per_unit} per unit) {name}", system_sku=part.system_sku, quantity=part.quantity,
                                 per_unit=part.quantity_per_unit, name=part.product_name).rstrip())
    return EXIT_NOT_ALL_AUTHORIZED if any(line.components is None for line in explosion.lines) else EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("orders", help=_("recent Walmart orders: SKUs awaiting mapping, and what an order ships"))
    commands = group.add_subparsers(dest="orders_command", required=True)

    unmapped = commands.add_parser("unmapped", help=_("read recent orders, then list the SKUs no mapping covers; "
                                                      "exit 0 nothing blocked, 1 something blocked (or the orders could not be read)"))
    unmapped.add_argument("--store", help=_("store name or id"))
    unmapped.add_argument("--all", action="store_true", help=_("every enabled store, on the fleet check's pool and per-store deadline"))
    unmapped.add_argument("--days", type=whole_number(1, MAX_DAYS), default=14, help=_("orders created in the last DAYS days (default 14)"))
    unmapped.add_argument("--workers", type=whole_number(1, 64), help=_("for --all: stores read at once (default CHECK_WORKERS)"))
    unmapped.add_argument("--json", action="store_true")
    unmapped.set_defaults(handler=_unmapped)

    explode = commands.add_parser("explode", help=_("each line of a stored order with the system SKUs and quantities it ships; "
                                                    "exit 0 every line mapped, 1 a line unmapped"))
    explode.add_argument("--store", required=True, help=_("store name or id"))
    explode.add_argument("--purchase-order", required=True, metavar="ID", help=_("the purchase order ID"))
    explode.add_argument("--json", action="store_true")
    explode.set_defaults(handler=_explode)
