"""Uptime over watched time: exact seconds from raw results, and the rollup
figures that stand for them over long ranges."""

from datetime import UTC, datetime, timedelta

import pytest

from isup_app.core import history
from isup_app.core.maintenance import create_window
from isup_app.core.models import MonitorStatus
from tests.factories import make_monitor
from tests.history.conftest import every, write_results

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def _outage_day(session):
    """Checks every 60 s at :17 from the evening before to the morning after;
    down from 10:00:17, a retry at 10:00:47 still down, recovered by a retry
    at 10:42:50."""
    monitor = make_monitor(session, created_at=DAY - timedelta(days=2))
    times = every(DAY - timedelta(hours=1, seconds=-17), DAY + timedelta(hours=25), 60)
    down_from = DAY + timedelta(hours=10, seconds=17)
    back_at = DAY + timedelta(hours=10, minutes=42, seconds=50)
    checks = [
        (
            at,
            "down" if down_from <= at < back_at else "up",
            0 if down_from <= at < back_at else 120,
        )
        for at in times
    ]
    checks += [(down_from + timedelta(seconds=30), "down", 0), (back_at, "up", 130)]
    checks.sort()
    write_results(session, monitor, checks)
    return monitor, (back_at - down_from).total_seconds()


def test_a_day_with_a_known_outage_gives_the_exact_uptime_to_the_second(session):
    monitor, down_seconds = _outage_day(session)

    got = history.exact_uptime(
        session, monitor, DAY, DAY + timedelta(days=1), now=DAY + timedelta(days=2)
    )

    assert down_seconds == 2553
    assert got.down_seconds == 2553
    assert got.up_seconds == 86400 - 2553
    assert got.unknown_seconds == 0
    assert got.percent == pytest.approx(100 * (86400 - 2553) / 86400, abs=1e-9)


def test_exact_uptime_of_part_of_a_day_cuts_at_the_range_edges(session):
    monitor, _ = _outage_day(session)
    start = DAY + timedelta(hours=10, minutes=30)

    got = history.exact_uptime(
        session, monitor, start, start + timedelta(hours=1), now=DAY + timedelta(days=2)
    )

    assert got.down_seconds == 12 * 60 + 50
    assert got.up_seconds == 3600 - (12 * 60 + 50)


def test_maintenance_is_left_out_of_uptime_and_shown_as_such(session):
    monitor = make_monitor(session, created_at=DAY - timedelta(days=1))
    start, end = DAY + timedelta(hours=2), DAY + timedelta(hours=3)
    create_window(
        session, monitor.organization_id, title="Upgrade", starts_at=start, ends_at=end
    )
    checks = [
        (at, "down" if start <= at < end else "up", 100)
        for at in every(DAY, DAY + timedelta(days=1), 60)
    ]
    write_results(session, monitor, checks)

    got = history.exact_uptime(
        session, monitor, DAY, DAY + timedelta(days=1), now=DAY + timedelta(days=2)
    )
    bars = history.daily_bars(
        session, [monitor.id], days=1, now=DAY + timedelta(hours=23)
    )

    assert got.maintenance_seconds == 3600
    assert got.down_seconds == 0
    assert got.percent == 100.0
    assert bars[monitor.id][0].state == history.BarState.MAINTENANCE
    assert bars[monitor.id][0].uptime_percent == 100.0


def test_time_after_the_last_check_of_a_paused_monitor_counts_as_paused(session):
    monitor = make_monitor(session, created_at=DAY)
    write_results(
        session,
        monitor,
        [(at, "up", 80) for at in every(DAY, DAY + timedelta(hours=1), 60)],
    )
    monitor.status = MonitorStatus.PAUSED
    session.add(monitor)
    session.commit()

    got = history.exact_uptime(
        session, monitor, DAY, DAY + timedelta(hours=3), now=DAY + timedelta(hours=3)
    )

    assert got.up_seconds == 3600
    assert got.paused_seconds == 2 * 3600
    assert got.unknown_seconds == 0
    assert got.percent == 100.0


def test_unknown_results_count_on_neither_side(session):
    monitor = make_monitor(session, created_at=DAY)
    checks = [(DAY, "up", 50), (DAY + timedelta(seconds=60), "unknown", 0)]
    checks += [(DAY + timedelta(seconds=120), "down", 0)]
    write_results(session, monitor, checks)

    got = history.exact_uptime(
        session, monitor, DAY, DAY + timedelta(seconds=180), now=DAY + timedelta(days=1)
    )
    rollup = history.rollup_uptime(session, [monitor.id], DAY, DAY + timedelta(hours=1))

    assert (got.up_seconds, got.unknown_seconds, got.down_seconds) == (60, 60, 60)
    assert got.percent == 50.0
    assert rollup[monitor.id] == 50.0


def test_rollup_uptime_matches_exact_uptime_for_steady_checks(session):
    monitor, _ = _outage_day(session)
    # Whole-minute checks stand for whole minutes: 43 of the day's 1441 counted
    # checks (one retry at 10:00:47) were down.
    rollup = history.rollup_uptime(
        session, [monitor.id], DAY - timedelta(days=3), DAY + timedelta(days=1)
    )
    exact = history.exact_uptime(
        session, monitor, DAY, DAY + timedelta(days=1), now=DAY + timedelta(days=2)
    )

    assert rollup[monitor.id] == pytest.approx(exact.percent, abs=0.1)


def test_monitor_figures_are_current_after_each_batch(session):
    monitor = make_monitor(session, created_at=DAY)
    ups = [(at, "up", 200) for at in every(DAY, DAY + timedelta(minutes=30), 60)]
    write_results(session, monitor, ups)
    session.refresh(monitor)
    assert monitor.uptime_percent_24h == 100.0
    assert monitor.avg_response_time_24h == 200.0

    start = DAY + timedelta(minutes=30)
    downs = [(at, "down", 0) for at in every(start, start + timedelta(minutes=10), 60)]
    write_results(session, monitor, downs)
    session.refresh(monitor)

    assert monitor.uptime_percent_24h == pytest.approx(75.0)
    assert monitor.uptime_percent_7d == pytest.approx(75.0)
    assert monitor.uptime_percent_30d == pytest.approx(75.0)
    assert monitor.avg_response_time_24h == pytest.approx(150.0)


def test_uptime_summary_spans_are_separate(session):
    now = DAY + timedelta(hours=12)
    monitor = make_monitor(session, created_at=now - timedelta(days=60))
    old = now - timedelta(days=40)
    week = now - timedelta(days=5)
    checks = [(at, "down", 0) for at in every(old, old + timedelta(minutes=10), 60)]
    checks += [(at, "up", 10) for at in every(week, week + timedelta(minutes=10), 60)]
    checks += [(at, "up", 10) for at in every(now - timedelta(hours=1), now, 60)]
    write_results(session, monitor, checks)

    got = history.uptime_summary(session, [monitor.id], now)[monitor.id]

    assert got.uptime_24h == 100.0
    assert got.uptime_7d == 100.0
    assert got.uptime_30d == 100.0
    assert got.uptime_90d == pytest.approx(100 * 70 / 80)
