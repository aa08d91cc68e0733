"""From a decided change to alerts delivered: once per contact and event,
retried when it can help, stopped when it cannot."""

import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from checker.incidents import queue_down
from isup_app.core.contacts import set_monitor_contacts
from isup_app.core.incidents import alert_attempts
from isup_app.core.models import (
    AlertContact,
    Incident,
    Notification,
    NotificationOutbox,
)
from tests.alerts.conftest import make_all_contacts, wait_until
from tests.factories import make_monitor
from tests.standins.webhook_http import Reply

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _webhook_monitor(session, settings, receiver, **overrides):
    from isup_app.core.contacts import create_contact

    monitor = make_monitor(session, **overrides)
    contact = create_contact(
        session,
        monitor.organization_id,
        name="hook",
        type="webhook",
        config={"url": receiver.url + "/hook", "secret": receiver.secret},
        settings=settings,
    )
    set_monitor_contacts(session, monitor, [contact.id])
    return monitor, contact


def _notifications(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))


def _settle(seconds: float = 0.6) -> None:
    """Give a wrong second delivery the time to happen (several sweeps)."""
    time.sleep(seconds)


def test_down_then_up_reaches_each_of_the_seven_channels_once(
    session, settings, pipeline, slack, discord, telegram, twilio, resend_api, receiver
):
    monitor = make_monitor(session, name="Shop")
    contacts = make_all_contacts(session, settings, slack, discord, receiver)
    set_monitor_contacts(session, monitor, [c.id for c in contacts.values()])
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(
        monitor,
        "down",
        T0 + timedelta(minutes=1),
        reason="status 503, expected 200-299",
        phase="status",
    )
    stand_ins = [slack, discord, telegram, receiver, resend_api]
    assert wait_until(
        lambda: (
            all(len(s.delivered) == 1 for s in stand_ins) and len(twilio.delivered) == 2
        )
    )
    pipeline.feed(monitor, "up", T0 + timedelta(minutes=7, seconds=30))
    assert wait_until(
        lambda: (
            all(len(s.delivered) == 2 for s in stand_ins) and len(twilio.delivered) == 4
        )
    )
    _settle()

    assert [len(s.delivered) for s in stand_ins] == [2, 2, 2, 2, 2]
    assert len(twilio.messages()) == 2 and len(twilio.calls()) == 2
    assert [e for e, _ in receiver.events()] == ["down", "up"]
    down, up = (r.json() for r in receiver.delivered)
    assert down["phase"] == "status"
    assert down["reason"] == "status 503, expected 200-299"
    assert down["since"] == (T0 + timedelta(minutes=1)).isoformat()
    assert down["link"].endswith(f"/monitors/{monitor.id}")
    assert "What failed: HTTP status" in down["text"]
    assert "It was down for 6 minutes 30 seconds" in up["text"]
    assert up["down_seconds"] == 390
    subjects = [body["subject"] for body in resend_api.sent]
    assert subjects == ["Shop is down", "Shop is up"]
    rows = _notifications(pipeline.engine)
    assert len(rows) == 14 and all(r.success for r in rows)
    assert {r.type for r in rows} == {"down", "up"}
    incident = session.exec(select(Incident)).one()
    assert {r.incident_id for r in rows} == {incident.id}
    shown = alert_attempts(session, monitor.organization_id, incident.id)
    assert sorted(n.id for n in shown) == [r.id for r in rows]


def test_c10_recovery_after_pending_notifies_down_then_up(
    session, settings, pipeline, receiver
):
    # A heartbeat monitor with one retry: ping up, ping down (pending), the
    # window passes (down), ping up.
    monitor, _ = _webhook_monitor(
        session, settings, receiver, type="heartbeat", url="", retries=1
    )
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "ping down", "heartbeat")
    pipeline.feed(
        monitor, "down", T0 + timedelta(minutes=7), "no ping for 7 min", "heartbeat"
    )
    pipeline.feed(monitor, "up", T0 + timedelta(minutes=8))
    wait_until(lambda: len(receiver.delivered) >= 2)
    _settle()

    assert [e for e, _ in receiver.events()] == ["down", "up"]


def test_pending_that_recovers_sends_nothing(session, settings, pipeline, receiver):
    monitor, _ = _webhook_monitor(
        session, settings, receiver, type="heartbeat", url="", retries=1
    )
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "ping down", "heartbeat")
    pipeline.feed(monitor, "up", T0 + timedelta(minutes=2))
    _settle()

    assert receiver.delivered == []
    assert _notifications(pipeline.engine) == []


