"""`python -m core oauth ...`: the OAuth app secret, Connect links, pasted redirects, the migration."""
from __future__ import annotations

import argparse

from cli.main import EXIT_OK, Subparsers, cli_actor, print_json
from cli.stores import read_secret
from core.authorization.outcome import Status
from core.db.engine import session_scope
from core.db.models import CredentialKind, saved_id, utc_now
from core.oauth import connect as oauth
from core.runtime import Runtime
from core.stores import registry as stores
from core.stores.credential import delegated_keys_days_left


def _app_secret(args: argparse.Namespace, runtime: Runtime) -> int:
    secret = read_secret(args.secret_env)
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, runtime.settings, secret, actor=cli_actor())
        status = oauth.app_status(session, runtime.settings)
    print_json(status) if args.json else print(f"Saved the app's Client Secret ({status['secret_masked']}) for {status['client_id']}.")
    return EXIT_OK


def _connect(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        store_id = stores.find_store(session, args.store).id if args.store else None
        link = oauth.start_connect(session, runtime.settings, cli_actor(), store_id=store_id, new_store_name=args.new)
    if args.json:
        print_json({"url": link.url, "expires_at": link.expires_at})
    else:
        print("Send this link to the seller (or open it while signed in as the seller):")
        print(link.url)
        print(f"It works once, until {link.expires_at:%H:%M} UTC. If the dashboard cannot receive Walmart's redirect, "
              "run: python -m core oauth complete 'PASTED-REDIRECT-URL'")
    return EXIT_OK


def _complete(args: argparse.Namespace, runtime: Runtime) -> int:
    callback = oauth.parse_callback(args.url)
    result = oauth.complete_connect(runtime, callback, cli_actor())
    outcome = result.verification
    if args.json:
        print_json({"store": result.store_name, "seller_id": result.seller_id, "pending": result.pending, "verification": outcome.to_dict()})
    else:
        print(f"{result.store_name}: connected seller {result.seller_id}; verification {outcome.status} - {outcome.summary}")
        if result.pending:
            print(f"The store still uses its old keys. When ready: python -m core oauth confirm --store '{result.store_name}'")
    return EXIT_OK if outcome.status == Status.authorized else 1


def _confirm(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        store = stores.find_store(session, args.store)
        oauth.confirm_switch(session, saved_id(store), actor=cli_actor())
    print(f"{args.store} now uses OAuth seller authorization; its old keys were wiped.")
    return EXIT_OK


def _status(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        rows = oauth.migration_overview(session)
        app = oauth.app_status(session, runtime.settings)
    days_left = delegated_keys_days_left(runtime.settings.delegated_access_deadline, utc_now().date())
    if args.json:
        print_json({"app": app, "deadline": runtime.settings.delegated_access_deadline, "days_left": days_left, "stores": [vars(r) for r in rows]})
        return EXIT_OK
    delegated = [r for r in rows if r.kind == CredentialKind.delegated_key]
    print(f"{len(delegated)} of {len(rows)} store(s) still use delegated keys; {days_left} days left until {runtime.settings.delegated_access_deadline}.")
    for row in rows:
        pending = " (new authorization waiting for confirm)" if row.pending else ""
        print(f"  {row.name}: {row.kind or 'no credential'}{pending}")
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("oauth", help="OAuth seller authorization and the move off delegated keys")
    commands = group.add_subparsers(dest="oauth_command", required=True)

    secret = commands.add_parser("app-secret", help="save the OAuth app's Client Secret (standard input or --secret-env)")
    secret.add_argument("--secret-env", default="WALMART_OAUTH_CLIENT_SECRET")
    secret.add_argument("--json", action="store_true")
    secret.set_defaults(handler=_app_secret)

    connect = commands.add_parser("connect", help="print a Connect link for a store")
    target = connect.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", help="an existing store")
    target.add_argument("--new", metavar="NAME", help="create this store when the seller approves")
    connect.add_argument("--json", action="store_true")
    connect.set_defaults(handler=_connect)

    complete = commands.add_parser("complete", help="finish a connect with the redirect URL the browser was sent to")
    complete.add_argument("url")
    complete.add_argument("--json", action="store_true")
    complete.set_defaults(handler=_complete)

    confirm = commands.add_parser("confirm", help="switch a store to its verified OAuth authorization and wipe the old keys")
    confirm.add_argument("--store", required=True)
    confirm.set_defaults(handler=_confirm)

    status = commands.add_parser("status", help="which stores still use delegated keys")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)
