"""Importing a mapping spreadsheet into one level: a store's own mappings, or the default for all stores.

    plan = plan_import(session, scope, data, "mappings.csv", mode="merge")      # dry run: writes nothing
    plan.counts(); plan.errors; plan.changes.changes(ChangeKind.changed)        # show it
    apply_plan(session, plan, actor=actor)                                      # one transaction, or Conflict

A file without a Quantity column maps each plain row at quantity 1; a bundle cell
(SKU-A*2+SKU-B*1) carries its own quantities either way.

`scope` is a store's id or ALL_STORES (core.mapping.levels). Merge mode adds and
updates the platform SKUs in the file and leaves the scope's others alone. Replace
mode also removes the scope's platform SKUs that are not in the file, so the level
ends up exactly as the file says; replacing a store's overrides never touches the
default mapping, and the other way round.

A plan with row errors is not applied, unless the caller explicitly discards the
rejected rows: then the platform SKUs with errors are left exactly as they are
in the store (replace mode does not remove them either).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.config import DATA_DIR
from core.db.models import ALL_STORES
from core.errors import ValidationFailed
from core.i18n import N_, _, format_number, lazy, ngettext
from core.mapping.changes import ChangeKind, ChangeSet, apply_changes, plan_changes
from core.mapping.columns import MAPPING_COLUMNS, QUANTITY, meant_sku
from core.mapping.history import ChangeSource, Through
from core.mapping.levels import audited_level, level_of, scope_name
from core.mapping.rules import validate_rows
from core.spreadsheets.cells import TEXT
from core.spreadsheets.limits import UPLOAD_LIMITS, Limits
from core.spreadsheets.lookalikes import nfc_column
from core.spreadsheets.table import RowError, Table, error_report_csv, read_table
from core.spreadsheets.writers import write_table

MAPPING_TEMPLATE = DATA_DIR / "templates" / "mapping_template.csv"


class ImportMode(StrEnum):
    merge = "merge"  # add and update; keep the store's other mappings
    replace = "replace"  # type: ignore[assignment]  # the store's mappings become exactly the file's (shadows str.replace)


MODE_NAMES = {ImportMode.merge: N_("merge"), ImportMode.replace: N_("replace")}  # the codes stay in --json and the audit's `after`


@dataclass
class ImportPlan:
    """What importing a file would do, worked out without writing anything."""

    scope: int  # a store's id, or ALL_STORES
    mode: ImportMode
    filename: str
    source: Table
    changes: ChangeSet
    errors: list[RowError] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)  # platform SKUs left out because of row errors
    applied: bool = False

    @property
    def ok(self) -> bool:
        """True when every row is valid."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = self.changes.counts()
        return {
            "rows": len(self.source.frame),
            "added": counts["added"],
            "changed": counts["changed"],
            "removed": counts["removed"],
            "unchanged": counts["unchanged"],
            "rows_with_errors": len({e.row for e in self.errors}),
            "platform_skus_rejected": len({meant_sku(sku) for sku in self.rejected} - {""}),
        }

    def error_report(self) -> bytes:
        """The row errors as CSV (UTF-8 with BOM) to download and work through."""
        return error_report_csv(self.errors)

    def summary(self) -> str:
        """The one account of the plan, before and after applying: every figure, rows with errors among them.
        It never says the store matches the file while rows were rejected: a rejected row may be what differs."""
        figures = self.counts()
        counts = {name: format_number(value) for name, value in figures.items()}
        if self.applied:
            text = _("Imported '{file}' ({source}), {mode} mode: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.",
                     file=self.filename, source=self.source.describe(), mode=_(MODE_NAMES[self.mode]), **counts)
        else:
            text = _("Preview '{file}' ({source}), {mode} mode: {added} to add, {changed} to change, {removed} to remove, {unchanged} unchanged.",
                     file=self.filename, source=self.source.describe(), mode=_(MODE_NAMES[self.mode]), **counts)
        if self.errors:
            rows = ngettext("{n} row has problems", "{n} rows have problems", figures["rows_with_errors"])
            skus = ngettext("{n} platform SKU left out", "{n} platform SKUs left out", figures["platform_skus_rejected"])
            text += " " + (_("{rows} ({skus}): they were skipped and stay as they were.", rows=rows, skus=skus) if self.applied
                           else _("{rows} ({skus}); nothing is saved until they are fixed or you choose to skip them.", rows=rows, skus=skus))
        elif not self.applied and not self.changes.has_writes:
            text += " " + _("The store already matches this file: there is nothing to import.")
        notes = " ".join(self.source.notes)
        return f"{text} {notes}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "store_id": None if self.scope == ALL_STORES else self.scope,
            "level": str(level_of(self.scope)),
            "mode": str(self.mode),
            "file": self.filename,
            "source": self.source.to_dict(),
            "applied": self.applied,
            "counts": self.counts(),
            "added": self.changes.platform_skus(ChangeKind.added),
            "changed": [c.to_dict() for c in self.changes.changes(ChangeKind.changed, limit=None)],
            "removed": self.changes.platform_skus(ChangeKind.removed),
            "errors": [e.to_dict() for e in self.errors],
        }


