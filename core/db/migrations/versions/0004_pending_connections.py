"""Seller-started connects: connect states a seller started at our Login URL, and the grants they produced,
kept as pending connections until an admin attaches them to a store.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connectrequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seller_started", sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        "pendingconnection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("seller_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("secret_last4", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("secret_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state"),
    )
    with op.batch_alter_table("pendingconnection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pendingconnection_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pendingconnection_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pendingconnection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pendingconnection_status"))
        batch_op.drop_index(batch_op.f("ix_pendingconnection_seller_id"))
    op.drop_table("pendingconnection")
    with op.batch_alter_table("connectrequest", schema=None) as batch_op:
        batch_op.drop_column("seller_started")
