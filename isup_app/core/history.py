"""Uptime history: rollups kept current as results arrive, uptime over the
time a monitor was watched, and the daily bars that the dashboard and the
status pages show.

What counts. A result's status is ``up``, ``degraded``, ``down`` or anything
else (``unknown``). Up and degraded are available (degraded answered, slowly);
down is not. Unknown results, results taken inside a maintenance window, time
with no results (before the monitor existed, the checker stopped, a gap of
more than ``GAP_INTERVALS`` intervals) and paused time count on neither side:
uptime is available / (available + down) over what is left, and the rest is
reported as what it is.

Two ways to ask. ``exact_uptime`` reads raw results and gives seconds: each
result's state lasts until the next result of its region, or one interval when
the next is further away than ``GAP_INTERVALS`` intervals (the rest of the gap
is unknown). ``uptime_summary``, ``rollup_uptime`` and ``daily_bars`` read the
rollups and count checks, which is what a monitor checked at a steady interval
gives too, and stays fast over months.

Rollups. ``record_results`` runs inside the evaluator's transaction with each
batch of newly stored results and upserts, per monitor, region and hour
(``check_results_hourly``) and day (``check_results_daily``), the counts and
response-time figures; nothing is recomputed from scratch. Daily percentiles
come from a mergeable log-bucket histogram (``check_results_daily_buckets``):
a count per bucket of relative width ``BUCKET_GAMMA``, upserted like the
counts, from which only the touched days' p50/p95/p99 are re-read. A value is
off by at most (gamma - 1) / (gamma + 1), 2% with gamma 1.04; see the README.
"""

import gc
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from itertools import repeat
from typing import NamedTuple

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from isup_app.core.maintenance import occurrences
from isup_app.core.models import (
    CheckResult,
    CheckResultDaily,
    CheckResultDailyBucket,
    CheckResultHourly,
    Incident,
    MaintenanceWindow,
    Monitor,
    MonitorStatus,
)

logger = logging.getLogger(__name__)

AVAILABLE = ("up", "degraded")
GAP_INTERVALS = 2
BUCKET_GAMMA = 1.04
PERCENTILES = (0.50, 0.95, 0.99)
PERCENT_RANKS = (50, 95, 99)
# A day is a major outage when more than this share of its known checks were
# down; any down check at all makes it at least a partial outage.
MAJOR_OUTAGE_SHARE = 0.05

HOURLY = CheckResultHourly.__table__
DAILY = CheckResultDaily.__table__
BUCKETS = CheckResultDailyBucket.__table__
RESULTS = CheckResult.__table__
MONITORS = Monitor.__table__


