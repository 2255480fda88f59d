"""The store registry: add, edit, replace a secret, disable, delete, list.

Secrets enter here in clear and leave only encrypted; nothing returned by this
module holds a secret (`core.stores.credential.load_credential` decrypts one for a check).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.access import Actor, Permission, require
from core.db.models import MAX_ID, Credential, CredentialKind, CredentialState, Environment, Market, Store, saved_id, utc_now
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import N_, _, lazy
from core.stores.duplicates import refuse_duplicates
from core.stores.names import clean_name, clean_notes
from core.stores.prechecks import PrecheckResult, precheck
from core.vault import Vault, mask


@dataclass(frozen=True)
class StoreView:
    """What pages and the CLI may show about a store: never the secret itself."""

    id: int
    name: str
    environment: str
    market: str
    enabled: bool
    notes: str
    credential_kind: str
    client_id: str
    secret_masked: str
    secret_set_at: datetime | None
    seller_id: str | None  # OAuth stores only
    secret_expires_at: datetime | None  # OAuth: when the refresh token runs out
    created_at: datetime
    updated_at: datetime
    version: int

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _clean_environment(environment: str) -> str:
    try:
        return Environment(str(environment).strip().lower()).value
    except ValueError:
        raise ValidationFailed(_("'{environment}' is not an environment.", environment=environment), _("Choose production or sandbox.")) from None


def _clean_market(market: str) -> str:
    try:
        return Market(str(market).strip().lower()).value
    except ValueError:
        raise ValidationFailed(_("'{market}' is not a Walmart market.", market=market), _("Choose us, ca, mx or cl.")) from None


def _checked_keys(client_id: str, client_secret: str) -> PrecheckResult:
    result = precheck(client_id, client_secret)
    if not result.ok:
        first = result.errors[0]
        raise ValidationFailed(_("The keys were not saved: {problem}", problem=first.message), first.fix)
    return result


def _view(store: Store, credential: Credential | None) -> StoreView:
    return StoreView(
        id=saved_id(store),
        name=store.name,
        environment=store.environment,
        market=store.market,
        enabled=store.enabled,
        notes=store.notes,
        credential_kind=credential.kind if credential else "",
        client_id=credential.client_id if credential else "",
        secret_masked=mask(None, credential.secret_last4) if credential else _("(not set)"),
        secret_set_at=credential.secret_set_at if credential else None,
        seller_id=credential.seller_id if credential else None,
        secret_expires_at=credential.secret_expires_at if credential else None,
        created_at=store.created_at,
        updated_at=store.updated_at,
        version=store.version,
    )


def find_store(session: Session, name_or_id: str | int) -> Store:
    # Up to ten ASCII digits may be an id ('²' is a digit to str.isdigit, not to int); past MAX_ID a number names no row.
    if isinstance(name_or_id, int) or (name_or_id.isascii() and name_or_id.isdigit() and len(name_or_id) <= 10):
        number = int(name_or_id)
        store = session.get(Store, number) if 0 < number <= MAX_ID else None
        if store is None:  # a store may be named "42"
            store = session.exec(select(Store).where(Store.name == str(name_or_id))).first()
    else:
        store = session.exec(select(Store).where(Store.name == " ".join(unicodedata.normalize("NFC", name_or_id).split()))).first()
    if store is None:
        raise NotFound(_("There is no store called '{name}'.", name=name_or_id), _("Check the name in the store list (python -m core stores list)."))
    return store


def _credential(session: Session, store_id: int) -> Credential | None:
    return session.exec(select(Credential).where(Credential.store_id == store_id, Credential.state == CredentialState.active)).first()


def get_store(session: Session, name_or_id: str | int) -> StoreView:
    store = find_store(session, name_or_id)
    return _view(store, _credential(session, saved_id(store)))


@dataclass(frozen=True)
class StoreChoice:
    """A store as a picker shows it."""

    id: int
    name: str
    environment: str
    enabled: bool = True


def store_choices(session: Session) -> list[StoreChoice]:
    """Every store's id, name and environment, in list_stores' order: what a store picker needs, read as plain rows
    (no credential, no view), so a fleet of thousands costs one light query."""
    rows = session.exec(select(Store.id, Store.name, Store.environment, Store.enabled).order_by(func.lower(Store.name))).all()
    return [StoreChoice(int(store_id), name, environment, enabled) for store_id, name, environment, enabled in rows if store_id is not None]


def list_stores(session: Session, include_disabled: bool = True) -> list[StoreView]:
    query = select(Store, Credential).join(Credential, (col(Credential.store_id) == col(Store.id)) & (col(Credential.state) == CredentialState.active), isouter=True).order_by(func.lower(Store.name))
    if not include_disabled:
        query = query.where(Store.enabled == True)  # noqa: E712
    return [_view(store, credential) for store, credential in session.exec(query).all()]


def add_store(
    session: Session,
    vault: Vault,
    *,
    actor: Actor,
    name: str,
    environment: str,
    client_id: str,
    client_secret: str,
    notes: str = "",
    market: str = Market.us,
    allow_duplicate: bool = False,
) -> StoreView:
    """Save a store with its delegated keys. A likely duplicate (see core.stores.duplicates) is refused
    unless `allow_duplicate`; a name already taken exactly is refused always."""
    require(actor, Permission.manage_stores, N_("add stores"))
    keys = _checked_keys(client_id, client_secret)
    store = Store(name=clean_name(name), environment=_clean_environment(environment), market=_clean_market(market), notes=clean_notes(notes))
    _refuse_taken_name(session, store.name)
    refuse_duplicates(session, allow_duplicate=allow_duplicate, name=store.name, client_id=keys.client_id)
    session.add(store)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _name_taken(store.name) from None
    credential = Credential(
        store_id=saved_id(store),
        kind=CredentialKind.delegated_key,
        client_id=keys.client_id,
        secret_ciphertext=vault.encrypt(keys.client_secret),
        secret_last4=keys.client_secret[-4:],
    )
    session.add(credential)
    session.flush()
    view = _view(store, credential)
    audit.append(session, actor, "store.add", store_id=store.id, store_name=store.name, after=_audited(view))
    return view


def _name_taken(name: str) -> ValidationFailed:
    return ValidationFailed(_("A store called '{name}' already exists.", name=name), _("Pick another name, or edit the existing store."))


def _refuse_taken_name(session: Session, name: str, store_id: int | None = None) -> None:
    query = select(Store.id).where(Store.name == name)
    if store_id is not None:
        query = query.where(col(Store.id) != store_id)
    if session.exec(query).first() is not None:
        raise _name_taken(name)


def _audited(view: StoreView) -> dict[str, object]:
    """What the audit trail keeps of a store: never any part of the secret."""
    return {"name": view.name, "environment": view.environment, "market": view.market, "enabled": view.enabled, "notes": view.notes,
            "credential": view.credential_kind, "client_id": view.client_id, "seller_id": view.seller_id}


def _bump(session: Session, store: Store, expected_version: int | None) -> None:
    """Claim the next version of the store, or raise Conflict. A guarded update (version still the one read), so of
    two saves at once exactly one goes through: the other waits for its lock, then finds the version moved on."""
    version = store.version if expected_version is None else expected_version
    now = utc_now()
    claimed = store.version == version and session.exec(
        update(Store).where(col(Store.id) == store.id, col(Store.version) == version).values(version=version + 1, updated_at=now)
    ).rowcount == 1
    if not claimed:
        raise Conflict(
            _("Someone changed the store '{name}' while you were editing it. Your change was not saved.", name=store.name),
            _("Reload the store to see the latest version, then make your change again."),
        )
    store.version, store.updated_at = version + 1, now  # what the row now holds


def edit_store(
    session: Session,
    name_or_id: str | int,
    *,
    actor: Actor,
    expected_version: int | None = None,
    name: str | None = None,
    environment: str | None = None,
    client_id: str | None = None,
    notes: str | None = None,
    enabled: bool | None = None,
    allow_duplicate: bool = False,
    market: str | None = None,
) -> StoreView:
    """Change a store's basic information. The secret is changed only by `replace_secret`.
    A new name or Client ID that looks like another store's is refused unless `allow_duplicate`.
    A store connected with Walmart (OAuth, documented for the US only) keeps the US market until keys replace the grant."""
    require(actor, Permission.manage_stores, N_("edit stores"))
    store = find_store(session, name_or_id)
    store_id = saved_id(store)
    before = _audited(_view(store, _credential(session, store_id)))
    _bump(session, store, expected_version)
    new_name = clean_name(name) if name is not None else None
    new_notes = clean_notes(notes) if notes is not None else None
    credential = _credential(session, store_id)
    new_client_id = None
    if client_id is not None and credential is not None and client_id.strip() != credential.client_id:
        # Check the new ID against the stored secret only through the pre-checks that need no secret.
        keys = precheck(client_id, "x" * 8)
        blocking = [f for f in keys.errors if f.field == "client_id"]
        if blocking:
            raise ValidationFailed(_("The Client ID was not saved: {problem}", problem=blocking[0].message), blocking[0].fix)
        new_client_id = keys.client_id
    if new_name is not None and new_name != store.name:
        _refuse_taken_name(session, new_name, store_id)
        refuse_duplicates(session, allow_duplicate=allow_duplicate, name=new_name, exclude_store_id=store_id)
    if new_client_id is not None:
        refuse_duplicates(session, allow_duplicate=allow_duplicate, client_id=new_client_id, exclude_store_id=store_id)
    new_market = _clean_market(market) if market is not None else None
    if new_market is not None and new_market != Market.us and new_market != store.market:
        _refuse_oauth_outside_us(session, store, new_market)
    if new_name is not None:
        store.name = new_name
    if environment is not None:
        store.environment = _clean_environment(environment)
    if new_market is not None:
        store.market = new_market
    if new_notes is not None:
        store.notes = new_notes
    if enabled is not None:
        store.enabled = enabled
    if credential is not None and new_client_id is not None:
        credential.client_id = new_client_id
    session.add(store)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _name_taken(store.name) from None
    view = _view(store, credential)
    after = _audited(view)
    action = "store.edit" if enabled is None or enabled == before["enabled"] else ("store.enable" if enabled else "store.disable")
    audit.append(session, actor, action, store_id=store.id, store_name=store.name,
                 before={k: v for k, v in before.items() if v != after[k]}, after={k: v for k, v in after.items() if v != before[k]})
    return view


def _refuse_oauth_outside_us(session: Session, store: Store, market: str) -> None:
    """The OAuth grants are documented for the US only (core.walmart.markets): a store on one cannot change market."""
    granted = session.exec(select(Credential.id).where(Credential.store_id == store.id, Credential.kind == CredentialKind.oauth_seller,
                                                       Credential.state != CredentialState.retired)).first()
    if granted is not None:
        raise ValidationFailed(
            _("'{name}' is connected with Walmart (OAuth), which Walmart documents for US stores only, so it cannot move to the "
              "{market} market: it could no longer get access tokens.", name=store.name, market=market.upper()),
            _("Paste the store's Client ID and Client Secret for that market under Replace the keys first (python -m core stores edit "
              "NAME --replace-secret), then change the market."),
        )


def replace_secret(
    session: Session,
    vault: Vault,
    name_or_id: str | int,
    *,
    actor: Actor,
    client_secret: str,
    client_id: str | None = None,
    expected_version: int | None = None,
    allow_duplicate: bool = False,
) -> StoreView:
    """Store a new Client Secret (and optionally a new Client ID) after a key reset. A Client ID
    saved on another store is refused unless `allow_duplicate`."""
    require(actor, Permission.manage_stores, N_("replace store secrets"))
    store = find_store(session, name_or_id)
    credential = _credential(session, saved_id(store))
    keys = _checked_keys(client_id if client_id is not None else (credential.client_id if credential else ""), client_secret)
    refuse_duplicates(session, allow_duplicate=allow_duplicate, client_id=keys.client_id, exclude_store_id=saved_id(store))
    _bump(session, store, expected_version)
    before_client_id = credential.client_id if credential else ""
    if credential is None:
        credential = Credential(store_id=saved_id(store), secret_ciphertext="")
    credential.kind = CredentialKind.delegated_key
    credential.client_id = keys.client_id
    credential.secret_ciphertext = vault.encrypt(keys.client_secret)
    credential.secret_last4 = keys.client_secret[-4:]
    credential.secret_set_at = utc_now()
    session.add_all([store, credential])
    session.flush()
    audit.append(session, actor, "store.secret_replaced", store_id=store.id, store_name=store.name,
                 before={"client_id": before_client_id}, after={"client_id": credential.client_id}, detail=lazy("Client Secret replaced (not recorded)"))
    return _view(store, credential)


def set_enabled(session: Session, name_or_id: str | int, enabled: bool, *, actor: Actor, expected_version: int | None = None) -> StoreView:
    return edit_store(session, name_or_id, actor=actor, enabled=enabled, expected_version=expected_version)


def delete_store(session: Session, name_or_id: str | int, *, actor: Actor, expected_version: int | None = None) -> str:
    """Delete a store with its credential, check history and mappings. Returns its name."""
    require(actor, Permission.manage_stores, N_("delete stores"))
    store = find_store(session, name_or_id)
    if expected_version is not None:
        _bump(session, store, expected_version)
    name, store_id = store.name, store.id
    before = _audited(_view(store, _credential(session, saved_id(store))))
    session.delete(store)
    session.flush()
    audit.append(session, actor, "store.delete", store_id=store_id, store_name=name, before=before)
    return name
