"""The one header policy for a store's market: which market headers each kind of Walmart call carries.

Facts from walmart-orders-markets.md §3.2-§3.3 and walmart-api.md §1.2, §2.1, §6.4:
- Outside the US, keys are checked against the market named in WM_MARKET (lower case, as Walmart documents it);
  without it the gateway checks them against the US and refuses them. So the key grant, token detail and every
  business call of a CA, MX or CL store carry it.
- Business calls of those markets (items, orders, inventory, feeds) also carry WM_GLOBAL_VERSION: 3.1; the token
  calls do not.
- US calls stay as they always were: no market headers on the key grant, token detail or business calls. The OAuth
  grants (authorization_code, refresh_token) say WM_MARKET: us explicitly; Walmart documents them for the US only.

Every call builds its market headers here, never inline: a new kind of call (the orders client) picks its CallKind.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Final

from core.db.models import Market

GLOBAL_VERSION: Final = "3.1"
OAUTH_MARKETS: Final = frozenset({Market.us})  # the code and refresh grants are documented for the US only


class CallKind(StrEnum):
    key_grant = "key_grant"  # POST /v3/token with grant_type=client_credentials (delegated or own keys)
    seller_grant = "seller_grant"  # POST /v3/token with authorization_code or refresh_token (OAuth apps)
    token_detail = "token_detail"  # GET /v3/token/detail
    business = "business"  # items, orders, inventory, feeds ...


# Which market headers each kind of call carries, per market. WM_MARKET's value is the market itself.
_OUTSIDE_US: Final = {
    CallKind.key_grant: ("WM_MARKET",),
    CallKind.seller_grant: ("WM_MARKET",),
    CallKind.token_detail: ("WM_MARKET",),
    CallKind.business: ("WM_MARKET", "WM_GLOBAL_VERSION"),
}
_US: Final[dict[CallKind, tuple[str, ...]]] = {CallKind.seller_grant: ("WM_MARKET",)}
POLICY: Final = {market: (_US if market == Market.us else _OUTSIDE_US) for market in Market}


def market_of(value: str | None) -> Market:
    """The Market a stored or typed value means (any case; empty means the US). ValueError for anything else."""
    text = (value or Market.us.value).strip().lower()
    try:
        return Market(text)
    except ValueError:
        raise ValueError(f"unknown Walmart market {value!r}; use one of {', '.join(m.value for m in Market)}") from None


def market_headers(market: str | None, kind: CallKind) -> dict[str, str]:
    """The market headers a call of `kind` for a store in `market` carries."""
    chosen = market_of(market)
    values = {"WM_MARKET": chosen.value, "WM_GLOBAL_VERSION": GLOBAL_VERSION}
    return {name: values[name] for name in POLICY[chosen].get(kind, ())}


def oauth_offered(market: str | None) -> bool:
    """Whether Walmart documents the OAuth grants for this market (only the US)."""
    return market_of(market) in OAUTH_MARKETS
