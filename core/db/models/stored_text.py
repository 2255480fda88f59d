"""A text column for messages people read later, perhaps in another language than the writer's.

A check's summary and a status change's detail are written as `core.i18n.dumps(Text)` (the message kept
untranslated) and read back already rendered in the language of whoever reads them. Rows written before messages
were kept untranslated hold plain text, which reads back unchanged.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

from core.i18n import loads, render


class StoredText(TypeDecorator[str]):
    """TEXT in the database (the schema and migrations are unchanged); a rendered message in Python."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else render(loads(value))
