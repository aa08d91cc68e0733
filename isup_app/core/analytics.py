"""Analytics over results and rollups, with Polars: uptime and response-time
percentiles per region and per phase, incident count and mean time to
recovery, and the monthly SLA report per monitor.

Raw results answer for the last 90 days (retention); older months are
reported from the daily rollups, which the plan keeps longer. Percentiles
here are Polars' ``nearest`` quantiles over raw values; the daily rollups'
are read from their histogram (see isup_app.core.history).
"""

import calendar
import logging
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import sqlalchemy as sa
from sqlmodel import Session

from isup_app.core import history
from isup_app.core.models import (
    CheckResult,
    CheckResultDaily,
    CheckResultDailyBucket,
    Incident,
    Monitor,
)

logger = logging.getLogger(__name__)

RAW_DAYS = 90
PHASES = {
    "dns": "dns_time_ms",
    "connect": "connect_time_ms",
    "tls": "tls_time_ms",
    "ttfb": "ttfb_ms",
    "total": "response_time_ms",
}
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

_RESULT_COLUMNS = [
    "monitor_id",
    "region",
    "timestamp",
    "status",
    "response_time_ms",
    "dns_time_ms",
    "connect_time_ms",
    "tls_time_ms",
    "ttfb_ms",
]
_SCHEMA = {
    "monitor_id": pl.Int64,
    "region": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "status": pl.String,
    "response_time_ms": pl.Int64,
    "dns_time_ms": pl.Int64,
    "connect_time_ms": pl.Int64,
    "tls_time_ms": pl.Int64,
    "ttfb_ms": pl.Int64,
}


def results_frame(
    session: Session, monitor_ids: Iterable[int], start: datetime, end: datetime
) -> pl.DataFrame:
    """Raw results of ``monitor_ids`` in [start, end) as a DataFrame."""
    r = CheckResult.__table__.c
    rows = session.connection().execute(
        sa.select(*(r[c] for c in _RESULT_COLUMNS)).where(
            r.monitor_id.in_(sorted(set(monitor_ids))),
            r.timestamp >= start,
            r.timestamp < end,
        )
    )
    data = [
        (m, reg, _utc(at), s, rt, dns, con, tls, ttfb)
        for m, reg, at, s, rt, dns, con, tls, ttfb in rows
    ]
    return pl.DataFrame(data, schema=_SCHEMA, orient="row")


def uptime_by_region(frame: pl.DataFrame) -> pl.DataFrame:
    """Checks by verdict and uptime percent (up and degraded over up,
    degraded and down) per monitor and region."""
    status = pl.col("status")
    return (
        frame.group_by("monitor_id", "region")
        .agg(
            pl.len().alias("checks"),
            (status == "up").sum().alias("up"),
            (status == "degraded").sum().alias("degraded"),
            (status == "down").sum().alias("down"),
            (~status.is_in(["up", "degraded", "down"])).sum().alias("unknown"),
        )
        .with_columns(
            pl.when(pl.col("up") + pl.col("degraded") + pl.col("down") > 0)
            .then(
                100.0
                * (pl.col("up") + pl.col("degraded"))
                / (pl.col("up") + pl.col("degraded") + pl.col("down"))
            )
            .otherwise(None)
            .alias("uptime_percent")
        )
        .sort("monitor_id", "region")
    )


def _quantiles(column: str) -> list[pl.Expr]:
    value = pl.col(column)
    return [
        value.count().alias("count"),
        value.mean().alias("mean"),
        value.quantile(0.50, "nearest").alias("p50"),
        value.quantile(0.95, "nearest").alias("p95"),
        value.quantile(0.99, "nearest").alias("p99"),
    ]


def response_percentiles(frame: pl.DataFrame) -> pl.DataFrame:
    """Response time (total) count, mean, p50, p95, p99 per monitor and
    region, over the checks that got an answer (up or degraded)."""
    answered = frame.filter(pl.col("status").is_in(["up", "degraded"]))
    return (
        answered.group_by("monitor_id", "region")
        .agg(_quantiles("response_time_ms"))
        .sort("monitor_id", "region")
    )


def phase_percentiles(frame: pl.DataFrame) -> pl.DataFrame:
    """Per monitor, region and phase (dns, connect, tls, ttfb, total): count,
    mean, p50, p95, p99 of the phase's time, where the phase happened."""
    answered = frame.filter(pl.col("status").is_in(["up", "degraded"]))
    long = answered.select(
        "monitor_id", "region", *(pl.col(c).alias(p) for p, c in PHASES.items())
    ).unpivot(index=["monitor_id", "region"], variable_name="phase", value_name="ms")
    return (
        long.drop_nulls("ms")
        .group_by("monitor_id", "region", "phase")
        .agg(_quantiles("ms"))
        .sort("monitor_id", "region", "phase")
    )


