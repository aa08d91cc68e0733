"""A crash between the state change and the send: the alert still arrives,
once. Real processes (``python -m checker`` and ``python -m
checker.notifier``), killed with SIGKILL, against a real target and a real
webhook receiver on loopback."""

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
from isup_app.core.settings import ROOT
from tests.alerts.conftest import wait_until
from tests.factories import make_monitor
from tests.standins.smtp import free_port
from tests.standins.webhook import WebhookReceiver


class Target:
    """An HTTP server that answers 200, and can be stopped and started again
    on the same port."""

    def __init__(self):
        self.port = free_port()
        self._server = None

    def start(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Processes:
    """The checker and a notifier, started and killed together."""

    def __init__(self, env: dict, logs: Path):
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen] = []
        self.lives = 0

    def start(self):
        self.lives += 1
        for module in ("checker", "checker.notifier"):
            log = open(self.logs / f"{module}-{self.lives}.log", "wb")  # noqa: SIM115
            self.running.append(
                subprocess.Popen(
                    [sys.executable, "-m", module],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()

    def kill(self):
        for process in self.running:
            process.send_signal(signal.SIGKILL)
        for process in self.running:
            process.wait(timeout=10)
        self.running = []

    def stop(self):
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running = []

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )


@pytest.fixture
def target():
    server = Target()
    server.start()
    yield server
    server.stop()


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
