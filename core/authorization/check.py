"""One authorization check: pre-checks -> token -> token detail -> permissions -> Outcome.

`check_keys` needs no database (the troubleshooting diagnosis uses it on pasted
keys); `check_store` runs it for a saved store and records the result (core.authorization.history).
Every call carries the store's own market (KeyPair.market, SellerGrant.market): the market rules, never a
process-wide setting.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.deadline import bounded
from core.authorization.history import record
from core.authorization.outcome import ENVIRONMENT_NAMES, MARKET_HINT, STATUS_TEXT, US_MARKET_HINT, Outcome, Status
from core.authorization.rotation import keep_rotated_refresh_token
from core.authorization.scopes import ScopeRow, compare, level_text, missing, required_permissions
from core.db.models import Market, saved_id, utc_now
from core.i18n import Text, join, lazy, lazy_ngettext
from core.runtime import Runtime
from core.stores.credential import SellerGrant, StoreCredential, load_credential
from core.stores.prechecks import Finding, precheck
from core.stores.registry import find_store
from core.walmart.client import CallRecord, ErrorKind, Token, WalmartClient, WalmartError
from core.walmart.markets import market_of
from core.walmart.tokens import TokenCache

# (token cache key, (token, reused from the cache))
KeyedToken = tuple[str, tuple[Token, bool]]
# Called with a refresh token Walmart rotated, as soon as the refresh grant returns it.
OnRotation = Callable[[str], object]


def _other(environment: str) -> str:
    return "sandbox" if environment == "production" else "production"


@dataclass
class _Run:
    environment: str
    started: float = field(default_factory=time.monotonic)
    calls: list[CallRecord] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()

    def outcome(
        self,
        status: Status,
        summary: Text | str | None = None,
        error: WalmartError | None = None,
        *,
        http_status: int | None = None,
        walmart_code: str | None = None,
        token_expires_at: datetime | None = None,
        token_reused: bool = False,
        scopes: tuple[ScopeRow, ...] = (),
        next_step: Text | str | None = None,
    ) -> Outcome:
        if error is not None:
            self.calls.append(error.call)
        title, usual_step = STATUS_TEXT[status]
        return Outcome(
            status=status,
            environment=self.environment,
            summary_text=summary or lazy(title),
            next_step_text=next_step or lazy(usual_step),
            checked_at=utc_now(),
            http_status=error.http_status if error else http_status,
            walmart_code=error.code if error else walmart_code,
            calls=tuple(self.calls),
            retry_at=error.retry_at if error else None,
            findings=self.findings,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            token_expires_at=token_expires_at,
            token_reused=token_reused,
            scopes=scopes,
        )


def refusal_hint(market: str, error: WalmartError) -> Text | None:
    """The next step to show first when Walmart refused a key pair, if the market may explain it
    (walmart-orders-markets.md §3.3): always outside the US; in the US only for the "Incorrect
    Authorization header" answer that keys of another market get."""
    if error.kind != ErrorKind.credentials_refused:
        return None
    if market_of(market) != Market.us:
        return lazy(MARKET_HINT)
    about_header = any(item.field.lower() == "authorization" or "authorization header" in f"{item.description} {item.info}".lower()
                       for item in error.items)
    return lazy(US_MARKET_HINT) if error.http_status == 400 and about_header else None


def _failure(run: _Run, error: WalmartError, refused: Status = Status.rejected, market: str | None = None) -> Outcome:
    if error.kind == ErrorKind.rate_limited:
        when = lazy("Try again after {time} UTC.", time=f"{error.retry_at:%H:%M:%S}") if error.retry_at else None
        return run.outcome(Status.rate_limited, join(error.text, when), error)
    if error.kind in (ErrorKind.credentials_refused, ErrorKind.forbidden):
        message = error.text
        if refused != Status.rejected and error.kind == ErrorKind.credentials_refused:
            message = join(lazy("Walmart refused this store's authorization (HTTP {status}).", status=error.http_status), error.said)
        hint = refusal_hint(market, error) if market is not None and refused == Status.rejected else None
        return run.outcome(refused, message, error, next_step=hint)
    return run.outcome(Status.unreachable, error.text, error)


