"""Automatic pairing: pairing rule sets (for all stores, or one store), rejected suggestions, and barcodes as GTIN-14.

Every catalog barcode that is a valid GTIN (8, 12, 13 or 14 digits with a right check digit, spaces and hyphens
ignored) is rewritten in its 14-digit form, so that a UPC-12 in the catalog equals Walmart's GTIN-14 of the same
code. Barcodes that are not valid are left as they were: the pairing ignores them, and the next catalog import
that gives the product a barcode says what is wrong with it. The check is copied here as it is today (a migration
is history). Downgrade drops the two tables and keeps the barcodes in the 14-digit form, which is still valid.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import re

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SEPARATORS = re.compile(r"[\s\-]")


def _gtin14(text: str) -> str | None:
    value = _SEPARATORS.sub("", text)
    if not (value.isascii() and value.isdigit() and len(value) in (8, 12, 13, 14)):
        return None
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(value[:-1])))
    return value.rjust(14, "0") if (10 - total % 10) % 10 == int(value[-1]) else None


def upgrade() -> None:
    op.create_table(
        "pairing_rule_set",
        sa.Column("scope_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.CheckConstraint("(store_id IS NULL AND scope_id = 0) OR (store_id = scope_id AND scope_id > 0)", name="ck_pairing_rule_set_store"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope_id"),
    )
    op.create_table(
        "pairing_rejection",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("platform_sku", sa.String(length=100), nullable=False),
        sa.Column("system_sku", sa.String(length=100), nullable=False),
        sa.Column("rejected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("rejected_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id", "platform_sku", "system_sku"),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, barcode FROM catalog_product WHERE barcode IS NOT NULL")).all()
    changed = [{"id": row_id, "barcode": gtin} for row_id, barcode in rows if (gtin := _gtin14(barcode)) and gtin != barcode]
    if changed:
        connection.execute(sa.text("UPDATE catalog_product SET barcode = :barcode WHERE id = :id"), changed)


def downgrade() -> None:
    op.drop_table("pairing_rejection")
    op.drop_table("pairing_rule_set")
