"""Retention: delete expired history in small chunks, never blocking the
evaluator for long.

Raw results are kept ``RAW_DAYS`` (90) days at most, and no longer than the
organization's plan keeps history; rollups (hourly, daily, percentile buckets)
are kept the plan's retention days (``isup_app.core.plans.retention_days``;
``None``, the self-hosted plan, keeps them). Each chunk is its own short
transaction of at most ``chunk`` rows, so the evaluator's writes interleave
with the job's (on SQLite a writer waits at most one chunk).

Scheduling: every evaluator process (``python -m checker``, roles
``evaluator`` and ``all``) calls ``schedule_retention``, an APScheduler
``BackgroundScheduler`` of its own that runs ``run_retention`` in its worker
thread, with connections of its own, ``START_DELAY_SECONDS`` after start and
then every ``ISUP_RETENTION_INTERVAL_SECONDS``; so the asyncio loop (the
probe's checks) and the evaluator's batches never wait for it beyond a chunk's
row locks. Several evaluators may run it at once: on PostgreSQL a session
advisory lock lets one run and the others skip that round; on SQLite writes
are serialized anyway, each chunk's DELETE selecting what is still there, so
a run that meets rows already deleted by another deletes fewer and stops.

``retention_job`` is a coroutine that runs the work in a thread, for an
asyncio scheduler or a script.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.core.models import (
    CheckResult,
    CheckResultDaily,
    CheckResultDailyBucket,
    CheckResultHourly,
    Monitor,
    Organization,
)

logger = logging.getLogger(__name__)

RAW_DAYS = 90
CHUNK = 5000
START_DELAY_SECONDS = 60.0
# pg_try_advisory_lock key held for a whole run ("isup-ret" as an int64).
ADVISORY_LOCK = int.from_bytes(b"isup-ret", "big") & 0x7FFF_FFFF_FFFF_FFFF

RESULTS = CheckResult.__table__
HOURLY = CheckResultHourly.__table__
DAILY = CheckResultDaily.__table__
BUCKETS = CheckResultDailyBucket.__table__

RetentionDays = Callable[[Session, str], int | None]


@dataclass
class RetentionReport:
    raw_deleted: int = 0
    rollups_deleted: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    seconds: float = 0.0
    skipped: bool = False
    stopped: bool = False


class Stopped(Exception):
    """The process is stopping: leave the rest for the next run."""


def plan_retention_days(session: Session, organization_id: str) -> int | None:
    """The organization's plan's retention days (None: keep everything)."""
    from isup_app.core.plans import retention_days

    return retention_days(session, organization_id)


def run_retention(
    engine: Engine,
    *,
    now: datetime | None = None,
    retention_days: RetentionDays = plan_retention_days,
    raw_days: int = RAW_DAYS,
    chunk: int = CHUNK,
    pause_seconds: float = 0.0,
    stop: threading.Event | None = None,
) -> RetentionReport:
    """Delete every expired row, ``chunk`` rows per transaction, sleeping
    ``pause_seconds`` between chunks; returns what was deleted. Set ``stop``
    ends the run between two chunks."""
    report = RetentionReport()
    started = time.monotonic()

    with _run_lock(engine) as held:
        if not held:
            report.skipped = True
            logger.info("retention skipped reason=another_run_holds_the_lock")
            return report
        try:
            _run(
                engine,
                now or datetime.now(UTC),
                retention_days,
                raw_days,
                chunk,
                pause_seconds,
                stop,
                report,
            )
        except Stopped:
            report.stopped = True

    report.seconds = time.monotonic() - started
    logger.info(
        "retention done raw_deleted=%d rollups_deleted=%s chunks=%d seconds=%.2f%s",
        report.raw_deleted,
        report.rollups_deleted,
        report.chunks,
        report.seconds,
        " stopped=true" if report.stopped else "",
    )
    return report


def _run(engine, now, retention_days, raw_days, chunk, pause, stop, report) -> None:
    with Session(engine) as session:
        orgs = session.connection().execute(sa.select(Organization.__table__.c.id))
        org_ids = [org_id for (org_id,) in orgs]
        days = {org_id: retention_days(session, org_id) for org_id in org_ids}

    for org_id, plan_days in days.items():
        keep_raw = raw_days if plan_days is None else min(raw_days, plan_days)
        cutoff = now - timedelta(days=keep_raw)
        report.raw_deleted += _delete_raw(
            engine, org_id, cutoff, chunk, pause, stop, report
        )
        if plan_days is None:
            continue
        hour_cutoff = now - timedelta(days=plan_days)
        day_cutoff = hour_cutoff.date()
        for table, column, limit in (
            (HOURLY, HOURLY.c.hour, hour_cutoff),
            (DAILY, DAILY.c.day, day_cutoff),
            (BUCKETS, BUCKETS.c.day, day_cutoff),
        ):
            deleted = _delete_rollups(
                engine, table, column, org_id, limit, chunk, pause, stop, report
            )
            report.rollups_deleted[table.name] = (
                report.rollups_deleted.get(table.name, 0) + deleted
            )


@contextmanager
def _run_lock(engine: Engine) -> Iterator[bool]:
    """On PostgreSQL, one run at a time across processes: a session advisory
    lock on a connection kept for the run (a dead process's connection drops
    it). Two runs at once would both be correct, but could each stop early on
    a chunk the other had partly deleted, and lock rows against each other."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        held = conn.execute(
            sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK))
        ).scalar()
        conn.commit()
        try:
            yield bool(held)
        finally:
            if held:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK)))
                conn.commit()


