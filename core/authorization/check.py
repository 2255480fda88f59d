"""One authorization check: pre-checks -> token -> token detail -> permissions -> Outcome.

`check_keys` needs no database (the troubleshooting diagnosis uses it on pasted
keys); `check_store` runs it for a saved store and records the result.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, select

from core.authorization import alerts as events
from core.authorization.scopes import ScopeRow, compare, missing
from core.db.models import AuthorizationCheck, Store, StoreHealth, utc_now
from core.stores.prechecks import Finding, precheck
from core.walmart.client import CallRecord, ErrorKind, Token, WalmartClient, WalmartError
from core.walmart.tokens import TokenCache


@dataclass(frozen=True)
class SellerGrant:
    """An OAuth seller authorization, decrypted for one check. Its repr hides both secrets."""

    app_id: str
    app_secret: str = field(repr=False)
    seller_id: str = ""
    refresh_token: str = field(default="", repr=False)
    market: str = "us"
    environment: str = "production"


class Status(StrEnum):
    authorized = "authorized"
    missing_permissions = "missing_permissions"
    rejected = "rejected"
    wrong_environment = "wrong_environment"
    invalid_input = "invalid_input"
    rate_limited = "rate_limited"
    unreachable = "unreachable"
    reconnect_required = "reconnect_required"  # OAuth: Walmart refused the store's refresh token


# What each status means for ops staff, and the next step. The FAQ links to these by status.
STATUS_TEXT: dict[Status, tuple[str, str]] = {
    Status.authorized: ("Authorized", "Nothing to do."),
    Status.missing_permissions: (
        "Keys work, but some permissions are not enabled",
        "Ask the seller to open the key in Walmart's Developer Portal, enable the missing permissions (ideally all of them), save, then check again.",
    ),
    Status.rejected: (
        "Walmart refused the keys",
        "Copy the Client ID and Client Secret again through a plain-text editor. If that fails, the key may have been reset: ask the seller to reset it (or create a new key with every permission) and paste the new pair.",
    ),
    Status.wrong_environment: (
        "The keys belong to the other environment",
        "Switch the store's environment, or ask the seller for production keys (sandbox keys only work against the sandbox).",
    ),
    Status.invalid_input: (
        "The pasted keys have a problem, so Walmart was not asked",
        "Fix the problems listed under the keys, then check again.",
    ),
    Status.rate_limited: (
        "Walmart is limiting requests for these keys",
        "Wait until the time shown, then check again. Nothing is wrong with the keys.",
    ),
    Status.unreachable: (
        "Walmart could not be reached",
        "This is usually temporary. Check again in a few minutes; if it persists, check the network and the Walmart base URL settings.",
    ),
    Status.reconnect_required: (
        "Re-connect this store",
        "Walmart no longer accepts this store's authorization (the seller disconnected the app, or it expired). "
        "Start Connect for this store and have the seller approve the app again.",
    ),
}


@dataclass(frozen=True)
class Outcome:
    status: Status
    environment: str
    summary: str  # plain words: what happened
    next_step: str
    checked_at: datetime
    http_status: int | None = None
    walmart_code: str | None = None
    calls: tuple[CallRecord, ...] = ()
    token_expires_at: datetime | None = None
    token_reused: bool = False
    retry_at: datetime | None = None
    scopes: tuple[ScopeRow, ...] = ()
    findings: tuple[Finding, ...] = ()
    duration_ms: int = 0

    @property
    def missing(self) -> list[ScopeRow]:
        return missing(list(self.scopes))

    @property
    def correlation_ids(self) -> list[str]:
        return [call.correlation_id for call in self.calls]

    @property
    def title(self) -> str:
        return STATUS_TEXT[self.status][0]

    def to_dict(self) -> dict:
        return {
            "status": str(self.status),
            "title": self.title,
            "environment": self.environment,
            "summary": self.summary,
            "next_step": self.next_step,
            "checked_at": self.checked_at.isoformat(),
            "http_status": self.http_status,
            "walmart_code": self.walmart_code,
            "correlation_ids": self.correlation_ids,
            "calls": [vars(call) if not hasattr(call, "__dataclass_fields__") else {k: getattr(call, k) for k in call.__dataclass_fields__} for call in self.calls],
            "token_expires_at": self.token_expires_at.isoformat() if self.token_expires_at else None,
            "token_reused": self.token_reused,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "scopes": [row.to_dict() for row in self.scopes],
            "missing": [row.to_dict() for row in self.missing],
            "findings": [finding.to_dict() for finding in self.findings],
            "duration_ms": self.duration_ms,
        }


def _other(environment: str) -> str:
    return "sandbox" if environment == "production" else "production"


@dataclass
class _Run:
    environment: str
    started: float = field(default_factory=time.monotonic)
    calls: list[CallRecord] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()

    def outcome(self, status: Status, summary: str | None = None, error: WalmartError | None = None, **extra) -> Outcome:
        if error is not None:
            self.calls.append(error.call)
        title, next_step = STATUS_TEXT[status]
        return Outcome(
            status=status,
            environment=self.environment,
            summary=summary or title,
            next_step=next_step,
            checked_at=utc_now(),
            http_status=error.http_status if error else extra.pop("http_status", None),
            walmart_code=error.code if error else extra.pop("walmart_code", None),
            calls=tuple(self.calls),
            retry_at=error.retry_at if error else None,
            findings=self.findings,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            **extra,
        )


def _failure(run: _Run, error: WalmartError, refused: Status = Status.rejected) -> Outcome:
    if error.kind == ErrorKind.rate_limited:
        when = f" Try again after {error.retry_at:%H:%M:%S} UTC." if error.retry_at else ""
        return run.outcome(Status.rate_limited, f"{error.message}{when}", error)
    if error.kind in (ErrorKind.rejected, ErrorKind.forbidden):
        message = error.message if refused == Status.rejected else error.message.replace("refused the keys", "refused this store's authorization")
        return run.outcome(refused, message, error)
    return run.outcome(Status.unreachable, error.message, error)


def _key_token(client: WalmartClient, cache: TokenCache, environment: str, client_id: str, client_secret: str, fresh: bool = False):
    """(cache key, (token, reused)) for a key pair: the cached token, or a client_credentials grant."""
    key = TokenCache.key(environment, client.base_urls[environment], client_id, client_secret)
    return key, cache.get(key, lambda: client.request_token(environment, client_id, client_secret), fresh)


def _grant_token(client: WalmartClient, cache: TokenCache, grant: "SellerGrant", fresh: bool = False):
    """(cache key, (token, reused)) for an OAuth seller authorization: the cached token, or a refresh grant."""
    key = TokenCache.key("oauth", client.base_urls["production"], grant.seller_id, grant.refresh_token)
    refresh = lambda: client.refresh_access_token(grant.app_id, grant.app_secret, grant.refresh_token, grant.seller_id, grant.market)  # noqa: E731
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

    def fetch(env: str, fresh: bool = False):
        return _key_token(client, cache, env, client_id, client_secret, fresh)

    try:
        cache_key, (token, reused) = fetch(environment)
    except WalmartError as error:
        if error.kind != ErrorKind.rejected or not probe_other_environment:
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


def check_seller_grant(client: WalmartClient, cache: TokenCache, required: dict[str, str], grant: "SellerGrant") -> Outcome:
    """Check an OAuth seller authorization: refresh grant -> token detail -> permissions."""
    run = _Run("production")

    def fetch(fresh: bool = False):
        return _grant_token(client, cache, grant, fresh)

    try:
        cache_key, (token, reused) = fetch()
    except WalmartError as error:
        if error.kind == ErrorKind.rejected and (error.code or "").lower() in ("invalid_client", "unauthorized_client", "unauthorized.gmp_gateway_api"):
            # The app's own keys were refused: re-connecting the store would not help.
            return run.outcome(Status.rejected, f"Walmart refused the app's own keys (WALMART_OAUTH_CLIENT_ID and its saved secret). {error.message}", error)
        if error.kind == ErrorKind.rejected:
            return run.outcome(Status.reconnect_required, error.message.replace("refused the keys", "refused the store's refresh token"), error)
        return _failure(run, error, Status.reconnect_required)
    return _verify(run, client, cache, required, cache_key, token, reused, lambda: fetch(fresh=True), (grant.app_id, grant.app_secret),
                   refused=Status.reconnect_required)


def _verify(run: _Run, client: WalmartClient, cache: TokenCache, required: dict[str, str], cache_key: str, token, reused: bool, refetch,
            basic: tuple[str, str], refused: Status = Status.rejected) -> Outcome:
    """Token detail and the permission comparison, shared by both kinds of credential.
    `refused` is the status when Walmart refuses the credential itself."""
    environment = run.environment
    if not reused:
        run.calls.append(token.call)

    try:
        detail = client.token_detail(environment, token, *basic)
    except WalmartError as error:
        if error.kind != ErrorKind.rejected or not reused:
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


@dataclass(frozen=True)
class AlertPolicy:
    renotify: timedelta
    webhook: bool

    @classmethod
    def from_settings(cls, settings) -> "AlertPolicy":
        return cls(timedelta(hours=settings.alert_renotify_hours), bool(settings.alert_webhook_url))


def record(session: Session, store_id: int, outcome: Outcome, alerts: AlertPolicy | None = None) -> AuthorizationCheck:
    """Keep the outcome in the history and as the store's current health; note a status change."""
    scopes_json = json.dumps([row.to_dict() for row in outcome.scopes])
    missing_json = json.dumps([row.scope for row in outcome.missing])
    row = AuthorizationCheck(
        store_id=store_id,
        checked_at=outcome.checked_at,
        environment=outcome.environment,
        status=str(outcome.status),
        summary=outcome.summary,
        http_status=outcome.http_status,
        walmart_code=outcome.walmart_code,
        correlation_ids=" ".join(outcome.correlation_ids),
        token_expires_at=outcome.token_expires_at,
        retry_at=outcome.retry_at,
        scopes_json=scopes_json,
        missing_json=missing_json,
        findings_json=json.dumps([finding.to_dict() for finding in outcome.findings]),
        duration_ms=outcome.duration_ms,
    )
    session.add(row)
    health = session.get(StoreHealth, store_id)
    previous = StoreHealth.model_validate(health.model_dump()) if health else None
    health = health or StoreHealth(store_id=store_id, status="", checked_at=outcome.checked_at)
    authorized = outcome.status == Status.authorized
    if authorized:
        health.failing_since = None
        health.last_success_at = outcome.checked_at
    elif health.status in ("", Status.authorized.value) or health.failing_since is None:
        health.failing_since = outcome.checked_at
    health.status = str(outcome.status)
    health.summary = outcome.summary
    health.checked_at = outcome.checked_at
    health.http_status = outcome.http_status
    health.walmart_code = outcome.walmart_code
    health.correlation_ids = row.correlation_ids
    health.token_expires_at = outcome.token_expires_at
    health.retry_at = outcome.retry_at
    health.scopes_json = scopes_json
    health.missing_json = missing_json
    session.add(health)
    session.flush()
    if alerts is not None:
        events.record_change(session, store_id, previous, health, outcome.checked_at, alerts.renotify, alerts.webhook)
    return row


