"""`python -m core mappings history --store NAME|all --sku SKU [--json]`: what happened to one platform SKU's mapping.

Exit codes: 0 changes are recorded, 1 none are (the answer is no), 2 a usage error (unknown store).
"""
from __future__ import annotations

import argparse

from cli.main import EXIT_OK, Subparsers, print_json, whole_number
from core.db.engine import session_scope
from core.i18n import _, format_datetime
from core.mapping.bundles import format_bundle
from core.mapping.history import CHANGE_LABELS, HISTORY_LIMIT, SkuChange, describe_difference, sku_history
from core.mapping.levels import ALL_STORES, ALL_STORES_WORD, LEVEL_LABELS, parse_scope, scope_label
from core.runtime import Runtime

EXIT_NO_HISTORY = 1


def _line(change: SkuChange) -> str:
    record = change.change_set
    before, after = format_bundle(change.before) or "-", format_bundle(change.after) or "-"
    return (f"{format_datetime(record.at)}  {record.actor} ({record.via})  {record.through_text()}  {_(LEVEL_LABELS[record.level])}  "
            f"{_(CHANGE_LABELS[change.kind])}: {before} -> {after}  [{describe_difference(change.difference())}]")


def _history(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        scope = parse_scope(session, args.store)
        label = scope_label(session, scope)
        found = sku_history(session, scope, args.sku, limit=args.limit)
    if args.json:
        print_json({"store": label if scope != ALL_STORES else ALL_STORES_WORD, "platform_sku": args.sku,
                    "changes": [change.to_dict() for change in found]})
        return EXIT_OK if found else EXIT_NO_HISTORY
    if not found:
        print(_("No recorded changes of '{sku}' for {level}. Changes made before the history was kept are only in the audit trail "
                "(python -m core audit).", sku=args.sku, level=label))
        return EXIT_NO_HISTORY
    if scope == ALL_STORES:
        print(_("History of '{sku}' in the mapping for all stores, newest first:", sku=args.sku))
    else:
        print(_("History of '{sku}' for store '{store}' (its own mapping and the mapping for all stores), newest first:",
                sku=args.sku, store=label))
    for change in found:
        print("  " + _line(change))
    return EXIT_OK


def add_history_command(commands: Subparsers) -> None:
    """`mappings history`, added to the `mappings` group by cli/mapping.py."""
    command = commands.add_parser("history", help=_("who changed a platform SKU's mapping, when, how and through what; exit 1 if nothing is recorded"))
    command.add_argument("--store", required=True, help=_("store name or id (its own changes and those for all stores), or 'all'"))
    command.add_argument("--sku", required=True, help=_("the platform SKU, exactly as sold"))
    command.add_argument("--limit", type=whole_number(1, 10_000), default=HISTORY_LIMIT, help=_("at most this many changes (default {limit})", limit=HISTORY_LIMIT))
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=_history)
