"""Retention: delete expired history in small chunks, never blocking the
evaluator for long.

Raw results are kept ``RAW_DAYS`` (90) days at most, and no longer than the
organization's plan keeps history; rollups (hourly, daily, percentile buckets)
are kept the plan's retention days (``isup_app.core.plans.retention_days``;
``None``, the self-hosted plan, keeps them). Each chunk is its own short
transaction of at most ``chunk`` rows, so the evaluator's writes interleave
with the job's (on SQLite a writer waits at most one chunk).

Scheduling, in the checker (APScheduler)::

    scheduler.add_job(retention_job, "interval", hours=1, max_instances=1,
                      coalesce=True, kwargs={"engine": engine})

``retention_job`` is a coroutine that runs the work in a thread, so it suits
an ``AsyncIOScheduler``; ``run_retention`` is the plain function for a
``BackgroundScheduler`` or a script.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
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
) -> RetentionReport:
    """Delete every expired row, ``chunk`` rows per transaction, sleeping
    ``pause_seconds`` between chunks; returns what was deleted."""
    now = now or datetime.now(UTC)
    report = RetentionReport()
    started = time.monotonic()

    with Session(engine) as session:
        orgs = session.connection().execute(sa.select(Organization.__table__.c.id))
        org_ids = [org_id for (org_id,) in orgs]
        days = {org_id: retention_days(session, org_id) for org_id in org_ids}

    for org_id, plan_days in days.items():
        keep_raw = raw_days if plan_days is None else min(raw_days, plan_days)
        cutoff = now - timedelta(days=keep_raw)
        report.raw_deleted += _delete_raw(
            engine, org_id, cutoff, chunk, pause_seconds, report
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
                engine, table, column, org_id, limit, chunk, pause_seconds, report
            )
            report.rollups_deleted[table.name] = (
                report.rollups_deleted.get(table.name, 0) + deleted
            )

    report.seconds = time.monotonic() - started
    logger.info(
        "retention done raw_deleted=%d rollups_deleted=%s chunks=%d seconds=%.2f",
        report.raw_deleted,
        report.rollups_deleted,
        report.chunks,
        report.seconds,
    )
    return report


async def retention_job(engine: Engine | None = None, **kwargs) -> RetentionReport:
    """``run_retention`` in a worker thread, for an asyncio scheduler."""
    if engine is None:
        from isup_app.core.db import get_engine

        engine = get_engine()
    return await asyncio.to_thread(run_retention, engine, **kwargs)


def _delete_raw(engine, org_id, cutoff, chunk, pause, report) -> int:
    r = RESULTS.c
    expired = (
        sa.select(r.id)
        .where(r.organization_id == org_id, r.timestamp < cutoff)
        .limit(chunk)
        .scalar_subquery()
    )
    return _in_chunks(
        engine, RESULTS.delete().where(r.id.in_(expired)), chunk, pause, report
    )


def _delete_rollups(engine, table, column, org_id, cutoff, chunk, pause, report) -> int:
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
    return _in_chunks(engine, stmt, chunk, pause, report)


def _in_chunks(engine, stmt, chunk, pause, report) -> int:
    total = 0
    while True:
        with engine.begin() as conn:
            deleted = conn.execute(stmt).rowcount
        report.chunks += 1
        total += deleted
        if deleted < chunk:
            return total
        if pause:
            time.sleep(pause)
