"""OAuth 2.0 seller authorization (walmart-api.md §6.4): the Connect link, the callback,
the code exchange, and moving a store off its delegated keys.

A `state` is random, single-use, expires, and is bound to the store and the user who
started the connect; the callback refuses anything else. A store that already has
delegated keys gets the new authorization as *pending*: it is verified first, and
the old keys stay in use until the user confirms the switch.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict
from urllib.parse import parse_qs, urlencode, urlparse

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.access import Actor, Permission, require
from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.check import check_credential
from core.authorization.history import record
from core.authorization.outcome import Outcome, Status
from core.config import MARKETS, Settings
from core.db.models import ConnectRequest, Credential, CredentialKind, CredentialState, OAuthApp, Store, saved_id, utc_now
from core.errors import NotFound, StoreConnectError, ValidationFailed
from core.runtime import Runtime
from core.stores.credential import SellerGrant, app_secret, load_credential
from core.vault import Vault
from core.walmart.client import WalmartError

REFRESH_TOKEN_LIFETIME = timedelta(days=365)


class ConnectRefused(StoreConnectError):
    """The callback cannot be accepted (unknown, expired or reused state, wrong user, Walmart said no)."""


# --- the app's own registration -------------------------------------------------------------


def require_app(settings: Settings) -> str:
    if not settings.oauth_client_id:
        raise ValidationFailed(
            "No OAuth app is configured, so stores cannot be connected with Walmart yet.",
            "Set WALMART_OAUTH_CLIENT_ID (and WALMART_OAUTH_REDIRECT_URI) to your app's registration, then save its Client Secret here.",
        )
    return settings.oauth_client_id


def save_app_secret(session: Session, vault: Vault, settings: Settings, client_secret: str, *, actor: Actor) -> None:
    require(actor, Permission.manage_stores, "change the OAuth app's secret")
    app_id = require_app(settings)
    secret = (client_secret or "").strip()
    if not secret or any(ch.isspace() for ch in secret):
        raise ValidationFailed("The app's Client Secret is empty or contains spaces.", "Copy it again from Walmart's Solution Provider Center.")
    row = session.get(OAuthApp, app_id) or OAuthApp(client_id=app_id, secret_ciphertext="")
    row.secret_ciphertext, row.secret_last4, row.saved_at = vault.encrypt(secret), secret[-4:], utc_now()
    session.add(row)
    session.flush()
    audit.append(session, actor, "oauth.app_secret", subject=app_id, detail="OAuth app Client Secret saved (not recorded)")


class AppStatus(TypedDict):
    """The OAuth app's registration as pages and the CLI show it: never the secret itself."""

    client_id: str | None
    redirect_uri: str
    market: str
    secret_saved: bool
    secret_masked: str


def app_status(session: Session, settings: Settings) -> AppStatus:
    row = session.get(OAuthApp, settings.oauth_client_id) if settings.oauth_client_id else None
    return {
        "client_id": settings.oauth_client_id,
        "redirect_uri": settings.oauth_redirect_uri,
        "market": settings.market,
        "secret_saved": row is not None,
        "secret_masked": f"••••{row.secret_last4}" if row else "(not saved)",
    }


# --- the Connect link -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectLink:
    url: str
    state: str
    expires_at: datetime


def start_connect(session: Session, settings: Settings, actor: Actor, *, store_id: int | None = None, new_store_name: str | None = None) -> ConnectLink:
    """A Walmart authorize link for an existing store, or for a store to be created on success."""
    require(actor, Permission.manage_stores, "connect stores")
    app_id = require_app(settings)
    if store_id is None:
        new_store_name = " ".join((new_store_name or "").split())
        if not new_store_name:
            raise ValidationFailed("The new store needs a name.", "Type the name your team will use for this store.")
        if session.exec(select(Store).where(Store.name == new_store_name)).first():
            raise ValidationFailed(f"A store called '{new_store_name}' already exists.", "Use Connect on that store instead, or pick another name.")
    elif session.get(Store, store_id) is None:
        raise NotFound("That store no longer exists.", "Reload the page.")
    request = ConnectRequest(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(16),
        store_id=store_id,
        new_store_name=new_store_name if store_id is None else None,
        started_by=actor.name,
        expires_at=utc_now() + timedelta(minutes=settings.oauth_state_minutes),
    )
    session.add(request)
    session.flush()
    query = {
        "responseType": "code",
        "clientId": app_id,
        "redirectUri": settings.oauth_redirect_uri,
        "nonce": request.nonce,
        "state": request.state,
        "clientType": MARKETS[settings.market],
    }
    return ConnectLink(f"{settings.authorize_url}?{urlencode(query)}", request.state, request.expires_at)


# --- the callback ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    code: str
    state: str
    seller_id: str


