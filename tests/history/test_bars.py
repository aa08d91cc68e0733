"""Daily bars: one state per day, uptime and incidents for the tooltip."""

from datetime import UTC, datetime, timedelta

import pytest

from isup_app.core import history
from isup_app.core.history import BarState
from isup_app.core.models import Incident
from tests.factories import make_monitor
from tests.history.conftest import every, write_results

DAY = datetime(2026, 7, 1, tzinfo=UTC)
NOW = DAY + timedelta(hours=20)


def _day_of(session, statuses: list[str]):
    """A monitor whose day (today, DAY) had these checks, a minute apart."""
    monitor = make_monitor(session, created_at=DAY - timedelta(days=3))
    times = every(DAY, DAY + timedelta(minutes=len(statuses)), 60)
    write_results(
        session, monitor, [(at, s, 100) for at, s in zip(times, statuses, strict=True)]
    )
    return monitor


@pytest.mark.parametrize(
    ("statuses", "state", "uptime"),
    [
        (["up"] * 100, BarState.OPERATIONAL, 100.0),
        (["up"] * 97 + ["degraded"] * 3, BarState.DEGRADED, 100.0),
        (["up"] * 98 + ["down"] * 2, BarState.PARTIAL_OUTAGE, 98.0),
        (["up"] * 95 + ["down"] * 5, BarState.PARTIAL_OUTAGE, 95.0),
        (["up"] * 90 + ["down"] * 10, BarState.MAJOR_OUTAGE, 90.0),
        (["unknown"] * 10, BarState.NO_DATA, None),
    ],
    ids=["operational", "degraded", "partial", "partial-edge", "major", "unknown-only"],
)
def test_a_day_gets_the_state_of_its_checks(session, statuses, state, uptime):
    monitor = _day_of(session, statuses)

    bar = history.daily_bars(session, [monitor.id], days=3, now=NOW)[monitor.id][-1]

    assert bar.date == DAY.date()
    assert bar.state == state
    assert bar.uptime_percent == uptime


def test_days_with_no_checks_after_creation_show_no_data(session):
    monitor = _day_of(session, ["up"] * 10)

    bars = history.daily_bars(session, [monitor.id], days=3, now=NOW)[monitor.id]

    assert [b.state for b in bars] == [
        BarState.NO_DATA,
        BarState.NO_DATA,
        BarState.OPERATIONAL,
    ]


def test_a_day_with_a_window_but_no_checks_shows_maintenance(session):
    from isup_app.core.maintenance import create_window

    monitor = make_monitor(session, created_at=DAY - timedelta(days=3))
    create_window(
        session,
        monitor.organization_id,
        title="Move",
        starts_at=DAY - timedelta(days=1, hours=-3),
        ends_at=DAY - timedelta(days=1, hours=-5),
    )

    bars = history.daily_bars(session, [monitor.id], days=3, now=NOW)[monitor.id]

    assert [b.state for b in bars] == [
        BarState.NO_DATA,
        BarState.MAINTENANCE,
        BarState.NO_DATA,
    ]


def test_bars_list_the_incidents_of_each_day_they_span(session):
    monitor = _day_of(session, ["up"] * 10)
    spans = [
        (DAY - timedelta(days=1, hours=-23), DAY + timedelta(hours=1)),
        (DAY + timedelta(hours=5), None),
        (DAY - timedelta(days=10), DAY - timedelta(days=9)),
    ]
    ids = []
    for started, ended in spans:
        incident = Incident(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            started_at=started,
            ended_at=ended,
            cause="status",
        )
        session.add(incident)
        session.commit()
        ids.append(incident.id)

    bars = history.daily_bars(session, [monitor.id], days=3, now=NOW)[monitor.id]

    assert [b.incident_ids for b in bars] == [(), (ids[0],), (ids[0], ids[1])]
    assert [b.incident_count for b in bars] == [0, 1, 2]


def test_bars_of_several_monitors_come_from_one_call(session):
    first = _day_of(session, ["up"] * 10)
    second = _day_of(session, ["down"] * 10)

    bars = history.daily_bars(session, [first.id, second.id], days=90, now=NOW)

    assert {m: len(b) for m, b in bars.items()} == {first.id: 90, second.id: 90}
    assert bars[first.id][-1].state == BarState.OPERATIONAL
    assert bars[second.id][-1].state == BarState.MAJOR_OUTAGE
    assert bars[second.id][-1].uptime_percent == 0.0
