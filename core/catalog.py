"""The OMS product catalog: the system SKUs that mappings may point at.

Imported from the OMS's product export (CSV or XLSX), browsed and searched by the
pages. An import adds new products and updates existing ones; it never deletes,
because mappings may point at a product that a partial export happens to leave out.

Barcodes are checked and kept as GTIN-14 (core.barcodes), so a UPC-12 in the catalog
equals Walmart's 14-digit GTIN of the same code. Two products may share a barcode; they
are marked (`ProductView.barcode_shared`), because a barcode match to them is ambiguous.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, or_, select, update
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.barcodes import BarcodeProblem, is_upc_header, parse_barcode
from core.config import DATA_DIR
from core.db.bulk import in_chunks
from core.db.models import AuditEntry, CatalogProduct, utc_now
from core.db.models.base import table_of
from core.db.models.catalog import SKU_MAX_LENGTH
from core.errors import NotFound, ValidationFailed
from core.i18n import N_, _, lazy, ngettext
from core.spreadsheets.cells import describe_hidden_characters, has_hidden_characters, has_invisible, is_blank, longer_than
from core.spreadsheets.limits import UPLOAD_LIMITS, Limits
from core.spreadsheets.lookalikes import has_lookalike, lookalike, nfc, nfc_column
from core.spreadsheets.table import Column, RowError, Table, error_report_csv, read_table
from core.spreadsheets.writers import write_table

NAME_MAX_LENGTH = 300
BARCODE_MAX_LENGTH = 64
CATALOG_TEMPLATE = DATA_DIR / "templates" / "catalog_template.csv"
# Below this many SKUs a lookup asks for exactly those; above it, reading the whole
# catalog once is cheaper than many IN (...) queries.
_LOOKUP_ALL_ABOVE = 2_000
_PRODUCT = table_of(CatalogProduct)
_AUDIT = table_of(AuditEntry)
_CHANGES = ("catalog.add", "catalog.import")  # the audit actions of every change to the catalog

SYSTEM_SKU = Column("system_sku", N_("System SKU"), ("SKU", "系统SKU", "OMS SKU", "商品SKU", "产品SKU", "本地SKU", "Product SKU", "Item SKU"))
NAME = Column("name", N_("Product name"), ("Name", "产品名称", "商品名称", "名称", "品名", "Title", "Product title"), required=False)
BARCODE = Column("barcode", N_("Barcode"), ("UPC", "EAN", "GTIN", "条码", "条形码", "商品条码"), required=False)
ACTIVE = Column("active", N_("Active"), ("Enabled", "Status", "启用", "是否启用", "状态"), required=False)
CATALOG_COLUMNS = (SYSTEM_SKU, NAME, BARCODE, ACTIVE)

_YES = {"", "1", "y", "yes", "true", "active", "enabled", "on", "是", "启用", "有效", "在售"}
_NO = {"0", "n", "no", "false", "inactive", "disabled", "off", "否", "停用", "禁用", "无效", "停售"}


@dataclass(frozen=True)
class ProductView:
    system_sku: str
    name: str
    barcode: str | None  # GTIN-14
    active: bool
    barcode_shared: bool = False  # another product has the same barcode

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("system_sku", "name", "barcode", "active")}


@dataclass
class CatalogPage:
    products: list[ProductView]
    total: int  # how many match the search, across all pages
    offset: int
    limit: int


@dataclass
class CatalogImportResult:
    """What a catalog import did, or would do when `applied` is False."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    source: Table | None = None
    shared_barcodes: list[str] = field(default_factory=list)  # the file's barcodes that more than one product has (would have)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_report(self) -> bytes:
        return error_report_csv(self.errors)

    def summary(self) -> str:
        added, updated = len(self.added), len(self.updated)
        if self.applied:
            text = _("{added}, {updated}, {unchanged} unchanged.", added=ngettext("{n} product added", "{n} products added", added),
                     updated=_("{n} updated", n=updated), unchanged=self.unchanged)
        else:
            text = _("{added}, {updated}, {unchanged} unchanged.", added=ngettext("{n} product would be added", "{n} products would be added", added),
                     updated=_("{n} would be updated", n=updated), unchanged=self.unchanged)
        if self.errors:
            text += " " + ngettext("{n} row has a problem, so nothing was saved; fix it and import again.",
                                   "{n} rows have problems, so nothing was saved; fix them and import again.", len({e.row for e in self.errors}))
        elif self.shared_barcodes:
            text += " " + ngettext(
                "{n} barcode is on more than one product, so a listing with it is never paired automatically.",
                "{n} barcodes are on more than one product, so listings with them are never paired automatically.",
                len(self.shared_barcodes))
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.to_dict() for e in self.errors],
            "shared_barcodes": self.shared_barcodes,
            "file": self.source.to_dict() if self.source else None,
        }


