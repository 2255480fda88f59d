"""OAuth 2.0 seller authorization (walmart-api.md §6.4, walmart-orders-markets.md §4): the app's
registration, the Connect link, and the callback with its one code exchange.

Walmart documents the code and refresh grants for the US only, so only US stores (production or
sandbox) are connected this way; Canada, Mexico and Chile keep their delegated keys.

A `state` is random, single-use, expires, and is bound to the store (or the store to create) and the
user who started the connect; the callback refuses anything else, and two completions of one state
at the same moment exchange the code once (a guarded update spends it). What Walmart grants is kept
by core.oauth.grants: it replaces a store's credential only once verified.
"""
from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, TypedDict
from urllib.parse import parse_qs, quote, urlencode, urlparse

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.access import Actor, Permission, require
from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.check import check_credential
from core.authorization.outcome import Outcome
from core.config import Settings
from core.db.models import ConnectRequest, Credential, CredentialKind, CredentialState, Environment, Market, OAuthApp, Store, utc_now
from core.errors import NotFound, StoreConnectError, ValidationFailed
from core.i18n import N_, _, lazy
from core.oauth.grants import ConnectState, keep_grant, settle
from core.runtime import Runtime
from core.stores.credential import SellerGrant, app_secret
from core.stores.duplicates import refuse_duplicates
from core.stores.names import clean_name
from core.vault import Vault
from core.walmart.client import WalmartError
from core.walmart.markets import oauth_offered

# Walmart's clientType per market where it documents the code and refresh grants: the US only (§6.4).
CLIENT_TYPES: Final = {Market.us: "seller"}
STATE_LENGTH: Final = 32  # [A-Za-z0-9]; Walmart's examples use 10, limits are undocumented (§4.3)
NONCE_LENGTH: Final = 10  # [A-Z0-9], as Walmart's examples
_STATE_ALPHABET: Final = string.ascii_letters + string.digits
_NONCE_ALPHABET: Final = string.ascii_uppercase + string.digits
_SELLER_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ConnectRefused(StoreConnectError):
    """The callback cannot be accepted (unknown, expired or reused state, wrong user or seller, Walmart said no)."""


# --- the app's own registration -------------------------------------------------------------


def require_app(settings: Settings) -> str:
    if not settings.oauth_client_id:
        raise ValidationFailed(
            _("No OAuth app is configured, so stores cannot be connected with Walmart yet."),
            _("Set WALMART_OAUTH_CLIENT_ID (and WALMART_OAUTH_REDIRECT_URI) to your app's registration, then save its Client Secret here."),
        )
    return settings.oauth_client_id


def save_app_secret(session: Session, vault: Vault, settings: Settings, client_secret: str, *, actor: Actor) -> None:
    require(actor, Permission.manage_stores, N_("change the OAuth app's secret"))
    app_id = require_app(settings)
    secret = (client_secret or "").strip()
    if not secret or any(ch.isspace() for ch in secret):
        raise ValidationFailed(_("The app's Client Secret is empty or contains spaces."), _("Copy it again from Walmart's Solution Provider Center."))
    row = session.get(OAuthApp, app_id) or OAuthApp(client_id=app_id, secret_ciphertext="")
    row.secret_ciphertext, row.secret_last4, row.saved_at = vault.encrypt(secret), secret[-4:], utc_now()
    session.add(row)
    session.flush()
    audit.append(session, actor, "oauth.app_secret", subject=app_id, detail=lazy("OAuth app Client Secret saved (not recorded)"))


class AppStatus(TypedDict):
    """The OAuth app's registration as pages and the CLI show it: never the secret itself."""

    client_id: str | None
    redirect_uri: str
    redirect_uri_encoding: str
    secret_saved: bool
    secret_masked: str


def app_status(session: Session, settings: Settings) -> AppStatus:
    row = session.get(OAuthApp, settings.oauth_client_id) if settings.oauth_client_id else None
    return {
        "client_id": settings.oauth_client_id,
        "redirect_uri": settings.oauth_redirect_uri,
        "redirect_uri_encoding": settings.oauth_redirect_uri_encoding,
        "secret_saved": row is not None,
        "secret_masked": f"••••{row.secret_last4}" if row else _("(not saved)"),
    }


