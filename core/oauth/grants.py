"""Keeping a seller grant once Walmart gave it, and when it replaces a store's credential.

A store with no credential gets the grant as its credential at once. A store that has one gets it as
*pending*: the old credential stays in use until the new grant is verified. Then a re-connected OAuth
store swaps by itself, and a store on delegated keys waits for the user to confirm the switch (which
wipes its keys). If verification fails, nothing changes for the store and the user is told.

A refresh token is never lost once Walmart issued it: a new store's name taken in the meantime gets
the next free name ("Acme (2)"), and a store deleted while it was being connected comes back as a new
store. Both are said in plain words. (A free name rather than a connection waiting in a queue: the
store works at once, with its checks and alerts, and renaming it is one edit.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core import audit
from core.access import Actor, Permission, require
from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.check import check_credential
from core.authorization.history import record
from core.authorization.outcome import Outcome, Status
from core.db.models import Credential, CredentialKind, CredentialState, Market, Store, saved_id, utc_now
from core.errors import NotFound, ValidationFailed
from core.i18n import N_, _, lazy
from core.runtime import Runtime
from core.stores.credential import SellerGrant, load_credential
from core.stores.names import MAX_NAME_LENGTH
from core.vault import Vault

REFRESH_TOKEN_LIFETIME = timedelta(days=365)
VERIFIED = (Status.authorized, Status.missing_permissions)  # Walmart accepts the grant (a missing permission is the seller's to fix)


class ConnectState(StrEnum):
    """Where a store stands after a connect."""

    connected = "connected"  # the grant is the store's credential (a new store, or one that had none)
    reconnected = "reconnected"  # verified, and it replaced the store's previous OAuth grant
    waiting_for_switch = "waiting_for_switch"  # the store keeps its delegated keys until the user confirms
    not_verified = "not_verified"  # Walmart did not accept it yet: the store keeps its previous grant


@dataclass(frozen=True)
class KeptGrant:
    store_id: int
    store_name: str
    credential_id: int
    replaces: str | None  # the kind of the credential it is meant to replace; None: it is the store's credential already
    note: str | None  # something the user must hear (the store was renamed or made again), in plain words


def keep_grant(session: Session, vault: Vault, actor: Actor, *, store_id: int | None, new_store_name: str | None, environment: str,
               app_id: str, seller_id: str, refresh_token: str) -> KeptGrant:
    """Save the grant Walmart just issued, encrypted, for an existing store (pending if it has a credential) or a new one."""
    note = None
    store = session.get(Store, store_id) if store_id is not None else None
    created = store is None
    if store is None:
        wanted = new_store_name or _("Walmart seller {seller_id}", seller_id=seller_id)
        store = _new_store(session, wanted, environment, actor)
        if store_id is not None:
            note = _("The store was deleted while the seller was approving, so the connection was kept as a new store '{name}'.",
                     name=store.name)
        elif store.name != wanted:
            note = _("A store called '{wanted}' was added while the seller was approving, so this connection was saved as "
                     "'{name}'. Rename it, or delete whichever of the two is not needed.", wanted=wanted, name=store.name)
    saved_store_id = saved_id(store)
    current = _in_state(session, saved_store_id, CredentialState.active)
    for stale in session.exec(select(Credential).where(Credential.store_id == saved_store_id, Credential.state == CredentialState.pending)).all():
        retire(stale)
    credential = Credential(
        store_id=saved_store_id,
        kind=CredentialKind.oauth_seller,
        state=CredentialState.active if current is None else CredentialState.pending,
        client_id=app_id,
        seller_id=seller_id,
        secret_ciphertext=vault.encrypt(refresh_token),
        secret_last4=refresh_token[-4:],
        secret_expires_at=utc_now() + REFRESH_TOKEN_LIFETIME,
    )
    session.add(credential)
    _touch(store)
    session.add(store)
    session.flush()
    audit.append(session, actor, "oauth.connect", store_id=store.id, store_name=store.name,
                 after={"credential": CredentialKind.oauth_seller, "seller_id": seller_id, "state": credential.state},
                 detail=lazy("new store") if created else (lazy("waiting for verification") if current else lazy("connected")))
    return KeptGrant(saved_store_id, store.name, saved_id(credential), current.kind if current else None, note)


def _new_store(session: Session, wanted: str, environment: str, actor: Actor) -> Store:
    """A new US store under `wanted`, or the next free name: "Acme (2)", "Acme (3)" ..."""
    for number in range(1, 1000):
        suffix = f" ({number})" if number > 1 else ""
        name = wanted[: MAX_NAME_LENGTH - len(suffix)] + suffix
        if session.exec(select(Store.id).where(Store.name == name)).first() is not None:
            continue
        store = Store(name=name, environment=environment, market=Market.us, notes=_("Connected with Walmart by {user}.", user=actor.name))
        try:
            with session.begin_nested():  # a name taken between the look and the insert: try the next one
                session.add(store)
                session.flush()
        except IntegrityError:
            continue
        return store
    raise ValidationFailed(_("No free store name was found for '{name}'.", name=wanted), _("Rename some of the stores with that name, then connect again."))


def settle(session: Session, kept: KeptGrant, verification: Outcome, alerts: AlertPolicy, actor: Actor) -> ConnectState:
    """What the verification of a kept grant means for the store: mark it verified, swap a re-connect in,
    and record the check when the grant is (now) the store's credential."""
    credential = session.get(Credential, kept.credential_id)
    if credential is None or credential.state == CredentialState.retired:
        raise NotFound(_("This authorization was replaced in the meantime."), _("Reload the page to see the store's current authorization."))
    verified = verification.status in VERIFIED
    if verified:
        credential.verified_at = verification.checked_at
        session.add(credential)
    if credential.state == CredentialState.active:
        record(session, kept.store_id, verification, alerts)
        return ConnectState.connected
    if kept.replaces == CredentialKind.delegated_key:
        return ConnectState.waiting_for_switch
    if not verified:
        return ConnectState.not_verified
    swap(session, credential)
    record(session, kept.store_id, verification, alerts)
    store = session.get(Store, kept.store_id)
    audit.append(session, actor, "oauth.reconnect", store_id=kept.store_id, store_name=store.name if store else kept.store_name,
                 after={"credential": CredentialKind.oauth_seller, "seller_id": credential.seller_id}, detail=lazy("verified; previous grant wiped"))
    return ConnectState.reconnected


