"""A store's credential, decrypted for use: delegated keys or an OAuth seller grant.

Both kinds answer the same small interface (`kind`, `environment`, `account_id`), so
callers that only show or route a credential need not know which kind it is. Only
the authorization check and the token calls look inside. Neither repr shows a secret.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from sqlmodel import Session, select

from core.db.models import Credential, CredentialKind, CredentialState, OAuthApp, Store
from core.errors import NotFound
from core.i18n import _
from core.vault import Vault, mask


@dataclass(frozen=True)
class KeyPair:
    """Delegated keys: a Client ID and Client Secret made in Walmart's Developer Portal."""

    kind: ClassVar[CredentialKind] = CredentialKind.delegated_key
    environment: str
    client_id: str
    client_secret: str
    market: str = "us"

    @property
    def account_id(self) -> str:
        """What identifies the credential to people: the Client ID."""
        return self.client_id

    def __repr__(self) -> str:
        return f"KeyPair(environment={self.environment!r}, market={self.market!r}, client_id={self.client_id!r}, client_secret={mask(self.client_secret)!r})"


@dataclass(frozen=True)
class SellerGrant:
    """An OAuth seller authorization: the app's keys plus the seller's refresh token."""

    kind: ClassVar[CredentialKind] = CredentialKind.oauth_seller
    app_id: str
    app_secret: str = field(repr=False)
    seller_id: str = ""
    refresh_token: str = field(default="", repr=False)
    market: str = "us"
    environment: str = "production"

    @property
    def account_id(self) -> str:
        """What identifies the credential to people: the seller ID."""
        return self.seller_id


StoreCredential = KeyPair | SellerGrant


def app_secret(session: Session, vault: Vault, app_id: str) -> str:
    """The OAuth app's own Client Secret, needed to use any seller's refresh token."""
    row = session.get(OAuthApp, app_id)
    if row is None:
        raise NotFound(_("The OAuth app's Client Secret has not been saved."),
                       _("Save it on the Connect with Walmart page (or python -m core oauth app-secret)."))
    return vault.decrypt(row.secret_ciphertext)


def load_credential(session: Session, vault: Vault, store: Store, state: str = CredentialState.active) -> StoreCredential:
    """The store's credential in `state`, decrypted."""
    credential = session.exec(select(Credential).where(Credential.store_id == store.id, Credential.state == state)).first()
    if credential is None:
        raise NotFound(_("The store '{name}' has no keys saved.", name=store.name), _("Paste its Client ID and Client Secret, or connect it with Walmart."))
    if credential.kind == CredentialKind.oauth_seller:
        return SellerGrant(
            app_id=credential.client_id,
            app_secret=app_secret(session, vault, credential.client_id),
            seller_id=credential.seller_id or "",
            refresh_token=vault.decrypt(credential.secret_ciphertext),
            market=store.market,
            environment=store.environment,
        )
    return KeyPair(store.environment, credential.client_id, vault.decrypt(credential.secret_ciphertext), store.market)


# When each kind stops working. Pages, the CLI and the deadline report use these and never count days themselves.


def delegated_keys_days_left(deadline: date, today: date) -> int:
    """Calendar days until Walmart stops accepting delegated keys (DELEGATED_ACCESS_DEADLINE); negative once past."""
    return (deadline - today).days


def refresh_token_days_left(expires_at: datetime | None, today: date) -> int | None:
    """Calendar days until an OAuth refresh token runs out (UTC); None when there is none."""
    return (expires_at.date() - today).days if expires_at is not None else None


def refresh_token_expiring(expires_at: datetime | None, today: date, warn_days: int) -> bool:
    """The one rule for warning about a refresh token: it runs out within `warn_days`."""
    days = refresh_token_days_left(expires_at, today)
    return days is not None and days <= warn_days
