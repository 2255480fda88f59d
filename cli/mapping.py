"""`python -m core catalog ...` and `python -m core mappings ...`: the same core functions the pages use.

`--store all` means the mapping made for all stores (the default); a store's name
or id means that store's own mappings (its overrides). A store really named "all"
is reached by its id.

Exit codes: 0 applied (or, for a dry run, clean; for resolve, mapped), 1 the file
or some of its rows were rejected (nothing was written; for resolve, unmapped),
2 a usage error (bad option, unknown store, missing file).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import Session

from cli import pairing as pairing_commands
from cli.main import EXIT_OK, Subparsers, cli_actor, print_json, whole_number
from cli.mapping_history import add_history_command
from core import catalog
from core.db.engine import session_scope
from core.i18n import N_, _, format_number
from core.mapping import clone as mapping_clone
from core.mapping import export as mapping_export
from core.mapping import imports as mapping_import
from core.mapping import resolve as mapping_resolve
from core.mapping.bundles import MAX_QUANTITY, format_bundle
from core.mapping.changes import ChangeKind, ClonePolicy
from core.mapping.levels import ALL_STORES_WORD, Level, parse_scope, scope_label
from core.runtime import Runtime
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.files import read_spreadsheet_file
from core.spreadsheets.limits import COMMAND_LINE_LIMITS
from core.spreadsheets.table import RowError, error_report_csv
from core.spreadsheets.writers import format_from_filename, write_file, write_file_with

EXIT_REJECTED = 1
EXIT_UNMAPPED = 1
ERRORS_SHOWN = 20
STORE_OR_ALL = N_("store name or id, or 'all' for the mapping made for all stores (the default)")


def _scope(session: Session, name: str) -> tuple[int, str]:
    """(scope, what to call it) for a --store value: 'all' or a store (core.mapping.levels)."""
    scope = parse_scope(session, name)
    return scope, scope_label(session, scope)


def _refuse_file(problem: SpreadsheetError, as_json: bool) -> int:
    if as_json:
        print_json({"applied": False, "error": problem.message, "fix": problem.fix})
    else:
        print(_("The file was not imported: {problem}", problem=problem.message), file=sys.stderr)
        if problem.fix:
            print(_("What to do: {fix}", fix=problem.fix), file=sys.stderr)
    return EXIT_REJECTED


def _print_errors(errors: list[RowError], report_path: str | None) -> None:
    print(_("Rows with problems ({count}):", count=format_number(len(errors))))
    for error in errors[:ERRORS_SHOWN]:
        where = _("row {row}", row=error.row) if error.row is not None else _("file")
        print(f"  {where}, {error.column}: {error.message} {error.fix}".rstrip())
    if len(errors) > ERRORS_SHOWN:
        more = len(errors) - ERRORS_SHOWN
        if report_path:
            print(_("  ... and {count} more", count=format_number(more)))
        else:
            print(_("  ... and {count} more (write them all with --error-report FILE)", count=format_number(more)))


def _write_report(errors: list[RowError], path: str | None) -> None:
    if path and errors:
        write_file(Path(path), error_report_csv(errors))
        print(_("Error report written to {file}.", file=path), file=sys.stderr)


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
            scope, label = _scope(session, args.store)
            plan = mapping_import.import_mappings(session, scope, data, Path(args.file).name, actor=cli_actor(),
                                                 mode=args.mode, dry_run=args.dry_run, limits=COMMAND_LINE_LIMITS)
    except SpreadsheetError as problem:
        return _refuse_file(problem, args.json)
    _write_report(plan.errors, args.error_report)
    if args.json:
        print_json({"store": label if plan.scope else ALL_STORES_WORD, **plan.to_dict()})
    else:
        print(_("Mappings of: {level}", level=label))
        print(plan.summary())
        for change in plan.changes.changes(ChangeKind.changed, limit=10):
            print(_("  change {sku}: {before} -> {after}", sku=change.platform_sku, before=format_bundle(change.before),
                    after=format_bundle(change.after)))
        removed = plan.changes.platform_skus(ChangeKind.removed)
        if removed:
            print(_("  remove: {skus}", skus=", ".join(removed[:10]) + (" ..." if len(removed) > 10 else "")))
        if plan.errors:
            _print_errors(plan.errors, args.error_report)
            print(_("Nothing was imported."))
        elif args.dry_run:
            print(_("Dry run: nothing was written. Run again without --dry-run to import."))
    return EXIT_REJECTED if plan.errors else EXIT_OK


def _mappings_export(args: argparse.Namespace, runtime: Runtime) -> int:
    file_format = format_from_filename(args.output)
    with session_scope(runtime.engine) as session:  # read only; the file is written as the rows come
        scope, label = _scope(session, args.store)
        exported = write_file_with(Path(args.output), lambda target: mapping_export.write_export(target, session, scope, file_format))
    platform_skus, rows = exported.platform_skus, exported.rows
    if scope:
        print(_("Exported {skus} platform SKUs ({rows} rows) of store '{store}' to {file}: its own mappings; those it takes from "
                "all stores are exported with --store all.", skus=format_number(platform_skus), rows=format_number(rows), store=label, file=args.output))
    else:
        print(_("Exported {skus} platform SKUs ({rows} rows) of the mapping for all stores to {file}.",
                skus=format_number(platform_skus), rows=format_number(rows), file=args.output))
    return EXIT_OK


def _mappings_clone(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        source, source_label = _scope(session, args.source)
        target, target_label = _scope(session, args.target)
        plan = mapping_clone.plan_clone(session, source, target, sku_filter=args.sku_filter or "", policy=args.policy)
        if not args.dry_run:
            mapping_clone.apply_clone(session, plan, actor=cli_actor())
    if args.json:
        print_json({"from": source_label if source else ALL_STORES_WORD, "to": target_label if target else ALL_STORES_WORD,
                    "applied": not args.dry_run, **plan.to_dict()})
        return EXIT_OK
    clone = _("Preview of cloning '{source}' -> '{target}' ({policy}): {summary}") if args.dry_run else \
        _("Cloned '{source}' -> '{target}' ({policy}): {summary}")
    print(clone.format(source=source_label, target=target_label, policy=args.policy, summary=plan.summary()))
    for change in plan.changes.changes(ChangeKind.skipped, limit=10):
        print(_("  kept {sku}: {before} (source has {after})", sku=change.platform_sku, before=format_bundle(change.before),
                after=format_bundle(change.after)))
    if args.dry_run:
        print(_("Dry run: nothing was written."))
    return EXIT_OK


def _mappings_resolve(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        found = mapping_resolve.resolve(session, args.store, args.sku, args.quantity)
    if args.json:
        print_json(found.to_dict())
        return EXIT_OK if found.mapped else EXIT_UNMAPPED
    if isinstance(found, mapping_resolve.Unmapped):
        print(_("'{sku}' is not mapped for store '{store}': neither the store's own mappings nor the mapping for all stores "
                "cover it.", sku=found.platform_sku, store=found.store_name))
        return EXIT_UNMAPPED
    source = _("this store's own mapping") if found.level == Level.store else _("the mapping for all stores")
    print(_("{quantity} x '{sku}' in store '{store}' ships (from {source}, version {version}):", quantity=format_number(found.quantity),
            sku=found.platform_sku, store=found.store_name, source=source, version=found.version))
    for part in found.components:
        name = f" ({part.product_name})" if part.product_name else ""
        print(_("  {quantity} x {sku}{name}  [{per_unit} per unit]", quantity=format_number(part.quantity), sku=part.system_sku,
                name=name, per_unit=format_number(part.quantity_per_unit)))
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("catalog", help=_("the OMS product catalog (system SKUs)"))
    commands = group.add_subparsers(dest="catalog_command", required=True)
    importing = commands.add_parser("import", help=_("add and update products from a CSV/XLSX file; exit 1 if rows are rejected"))
    importing.add_argument("file")
    importing.add_argument("--dry-run", action="store_true", help=_("check the file and show what would change, without saving"))
    importing.add_argument("--error-report", metavar="FILE", help=_("write the rows with problems to this CSV file"))
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(handler=_catalog_import)

    group = subparsers.add_parser("mappings", help=_("import, export, clone and resolve product mappings; pairing rules and suggestions"))
    commands = group.add_subparsers(dest="mappings_command", required=True)

    importing = commands.add_parser("import", help=_("import a mapping file into a store or all stores; exit 1 if rows are rejected"))
    importing.add_argument("file")
    importing.add_argument("--store", required=True, help=_(STORE_OR_ALL))
    importing.add_argument("--mode", choices=[m.value for m in mapping_import.ImportMode], default="merge",
                           help=_("merge: add and update (default); replace: the level's mappings become exactly the file's"))
    importing.add_argument("--dry-run", action="store_true", help=_("show the plan without writing anything"))
    importing.add_argument("--error-report", metavar="FILE", help=_("write the rows with problems to this CSV file"))
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(handler=_mappings_import)

    exporting = commands.add_parser("export", help=_("write a store's own mappings, or those for all stores, to a .csv or .xlsx file"))
    exporting.add_argument("--store", required=True, help=_(STORE_OR_ALL))
    exporting.add_argument("--output", required=True, metavar="FILE", help=_("the file to write; .csv or .xlsx chooses the format"))
    exporting.set_defaults(handler=_mappings_export)

    cloning = commands.add_parser("clone", help=_("copy one store's own mappings to another (or to or from 'all': all stores)"))
    cloning.add_argument("--from", dest="source", required=True, metavar="STORE", help=_(STORE_OR_ALL))
    cloning.add_argument("--to", dest="target", required=True, metavar="STORE", help=_(STORE_OR_ALL))
    cloning.add_argument("--sku-filter", metavar="TEXT", help=_("only mappings whose platform or system SKU contains TEXT"))
    cloning.add_argument("--policy", choices=[p.value for p in ClonePolicy], default="skip",
                         help=_("when the target already maps a SKU differently: skip keeps the target's (default), overwrite replaces it"))
    cloning.add_argument("--dry-run", action="store_true", help=_("show what would be copied without writing"))
    cloning.add_argument("--json", action="store_true")
    cloning.set_defaults(handler=_mappings_clone)

    resolving = commands.add_parser("resolve", help=_("what ships for a platform SKU sold in a store; exit 0 mapped, 1 unmapped"))
    resolving.add_argument("--store", required=True, help=_("store name or id"))
    resolving.add_argument("--sku", required=True, help=_("the platform SKU, exactly as sold"))
    resolving.add_argument("--quantity", type=whole_number(1, MAX_QUANTITY), default=1, help=_("units sold (default 1)"))
    resolving.add_argument("--json", action="store_true")
    resolving.set_defaults(handler=_mappings_resolve)

    add_history_command(commands)
    pairing_commands.add_commands(commands)  # rules and suggest: automatic pairing (cli/pairing.py)