def read_mapping_file(data: bytes, filename: str, limits: Limits = UPLOAD_LIMITS) -> Table:
    """The file as a table of platform_sku, system_sku, quantity (and product_name) text cells.

    SKUs are NFC-normalised. Without a Quantity column every row's quantity is 1 (a bundle cell's own quantities still apply).
    """
    table = read_table(data, filename, MAPPING_COLUMNS, limits=limits)
    for key in ("platform_sku", "system_sku"):  # one form for SKUs that look the same (Café in NFC and NFD)
        table.frame[key] = nfc_column(table.frame[key])
    if QUANTITY.key not in table.headers:
        table.frame[QUANTITY.key] = pd.Series("1", index=table.frame.index, dtype=TEXT)
        table.notes.append(_("The file has no Quantity column, so each row counts as quantity 1 (a bundle cell such as "
                             "SKU-A*2+SKU-B*1 keeps its own quantities)."))
    return table


def plan_import(
    session: Session, scope: int, data: bytes, filename: str, *, mode: ImportMode | str = ImportMode.merge, limits: Limits = UPLOAD_LIMITS
) -> ImportPlan:
    """The dry run: read and check the file, and compare it with the scope's own mappings. Writes nothing.

    Raises SpreadsheetError (a ValidationFailed) when the file cannot be read at all;
    row problems are returned in `plan.errors`, each with its spreadsheet row number.
    `limits` says how much the file may hold (the command line passes its larger ones).
    """
    try:
        mode = ImportMode(mode)
    except ValueError:
        raise ValidationFailed(_("'{mode}' is not an import mode.", mode=mode),
                               _("Choose merge (add and update) or replace (make the store match the file).")) from None
    source = read_mapping_file(data, filename, limits)
    labels = {key: text.strip() or key for key, text in source.headers.items()}
    checked = validate_rows(session, source.frame, labels)
    changes = plan_changes(session, scope, checked.components, replace=mode == ImportMode.replace, keep=checked.rejected)
    return ImportPlan(scope, mode, filename, source, changes, checked.errors, checked.rejected)


def apply_plan(session: Session, plan: ImportPlan, *, actor: Actor, discard_rejected: bool = False) -> dict[str, int]:
    """Write the plan in the caller's transaction.

    Needs the editor role. Raises ValidationFailed when the plan has row errors
    (unless `discard_rejected`), and Conflict when the scope's mappings changed
    since the plan was made. Records one audit entry with the counts, not one per row,
    linked to the history's change set, which has each platform SKU before and after.
    """
    require(actor, Permission.edit_mappings, N_("import product mappings"))
    if plan.errors and not discard_rejected:
        raise ValidationFailed(
            ngettext("{n} row of '{file}' has a problem, so nothing was imported.", "{n} rows of '{file}' have problems, so nothing was imported.",
                     len({e.row for e in plan.errors}), file=plan.filename),
            _("Download the error report, fix those rows and upload the file again, or choose to skip the rows with problems."),
        )
    if plan.applied:
        raise ValidationFailed(_("This import was already applied."), _("Upload the file again to make a new preview."))
    applied = apply_changes(session, plan.changes, ChangeSource(Through.imported, actor, plan.filename))
    plan.applied = True
    _audit(session, actor, plan, applied.change_set)
    return plan.counts()


def _audit(session: Session, actor: Actor, plan: ImportPlan, change_set: int | None = None) -> None:
    counts = plan.counts()
    audit.append(
        session, actor, "import.apply", store_id=None if plan.scope == ALL_STORES else plan.scope, store_name=scope_name(session, plan.scope),
        subject=plan.filename, after={"level": str(level_of(plan.scope)), "mode": str(plan.mode), **counts, "change_set": change_set},
        detail=lazy("{level}, {mode} mode: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged; "
                    "{rejected} platform SKUs with problems left as they were", level=audited_level(plan.scope), mode=lazy(MODE_NAMES[plan.mode]),
                    rejected=counts["platform_skus_rejected"], **_figures(counts)) if plan.errors
               else lazy("{level}, {mode} mode: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged",
                         level=audited_level(plan.scope), mode=lazy(MODE_NAMES[plan.mode]), **_figures(counts)),
    )


def _figures(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts[name] for name in ("added", "changed", "removed", "unchanged")}


def import_mappings(
    session: Session, scope: int, data: bytes, filename: str, *, actor: Actor, mode: ImportMode | str = ImportMode.merge, dry_run: bool = False,
    limits: Limits = UPLOAD_LIMITS,
) -> ImportPlan:
    """Plan, then apply when the file is clean and this is not a dry run (the CLI's one-step import).

    A dry run needs only the viewer role; an import needs editor."""
    require(actor, Permission.view if dry_run else Permission.edit_mappings, N_("preview an import") if dry_run else N_("import product mappings"))
    plan = plan_import(session, scope, data, filename, mode=mode, limits=limits)
    if not dry_run and plan.ok:
        if plan.changes.has_writes:
            apply_plan(session, plan, actor=actor)
        else:  # a clean file that changes nothing is applied too: the level already matches it
            plan.applied = True
            _audit(session, actor, plan)
    return plan


def mapping_template(format: str = "csv") -> bytes:
    """The mapping template with an example bundle in both forms.

    data/templates/mapping_template.csv is the one source; the XLSX is made from it
    on demand, so the two can never disagree.
    """
    if format == "csv":
        return MAPPING_TEMPLATE.read_bytes()
    rows = list(csv.reader(io.StringIO(MAPPING_TEMPLATE.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], [[int(cell) if cell.isdigit() and n == 2 else cell for n, cell in enumerate(row)] for row in rows[1:]]
    return write_table(format, header, body, sheet_title="Mappings", widths=[24, 30, 10, 40])