# --- the Connect link -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectLink:
    url: str
    state: str
    expires_at: datetime


def new_state() -> str:
    return "".join(secrets.choice(_STATE_ALPHABET) for _position in range(STATE_LENGTH))


def new_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _position in range(NONCE_LENGTH))


def authorize_link(settings: Settings, app_id: str, state: str, nonce: str, client_type: str = CLIENT_TYPES[Market.us]) -> str:
    """Walmart's authorize address (§4.3): camelCase parameters, no `scope` (the app registration holds the
    scopes), and `redirectUri` last, byte for byte the registered address unless the setting asks for it encoded."""
    head = urlencode({"responseType": "code", "clientId": app_id, "nonce": nonce, "state": state, "clientType": client_type}, quote_via=quote)
    redirect = settings.oauth_redirect_uri if settings.oauth_redirect_uri_encoding == "raw" else quote(settings.oauth_redirect_uri, safe="")
    separator = "&" if "?" in settings.authorize_url else "?"
    return f"{settings.authorize_url}{separator}{head}&redirectUri={redirect}"


def connectable(store: Store) -> None:
    """Refuse, in plain words, a store Walmart offers no OAuth for."""
    if not oauth_offered(store.market):
        raise ValidationFailed(
            _("'{name}' sells on Walmart {market}, where Walmart documents no Connect (OAuth) for apps: only US stores are "
              "connected this way.", name=store.name, market=store.market.upper()),
            _("Keep using the store's Client ID and Client Secret (delegated keys); they remain the way in for Canada, Mexico and Chile."),
        )


def start_connect(session: Session, settings: Settings, actor: Actor, *, store_id: int | None = None, new_store_name: str | None = None,
                  allow_duplicate: bool = False) -> ConnectLink:
    """A Walmart authorize link for an existing US store, or for a US store to be created on success.
    A new name that looks like an existing store's is refused unless `allow_duplicate`."""
    require(actor, Permission.manage_stores, N_("connect stores"))
    app_id = require_app(settings)
    if store_id is None:
        new_store_name = clean_name(new_store_name)
        if session.exec(select(Store.id).where(Store.name == new_store_name)).first() is not None:
            raise ValidationFailed(_("A store called '{name}' already exists.", name=new_store_name),
                                   _("Use Connect on that store instead, or pick another name."))
        refuse_duplicates(session, allow_duplicate=allow_duplicate, name=new_store_name)
    else:
        store = session.get(Store, store_id)
        if store is None:
            raise NotFound(_("That store no longer exists."), _("Reload the page."))
        connectable(store)
    return issue_link(session, settings, app_id, started_by=actor.name, store_id=store_id,
                      new_store_name=new_store_name if store_id is None else None)


def issue_link(session: Session, settings: Settings, app_id: str, *, started_by: str, store_id: int | None = None,
               new_store_name: str | None = None, seller_started: bool = False) -> ConnectLink:
    """A fresh single-use state, kept server-side, and Walmart's authorize link carrying it. `seller_started`:
    no dashboard user started it (core.oauth.seller_started), so no dashboard user may finish it.
    Refused while the app's Client Secret is not saved: no code could be exchanged, so the seller would approve for nothing."""
    if session.get(OAuthApp, app_id) is None:
        raise ValidationFailed(_("The OAuth app's Client Secret has not been saved, so a connect could not be finished."),
                               _("Save it under App settings on the Connect with Walmart page (or python -m core oauth app-secret), then connect again."))
    request = ConnectRequest(
        state=new_state(),
        nonce=new_nonce(),
        store_id=store_id,
        new_store_name=new_store_name,
        started_by=started_by,
        seller_started=seller_started,
        expires_at=utc_now() + timedelta(minutes=settings.oauth_state_minutes),
    )
    session.add(request)
    session.flush()
    return ConnectLink(authorize_link(settings, app_id, request.state, request.nonce), request.state, request.expires_at)


# --- the callback ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    code: str
    state: str
    seller_id: str
    client_id: str = ""  # Walmart names the app; checked when present