def _key_token(client: WalmartClient, cache: TokenCache, environment: str, client_id: str, client_secret: str, market: str = Market.us,
               fresh: bool = False) -> KeyedToken:
    """(cache key, (token, reused)) for a key pair: the cached token, or a client_credentials grant in its market."""
    # The market is part of the key: the same keys under another market are another question to Walmart.
    chosen = market_of(market).value
    key = TokenCache.key(environment, client.base_urls[environment] + "#" + chosen, client_id, client_secret)
    token, reused = cache.get(key, lambda: client.request_token(environment, client_id, client_secret, chosen), fresh)
    return key, (replace(token, market=chosen), reused)  # a token from the shared store does not know its market


def _grant_token(client: WalmartClient, cache: TokenCache, grant: SellerGrant, fresh: bool = False,
                 on_rotation: OnRotation | None = None) -> KeyedToken:
    """(cache key, (token, reused)) for an OAuth seller authorization: the cached token, or a refresh grant.
    A refresh token Walmart rotates goes to `on_rotation` before anything else happens."""
    key = TokenCache.key("oauth", client.base_urls[grant.environment], grant.seller_id, grant.refresh_token)

    def refresh() -> Token:
        token = client.refresh_access_token(grant.app_id, grant.app_secret, grant.refresh_token, grant.seller_id, grant.market,
                                            environment=grant.environment)
        if token.refresh_token and on_rotation is not None:
            on_rotation(token.refresh_token)
        return replace(token, refresh_token=None)  # the cache keeps access tokens only

    token, reused = cache.get(key, refresh, fresh)
    return key, (replace(token, market=market_of(grant.market).value), reused)


def check_keys(
    client: WalmartClient,
    cache: TokenCache,
    required: dict[str, str],
    environment: str,
    client_id: str,
    client_secret: str,
    probe_other_environment: bool = True,
    market: str = Market.us,
) -> Outcome:
    """Check a key pair against one environment, in its market. Never raises for anything Walmart or the network does."""
    run = _Run(environment)
    checked = precheck(client_id, client_secret)
    run.findings = tuple(checked.findings)
    if not checked.ok:
        count = len(checked.errors)
        return run.outcome(Status.invalid_input, lazy_ngettext("{n} problem found in the pasted keys; Walmart was not asked.",
                                                               "{n} problems found in the pasted keys; Walmart was not asked.", count))
    client_id, client_secret = checked.client_id, checked.client_secret

    def fetch(env: str, fresh: bool = False) -> KeyedToken:
        return _key_token(client, cache, env, client_id, client_secret, market, fresh)

    try:
        cache_key, (token, reused) = fetch(environment)
    except WalmartError as error:
        if error.kind != ErrorKind.credentials_refused or not probe_other_environment:
            return _failure(run, error, market=market)
        run.calls.append(error.call)
        other = _other(environment)
        try:
            _key, (other_token, _reused) = fetch(other)
            run.calls.append(other_token.call)
        except WalmartError as other_error:
            run.calls.append(other_error.call)
            return run.outcome(
                Status.rejected,
                join(error.text, lazy("The {other} environment refused them too.", other=lazy(ENVIRONMENT_NAMES[other]))),
                http_status=error.http_status,
                walmart_code=error.code,
                next_step=refusal_hint(market, error),
            )
        return run.outcome(
            Status.wrong_environment,
            lazy("{environment} refused these keys, but {other} accepted them: they are {other} keys.",
                 environment=lazy(ENVIRONMENT_NAMES[environment].capitalize()), other=lazy(ENVIRONMENT_NAMES[other])),
            http_status=error.http_status,
            walmart_code=error.code,
            token_expires_at=other_token.expires_at,
        )
    return _verify(run, client, cache, required, cache_key, token, reused, lambda: fetch(environment, fresh=True), (client_id, client_secret),
                   market=market)