# --------------------------------------------------------------------------- lookups


def existing_skus(session: Session, skus: Iterable[str]) -> set[str]:
    """Which of these system SKUs are in the catalog (exact, case-sensitive match)."""
    wanted = set(skus)
    if not wanted:
        return set()
    column = _PRODUCT.c.system_sku
    if len(wanted) > _LOOKUP_ALL_ABOVE:
        return wanted.intersection(session.execute(select(column)).scalars().all())
    found: set[str] = set()
    for chunk in in_chunks(sorted(wanted)):
        found.update(session.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def product_names(session: Session, skus: Iterable[str]) -> dict[str, str]:
    """System SKU -> product name, for the SKUs that exist."""
    table = _PRODUCT
    names: dict[str, str] = {}
    for chunk in in_chunks(sorted(set(skus))):
        names.update((sku, name) for sku, name in session.execute(select(table.c.system_sku, table.c.name).where(table.c.system_sku.in_(chunk))))
    return names


def similar_skus(session: Session, skus: Iterable[str]) -> dict[str, str]:
    """For SKUs not in the catalog, a catalog SKU that differs only in letter case ('sku-a' -> 'SKU-A')."""
    wanted: dict[str, set[str]] = {}
    for sku in skus:
        wanted.setdefault(sku.casefold(), set()).add(sku)
    if not wanted:
        return {}
    column = _PRODUCT.c.system_sku
    suggestions: dict[str, str] = {}
    for chunk in in_chunks(sorted(wanted)):
        for sku in session.execute(select(column).where(func.lower(column).in_(chunk))).scalars():
            for original in wanted.get(sku.casefold(), ()):
                if original != sku:
                    suggestions[original] = sku
    return suggestions


def search_catalog(session: Session, text: str = "", *, active_only: bool = False, offset: int = 0, limit: int = 50) -> CatalogPage:
    """Products whose SKU, name or barcode contains `text` (any letter case), in SKU order."""
    table = _PRODUCT
    conditions = []
    needle = (text or "").strip().lower()
    if needle:
        conditions.append(
            or_(
                func.lower(table.c.system_sku).contains(needle, autoescape=True),
                func.lower(table.c.name).contains(needle, autoescape=True),
                func.lower(func.coalesce(table.c.barcode, "")).contains(needle, autoescape=True),
            )
        )
    if active_only:
        conditions.append(table.c.active.is_(True))
    total = session.execute(select(func.count()).select_from(table).where(*conditions)).scalar_one()
    rows = session.execute(
        select(table.c.system_sku, table.c.name, table.c.barcode, table.c.active)
        .where(*conditions)
        .order_by(table.c.system_sku)
        .offset(max(offset, 0))
        .limit(max(limit, 1))
    ).all()
    shared = shared_barcodes(session, {row.barcode for row in rows if row.barcode})
    return CatalogPage([ProductView(sku, name, barcode, active, barcode in shared) for sku, name, barcode, active in rows], total, offset, limit)


def shared_barcodes(session: Session, barcodes: Iterable[str] | None = None) -> set[str]:
    """The barcodes (of these, or all) that more than one product has: a barcode match to them is ambiguous."""
    column = _PRODUCT.c.barcode
    statement = select(column).where(column.is_not(None)).group_by(column).having(func.count() > 1)
    if barcodes is None:
        return set(session.execute(statement).scalars())
    found: set[str] = set()
    for chunk in in_chunks(sorted(set(barcodes))):
        found.update(session.execute(statement.where(column.in_(chunk))).scalars())
    return found


def active_products(session: Session) -> list[tuple[str, str, str | None]]:
    """(system SKU, name, barcode) of every active product, in SKU order: what automatic pairing may suggest."""
    table = _PRODUCT
    statement = select(table.c.system_sku, table.c.name, table.c.barcode).where(table.c.active.is_(True)).order_by(table.c.system_sku)
    return [(sku, name, barcode) for sku, name, barcode in session.execute(statement)]  # plain tuples: cheaper to keep than Rows


def catalog_version(session: Session) -> tuple[int, int]:
    """(products, the id of the latest catalog change in the audit trail): it moves with every product added or
    changed, so work computed from the catalog (pairing suggestions) knows when it is stale."""
    products = catalog_size(session)
    latest = session.execute(select(func.max(_AUDIT.c.id)).where(_AUDIT.c.action.in_(_CHANGES))).scalar_one_or_none()
    return products, latest or 0


def catalog_size(session: Session) -> int:
    size: int = session.execute(select(func.count()).select_from(_PRODUCT)).scalar_one()
    return size


# --------------------------------------------------------------------------- changes


def get_product(session: Session, system_sku: str) -> ProductView:
    """One product by its exact system SKU; raises NotFound."""
    table = _PRODUCT
    row = session.execute(select(table.c.system_sku, table.c.name, table.c.barcode, table.c.active)
                          .where(table.c.system_sku == nfc(system_sku))).first()
    if row is None:
        raise NotFound(_("System SKU '{sku}' is not in the catalog.", sku=system_sku), _("Search the catalog for it, or add it."))
    return ProductView(*row)


def _details(name: str, barcode: str | None) -> tuple[str, str | None]:
    """A product's name and barcode as kept (trimmed; an empty barcode is none), or ValidationFailed saying what is wrong."""
    name, barcode = (name or "").strip(), (barcode or "").strip() or None
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(_("The product name is {length} characters long; the limit is {limit}.", length=len(name), limit=NAME_MAX_LENGTH),
                               _("Shorten it."))
    if barcode is not None and (len(barcode) > BARCODE_MAX_LENGTH or has_invisible(pd.Series([barcode], dtype=object)).any()):
        raise ValidationFailed(_("The barcode is longer than {limit} characters or has hidden characters.", limit=BARCODE_MAX_LENGTH),
                               _("Retype the barcode: digits only, for example a 12-digit UPC."))
    return name, barcode


def add_product(
    session: Session, system_sku: str, name: str = "", barcode: str | None = None, active: bool = True, *, actor: Actor
) -> ProductView:
    """Add one product; raises ValidationFailed when the SKU is unusable or taken, or the name or barcode is."""
    require(actor, Permission.edit_mappings, N_("change the product catalog"))
    system_sku = nfc(system_sku)
    problem = sku_problem(system_sku)
    if problem:
        raise ValidationFailed(*problem)
    name, barcode = _details(name, barcode)
    if existing_skus(session, [system_sku]):
        raise ValidationFailed(_("System SKU '{sku}' is already in the catalog.", sku=system_sku), _("Search for it and edit it instead."))
    gtin = None
    if (barcode or "").strip():
        found = parse_barcode(barcode or "")
        if isinstance(found, BarcodeProblem):
            raise ValidationFailed(found.message, found.fix)
        gtin = found
    now = utc_now()
    session.execute(
        insert(_PRODUCT),
        [{"system_sku": system_sku, "name": (name or "").strip()[:NAME_MAX_LENGTH], "barcode": gtin,
          "active": active, "created_at": now, "updated_at": now}],
    )
    view = ProductView(system_sku, (name or "").strip(), gtin, active)
    audit.append(session, actor, "catalog.add", subject=system_sku, after=view.to_dict())
    return view


def edit_product(session: Session, system_sku: str, *, name: str, barcode: str | None, active: bool, actor: Actor) -> ProductView:
    """Change one product's name, barcode and whether it is active, with an audit entry of before and after.

    The system SKU itself never changes: mappings point at it, and the OMS knows the product by it.
    Returns the product as saved; a product left as it was is not audited. Raises NotFound or ValidationFailed.
    """
    require(actor, Permission.edit_mappings, N_("change the product catalog"))
    before = get_product(session, system_sku)
    name, barcode = _details(name, barcode)
    after = ProductView(before.system_sku, name, barcode, active)
    if after == before:
        return before
    session.execute(update(_PRODUCT).where(_PRODUCT.c.system_sku == before.system_sku)
                    .values(name=name, barcode=barcode, active=active, updated_at=utc_now()))
    audit.append(session, actor, "catalog.update", subject=before.system_sku, before=before.to_dict(), after=after.to_dict())
    return after


def sku_problem(value: str, what: str = "System SKU", allowed: str = "") -> tuple[str, str] | None:
    """Why a text cannot be a SKU, as (message, fix); None when it can. Shared by every SKU check.

    `what` names the cell in the message, e.g. "Platform SKU". The text is expected in NFC
    (core.spreadsheets.lookalikes.nfc), as every input path gives it; look-alike characters
    (full-width letters, a Cyrillic letter among Latin ones) are refused, except those in
    `allowed` (the full-width ＊ and ＋ of a bundle cell).
    """
    if not value or not value.strip():
        return _("{what} is empty.", what=_(what)), _("Type the SKU.")
    hidden = describe_hidden_characters(value)
    if hidden:
        return (
            _("{what} '{value}' has {hidden}.", what=_(what), value=value, hidden=hidden),
            _("Retype the SKU by hand, or paste it as plain text, so that it has no hidden characters or extra spaces."),
        )
    if len(value) > SKU_MAX_LENGTH:
        return (_("{what} is {length} characters long; the limit is {limit}.", what=_(what), length=len(value), limit=SKU_MAX_LENGTH),
                _("Check that two cells were not joined together."))
    found = lookalike(value, allowed)
    if found and found.kind == "compatibility":
        return (
            _("{what} '{value}' has '{character}' ({name}) at position {position}, a look-alike of '{plain}'.",
              what=_(what), value=value, character=found.character, name=found.name, position=found.position, plain=found.plain),
            _("Type '{plain}' instead (switch the keyboard to half-width): a SKU is kept in one form, so that look-alikes "
              "never become two different SKUs.", plain=found.plain),
        )
    if found:
        return (
            _("{what} '{value}' mixes Latin letters with the {script} letter '{character}' ({name}) at position {position}, "
              "which looks like a Latin letter.", what=_(what), value=value, script=_(found.script), character=found.character,
              name=found.name, position=found.position),
            _("Retype the SKU with one keyboard layout: a Cyrillic or Greek layout types letters that only look Latin."),
        )
    return None


def catalog_template(format: str = "csv") -> bytes:
    """The catalog template (the CSV file under data/templates is the source for both formats)."""
    if format == "csv":
        return CATALOG_TEMPLATE.read_bytes()
    table = pd.read_csv(CATALOG_TEMPLATE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return write_table(format, list(table.columns), table.values.tolist(), sheet_title="Catalog", widths=[20, 40, 16, 10])


def import_catalog(
    session: Session, data: bytes, filename: str, *, actor: Actor, dry_run: bool = False, limits: Limits = UPLOAD_LIMITS
) -> CatalogImportResult:
    """Add and update products from a file, all or nothing.

    Blank name, barcode or active cells leave an existing product's value as it
    is. When any row has a problem, nothing is saved and `errors` says which.
    Raises SpreadsheetError when the file itself cannot be read. A dry run needs
    only the viewer role; applying needs editor, and is recorded in the audit trail.
    `limits` says how much the file may hold (the command line passes its larger ones).
    """
    if dry_run:
        require(actor, Permission.view, N_("preview a catalog import"))
    else:
        require(actor, Permission.edit_mappings, N_("import into the product catalog"))
    source = read_table(data, filename, CATALOG_COLUMNS, limits=limits)
    frame = source.frame
    frame["system_sku"] = nfc_column(frame["system_sku"])
    result = CatalogImportResult(source=source)
    result.errors = _row_errors(frame, source)
    if result.errors:
        return result

    frame["name"] = frame["name"].str.strip()
    frame["barcode"] = _gtin_column(frame["barcode"], upc_e=_upc_column(source))
    frame["active_value"] = frame["active"].str.strip().str.casefold().map(lambda v: None if v == "" else v not in _NO)

    table = _PRODUCT
    current = {
        row.system_sku: row
        for chunk in in_chunks(frame["system_sku"].tolist())
        for row in session.execute(
            select(table.c.id, table.c.system_sku, table.c.name, table.c.barcode, table.c.active).where(table.c.system_sku.in_(chunk))
        )
    }
    now = utc_now()
    inserts, updates = [], []
    for sku, name, barcode, active in zip(frame["system_sku"], frame["name"], frame["barcode"], frame["active_value"]):
        existing = current.get(sku)
        if existing is None:
            inserts.append({"system_sku": sku, "name": name, "barcode": barcode or None, "active": True if active is None else active, "created_at": now, "updated_at": now})
            continue
        wanted = {
            "name": name or existing.name,
            "barcode": barcode or existing.barcode,
            "active": existing.active if active is None else active,
        }
        if (wanted["name"], wanted["barcode"], wanted["active"]) == (existing.name, existing.barcode, existing.active):
            result.unchanged += 1
        else:
            updates.append({"id": existing.id, **wanted, "updated_at": now})
            result.updated.append(sku)
    result.added = [row["system_sku"] for row in inserts]
    result.shared_barcodes = _shared_after(session, frame, current)
    if dry_run:
        return result
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        session.execute(update(CatalogProduct), updates)  # bulk UPDATE by primary key
    session.flush()
    result.applied = True
    audit.append(session, actor, "catalog.import", subject=filename,
                 after={"added": len(result.added), "updated": len(result.updated), "unchanged": result.unchanged},
                 detail=lazy("{added} added, {updated} updated, {unchanged} unchanged", added=len(result.added), updated=len(result.updated),
                             unchanged=result.unchanged))
    return result


def _upc_column(source: Table) -> bool:
    """Whether the barcode column is headed UPC, so that its 8-digit codes are UPC-E (core.barcodes)."""
    return is_upc_header(source.headers.get(BARCODE.key, ""))


def _gtin_column(cells: pd.Series[str], *, upc_e: bool) -> pd.Series[str]:
    """Barcode cells (checked already) as GTIN-14; blank cells stay ''."""
    return cells.map(lambda cell: parse_barcode(cell, upc_e=upc_e) if cell.strip() else "").astype(cells.dtype)


def _shared_after(session: Session, frame: pd.DataFrame, current: dict[str, Any]) -> list[str]:
    """The file's barcodes that more than one product would have once it is imported."""
    wanted = {sku: barcode or (current[sku].barcode if sku in current else None)
              for sku, barcode in zip(frame["system_sku"], frame["barcode"])}
    barcodes = {barcode for barcode in wanted.values() if barcode}
    if not barcodes:
        return []
    owners: dict[str, set[str]] = {}
    for sku, barcode in wanted.items():
        if barcode:
            owners.setdefault(barcode, set()).add(sku)
    table = _PRODUCT
    for chunk in in_chunks(sorted(barcodes)):
        for sku, barcode in session.execute(select(table.c.system_sku, table.c.barcode).where(table.c.barcode.in_(chunk))):
            if sku not in wanted:  # products the file leaves as they are
                owners[barcode].add(sku)
    return sorted(barcode for barcode, skus in owners.items() if len(skus) > 1)


def _row_errors(frame: pd.DataFrame, source: Table) -> list[RowError]:
    label = {column.key: source.headers.get(column.key, column.label) for column in CATALOG_COLUMNS}
    errors: list[RowError] = []
    sku = frame["system_sku"]
    bad_sku = pd.Series(is_blank(sku) | has_hidden_characters(sku) | longer_than(sku, SKU_MAX_LENGTH) | has_lookalike(sku), index=sku.index)
    for row, value in zip(sku.index[bad_sku], sku[bad_sku]):
        message, fix = sku_problem(value, label["system_sku"]) or ("", "")
        errors.append(RowError(int(row), label["system_sku"], value, message, fix, value))
    repeated = sku.duplicated(keep="first") & ~bad_sku
    if repeated.any():
        first_row = {value: row for row, value in sku[~sku.duplicated(keep="first")].items()}
        for row, value in zip(sku.index[repeated], sku[repeated]):
            errors.append(RowError(int(row), label["system_sku"], value, _("System SKU '{sku}' is also on row {row}.", sku=value, row=first_row[value]),
                                   _("Keep one row per product and delete the other."), value))
    long_names = longer_than(frame["name"], NAME_MAX_LENGTH)
    for row, value in frame.loc[long_names, "name"].items():
        errors.append(RowError(int(row), label["name"], value[:40] + "…", _("The product name is longer than {limit} characters.", limit=NAME_MAX_LENGTH),
                               _("Shorten it."), sku[row]))
    barcode = frame["barcode"].str.strip()
    bad_barcode = longer_than(barcode, BARCODE_MAX_LENGTH) | has_invisible(barcode)
    for row, value in frame.loc[bad_barcode, "barcode"].items():
        errors.append(RowError(int(row), label["barcode"], value, _("The barcode is longer than {limit} characters or has hidden characters.",
                                                                    limit=BARCODE_MAX_LENGTH),
                               _("Retype the barcode: digits only, for example a 12-digit UPC."), sku[row]))
    upc_e = _upc_column(source)
    for row, value in barcode[~bad_barcode & (barcode != "")].items():
        found = parse_barcode(value, upc_e=upc_e)
        if isinstance(found, BarcodeProblem):
            errors.append(RowError(int(row), label["barcode"], value, found.message, found.fix, sku[row]))
    active = frame["active"].str.strip().str.casefold()
    bad_active = ~active.isin(_YES | _NO)
    for row, value in zip(frame.index[bad_active], frame.loc[bad_active, "active"]):
        errors.append(RowError(int(row), label["active"], value, _("'{value}' is not yes or no.", value=value),
                               _("Write yes or no (or leave it empty for yes)."), sku[row]))
    errors.sort(key=lambda e: (e.row or 0, e.column))
    return errors