def parse_callback(params_or_url: str | Mapping[str, str | list[str]]) -> Callback:
    """Read the redirect's parameters, from the callback page's query or a pasted URL."""
    if isinstance(params_or_url, str):
        text = params_or_url.strip()
        params = {k: v[0] for k, v in parse_qs(urlparse(text).query if "?" in text else text).items()}
    else:
        params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(params_or_url).items()}
    if params.get("error"):
        raise ConnectRefused(f"Walmart did not authorize the app: {params.get('error_description') or params['error']}.",
                             "Start Connect again and have the seller approve the app.")
    missing = [name for name in ("code", "state", "sellerId") if not params.get(name)]
    if missing:
        raise ConnectRefused(f"The address is missing {', '.join(missing)}.",
                             "Paste the whole address Walmart sent the browser to, starting with http, after the seller approved.")
    return Callback(params["code"], params["state"], params["sellerId"])


@dataclass(frozen=True)
class ConnectResult:
    store_id: int
    store_name: str
    seller_id: str
    pending: bool  # True: the store still uses its old keys until the user confirms
    verification: Outcome


def complete_connect(runtime: Runtime, callback: Callback, actor: Actor) -> ConnectResult:
    """Accept a callback: check and spend `state`, exchange the code, keep the refresh token
    encrypted, and verify the new authorization straight away.

    A workflow of short transactions: Walmart is never called while one is open. The state is
    spent (committed) before the exchange, so a code is never replayed, and the authorization
    is committed before it is verified, so it is kept whatever the verification finds.
    """
    require(actor, Permission.manage_stores, "connect stores")
    settings = runtime.settings
    with runtime.transaction() as session:
        request = _spend_state(session, callback.state, actor.name, settings.oauth_state_minutes)
        target_store_id, new_store_name = request.store_id, request.new_store_name
        app_id = require_app(settings)
        secret = app_secret(session, runtime.vault, app_id)
    try:
        _, refresh_token = runtime.walmart.exchange_code(app_id, secret, callback.code, settings.oauth_redirect_uri, callback.seller_id, settings.market)
    except WalmartError as error:
        raise ConnectRefused(f"Walmart did not accept the authorization code. {error.message}",
                             "Codes are short-lived and work once. Start Connect again and finish it promptly.") from None

    with runtime.transaction() as session:
        store, credential_id, pending = _keep_grant(session, runtime.vault, actor, target_store_id, new_store_name, app_id, callback.seller_id, refresh_token)
        store_id, store_name = saved_id(store), store.name
    grant = SellerGrant(app_id, secret, callback.seller_id, refresh_token, settings.market)
    verification = check_credential(runtime, grant)
    with runtime.transaction() as session:
        if verification.status in (Status.authorized, Status.missing_permissions):
            credential = session.get(Credential, credential_id)
            if credential is not None:
                credential.verified_at = verification.checked_at
                session.add(credential)
        if not pending:
            record(session, store_id, verification, AlertPolicy.from_settings(settings))
    deliver_pending(runtime.transaction, settings.alert_webhook_url)
    return ConnectResult(store_id, store_name, callback.seller_id, pending, verification)


def _spend_state(session: Session, state: str, user: str, valid_minutes: int) -> ConnectRequest:
    """The connect request behind `state`, marked used. Only one completion can spend it."""
    request = session.get(ConnectRequest, state)
    if request is None:
        raise ConnectRefused("This connect link is not one we issued (unknown state), so it was refused.",
                             "Start Connect again from the dashboard; do not reuse links from elsewhere.")
    if request.used_at is not None:
        raise ConnectRefused("This connect link was already used.", "Each link works once. Start Connect again to get a new one.")
    if utc_now() > request.expires_at:
        raise ConnectRefused("This connect link has expired.", f"Links are valid for {valid_minutes} minutes. Start Connect again.")
    if request.started_by != user:
        raise ConnectRefused("This connect link was started by someone else.", "Ask them to finish it, or start Connect yourself.")
    # Guarded: of two completions at the same moment, exactly one sees its update take effect.
    spent = session.exec(
        update(ConnectRequest).where(col(ConnectRequest.state) == state, col(ConnectRequest.used_at).is_(None)).values(used_at=utc_now())
    ).rowcount
    if not spent:
        raise ConnectRefused("This connect link was already used.", "Each link works once. Start Connect again to get a new one.")
    return request


