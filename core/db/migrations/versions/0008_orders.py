"""Orders as mapping needs them: `order_read` (a store's last read of its recent orders) and `order_line`
(their lines: purchase order, date, line number, SKU, product name, quantity, status; no customer data).

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_read",
        sa.Column("store_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("orders_read", sa.Integer(), nullable=False),
        sa.Column("lines_read", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("retry_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("finding_faq", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("blocked_skus", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.create_table(
        "order_line",
        sa.Column("store_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("purchase_order_id", sa.String(length=40), nullable=False),
        sa.Column("line_number", sa.String(length=20), nullable=False),
        sa.Column("order_date", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("product_name", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id", "purchase_order_id", "line_number"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_order_line_store_sku", "order_line", ["store_id", "sku"])


def downgrade() -> None:
    op.drop_index("ix_order_line_store_sku", table_name="order_line")
    op.drop_table("order_line")
    op.drop_table("order_read")
