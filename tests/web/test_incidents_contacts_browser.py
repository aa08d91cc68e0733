"""One browser test of alert contacts and incidents against the whole IsUp:
a webhook contact added and tested in the browser, attached to a monitor of
a loopback target; the target stops, the incident opens on the open list
without a reload, its page shows the alert the notifier sent, and it is
resolved by hand."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from isup_app.core import bus
from isup_app.core.db import make_engine
from isup_app.core.models import Incident, Monitor, Notification, ResolvedBy
from isup_app.core.monitors import create_monitor
from isup_app.core.settings import ROOT
from tests.standins.webhook import WebhookReceiver
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_up

SECRET = "receiver-secret-0123456789"
ORGANIZATION = "org_default"  # the launcher's built-in one, owned by the first account


@pytest.fixture
def receiver():
    server = WebhookReceiver(secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def database_of(isup):
    """The launched IsUp's own database, for what the test sets up and checks
    behind the browser."""
    engine = make_engine(f"sqlite:///{isup.log.parent / 'isup.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def notifier(isup, redis_server):
    """``python -m checker.notifier`` on the launched IsUp's database and
    Redis: it delivers the alerts the evaluator queues. (Any number of
    notifiers may run at once.)"""
    env = dict(os.environ)
    env.update(
        {
            "ISUP_DATA_DIR": str(isup.log.parent),
            "ISUP_DATABASE_URL": f"sqlite:///{isup.log.parent / 'isup.db'}",
            "ISUP_REDIS_URL": redis_server.url,
            "ISUP_PUBLIC_URL": isup.url,
            "ISUP_NOTIFY_SWEEP_SECONDS": "1",
        }
    )
    log = (isup.log.parent / "notifier.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "checker.notifier"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def add_monitor(engine, redis_url: str, url: str) -> int:
    """A 2-second HTTP monitor of the loopback target, announced to the probe
    as the dashboard's form does."""
    client = bus.connect(redis_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            monitor = create_monitor(
                session,
                ORGANIZATION,
                {
                    "type": "http",
                    "name": "Loopback shop",
                    "url": url,
                    "interval_seconds": "2",
                    "timeout_seconds": "1",
                },
                redis=client,
            )
        bus.publish_change(client, ORGANIZATION, monitor_id=monitor.id)
        return monitor.id
    finally:
        client.close()


def pick(page, trigger, option: str) -> None:
    trigger.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_tested_webhook_contact_hears_of_an_incident_that_is_resolved_by_hand(
    isup, page, target, receiver, notifier, database_of, redis_server
):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_up(page, isup.url)

    # Add a webhook contact in the browser and send it a test message.
    page.goto(f"{isup.url}/contacts")
    expect(page.locator("#contact-form")).to_be_visible(timeout=30_000)
    pick(page, page.locator("#contact-type"), "Webhook")
    page.fill("#name", "Ops hook")
    page.fill("#url", f"{receiver.url}/hooks/isup")
    page.fill("#secret", SECRET)
    page.click("#add-contact")
    card = page.locator(".contact", has_text="Ops hook")
    expect(card).to_be_visible(timeout=10_000)
    expect(card.locator(".target")).to_contain_text("signed (secret …6789)")
    expect(card.locator(".verified")).to_have_text("verified")

    card.locator(".send-test").click()
    expect(card.locator(".feedback")).to_have_text("Test message sent.", timeout=10_000)
    assert [event for event, _ in receiver.events()] == ["test"]
    assert receiver.bad_signatures == 0

    # Attach it to a monitor of the loopback target.
    monitor_id = add_monitor(database_of, redis_server.url, target.url)
    page.reload()
    card = page.locator(".contact", has_text="Ops hook")
    pick(page, card.get_by_text("Attach to a monitor…"), "Loopback shop")
    card.locator(".attach").click()
    expect(card.locator(".attached-monitor")).to_have_text("Loopback shop")
    expect(card.locator(".feedback")).to_have_text("Attached to Loopback shop.")
    page.screenshot(path=str(ARTIFACTS / "contacts.png"), full_page=True)

    # Wait until it is up, then stop the target with the incidents page open.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(database_of) as session:
            if str(session.get(Monitor, monitor_id).current_state) == "up":
                break
        time.sleep(0.3)
    else:
        pytest.fail("the monitor never came up")
    page.goto(f"{isup.url}/incidents")
    expect(page.get_by_text("No open incidents: everything is up.")).to_be_visible(
        timeout=15_000
    )
    page.evaluate("window.__isup_no_reload = true")

    target.close()
    stopped = time.monotonic()
    row = page.locator("#open-incidents tr.incident", has_text="Loopback shop")
    expect(row).to_be_visible(timeout=20_000)
    seen_open = time.monotonic() - stopped
    # Refused at connect, or reset when a check was under way as it closed.
    expect(row).to_contain_text(re.compile("connection failed|bad response"))
    assert page.evaluate("window.__isup_no_reload") is True
    page.screenshot(path=str(ARTIFACTS / "incidents.png"), full_page=True)

    # Its page shows the down alert the notifier sent, with its result.
    row.get_by_role("link", name="Loopback shop").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    sent = page.locator("tr.notification", has_text="Ops hook")
    expect(sent).to_have_attribute("data-outcome", "ok", timeout=20_000)
    expect(sent).to_contain_text("down alert")
    expect(page.locator(".timeline-entry[data-kind=alert]")).to_have_count(1)
    assert "down" in [event for event, _ in receiver.events()]
    page.screenshot(path=str(ARTIFACTS / "incident-detail.png"), full_page=True)

    # Resolve it by hand, with notes.
    page.fill("#resolve-notes", "Target stopped on purpose by the browser test.")
    page.click("#resolve")
    expect(page.locator("#notice")).to_have_text("Resolved by hand.", timeout=10_000)
    expect(page.locator(".timeline-entry[data-kind=resolved]")).to_contain_text(
        "Target stopped on purpose"
    )
    # The page stays whole: the alerts and, instead of resolving, the notes.
    expect(page.locator("tr.notification")).to_have_count(1)
    expect(page.locator("#notes")).to_have_value(
        "Target stopped on purpose by the browser test."
    )
    page.screenshot(path=str(ARTIFACTS / "incident-resolved.png"), full_page=True)
    with Session(database_of) as session:
        incident = session.exec(
            select(Incident).where(Incident.monitor_id == monitor_id)
        ).one()
        alerts = session.exec(
            select(Notification).where(Notification.incident_id == incident.id)
        ).all()
    assert incident.resolved_by == ResolvedBy.MANUAL
    assert incident.notes == "Target stopped on purpose by the browser test."
    assert [(a.type, a.success) for a in alerts] == [("down", True)]

    # The same pages at phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#notes-form")).to_be_visible(timeout=15_000)
    expect(page.locator("tr.notification")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "incident-detail-390.png"), full_page=True)
    page.goto(f"{isup.url}/contacts")
    expect(page.locator(".contact", has_text="Ops hook")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "contacts-390.png"), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    (ARTIFACTS / "incidents-timings.txt").write_text(
        f"server_stopped_to_incident_listed_seconds={seen_open:.2f}\n"
    )