def check_seller_grant(client: WalmartClient, cache: TokenCache, required: dict[str, str], grant: SellerGrant,
                       on_rotation: OnRotation | None = None) -> Outcome:
    """Check an OAuth seller authorization: refresh grant -> token detail -> permissions.
    `required` should be the OAuth profile (required_permissions(settings, CredentialKind.oauth_seller));
    check_credential picks it, and keeps a rotated refresh token, by itself."""
    run = _Run(grant.environment)

    def fetch(fresh: bool = False) -> KeyedToken:
        return _grant_token(client, cache, grant, fresh, on_rotation)

    try:
        cache_key, (token, reused) = fetch()
    except WalmartError as error:
        code = (error.code or "").lower()
        if error.kind == ErrorKind.credentials_refused and code in ("invalid_client", "unauthorized_client"):
            # The app's own keys were refused, by name: re-connecting the store would not help.
            return run.outcome(Status.rejected, join(lazy("Walmart refused the app's own keys (WALMART_OAUTH_CLIENT_ID and its saved secret)."),
                                                     error.text), error)
        if error.kind == ErrorKind.credentials_refused and code.startswith("unauthorized"):
            # The gateway's plain 401 does not say whose: a refused refresh token is the usual cause (the seller disconnected
            # the app; walmart-orders-markets.md §4.7), the app's own keys the other.
            return run.outcome(
                Status.reconnect_required,
                join(lazy("Walmart refused the store's refresh token or the app's own keys; its answer does not say which."), error.text),
                error,
                next_step=lazy("If only this store fails, the seller disconnected the app: start Connect for this store and have the seller "
                            "approve the app again. If every store connected with Walmart fails at once, the app's Client Secret was "
                            "reset or mistyped: save the current one under App settings on the Connect with Walmart page."),
            )
        if error.kind == ErrorKind.credentials_refused:
            refused_token = lazy("Walmart refused the store's refresh token (HTTP {status}).", status=error.http_status)
            return run.outcome(Status.reconnect_required, join(refused_token, error.said), error)
        return _failure(run, error, Status.reconnect_required)
    return _verify(run, client, cache, required, cache_key, token, reused, lambda: fetch(fresh=True), (grant.app_id, grant.app_secret),
                   refused=Status.reconnect_required, market=grant.market, app_token=True)


def _verify(run: _Run, client: WalmartClient, cache: TokenCache, required: dict[str, str], cache_key: str, token: Token, reused: bool,
            refetch: Callable[[], KeyedToken], basic: tuple[str, str], refused: Status = Status.rejected, market: str = Market.us,
            app_token: bool = False) -> Outcome:
    """Token detail and the permission comparison, shared by both kinds of credential.
    `refused` is the status when Walmart refuses the credential itself."""
    environment = run.environment
    if not reused:
        run.calls.append(token.call)

    try:
        detail = client.token_detail(environment, token, *basic)
    except WalmartError as error:
        if error.kind != ErrorKind.credentials_refused or not reused:
            return _failure(run, error, refused, market)
        # The cached token was revoked (for example the key was reset): one fresh try.
        run.calls.append(error.call)
        cache.forget(cache_key)
        try:
            cache_key, (token, reused) = refetch()
            run.calls.append(token.call)
            detail = client.token_detail(environment, token, *basic)
        except WalmartError as retry_error:
            return _failure(run, retry_error, refused, market)
    run.calls.append(detail.call)

    if not detail.is_valid:
        return run.outcome(Status.rejected, lazy("Walmart issued a token but reports it as not valid."), http_status=200, token_reused=reused)
    rows = tuple(compare(detail.scopes, required))
    if detail.is_channel_match is False:
        summary: Text = lazy("Walmart issued a token but says it does not match the seller's channel (is_channel_match: false).")
        if app_token:
            summary = join(summary, lazy("Walmart does not document what this means for tokens of an app connected with OAuth."))
        return run.outcome(Status.channel_mismatch, summary, http_status=200, token_reused=reused, scopes=rows,
                           token_expires_at=detail.expire_at or token.expires_at)
    lacking = missing(list(rows))
    status = Status.missing_permissions if lacking else Status.authorized
    if lacking:
        # Built apart: Babel's extractor loses a plural whose arguments hold another marked message.
        scopes = join(*(lazy("{scope} ({granted}, needs {required})", scope=row.scope, granted=level_text(row.granted),
                             required=level_text(row.required)) for row in lacking), separator=", ")
        summary = lazy_ngettext("{n} permission missing or too low: {scopes}", "{n} permissions missing or too low: {scopes}", len(lacking),
                                scopes=scopes)
    else:
        summary = lazy("Keys accepted; token valid until {time} UTC.", time=f"{token.expires_at:%H:%M}")
    return run.outcome(
        status,
        summary,
        http_status=200,
        token_expires_at=detail.expire_at or token.expires_at,
        token_reused=reused,
        scopes=rows,
    )