def test_transient_failures_are_retried_and_each_attempt_recorded(
    session, settings, pipeline, receiver
):
    monitor, contact = _webhook_monitor(session, settings, receiver)
    receiver.fail_next(Reply.json(503, {"error": "busy"}), times=2)
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    wait_until(lambda: len(receiver.delivered) == 1)
    _settle()

    assert len(receiver.requests) == 3 and len(receiver.delivered) == 1
    rows = _notifications(pipeline.engine)
    assert [(r.attempt, r.success, r.permanent) for r in rows] == [
        (1, False, False),
        (2, False, False),
        (3, True, False),
    ]
    assert "503" in rows[0].error
    session.refresh(contact)
    assert contact.last_error is None and contact.disabled_reason is None


def test_permanent_failure_stops_retries_and_shows_on_the_contact(
    session, settings, pipeline, slack
):
    from isup_app.core.contacts import create_contact

    monitor = make_monitor(session)
    contact = create_contact(
        session,
        monitor.organization_id,
        name="old channel",
        type="slack",
        config={"webhook_url": slack.add_hook(archived=True)},
        settings=settings,
    )
    set_monitor_contacts(session, monitor, [contact.id])
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    wait_until(lambda: _notifications(pipeline.engine))
    _settle()

    rows = _notifications(pipeline.engine)
    assert len(rows) == 1 and rows[0].permanent and not rows[0].success
    session.refresh(contact)
    assert "410" in contact.disabled_reason
    assert "channel_is_archived" in contact.last_error
    outbox = session.exec(select(NotificationOutbox)).one()
    assert outbox.status == "failed"


def test_transient_failures_give_up_after_the_last_attempt(
    session, settings, pipeline, receiver
):
    monitor, contact = _webhook_monitor(session, settings, receiver)
    receiver.fail_next(Reply.json(502, {}), times=10)
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    wait_until(lambda: len(_notifications(pipeline.engine)) >= 4)
    _settle()

    rows = _notifications(pipeline.engine)
    assert len(rows) == settings.notify_max_attempts == 4
    outbox = session.exec(select(NotificationOutbox)).one()
    assert outbox.status == "failed"
    assert outbox.last_error.startswith("gave up after 4 attempts")
    session.refresh(contact)
    assert contact.disabled_reason is None


def test_deciding_the_same_event_twice_queues_one_alert(session, settings, receiver):
    monitor, _ = _webhook_monitor(session, settings, receiver)
    incident = Incident(
        monitor_id=monitor.id,
        organization_id=monitor.organization_id,
        started_at=T0,
        cause="connect",
    )
    session.add(incident)
    session.commit()

    assert queue_down(session, monitor, incident, T0) == 1
    session.commit()
    assert queue_down(session, monitor, incident, T0) == 0
    session.commit()

    assert len(session.exec(select(NotificationOutbox)).all()) == 1


def test_lost_wake_up_is_delivered_by_the_sweeper(
    session, settings, pipeline, receiver
):
    monitor, _ = _webhook_monitor(session, settings, receiver)
    pipeline.evaluator.after_commit_hooks = []  # as if the process died there

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    pipeline.start_notifier()
    wait_until(lambda: receiver.delivered)
    _settle()

    assert len(receiver.delivered) == 1


def test_two_notifiers_deliver_each_alert_once(session, settings, pipeline, receiver):
    monitors = [_webhook_monitor(session, settings, receiver)[0] for _ in range(5)]
    pipeline.start_notifier(consumer="one")
    pipeline.start_notifier(consumer="two")

    for monitor in monitors:
        pipeline.feed(monitor, "up", T0)
    for monitor in monitors:
        pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    for monitor in monitors:
        pipeline.feed(monitor, "up", T0 + timedelta(minutes=2))
    wait_until(lambda: len(receiver.delivered) >= 10)
    _settle(1.5)

    keys = [key for _, key in receiver.events()]
    assert len(keys) == 10 and len(set(keys)) == 10


def test_unverified_and_stopped_contacts_hear_nothing(
    session, settings, pipeline, resend_api, slack
):
    from isup_app.core.contacts import create_contact

    monitor = make_monitor(session)
    unverified = create_contact(
        session,
        monitor.organization_id,
        name="new",
        type="email",
        config={"email": "new@example.test"},
        settings=settings,
    )
    stopped = create_contact(
        session,
        monitor.organization_id,
        name="stopped",
        type="slack",
        config={"webhook_url": slack.add_hook()},
        settings=settings,
    )
    stopped.disabled_reason = "Slack answered 404: no_service"
    session.add(stopped)
    session.commit()
    set_monitor_contacts(session, monitor, [unverified.id, stopped.id])
    pipeline.start_notifier()

    pipeline.feed(monitor, "up", T0)
    pipeline.feed(monitor, "down", T0 + timedelta(minutes=1), "refused", "connect")
    _settle()

    assert resend_api.requests == [] and slack.requests == []
    assert session.exec(select(NotificationOutbox)).all() == []
    assert session.get(AlertContact, unverified.id).is_verified is False
