"""Orders as mapping needs them: the last read of a store's recent orders, and their lines.

Only what turning an order line into system SKUs needs is kept: the purchase order ID, its date, and each
line's number, SKU, product name, quantity and status. No customer name, e-mail or address is ever stored.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now
from core.db.models.catalog import SKU_MAX_LENGTH

PURCHASE_ORDER_ID_MAX_LENGTH = 40  # Walmart's are 13 to 15 digits; room for other markets
LINE_NUMBER_MAX_LENGTH = 20
PRODUCT_NAME_MAX_LENGTH = 300
LINE_STATUS_MAX_LENGTH = 20


class OrderRead(SQLModel, table=True):
    """The last time a store's recent orders were read from Walmart, and how it went (one row per store)."""

    __tablename__ = "order_read"

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True, autoincrement=False))
    read_at: datetime = Field(default_factory=utc_now)
    days: int = Field(sa_column=Column(Integer, nullable=False))  # the window read: orders created in the last `days` days
    orders_read: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    lines_read: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # True when the read stopped before Walmart's last page (throttled, cut off, the cap): the stored lines then
    # hold what this read found merged with what earlier reads found (core.orders.sync).
    partial: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    retry_at: datetime | None = None  # when Walmart said to try again, after a 429
    # Why the read did not go through (a core.i18n.dumps Text: shown in the reader's language), None when it did.
    finding: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    finding_faq: str | None = Field(default=None, max_length=60)  # the FAQ entry that says what to do about the finding
    # The SKUs awaiting mapping after this read, one per line: what tells a newly blocked SKU from a known one.
    blocked_skus: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class OrderLine(SQLModel, table=True):
    """One line of a recent Walmart order of a store. Key: (store, purchase order, line number)."""

    __tablename__ = "order_line"
    # WITHOUT ROWID on SQLite: the rows live in the primary key's B-tree, one fewer to write for each of a read's lines.
    __table_args__ = (Index("ix_order_line_store_sku", "store_id", "sku"), {"sqlite_with_rowid": False})

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True, autoincrement=False))
    purchase_order_id: str = Field(sa_column=Column(String(PURCHASE_ORDER_ID_MAX_LENGTH), primary_key=True))
    line_number: str = Field(sa_column=Column(String(LINE_NUMBER_MAX_LENGTH), primary_key=True))
    order_date: datetime
    sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), nullable=False))
    product_name: str = Field(default="", sa_column=Column(String(PRODUCT_NAME_MAX_LENGTH), nullable=False, default=""))
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    status: str = Field(default="", sa_column=Column(String(LINE_STATUS_MAX_LENGTH), nullable=False, default=""))
