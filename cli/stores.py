"""`python -m core stores ...` and `python -m core keygen`.

A secret is read from an environment variable or standard input, never from a
flag, so it cannot end up in shell history or the process list.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta

from cryptography.fernet import Fernet

from cli.labels import ENVIRONMENTS, KEY_FIELDS, SEVERITIES, STATUSES, shown
from cli.main import EXIT_DUPLICATE, EXIT_NOT_ALL_AUTHORIZED, EXIT_OK, EXIT_USAGE, Subparsers, cli_actor, print_json, whole_number
from core.authorization import fleet, history
from core.authorization.outcome import Status
from core.db.engine import session_scope
from core.db.models import Market, saved_id
from core.errors import ValidationFailed
from core.i18n import _, format_datetime
from core.runtime import Runtime
from core.stores import registry as stores
from core.stores.duplicates import LikelyDuplicate
from core.stores.names import for_terminal

SECRET_ENV_DEFAULT = "WALMART_CLIENT_SECRET"


def read_secret(variable: str) -> str:
    value = os.environ.get(variable)
    if value:
        return value
    if sys.stdin is None or sys.stdin.closed:
        raise ValidationFailed(_("No Client Secret was given."), _("Pipe it on standard input or set {variable}.", variable=variable))
    if sys.stdin.isatty():
        return getpass.getpass(_("Client Secret (input hidden): "))
    value = sys.stdin.read()
    # Only the final newline from `echo` or a file; anything else is left for the pre-checks to report.
    return value[:-1] if value.endswith("\n") else value


def print_duplicates(duplicate: LikelyDuplicate, as_json: bool) -> int:
    """A refusal as a likely duplicate: what it looks like, and how to save anyway (exit 6)."""
    if as_json:
        print_json({"error": "likely_duplicate", "duplicates": [d.to_dict() for d in duplicate.duplicates]})
    for item in duplicate.duplicates:
        print(_("error: {problem}", problem=for_terminal(item.message)), file=sys.stderr)
    print(duplicate.fix, file=sys.stderr)
    return EXIT_DUPLICATE


def _print_store(view: stores.StoreView) -> None:
    line = _("{store}  [{market}, {environment}, enabled]  Client ID {client_id}  secret {secret}") if view.enabled else \
        _("{store}  [{market}, {environment}, disabled]  Client ID {client_id}  secret {secret}")
    print(line.format(store=for_terminal(view.name), market=view.market.upper(), environment=shown(ENVIRONMENTS, view.environment),
                      client_id=view.client_id, secret=view.secret_masked))


def _print_saved(what: str, view: stores.StoreView, as_json: bool) -> None:
    if as_json:
        print_json(view.to_dict())
    else:
        print(what, end=" ")
        _print_store(view)


def _add(args: argparse.Namespace, runtime: Runtime) -> int:
    secret = read_secret(args.secret_env)
    try:
        with session_scope(runtime.engine) as session:
            view = stores.add_store(
                session, runtime.vault, actor=cli_actor(), name=args.name, environment=args.environment, client_id=args.client_id,
                client_secret=secret, notes=args.notes, market=args.market, allow_duplicate=args.allow_duplicate,
            )
    except LikelyDuplicate as duplicate:
        return print_duplicates(duplicate, args.json)
    if not args.check:
        _print_saved(_("Added:"), view, args.json)
        return EXIT_OK
    # Saved (committed) first: a failed check never loses the keys. Then the check, reported as `stores check` does.
    [result] = fleet.check_many(runtime, [view.id])
    if args.json:
        print_json({**view.to_dict(), "check": result.outcome.to_dict()})
    else:
        _print_saved(_("Added:"), view, False)
        _report([result])
    return EXIT_OK if result.outcome.status == Status.authorized else EXIT_NOT_ALL_AUTHORIZED


def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        rows = history.store_table(session, limit=1_000_000)
        views = {view.id: view for view in stores.list_stores(session)}
    data = [{**views[row.id].to_dict(), **row.to_dict()} for row in rows]
    if args.json:
        print_json(data)
        return EXIT_OK
    if not data:
        print(_("No stores yet. Add one with: python -m core stores add --name NAME --client-id ID < secret.txt"))
    for row in data:
        at = row["checked_at"]
        checked = _("checked {when} UTC", when=format_datetime(at)) if isinstance(at, datetime) else _("never checked")
        line = (_("{store}  [{market}, {environment}]  {status}  {checked}  Client ID {client_id}  secret {secret}") if row["enabled"]
                else _("{store} (disabled)  [{market}, {environment}]  {status}  {checked}  Client ID {client_id}  secret {secret}"))
        print(line.format(store=for_terminal(str(row["name"])), market=str(row["market"]).upper(), environment=shown(ENVIRONMENTS, row["environment"]),
                          status=shown(STATUSES, row["status"]), checked=checked, client_id=row["client_id"], secret=row["secret_masked"]))
    return EXIT_OK


def _edit(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        with session_scope(runtime.engine) as session:
            enabled = True if args.enable else False if args.disable else None
            view = stores.edit_store(
                session, args.store, actor=cli_actor(), name=args.name, environment=args.environment, notes=args.notes, enabled=enabled,
                client_id=None if args.replace_secret else args.client_id, allow_duplicate=args.allow_duplicate,
                market=None if args.replace_secret else args.market,
            )
            if args.replace_secret:
                view = stores.replace_secret(session, runtime.vault, view.id, actor=cli_actor(), client_secret=read_secret(args.secret_env),
                                             client_id=args.client_id, allow_duplicate=args.allow_duplicate)
                if args.market is not None:  # after the keys: a store leaving OAuth for another market's keys does both at once
                    view = stores.edit_store(session, view.id, actor=cli_actor(), market=args.market)
    except LikelyDuplicate as duplicate:
        return print_duplicates(duplicate, args.json)
    _print_saved(_("Saved:"), view, args.json)
    return EXIT_OK


def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    if not args.yes:
        print(_("Deleting a store also deletes its keys, check history and mappings. Add --yes to confirm."), file=sys.stderr)
        return EXIT_USAGE
    with session_scope(runtime.engine) as session:
        name = stores.delete_store(session, args.store, actor=cli_actor())
    print_json({"deleted": name}) if args.json else print(_("Deleted store '{store}'.", store=name))
    return EXIT_OK


def _check(args: argparse.Namespace, runtime: Runtime) -> int:
    if bool(args.stores) + args.all + args.due != 1:
        print(_("Name the stores to check, or use --all or --due (only one of them)."), file=sys.stderr)
        return EXIT_USAGE
    from core.orders.sync import note_newly_blocked  # a fleet check also alerts on SKUs newly blocking stored orders

    if args.due:
        interval = timedelta(minutes=args.interval or runtime.settings.check_interval_minutes)
        results = fleet.check_due(runtime, interval, workers=args.workers, after_record=note_newly_blocked)
    else:
        with session_scope(runtime.engine) as session:
            ids = fleet.enabled_store_ids(session) if args.all else [saved_id(stores.find_store(session, name)) for name in args.stores]
        results = fleet.check_many(runtime, ids, workers=args.workers, after_record=note_newly_blocked)
    if args.json:
        rows = [{"store": result.store_name, **result.outcome.to_dict()} for result in results]
        print_json(rows)
        statuses = [row["status"] for row in rows]
    else:
        statuses = _report(results)
        if not statuses:
            print(_("No store was due for a check.") if args.due else _("No enabled store to check."))
    return EXIT_OK if all(status == Status.authorized for status in statuses) else EXIT_NOT_ALL_AUTHORIZED


def _report(results: Iterable[fleet.Result]) -> list[str]:
    """Each store's check as it finishes; the statuses seen."""
    statuses: list[str] = []
    for result in results:
        outcome = result.outcome
        statuses.append(outcome.status)
        print(_("{store}: {status} - {summary}", store=for_terminal(result.store_name), status=shown(STATUSES, outcome.status), summary=outcome.summary),
              flush=True)
        if outcome.status != Status.authorized:
            print(_("  next step: {step}", step=outcome.next_step))
            for finding in outcome.findings:
                print(f"  [{shown(SEVERITIES, finding.severity)}] {shown(KEY_FIELDS, finding.field)}: {finding.message}")
        if outcome.correlation_ids:
            print(_("  correlation IDs: {ids}", ids=", ".join(outcome.correlation_ids)))
    return statuses


