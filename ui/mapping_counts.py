"""Counts over a level's mappings, kept while the level stands still.

Counting 100,000 mappings reads every one of them, and the mapping page shows its counts (the figures, the grid's
number of pages) on every rerun and to every person. They are kept per process, keyed on what they were read at:
`mapping_versions` (the store's and the default's version counters), which every write to either moves, whoever
made it (the page, the command line, another server). So a count is never older than the mappings it describes;
the versions are read first, in the same unit of work as the count.
"""
from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from core.mapping import repository as mapping
from core.mapping.repository import Coverage

_KEPT = 1024  # entries: a handful of integers each


def coverage(session: Session, database: str, scope: int) -> Coverage:
    """`repository.coverage`, kept while the level's versions stand still. `database` tells databases apart."""
    return _coverage(session, database, scope, mapping.mapping_versions(session, scope))


def count_mappings(session: Session, database: str, scope: int, *, sku_text: str, bundles_only: bool, effective: bool) -> int:
    """`repository.count_mappings`, kept while the level's versions stand still."""
    versions = mapping.mapping_versions(session, scope)
    return _count(session, database, scope, sku_text.strip().lower(), bundles_only, effective, versions)


@st.cache_data(max_entries=_KEPT, show_spinner=False)
def _coverage(_session: Session, database: str, scope: int, versions: tuple[int, int]) -> Coverage:
    return mapping.coverage(_session, scope)


@st.cache_data(max_entries=_KEPT, show_spinner=False)
def _count(_session: Session, database: str, scope: int, sku_text: str, bundles_only: bool, effective: bool, versions: tuple[int, int]) -> int:
    return mapping.count_mappings(_session, scope, sku_text=sku_text, bundles_only=bundles_only, effective=effective)
