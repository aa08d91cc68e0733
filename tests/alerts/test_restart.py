"""A crash between the state change and the send: the alert still arrives,
once. Real processes (``python -m checker`` and ``python -m
checker.notifier``), killed with SIGKILL, against a real target and a real
webhook receiver on loopback."""

import os
import time

import pytest
from sqlmodel import Session, select

from isup_app.core.contacts import create_contact, set_monitor_contacts
from isup_app.core.models import (
    Incident,
    Monitor,
    MonitorState,
    Notification,
    NotificationOutbox,
)
from tests.alerts.conftest import wait_until
from tests.alerts.processes import Processes
from tests.factories import make_monitor
from tests.standins.smtp import free_port
from tests.standins.webhook import WebhookReceiver


@pytest.fixture
def processes(database_url, redis_url, tmp_path):
    env = {
        **os.environ,
        "ISUP_DATABASE_URL": database_url,
        "ISUP_REDIS_URL": redis_url,
        "ISUP_REGION": "local",
        "ISUP_LOG_LEVEL": "INFO",
        "ISUP_MONITOR_REFRESH_SECONDS": "0.5",
        "ISUP_NOTIFY_BACKOFF_SECONDS": "0.2",
        "ISUP_NOTIFY_SWEEP_SECONDS": "0.2",
        "ISUP_NOTIFY_LEASE_SECONDS": "2",
        "ISUP_NOTIFY_MAX_ATTEMPTS": "50",
        "ISUP_NOTIFY_TIMEOUT_SECONDS": "2",
    }
    running = Processes(env, tmp_path)
    yield running
    running.stop()


def test_alert_killed_before_its_send_arrives_once_after_restart(
    session, engine, target, processes
):
    receiver_port = free_port()
    monitor = make_monitor(
        session,
        url=f"http://127.0.0.1:{target.port}/",
        interval_seconds=1,
        timeout_seconds=1,
        regions=["local"],
    )
    contact = create_contact(
        session,
        monitor.organization_id,
        name="ops hook",
        type="webhook",
        config={
            "url": f"http://127.0.0.1:{receiver_port}/hook",
            "secret": WebhookReceiver().secret,
        },
    )
    set_monitor_contacts(session, monitor, [contact.id])

    def state():
        with Session(engine) as fresh:
            return fresh.get(Monitor, monitor.id).current_state

    def queued(kind):
        with Session(engine) as fresh:
            return fresh.exec(
                select(NotificationOutbox).where(NotificationOutbox.type == kind)
            ).first()

    # First life: the monitor comes up, its target stops, the down alert is
    # decided and committed; the receiver is not listening yet, so nothing
    # can have been delivered when both processes are killed.
    processes.start()
    assert wait_until(lambda: state() == MonitorState.UP, 30), processes.output()
    target.stop()
    assert wait_until(lambda: queued("down"), 30), processes.output()
    processes.kill()

    with Session(engine) as fresh:
        assert fresh.exec(select(Incident)).one().ended_at is None
        assert not any(n.success for n in fresh.exec(select(Notification)))

    # Second life: the receiver is there now.
    receiver = WebhookReceiver(port=receiver_port)
    receiver.start()
    try:
        processes.start()
        assert wait_until(lambda: receiver.delivered, 30), processes.output()
        time.sleep(3)  # past the lease, when a lost claim would be retried
        assert [e for e, _ in receiver.events()] == ["down"], processes.output()

        target.start()
        assert wait_until(lambda: len(receiver.delivered) >= 2, 30), processes.output()
        time.sleep(1)
        assert [e for e, _ in receiver.events()] == ["down", "up"]
        assert receiver.bad_signatures == 0
    finally:
        processes.stop()
        receiver.stop()

    with Session(engine) as fresh:
        sent = fresh.exec(select(Notification).where(Notification.success)).all()
        assert sorted(n.type for n in sent) == ["down", "up"]