def _keep_grant(session: Session, vault: Vault, actor: Actor, store_id: int | None, new_store_name: str | None,
                app_id: str, seller_id: str, refresh_token: str) -> tuple[Store, int, bool]:
    """Save the new authorization: (store, credential id, pending). A store on delegated keys keeps
    them until the new authorization is verified and the user agrees."""
    if store_id is None:
        store = Store(name=new_store_name or "", environment="production", notes=f"Connected with Walmart by {actor.name}.")
        session.add(store)
        session.flush()
    else:
        found = session.get(Store, store_id)
        if found is None:
            raise ConnectRefused("The store was deleted while it was being connected.", "Add it again, then connect it.")
        store = found
    assert store.id is not None
    current = session.exec(select(Credential).where(Credential.store_id == store.id, Credential.state == CredentialState.active)).first()
    pending = current is not None and current.kind == CredentialKind.delegated_key
    for stale in session.exec(select(Credential).where(Credential.store_id == store.id, Credential.state == CredentialState.pending)).all():
        _retire(stale)
    if current is not None and not pending:
        _retire(current)  # re-connecting an OAuth store replaces its refresh token
    credential = Credential(
        store_id=store.id,
        kind=CredentialKind.oauth_seller,
        state=CredentialState.pending if pending else CredentialState.active,
        client_id=app_id,
        seller_id=seller_id,
        secret_ciphertext=vault.encrypt(refresh_token),
        secret_last4=refresh_token[-4:],
        secret_expires_at=utc_now() + REFRESH_TOKEN_LIFETIME,
    )
    session.add(credential)
    store.version += 1
    store.updated_at = utc_now()
    session.add(store)
    session.flush()
    assert credential.id is not None
    audit.append(session, actor, "oauth.connect", store_id=store.id, store_name=store.name,
                 after={"credential": CredentialKind.oauth_seller, "seller_id": seller_id, "state": credential.state},
                 detail="new store" if store_id is None else ("waiting for switch" if pending else "re-connected"))
    return store, credential.id, pending


def _retire(credential: Credential) -> None:
    credential.state = CredentialState.retired
    credential.secret_ciphertext = ""  # nothing left to decrypt, nothing to leak


def confirm_switch(session: Session, store_id: int, *, actor: Actor) -> None:
    """Make a verified pending OAuth authorization the store's credential and wipe the old keys."""
    require(actor, Permission.manage_stores, "switch stores to OAuth")
    pending = session.exec(select(Credential).where(Credential.store_id == store_id, Credential.state == CredentialState.pending)).first()
    if pending is None:
        raise NotFound("This store has no new authorization waiting.", "Start Connect for the store first.")
    if pending.verified_at is None:
        raise ValidationFailed("The new authorization has not been verified, so the old keys were kept.",
                               "Press Verify again; if Walmart keeps refusing it, start Connect again.")
    for current in session.exec(select(Credential).where(Credential.store_id == store_id, Credential.state == CredentialState.active)).all():
        _retire(current)
    pending.state = CredentialState.active
    store = session.get(Store, store_id)
    if store is None:  # cannot happen while a credential of it exists (foreign key); said for the type checker
        raise NotFound("That store no longer exists.", "Reload the page.")
    store.environment = "production"
    store.version += 1
    store.updated_at = utc_now()
    session.add_all([pending, store])
    session.flush()
    audit.append(session, actor, "oauth.switch", store_id=store.id, store_name=store.name,
                 before={"credential": CredentialKind.delegated_key}, after={"credential": CredentialKind.oauth_seller, "seller_id": pending.seller_id},
                 detail="old keys wiped")


def verify_pending(runtime: Runtime, store_id: int, *, actor: Actor) -> Outcome:
    """Check a store's pending OAuth authorization; mark it verified if Walmart accepts it."""
    require(actor, Permission.manage_stores, "verify a new authorization")
    with runtime.transaction() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise NotFound("This store no longer exists.", "Reload the page.")
        grant = load_credential(session, runtime.vault, store, state=CredentialState.pending)
    if not isinstance(grant, SellerGrant):
        raise NotFound("This store has no new authorization waiting.", "Start Connect for the store first.")
    outcome = check_credential(runtime, grant)
    if outcome.status in (Status.authorized, Status.missing_permissions):
        with runtime.transaction() as session:
            pending = session.exec(select(Credential).where(Credential.store_id == store_id, Credential.state == CredentialState.pending)).first()
            if pending is not None:
                pending.verified_at = outcome.checked_at
                session.add(pending)
    return outcome


# --- migration overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationRow:
    store_id: int
    name: str
    kind: str  # the active credential's kind
    pending: bool
    pending_verified: bool
    refresh_expires_at: datetime | None


def migration_overview(session: Session) -> list[MigrationRow]:
    stores = session.exec(select(Store).order_by(Store.name)).all()
    creds = session.exec(select(Credential).where(Credential.state != CredentialState.retired)).all()
    by_store: dict[int, dict[str, Credential]] = {}
    for credential in creds:
        by_store.setdefault(credential.store_id, {})[credential.state] = credential
    rows = []
    for store in stores:
        store_id = saved_id(store)
        active, pending = by_store.get(store_id, {}).get(CredentialState.active), by_store.get(store_id, {}).get(CredentialState.pending)
        rows.append(MigrationRow(store_id, store.name, active.kind if active else "", pending is not None,
                                 bool(pending and pending.verified_at), active.secret_expires_at if active else None))
    return rows
