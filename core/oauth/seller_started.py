"""Seller-started connect: a seller presses "Connect" on our app in Walmart's App Store
(walmart-orders-markets.md §4.2) and lands on the app's registered Login URL.

1. The Login URL (open without sign-in) hands out a fresh single-use state marked seller-started and
   sends the browser on to Walmart's authorize page (`start_seller_connect`).
2. Walmart redirects to our callback with code, sellerId and state. The code is exchanged there and
   then, once, and the grant is kept encrypted as a *pending connection* (`receive_seller_connect`).
   Reloading the callback finds that pending connection instead of exchanging again.
3. An admin attaches it to an existing store or makes a new store from it (`attach`), or discards it.
   Nothing after step 2 ever calls the code exchange again.

A Connect link made on the dashboard and sent to the seller comes back the same way when the seller's own
browser (anyone but the user who made it) brings it back (`for_review`): received here, it waits for review
beside the store the link was made for, instead of leaving the seller's approval unused.

What an anonymous visitor can create is bounded: states expire and only so many may be open at once
(SELLER_CONNECT_LIMIT); a pending connection exists only after Walmart accepted a real code, and a
seller who connects again replaces their earlier one. Listing and deciding need the admin role.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.access import Actor, Permission, require
from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.check import check_credential
from core.config import Settings
from core.db.models import (
    ConnectRequest,
    Credential,
    CredentialKind,
    CredentialState,
    Environment,
    Market,
    PendingConnection,
    PendingStatus,
    Store,
    saved_id,
    utc_now,
)
from core.errors import Conflict, NotFound, StoreConnectError, ValidationFailed
from core.i18n import N_, _, lazy
from core.oauth.connect import (
    Callback,
    ConnectLink,
    ConnectRefused,
    ConnectResult,
    connectable,
    issue_link,
    read_state,
    require_app,
    spend_state,
)
from core.oauth.grants import REFRESH_TOKEN_LIFETIME, keep_grant, settle
from core.runtime import Runtime
from core.stores.credential import SellerGrant, app_secret
from core.stores.duplicates import refuse_duplicates
from core.stores.names import clean_name
from core.walmart.client import WalmartError

LOGIN_PATH = "walmart_login"  # the page a seller lands on: register <dashboard address>/walmart_login as the app's Login URL
# Who the audit trail names for what a seller did at the Login URL and callback: no dashboard user.
SELLER = Actor("Walmart seller (App Store)", None, "walmart")


class TooManyAttempts(StoreConnectError):
    """The Login URL refuses: too many seller-started connects are open at once."""


class SellerAlreadyConnected(StoreConnectError):
    """Refused as a likely duplicate: the seller ID already belongs to another store (orders would be imported twice)."""


def login_url(settings: Settings) -> str:
    """The address to register as the app's Login URL: our page beside the registered callback."""
    return urljoin(settings.oauth_redirect_uri, LOGIN_PATH)


# --- 1. the Login URL ---------------------------------------------------------------------------


def start_seller_connect(session: Session, settings: Settings) -> ConnectLink:
    """A seller-started state and Walmart's authorize link. No sign-in: the seller is no dashboard user.

    Expired seller-started states are deleted here, and at most SELLER_CONNECT_LIMIT may be open at once,
    so page views cannot fill the database."""
    app_id = require_app(settings)
    now = utc_now()
    session.exec(delete(ConnectRequest).where(col(ConnectRequest.seller_started).is_(True), col(ConnectRequest.expires_at) < now))
    open_now = session.exec(
        select(func.count()).select_from(ConnectRequest).where(col(ConnectRequest.seller_started).is_(True), col(ConnectRequest.used_at).is_(None))
    ).one()
    if open_now >= settings.seller_connect_limit:
        raise TooManyAttempts(
            _("Too many store connections were started in the last {minutes} minutes.", minutes=settings.oauth_state_minutes),
            _("Try again in a few minutes."),
        )
    return issue_link(session, settings, app_id, started_by=SELLER.name, seller_started=True)


def for_review(session: Session, state: str, visitor: str | None) -> bool:
    """Whether the callback for `state` is received for an admin's review (receive_seller_connect) rather than
    finished on the spot: it came from our Login URL, or its pending connection exists (a reload after the state was
    cleaned up), or it is a dashboard link brought back by a browser other than its maker's. `visitor`: the dashboard
    user loading the callback, None for someone who is no dashboard user (the seller a copied link was sent to)."""
    if not state:
        return False
    request = session.get(ConnectRequest, state)
    if request is not None:
        return request.seller_started or request.started_by != visitor
    return session.exec(select(PendingConnection.id).where(PendingConnection.state == state)).first() is not None


