"""`python -m core catalog ...` and `python -m core mappings ...`: the same core functions the pages use.

Exit codes: 0 applied (or, for a dry run, clean), 1 the file or some of its rows
were rejected (nothing was written), 2 a usage error (bad option, unknown store,
missing file).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import Session

from cli.main import EXIT_OK, Subparsers, cli_actor, print_json
from core import catalog
from core.db.engine import session_scope
from core.db.models import Store, saved_id
from core.mapping import clone as mapping_clone
from core.mapping import export as mapping_export
from core.mapping import imports as mapping_import
from core.mapping.bundles import format_bundle
from core.mapping.changes import ChangeKind, ClonePolicy
from core.runtime import Runtime
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.files import read_spreadsheet_file
from core.spreadsheets.limits import COMMAND_LINE_LIMITS
from core.spreadsheets.table import RowError, error_report_csv
from core.spreadsheets.writers import format_from_filename, write_file

EXIT_REJECTED = 1
ERRORS_SHOWN = 20


def _find_store(session: Session, name: str) -> Store:
    from core.stores.registry import find_store  # the store registry's own lookup and its NotFound message

    return find_store(session, name)


def _refuse_file(problem: SpreadsheetError, as_json: bool) -> int:
    if as_json:
        print_json({"applied": False, "error": problem.message, "fix": problem.fix})
    else:
        print(f"The file was not imported: {problem.message}", file=sys.stderr)
        if problem.fix:
            print(f"What to do: {problem.fix}", file=sys.stderr)
    return EXIT_REJECTED


def _print_errors(errors: list[RowError], report_path: str | None) -> None:
    print(f"Rows with problems ({len(errors)}):")
    for error in errors[:ERRORS_SHOWN]:
        where = f"row {error.row}" if error.row is not None else "file"
        print(f"  {where}, {error.column}: {error.message} {error.fix}".rstrip())
    if len(errors) > ERRORS_SHOWN:
        hint = "" if report_path else " (write them all with --error-report FILE)"
        print(f"  ... and {len(errors) - ERRORS_SHOWN} more{hint}")


def _write_report(errors: list[RowError], path: str | None) -> None:
    if path and errors:
        write_file(Path(path), error_report_csv(errors))
        print(f"Error report written to {path}.", file=sys.stderr)


def _catalog_import(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        data = read_spreadsheet_file(args.file, COMMAND_LINE_LIMITS)
        with session_scope(runtime.engine) as session:
            result = catalog.import_catalog(session, data, Path(args.file).name, actor=cli_actor(), dry_run=args.dry_run,
                                            limits=COMMAND_LINE_LIMITS)
    except SpreadsheetError as problem:
        return _refuse_file(problem, args.json)
    _write_report(result.errors, args.error_report)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.summary())
        if result.errors:
            _print_errors(result.errors, args.error_report)
    return EXIT_REJECTED if result.errors else EXIT_OK


def _mappings_import(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        data = read_spreadsheet_file(args.file, COMMAND_LINE_LIMITS)
        with session_scope(runtime.engine) as session:
            store = _find_store(session, args.store)
            plan = mapping_import.import_mappings(session, saved_id(store), data, Path(args.file).name, actor=cli_actor(),
                                                 mode=args.mode, dry_run=args.dry_run, limits=COMMAND_LINE_LIMITS)
    except SpreadsheetError as problem:
        return _refuse_file(problem, args.json)
    _write_report(plan.errors, args.error_report)
    if args.json:
        print_json({"store": store.name, **plan.to_dict()})
    else:
        print(plan.summary())
        for change in plan.changes.changes(ChangeKind.changed, limit=10):
            print(f"  change {change.platform_sku}: {format_bundle(change.before)} -> {format_bundle(change.after)}")
        removed = plan.changes.platform_skus(ChangeKind.removed)
        if removed:
            print(f"  remove: {', '.join(removed[:10])}{' ...' if len(removed) > 10 else ''}")
        if plan.errors:
            _print_errors(plan.errors, args.error_report)
            print("Nothing was imported.")
        elif args.dry_run:
            print("Dry run: nothing was written. Run again without --dry-run to import.")
    return EXIT_REJECTED if plan.errors else EXIT_OK


def _mappings_export(args: argparse.Namespace, runtime: Runtime) -> int:
    file_format = format_from_filename(args.output)
    with session_scope(runtime.engine) as session:
        store = _find_store(session, args.store)
        rows = mapping_export.export_rows(session, saved_id(store))
        data = mapping_export.export_mappings(session, saved_id(store), file_format)
    write_file(Path(args.output), data)
    platform_skus = len({row[0] for row in rows})
    print(f"Exported {platform_skus} platform SKUs ({len(rows)} rows) of store '{store.name}' to {args.output}.")
    return EXIT_OK


def _mappings_clone(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        source = _find_store(session, args.source)
        target = _find_store(session, args.target)
        plan = mapping_clone.plan_clone(session, saved_id(source), saved_id(target), sku_filter=args.sku_filter or "", policy=args.policy)
        if not args.dry_run:
            mapping_clone.apply_clone(session, plan, actor=cli_actor())
    if args.json:
        print_json({"from": source.name, "to": target.name, "applied": not args.dry_run, **plan.to_dict()})
        return EXIT_OK
    verb = "Preview of cloning" if args.dry_run else "Cloned"
    print(f"{verb} '{source.name}' -> '{target.name}' ({args.policy}): {plan.summary()}")
    for change in plan.changes.changes(ChangeKind.skipped, limit=10):
        print(f"  kept {change.platform_sku}: {format_bundle(change.before)} (source has {format_bundle(change.after)})")
    if args.dry_run:
        print("Dry run: nothing was written.")
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("catalog", help="the OMS product catalog (system SKUs)")
    commands = group.add_subparsers(dest="catalog_command", required=True)
    importing = commands.add_parser("import", help="add and update products from a CSV/XLSX file; exit 1 if rows are rejected")
    importing.add_argument("file")
    importing.add_argument("--dry-run", action="store_true", help="check the file and show what would change, without saving")
    importing.add_argument("--error-report", metavar="FILE", help="write the rows with problems to this CSV file")
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(handler=_catalog_import)

    group = subparsers.add_parser("mappings", help="import, export and clone product mappings")
    commands = group.add_subparsers(dest="mappings_command", required=True)

    importing = commands.add_parser("import", help="import a mapping file into a store; exit 1 if rows are rejected")
    importing.add_argument("file")
    importing.add_argument("--store", required=True, help="store name or id")
    importing.add_argument("--mode", choices=[m.value for m in mapping_import.ImportMode], default="merge",
                           help="merge: add and update (default); replace: the store's mappings become exactly the file's")
    importing.add_argument("--dry-run", action="store_true", help="show the plan without writing anything")
    importing.add_argument("--error-report", metavar="FILE", help="write the rows with problems to this CSV file")
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(handler=_mappings_import)

    exporting = commands.add_parser("export", help="write a store's mappings to a .csv or .xlsx file")
    exporting.add_argument("--store", required=True, help="store name or id")
    exporting.add_argument("--output", required=True, metavar="FILE", help="the file to write; .csv or .xlsx chooses the format")
    exporting.set_defaults(handler=_mappings_export)

    cloning = commands.add_parser("clone", help="copy one store's mappings to another")
    cloning.add_argument("--from", dest="source", required=True, metavar="STORE")
    cloning.add_argument("--to", dest="target", required=True, metavar="STORE")
    cloning.add_argument("--sku-filter", metavar="TEXT", help="only mappings whose platform or system SKU contains TEXT")
    cloning.add_argument("--policy", choices=[p.value for p in ClonePolicy], default="skip",
                         help="when the target already maps a SKU differently: skip keeps the target's (default), overwrite replaces it")
    cloning.add_argument("--dry-run", action="store_true", help="show what would be copied without writing")
    cloning.add_argument("--json", action="store_true")
    cloning.set_defaults(handler=_mappings_clone)
