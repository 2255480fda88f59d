"""`python -m core oauth ...`: the OAuth app secret, Connect links, pasted redirects, the migration."""
from __future__ import annotations

import argparse
import sys

from cli.labels import CREDENTIAL_KINDS, STATUSES, shown
from cli.main import EXIT_CONFLICT, EXIT_DUPLICATE, EXIT_NOT_ALL_AUTHORIZED, EXIT_OK, Subparsers, cli_actor, print_json, whole_number
from cli.stores import print_duplicates, read_secret
from core.authorization.outcome import Status
from core.db.engine import session_scope
from core.db.models import MAX_ID, CredentialKind, saved_id, utc_now
from core.errors import Conflict
from core.i18n import _, format_date, format_datetime, format_number, ngettext
from core.oauth import connect as oauth
from core.oauth import grants, seller_started
from core.oauth.grants import ConnectState
from core.oauth.overview import migration_overview
from core.runtime import Runtime
from core.stores import registry as stores
from core.stores.credential import delegated_keys_days_left
from core.stores.duplicates import LikelyDuplicate
from core.stores.names import for_terminal


def _app_secret(args: argparse.Namespace, runtime: Runtime) -> int:
    secret = read_secret(args.secret_env)
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, runtime.settings, secret, actor=cli_actor())
        status = oauth.app_status(session, runtime.settings)
    print_json(status) if args.json else print(_("Saved the app's Client Secret ({secret}) for {client_id}.", secret=status["secret_masked"], client_id=status["client_id"]))
    return EXIT_OK