def schedule_retention(
    engine: Engine,
    interval_seconds: float,
    stop: threading.Event,
    *,
    start_delay_seconds: float = START_DELAY_SECONDS,
) -> BackgroundScheduler:
    """Start a scheduler that runs ``run_retention`` in its own thread, first
    after ``start_delay_seconds`` (at most the interval), then every
    ``interval_seconds``; ``stop`` ends a run between chunks. Shut it down
    with ``scheduler.shutdown()``."""
    scheduler = BackgroundScheduler(timezone=UTC)
    first = datetime.now(UTC) + timedelta(
        seconds=min(start_delay_seconds, interval_seconds)
    )
    scheduler.add_job(
        _scheduled_run,
        "interval",
        seconds=interval_seconds,
        next_run_time=first,
        kwargs={"engine": engine, "stop": stop},
        id="retention",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    return scheduler


def _scheduled_run(engine: Engine, stop: threading.Event) -> None:
    try:
        run_retention(engine, stop=stop)
    except Exception:
        # The job's loop boundary: the next run tries again.
        logger.exception("retention failed")


async def retention_job(engine: Engine | None = None, **kwargs) -> RetentionReport:
    """``run_retention`` in a worker thread, for an asyncio scheduler."""
    if engine is None:
        from isup_app.core.db import get_engine

        engine = get_engine()
    return await asyncio.to_thread(run_retention, engine, **kwargs)


def _delete_raw(engine, org_id, cutoff, chunk, pause, stop, report) -> int:
    r = RESULTS.c
    expired = (
        sa.select(r.id)
        .where(r.organization_id == org_id, r.timestamp < cutoff)
        .limit(chunk)
        .scalar_subquery()
    )
    stmt = RESULTS.delete().where(r.id.in_(expired))
    return _in_chunks(engine, stmt, chunk, pause, stop, report)


def _delete_rollups(
    engine, table, column, org_id, cutoff, chunk, pause, stop, report
) -> int:
    # Rollup tables have composite keys; a chunk is the rows of a row-value
    # IN over a limited sub-select, which SQLite (3.15+) and PostgreSQL share.
    c = table.c
    key = [c[name] for name in table.primary_key.columns.keys()]
    monitors = sa.select(Monitor.__table__.c.id).where(
        Monitor.__table__.c.organization_id == org_id
    )
    expired = (
        sa.select(*key).where(c.monitor_id.in_(monitors), column < cutoff).limit(chunk)
    )
    stmt = table.delete().where(sa.tuple_(*key).in_(expired))
    return _in_chunks(engine, stmt, chunk, pause, stop, report)


def _in_chunks(engine, stmt, chunk, pause, stop, report) -> int:
    total = 0
    while True:
        if stop is not None and stop.is_set():
            raise Stopped
        with engine.begin() as conn:
            deleted = conn.execute(stmt).rowcount
        report.chunks += 1
        total += deleted
        if deleted < chunk:
            return total
        if pause:
            time.sleep(pause)
