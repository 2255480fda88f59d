"""Checking many stores at once: a bounded worker pool, a per-store time limit, claims
that let several checker processes split the work, and history retention.

Keys are decrypted and results recorded on the calling thread; workers only talk
to Walmart. So the database sees one writer, and a slow store costs one worker.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import copy_context
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from core.authorization.alerts import AlertPolicy, deliver_pending
from core.authorization.check import check_credential
from core.authorization.deadline import guarded, timed_out
from core.authorization.history import prune_history, record
from core.authorization.outcome import Outcome
from core.db.models import Credential, CredentialState, Store, saved_id, utc_now
from core.runtime import Runtime
from core.stores.credential import StoreCredential, load_credential

Job = TypeVar("Job")
Outcome_ = TypeVar("Outcome_")  # what a worker returns for one store


@dataclass(frozen=True)
class Result:
    store_id: int
    store_name: str
    outcome: Outcome


AfterRecord = Callable[[Session, int, AlertPolicy], object]


def check_many(runtime: Runtime, store_ids: list[int], workers: int | None = None, store_timeout: float | None = None,
               after_record: AfterRecord | None = None) -> Iterator[Result]:
    """Check stores concurrently and yield each result as soon as it is recorded.

    `after_record(session, store_id, policy)` runs for each store in the transaction that records its check, so
    what it records lands with the check or not at all (the CLI passes core.orders.sync.note_newly_blocked:
    packages above this one hook in without this one importing them)."""
    settings = runtime.settings
    workers = workers or settings.check_workers
    store_timeout = store_timeout or settings.check_store_timeout
    alerts = AlertPolicy.from_settings(settings)
    jobs: list[tuple[int, str, StoreCredential]] = []
    with runtime.transaction() as session:
        active = (col(Credential.store_id) == col(Store.id)) & (col(Credential.state) == CredentialState.active)
        for store in session.exec(select(Store).join(Credential, active).where(col(Store.id).in_(store_ids)).order_by(Store.name)).all():
            jobs.append((saved_id(store), store.name, load_credential(session, runtime.vault, store)))
        session.exec(update(Store).where(col(Store.id).in_(store_ids)).values(check_claimed_at=utc_now()))

    def work(store_id: int, credential: StoreCredential) -> Outcome:
        return guarded(lambda: check_credential(runtime, credential), credential.environment)

    def late(store_id: int, credential: StoreCredential) -> Outcome:
        return timed_out(credential.environment, store_timeout)

    names = {store_id: name for store_id, name, _keys in jobs}
    batches = bounded_pool([(store_id, keys) for store_id, _name, keys in jobs], work, late, workers=workers,
                           store_timeout=store_timeout, name="store-check")
    try:
        for finished in batches:
            results = [Result(store_id, names[store_id], outcome) for store_id, outcome in finished]
            with runtime.transaction() as session:  # one transaction for whatever finished together
                for result in results:
                    record(session, result.store_id, result.outcome, alerts)
                    if after_record is not None:
                        after_record(session, result.store_id, alerts)
            yield from results
    finally:
        batches.close()  # the pool is let go at once, not when the generator is collected
        deliver_pending(runtime.transaction, settings.alert_webhook_url)
        with runtime.transaction() as session:
            prune_history(session, settings.history_retention_days)


def bounded_pool(jobs: list[tuple[int, Job]], work: Callable[[int, Job], Outcome_], late: Callable[[int, Job], Outcome_], *,
                 workers: int, store_timeout: float, name: str) -> Generator[list[tuple[int, Outcome_]], None, None]:
    """Run `work(store_id, job)` for every job on a pool of `workers` threads, each store within `store_timeout`
    seconds of a worker picking it up (queued time does not count); a store past it gets `late(store_id, job)`.

    Yields the (store id, result) pairs that finished together, so the caller records them in one transaction on
    its own thread: workers only talk to Walmart, the database sees one writer. Each worker runs in a copy of the
    caller's context (its language, for one). Abandoned work finishes in the background, bounded by each Walmart
    call's whole-call deadline. Fleet checks and `orders unmapped --all` share it.
    """
    started: dict[int, float] = {}  # store id -> when a worker picked it up

    def run(store_id: int, job: Job) -> Outcome_:
        started[store_id] = time.monotonic()
        return work(store_id, job)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        pending: dict[Future[Outcome_], tuple[int, Job]] = {pool.submit(copy_context().run, run, store_id, job): (store_id, job)
                                                            for store_id, job in jobs}
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            overdue = {f for f, (store_id, _job) in pending.items() if f not in done and now - started.get(store_id, now) > store_timeout}
            finished: list[tuple[int, Outcome_]] = []
            for future in done | overdue:
                store_id, job = pending.pop(future)
                finished.append((store_id, future.result() if future in done else late(store_id, job)))
            if finished:
                yield finished
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def claim_due(session: Session, interval: timedelta, limit: int) -> list[int]:
    """Claim up to `limit` enabled stores not claimed within `interval`.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent checkers pass over rows
    another checker is claiming; the guarded UPDATE ... RETURNING then makes each
    claim exclusive on any database, because the due condition is checked again
    as the row is written.
    """
    now = utc_now()
    cutoff = now - interval
    claimed_at = col(Store.check_claimed_at)
    due = or_(claimed_at.is_(None), claimed_at < cutoff)
    candidates = session.exec(
        select(col(Store.id)).where(Store.enabled == True, due)  # noqa: E712
        .order_by(claimed_at.is_not(None), claimed_at, col(Store.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    claimed = session.exec(update(Store).where(col(Store.id).in_(candidates), due).values(check_claimed_at=now).returning(col(Store.id))).scalars().all()
    return sorted(claimed)


def check_due(runtime: Runtime, interval: timedelta | None = None, workers: int | None = None,
              after_record: AfterRecord | None = None) -> Iterator[Result]:
    """Keep claiming and checking due stores until none is left."""
    interval = interval or timedelta(minutes=runtime.settings.check_interval_minutes)
    batch = max(1, (workers or runtime.settings.check_workers) * 4)
    while True:
        with runtime.transaction() as session:  # the claim commits before any store is checked
            ids = claim_due(session, interval, batch)
        if not ids:
            return
        yield from check_many(runtime, ids, workers=workers, after_record=after_record)


def enabled_store_ids(session: Session) -> list[int]:
    ids = session.exec(select(col(Store.id)).where(Store.enabled == True).order_by(Store.name)).all()  # noqa: E712
    return [store_id for store_id in ids if store_id is not None]  # a saved store always has one; the column type allows None
