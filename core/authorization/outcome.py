"""What one authorization check found (its Status, the wording for ops staff, the Outcome), and a
store's health state (HealthState: the status of its latest check, or never_checked).

Pure data: nothing here talks to Walmart or the database. Every status or health-state value
used anywhere comes from these two enums, never from a string literal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from core.authorization.scopes import ScopeRow, missing
from core.i18n import N_, Text, _, render
from core.stores.prechecks import Finding
from core.walmart.client import CallRecord


class Status(StrEnum):
    """What one check found. Kept in the check history and as a store's current health."""

    authorized = "authorized"
    missing_permissions = "missing_permissions"
    rejected = "rejected"
    wrong_environment = "wrong_environment"
    invalid_input = "invalid_input"
    rate_limited = "rate_limited"
    unreachable = "unreachable"
    reconnect_required = "reconnect_required"  # OAuth: Walmart refused the store's refresh token
    channel_mismatch = "channel_mismatch"  # token detail: is_channel_match false


class HealthState(StrEnum):
    """A store's health as pages, counts and filters show it: the Status of its latest check, or
    `never_checked` before its first check.

    A separate enum rather than a `Status.never_checked` member, because a check can never find
    "never checked": an Outcome's type then rules it out, and code that goes through every Status
    (the FAQ's entries, the error decoder) never meets it. The members are every Status, value for
    value (HealthState.of converts; tests/core/authorization/test_outcome.py keeps the two in step),
    plus never_checked.
    """

    authorized = Status.authorized.value
    missing_permissions = Status.missing_permissions.value
    rejected = Status.rejected.value
    wrong_environment = Status.wrong_environment.value
    invalid_input = Status.invalid_input.value
    rate_limited = Status.rate_limited.value
    unreachable = Status.unreachable.value
    reconnect_required = Status.reconnect_required.value
    channel_mismatch = Status.channel_mismatch.value
    never_checked = "never_checked"

    @classmethod
    def of(cls, status: Status) -> HealthState:
        return cls(status.value)


# Statuses that need somebody to act (the others pass, or clear up by themselves).
ATTENTION: Final = (Status.missing_permissions, Status.rejected, Status.wrong_environment, Status.invalid_input, Status.reconnect_required,
                    Status.channel_mismatch)


# What each status means for ops staff, and the next step. The FAQ links to these by status.
STATUS_TEXT: dict[Status, tuple[str, str]] = {
    Status.authorized: (N_("Authorized"), N_("Nothing to do.")),
    Status.missing_permissions: (
        N_("Keys work, but some permissions are not enabled"),
        N_("Ask the seller to open the key in Walmart's Developer Portal, enable the missing permissions (ideally all of them), save, then check again."),
    ),
    Status.rejected: (
        N_("Walmart refused the keys"),
        N_("Copy the Client ID and Client Secret again through a plain-text editor. If that fails, the key may have been reset: ask the seller to reset it (or create a new key with every permission) and paste the new pair."),
    ),
    Status.wrong_environment: (
        N_("The keys belong to the other environment"),
        N_("Switch the store's environment, or ask the seller for production keys (sandbox keys only work against the sandbox)."),
    ),
    Status.invalid_input: (
        N_("The pasted keys have a problem, so Walmart was not asked"),
        N_("Fix the problems listed under the keys, then check again."),
    ),
    Status.rate_limited: (
        N_("Walmart is limiting requests for these keys"),
        N_("Wait until the time shown, then check again. Nothing is wrong with the keys."),
    ),
    Status.unreachable: (
        N_("Walmart could not be reached"),
        N_("This is usually temporary. Check again in a few minutes; if it persists, check the network and the Walmart base URL settings."),
    ),
    Status.reconnect_required: (
        N_("Re-connect this store"),
        N_("Walmart no longer accepts this store's authorization (the seller disconnected the app, or it expired). "
           "Start Connect for this store and have the seller approve the app again."),
    ),
    Status.channel_mismatch: (
        N_("Walmart says the keys are not linked to this seller's channel"),
        N_("Walmart issued a token but flags it as not matching the seller's channel (is_channel_match is false), so "
           "orders may not come through. For delegated keys: ask the seller to open the key in the Developer Portal, "
           "check it was made for our company as a solution provider on this seller account, and otherwise create a "
           "new key for us and paste it. For a store connected with Walmart (OAuth): Walmart does not document what this "
           "flag means for app tokens; connect the store again and, if it stays, ask Walmart support with the correlation IDs."),
    ),
}

# Next steps that come before the usual ones when a market store's keys are refused (walmart-orders-markets.md §3.3).
MARKET_HINT: Final = N_(
    "Check the store's market first: the keys may belong to another market, or the market is wrong. Keys made for "
    "Walmart Canada, Mexico or Chile only work when the store is saved with that market (every call then says which "
    "market it is for), and US keys are refused when the store is saved as Canada, Mexico or Chile. Change the market "
    "under Edit on the store's page (or: python -m core stores edit NAME --market ca) and check again. If the market is "
    "right, copy the Client ID and Client Secret again: the secret may be wrong or reset."
)
US_MARKET_HINT: Final = N_(
    "Walmart answered that the Authorization header is incorrect, which is also what keys made for Walmart Canada, Mexico "
    "or Chile get when they are used as US keys. If the seller sells outside the US, change the store's market under "
    "Edit on its page (or: python -m core stores edit NAME --market ca) and check again. Otherwise copy the Client ID and Client Secret again through a plain-text editor: the secret may "
    "be wrong or reset."
)


def usual_next_step(status: Status, market: str) -> str:
    """The next step for a store whose latest check ended in `status`, when only its health is at hand (the
    check's own next step is not kept): for refused keys outside the US, the market comes first."""
    if status == Status.rejected and str(market).lower() != "us":
        return _(MARKET_HINT)
    return _(STATUS_TEXT[status][1])


ENVIRONMENT_NAMES: Final = {"production": N_("production"), "sandbox": N_("sandbox")}


def environment_name(environment: str) -> str:
    """A Walmart environment as people read it, in the current language ('production' -> 生产环境)."""
    return _(ENVIRONMENT_NAMES[environment]) if environment in ENVIRONMENT_NAMES else environment


@dataclass(frozen=True)
class Outcome:
    """What one check found. The summary and next step are kept as untranslated messages (`summary_text`,
    `next_step_text`): the history stores them so, and a fleet run makes them in worker threads; `summary` and
    `next_step` show them in the language of whoever reads them."""

    status: Status
    environment: str
    summary_text: Text | str  # plain words: what happened
    next_step_text: Text | str
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
    def summary(self) -> str:
        return render(self.summary_text)

    @property
    def next_step(self) -> str:
        return render(self.next_step_text)

    @property
    def missing(self) -> list[ScopeRow]:
        return missing(list(self.scopes))

    @property
    def correlation_ids(self) -> list[str]:
        """The IDs of the calls Walmart answered: a call that never reached it (no network, a timeout) is
        unknown to Walmart's support, so its ID would only send a ticket down a dead end."""
        return [call.correlation_id for call in self.calls if call.http_status is not None]

    @property
    def title(self) -> str:
        return _(STATUS_TEXT[self.status][0])

    def to_dict(self) -> dict[str, Any]:
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