# --- 2. the callback ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What the callback took in: never shown to the seller beyond "waiting for review"."""

    pending_id: int
    seller_id: str
    repeated: bool  # a reload: the connection was already received, nothing was exchanged


def receive_seller_connect(runtime: Runtime, callback: Callback) -> Receipt:
    """Spend the state, exchange the code once, and keep the grant as a pending connection: for a seller-started
    state, or a dashboard link brought back by someone other than its maker (see for_review).

    Short transactions around one Walmart call, as in complete_connect: the state is spent (committed)
    before the exchange, so a second load of the callback finds it used and never exchanges the code."""
    settings = runtime.settings
    with runtime.transaction() as session:
        earlier = session.exec(select(PendingConnection).where(PendingConnection.state == callback.state)).first()
        if earlier is not None:
            return Receipt(saved_id(earlier), earlier.seller_id, repeated=True)
        request = read_state(session, callback.state, settings.oauth_state_minutes)
        target = session.get(Store, request.store_id) if request.store_id is not None else None
        if target is not None:
            connectable(target)  # its market changed since the link was made: the code stays unspent
        environment = target.environment if target is not None else Environment.production
        app_id = require_app(settings)
        secret = app_secret(session, runtime.vault, app_id)
        spend_state(session, callback.state)
    try:
        _access, refresh_token = runtime.walmart.exchange_code(app_id, secret, callback.code, settings.oauth_redirect_uri, callback.seller_id, Market.us,
                                                               environment=environment)
    except WalmartError as error:
        raise ConnectRefused(_("Walmart did not accept the authorization code. {reason}", reason=error.message),
                             _("Codes are short-lived and work once. Start again from Walmart Seller Center.")) from None

    with runtime.transaction() as session:
        replaced = _supersede(session, callback.seller_id)
        pending = PendingConnection(
            state=callback.state,
            seller_id=callback.seller_id,
            client_id=app_id,
            secret_ciphertext=runtime.vault.encrypt(refresh_token),
            secret_last4=refresh_token[-4:],
            secret_expires_at=utc_now() + REFRESH_TOKEN_LIFETIME,
        )
        session.add(pending)
        session.flush()
        audit.append(session, SELLER, "oauth.seller_connect", subject=callback.seller_id,
                     after={"pending_id": pending.id, "seller_id": callback.seller_id, "replaces": replaced},
                     detail=lazy("seller-started connect waiting for review"))
        return Receipt(saved_id(pending), callback.seller_id, repeated=False)


def _supersede(session: Session, seller_id: str) -> list[int]:
    """The same seller connected again: their earlier waiting grants are replaced by the new one (and wiped)."""
    earlier = session.exec(select(PendingConnection).where(PendingConnection.seller_id == seller_id,
                                                           PendingConnection.status == PendingStatus.waiting)).all()
    for row in earlier:
        _resolve(row, PendingStatus.superseded, SELLER.name)
        session.add(row)
    return [saved_id(row) for row in earlier]


def _resolve(row: PendingConnection, status: PendingStatus, by: str, store_id: int | None = None) -> None:
    row.status, row.resolved_at, row.resolved_by, row.store_id = status, utc_now(), by, store_id
    row.secret_ciphertext = ""  # the token moved to a store, or is no longer wanted: nothing left to leak


# --- 3. the admin's review ----------------------------------------------------------------------


@dataclass(frozen=True)
class PendingView:
    id: int
    seller_id: str
    received_at: datetime
    refresh_expires_at: datetime | None
    store_id: int | None  # a store that already uses this seller ID: attach it there
    store_name: str | None
    # From a dashboard link that the seller's own browser brought back: the store it was made for (or the new
    # store's name), whether that store exists, and who made the link. None for a seller-started connect.
    requested_store: str | None = None
    requested_store_exists: bool = False
    requested_by: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "seller_id": self.seller_id, "received_at": self.received_at,
                "refresh_token_expires_at": self.refresh_expires_at, "store": self.store_name,
                "requested_store": self.requested_store, "requested_by": self.requested_by}