class BarState(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    MAINTENANCE = "maintenance"
    NO_DATA = "no_data"


class DayBar(NamedTuple):
    """One day of a monitor's history, for a bar and its tooltip (a named
    tuple: 90,000 of them are made in one call)."""

    date: date
    state: BarState
    uptime_percent: float | None
    check_count: int = 0
    down_count: int = 0
    incident_count: int = 0
    incident_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UptimeSummary:
    """Uptime percent over the last 24 hours, 7, 30 and 90 days (None: no
    data in that span) and the average response time over 24 hours."""

    uptime_24h: float | None
    uptime_7d: float | None
    uptime_30d: float | None
    uptime_90d: float | None
    avg_response_time_24h: float | None


@dataclass(slots=True)
class Uptime:
    """Seconds of a range by what the monitor was known to be."""

    up_seconds: float = 0
    degraded_seconds: float = 0
    down_seconds: float = 0
    unknown_seconds: float = 0
    maintenance_seconds: float = 0
    paused_seconds: float = 0
    no_data_seconds: float = 0

    @property
    def watched_seconds(self) -> float:
        return self.up_seconds + self.degraded_seconds + self.down_seconds

    @property
    def percent(self) -> float | None:
        watched = self.watched_seconds
        if watched <= 0:
            return None
        return 100.0 * (self.up_seconds + self.degraded_seconds) / watched


# --- writing ----------------------------------------------------------------


@dataclass(slots=True)
class _Sums:
    check_count: int = 0
    up_count: int = 0
    degraded_count: int = 0
    unknown_count: int = 0
    maintenance_count: int = 0
    total: float = 0
    low: int | None = None
    high: int = 0

    def add(self, kind: str, response_ms: int) -> None:
        self.check_count += 1
        if kind == "up":
            self.up_count += 1
        elif kind == "degraded":
            self.degraded_count += 1
        elif kind == "unknown":
            self.unknown_count += 1
        elif kind == "maintenance":
            self.maintenance_count += 1
        self.total += response_ms
        self.low = response_ms if self.low is None else min(self.low, response_ms)
        self.high = max(self.high, response_ms)

    def row(self) -> dict:
        return {
            "check_count": self.check_count,
            "up_count": self.up_count,
            "degraded_count": self.degraded_count,
            "unknown_count": self.unknown_count,
            "maintenance_count": self.maintenance_count,
            "avg_response_time": self.total / self.check_count,
            "max_response_time": self.high,
            "min_response_time": self.low or 0,
        }


def record_results(session: Session, rows: list[CheckResult]) -> None:
    """Fold a batch of newly stored results into the rollups and refresh the
    touched monitors' figures, in the caller's transaction.

    Each result must be passed once: the counts are added, not replaced."""
    if not rows:
        return
    in_maintenance = _maintenance_lookup(session, rows)
    hourly: dict[tuple, _Sums] = defaultdict(_Sums)
    daily: dict[tuple, _Sums] = defaultdict(_Sums)
    buckets: dict[tuple, int] = defaultdict(int)
    for row in rows:
        at = _aware(row.timestamp).astimezone(UTC)
        kind = _kind(row.status)
        if in_maintenance(row.monitor_id, at):
            kind = "maintenance"
        response_ms = int(row.response_time_ms or 0)
        day = at.date()
        hour = at.replace(minute=0, second=0, microsecond=0)
        hourly[(row.monitor_id, hour, row.region)].add(kind, response_ms)
        daily[(row.monitor_id, day, row.region)].add(kind, response_ms)
        buckets[(row.monitor_id, day, row.region, bucket_of(response_ms))] += 1

    conn = session.connection()
    _upsert_sums(conn, HOURLY, ("monitor_id", "hour", "region"), hourly)
    _upsert_sums(conn, DAILY, ("monitor_id", "day", "region"), daily)
    _upsert_buckets(conn, buckets)
    _refresh_percentiles(conn, list(daily))

    newest = max(_aware(r.timestamp) for r in rows)
    refresh_monitor_figures(session, {r.monitor_id for r in rows}, now=newest)
    logger.debug("rollups recorded results=%d monitors=%d", len(rows), len(daily))


def _kind(status: str) -> str:
    return status if status in ("up", "degraded", "down") else "unknown"


def bucket_of(response_ms: float) -> int:
    """The histogram bucket of a response time: 0 for 0 ms, then buckets of
    relative width ``BUCKET_GAMMA``."""
    if response_ms <= 0:
        return 0
    return 1 + max(0, math.ceil(math.log(response_ms) / math.log(BUCKET_GAMMA)))


def bucket_value(bucket: int) -> float:
    """The value that stands for every response time in ``bucket``."""
    if bucket <= 0:
        return 0.0
    upper = BUCKET_GAMMA ** (bucket - 1)
    return 2 * upper / (BUCKET_GAMMA + 1)


def _insert(conn: sa.Connection, table: sa.Table):
    if conn.dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def _least(conn: sa.Connection, a, b):
    # SQLite's two-argument min() is a scalar function; PostgreSQL has least().
    return (
        sa.func.least(a, b) if conn.dialect.name == "postgresql" else sa.func.min(a, b)
    )


def _greatest(conn: sa.Connection, a, b):
    if conn.dialect.name == "postgresql":
        return sa.func.greatest(a, b)
    return sa.func.max(a, b)


def _upsert_sums(conn, table: sa.Table, key: tuple[str, ...], sums: dict) -> None:
    # One statement, executed for many parameter sets: compiled once and
    # cached, where a multi-row VALUES would be compiled anew for every batch.
    values = [dict(zip(key, k, strict=True), **s.row()) for k, s in sums.items()]
    stmt = _insert(conn, table)
    new = stmt.excluded
    c = table.c
    counts = {
        name: c[name] + new[name]
        for name in (
            "check_count",
            "up_count",
            "degraded_count",
            "unknown_count",
            "maintenance_count",
        )
    }
    average = (
        c.avg_response_time * c.check_count + new.avg_response_time * new.check_count
    ) / (c.check_count + new.check_count)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={
            **counts,
            "avg_response_time": average,
            "max_response_time": _greatest(
                conn, c.max_response_time, new.max_response_time
            ),
            "min_response_time": _least(
                conn, c.min_response_time, new.min_response_time
            ),
        },
    )
    conn.execute(stmt, values)


