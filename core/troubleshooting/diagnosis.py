"""Live diagnosis: one key pair (pasted, or a saved store's) walked through every step as a checklist.

It reuses the authorization check (`check_keys`) and turns its Outcome into ordered
steps, each with what happened, the likely cause, the next step and an FAQ answer.
Nothing is stored: no check history, and a token cache of its own that is thrown
away, so every diagnosis really exchanges the keys and leaves no token behind.
A diagnosis has the overall deadline of a store's check (CHECK_STORE_TIMEOUT).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from core.authorization.check import check_credential, check_keys
from core.authorization.deadline import bounded, timed_out
from core.authorization.outcome import MARKET_HINT, STATUS_TEXT, US_MARKET_HINT, Outcome, Status, environment_name
from core.authorization.scopes import ScopeRow, required_permissions
from core.db.models import CredentialKind, Market
from core.errors import ValidationFailed
from core.i18n import _, ngettext
from core.runtime import Runtime
from core.stores.credential import KeyPair, load_credential
from core.stores.prechecks import Finding
from core.stores.registry import find_store
from core.troubleshooting.faq import Faq, faq_for
from core.walmart.client import TOKEN_DETAIL_PATH, TOKEN_PATH, CallRecord
from core.walmart.tokens import TokenCache

ENVIRONMENTS = ("production", "sandbox")
CHOICES = (*ENVIRONMENTS, "unsure")
ACCEPTED = (Status.authorized, Status.missing_permissions)  # Walmart took the keys and read their permissions

# FAQ answers the checklist links to for situations no single status names. Tests check they exist.
FAQ_LINKS = {
    "environment": "production-vs-sandbox",
    "reset": "keys-reset-by-colleague",
    "forbidden": "permissions-not-enabled",
    "address": "wrong-web-address",
    "request": "request-not-accepted",
    "market": "store-markets",
    "channel": "channel-mismatch",
}


class StepState(StrEnum):
    passed = "passed"
    failed = "failed"
    warning = "warning"
    skipped = "skipped"


@dataclass(frozen=True)
class Step:
    key: str  # stable: precheck, token_production, token_sandbox, token_detail, permissions
    title: str
    state: StepState
    detail: str
    cause: str = ""
    next_step: str = ""
    faq_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {**vars(self), "state": str(self.state)}


@dataclass(frozen=True)
class Diagnosis:
    asked: str  # production | sandbox | unsure
    environment: str  # the environment the verdict is about: where the keys worked, or the one chosen
    status: Status
    summary: str
    next_step: str
    faq_id: str | None
    steps: tuple[Step, ...]
    findings: tuple[Finding, ...] = ()
    finding_faq: dict[str, str] = field(default_factory=dict)  # finding code -> FAQ id
    scopes: tuple[ScopeRow, ...] = ()
    correlation_ids: tuple[str, ...] = ()
    http_status: int | None = None
    walmart_code: str | None = None
    store: str | None = None  # the saved store's name, when one was diagnosed
    # How the result reads: passed (the keys are fine for what was asked), warning (Walmart accepted them, but
    # they are not fit for a live store: sandbox keys found with "Not sure"), failed (anything else).
    verdict: StepState = StepState.failed

    @property
    def title(self) -> str:
        if self.verdict == StepState.warning and self.environment == "sandbox":
            return _("Sandbox keys: not for a live store")
        return _(STATUS_TEXT[self.status][0])

    @property
    def authorized(self) -> bool:
        """The keys are fine for what was asked. Sandbox keys found with "Not sure" are not: the seed's help page
        names exactly them as the reason authorization fails."""
        return self.status == Status.authorized and self.verdict == StepState.passed

    def to_dict(self) -> dict[str, object]:
        """JSON-safe. Holds neither the secret nor the Client ID (a swapped pair would put the secret there)."""
        return {
            "store": self.store,
            "asked": self.asked,
            "environment": self.environment,
            "status": str(self.status),
            "verdict": str(self.verdict),
            "title": self.title,
            "summary": self.summary,
            "next_step": self.next_step,
            "faq_id": self.faq_id,
            "steps": [step.to_dict() for step in self.steps],
            "findings": [{**f.to_dict(), "faq_id": self.finding_faq.get(str(f.code))} for f in self.findings],
            "scopes": [row.to_dict() for row in self.scopes],
            "correlation_ids": list(self.correlation_ids),
            "http_status": self.http_status,
            "walmart_code": self.walmart_code,
        }


def _within(seconds: float, started: float) -> Callable[[Callable[[], Outcome], str], Outcome]:
    """Run checks within what is left of one overall deadline of `seconds` from `started`."""
    def run(work: Callable[[], Outcome], environment: str) -> Outcome:
        left = seconds - (time.monotonic() - started)
        return bounded(work, left, environment, reported_seconds=seconds) if left > 0 else timed_out(environment, seconds)
    return run


def diagnose(runtime: Runtime, client_id: str, client_secret: str, environment: str = "production", *,
             faq: Faq | None = None, store: str | None = None, market: str = Market.us) -> Diagnosis:
    """Diagnose a key pair of a store in `market`. For "unsure" both environments are tried; otherwise the other
    one only as a probe."""
    if environment not in CHOICES:
        raise ValidationFailed(_("'{environment}' is not an environment.", environment=environment), _("Choose production, sandbox or unsure."))
    faq = faq or faq_for(runtime.settings)
    cache = TokenCache()  # never the shared cache: see the module docstring
    required = required_permissions(runtime.settings, CredentialKind.delegated_key, market)
    within = _within(runtime.settings.check_store_timeout, time.monotonic())

    def check(env: str, probe: bool) -> Outcome:
        return within(lambda: check_keys(runtime.walmart, cache, required, env, client_id, client_secret,
                                         probe_other_environment=probe, market=market), env)

    if environment == "unsure":
        outcomes = {env: check(env, False) for env in ENVIRONMENTS}
        return _Builder(faq, store).unsure(outcomes)
    return _Builder(faq, store).chosen(environment, check(environment, True))


def diagnose_store(runtime: Runtime, store_name_or_id: str | int, *, faq: Faq | None = None) -> Diagnosis:
    """Diagnose a saved store with its decrypted credential, of either kind. Records nothing in the
    store's check history; the database is read before Walmart is called, in a transaction of its own."""
    with runtime.transaction() as session:
        store = find_store(session, store_name_or_id)
        name, credential = store.name, load_credential(session, runtime.vault, store)
    if isinstance(credential, KeyPair):
        return diagnose(runtime, credential.client_id, credential.client_secret, credential.environment, faq=faq, store=name,
                        market=credential.market)
    within = _within(runtime.settings.check_store_timeout, time.monotonic())
    outcome = within(lambda: check_credential(runtime, credential, cache=TokenCache()), credential.environment)  # never the shared cache
    return _Builder(faq or faq_for(runtime.settings), name).chosen(credential.environment, outcome)


