"""Which area answers which path. A new Walmart area is a module with a handler plus one row in ROUTES."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fake_walmart import items, oauth, orders, profile, token_detail, tokens
from fake_walmart.answers import Answer
from fake_walmart.errors import method_not_allowed, uri_not_found
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import ENVIRONMENTS, GatewayState

Handler = Callable[[GatewayState, ReceivedRequest, Credentials | None], Answer]


@dataclass(frozen=True)
class Route:
    method: str
    handler: Handler
    environments: tuple[str, ...] = ENVIRONMENTS


ROUTES: dict[str, Route] = {
    tokens.TOKEN_PATH: Route("POST", tokens.token),
    token_detail.DETAIL_PATH: Route("GET", token_detail.token_detail),
    items.ITEMS_PATH: Route("GET", items.list_items),
    orders.ORDERS_PATH: Route("GET", orders.list_orders),
    profile.PROFILE_PATH: Route("GET", profile.partner_profile),
    # The login page exists for production only (OAuth is US production).
    oauth.AUTHORIZE_PATH: Route("GET", oauth.authorize, environments=("production",)),
}


def route(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    found = ROUTES.get(req.path)
    if found is None or req.environment not in found.environments:
        return uri_not_found(req.path)
    if req.method != found.method:
        return method_not_allowed(req.path, found.method)
    return found.handler(state, req, basic)
