"""`python -m core audit [--store NAME] [--since DATE] [--json]`.

An import or a clone is one entry; `changed_skus` (in --json; a short list in text) names the platform SKUs it
added, changed and removed, read from the mapping history its entry links to (`after.change_set`).
"""
from __future__ import annotations

import argparse
from datetime import date, datetime, time, timezone

from cli.labels import CHANGE_KINDS, shown
from cli.main import EXIT_OK, Subparsers, print_json, whole_number
from core import audit
from core.db.engine import session_scope
from core.errors import ValidationFailed
from core.i18n import _, format_datetime
from core.mapping.history import changed_skus
from core.runtime import Runtime


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time.min, tzinfo=timezone.utc)
    except ValueError:
        raise ValidationFailed(_("'{text}' is not a date.", text=text), _("Write it as YYYY-MM-DD.")) from None


SKUS_SHOWN = 10  # per kind of change, in the text output


def _change_set(row: audit.AuditRow) -> int | None:
    """The mapping history's change set an entry links to (imports, clones), if any."""
    number = row["after"].get("change_set") if isinstance(row["after"], dict) else None
    return number if isinstance(number, int) else None


def _listed(skus: list[str]) -> str:
    return ", ".join(skus[:SKUS_SHOWN]) + (f" ... ({len(skus)})" if len(skus) > SKUS_SHOWN else "")


def _audit(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        found = audit.entries(session, store=args.store, since=_since(args.since), limit=args.limit)
        entries = audit.to_rows(found)
        linked = changed_skus(session, [number for number in map(_change_set, entries) if number is not None])
    rows: list[dict[str, object]] = []
    for entry in entries:
        number = _change_set(entry)
        rows.append({**entry, "changed_skus": {str(kind): skus for kind, skus in linked[number].items()}} if number in linked else {**entry})
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        at = format_datetime(datetime.fromisoformat(str(row["at"])))
        print(f"{at}  {row['actor']}  {audit.action_name(str(row['action']))}  {row['store']}  {row['subject']}  {row['detail']}".rstrip())
        skus = row.get("changed_skus")
        if isinstance(skus, dict):
            print("    " + "; ".join(f"{shown(CHANGE_KINDS, kind)}: {_listed(names)}" for kind, names in skus.items() if names))
    if not rows:
        print(_("No changes match."))
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    command = subparsers.add_parser("audit", help=_("who changed what, newest first"))
    command.add_argument("--store", help=_("only this store (exact name)"))
    command.add_argument("--since", help=_("only changes on or after this date (YYYY-MM-DD)"))
    command.add_argument("--limit", type=whole_number(1, 1_000_000), default=1000, help=_("at most this many entries (default 1000)"))
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=_audit)
