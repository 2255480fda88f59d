"""One authorization check: pre-checks -> token -> token detail -> permissions -> Outcome.

`check_keys` needs no database (the troubleshooting diagnosis uses it on pasted
keys); `check_store` runs it for a saved store and records the result (core.authorization.history).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.history import record
from core.authorization.outcome import STATUS_TEXT, Outcome, Status
from core.authorization.scopes import ScopeRow, compare, missing, required_permissions
from core.db.models import saved_id, utc_now
from core.runtime import Runtime
from core.stores.credential import SellerGrant, StoreCredential, load_credential
from core.stores.prechecks import Finding, precheck
from core.stores.registry import find_store
from core.walmart.client import CallRecord, ErrorKind, Token, WalmartClient, WalmartError
from core.walmart.tokens import TokenCache

# (token cache key, (token, reused from the cache))
KeyedToken = tuple[str, tuple[Token, bool]]


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
        summary: str | None = None,
        error: WalmartError | None = None,
        *,
        http_status: int | None = None,
        walmart_code: str | None = None,
        token_expires_at: datetime | None = None,
        token_reused: bool = False,
        scopes: tuple[ScopeRow, ...] = (),
    ) -> Outcome:
        if error is not None:
            self.calls.append(error.call)
        title, next_step = STATUS_TEXT[status]
        return Outcome(
            status=status,
            environment=self.environment,
            summary=summary or title,
            next_step=next_step,
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


def _failure(run: _Run, error: WalmartError, refused: Status = Status.rejected) -> Outcome:
    if error.kind == ErrorKind.rate_limited:
        when = f" Try again after {error.retry_at:%H:%M:%S} UTC." if error.retry_at else ""
        return run.outcome(Status.rate_limited, f"{error.message}{when}", error)
    if error.kind in (ErrorKind.credentials_refused, ErrorKind.forbidden):
        message = error.message if refused == Status.rejected else error.message.replace("refused the keys", "refused this store's authorization")
        return run.outcome(refused, message, error)
    return run.outcome(Status.unreachable, error.message, error)


def _key_token(client: WalmartClient, cache: TokenCache, environment: str, client_id: str, client_secret: str, fresh: bool = False) -> KeyedToken:
    """(cache key, (token, reused)) for a key pair: the cached token, or a client_credentials grant."""
    key = TokenCache.key(environment, client.base_urls[environment], client_id, client_secret)
    return key, cache.get(key, lambda: client.request_token(environment, client_id, client_secret), fresh)


def _grant_token(client: WalmartClient, cache: TokenCache, grant: SellerGrant, fresh: bool = False) -> KeyedToken:
    """(cache key, (token, reused)) for an OAuth seller authorization: the cached token, or a refresh grant."""
    key = TokenCache.key("oauth", client.base_urls[grant.environment], grant.seller_id, grant.refresh_token)
    refresh = lambda: client.refresh_access_token(grant.app_id, grant.app_secret, grant.refresh_token, grant.seller_id, grant.market,  # noqa: E731
                                                  grant.environment)
    return key, cache.get(key, refresh, fresh)


def check_keys(
    client: WalmartClient,
    cache: TokenCache,
    required: dict[str, str],
    environment: str,
    client_id: str,
    client_secret: str,
    probe_other_environment: bool = True,
) -> Outcome:
    """Check a key pair against one environment. Never raises for anything Walmart or the network does."""
    run = _Run(environment)
    checked = precheck(client_id, client_secret)
    run.findings = tuple(checked.findings)
    if not checked.ok:
        return run.outcome(Status.invalid_input, f"{len(checked.errors)} problem(s) found in the pasted keys; Walmart was not asked.")
    client_id, client_secret = checked.client_id, checked.client_secret

    def fetch(env: str, fresh: bool = False) -> KeyedToken:
        return _key_token(client, cache, env, client_id, client_secret, fresh)

    try:
        cache_key, (token, reused) = fetch(environment)
    except WalmartError as error:
        if error.kind != ErrorKind.credentials_refused or not probe_other_environment:
            return _failure(run, error)
        run.calls.append(error.call)
        other = _other(environment)
        try:
            _, (other_token, _) = fetch(other)
            run.calls.append(other_token.call)
        except WalmartError as other_error:
            run.calls.append(other_error.call)
            return run.outcome(
                Status.rejected,
                f"{error.message} The {other} environment refused them too.",
                http_status=error.http_status,
                walmart_code=error.code,
            )
        return run.outcome(
            Status.wrong_environment,
            f"{environment.capitalize()} refused these keys, but {other} accepted them: they are {other} keys.",
            http_status=error.http_status,
            walmart_code=error.code,
            token_expires_at=other_token.expires_at,
        )
    return _verify(run, client, cache, required, cache_key, token, reused, lambda: fetch(environment, fresh=True), (client_id, client_secret))


def check_seller_grant(client: WalmartClient, cache: TokenCache, required: dict[str, str], grant: SellerGrant) -> Outcome:
    """Check an OAuth seller authorization: refresh grant -> token detail -> permissions, in the grant's environment."""
    run = _Run(grant.environment)

    def fetch(fresh: bool = False) -> KeyedToken:
        return _grant_token(client, cache, grant, fresh)

    try:
        cache_key, (token, reused) = fetch()
    except WalmartError as error:
        if error.kind == ErrorKind.credentials_refused and (error.code or "").lower() in ("invalid_client", "unauthorized_client", "unauthorized.gmp_gateway_api"):
            # The app's own keys were refused: re-connecting the store would not help.
            return run.outcome(Status.rejected, f"Walmart refused the app's own keys (WALMART_OAUTH_CLIENT_ID and its saved secret). {error.message}", error)
        if error.kind == ErrorKind.credentials_refused:
            return run.outcome(Status.reconnect_required, error.message.replace("refused the keys", "refused the store's refresh token"), error)
        return _failure(run, error, Status.reconnect_required)
    return _verify(run, client, cache, required, cache_key, token, reused, lambda: fetch(fresh=True), (grant.app_id, grant.app_secret),
                   refused=Status.reconnect_required)


