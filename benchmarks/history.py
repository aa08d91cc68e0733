"""History benchmark: 1,000 monitors with 90 days of 60-second checks.

What is generated how (90 days of minute checks for 1,000 monitors would be
about 130 million raw rows; writing them all would take hours here):

- Bulk: the rollups are generated directly, as ``record_results`` would leave
  them: per monitor and day one daily row, 24 hourly rows and about 24
  response-time bucket rows, in one region. Most days are all up; about one
  day in 40 has an outage of a few minutes to hours (with its incident row),
  one in 25 some degraded checks.
- Sample: raw results written through the real record path (insert the rows,
  flush, ``record_results``, commit: what the evaluator does per batch), one
  minute of results = one row per monitor, on top of the bulk rollups. Timed
  per minute written. Bytes per million results: the raw results' own table
  and indexes, and the database's growth over those rows (rollup growth
  included; on PostgreSQL also the dead row versions that every upsert of a
  rollup or monitor row leaves until autovacuum reuses their space).
- Retention: then ``run_retention`` with a 30-day plan on the bulk rollups, the
  time it takes and the size before and after (SQLite VACUUM, PostgreSQL
  VACUUM FULL: a plain VACUUM returns no space). The steady-state size is
  projected from the raw results' bytes per row for 90 days plus rollups for
  the plan's days.

Prints: the time to compute every monitor's 90 bars and 30-day uptime from the
rollups (goal < 200 ms), the time to write a minute of results, bytes per
million results, sizes before and after retention.

Usage: .venv/bin/python -m benchmarks.history [--monitors 1000] [--days 90]
    [--minutes 30] [--database-url postgresql://...]
"""

import argparse
import math
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from checker.retention import run_retention
from isup_app.core import history
from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine, migrate
from isup_app.core.models import (
    CheckResult,
    CheckResultDaily,
    CheckResultDailyBucket,
    CheckResultHourly,
    Incident,
    Monitor,
    MonitorType,
)