def parse_callback(params_or_url: str | Mapping[str, str | list[str]]) -> Callback:
    """Read the redirect's parameters, from the callback page's query or a pasted URL."""
    if isinstance(params_or_url, str):
        text = params_or_url.strip()
        params = {k: v[0] for k, v in parse_qs(urlparse(text).query if "?" in text else text).items()}
    else:
        params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params_or_url).items()}
    if params.get("error"):
        raise ConnectRefused(_("Walmart did not authorize the app: {reason}.", reason=params.get("error_description") or params["error"]),
                             _("Start Connect again and have the seller approve the app."))
    if params.get("state") and not params.get("code"):
        # Walmart documents no parameters for Decline (§4.4); a state without a code is a decline or a failed approval.
        raise ConnectRefused(_("Walmart sent the browser back without an authorization code: the seller declined, or the approval did "
                               "not finish. Nothing was changed."),
                             _("Press Connect again and have the seller sign in with the store's own seller account, tick the box and "
                               "press Authorize."))
    missing = [name for name in ("code", "state", "sellerId") if not params.get(name)]
    if missing:
        raise ConnectRefused(_("The address is missing {names}.", names=", ".join(missing)),
                             _("Paste the whole address Walmart sent the browser to, starting with http, after the seller approved."))
    seller_id = params["sellerId"].strip()
    if not _SELLER_ID.fullmatch(seller_id):
        raise ConnectRefused(_("The sellerId in the address is not a Walmart Seller ID."),
                             _("Paste the whole address Walmart sent the browser to, unchanged."))
    return Callback(params["code"], params["state"], seller_id, params.get("clientId", "").strip())


@dataclass(frozen=True)
class ConnectResult:
    store_id: int
    store_name: str
    seller_id: str
    state: ConnectState
    verification: Outcome
    note: str | None = None  # something unusual the user must hear (the store was renamed or made again)

    @property
    def pending(self) -> bool:
        """True: the store still uses its previous credential (see `state`)."""
        return self.state in (ConnectState.waiting_for_switch, ConnectState.not_verified)


def complete_connect(runtime: Runtime, callback: Callback, actor: Actor, *, allow_duplicate: bool = False,
                     new_store_environment: str = Environment.production) -> ConnectResult:
    """Accept a callback: check the state, the app and the seller, spend the state, exchange the code once,
    keep the refresh token encrypted, and verify the new grant straight away.

    A workflow of short transactions: Walmart is never called while one is open. Anything refused before
    the exchange leaves the code unspent. The state is spent (committed) before the exchange, so a code is
    never exchanged twice, and the grant is committed before it is verified, so it is kept whatever the
    verification finds. A new store from a link is a production store; `connect_with_code` passes the
    environment of a code pasted from Walmart's sandbox.
    """
    require(actor, Permission.manage_stores, N_("connect stores"))
    settings = runtime.settings
    with runtime.transaction() as session:
        request = read_state(session, callback.state, settings.oauth_state_minutes)
        # A seller-started state (no dashboard user started it) is refused here: core.oauth.seller_started receives those.
        started_by_user(request, actor)
        app_id = require_app(settings)
        if callback.client_id and callback.client_id != app_id:
            raise ConnectRefused(_("This address is for another app (clientId {client_id}), not ours.", client_id=callback.client_id),
                                 _("Start Connect from this dashboard, and paste the address of that connect."))
        target = session.get(Store, request.store_id) if request.store_id is not None else None
        environment = target.environment if target is not None else new_store_environment
        check_seller(session, target, callback.seller_id, allow_duplicate=allow_duplicate)
        secret = app_secret(session, runtime.vault, app_id)
        spend_state(session, callback.state)
    try:
        _access, refresh_token = runtime.walmart.exchange_code(app_id, secret, callback.code, settings.oauth_redirect_uri, callback.seller_id,
                                                         Market.us, environment=environment)
    except WalmartError as error:
        raise ConnectRefused(_("Walmart did not accept the authorization code. {reason}", reason=error.message),
                             _("Codes are short-lived and work once. Start Connect again and finish it promptly.")) from None

    with runtime.transaction() as session:
        kept = keep_grant(session, runtime.vault, actor, store_id=request.store_id, new_store_name=request.new_store_name,
                          environment=environment, app_id=app_id, seller_id=callback.seller_id, refresh_token=refresh_token)
    grant = SellerGrant(app_id, secret, callback.seller_id, refresh_token, Market.us, environment)
    verification = check_credential(runtime, grant)
    with runtime.transaction() as session:
        state = settle(session, kept, verification, AlertPolicy.from_settings(settings), actor)
    deliver_pending(runtime.transaction, settings.alert_webhook_url)
    return ConnectResult(kept.store_id, kept.store_name, callback.seller_id, state, verification, kept.note)


