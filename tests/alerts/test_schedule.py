"""Alerts that depend on time: maintenance windows, reminders while down,
certificate expiry notices. The clock is injected."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from isup_app.core.maintenance import create_window
from isup_app.core.models import Incident
from tests.alerts.conftest import wait_until
from tests.alerts.test_delivery import _settle, _webhook_monitor

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_down_inside_maintenance_is_told_once_when_the_window_ends(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(session, settings, receiver)
    create_window(
        session,
        monitor.organization_id,
        title="Upgrade",
        starts_at=_minutes(5),
        ends_at=_minutes(15),
        monitor_ids=[monitor.id],
    )
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", _minutes(6), "refused", "connect")
    pipeline.feed(monitor, "down", _minutes(10), "refused", "connect")
    _settle()
    assert receiver.delivered == []
    assert session.exec(select(Incident)).all() == []

    pipeline.feed(monitor, "down", _minutes(16), "refused", "connect")
    pipeline.feed(monitor, "down", _minutes(17), "refused", "connect")
    wait_until(lambda: receiver.delivered)
    _settle()

    assert [e for e, _ in receiver.events()] == ["down"]
    incident = session.exec(select(Incident)).one()
    assert incident.started_at == _minutes(16)


def test_recovery_inside_maintenance_is_told_when_the_window_ends(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(session, settings, receiver)
    create_window(
        session,
        monitor.organization_id,
        title="Upgrade",
        starts_at=_minutes(5),
        ends_at=_minutes(15),
    )
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", _minutes(1), "refused", "connect")
    wait_until(lambda: receiver.delivered)
    pipeline.feed(monitor, "up", _minutes(6))
    _settle()
    assert [e for e, _ in receiver.events()] == ["down"]

    pipeline.feed(monitor, "up", _minutes(16))
    pipeline.feed(monitor, "up", _minutes(17))
    wait_until(lambda: len(receiver.delivered) == 2)
    _settle()

    assert [e for e, _ in receiver.events()] == ["down", "up"]
    assert "It was down for 5 minutes" in receiver.delivered[1].json()["text"]


def test_reminders_repeat_while_down_once_per_period(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(session, settings, receiver, reminder_minutes=5)
    clock = Clock(_minutes(2))
    pipeline.start_notifier(clock=clock)

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", _minutes(1), "refused", "connect")
    wait_until(lambda: receiver.delivered)
    clock.at = _minutes(7)
    wait_until(lambda: len(receiver.delivered) == 2)
    clock.at = _minutes(9)
    _settle()
    clock.at = _minutes(12)
    wait_until(lambda: len(receiver.delivered) == 3)
    _settle()

    assert [e for e, _ in receiver.events()] == ["down", "reminder", "reminder"]
    reminder = receiver.delivered[1].json()
    assert reminder["subject"] == "Website is still down"
    assert "down for 6 minutes" in reminder["text"]


def test_reminders_stop_when_the_monitor_recovers(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(session, settings, receiver, reminder_minutes=5)
    clock = Clock(_minutes(2))
    pipeline.start_notifier(clock=clock)

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", _minutes(1), "refused", "connect")
    pipeline.feed(monitor, "up", _minutes(3))
    clock.at = _minutes(4)
    wait_until(lambda: len(receiver.delivered) == 2, timeout=5)
    clock.at = _minutes(20)
    _settle()

    assert [e for e, _ in receiver.events()] == ["down", "up"]


def test_certificate_expiry_is_told_once_per_threshold(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(
        session, settings, receiver, ssl_expiry_alert_days=[30, 14, 7]
    )
    expires = T0 + timedelta(days=10)
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0, ssl_expiry_date=expires)
    pipeline.feed(monitor, "up", _minutes(1), ssl_expiry_date=expires)
    wait_until(lambda: receiver.delivered)
    _settle()
    assert len(receiver.delivered) == 1
    first = receiver.delivered[0].json()
    assert first["threshold_days"] == 14
    assert first["subject"] == "The certificate of Website expires in 10 days"

    later = T0 + timedelta(days=4)
    pipeline.feed(monitor, "up", later, ssl_expiry_date=expires)
    pipeline.feed(monitor, "up", later + timedelta(minutes=1), ssl_expiry_date=expires)
    wait_until(lambda: len(receiver.delivered) == 2)
    _settle()

    assert [r.json()["threshold_days"] for r in receiver.delivered] == [14, 7]
    assert {e for e, _ in receiver.events()} == {"ssl_expiry"}