def pending_connections(session: Session, *, actor: Actor) -> list[PendingView]:
    """Seller-started connections waiting for a decision, oldest first. Admins only."""
    require(actor, Permission.manage_stores, N_("see seller-started connections"))
    rows = session.exec(select(PendingConnection).where(PendingConnection.status == PendingStatus.waiting)
                        .order_by(col(PendingConnection.received_at), col(PendingConnection.id))).all()
    owners = _stores_by_seller(session, {row.seller_id for row in rows})
    links = _links_by_state(session, {row.state for row in rows})
    return [PendingView(saved_id(row), row.seller_id, row.received_at, row.secret_expires_at,
                        *(owners.get(row.seller_id) or (None, None)), *(links.get(row.state) or (None, False, None))) for row in rows]


def _links_by_state(session: Session, states: set[str]) -> dict[str, tuple[str | None, bool, str]]:
    """State -> (the store a dashboard link was made for, or its new store's name; whether it exists; who made it)."""
    if not states:
        return {}
    query = (select(ConnectRequest, Store.name).join(Store, col(Store.id) == ConnectRequest.store_id, isouter=True)
             .where(col(ConnectRequest.state).in_(states), col(ConnectRequest.seller_started).is_(False)))
    return {request.state: (name or request.new_store_name, name is not None, request.started_by) for request, name in session.exec(query).all()}


def _stores_by_seller(session: Session, seller_ids: set[str], *, besides: int | None = None) -> dict[str, tuple[int, str]]:
    """Seller ID -> (store id, name) of a store whose active or pending credential uses it."""
    if not seller_ids:
        return {}
    query = (select(Credential.seller_id, Store.id, Store.name).join(Store, col(Store.id) == Credential.store_id)
             .where(col(Credential.seller_id).in_(seller_ids), Credential.state != CredentialState.retired)
             .order_by(col(Store.id)))
    if besides is not None:
        query = query.where(Store.id != besides)
    found: dict[str, tuple[int, str]] = {}
    for seller_id, store_id, name in session.exec(query).all():
        if seller_id is not None and store_id is not None:
            found.setdefault(seller_id, (store_id, name))
    return found


def _waiting(session: Session, pending_id: int) -> PendingConnection:
    row = session.get(PendingConnection, pending_id)
    if row is None:
        raise NotFound(_("There is no seller-started connection {id}.", id=pending_id),
                       _("List the waiting ones with: python -m core oauth pending"))
    if row.status != PendingStatus.waiting:
        raise Conflict(_("Seller-started connection {id} was already dealt with ({status}).", id=pending_id, status=row.status),
                       _("Reload the list: someone else may have attached or discarded it."))
    return row


def _check_target(session: Session, row: PendingConnection, store_name: str | None, new_store_name: str | None,
                  allow_duplicate: bool = False) -> tuple[int | None, str | None]:
    """(existing store id, None) or (None, new store name), or the plain reason the grant cannot go there.
    A new store's name follows the rules of every other way in (core.stores.names, core.stores.duplicates)."""
    if (store_name is None) == (new_store_name is None):
        raise ValidationFailed(_("Choose either an existing store or a name for a new store."), _("Give one of them, not both."))
    if new_store_name is not None:
        name = clean_name(new_store_name)
        if session.exec(select(Store.id).where(Store.name == name)).first() is not None:
            raise Conflict(_("A store called '{name}' already exists.", name=name),
                           _("Attach the connection to that store instead, or pick another name."))
        _refuse_seller_elsewhere(session, row.seller_id, None)
        refuse_duplicates(session, allow_duplicate=allow_duplicate, name=name)
        return None, name
    store = session.exec(select(Store).where(Store.name == " ".join((store_name or "").split()))).first()
    if store is None:
        raise NotFound(_("There is no store called '{name}'.", name=store_name), _("Check the name in the store list (python -m core stores list)."))
    if store.market != Market.us:
        raise ValidationFailed(_("'{store}' sells on Walmart's {market} marketplace, and Walmart documents app connections for US stores only.",
                                 store=store.name, market=store.market.upper()),
                               _("Keep that store on its delegated keys; attach this connection to a US store or make a new store from it."))
    store_id = saved_id(store)
    _refuse_seller_elsewhere(session, row.seller_id, store_id)
    granted = session.exec(select(Credential).where(Credential.store_id == store_id, Credential.kind == CredentialKind.oauth_seller,
                                                    Credential.state != CredentialState.retired)).all()
    other = next((credential.seller_id for credential in granted if credential.seller_id != row.seller_id), None)
    if other is not None:
        raise Conflict(_("'{store}' is connected to Walmart seller {other}, but this connection is from seller {seller}.",
                         store=store.name, other=other, seller=row.seller_id),
                       _("These are different Walmart accounts. Attach it to the store of seller {seller}, or make a new store from it.",
                         seller=row.seller_id))
    return store_id, None