def connect_with_code(runtime: Runtime, actor: Actor, *, code: str, seller_id: str, store_id: int | None = None, new_store_name: str | None = None,
                      environment: str = Environment.sandbox, allow_duplicate: bool = False) -> ConnectResult:
    """Finish a connect from the authorization code and Seller ID Walmart shows on screen (Simulate App Connect
    in the sandbox, §4.8): a fresh single-use state is made and spent at once, so everything else is as for a link."""
    code, seller_id = (code or "").strip(), (seller_id or "").strip()
    if not code or any(ch.isspace() for ch in code):
        raise ValidationFailed(_("The authorization code is empty or has spaces in it."), _("Copy the code again from Walmart's screen, in one piece."))
    if not _SELLER_ID.fullmatch(seller_id):
        raise ValidationFailed(_("'{seller_id}' is not a Walmart Seller ID.", seller_id=seller_id),
                               _("Copy the Seller ID Walmart shows next to the code (a number such as 456782346)."))
    with runtime.transaction() as session:
        link = start_connect(session, runtime.settings, actor, store_id=store_id, new_store_name=new_store_name, allow_duplicate=allow_duplicate)
    return complete_connect(runtime, Callback(code, link.state, seller_id), actor, allow_duplicate=allow_duplicate,
                            new_store_environment=environment)


def read_state(session: Session, state: str, valid_minutes: int) -> ConnectRequest:
    """The connect request behind `state`, if it may still be completed (nothing is changed)."""
    request = session.get(ConnectRequest, state)
    if request is None:
        raise ConnectRefused(_("This connect link is not one we issued (unknown state), so it was refused."),
                             _("Start Connect again from the dashboard; do not reuse links from elsewhere."))
    if request.used_at is not None:
        raise ConnectRefused(_("This connect link was already used."), _("Each link works once. Start Connect again to get a new one."))
    if utc_now() > request.expires_at:
        raise ConnectRefused(_("This connect link has expired."), _("Links are valid for {minutes} minutes. Start Connect again.", minutes=valid_minutes))
    return request


def started_by_user(request: ConnectRequest, actor: Actor) -> None:
    """A link made on the dashboard is finished by the user who made it; a seller-started one by no dashboard user."""
    if request.seller_started or request.started_by != actor.name:
        raise ConnectRefused(_("This connect link was started by someone else."), _("Ask them to finish it, or start Connect yourself."))


def spend_state(session: Session, state: str) -> None:
    """Mark `state` used. Guarded: of two completions at the same moment, exactly one sees its update take effect."""
    spent = session.exec(
        update(ConnectRequest).where(col(ConnectRequest.state) == state, col(ConnectRequest.used_at).is_(None)).values(used_at=utc_now())
    ).rowcount
    if not spent:
        raise ConnectRefused(_("This connect link was already used."), _("Each link works once. Start Connect again to get a new one."))


def check_seller(session: Session, store: Store | None, seller_id: str, *, allow_duplicate: bool) -> None:
    """The seller who approved must be the store's own seller, and not another store's (unless confirmed).
    Refused here, the code stays unspent."""
    if store is not None:
        connectable(store)
        current = session.exec(select(Credential).where(Credential.store_id == store.id, Credential.state == CredentialState.active,
                                                        Credential.kind == CredentialKind.oauth_seller)).first()
        if current is not None and current.seller_id and current.seller_id != seller_id:
            raise ConnectRefused(
                _("Walmart sent back seller {got}, but '{name}' is connected to seller {expected}: the seller signed in with another "
                  "Walmart account. Nothing was changed, and the authorization code was not used.",
                  got=seller_id, name=store.name, expected=current.seller_id),
                _("Ask the seller to sign in at Walmart with the account of seller {expected} and approve the app again with the same "
                  "link. If the store really moved to another seller account, add it as a new store instead.", expected=current.seller_id),
            )
    refuse_duplicates(session, allow_duplicate=allow_duplicate, seller_id=seller_id, exclude_store_id=store.id if store is not None else None)
