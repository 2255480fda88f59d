"""What the fake gateway knows: keys, OAuth apps and sellers, issued tokens and codes, catalogues, settings.

Records are compared by identity where it matters: a token stays valid only while the very key or grant it was
issued for is still registered, so replacing a key or re-adding a seller is a reset.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

ENVIRONMENTS = ("production", "sandbox")
MARKETS = ("us", "ca", "mx", "cl")  # WM_MARKET values (walmart-orders-markets.md §3.2)
SCOPES = ("reports", "item", "shipping", "price", "lagtime", "feeds", "returns", "orders", "rules", "inventory", "content")
ACCESS_LEVELS = ("full_access", "view_only", "no_access")
GRANT_ERROR_STYLES = ("oauth", "gateway")  # {"error": "invalid_grant"} 400, or the gateway's 401 envelope (both UNCONFIRMED)


@dataclass
class Key:
    client_id: str
    client_secret: str
    scopes: dict
    is_channel_match: bool | None
    token_lifetime: int
    seller_id: str | None = None
    partner_name: str | None = None
    market: str = "us"  # keys are checked against the market WM_MARKET names (US when absent)


@dataclass
class App:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class Seller:
    seller_id: str
    scopes: dict
    partner_name: str | None


@dataclass
class Grant:
    """One approval of an app by a seller; its code, refresh token and access tokens all die with it."""
    app: App  # identity matters, as for AccessToken.key: re-registering an app or re-adding a seller is a reset
    seller: Seller
    revoked: bool = False


@dataclass
class AuthorizationCode:
    grant: Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class RefreshToken:
    grant: Grant
    expires_at: float
    revoked: bool = False


@dataclass
class AccessToken:
    environment: str
    key: Key | None  # identity matters: a removed or replaced key must not validate old tokens
    issued_at: float
    expires_at: float
    grant: Grant | None = None  # set instead of key for tokens from the OAuth app grants
    market: str = "us"  # calls made with the token must name the same market (outside the US)

    @property
    def seller_key(self) -> Key:
        """The key a client_credentials token was issued for (tokens from the app grants have a grant instead)."""
        if self.key is None:
            raise ValueError("this token came from an app grant, not a seller key")
        return self.key

    @property
    def scopes(self) -> dict:
        return self.grant.seller.scopes if self.grant else self.seller_key.scopes


class GatewayState:
    """Everything both environments know, behind one lock; the behaviour modules read and change it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.keys: dict[str, dict[str, Key]] = {env: {} for env in ENVIRONMENTS}
        self.tokens: dict[str, dict[str, AccessToken]] = {env: {} for env in ENVIRONMENTS}
        self.rejection_style = "gateway"
        self.grant_error_style = "oauth"  # how a refused code or refresh token is answered (GRANT_ERROR_STYLES)
        # OAuth app flow (§6.4): US only. The sandbox takes the same apps, sellers and codes (Simulate App Connect), so none of this is per environment.
        self.apps: dict[str, App] = {}
        self.sellers: dict[str, Seller] = {}
        self.chosen_default_seller: str | None = None
        self.grants: list[Grant] = []
        self.codes: dict[str, AuthorizationCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.code_lifetime: float = 600
        self.oauth_token_lifetime: float = 900
        self.refresh_token_lifetime: float = 365 * 86400
        self.rotate_refresh_tokens = False  # the refresh grant returns a new refresh token and retires the old one
        self.items: dict[str, dict[str, list[dict]]] = {env: {} for env in ENVIRONMENTS}
        self.cursors: dict[str, tuple] = {}  # cursor -> (environment, owner, filters, next offset)
        self.orders: dict[str, dict[str, list[dict]]] = {env: {} for env in ENVIRONMENTS}  # newest first
        self.order_cursors: dict[str, tuple] = {}  # cursor -> (environment, owner, filters, limit, next offset)
        self.no_orders_style = "not_found"  # fake_walmart.orders.NO_ORDERS_STYLES
        self.orders_latency: tuple[float, float] = (0.0, 0.0)  # seconds each /v3/orders page takes: (least, most)

    @property
    def default_seller(self) -> str | None:
        """Who approves at /authorize when no sellerId is given: the one chosen, else the only seller."""
        with self.lock:
            if self.chosen_default_seller is not None:
                return self.chosen_default_seller
            return next(iter(self.sellers)) if len(self.sellers) == 1 else None

    def grant_live(self, grant: Grant) -> bool:
        return (not grant.revoked and self.apps.get(grant.app.client_id) is grant.app
                and self.sellers.get(grant.seller.seller_id) is grant.seller)

    def token_live(self, record: AccessToken) -> bool:
        if record.grant is not None:
            return self.grant_live(record.grant)
        return self.keys[record.environment].get(record.seller_key.client_id) is record.seller_key


def checked_scopes(scopes: dict | None) -> dict:
    if scopes is None:
        return {name: "full_access" for name in SCOPES}
    bad = {k: v for k, v in scopes.items() if v not in ACCESS_LEVELS}
    if bad:
        raise ValueError(f"unknown access level(s) {bad}; use one of {ACCESS_LEVELS}")
    return dict(scopes)


def check_market(market: str) -> str:
    if str(market).lower() not in MARKETS:
        raise ValueError(f"market must be one of {MARKETS}, not {market!r}")
    return str(market).lower()


def check_environment(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