def _verify(run: _Run, client: WalmartClient, cache: TokenCache, required: dict[str, str], cache_key: str, token: Token, reused: bool,
            refetch: Callable[[], KeyedToken], basic: tuple[str, str], refused: Status = Status.rejected) -> Outcome:
    """Token detail and the permission comparison, shared by both kinds of credential.
    `refused` is the status when Walmart refuses the credential itself."""
    environment = run.environment
    if not reused:
        run.calls.append(token.call)

    try:
        detail = client.token_detail(environment, token, *basic)
    except WalmartError as error:
        if error.kind != ErrorKind.credentials_refused or not reused:
            return _failure(run, error, refused)
        # The cached token was revoked (for example the key was reset): one fresh try.
        run.calls.append(error.call)
        cache.forget(cache_key)
        try:
            cache_key, (token, reused) = refetch()
            run.calls.append(token.call)
            detail = client.token_detail(environment, token, *basic)
        except WalmartError as retry_error:
            return _failure(run, retry_error, refused)
    run.calls.append(detail.call)

    if not detail.is_valid:
        return run.outcome(Status.rejected, "Walmart issued a token but reports it as not valid.", http_status=200, token_reused=reused)
    if detail.is_channel_match is False:
        return run.outcome(
            Status.rejected,
            "Walmart says these keys are not associated with this seller's channel.",
            http_status=200,
            token_reused=reused,
        )
    rows = tuple(compare(detail.scopes, required))
    lacking = missing(list(rows))
    status = Status.missing_permissions if lacking else Status.authorized
    summary = (
        f"{len(lacking)} permission(s) missing or too low: "
        + ", ".join(f"{row.scope} ({row.granted.replace('_', ' ')}, needs {row.required.replace('_', ' ')})" for row in lacking)
        if lacking
        else f"Keys accepted; token valid until {token.expires_at:%H:%M} UTC."
    )
    return run.outcome(
        status,
        summary,
        http_status=200,
        token_expires_at=detail.expire_at or token.expires_at,
        token_reused=reused,
        scopes=rows,
    )


def check_credential(runtime: Runtime, credential: StoreCredential, cache: TokenCache | None = None) -> Outcome:
    """Check either kind of credential. `cache` defaults to the shared token cache."""
    cache = cache or runtime.tokens
    required = required_permissions(runtime.settings)
    if isinstance(credential, SellerGrant):
        return check_seller_grant(runtime.walmart, cache, required, credential)
    return check_keys(runtime.walmart, cache, required, credential.environment, credential.client_id, credential.client_secret)


def access_token_for(runtime: Runtime, credential: StoreCredential, fresh: bool = False) -> tuple[str, Token]:
    """(environment, access token) for business calls with a store's credential: the same token cache and
    grants as the check, so listing items costs no extra token request.
    `fresh` skips the cache (after Walmart refused a cached token). Raises WalmartError."""
    if isinstance(credential, SellerGrant):
        _, (token, _) = _grant_token(runtime.walmart, runtime.tokens, credential, fresh)
        return credential.environment, token
    _, (token, _) = _key_token(runtime.walmart, runtime.tokens, credential.environment, credential.client_id, credential.client_secret, fresh)
    return credential.environment, token


def check_store(runtime: Runtime, store: str | int) -> Outcome:
    """Check one saved store (by name or id) and record the outcome: a workflow with its own short transactions.

    The credential is read in one transaction and the outcome recorded in another; Walmart is
    called between them and alert webhooks after the second commits, so no transaction (and on
    SQLite no write lock) is held across a network call.
    """
    with runtime.transaction() as session:
        found = find_store(session, store)
        store_id, credential = saved_id(found), load_credential(session, runtime.vault, found)
    outcome = check_credential(runtime, credential)
    with runtime.transaction() as session:
        record(session, store_id, outcome, AlertPolicy.from_settings(runtime.settings))
    deliver_pending(runtime.transaction, runtime.settings.alert_webhook_url)
    return outcome