def history(session: Session, store_id: int, limit: int = 50) -> list[AuthorizationCheck]:
    query = select(AuthorizationCheck).where(AuthorizationCheck.store_id == store_id)
    return list(session.exec(query.order_by(AuthorizationCheck.checked_at.desc(), AuthorizationCheck.id.desc()).limit(limit)).all())


@dataclass(frozen=True)
class Health:
    """A store's current health for pages and the CLI; `never_checked` until its first check."""

    row: StoreHealth | None

    @property
    def status(self) -> str:
        return self.row.status if self.row else "never_checked"

    @property
    def missing(self) -> list[str]:
        return json.loads(self.row.missing_json) if self.row else []

    @property
    def scopes(self) -> list[dict]:
        return json.loads(self.row.scopes_json) if self.row else []

    def __getattr__(self, name):  # checked_at, last_success_at, failing_since, summary, ...
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name) if self.row is not None else None


NEVER_CHECKED = Health(None)


def health_by_store(session: Session, store_ids: list[int] | None = None) -> dict[int, Health]:
    query = select(StoreHealth)
    if store_ids is not None:
        query = query.where(StoreHealth.store_id.in_(store_ids))
    return {row.store_id: Health(row) for row in session.exec(query).all()}


def check_credential(runtime, credential) -> Outcome:
    """Either kind of credential, as `stores.credentials_for_check` gives it."""
    if isinstance(credential, SellerGrant):
        grant = replace(credential, market=runtime.settings.market)
        return check_seller_grant(runtime.walmart, runtime.tokens, runtime.required_permissions, grant)
    return check_keys(runtime.walmart, runtime.tokens, runtime.required_permissions, credential.environment, credential.client_id, credential.client_secret)


def access_token_for(runtime, credential, fresh: bool = False) -> tuple[str, Token]:
    """(environment, access token) for business calls with a store's credential, as `stores.credentials_for_check`
    gives it: the same token cache and grants as the check, so listing items costs no extra token request.
    `fresh` skips the cache (after Walmart refused a cached token). Raises WalmartError."""
    if isinstance(credential, SellerGrant):
        grant = replace(credential, market=runtime.settings.market)
        _, (token, _) = _grant_token(runtime.walmart, runtime.tokens, grant, fresh)
        return grant.environment, token
    _, (token, _) = _key_token(runtime.walmart, runtime.tokens, credential.environment, credential.client_id, credential.client_secret, fresh)
    return credential.environment, token


def check_store(session: Session, runtime, store: Store) -> Outcome:
    """Check one saved store with its decrypted credential and record the outcome."""
    from core.stores.registry import credentials_for_check

    outcome = check_credential(runtime, credentials_for_check(session, runtime.vault, store))
    record(session, store.id, outcome, AlertPolicy.from_settings(runtime.settings))
    events.deliver_pending(session, runtime.settings.alert_webhook_url)
    return outcome