def swap(session: Session, pending: Credential) -> None:
    """Make `pending` the store's credential and wipe the one it replaces."""
    for current in session.exec(select(Credential).where(Credential.store_id == pending.store_id, Credential.state == CredentialState.active)).all():
        retire(current)
    pending.state = CredentialState.active
    store = session.get(Store, pending.store_id)
    if store is not None:
        _touch(store)
        session.add(store)
    session.add(pending)
    session.flush()


def retire(credential: Credential) -> None:
    credential.state = CredentialState.retired
    credential.secret_ciphertext = ""  # nothing left to decrypt, nothing to leak


def _touch(store: Store) -> None:
    store.version += 1
    store.updated_at = utc_now()


def _in_state(session: Session, store_id: int, state: CredentialState) -> Credential | None:
    return session.exec(select(Credential).where(Credential.store_id == store_id, Credential.state == state)).first()


def confirm_switch(session: Session, store_id: int, *, actor: Actor) -> None:
    """Make a verified pending OAuth authorization the store's credential and wipe the old keys."""
    require(actor, Permission.manage_stores, N_("switch stores to OAuth"))
    pending = _in_state(session, store_id, CredentialState.pending)
    if pending is None:
        raise NotFound(_("This store has no new authorization waiting."), _("Start Connect for the store first."))
    if pending.verified_at is None:
        raise ValidationFailed(_("The new authorization has not been verified, so the old keys were kept."),
                               _("Press Verify again; if Walmart keeps refusing it, start Connect again."))
    before = _in_state(session, store_id, CredentialState.active)
    swap(session, pending)
    store = session.get(Store, store_id)
    if store is None:  # cannot happen while a credential of it exists (foreign key); said for the type checker
        raise NotFound(_("That store no longer exists."), _("Reload the page."))
    audit.append(session, actor, "oauth.switch", store_id=store.id, store_name=store.name,
                 before={"credential": before.kind if before else None}, after={"credential": CredentialKind.oauth_seller, "seller_id": pending.seller_id},
                 detail=lazy("old credential wiped"))


def verify_pending(runtime: Runtime, store_id: int, *, actor: Actor) -> tuple[Outcome, ConnectState]:
    """Check a store's pending OAuth authorization again: a verified re-connect swaps in, a move off delegated keys waits for the switch."""
    require(actor, Permission.manage_stores, N_("verify a new authorization"))
    with runtime.transaction() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise NotFound(_("This store no longer exists."), _("Reload the page."))
        pending = _in_state(session, store_id, CredentialState.pending)
        grant = load_credential(session, runtime.vault, store, state=CredentialState.pending) if pending else None
        current = _in_state(session, store_id, CredentialState.active)
    if pending is None or not isinstance(grant, SellerGrant):
        raise NotFound(_("This store has no new authorization waiting."), _("Start Connect for the store first."))
    kept = KeptGrant(store_id, store.name, saved_id(pending), current.kind if current else None, None)
    outcome = check_credential(runtime, grant)
    with runtime.transaction() as session:
        state = settle(session, kept, outcome, AlertPolicy.from_settings(runtime.settings), actor)
    deliver_pending(runtime.transaction, runtime.settings.alert_webhook_url)
    return outcome, state
