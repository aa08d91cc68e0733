from datetime import UTC, datetime, timedelta

import pytest

from isup_app.core.maintenance import (
    MaintenanceError,
    create_window,
    delete_window,
    in_maintenance,
    list_windows,
    maintenance_intervals,
)
from tests.factories import DEFAULT_ORG, make_monitor


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_one_off_window_covers_its_span_only(session):
    monitor = make_monitor(session)
    create_window(
        session,
        DEFAULT_ORG,
        title="Upgrade",
        starts_at=_at("2026-03-01T10:00"),
        ends_at=_at("2026-03-01T11:00"),
    )

    assert not in_maintenance(session, monitor, _at("2026-03-01T09:59"))
    assert in_maintenance(session, monitor, _at("2026-03-01T10:00"))
    assert in_maintenance(session, monitor, _at("2026-03-01T10:59"))
    assert not in_maintenance(session, monitor, _at("2026-03-01T11:00"))


def test_window_listing_monitors_leaves_the_others_alone(session):
    listed = make_monitor(session, name="listed")
    other = make_monitor(session, name="other")
    create_window(
        session,
        DEFAULT_ORG,
        title="Upgrade",
        starts_at=_at("2026-03-01T10:00"),
        ends_at=_at("2026-03-01T11:00"),
        monitor_ids=[listed.id],
    )

    assert in_maintenance(session, listed, _at("2026-03-01T10:30"))
    assert not in_maintenance(session, other, _at("2026-03-01T10:30"))


def test_daily_window_follows_local_time_across_dst(session):
    monitor = make_monitor(session)
    # 02:00-03:00 Berlin time every day; Berlin is UTC+1 in winter, UTC+2
    # after 2026-03-29.
    create_window(
        session,
        DEFAULT_ORG,
        title="Nightly backup",
        starts_at=_at("2026-03-01T01:00"),
        ends_at=_at("2026-03-01T02:00"),
        recurrence="daily",
        timezone="Europe/Berlin",
    )

    assert in_maintenance(session, monitor, _at("2026-03-10T01:30"))
    assert not in_maintenance(session, monitor, _at("2026-03-10T00:30"))
    assert in_maintenance(session, monitor, _at("2026-04-10T00:30"))
    assert not in_maintenance(session, monitor, _at("2026-04-10T01:30"))
    assert not in_maintenance(session, monitor, _at("2026-02-28T01:30"))


def test_weekly_window_applies_on_listed_weekdays(session):
    monitor = make_monitor(session)
    # 2026-03-02 is a Monday.
    create_window(
        session,
        DEFAULT_ORG,
        title="Deploys",
        starts_at=_at("2026-03-02T22:00"),
        ends_at=_at("2026-03-03T01:00"),
        recurrence="weekly",
        weekdays=[0, 3],
    )

    assert in_maintenance(session, monitor, _at("2026-03-09T23:00"))  # Monday
    assert in_maintenance(session, monitor, _at("2026-03-13T00:30"))  # Thu night
    assert not in_maintenance(session, monitor, _at("2026-03-10T23:00"))  # Tue


def test_window_of_another_organization_does_not_apply(session):
    from tests.factories import make_org

    other_org = make_org(session)
    monitor = make_monitor(session)
    create_window(
        session,
        other_org.id,
        title="Theirs",
        starts_at=_at("2026-03-01T10:00"),
        ends_at=_at("2026-03-01T11:00"),
    )

    assert not in_maintenance(session, monitor, _at("2026-03-01T10:30"))


def test_intervals_are_clipped_and_merged(session):
    monitor = make_monitor(session)
    create_window(
        session,
        DEFAULT_ORG,
        title="Daily",
        starts_at=_at("2026-03-01T10:00"),
        ends_at=_at("2026-03-01T11:00"),
        recurrence="daily",
    )
    create_window(
        session,
        DEFAULT_ORG,
        title="Overlap",
        starts_at=_at("2026-03-02T10:30"),
        ends_at=_at("2026-03-02T12:00"),
    )

    spans = maintenance_intervals(
        session, monitor, _at("2026-03-01T10:30"), _at("2026-03-03T00:00")
    )

    assert spans == [
        (_at("2026-03-01T10:30"), _at("2026-03-01T11:00")),
        (_at("2026-03-02T10:00"), _at("2026-03-02T12:00")),
    ]
    assert sum((e - s for s, e in spans), timedelta()) == timedelta(hours=2, minutes=30)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"recurrence": "hourly"}, "recurrence"),
        ({"ends_at": _at("2026-03-01T09:00")}, "ends_at"),
        ({"weekdays": [7]}, "weekdays"),
        ({"monitor_ids": [999999]}, "monitor_ids"),
    ],
    ids=["zone", "recurrence", "ends-before-start", "weekday", "monitor"],
)
def test_bad_window_is_refused_naming_the_field(session, fields, field):
    values = {
        "title": "Upgrade",
        "starts_at": _at("2026-03-01T10:00"),
        "ends_at": _at("2026-03-01T11:00"),
        **fields,
    }

    with pytest.raises(MaintenanceError) as err:
        create_window(session, DEFAULT_ORG, **values)

    assert err.value.field == field


def test_deleted_window_no_longer_applies(session):
    monitor = make_monitor(session)
    window = create_window(
        session,
        DEFAULT_ORG,
        title="Upgrade",
        starts_at=_at("2026-03-01T10:00"),
        ends_at=_at("2026-03-01T11:00"),
    )

    assert not delete_window(session, "org_other", window.id)
    assert delete_window(session, DEFAULT_ORG, window.id)

    assert list_windows(session, DEFAULT_ORG) == []
    assert not in_maintenance(session, monitor, _at("2026-03-01T10:30"))
