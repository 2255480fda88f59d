"""Likely duplicates, named before anything is saved: the same Client ID or Walmart seller ID on another
store (its orders would be imported twice), or a name that differs from another store's only in case,
spacing or Unicode form.

Pages show `find_duplicates` as warnings while the user types; saving anyway takes a deliberate
confirm. The services refuse with `LikelyDuplicate` unless the caller passes `allow_duplicate=True`
(the confirm on a page, `--allow-duplicate` on the command line).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.db.models import Credential, CredentialKind, CredentialState, Store
from core.errors import ValidationFailed
from core.i18n import _
from core.stores.names import name_key


class DuplicateKind(StrEnum):
    name = "name"
    client_id = "client_id"
    seller_id = "seller_id"


@dataclass(frozen=True)
class Duplicate:
    kind: DuplicateKind
    store_id: int  # the other store
    store_name: str
    value: str  # the name, Client ID or seller ID the two share

    @property
    def message(self) -> str:
        if self.kind == DuplicateKind.name:
            return _("The name looks the same as the existing store '{other}' (it differs only in case, spacing or "
                     "character form).", other=self.store_name)
        if self.kind == DuplicateKind.client_id:
            return _("The Client ID {client_id} is already saved on the store '{other}'. One key on two stores imports "
                     "every order twice.", client_id=self.value, other=self.store_name)
        return _("Walmart seller {seller_id} is already connected to the store '{other}'. One seller on two stores "
                 "imports every order twice.", seller_id=self.value, other=self.store_name)

    def to_dict(self) -> dict[str, object]:
        return {"kind": str(self.kind), "store_id": self.store_id, "store": self.store_name, "value": self.value}


class LikelyDuplicate(ValidationFailed):
    """Refused because it looks like a store that already exists; the same call with allow_duplicate=True saves it."""

    def __init__(self, duplicates: list[Duplicate]):
        super().__init__(
            " ".join(duplicate.message for duplicate in duplicates),
            _("Check that this really is a different store. If it is, confirm saving anyway "
              "(on the command line: repeat with --allow-duplicate); otherwise use the existing store."),
        )
        self.duplicates = duplicates


def find_duplicates(session: Session, *, name: str | None = None, client_id: str | None = None, seller_id: str | None = None,
                    exclude_store_id: int | None = None) -> list[Duplicate]:
    """Other stores that look like the one described. Empty values are not compared."""
    found: list[Duplicate] = []
    others = select(Store.id, Store.name)
    if exclude_store_id is not None:
        others = others.where(col(Store.id) != exclude_store_id)
    if name and (key := name_key(name)):
        # Every name is read: a key in Python covers NFKC and casefolding the same way on every database.
        found += [Duplicate(DuplicateKind.name, store_id, other, name) for store_id, other in session.exec(others).all()
                  if store_id is not None and name_key(other) == key]
    for kind, value, column, credential_kind in (
        (DuplicateKind.client_id, client_id, Credential.client_id, CredentialKind.delegated_key),
        (DuplicateKind.seller_id, seller_id, Credential.seller_id, CredentialKind.oauth_seller),
    ):
        value = (value or "").strip()
        if not value:
            continue
        query = (select(Store.id, Store.name).join(Credential, col(Credential.store_id) == col(Store.id))
                 .where(func.lower(column) == value.lower(), Credential.kind == credential_kind, Credential.state != CredentialState.retired))
        if exclude_store_id is not None:
            query = query.where(col(Store.id) != exclude_store_id)
        found += [Duplicate(kind, store_id, other, value) for store_id, other in session.exec(query.distinct()).all() if store_id is not None]
    return found


def refuse_duplicates(session: Session, *, allow_duplicate: bool, name: str | None = None, client_id: str | None = None,
                      seller_id: str | None = None, exclude_store_id: int | None = None) -> None:
    if allow_duplicate:
        return
    duplicates = find_duplicates(session, name=name, client_id=client_id, seller_id=seller_id, exclude_store_id=exclude_store_id)
    if duplicates:
        raise LikelyDuplicate(duplicates)