def incident_stats(
    session: Session,
    monitor_ids: Iterable[int],
    start: datetime,
    end: datetime,
) -> pl.DataFrame:
    """Per monitor: incidents that started in [start, end), how many are
    resolved, and the mean time to recovery (seconds) of the resolved ones."""
    i = Incident.__table__.c
    rows = session.connection().execute(
        sa.select(i.monitor_id, i.started_at, i.ended_at).where(
            i.monitor_id.in_(sorted(set(monitor_ids))),
            i.started_at >= start,
            i.started_at < end,
        )
    )
    frame = pl.DataFrame(
        [(m, _utc(s), _utc(e) if e else None) for m, s, e in rows],
        schema={
            "monitor_id": pl.Int64,
            "started_at": pl.Datetime("us", "UTC"),
            "ended_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )
    recovery = (pl.col("ended_at") - pl.col("started_at")).dt.total_seconds()
    return (
        frame.group_by("monitor_id")
        .agg(
            pl.len().alias("incidents"),
            pl.col("ended_at").is_not_null().sum().alias("resolved"),
            recovery.mean().alias("mttr_seconds"),
        )
        .sort("monitor_id")
    )


# --- the monthly SLA report ---------------------------------------------------


def parse_month(month: str) -> tuple[date, date]:
    """'YYYY-MM' to its first day and the first day of the next month."""
    match = MONTH.match(month or "")
    if not match:
        raise ValueError("month: use YYYY-MM, e.g. 2026-03")
    year, number = int(match[1]), int(match[2])
    first = date(year, number, 1)
    return first, first + timedelta(days=calendar.monthrange(year, number)[1])


def sla_report(
    session: Session,
    organization_id: str,
    monitor_id: int,
    month: str,
    *,
    now: datetime,
    target_percent: float = 99.9,
) -> pl.DataFrame:
    """One row per day of ``month`` and a ``total`` row: checks, uptime,
    downtime, time left out (unknown, maintenance, paused), response times,
    incidents and mean time to recovery, and whether ``target_percent`` was
    met. Days within raw retention are measured in seconds from raw results
    (``source`` raw); older days from the daily rollups (``source`` rollup,
    downtime estimated as down checks times the interval).

    Raises LookupError when the monitor is not in the organization."""
    monitor = session.get(Monitor, monitor_id)
    if monitor is None or monitor.organization_id != organization_id:
        raise LookupError(f"monitor {monitor_id} not found")
    first, after = parse_month(month)
    now = _utc(now)
    rollups = _daily_rollups(session, monitor_id, first, after)
    percentiles = _daily_percentiles(session, monitor_id, first, after)
    raw_since = now - timedelta(days=RAW_DAYS)

    rows = []
    day = first
    while day < after:
        start = datetime.combine(day, time(), UTC)
        end = start + timedelta(days=1)
        figures = rollups.get(day, {})
        row = {
            "date": day.isoformat(),
            "checks": figures.get("checks", 0),
            "down_checks": figures.get("down", 0),
            "avg_response_ms": figures.get("avg"),
            "p95_response_ms": percentiles.get(day),
        }
        if start >= raw_since and start < now:
            seconds = history.exact_uptime(session, monitor, start, end, now=now)
            row.update(
                source="raw",
                watched_seconds=seconds.watched_seconds,
                downtime_seconds=seconds.down_seconds,
                left_out_seconds=seconds.unknown_seconds
                + seconds.maintenance_seconds
                + seconds.paused_seconds
                + seconds.no_data_seconds,
                uptime_percent=seconds.percent,
            )
        else:
            known = figures.get("known", 0)
            interval = monitor.interval_seconds
            row.update(
                source="rollup",
                watched_seconds=float(min(known * interval, 86400)),
                downtime_seconds=float(figures.get("down", 0) * interval),
                left_out_seconds=float(max(0, 86400 - known * interval)),
                uptime_percent=(
                    100.0 * figures.get("available", 0) / known if known else None
                ),
            )
        rows.append(row)
        day += timedelta(days=1)

    days = pl.DataFrame(rows)
    incidents = _incidents_per_day(session, monitor_id, first, after)
    days = days.join(incidents, on="date", how="left").with_columns(
        pl.col("incidents").fill_null(0)
    )
    total = _total_row(days, session, monitor_id, first, after, target_percent)
    days = days.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("mttr_seconds"),
        pl.when(pl.col("uptime_percent").is_null())
        .then(None)
        .otherwise(pl.col("uptime_percent") >= target_percent)
        .alias("target_met"),
    )
    return pl.concat([days, total], how="diagonal_relaxed").select(
        "date",
        "source",
        "checks",
        "down_checks",
        "watched_seconds",
        "downtime_seconds",
        "left_out_seconds",
        "uptime_percent",
        "avg_response_ms",
        "p95_response_ms",
        "incidents",
        "mttr_seconds",
        "target_met",
    )


def sla_report_csv(
    session: Session,
    organization_id: str,
    monitor_id: int,
    month: str,
    *,
    now: datetime,
    target_percent: float = 99.9,
) -> str:
    """``sla_report`` as CSV text, with a header row."""
    frame = sla_report(
        session,
        organization_id,
        monitor_id,
        month,
        now=now,
        target_percent=target_percent,
    )
    return frame.write_csv(float_precision=4)


def _total_row(days, session, monitor_id, first, after, target) -> pl.DataFrame:
    watched = days["watched_seconds"].sum()
    down = days["downtime_seconds"].sum()
    uptime = 100.0 * (watched - down) / watched if watched else None
    weighted = days.filter(pl.col("avg_response_ms").is_not_null())
    checks = weighted["checks"].sum()
    avg = (
        (weighted["avg_response_ms"] * weighted["checks"]).sum() / checks
        if checks
        else None
    )
    stats = incident_stats(
        session,
        [monitor_id],
        datetime.combine(first, time(), UTC),
        datetime.combine(after, time(), UTC),
    )
    mttr = stats["mttr_seconds"][0] if stats.height else None
    sources = set(days["source"].to_list())
    return pl.DataFrame(
        [
            {
                "date": "total",
                "source": sources.pop() if len(sources) == 1 else "mixed",
                "checks": days["checks"].sum(),
                "down_checks": days["down_checks"].sum(),
                "watched_seconds": watched,
                "downtime_seconds": down,
                "left_out_seconds": days["left_out_seconds"].sum(),
                "uptime_percent": uptime,
                "avg_response_ms": avg,
                "p95_response_ms": _month_p95(session, monitor_id, first, after),
                "incidents": days["incidents"].sum(),
                "mttr_seconds": mttr,
                "target_met": None if uptime is None else uptime >= target,
            }
        ]
    )


def _daily_rollups(session, monitor_id, first, after) -> dict[date, dict]:
    d = CheckResultDaily.__table__.c
    known = d.check_count - d.unknown_count - d.maintenance_count
    rows = session.connection().execute(
        sa.select(
            d.day,
            sa.func.sum(d.check_count),
            sa.func.sum(d.up_count + d.degraded_count),
            sa.func.sum(known),
            sa.func.sum(d.avg_response_time * d.check_count),
        )
        .where(d.monitor_id == monitor_id, d.day >= first, d.day < after)
        .group_by(d.day)
    )
    out = {}
    for day, checks, available, known_checks, total in rows:
        out[day] = {
            "checks": checks,
            "available": available,
            "known": known_checks,
            "down": known_checks - available,
            "avg": total / checks if checks else None,
        }
    return out


def _buckets(session, monitor_id, first, after):
    b = CheckResultDailyBucket.__table__.c
    return (
        session.connection()
        .execute(
            sa.select(b.day, b.bucket, sa.func.sum(b.count))
            .where(b.monitor_id == monitor_id, b.day >= first, b.day < after)
            .group_by(b.day, b.bucket)
            .order_by(b.day, b.bucket)
        )
        .all()
    )


def _daily_percentiles(session, monitor_id, first, after) -> dict[date, float]:
    # Regions merge by adding their histograms: the reason for keeping them.
    per_day: dict[date, list[tuple[int, int]]] = {}
    for day, bucket, count in _buckets(session, monitor_id, first, after):
        per_day.setdefault(day, []).append((bucket, count))
    return {
        day: history.histogram_percentiles(counts, [0.95])[0]
        for day, counts in per_day.items()
    }


def _month_p95(session, monitor_id, first, after) -> float | None:
    merged: dict[int, int] = {}
    for _day, bucket, count in _buckets(session, monitor_id, first, after):
        merged[bucket] = merged.get(bucket, 0) + count
    return history.histogram_percentiles(sorted(merged.items()), [0.95])[0]


def _incidents_per_day(session, monitor_id, first, after) -> pl.DataFrame:
    i = Incident.__table__.c
    rows = session.connection().execute(
        sa.select(i.started_at).where(
            i.monitor_id == monitor_id,
            i.started_at >= datetime.combine(first, time(), UTC),
            i.started_at < datetime.combine(after, time(), UTC),
        )
    )
    days = [_utc(at).date().isoformat() for (at,) in rows]
    frame = pl.DataFrame({"date": days}, schema={"date": pl.String})
    return frame.group_by("date").agg(pl.len().cast(pl.Int64).alias("incidents"))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