def _keygen(args: argparse.Namespace, runtime: Runtime) -> int:
    print(Fernet.generate_key().decode())
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    keygen = subparsers.add_parser("keygen", help=_("print a new encryption key for STORE_CONNECT_SECRET_KEY"))
    keygen.set_defaults(handler=_keygen)

    group = subparsers.add_parser("stores", help=_("add, list, edit, remove and check stores"))
    commands = group.add_subparsers(dest="stores_command", required=True)
    duplicate_help = _("save even if the name, Client ID or seller ID looks like another store's (otherwise refused with exit 6)")
    secret_help = _("name of the environment variable holding the Client Secret (default {variable}); otherwise it is read from standard input",
                    variable=SECRET_ENV_DEFAULT)

    add = commands.add_parser("add", help=_("add a store (Client Secret from standard input or an environment variable)"))
    add.add_argument("--name", required=True)
    add.add_argument("--environment", choices=["production", "sandbox"], default="production")
    add.add_argument("--market", choices=[market.value for market in Market], default=Market.us.value,
                     help=_("the Walmart marketplace the store sells on (default us); outside the US every call carries WM_MARKET"))
    add.add_argument("--client-id", required=True)
    add.add_argument("--notes", default="")
    add.add_argument("--secret-env", default=SECRET_ENV_DEFAULT, help=secret_help)
    add.add_argument("--allow-duplicate", action="store_true", help=duplicate_help)
    add.add_argument("--check", action="store_true", help=_("check the keys against Walmart right after saving; exits like `stores check`"))
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add)

    listing = commands.add_parser("list", help=_("list stores with their authorization status"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    edit = commands.add_parser("edit", help=_("edit a store; --replace-secret reads a new secret"))
    edit.add_argument("store", help=_("store name or id"))
    edit.add_argument("--name")
    edit.add_argument("--environment", choices=["production", "sandbox"])
    edit.add_argument("--market", choices=[market.value for market in Market],
                      help=_("the Walmart marketplace the store sells on; a store on OAuth (US only) needs --replace-secret with that market's keys"))
    edit.add_argument("--client-id")
    edit.add_argument("--notes")
    toggle = edit.add_mutually_exclusive_group()
    toggle.add_argument("--enable", action="store_true")
    toggle.add_argument("--disable", action="store_true")
    edit.add_argument("--replace-secret", action="store_true", help=_("read a new Client Secret like `add` does"))
    edit.add_argument("--secret-env", default=SECRET_ENV_DEFAULT, help=secret_help)
    edit.add_argument("--allow-duplicate", action="store_true", help=duplicate_help)
    edit.add_argument("--json", action="store_true")
    edit.set_defaults(handler=_edit)

    remove = commands.add_parser("remove", help=_("delete a store with its keys and history"))
    remove.add_argument("store", help=_("store name or id"))
    remove.add_argument("--yes", action="store_true", help=_("confirm the deletion"))
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(handler=_remove)

    check = commands.add_parser("check", help=_("check stores; exit 0 if all authorized, 1 if not, 2 on error"))
    check.add_argument("stores", nargs="*", help=_("store names (or use --all / --due)"))
    check.add_argument("--all", action="store_true", help=_("every enabled store"))
    check.add_argument("--due", action="store_true", help=_("only enabled stores not checked within the interval; safe to run from several machines at once"))
    check.add_argument("--interval", type=whole_number(1, 10080), metavar="MINUTES", help=_("for --due (default CHECK_INTERVAL_MINUTES)"))
    check.add_argument("--workers", type=whole_number(1, 64), help=_("stores checked at once (default CHECK_WORKERS)"))
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)
