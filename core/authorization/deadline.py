"""Each store's check has an overall deadline (CHECK_STORE_TIMEOUT), wherever it runs: "Check now" on
the page, `stores check` for one store, `--all`, `--due` and a diagnosis.

A store past its deadline is reported `unreachable` in plain words and the caller goes on; the abandoned
check finishes in the background, bounded by the whole-call deadline of each Walmart call
(WALMART_REQUEST_TIMEOUT). A check that fails unexpectedly is reported the same way, never as a
traceback, so one store can never abort a fleet run.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextvars import copy_context

from core.authorization.outcome import STATUS_TEXT, Outcome, Status
from core.db.models import utc_now
from core.i18n import lazy

log = logging.getLogger(__name__)


def timed_out(environment: str, seconds: float) -> Outcome:
    """The outcome of a check abandoned at its deadline."""
    return Outcome(
        status=Status.unreachable,
        environment=environment,
        summary_text=lazy("The check took longer than {seconds} seconds and was stopped: Walmart did not finish answering in time. "
                  "Nothing is known about the keys yet.", seconds=f"{seconds:g}"),
        next_step_text=lazy(STATUS_TEXT[Status.unreachable][1]),
        checked_at=utc_now(),
        duration_ms=int(seconds * 1000),
    )


def failed_unexpectedly(environment: str, error: BaseException) -> Outcome:
    """The outcome of a check that raised: named by the error's type only (its text may hold anything)."""
    log.error("a store check failed unexpectedly: %s", type(error).__name__)
    return Outcome(
        status=Status.unreachable,
        environment=environment,
        summary_text=lazy("The check could not be completed ({error}). Nothing is known about the keys yet.", error=type(error).__name__),
        next_step_text=lazy("Check again in a few minutes. If it keeps failing, report it with the time of the check to whoever maintains Store Connect."),
        checked_at=utc_now(),
    )


def guarded(work: Callable[[], Outcome], environment: str) -> Outcome:
    """`work()`, or the outcome of an unexpected failure: what a worker of a fleet run executes."""
    try:
        return work()
    except Exception as error:  # noqa: BLE001 - one store must never abort the others
        return failed_unexpectedly(environment, error)


def bounded(work: Callable[[], Outcome], seconds: float, environment: str, reported_seconds: float | None = None) -> Outcome:
    """`work()` if it ends within `seconds`, else the timed-out outcome (the work goes on in the background).
    `reported_seconds` is the deadline to name, when `seconds` is only what is left of it."""
    results: list[Outcome] = []
    context = copy_context()  # the caller's context (its language, for one) goes with the work
    # A daemon thread, not a pool: an abandoned check must not hold up the process when it exits.
    worker = threading.Thread(target=lambda: results.append(context.run(guarded, work, environment)), name="store-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if results:
        return results[0]
    return timed_out(environment, seconds if reported_seconds is None else reported_seconds)