def _refuse_seller_elsewhere(session: Session, seller_id: str, store_id: int | None) -> None:
    owner = _stores_by_seller(session, {seller_id}, besides=store_id).get(seller_id)
    if owner is not None:
        raise SellerAlreadyConnected(
            _("Walmart seller {seller} is already connected to the store '{store}'. Connecting it to a second store would import its orders twice.",
              seller=seller_id, store=owner[1]),
            _("Attach this connection to '{store}' instead (that renews its authorization).", store=owner[1]),
        )


def attach(runtime: Runtime, pending_id: int, *, actor: Actor, store_name: str | None = None, new_store_name: str | None = None,
           allow_duplicate: bool = False) -> ConnectResult:
    """Give a pending connection's grant to an existing store, or make a new store from it, then verify it.
    A new store's name that looks like an existing store's is refused unless `allow_duplicate`.

    The grant is kept as Connect keeps one (core.oauth.grants): a store with a credential gets it as pending,
    and it replaces that credential only once verified (a store on delegated keys waits for the switch).
    Walmart is not asked for a new code: the refresh token received at the callback is used."""
    require(actor, Permission.manage_stores, N_("attach seller-started connections"))
    settings = runtime.settings
    with runtime.transaction() as session:
        row = _waiting(session, pending_id)
        _check_target(session, row, store_name, new_store_name, allow_duplicate)
        secret = app_secret(session, runtime.vault, row.client_id)
    try:
        with runtime.transaction() as session:
            row = _waiting(session, pending_id)  # checked again: the first transaction is over
            target_id, new_name = _check_target(session, row, store_name, new_store_name, allow_duplicate)
            target = session.get(Store, target_id) if target_id is not None else None
            environment = target.environment if target is not None else Environment.production
            refresh_token = runtime.vault.decrypt(row.secret_ciphertext)
            # Guarded: of two admins attaching at the same moment, exactly one wins.
            if not session.exec(update(PendingConnection).where(col(PendingConnection.id) == pending_id,
                                                                col(PendingConnection.status) == PendingStatus.waiting)
                                .values(status=PendingStatus.attached)).rowcount:
                raise Conflict(_("Seller-started connection {id} was already dealt with.", id=pending_id), _("Reload the list."))
            kept = keep_grant(session, runtime.vault, actor, store_id=target_id, new_store_name=new_name, environment=environment,
                              app_id=row.client_id, seller_id=row.seller_id, refresh_token=refresh_token)
            session.refresh(row)
            _resolve(row, PendingStatus.attached, actor.name, kept.store_id)
            session.add(row)
            audit.append(session, actor, "oauth.attach", store_id=kept.store_id, store_name=kept.store_name, subject=row.seller_id,
                         after={"pending_id": pending_id, "seller_id": row.seller_id, "new_store": target_id is None}, detail=lazy("seller-started connect attached"))
            seller_id, client_id = row.seller_id, row.client_id
    except IntegrityError:  # the name was taken between the check and the save; the connection still waits
        raise Conflict(_("A store called '{name}' was just added by someone else.", name=new_store_name),
                       _("Attach the connection to that store, or pick another name.")) from None
    grant = SellerGrant(client_id, secret, seller_id, refresh_token, Market.us, environment)
    verification = check_credential(runtime, grant)
    with runtime.transaction() as session:
        state = settle(session, kept, verification, AlertPolicy.from_settings(settings), actor)
    deliver_pending(runtime.transaction, settings.alert_webhook_url)
    return ConnectResult(kept.store_id, kept.store_name, seller_id, state, verification, kept.note)


def discard(session: Session, pending_id: int, *, actor: Actor) -> None:
    """Throw a pending connection away (a seller we do not serve, a mistake): its refresh token is wiped."""
    require(actor, Permission.manage_stores, N_("discard seller-started connections"))
    row = _waiting(session, pending_id)
    _resolve(row, PendingStatus.discarded, actor.name)
    session.add(row)
    audit.append(session, actor, "oauth.discard", subject=row.seller_id, before={"pending_id": pending_id, "seller_id": row.seller_id},
                 detail=lazy("seller-started connect discarded"))
