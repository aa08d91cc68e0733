"""The rollups, kept by upserts batch after batch, equal the same figures
computed directly from the raw results."""

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import sqlalchemy as sa

from isup_app.core import history
from isup_app.core.models import CheckResult, CheckResultDaily, CheckResultHourly
from tests.factories import make_monitor
from tests.history.conftest import every, write_results

START = datetime(2026, 5, 3, 22, 30, tzinfo=UTC)


def _history(session, seed: int = 7):
    """Two monitors, two regions, three hours over midnight of mixed verdicts and
    response times, written in uneven batches so that rows are merged."""
    rng = random.Random(seed)
    monitors = [make_monitor(session, name=f"m{i}", created_at=START) for i in (1, 2)]
    for monitor in monitors:
        for region in ("eu", "us"):
            checks = []
            for at in every(START, START + timedelta(hours=3), 45):
                status = rng.choices(
                    ["up", "degraded", "down", "unknown"], [80, 8, 10, 2]
                )[0]
                response = rng.choice([0, rng.randint(1, 40), rng.randint(40, 9000)])
                checks.append(
                    (at + timedelta(seconds=rng.randint(0, 9)), status, response)
                )
            write_results(
                session, monitor, checks, region=region, batch=rng.randint(7, 90)
            )
    return monitors


def _raw(session) -> pl.DataFrame:
    r = CheckResult.__table__.c
    rows = session.connection().execute(
        sa.select(r.monitor_id, r.region, r.timestamp, r.status, r.response_time_ms)
    )
    frame = pl.DataFrame(
        [tuple(row) for row in rows],
        schema=["monitor_id", "region", "timestamp", "status", "response"],
        orient="row",
    )
    return frame.with_columns(
        pl.col("timestamp").dt.replace_time_zone(None).dt.truncate("1h").alias("hour"),
        pl.col("timestamp").dt.date().alias("day"),
    )


def _figures(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(
            pl.len().alias("check_count"),
            (pl.col("status") == "up").sum().alias("up_count"),
            (pl.col("status") == "degraded").sum().alias("degraded_count"),
            (pl.col("status") == "unknown").sum().alias("unknown_count"),
            pl.col("response").mean().alias("avg_response_time"),
            pl.col("response").max().alias("max_response_time"),
            pl.col("response").min().alias("min_response_time"),
        )
        .sort(by)
    )


def _stored(session, table, by: list[str]) -> pl.DataFrame:
    t = table.__table__.c
    columns = [
        "check_count",
        "up_count",
        "degraded_count",
        "unknown_count",
        "avg_response_time",
        "max_response_time",
        "min_response_time",
    ]
    rows = session.connection().execute(sa.select(*(t[c] for c in by + columns)))
    frame = pl.DataFrame([tuple(r) for r in rows], schema=by + columns, orient="row")
    if "hour" in by:
        frame = frame.with_columns(pl.col("hour").dt.replace_time_zone(None))
    return frame.sort(by)


def _same(expected: pl.DataFrame, got: pl.DataFrame) -> None:
    assert got.height == expected.height
    for column in expected.columns:
        want, have = expected[column].to_list(), got[column].to_list()
        if column == "avg_response_time":
            assert have == pytest.approx(want, rel=1e-9)
        else:
            assert have == want, column


def test_hourly_rollups_equal_the_figures_of_the_raw_results(session):
    _history(session)
    by = ["monitor_id", "hour", "region"]

    _same(_figures(_raw(session), by), _stored(session, CheckResultHourly, by))


def test_daily_rollups_equal_the_figures_of_the_raw_results(session):
    _history(session)
    by = ["monitor_id", "day", "region"]

    _same(_figures(_raw(session), by), _stored(session, CheckResultDaily, by))


def test_daily_percentiles_are_within_the_sketch_error_of_the_exact_ones(session):
    _history(session)
    bound = (history.BUCKET_GAMMA - 1) / (history.BUCKET_GAMMA + 1) + 1e-9
    raw = _raw(session)
    d = CheckResultDaily.__table__.c
    rows = (
        session.connection()
        .execute(
            sa.select(
                d.monitor_id,
                d.day,
                d.region,
                d.p50_response_time,
                d.p95_response_time,
                d.p99_response_time,
            )
        )
        .all()
    )

    assert len(rows) == 8
    for monitor_id, day, region, *stored in rows:
        values = sorted(
            raw.filter(
                (pl.col("monitor_id") == monitor_id)
                & (pl.col("day") == day)
                & (pl.col("region") == region)
            )["response"].to_list()
        )
        for percent, got in zip((50, 95, 99), stored, strict=True):
            # Nearest rank: the ceil(p% of n)-th smallest value.
            exact = values[-(-percent * len(values) // 100) - 1]
            assert abs(got - exact) <= bound * exact + 1e-3, (percent, got, exact)


def test_results_in_a_maintenance_window_are_counted_apart(session):
    from isup_app.core.maintenance import create_window

    monitor = make_monitor(session, created_at=START)
    create_window(
        session,
        monitor.organization_id,
        title="Nightly",
        starts_at=START,
        ends_at=START + timedelta(minutes=10),
        recurrence="daily",
        monitor_ids=[monitor.id],
    )
    checks = [(at, "down", 5) for at in every(START, START + timedelta(minutes=20), 60)]
    write_results(session, monitor, checks)

    row = session.get(CheckResultHourly, (monitor.id, START.replace(minute=0), "local"))

    assert (row.check_count, row.maintenance_count, row.up_count) == (20, 10, 0)
    assert history.rollup_uptime(
        session, [monitor.id], START, START + timedelta(hours=1)
    ) == {monitor.id: 0.0}