def _upsert_buckets(conn, buckets: dict[tuple, int]) -> None:
    names = ("monitor_id", "day", "region", "bucket")
    values = [
        dict(zip(names, k, strict=True), count=n) for k, n in sorted(buckets.items())
    ]
    stmt = _insert(conn, BUCKETS)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(names),
        set_={"count": BUCKETS.c.count + stmt.excluded.count},
    )
    conn.execute(stmt, values)


def _refresh_percentiles(conn, keys: list[tuple]) -> None:
    """Store the percentiles of the touched (monitor, day, region) keys.

    The database walks each histogram (a running sum per key, in bucket
    order) and answers only the bucket of each percentile, so a batch reads
    three numbers per key rather than its whole histogram. Integer
    arithmetic (cum * 100 >= p * total) keeps the nearest rank exact on
    both databases."""
    wanted = set(keys)
    b = BUCKETS.c
    key = (b.monitor_id, b.day, b.region)
    walk = (
        sa.select(
            *key,
            b.bucket,
            sa.func.sum(b.count)
            .over(partition_by=key, order_by=b.bucket, rows=(None, 0))
            .label("cum"),
            sa.func.sum(b.count).over(partition_by=key).label("total"),
        )
        .where(
            b.monitor_id.in_(sorted({k[0] for k in keys})),
            b.day.in_(sorted({k[1] for k in keys})),
        )
        .subquery()
    )
    w = walk.c
    picks = [
        sa.func.min(sa.case((w.cum * 100 >= percent * w.total, w.bucket)))
        for percent in PERCENT_RANKS
    ]
    query = sa.select(w.monitor_id, w.day, w.region, *picks).group_by(
        w.monitor_id, w.day, w.region
    )

    updates = []
    for monitor_id, day, region, *found in conn.execute(query):
        if (monitor_id, day, region) not in wanted:
            continue
        p50, p95, p99 = (round(bucket_value(x), 3) for x in found)
        updates.append(
            {
                "k_monitor": monitor_id,
                "k_day": day,
                "k_region": region,
                "v_p50": p50,
                "v_p95": p95,
                "v_p99": p99,
            }
        )
    if updates:
        stmt = (
            DAILY.update()
            .where(
                DAILY.c.monitor_id == sa.bindparam("k_monitor"),
                DAILY.c.day == sa.bindparam("k_day"),
                DAILY.c.region == sa.bindparam("k_region"),
            )
            .values(
                p50_response_time=sa.bindparam("v_p50"),
                p95_response_time=sa.bindparam("v_p95"),
                p99_response_time=sa.bindparam("v_p99"),
            )
        )
        conn.execute(stmt, updates)