def _other(environment: str) -> str:
    return "sandbox" if environment == "production" else "production"


def _token_call(outcome: Outcome) -> CallRecord | None:
    return next((call for call in outcome.calls if call.path == TOKEN_PATH), None)


def _detail_call(outcome: Outcome) -> CallRecord | None:
    return next((call for call in reversed(outcome.calls) if call.path == TOKEN_DETAIL_PATH), None)


def _said(outcome: Outcome) -> str:
    """What Walmart answered, in brackets, to follow a sentence: " (HTTP 401, UNAUTHORIZED.GMP_GATEWAY_API)"."""
    parts = [f"HTTP {outcome.http_status}" if outcome.http_status else "", outcome.walmart_code or ""]
    return _(" ({answer})", answer=", ".join(p for p in parts if p)) if any(parts) else ""


def _token_title(env: str) -> str:
    return _("Token from Walmart {env}", env=environment_name(env))


@dataclass
class _Builder:
    faq: Faq
    store: str | None

    def _faq_id(self, *, status: Status | None = None, code: str | int | None = None, link: str | None = None) -> str | None:
        if link and self.faq.get(FAQ_LINKS[link]):
            return FAQ_LINKS[link]
        entries = (self.faq.for_code(code) if code is not None else []) or (self.faq.for_status(status) if status else [])
        return entries[0].id if entries else None

    def _refusal_faq(self, outcome: Outcome) -> str | None:
        return self._faq_id(link="market") if _market_hinted(outcome) else self._faq_id(status=Status.rejected)

    # --- the verdicts -----------------------------------------------------------------------------

    def chosen(self, env: str, outcome: Outcome) -> Diagnosis:
        steps = [self._precheck(outcome), self._token(env, outcome), self._probe(env, outcome), self._detail(outcome), self._permissions(outcome)]
        return self._diagnosis(env, env, outcome, steps, [outcome])

    def unsure(self, outcomes: dict[str, Outcome]) -> Diagnosis:
        accepted = [env for env, o in outcomes.items() if (call := _token_call(o)) is not None and call.http_status == 200]
        if accepted:
            env = accepted[0]
        else:  # an environment that could not be asked might still be the right one: report that, not "rejected"
            env = next((e for e, o in outcomes.items() if o.status in (Status.rate_limited, Status.unreachable)), "production")
        outcome = outcomes[env]
        steps = [self._precheck(outcome)]
        for each in ENVIRONMENTS:
            if each in accepted or not accepted or outcomes[each].status == Status.invalid_input:
                steps.append(self._token(each, outcomes[each]))
            elif outcomes[each].status in (Status.rate_limited, Status.unreachable):
                steps.append(Step(f"token_{each}", _token_title(each), StepState.skipped,
                                  _("Walmart {env} could not be asked ({summary}); not needed, {other} accepted the keys.",
                                    env=environment_name(each), summary=outcomes[each].summary, other=environment_name(env))))
            else:  # refused here but accepted in the other: expected, yet worth a look
                steps.append(Step(f"token_{each}", _token_title(each), StepState.warning,
                                  _("Walmart {env} refused these keys{said}, as expected: they are {other} keys.",
                                    env=environment_name(each), said=_said(outcomes[each]), other=environment_name(env)),
                                  _("These are {env} keys.", env=environment_name(env)),
                                  _("Make sure the store is saved with the environment these keys belong to. Sandbox keys never bring "
                                    "real orders: ask the seller for production keys if this store sells for real.") if env == "sandbox"
                                  else _("Make sure the store is saved with the environment these keys belong to."),
                                  self._faq_id(link="environment")))
        steps += [self._detail(outcome), self._permissions(outcome)]
        diagnosis = self._diagnosis("unsure", env, outcome, steps, list(outcomes.values()))
        if len(accepted) == 1:
            refused = outcomes[_other(env)].status not in (Status.rate_limited, Status.unreachable)
            if env == "sandbox":
                # The seed's help page names exactly this as why authorization fails: never a green result.
                summary = (_("These are sandbox keys: Walmart's sandbox accepted them and production refused them.") if refused
                           else _("These are sandbox keys: Walmart's sandbox accepted them.")) + " " + _(
                    "Sandbox keys must not be used for a live store: they only reach Walmart's test system and never bring real orders.")
                if diagnosis.status != Status.authorized:
                    summary += " " + diagnosis.summary
                next_step = _("For a store that sells for real, ask the seller for the production keys (the key pair that is not on "
                              "the Sandbox Keys tab of the Developer Portal) and diagnose those. Keep these keys only for a store meant "
                              "for testing, saved with the environment sandbox.")
                verdict = StepState.warning if diagnosis.status in ACCEPTED else diagnosis.verdict
                return replace(diagnosis, summary=summary, next_step=next_step, faq_id=self._faq_id(link="environment"), verdict=verdict)
            note = (_("These are {env} keys: Walmart {env} accepted them and {other} refused them.", env=environment_name(env),
                      other=environment_name(_other(env))) if refused
                    else _("These are {env} keys: Walmart {env} accepted them.", env=environment_name(env))) + " "
            next_step = diagnosis.next_step
            if outcome.status == Status.authorized:
                next_step = _("Save the store with the environment {env}.", env=environment_name(env))
            return replace(diagnosis, summary=note + diagnosis.summary, next_step=next_step)
        return diagnosis

    def _diagnosis(self, asked: str, env: str, outcome: Outcome, steps: list[Step], outcomes: list[Outcome]) -> Diagnosis:
        failed = next((s for s in steps if s.state == StepState.failed), None)
        if failed is not None:
            summary, next_step, faq_id = failed.detail, failed.next_step, failed.faq_id
        else:
            summary, next_step = _verdict_text(env, outcome), _(STATUS_TEXT[outcome.status][1])
            faq_id = self._faq_id(status=outcome.status)
        return Diagnosis(
            asked=asked, environment=env, status=outcome.status, summary=summary, next_step=next_step, faq_id=faq_id,
            verdict=StepState.passed if outcome.status == Status.authorized and failed is None else StepState.failed,
            steps=tuple(steps), findings=outcome.findings,
            finding_faq={str(f.code): entries[0].id for f in outcome.findings if (entries := self.faq.for_finding(f.code))},
            scopes=outcome.scopes,
            correlation_ids=tuple(cid for o in outcomes for cid in o.correlation_ids),
            http_status=outcome.http_status, walmart_code=outcome.walmart_code, store=self.store,
        )

    # --- the steps ---------------------------------------------------------------------------------

    def _probe(self, env: str, outcome: Outcome) -> Step:
        """The other environment, which `check_keys` tries only when the chosen one refuses the keys."""
        other = _other(env)
        key, title = f"token_{other}", _token_title(other)
        tokens = [call for call in outcome.calls if call.path == TOKEN_PATH]
        if outcome.status == Status.wrong_environment:
            return Step(key, title, StepState.warning,
                        _("Walmart {env} accepted these keys: they are {env} keys.", env=environment_name(other)),
                        _("The keys were taken from the Sandbox Keys tab in the Developer Portal.") if other == "sandbox"
                        else _("The keys were taken from the production key in the Developer Portal."),
                        _(STATUS_TEXT[Status.wrong_environment][1]), self._faq_id(link="environment"))
        if outcome.status == Status.rejected and len(tokens) > 1:
            if tokens[1].http_status is None or tokens[1].http_status >= 500:
                return Step(key, title, StepState.skipped,
                            _("Tried as well, but Walmart {env} could not be reached, so this is unknown.", env=environment_name(other)))
            return Step(key, title, StepState.failed,
                        _("Tried as well, in case these were {env} keys: {env} refused them too.", env=environment_name(other)),
                        _("Not an environment mix-up: neither environment accepts these keys."),
                        outcome.next_step, self._refusal_faq(outcome))
        first = tokens[0] if tokens else None
        if first is None:
            why = _("Skipped: fix the problems in the keys first.")
        elif first.http_status == 200:
            why = _("Skipped: not needed, Walmart {env} accepted the keys.", env=environment_name(env))
        else:
            why = _("Skipped: {other} is only tried when {env} refuses the keys.", other=environment_name(other), env=environment_name(env))
        return Step(key, title, StepState.skipped, why)

    def _precheck(self, outcome: Outcome) -> Step:
        title = _("Pre-checks of the saved keys") if self.store else _("Pre-checks of the pasted keys")
        errors = [f for f in outcome.findings if f.severity == "error"]
        warnings = [f for f in outcome.findings if f.severity == "warning"]
        if errors:
            first = errors[0]
            entries = self.faq.for_finding(first.code)
            return Step("precheck", title, StepState.failed,
                        ngettext("{n} problem found in the keys, so Walmart was not asked.",
                                 "{n} problems found in the keys, so Walmart was not asked.", len(errors)),
                        first.message, first.fix, entries[0].id if entries else self._faq_id(status=Status.invalid_input))
        if warnings:
            first = warnings[0]
            entries = self.faq.for_finding(first.code)
            return Step("precheck", title, StepState.warning,
                        ngettext("No blocking problem; {n} warning. The keys were sent to Walmart anyway.",
                                 "No blocking problem; {n} warnings. The keys were sent to Walmart anyway.", len(warnings)),
                        first.message, first.fix, entries[0].id if entries else None)
        return Step("precheck", title, StepState.passed,
                    _("Both values are present, on one line, without spaces, hidden characters or look-alike letters."))

    def _token(self, env: str, outcome: Outcome) -> Step:
        key, title = f"token_{env}", _token_title(env)
        call = _token_call(outcome)
        if outcome.status == Status.invalid_input or call is None:
            return Step(key, title, StepState.skipped, _("Skipped: fix the problems in the keys first."))
        if call.http_status == 200:
            return Step(key, title, StepState.passed, _("Walmart {env} accepted the keys and issued an access token.", env=environment_name(env)))
        status = outcome.status
        if status == Status.wrong_environment:
            return Step(key, title, StepState.failed,
                        _("Walmart {env} refused these keys{said}: they are {other} keys.", env=environment_name(env), said=_said(outcome),
                          other=environment_name(_other(env))),
                        _("{other} keys were used for a {env} store.", other=environment_name(_other(env)).capitalize(),
                          env=environment_name(env)),
                        _(STATUS_TEXT[status][1]), self._faq_id(link="environment"))
        if status == Status.rejected and outcome.http_status == 403:
            return Step(key, title, StepState.failed, _("Walmart {env} refused access{said}.", env=environment_name(env), said=_said(outcome)),
                        _("The key lacks a permission Walmart requires."), _(STATUS_TEXT[Status.missing_permissions][1]),
                        self._faq_id(link="forbidden"))
        if status == Status.rejected and _market_hinted(outcome):
            return Step(key, title, StepState.failed, _("Walmart {env} refused these keys{said}.", env=environment_name(env), said=_said(outcome)),
                        _("The store's market and the keys' market may not agree (keys made for Canada, Mexico or Chile, a store "
                          "saved with the wrong market), or the values were copied wrongly or reset."),
                        outcome.next_step, self._refusal_faq(outcome))
        if status == Status.rejected:
            return Step(key, title, StepState.failed, _("Walmart {env} refused these keys{said}.", env=environment_name(env), said=_said(outcome)),
                        _("The values were copied wrongly, the key was reset by someone, or it is the old Consumer ID / Private Key."),
                        _(STATUS_TEXT[status][1]), self._faq_id(status=status))
        return self._not_answered(key, title, env, outcome)

    def _not_answered(self, key: str, title: str, env: str, outcome: Outcome) -> Step:
        """Rate limited, unreachable, or a request Walmart would not take: nothing is known about the keys yet."""
        http = outcome.http_status
        detail = outcome.summary
        if outcome.status == Status.rate_limited:
            cause = _("Too many calls were made with this seller's keys in a short time; every tool using them counts.")
            return Step(key, title, StepState.failed, detail, cause, _(STATUS_TEXT[Status.rate_limited][1]),
                        self._faq_id(status=Status.rate_limited))
        if http == 404:
            return Step(key, title, StepState.failed, detail, _("The Walmart {env} address in the settings is wrong.", env=environment_name(env)),
                        _("Ask whoever runs Store Connect to check the Walmart address settings, then try again."), self._faq_id(link="address"))
        if http is not None and http < 500:
            return Step(key, title, StepState.failed, detail,
                        _("Walmart would not take the request Store Connect sent; this is a fault in Store Connect, not in the keys."),
                        _("Report it with the correlation IDs to whoever maintains Store Connect."),
                        self._faq_id(code=outcome.walmart_code or http) or self._faq_id(link="request"))
        cause = (_("Walmart's {env} service had a temporary problem.", env=environment_name(env)) if http
                 else _("No answer came back: the network, a firewall or proxy, or the Walmart address setting."))
        return Step(key, title, StepState.failed, detail, cause, _(STATUS_TEXT[Status.unreachable][1]), self._faq_id(status=Status.unreachable))

    def _detail(self, outcome: Outcome) -> Step:
        key, title = "token_detail", _("Token detail")
        call = _detail_call(outcome)
        if call is None:
            return Step(key, title, StepState.skipped, _("Skipped: there is no token to inspect."))
        if call.http_status != 200:
            if outcome.status == Status.rejected and outcome.http_status != 403:
                return Step(key, title, StepState.failed, _("Walmart issued a token but then refused it{said}.", said=_said(outcome)),
                            _("The key was reset or revoked while it was being checked."), _(STATUS_TEXT[Status.rejected][1]),
                            self._faq_id(link="reset"))
            if outcome.status == Status.rejected:
                return Step(key, title, StepState.failed, _("Walmart refused to show the token's details{said}.", said=_said(outcome)),
                            _("The key lacks a permission Walmart requires."), _(STATUS_TEXT[Status.missing_permissions][1]),
                            self._faq_id(link="forbidden"))
            return self._not_answered(key, title, outcome.environment, outcome)
        if outcome.status == Status.channel_mismatch:
            return Step(key, title, StepState.failed, outcome.summary,
                        _("Walmart links each key to a seller's channel, and says this token is not linked to this seller's: for "
                          "delegated keys, the key was made for another solution provider or on another seller account."),
                        outcome.next_step, self._faq_id(link="channel"))
        if outcome.status not in ACCEPTED:  # 200, yet not valid
            return Step(key, title, StepState.failed, outcome.summary,
                        _("The key is no longer valid or is not linked to this seller's account (reset, revoked or another seller's key)."),
                        _(STATUS_TEXT[Status.rejected][1]), self._faq_id(link="reset"))
        if outcome.token_expires_at:
            return Step(key, title, StepState.passed, _("Walmart confirms the token is valid for this seller. It expires at {time} UTC.",
                                                        time=f"{outcome.token_expires_at:%H:%M}"))
        return Step(key, title, StepState.passed, _("Walmart confirms the token is valid for this seller."))

    def _permissions(self, outcome: Outcome) -> Step:
        key, title = "permissions", _("Permissions compared with what the OMS needs")
        if outcome.status == Status.authorized:
            required = [row for row in outcome.scopes if row.required]
            return Step(key, title, StepState.passed, ngettext("The {n} required permission is enabled.",
                                                               "All {n} required permissions are enabled.", len(required)))
        if outcome.status == Status.missing_permissions:
            return Step(key, title, StepState.failed, outcome.summary,
                        _("The seller has not enabled these permissions for this key."),
                        _(STATUS_TEXT[Status.missing_permissions][1]), self._faq_id(status=Status.missing_permissions))
        return Step(key, title, StepState.skipped, _("Skipped: the permissions are read from a valid token."))


def _market_hinted(outcome: Outcome) -> bool:
    """Whether the check put the market first among the next steps (a refusal a market mix-up explains)."""
    return outcome.next_step in (_(MARKET_HINT), _(US_MARKET_HINT))


def _verdict_text(env: str, outcome: Outcome) -> str:
    if outcome.status == Status.authorized:
        return _("The keys work in {env}: Walmart issued a token and every required permission is enabled.", env=environment_name(env))
    return outcome.summary
