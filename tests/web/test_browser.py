"""One browser test of the whole spine: a monitor added in the dashboard is
checked by the checker, and its state reaches the open page without a
reload."""

import os
import re
import signal
import socket
import time

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS

INTERVAL_SECONDS = 2


def sign_up(page, base_url: str) -> None:
    """The first local account owns the built-in organization."""
    page.goto(f"{base_url}/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-up"), timeout=30_000)
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.test")
    page.fill("#password", "correct horse battery staple")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"), timeout=30_000)


def test_dashboard_shows_a_new_monitor_go_down_without_reload(isup, target, page):
    sign_up(page, isup.url)
    expect(page.locator("#monitor-form")).to_be_visible(timeout=30_000)

    page.fill("#name", "Loopback target")
    page.fill("#url", target.url)
    page.fill("#interval_seconds", str(INTERVAL_SECONDS))
    page.fill("#timeout_seconds", "1")
    page.click("#add-monitor")

    row = page.locator("tr.monitor", has_text="Loopback target")
    expect(row).to_be_visible(timeout=10_000)
    expect(row).to_have_attribute("data-state", "up", timeout=15_000)
    page.evaluate("window.__isup_no_reload = true")

    target.close()
    stopped = time.monotonic()
    expect(row).to_have_attribute("data-state", "down", timeout=30_000)
    seen_down = time.monotonic() - stopped
    expect(row.locator(".state")).to_have_text("down")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-down.png"), full_page=True)
    (ARTIFACTS / "browser-timings.txt").write_text(
        f"first_start_seconds={isup.start_seconds:.1f}\n"
        f"server_stopped_to_down_seconds={seen_down:.2f}\n"
        f"interval_seconds={INTERVAL_SECONDS}\n"
    )
    # The same page, never reloaded, and within one interval plus 2 s.
    assert page.evaluate("window.__isup_no_reload") is True
    assert seen_down <= INTERVAL_SECONDS + 2


def test_ctrl_c_stops_every_process_the_launcher_started(isup):
    # Runs after the dashboard test, on the same IsUp.
    children = [
        int(pid) for pid in re.findall(r"started name=\w+ pid=(\d+)", log_of(isup))
    ]
    assert len(children) == 2

    isup.process.send_signal(signal.SIGINT)

    assert isup.process.wait(30) == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", isup.port), timeout=1).close()


def log_of(isup) -> str:
    return isup.log.read_text()
