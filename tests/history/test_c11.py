"""C11: no data is not uptime."""

from datetime import UTC, date, datetime, timedelta

from isup_app.core import history
from tests.factories import make_monitor
from tests.history.conftest import every, write_results

CREATED = datetime(2021, 1, 29, 10, 0, tzinfo=UTC)
NOW = CREATED + timedelta(hours=3)


def _c11(session):
    """One up check at creation, the checker stopped for two hours, then
    checks every minute again for the last hour."""
    monitor = make_monitor(session, created_at=CREATED)
    resumed = CREATED + timedelta(hours=2)
    checks = [(CREATED, "up", 90)]
    checks += [(at, "up", 90) for at in every(resumed, NOW, 60)]
    write_results(session, monitor, checks)
    return monitor


def test_days_before_creation_show_no_data_not_full_uptime(session):
    monitor = _c11(session)

    bars = history.daily_bars(session, [monitor.id], days=90, now=NOW)[monitor.id]

    assert len(bars) == 90
    assert bars[-1].date == date(2021, 1, 29)
    assert bars[-1].state == history.BarState.OPERATIONAL
    assert bars[-1].uptime_percent == 100.0
    for bar in bars[:-1]:
        assert bar.state == history.BarState.NO_DATA
        assert bar.uptime_percent is None


def test_months_before_creation_have_no_uptime(session):
    monitor = _c11(session)
    december = datetime(2020, 12, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)

    rollup = history.rollup_uptime(session, [monitor.id], *december)
    exact = history.exact_uptime(session, monitor, *december, now=NOW)

    assert rollup[monitor.id] is None
    assert exact.percent is None
    assert exact.no_data_seconds == 31 * 86400


def test_the_two_stopped_hours_are_unknown_and_left_out_of_uptime(session):
    monitor = _c11(session)
    day = datetime(2021, 1, 29, tzinfo=UTC)

    got = history.exact_uptime(session, monitor, day, NOW, now=NOW)

    # The check at 10:00 stands for one interval; the rest of the gap to the
    # next check at 12:00 is unknown.
    assert got.no_data_seconds == 10 * 3600
    assert got.up_seconds == 60 + 3600
    assert got.unknown_seconds == 2 * 3600 - 60
    assert got.down_seconds == 0
    assert got.percent == 100.0


def test_the_summary_counts_only_watched_checks(session):
    monitor = _c11(session)

    got = history.uptime_summary(session, [monitor.id], NOW)[monitor.id]
    session.refresh(monitor)

    assert got.uptime_24h == got.uptime_90d == 100.0
    assert monitor.uptime_percent_30d == 100.0
