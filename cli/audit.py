"""`python -m core audit [--store NAME] [--since DATE] [--json]`."""
from __future__ import annotations

import argparse
from datetime import date, datetime, time, timezone

from cli.main import EXIT_OK, Subparsers, print_json, whole_number
from core import audit
from core.db.engine import session_scope
from core.errors import ValidationFailed
from core.runtime import Runtime


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time.min, tzinfo=timezone.utc)
    except ValueError:
        raise ValidationFailed(f"'{text}' is not a date.", "Write it as YYYY-MM-DD.") from None


def _audit(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        found = audit.entries(session, store=args.store, since=_since(args.since), limit=args.limit)
        rows = audit.to_rows(found)
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        print(f"{row['at']}  {row['actor']}  {row['action']}  {row['store']}  {row['subject']}  {row['detail']}".rstrip())
    if not rows:
        print("No changes match.")
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    command = subparsers.add_parser("audit", help="who changed what, newest first")
    command.add_argument("--store", help="only this store (exact name)")
    command.add_argument("--since", help="only changes on or after this date (YYYY-MM-DD)")
    command.add_argument("--limit", type=whole_number(1, 1_000_000), default=1000, help="at most this many entries (default 1000)")
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=_audit)
