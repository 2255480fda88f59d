"""The two levels of a mapping: made for all stores (the default mapping) or for one store (an override).

Every mapping function that reads or writes one level's own mappings takes a
`scope`: a store's id for that store's overrides, or ALL_STORES (0) for the
default mapping. Import, export, clone, the grid and plan/apply all take it, so
both levels go through the same code. What applies to a store (its overrides,
then the defaults it does not override) is read with core.mapping.resolve.

    scope = parse_scope(session, "all")          # ALL_STORES; "Acme US" or "7": that store's id
    level_of(scope)                               # Level.default / Level.store
    scope_label(session, scope)                   # "All stores (default)" / the store's name, for people
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Table, select
from sqlmodel import Session

from core.db.models import ALL_STORES, Store, saved_id
from core.db.models.base import table_of
from core.i18n import N_, Text, _, lazy
from core.stores.registry import find_store

__all__ = ["ALL_STORES", "ALL_STORES_WORD", "Level", "level_of", "parse_scope", "scope_label", "scope_name", "LEVEL_LABELS", "audited_level"]

# What the command line (`--store all`) and the integration contract call the default level.
ALL_STORES_WORD = "all"
_STORE: Table = table_of(Store)


class Level(StrEnum):
    """Where an effective mapping comes from. The values are machine-readable (view, --json) and never translated."""

    store = "store"  # the store's own mapping: an override
    default = "default"  # the mapping made for all stores


LEVEL_LABELS = {Level.store: N_("This store"), Level.default: N_("All stores")}


def level_of(scope: int) -> Level:
    return Level.default if scope == ALL_STORES else Level.store


def parse_scope(session: Session, text: str | int) -> int:
    """A --store value as a scope: 'all' (any letter case) is ALL_STORES, anything else a store's name or id.

    A store that is really named 'all' is reached by its id. Raises NotFound for an unknown store.
    """
    if isinstance(text, str) and text.strip().lower() == ALL_STORES_WORD:
        return ALL_STORES
    return saved_id(find_store(session, text))


def scope_name(session: Session, scope: int) -> str:
    """The store's name, as audit entries keep it (they outlive the store); '' for all stores."""
    if scope == ALL_STORES:
        return ""
    return session.execute(select(_STORE.c.name).where(_STORE.c.id == scope)).scalar_one_or_none() or ""


def scope_label(session: Session, scope: int) -> str:
    """What people call the scope: the store's name, or 'All stores (default)'. Outside text when it is a store's name."""
    return _("All stores (default)") if scope == ALL_STORES else scope_name(session, scope)


def audited_level(scope: int) -> Text:
    """The level as audit details say it: kept untranslated in the trail, read in the reader's language."""
    return lazy("all stores (default mapping)") if scope == ALL_STORES else lazy("store override")
