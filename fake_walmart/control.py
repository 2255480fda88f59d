"""FakeWalmart, the control API tests use: start and stop the gateway, set up keys, OAuth apps, sellers,
catalogues and queued answers, change settings, and inspect the requests it received."""
from __future__ import annotations

from urllib.parse import urlsplit

from fake_walmart import oauth
from fake_walmart.answers import Answer, accept_ranges, media_quality, xml_error
from fake_walmart.auth import REJECTION_STYLES
from fake_walmart.canned import CannedAnswers, canned_answer, rate_limited_answer, server_error_answer
from fake_walmart.faults import HUGE_SIZE, Fault, fault_answer, new_fault
from fake_walmart.items import catalogue
from fake_walmart.orders import NO_ORDERS_STYLES, checked_orders
from fake_walmart.routes import route
from fake_walmart.server import Credentials, ReceivedRequest, Servers, first_values
from fake_walmart.state import ENVIRONMENTS, GRANT_ERROR_STYLES, App, GatewayState, Key, Seller, check_environment, check_market, checked_scopes

ERROR_FORMATS = ("json", "xml", "accept")
from fake_walmart.tokens import TOKEN_PATH


class FakeWalmart:
    """Two local gateways (production, sandbox) with separate keys and tokens. See the project brief for the API."""

    def __init__(self, latency: float = 0.0, ports: dict | None = None, host: str = "127.0.0.1"):
        self.latency = latency
        self._state = GatewayState()
        self._canned = CannedAnswers()
        self._faults: list[Fault] = []
        self._error_format = "accept"
        self._requests: list[ReceivedRequest] = []
        self._servers = Servers(host, {env: int((ports or {}).get(env, 0)) for env in ENVIRONMENTS}, self._respond)

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> FakeWalmart:
        self._servers.start()
        return self

    def stop(self) -> None:
        self._servers.stop()

    def __enter__(self) -> FakeWalmart:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base_url(self, environment: str) -> str:
        check_environment(environment)
        return self._servers.base_url(environment)

    # configuration -------------------------------------------------------------------------------
    @property
    def rejection_style(self) -> str:
        return self._state.rejection_style

    @rejection_style.setter
    def rejection_style(self, style: str) -> None:
        if style not in REJECTION_STYLES:
            raise ValueError(f"rejection_style must be one of {REJECTION_STYLES}, not {style!r}")
        self._state.rejection_style = style

    @property
    def grant_error_style(self) -> str:
        """How a refused authorization code or refresh token is answered: "oauth" (400 invalid_grant, the default)
        or "gateway" (the gateway's 401 UNAUTHORIZED envelope). Walmart documents neither."""
        return self._state.grant_error_style

    @grant_error_style.setter
    def grant_error_style(self, style: str) -> None:
        if style not in GRANT_ERROR_STYLES:
            raise ValueError(f"grant_error_style must be one of {GRANT_ERROR_STYLES}, not {style!r}")
        self._state.grant_error_style = style

    @property
    def code_lifetime(self) -> float:
        """Seconds an authorization code from /authorize can be exchanged."""
        return self._state.code_lifetime

    @code_lifetime.setter
    def code_lifetime(self, seconds: float) -> None:
        self._state.code_lifetime = seconds

    @property
    def oauth_token_lifetime(self) -> float:
        """Seconds an access token from the OAuth app grants lives."""
        return self._state.oauth_token_lifetime

    @oauth_token_lifetime.setter
    def oauth_token_lifetime(self, seconds: float) -> None:
        self._state.oauth_token_lifetime = seconds

    @property
    def refresh_token_lifetime(self) -> float:
        return self._state.refresh_token_lifetime

    @refresh_token_lifetime.setter
    def refresh_token_lifetime(self, seconds: float) -> None:
        self._state.refresh_token_lifetime = seconds

    @property
    def error_format(self) -> str:
        """How errors are encoded: "accept" (XML when the request's Accept prefers it, else JSON), "json" or "xml"."""
        return self._error_format

    @error_format.setter
    def error_format(self, value: str) -> None:
        if value not in ERROR_FORMATS:
            raise ValueError(f"error_format must be one of {ERROR_FORMATS}, not {value!r}")
        self._error_format = value

    @property
    def rotate_refresh_tokens(self) -> bool:
        """When True, each refresh grant answers with a new refresh token and the old one stops working."""
        return self._state.rotate_refresh_tokens

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, value: bool) -> None:
        self._state.rotate_refresh_tokens = bool(value)

    def add_key(self, environment: str, client_id: str, client_secret: str, scopes: dict | None = None,
                is_channel_match: bool | None = True, token_lifetime: int = 900, *,
                seller_id: str | None = None, partner_name: str | None = None, market: str = "us") -> None:
        """Replacing an existing client_id counts as a key reset: its old tokens stop working.

        seller_id / partner_name feed /v3/settings/partnerprofile (a stable fake ID is derived if absent).
        market: the Walmart market the key was made in; outside the US every call must name it in WM_MARKET."""
        check_environment(environment)
        scopes = checked_scopes(scopes)
        market = check_market(market)
        with self._state.lock:
            self._state.keys[environment][client_id] = Key(client_id, client_secret, scopes, is_channel_match, int(token_lifetime),
                                                           None if seller_id is None else str(seller_id), partner_name, market)

    def remove_key(self, environment: str, client_id: str) -> None:
        check_environment(environment)
        with self._state.lock:
            self._state.keys[environment].pop(client_id, None)
            self._state.tokens[environment] = {t: rec for t, rec in self._state.tokens[environment].items()
                                               if rec.key is None or rec.key.client_id != client_id}

    def register_app(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        """A Solution Provider's OAuth app keys (production only). Re-registering is a key reset."""
        with self._state.lock:
            self._state.apps[client_id] = App(client_id, client_secret, redirect_uri)

    def add_seller(self, seller_id: str, scopes: dict | None = None, partner_name: str | None = None) -> None:
        """A seller account that can approve apps. Re-adding a seller_id drops its earlier approvals."""
        seller = Seller(str(seller_id), checked_scopes(scopes), partner_name)
        with self._state.lock:
            self._state.sellers[seller.seller_id] = seller

    @property
    def default_seller(self) -> str | None:
        """Who approves at /authorize when no sellerId is given: the one set here, else the only seller."""
        return self._state.default_seller

    @default_seller.setter
    def default_seller(self, seller_id: str | None) -> None:
        self._state.chosen_default_seller = None if seller_id is None else str(seller_id)

    def authorize_url(self) -> str:
        return self.base_url("production") + oauth.AUTHORIZE_PATH

    def approve(self, authorize_url: str, seller_id: str | None = None) -> str:
        """What /authorize does when the seller logs in and approves, without HTTP: returns the redirect URL.

        Raises ValueError with the reason the login page would show for a bad request."""
        query = first_values(urlsplit(authorize_url).query)
        app = oauth.check_authorize(self._state, query)
        seller_id = seller_id or query.get("sellerId") or self.default_seller
        if not seller_id:
            raise ValueError("no seller_id given and no default seller")
        return oauth.issue_code(self._state, app, query, seller_id)

    def revoke_refresh_token(self, token: str) -> None:
        with self._state.lock:
            record = self._state.refresh_tokens.get(token)
            if record is not None:
                record.revoked = True

    def revoke_seller(self, seller_id: str) -> None:
        """The seller disconnects every app: its codes, refresh tokens and access tokens stop working."""
        with self._state.lock:
            for grant in self._state.grants:
                if grant.seller.seller_id == str(seller_id):
                    grant.revoked = True

    def set_items(self, environment: str, client_id_or_seller_id: str, items: list[dict]) -> None:
        """The catalogue /v3/items lists for tokens of that key (client_id) or seller (seller_id); replaces any earlier one."""
        check_environment(environment)
        stored = catalogue(items)
        with self._state.lock:
            self._state.items[environment][str(client_id_or_seller_id)] = stored

    def set_orders(self, environment: str, client_id_or_seller_id: str, orders: list[dict]) -> None:
        """The orders /v3/orders lists for tokens of that key (client_id) or seller (seller_id), Walmart-shaped
        (fake_walmart.samples.order, sample_orders); replaces any earlier ones."""
        check_environment(environment)
        stored = checked_orders(orders)
        with self._state.lock:
            self._state.orders[environment][str(client_id_or_seller_id)] = stored

    @property
    def no_orders_style(self) -> str:
        """How "no orders match" is answered: "not_found" (404 CONTENT_NOT_FOUND.GMP_ORDER_API, the default) or
        "empty" (200 with totalCount 0). The reference cannot say which Walmart gives today."""
        return self._state.no_orders_style

    @no_orders_style.setter
    def no_orders_style(self, style: str) -> None:
        if style not in NO_ORDERS_STYLES:
            raise ValueError(f"no_orders_style must be one of {NO_ORDERS_STYLES}, not {style!r}")
        self._state.no_orders_style = style

    @property
    def orders_latency(self) -> tuple[float, float]:
        """Seconds each /v3/orders page takes, a random time between the two (for benchmarks: (0.03, 0.06))."""
        return self._state.orders_latency

    @orders_latency.setter
    def orders_latency(self, bounds: tuple[float, float]) -> None:
        low, high = (float(bound) for bound in bounds)
        if not 0 <= low <= high:
            raise ValueError("orders_latency must be (least, most) seconds with 0 <= least <= most")
        self._state.orders_latency = (low, high)

    def queue_response(self, environment: str, path: str, status: int, body: object = None, headers: dict | None = None,
                       delay: float = 0.0, times: int = 1, after: int = 0) -> None:
        """The next `times` requests to path get this answer instead of the gateway's own (see rate_limited_answer);
        with `after`, only once that many requests to the path have been answered by the gateway (a 429 on page 3)."""
        check_environment(environment)
        canned = canned_answer(status, body, headers, delay, times, after)
        with self._state.lock:
            self._canned.add(environment, path, canned)

    def set_fault(self, mode: str, *, environment: str | None = None, path: str | None = None, times: int | None = None,
                  status: int | None = None, interval: float = 1.0, size: int = HUGE_SIZE) -> None:
        """From now on, matching requests get a fault (see fake_walmart/faults.py for the modes) instead of an
        answer: every request, or those to one environment and/or path; `times` of them, or until clear_faults()."""
        if environment is not None:
            check_environment(environment)
        fault = new_fault(mode, environment, path, times, status, interval, size)
        with self._state.lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._state.lock:
            self._faults.clear()

    rate_limited_answer = staticmethod(rate_limited_answer)
    server_error_answer = staticmethod(server_error_answer)

    # inspection ----------------------------------------------------------------------------------
    @property
    def has_apps(self) -> bool:
        """Whether an OAuth app is registered, i.e. whether the /authorize page can be used."""
        with self._state.lock:
            return bool(self._state.apps)

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._state.lock:
            return list(self._requests)

    def token_requests(self, environment: str | None = None, client_id: str | None = None,
                       grant_type: str | None = None) -> list[ReceivedRequest]:
        return [r for r in self.requests
                if r.method == "POST" and r.path == TOKEN_PATH
                and environment in (None, r.environment) and client_id in (None, r.client_id)
                and grant_type in (None, r.form.get("grant_type"))]

    def clear_requests(self) -> None:
        with self._state.lock:
            self._requests.clear()

    # request handling ----------------------------------------------------------------------------
    def _respond(self, record: ReceivedRequest, basic: Credentials | None) -> tuple[Answer, float]:
        """The answer to a request (a fault first, then a queued one) and how long to hold it before sending."""
        with self._state.lock:
            self._requests.append(record)
            fault = self._take_fault(record)
            canned = None if fault is not None else self._canned.take(record.environment, record.path)
        if fault is not None:
            answer, delay = fault_answer(fault, record), 0.0
        elif canned is not None:
            answer, delay = canned.answer, canned.delay
        else:
            answer, delay = route(self._state, record, basic), 0.0
        if answer.status >= 400 and answer.stream is None and not answer.drip and self._errors_in_xml(record):
            answer = xml_error(answer)
        return answer, max(0.0, float(self.latency)) + max(0.0, delay)

    def _take_fault(self, record: ReceivedRequest) -> Fault | None:
        fault = next((f for f in self._faults if f.matches(record)), None)
        if fault is not None and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
        return fault

    def _errors_in_xml(self, record: ReceivedRequest) -> bool:
        if self._error_format != "accept":
            return self._error_format == "xml"
        accept = accept_ranges(record.header("Accept"))
        return media_quality(accept, "application/xml") > media_quality(accept, "application/json")