ORG = "org_bench"
NOW = datetime(2026, 6, 30, 23, 59, 30, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--minutes", type=int, default=30, help="raw minutes to write")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the bulk already in --database-url, skip retention (profiling)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="isup-bench-history-"))
    url = args.database_url or f"sqlite:///{workdir / 'history.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not args.keep:
        url = _fresh(url)
    migrate(url)
    engine = make_engine(url)
    print(f"database: {engine.dialect.name}")

    ids = _existing(engine) if args.keep else []
    counts = {}
    if not ids:
        with Session(engine) as session:
            seed(session, ORG)
        ids = _monitors(engine, args.monitors)
        started = time.perf_counter()
        counts = _bulk_rollups(engine, ids, args.days)
        print(
            f"generated rollups for {len(ids)} monitors x {args.days} days in "
            f"{time.perf_counter() - started:.1f} s: {counts}"
        )
    rollup_bytes = _size(engine)
    print(f"database with rollups only: {rollup_bytes / 1e6:.1f} MB")

    _read_figures(engine, ids)
    raw_before = _raw_size(engine)
    per_minute, added = _write_minutes(engine, ids, args.minutes)
    grown = _size(engine) - rollup_bytes
    per_million = (_raw_size(engine) - raw_before) / added * 1e6
    print(
        f"write a minute of results ({len(ids)} rows, record path): "
        f"median {statistics.median(per_minute) * 1000:.0f} ms, "
        f"max {max(per_minute) * 1000:.0f} ms over {len(per_minute)} minutes; "
        f"record_results alone: median {statistics.median(recording) * 1000:.0f} ms"
    )
    print(
        f"bytes per million results: {per_million / 1e6:.0f} MB of raw results "
        f"(table and indexes); the database grew {grown / 1e6:.1f} MB for "
        f"{added} results ({grown / added:.0f} bytes each, rollup growth and "
        f"dead row versions included)"
    )
    if not args.keep:
        _retention(engine, counts, per_million, len(ids), args.days)
    engine.dispose()


def _existing(engine) -> list[int]:
    m = Monitor.__table__.c
    with engine.connect() as conn:
        found = conn.execute(sa.select(m.id).where(m.organization_id == ORG))
        return sorted(i for (i,) in found)


def _fresh(url: str) -> str:
    """A database of its own on a PostgreSQL server; SQLite files are new."""
    if not url.startswith("postgresql"):
        return url
    server = sa.engine.make_url(url)
    name = f"isup_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"made database {name} (drop it when done)")
    return server.set(database=name).render_as_string(hide_password=False)


def _monitors(engine, count: int) -> list[int]:
    created = NOW - timedelta(days=120)
    with Session(engine) as session:
        monitors = [
            Monitor(
                organization_id=ORG,
                name=f"bench {i}",
                type=MonitorType.HTTP,
                url="http://127.0.0.1:9/",
                regions=["local"],
                created_at=created,
            )
            for i in range(count)
        ]
        session.add_all(monitors)
        session.commit()
        return sorted(m.id for m in monitors)


def _day_buckets(rng: random.Random, checks: int) -> dict[int, int]:
    """A day's response-time histogram: a log-normal around 120 ms."""
    buckets: dict[int, int] = {}
    for _ in range(40):
        value = rng.lognormvariate(math.log(120), 0.35)
        b = history.bucket_of(value)
        buckets[b] = buckets.get(b, 0) + 1
    scale = checks / 40
    return {b: max(1, round(n * scale)) for b, n in buckets.items()}


def _bulk_rollups(engine, ids: list[int], days: int) -> dict[str, int]:
    rng = random.Random(5)
    first = NOW.date() - timedelta(days=days - 1)
    counts = {"hourly": 0, "daily": 0, "buckets": 0, "incidents": 0}
    with engine.begin() as conn:
        for chunk_start in range(0, len(ids), 50):
            hourly, daily, buckets, incidents = [], [], [], []
            for monitor_id in ids[chunk_start : chunk_start + 50]:
                for offset in range(days):
                    day = first + timedelta(days=offset)
                    _one_day(rng, monitor_id, day, hourly, daily, buckets, incidents)
            conn.execute(CheckResultHourly.__table__.insert(), hourly)
            conn.execute(CheckResultDaily.__table__.insert(), daily)
            conn.execute(CheckResultDailyBucket.__table__.insert(), buckets)
            if incidents:
                conn.execute(Incident.__table__.insert(), incidents)
            counts["hourly"] += len(hourly)
            counts["daily"] += len(daily)
            counts["buckets"] += len(buckets)
            counts["incidents"] += len(incidents)
    return counts


def _one_day(rng, monitor_id, day: date, hourly, daily, buckets, incidents) -> None:
    down_minutes = rng.randint(3, 300) if rng.random() < 1 / 40 else 0
    degraded = rng.randint(1, 60) if rng.random() < 1 / 25 else 0
    outage_hour = rng.randint(0, 23)
    left = down_minutes
    for hour in range(24):
        down = min(left, 60) if hour >= outage_hour else 0
        left -= down
        slow = degraded if hour == 12 else 0
        hourly.append(
            {
                "monitor_id": monitor_id,
                "hour": datetime.combine(day, clock(hour), UTC),
                "region": "local",
                "check_count": 60,
                "up_count": 60 - down - slow,
                "degraded_count": slow,
                "unknown_count": 0,
                "maintenance_count": 0,
                "avg_response_time": 120.0 + rng.random() * 20,
                "max_response_time": 400,
                "min_response_time": 60,
            }
        )
    day_buckets = _day_buckets(rng, 1440)
    values = sorted(day_buckets.items())
    p50, p95, p99 = history.histogram_percentiles(values, history.PERCENTILES)
    daily.append(
        {
            "monitor_id": monitor_id,
            "day": day,
            "region": "local",
            "check_count": 1440,
            "up_count": 1440 - (down_minutes - left) - degraded,
            "degraded_count": degraded,
            "unknown_count": 0,
            "maintenance_count": 0,
            "avg_response_time": 128.0,
            "max_response_time": 400,
            "min_response_time": 60,
            "p50_response_time": p50,
            "p95_response_time": p95,
            "p99_response_time": p99,
        }
    )
    buckets.extend(
        {
            "monitor_id": monitor_id,
            "day": day,
            "region": "local",
            "bucket": b,
            "count": n,
        }
        for b, n in values
    )
    if down_minutes:
        started = datetime.combine(day, clock(outage_hour), UTC)
        incidents.append(
            {
                "app_id": "isup",
                "monitor_id": monitor_id,
                "organization_id": ORG,
                "started_at": started,
                "ended_at": started + timedelta(minutes=down_minutes),
                "duration_seconds": down_minutes * 60,
                "cause": "status",
                "affected_regions": ["local"],
                "created_at": started,
            }
        )


def _read_figures(engine, ids: list[int]) -> None:
    timings, bar_times = [], []
    for _ in range(5):
        with Session(engine) as session:
            started = time.perf_counter()
            bars = history.daily_bars(session, ids, days=90, now=NOW)
            bar_times.append(time.perf_counter() - started)
            uptime = history.rollup_uptime(session, ids, NOW - timedelta(days=30), NOW)
            timings.append(time.perf_counter() - started)
    assert len(bars) == len(ids) and all(len(b) == 90 for b in bars.values())
    assert len(uptime) == len(ids)
    states: dict[str, int] = {}
    for monitor_bars in bars.values():
        for bar in monitor_bars:
            states[bar.state] = states.get(bar.state, 0) + 1
    print(
        f"90 bars + 30-day uptime for {len(ids)} monitors from rollups: "
        f"best {min(timings) * 1000:.0f} ms, median "
        f"{statistics.median(timings) * 1000:.0f} ms (goal < 200 ms), of which "
        f"bars {statistics.median(bar_times) * 1000:.0f} ms; bar states {states}"
    )
    timings = []
    for _ in range(3):
        with Session(engine) as session:
            started = time.perf_counter()
            history.uptime_summary(session, ids, NOW)
            timings.append(time.perf_counter() - started)
    print(
        f"uptime_summary (24h/7d/30d/90d) for {len(ids)} monitors: "
        f"median {statistics.median(timings) * 1000:.0f} ms"
    )


recording: list[float] = []


def _write_minutes(engine, ids: list[int], minutes: int) -> tuple[list[float], int]:
    rng = random.Random(9)
    per_minute, added = [], 0
    recording.clear()
    start = NOW - timedelta(minutes=minutes)
    for minute in range(minutes):
        at = start + timedelta(minutes=minute)
        rows = [
            CheckResult(
                check_id=secrets.token_hex(12),
                monitor_id=monitor_id,
                organization_id=ORG,
                timestamp=at + timedelta(milliseconds=rng.randint(0, 59_000)),
                region="local",
                status="up" if rng.random() > 0.01 else "down",
                response_time_ms=int(rng.lognormvariate(math.log(120), 0.35)),
                status_code=200,
                dns_time_ms=rng.randint(1, 5),
                connect_time_ms=rng.randint(5, 30),
                tls_time_ms=rng.randint(10, 40),
                ttfb_ms=rng.randint(40, 150),
            )
            for monitor_id in ids
        ]
        started = time.perf_counter()
        with Session(engine) as session:
            session.add_all(rows)
            session.flush()
            folding = time.perf_counter()
            history.record_results(session, rows)
            recording.append(time.perf_counter() - folding)
            session.commit()
        per_minute.append(time.perf_counter() - started)
        added += len(rows)
    return per_minute, added


def _size(engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
            size = conn.exec_driver_sql("PRAGMA page_size").scalar()
            return (pages - free) * size
        return conn.execute(
            sa.text("SELECT pg_database_size(current_database())")
        ).scalar()


def _raw_size(engine) -> int:
    """Bytes used by the raw results' table and its indexes."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return conn.exec_driver_sql(
                "SELECT coalesce(sum(pgsize - unused), 0) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = 'check_results')"
            ).scalar()
        return conn.execute(
            sa.text("SELECT pg_total_relation_size('check_results')")
        ).scalar()


def _vacuum(engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
    else:
        # A plain VACUUM only marks the space reusable; FULL rewrites the
        # tables, so the size after shows what retention freed.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM FULL"))


def _retention(engine, counts, per_million: float, monitors: int, days: int) -> None:
    before = _size(engine)
    rollup_rows = counts["hourly"] + counts["daily"] + counts["buckets"]
    per_rollup_row = before / rollup_rows  # raw sample is small beside them
    started = time.perf_counter()
    report = run_retention(
        engine,
        now=NOW + timedelta(days=1),
        retention_days=lambda _s, _org: 30,
        raw_days=90,
    )
    took = time.perf_counter() - started
    _vacuum(engine)
    after = _size(engine)
    print(
        f"retention (30-day plan) on {days} days of rollups: {took:.1f} s in "
        f"{report.chunks} chunks, deleted {report.rollups_deleted}; "
        f"database {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB after "
        f"{'VACUUM' if engine.dialect.name == 'sqlite' else 'VACUUM FULL'}"
    )
    raw_rows = monitors * 1440 * 90
    for plan_days in (30, 365):
        rollups = per_rollup_row * rollup_rows / days * plan_days
        total = raw_rows * per_million / 1e6 + rollups
        print(
            f"steady state, {monitors} monitors at 60 s, {plan_days}-day plan: "
            f"raw 90 days {raw_rows / 1e6:.0f} M rows ~ "
            f"{raw_rows * per_million / 1e6 / 1e9:.1f} GB + rollups "
            f"~ {rollups / 1e9:.2f} GB = {total / 1e9:.1f} GB, flat from then on"
        )


if __name__ == "__main__":
    os.environ.setdefault("ISUP_LOG_LEVEL", "WARNING")
    main()