def _rotation_keeper(runtime: Runtime, grant: SellerGrant) -> OnRotation:
    return lambda new_token: keep_rotated_refresh_token(runtime, grant, new_token)


def check_credential(runtime: Runtime, credential: StoreCredential, cache: TokenCache | None = None) -> Outcome:
    """Check either kind of credential in its own market, against the profile of its kind.
    `cache` defaults to the shared token cache. A refresh token Walmart rotates is saved at once."""
    cache = cache or runtime.tokens
    required = required_permissions(runtime.settings, credential.kind, credential.market)
    if isinstance(credential, SellerGrant):
        return check_seller_grant(runtime.walmart, cache, required, credential, _rotation_keeper(runtime, credential))
    return check_keys(runtime.walmart, cache, required, credential.environment, credential.client_id, credential.client_secret,
                      market=credential.market)


def access_token_for(runtime: Runtime, credential: StoreCredential, fresh: bool = False) -> tuple[str, Token]:
    """(environment, access token) for business calls with a store's credential: the same token cache and
    grants as the check, so listing items costs no extra token request. The token carries the credential's
    market, so the business calls made with it carry the market's headers.
    `fresh` skips the cache (after Walmart refused a cached token). Raises WalmartError."""
    if isinstance(credential, SellerGrant):
        _key, (token, _reused) = _grant_token(runtime.walmart, runtime.tokens, credential, fresh, _rotation_keeper(runtime, credential))
        return credential.environment, token
    _key, (token, _reused) = _key_token(runtime.walmart, runtime.tokens, credential.environment, credential.client_id,
                                        credential.client_secret, credential.market, fresh)
    return credential.environment, token


def check_store(runtime: Runtime, store: str | int) -> Outcome:
    """Check one saved store (by name or id) and record the outcome: a workflow with its own short transactions.

    The credential is read in one transaction and the outcome recorded in another; Walmart is
    called between them and alert webhooks after the second commits, so no transaction (and on
    SQLite no write lock) is held across a network call. The check has the store's overall deadline
    (CHECK_STORE_TIMEOUT): past it, the store is recorded `unreachable` and the page or command goes on.
    """
    with runtime.transaction() as session:
        found = find_store(session, store)
        store_id, credential = saved_id(found), load_credential(session, runtime.vault, found)
    outcome = bounded(lambda: check_credential(runtime, credential), runtime.settings.check_store_timeout, credential.environment)
    with runtime.transaction() as session:
        record(session, store_id, outcome, AlertPolicy.from_settings(runtime.settings))
    deliver_pending(runtime.transaction, runtime.settings.alert_webhook_url)
    return outcome
