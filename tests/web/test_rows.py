"""How a monitor reads on the dashboard, and what the live listener accepts."""

from datetime import UTC, datetime

import pytest

from isup_app.core.models import Monitor, MonitorState, MonitorStatus, MonitorType
from isup_app.states.live import monitor_id_of, organization_of
from isup_app.states.monitors import monitor_row


def monitor(**overrides) -> Monitor:
    fields = {
        "id": 7,
        "organization_id": "org_test",
        "name": "Website",
        "type": MonitorType.HTTP,
        "url": "http://user:s3cret@127.0.0.1:8080/health",
    }
    fields.update(overrides)
    return Monitor(**fields)


def test_a_checked_monitor_reads_its_state_time_and_response():
    row = monitor_row(
        monitor(
            current_state=MonitorState.UP,
            last_checked_at=datetime(2026, 12, 3, 20, 1, 2, tzinfo=UTC),
            last_response_time_ms=42,
        )
    )

    assert (row.state, row.last_checked, row.response_time) == (
        "up",
        "2026-12-03 20:01:02 UTC",
        "42 ms",
    )


def test_a_target_never_shows_its_credentials():
    assert monitor_row(monitor()).target == "http://127.0.0.1:8080/health"


def test_a_paused_monitor_reads_paused_whatever_its_last_state():
    row = monitor_row(monitor(status=MonitorStatus.PAUSED, current_state="down"))

    assert row.state == "paused"
    assert (row.last_checked, row.response_time) == ("never", "—")


@pytest.mark.parametrize(
    "channel, organization",
    [
        ("isup:changes:org_test", "org_test"),
        ("isup:changes:", None),
        ("isup:results", None),
    ],
    ids=["changes", "empty", "other-channel"],
)
def test_the_listener_reads_the_organization_from_the_channel(channel, organization):
    assert organization_of(channel) == organization


@pytest.mark.parametrize(
    "data, monitor_id",
    [
        ('{"monitor_id": 7, "state": "down"}', 7),
        ('{"monitor_id": "7"}', 7),
        ('{"state": "down"}', None),
        ("not json", None),
        ('{"monitor_id": null}', None),
    ],
    ids=["int", "text", "missing", "not-json", "null"],
)
def test_the_listener_reads_the_monitor_id_or_reloads_everything(data, monitor_id):
    assert monitor_id_of(data) == monitor_id