def _connect(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        with session_scope(runtime.engine) as session:
            store_id = stores.find_store(session, args.store).id if args.store else None
            link = oauth.start_connect(session, runtime.settings, cli_actor(), store_id=store_id, new_store_name=args.new,
                                       allow_duplicate=args.allow_duplicate)
    except LikelyDuplicate as duplicate:
        return print_duplicates(duplicate, args.json)
    if args.json:
        print_json({"url": link.url, "expires_at": link.expires_at})
    else:
        print(_("Send this link to the seller (or open it while signed in as the seller):"))
        print(link.url)
        print(_("It works once, until {when} UTC. If the dashboard cannot receive Walmart's redirect, "
                "run: python -m core oauth complete 'PASTED-REDIRECT-URL'", when=format_datetime(link.expires_at)))
        print(_("If it does, the connection waits for review: python -m core oauth pending, then python -m core oauth attach ID --store NAME"))
    return EXIT_OK


def _complete(args: argparse.Namespace, runtime: Runtime) -> int:
    callback = oauth.parse_callback(args.url)
    try:
        result = oauth.complete_connect(runtime, callback, cli_actor(), allow_duplicate=args.allow_duplicate)
    except LikelyDuplicate as duplicate:
        return print_duplicates(duplicate, args.json)
    outcome = result.verification
    if args.json:
        print_json({"store": result.store_name, "seller_id": result.seller_id, "state": str(result.state), "pending": result.pending,
                    "note": result.note, "verification": outcome.to_dict()})
    else:
        name = for_terminal(result.store_name)
        print(_("{store}: connected seller {seller_id}; verification {status} - {summary}", store=name, seller_id=result.seller_id,
                status=shown(STATUSES, outcome.status), summary=outcome.summary))
        if result.note:
            print(for_terminal(result.note))
        if result.state == ConnectState.waiting_for_switch:
            print(_("The store still uses its old keys. When ready: python -m core oauth confirm --store '{store}'", store=name))
        elif result.state == ConnectState.not_verified:
            print(_("Walmart did not accept the new authorization yet, so the store keeps its previous one. "
                    "Try again with: python -m core oauth verify --store '{store}'", store=name))
    return EXIT_OK if outcome.status == Status.authorized else EXIT_NOT_ALL_AUTHORIZED


def _verify(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        store_id = saved_id(stores.find_store(session, args.store))
    outcome, state = grants.verify_pending(runtime, store_id, actor=cli_actor())
    if args.json:
        print_json({"store": args.store, "state": str(state), "verification": outcome.to_dict()})
    else:
        print(_("{store}: verification {status} - {summary}", store=for_terminal(args.store), status=shown(STATUSES, outcome.status), summary=outcome.summary))
        if state == ConnectState.reconnected:
            print(_("The new authorization replaced the previous one."))
    return EXIT_OK if outcome.status == Status.authorized else EXIT_NOT_ALL_AUTHORIZED


def _confirm(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        store = stores.find_store(session, args.store)
        grants.confirm_switch(session, saved_id(store), actor=cli_actor())
    print(_("{store} now uses OAuth seller authorization; its old keys were wiped.", store=for_terminal(args.store)))
    return EXIT_OK


def _status(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        rows = migration_overview(session)
        app = oauth.app_status(session, runtime.settings)
    days_left = delegated_keys_days_left(runtime.settings.delegated_access_deadline, utc_now().date())
    if args.json:
        print_json({"app": app, "deadline": runtime.settings.delegated_access_deadline, "days_left": days_left, "stores": [vars(r) for r in rows]})
        return EXIT_OK
    delegated = [r for r in rows if r.kind == CredentialKind.delegated_key and r.market == "us"]
    print(ngettext("{count} of {n} US store still uses delegated keys; {days} days left until {deadline}.",
                   "{count} of {n} US stores still use delegated keys; {days} days left until {deadline}.",
                   sum(1 for r in rows if r.market == "us"), count=len(delegated), days=format_number(days_left),
                   deadline=format_date(runtime.settings.delegated_access_deadline)))
    for row in rows:
        pending = _(" (new authorization waiting)") if row.pending else ""
        outside = _(" (outside the US: keeps its delegated keys)") if row.market != "us" else ""
        kind = shown(CREDENTIAL_KINDS, row.kind) if row.kind else _("no credential")
        print(_("  {store}: {kind}{pending}{outside}", store=for_terminal(row.name), kind=kind, pending=pending, outside=outside))
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("oauth", help=_("OAuth seller authorization and the move off delegated keys"))
    commands = group.add_subparsers(dest="oauth_command", required=True)

    secret = commands.add_parser("app-secret", help=_("save the OAuth app's Client Secret (standard input or --secret-env)"))
    secret.add_argument("--secret-env", default="WALMART_OAUTH_CLIENT_SECRET")
    secret.add_argument("--json", action="store_true")
    secret.set_defaults(handler=_app_secret)

    connect = commands.add_parser("connect", help=_("print a Connect link for a store"))
    target = connect.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", help=_("an existing store"))
    target.add_argument("--new", metavar="NAME", help=_("create this store when the seller approves"))
    connect.add_argument("--allow-duplicate", action="store_true", help=_("make the new store even if its name looks like an existing store's"))
    connect.add_argument("--json", action="store_true")
    connect.set_defaults(handler=_connect)

    complete = commands.add_parser("complete", help=_("finish a connect with the redirect URL the browser was sent to"))
    complete.add_argument("url")
    complete.add_argument("--allow-duplicate", action="store_true", help=_("connect even if the seller is already connected to another store"))
    complete.add_argument("--json", action="store_true")
    complete.set_defaults(handler=_complete)

    verify = commands.add_parser("verify", help=_("check a store's new authorization again; a verified re-connect replaces the old one"))
    verify.add_argument("--store", required=True)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)

    confirm = commands.add_parser("confirm", help=_("switch a store to its verified OAuth authorization and wipe the old keys"))
    confirm.add_argument("--store", required=True)
    confirm.set_defaults(handler=_confirm)

    status = commands.add_parser("status", help=_("which stores still use delegated keys"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
    add_pending_commands(commands)


# --- seller-started connections (core/oauth/seller_started.py) -----------------------------------


def _pending(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        rows = seller_started.pending_connections(session, actor=cli_actor())
    if args.json:
        print_json([row.to_dict() for row in rows])
        return EXIT_OK
    print(ngettext("{n} seller-started connection is waiting for review.", "{n} seller-started connections are waiting for review.", len(rows)))
    for row in rows:
        known = _(" (seller already on store '{store}')", store=for_terminal(row.store_name)) if row.store_name else ""
        if row.requested_by:
            known += (_(" (from the Connect link {user} made for '{store}')", user=for_terminal(row.requested_by), store=for_terminal(row.requested_store)) if row.requested_store
                      else _(" (from a Connect link {user} made for a store deleted since)", user=for_terminal(row.requested_by)))
        print(_("  {id}: Walmart seller {seller}, received {received} UTC{known}", id=row.id, seller=row.seller_id,
                received=format_datetime(row.received_at), known=known))
    if rows:
        print(_("Attach one with: python -m core oauth attach ID --store NAME (or --new NAME); throw one away with: python -m core oauth discard ID"))
    return EXIT_OK


def _refused(problem: Exception, code: int) -> int:
    print(_("error: {problem}", problem=problem), file=sys.stderr)
    return code


def _attach(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        result = seller_started.attach(runtime, args.pending_id, actor=cli_actor(), store_name=args.store, new_store_name=args.new,
                                       allow_duplicate=args.allow_duplicate)
    except seller_started.SellerAlreadyConnected as problem:
        return _refused(problem, EXIT_DUPLICATE)
    except Conflict as problem:
        return _refused(problem, EXIT_CONFLICT)
    outcome = result.verification
    if args.json:
        print_json({"pending_id": args.pending_id, "store": result.store_name, "seller_id": result.seller_id, "pending": result.pending,
                    "verification": outcome.to_dict()})
    else:
        print(_("{store}: attached Walmart seller {seller}; verification {status} - {summary}", store=result.store_name, seller=result.seller_id,
                status=shown(STATUSES, outcome.status), summary=outcome.summary))
        if result.pending:
            print(_("The store still uses its old keys. When ready: python -m core oauth confirm --store '{store}'", store=result.store_name))
    return EXIT_OK if outcome.status == Status.authorized else EXIT_NOT_ALL_AUTHORIZED


def _discard(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        with session_scope(runtime.engine) as session:
            seller_started.discard(session, args.pending_id, actor=cli_actor())
    except Conflict as problem:
        return _refused(problem, EXIT_CONFLICT)
    print(_("Seller-started connection {id} was discarded; its refresh token was wiped.", id=args.pending_id))
    return EXIT_OK


def add_pending_commands(commands: Subparsers) -> None:
    pending = commands.add_parser("pending", help=_("list seller-started connections waiting for review (sellers who pressed Connect in Walmart's App Store)"))
    pending.add_argument("--json", action="store_true")
    pending.set_defaults(handler=_pending)

    attach = commands.add_parser("attach", help=_("give a seller-started connection to an existing store or a new one"))
    attach.add_argument("pending_id", type=whole_number(1, MAX_ID), metavar="PENDING_ID")
    target = attach.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", metavar="NAME", help=_("an existing store"))
    target.add_argument("--new", metavar="NAME", help=_("make a new store with this name"))
    attach.add_argument("--allow-duplicate", action="store_true", help=_("make the new store even if its name looks like an existing store's"))
    attach.add_argument("--json", action="store_true")
    attach.set_defaults(handler=_attach)

    discard = commands.add_parser("discard", help=_("throw a seller-started connection away (its refresh token is wiped)"))
    discard.add_argument("pending_id", type=whole_number(1, MAX_ID), metavar="PENDING_ID")
    discard.set_defaults(handler=_discard)