def histogram_percentiles(
    counts: list[tuple[int, int]], quantiles: Iterable[float]
) -> list[float | None]:
    """Percentiles by nearest rank (the ceil(q * n)-th smallest value) from
    (bucket, count) pairs sorted by bucket."""
    total = sum(n for _, n in counts)
    out: list[float | None] = []
    for q in quantiles:
        if total == 0:
            out.append(None)
            continue
        # ceil(q * n) without float error for percentiles such as 0.95.
        rank = max(1, -(-round(q * 10_000) * total // 10_000))
        seen = 0
        for bucket, n in counts:
            seen += n
            if seen >= rank:
                out.append(round(bucket_value(bucket), 3))
                break
    return out


def _maintenance_lookup(
    session: Session, rows: list[CheckResult]
) -> Callable[[int, datetime], bool]:
    """A cheap ``(monitor_id, at) -> in maintenance`` for one batch: the
    organizations' windows are read once, then expanded in memory with
    isup_app.core.maintenance's own rules."""
    orgs = sorted({r.organization_id for r in rows})
    windows = session.exec(
        select(MaintenanceWindow).where(MaintenanceWindow.organization_id.in_(orgs))
    )
    by_org: dict[str, list] = defaultdict(list)
    for window in windows:
        by_org[window.organization_id].append(window)
    if not by_org:
        return lambda _monitor_id, _at: False

    org_of = {r.monitor_id: r.organization_id for r in rows}

    def lookup(monitor_id: int, at: datetime) -> bool:
        for window in by_org.get(org_of[monitor_id], ()):
            if window.monitor_ids and monitor_id not in window.monitor_ids:
                continue
            for start, end in occurrences(window, at, at):
                if start <= at < end:
                    return True
        return False

    return lookup


# --- monitor figures ----------------------------------------------------------


def refresh_monitor_figures(
    session: Session, monitor_ids: Iterable[int], *, now: datetime
) -> None:
    """Store each monitor's uptime over 24 h, 7 and 30 days and its average
    response time over 24 h on its row (the dashboard reads these)."""
    ids = sorted(set(monitor_ids))
    if not ids:
        return
    summaries = uptime_summary(session, ids, now)
    updates = [
        {
            "k_id": monitor_id,
            "v_24h": s.uptime_24h,
            "v_7d": s.uptime_7d,
            "v_30d": s.uptime_30d,
            "v_avg": s.avg_response_time_24h,
        }
        for monitor_id, s in summaries.items()
    ]
    stmt = (
        MONITORS.update()
        .where(MONITORS.c.id == sa.bindparam("k_id"))
        .values(
            uptime_percent_24h=sa.bindparam("v_24h"),
            uptime_percent_7d=sa.bindparam("v_7d"),
            uptime_percent_30d=sa.bindparam("v_30d"),
            avg_response_time_24h=sa.bindparam("v_avg"),
        )
    )
    session.connection().execute(stmt, updates)


# --- reading from rollups -------------------------------------------------------


def _percent(available: int, known: int) -> float | None:
    return None if known <= 0 else 100.0 * available / known


def _known(table: sa.Table):
    c = table.c
    return c.check_count - c.unknown_count - c.maintenance_count


def uptime_summary(
    session: Session, monitor_ids: Iterable[int], now: datetime
) -> dict[int, UptimeSummary]:
    """Uptime over the last 24 hours (hourly rollups: the current hour and
    the 23 before it) and the last 7, 30 and 90 days (daily rollups: today
    and the days before it), for every monitor asked for."""
    ids = sorted(set(monitor_ids))
    if not ids:
        return {}
    conn = session.connection()
    first_hour = _floor_hour(now) - timedelta(hours=23)
    c = HOURLY.c
    hours = conn.execute(
        sa.select(
            c.monitor_id,
            sa.func.sum(c.up_count + c.degraded_count),
            sa.func.sum(_known(HOURLY)),
            sa.func.sum(c.avg_response_time * c.check_count),
            sa.func.sum(c.check_count),
        )
        .where(c.monitor_id.in_(ids), c.hour >= first_hour)
        .group_by(c.monitor_id)
    )
    day_figures = {m: (a, k, t, n) for m, a, k, t, n in hours}

    today = _aware(now).date()
    d = DAILY.c
    spans = (7, 30, 90)
    columns = []
    for span in spans:
        recent = d.day >= today - timedelta(days=span - 1)
        columns.append(
            sa.func.sum(sa.case((recent, d.up_count + d.degraded_count), else_=0))
        )
        columns.append(sa.func.sum(sa.case((recent, _known(DAILY)), else_=0)))
    days = conn.execute(
        sa.select(d.monitor_id, *columns)
        .where(d.monitor_id.in_(ids), d.day >= today - timedelta(days=max(spans) - 1))
        .group_by(d.monitor_id)
    )
    long_figures = {row[0]: row[1:] for row in days}

    out = {}
    for monitor_id in ids:
        available, known, total, count = day_figures.get(monitor_id, (0, 0, 0, 0))
        longs = long_figures.get(monitor_id, (0,) * 6)
        out[monitor_id] = UptimeSummary(
            uptime_24h=_percent(available or 0, known or 0),
            uptime_7d=_percent(longs[0] or 0, longs[1] or 0),
            uptime_30d=_percent(longs[2] or 0, longs[3] or 0),
            uptime_90d=_percent(longs[4] or 0, longs[5] or 0),
            avg_response_time_24h=(total / count) if count else None,
        )
    return out


def rollup_uptime(
    session: Session, monitor_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, float | None]:
    """Uptime percent over [start, end) from the rollups, by counted checks:
    hourly rows (whole hours that start in the range) for ranges up to 7 days,
    daily rows (whole days) beyond. For seconds, use ``exact_uptime``."""
    ids = sorted(set(monitor_ids))
    if end - start <= timedelta(days=7):
        table = HOURLY
        within = [HOURLY.c.hour >= _floor_hour(start), HOURLY.c.hour < end]
    else:
        table = DAILY
        last = (_aware(end) - timedelta(microseconds=1)).date()
        within = [DAILY.c.day >= _aware(start).date(), DAILY.c.day <= last]
    c = table.c
    query = (
        sa.select(
            c.monitor_id,
            sa.func.sum(c.up_count + c.degraded_count),
            sa.func.sum(_known(table)),
        )
        .where(c.monitor_id.in_(ids), *within)
        .group_by(c.monitor_id)
    )
    rows = session.connection().execute(query)
    found = {m: _percent(a or 0, k or 0) for m, a, k in rows}
    return {m: found.get(m) for m in ids}


def daily_bars(
    session: Session,
    monitor_ids: Iterable[int],
    *,
    days: int = 90,
    now: datetime,
) -> dict[int, list[DayBar]]:
    """The last ``days`` days (UTC, oldest first, today last) of each monitor.

    A day's state, worst first: major outage (more than ``MAJOR_OUTAGE_SHARE``
    of its known checks down), partial outage (some down), maintenance (some
    of it in a maintenance window), degraded (some checks slow), operational;
    no data when nothing was known that day (before the monitor existed, the
    checker stopped, paused). Uptime is None when nothing was known.

    The grid of monitors and days is computed with Polars in one pass: 1,000
    monitors' 90 days are 90,000 bars."""
    ids = sorted(set(monitor_ids))
    if not ids:
        return {}
    with _collector_paused():
        return _daily_bars(session, ids, days, now)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while tens of thousands of
    acyclic rows and tuples are made: its passes over a large process heap
    took more time than the work itself (measured in benchmarks/history.py).
    Nothing made here forms cycles; reference counting frees it all."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _daily_bars(session, ids: list[int], days: int, now: datetime):
    conn = session.connection()
    today = _aware(now).date()
    first = today - timedelta(days=days - 1)

    born = conn.execute(
        sa.select(MONITORS.c.id, MONITORS.c.created_at).where(MONITORS.c.id.in_(ids))
    ).all()
    sums = _daily_figures(conn, ids, first, today)
    incidents = _incidents_by_day(conn, ids, first, now)
    maintenance_days = _maintenance_days(session, ids, first, today)

    grid = _bar_grid(ids, born, sums, maintenance_days, first, days)
    dates = [first + timedelta(days=n) for n in range(days)] * len(ids)
    states = [_STATE_CODES[code] for code in grid["state"].to_list()]
    columns = [grid[c].to_list() for c in ("uptime", "checks", "down")]
    # tuple.__new__ is what DayBar._make does, without a Python frame a bar.
    make = partial(tuple.__new__, DayBar)
    bars = list(
        map(make, zip(dates, states, *columns, repeat(0), repeat(()), strict=False))
    )
    position = {m: i for i, m in enumerate(ids)}
    for (monitor_id, day), incident_ids in incidents.items():
        index = position[monitor_id] * days + (day - first).days
        if 0 <= (day - first).days < days:
            bars[index] = bars[index]._replace(
                incident_count=len(incident_ids), incident_ids=tuple(incident_ids)
            )
    return {m: bars[i * days : (i + 1) * days] for i, m in enumerate(ids)}


# A bar's state as a small integer in the grid, worst last.
_STATE_CODES = (
    BarState.NO_DATA,
    BarState.OPERATIONAL,
    BarState.DEGRADED,
    BarState.MAINTENANCE,
    BarState.PARTIAL_OUTAGE,
    BarState.MAJOR_OUTAGE,
)
_CODE = {state: code for code, state in enumerate(_STATE_CODES)}


def _daily_figures(conn, ids: list[int], first: date, today: date) -> pl.DataFrame:
    """The daily rollups of ``ids`` from ``first`` to ``today``, summed over
    regions, as a DataFrame: ``monitor_id``, ``offset`` (days since
    ``first``), ``available``, ``known``, ``checks``, ``degraded`` and
    ``maint`` (whether any check was degraded or in maintenance).

    Read through the driver's own cursor, six integers a row (the day as an
    offset computed by the database, the flags folded into one), and summed
    by Polars: tens of thousands of rows cost several times more through
    SQLAlchemy's row objects and date conversions, and SQLite's GROUP BY.
    Every bound value is an integer or a date, so inlining them is safe."""
    d = DAILY.c
    if conn.dialect.name == "sqlite":
        offset = sa.cast(
            sa.func.julianday(d.day) - sa.func.julianday(first.isoformat()),
            sa.Integer,
        )
    else:
        offset = d.day - sa.cast(sa.literal(first.isoformat()), sa.Date)
    flags = sa.case((d.degraded_count > 0, 1), else_=0) + sa.case(
        (d.maintenance_count > 0, 2), else_=0
    )
    query = sa.select(
        d.monitor_id,
        offset,
        d.up_count + d.degraded_count,
        _known(DAILY),
        d.check_count,
        flags,
    ).where(d.monitor_id.in_([int(m) for m in ids]), d.day >= first, d.day <= today)
    sql = str(
        query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    names = ["monitor_id", "offset", "available", "known", "checks", "flags"]
    frame = pl.DataFrame(rows, schema={name: pl.Int64 for name in names}, orient="row")
    return frame.group_by("monitor_id", "offset").agg(
        pl.col("available").sum(),
        pl.col("known").sum(),
        pl.col("checks").sum(),
        (pl.col("flags") % 2).max().alias("degraded"),
        (pl.col("flags") // 2).max().alias("maint"),
    )


def _bar_grid(ids, born, sums, maintenance_days, first: date, days: int):
    """One row per monitor and day (monitor order, then day order, so row
    ``i * days + n`` is monitor ``ids[i]`` on day ``first + n``) with the
    day's state code (``_STATE_CODES``), uptime, check count and down count."""
    position = {m: i for i, m in enumerate(ids)}
    born_offset = [days] * len(ids)  # a monitor not found is never watched
    for monitor_id, created in born:
        born_offset[position[monitor_id]] = (_aware(created).date() - first).days
    windows = sorted(
        position[m] * days + (day - first).days
        for m, day in maintenance_days
        if m in position and 0 <= (day - first).days < days
    )
    positions = pl.DataFrame(
        {"monitor_id": ids, "pos": range(len(ids))},
        schema={"monitor_id": pl.Int64, "pos": pl.Int64},
    )
    figures = sums.join(positions, on="monitor_id").select(
        (pl.col("pos") * days + pl.col("offset")).alias("idx"),
        "available",
        "known",
        "checks",
        "degraded",
        "maint",
    )
    total = len(ids) * days
    grid = pl.DataFrame({"idx": pl.int_range(total, eager=True)}).join(
        figures, on="idx", how="left"
    )
    born_at = pl.Series(born_offset, dtype=pl.Int64)
    grid = grid.with_columns(
        born_at.gather(grid["idx"] // days).alias("born"),
        (pl.col("idx") % days).alias("offset"),
        pl.col("idx").is_in(pl.Series(windows, dtype=pl.Int64)).alias("window"),
    )
    watched = pl.col("offset") >= pl.col("born")
    zero = pl.lit(0, dtype=pl.Int64)
    available, known, checks = (
        pl.when(watched).then(pl.col(c).fill_null(0)).otherwise(zero)
        for c in ("available", "known", "checks")
    )
    down = known - available
    maintenance = watched & ((pl.col("maint").fill_null(0) > 0) | pl.col("window"))
    degraded = pl.col("degraded").fill_null(0) > 0
    code = pl.lit
    state = (
        pl.when(known <= 0)
        .then(
            pl.when(maintenance)
            .then(code(_CODE[BarState.MAINTENANCE]))
            .otherwise(code(_CODE[BarState.NO_DATA]))
        )
        .when(down > MAJOR_OUTAGE_SHARE * known)
        .then(code(_CODE[BarState.MAJOR_OUTAGE]))
        .when(down > 0)
        .then(code(_CODE[BarState.PARTIAL_OUTAGE]))
        .when(maintenance)
        .then(code(_CODE[BarState.MAINTENANCE]))
        .when(degraded)
        .then(code(_CODE[BarState.DEGRADED]))
        .otherwise(code(_CODE[BarState.OPERATIONAL]))
    )
    uptime = pl.when(known > 0).then(100.0 * available / known)
    return grid.select(
        state.alias("state"),
        uptime.alias("uptime"),
        checks.alias("checks"),
        down.alias("down"),
    )


def _incidents_by_day(conn, ids: list[int], first: date, now: datetime) -> dict:
    start = datetime.combine(first, time(), UTC)
    i = Incident.__table__.c
    rows = conn.execute(
        sa.select(i.id, i.monitor_id, i.started_at, i.ended_at)
        .where(
            i.monitor_id.in_(ids),
            i.started_at <= now,
            sa.or_(i.ended_at.is_(None), i.ended_at >= start),
        )
        .order_by(i.started_at)
    )
    by_day: dict[tuple[int, date], list[int]] = defaultdict(list)
    for incident_id, monitor_id, started, ended in rows:
        day = max(_aware(started).date(), first)
        last = _aware(ended or now).date()
        while day <= last:
            by_day[(monitor_id, day)].append(incident_id)
            day += timedelta(days=1)
    return by_day


def _maintenance_days(
    session: Session, ids: list[int], first: date, today: date
) -> set[tuple[int, date]]:
    """Days on which a window covered a monitor, whether or not it was
    checked then."""
    conn = session.connection()
    m = MONITORS.c
    query = sa.select(m.id, m.organization_id).where(m.id.in_(ids))
    orgs = {monitor_id: org for monitor_id, org in conn.execute(query)}
    windows = session.exec(
        select(MaintenanceWindow).where(
            MaintenanceWindow.organization_id.in_(sorted(set(orgs.values())))
        )
    ).all()
    if not windows:
        return set()
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(today + timedelta(days=1), time(), UTC)
    out = set()
    for window in windows:
        spans = list(occurrences(window, start, end))
        targets = window.monitor_ids or [
            mid for mid, org in orgs.items() if org == window.organization_id
        ]
        for monitor_id in targets:
            if orgs.get(monitor_id) != window.organization_id:
                continue
            for s, e in spans:
                day = max(s, start).date()
                while datetime.combine(day, time(), UTC) < min(e, end):
                    out.add((monitor_id, day))
                    day += timedelta(days=1)
    return out


# --- exact uptime from raw results --------------------------------------------------


def exact_uptime(
    session: Session,
    monitor: Monitor,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
) -> Uptime:
    """Seconds of [start, end) by state, from raw results (kept 90 days).

    Each result's state lasts until the next result of its region, or for one
    interval when that is more than ``GAP_INTERVALS`` intervals away; the rest
    of such a gap is unknown. Time before the monitor was created and after
    ``now`` is no data; maintenance windows are maintenance whatever the
    results say; after the last result of a monitor that is paused now, the
    time is paused. With several regions, each region's seconds are added up."""
    from isup_app.core.maintenance import maintenance_intervals

    start, end, now = _aware(start), _aware(end), _aware(now)
    out = Uptime()
    born = _aware(monitor.created_at)
    watch_start = max(start, born)
    watch_end = min(end, now)
    if watch_end <= watch_start:
        out.no_data_seconds = (end - start).total_seconds()
        return out

    interval = timedelta(seconds=monitor.interval_seconds)
    gap = interval * GAP_INTERVALS
    r = RESULTS.c
    rows = session.connection().execute(
        sa.select(r.region, r.timestamp, r.status)
        .where(
            r.monitor_id == monitor.id,
            r.timestamp >= watch_start - gap,
            r.timestamp < watch_end,
        )
        .order_by(r.region, r.timestamp)
    )
    by_region: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for region, at, status in rows:
        by_region[region].append((_aware(at), _kind(status)))
    maintenance = maintenance_intervals(session, monitor, watch_start, watch_end)
    paused = monitor.status == MonitorStatus.PAUSED

    regions = by_region or {"": []}
    outside = (watch_start - start) + (end - watch_end)
    out.no_data_seconds = outside.total_seconds() * len(regions)
    for events in regions.values():
        _add_region(out, events, watch_start, watch_end, interval, gap, maintenance)
        if paused and events:
            tail_start = max(events[-1][0] + interval, watch_start)
            if tail_start < watch_end:
                tail = _without(tail_start, watch_end, maintenance)
                out.unknown_seconds -= tail
                out.paused_seconds += tail
    return out


def _add_region(out: Uptime, events, lo, hi, interval, gap, maintenance) -> None:
    covered = 0.0
    for index, (at, kind) in enumerate(events):
        following = events[index + 1][0] if index + 1 < len(events) else None
        until = following if following and following - at <= gap else at + interval
        s, e = max(at, lo), min(until, hi)
        if s >= e:
            continue
        seconds = _without(s, e, maintenance)
        covered += seconds
        if kind == "up":
            out.up_seconds += seconds
        elif kind == "degraded":
            out.degraded_seconds += seconds
        elif kind == "down":
            out.down_seconds += seconds
        else:
            covered -= seconds  # an unknown result: left to unknown below
    in_maintenance = sum((e - s).total_seconds() for s, e in maintenance)
    out.maintenance_seconds += in_maintenance
    out.unknown_seconds += (hi - lo).total_seconds() - in_maintenance - covered


def _without(s: datetime, e: datetime, spans: list[tuple[datetime, datetime]]) -> float:
    """Seconds of [s, e) outside the sorted, merged ``spans``."""
    seconds = (e - s).total_seconds()
    for ms, me in spans:
        overlap = (min(e, me) - max(s, ms)).total_seconds()
        if overlap > 0:
            seconds -= overlap
    return seconds


# --- helpers ------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _floor_hour(value: datetime) -> datetime:
    return _aware(value).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
