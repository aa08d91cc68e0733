"""One browser test of the monitors page and a monitor's page against the
real checker: filter the list, open a monitor of a loopback target, see its
chart and bars, watch it go down live, pause, resume, check now, and delete
it with a confirmation."""

import re

from playwright.sync_api import expect
from sqlmodel import Session

from isup_app.core import bus
from isup_app.core.db import make_engine
from isup_app.core.monitors import create_monitor
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_up

ORG = "org_default"
PHONE = {"width": 390, "height": 844}


def add_monitors(isup, redis_url: str, monitors: list[dict]) -> dict[str, int]:
    """Monitors saved as the dashboard saves them, in the launched IsUp's
    database; the probe is told at once."""
    engine = make_engine(f"sqlite:///{isup.log.parent / 'isup.db'}")
    redis = bus.connect(redis_url)
    try:
        ids = {}
        with Session(engine) as session:
            for data in monitors:
                monitor = create_monitor(session, ORG, data, redis=redis)
                ids[monitor.name] = monitor.id
        return ids
    finally:
        redis.close()
        engine.dispose()


def test_monitors_list_and_detail_pages(isup, redis_server, target, page):
    sign_up(page, isup.url)
    ids = add_monitors(
        isup,
        redis_server.url,
        [
            {
                "type": "http",
                "name": "Loopback target",
                "url": target.url,
                "interval_seconds": 2,
                "timeout_seconds": 1,
                "tags": "prod, web",
            },
            {
                "type": "http",
                "name": "Refused port",
                "url": "http://127.0.0.1:9/",
                "interval_seconds": 2,
                "timeout_seconds": 1,
                "tags": "staging",
            },
            {
                "type": "port",
                "name": "Loopback TCP",
                "url": "127.0.0.1",
                "port": target.server.server_address[1],
                "interval_seconds": 5,
                "timeout_seconds": 1,
            },
        ],
    )

    # The list: live states, counts, search and filters.
    page.reload()
    loopback = page.locator("tr.monitor", has_text="Loopback target")
    refused = page.locator("tr.monitor", has_text="Refused port")
    expect(loopback).to_have_attribute("data-state", "up", timeout=20_000)
    expect(refused).to_have_attribute("data-state", "down", timeout=20_000)
    expect(page.locator("#count-down")).to_contain_text("1")
    expect(loopback.locator(".uptime-24h")).to_have_text("100.00%", timeout=10_000)

    page.fill("#monitor-search", "loopback")
    expect(page.locator("tr.monitor")).to_have_count(2)
    page.fill("#monitor-search", "")
    expect(page.locator("tr.monitor")).to_have_count(3)
    page.click("#count-down")
    expect(page.locator("tr.monitor")).to_have_count(1)
    expect(refused).to_be_visible()
    page.click("#count-down")
    page.click("#filter-kind")
    page.get_by_role("option", name="port", exact=True).click()
    expect(page.locator("tr.monitor")).to_have_count(1)
    expect(page.locator("tr.monitor", has_text="Loopback TCP")).to_be_visible()
    page.click("#filter-kind")
    page.get_by_role("option", name="Every kind").click()
    page.click("#filter-tag")
    page.get_by_role("option", name="prod", exact=True).click()
    expect(page.locator("tr.monitor")).to_have_count(1)
    page.click("#filter-tag")
    page.get_by_role("option", name="Every tag").click()
    expect(page.locator("tr.monitor")).to_have_count(3)
    expect(page.locator("#to-new-monitor")).to_have_attribute("href", "/monitors/new")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitors.png"), full_page=True)

    # The monitor's page: header, figures, chart, 90 bars with tooltips.
    loopback.get_by_role("link", name="Loopback target").click()
    monitor_id = ids["Loopback target"]
    expect(page).to_have_url(re.compile(rf"/monitors/{monitor_id}/?$"))
    expect(page.locator("#monitor-name")).to_have_text("Loopback target")
    expect(page.locator("#monitor-state")).to_have_text("up")
    expect(page.locator("#monitor-since")).to_contain_text("since")
    expect(page.locator(".uptime")).to_have_count(4)
    expect(page.locator("#response-chart .recharts-line-curve").first).to_be_visible(
        timeout=15_000
    )
    # One area per phase (DNS is flat on an IP address, hence not "visible").
    expect(page.locator("#phase-chart .recharts-area-area")).to_have_count(4)
    bars = page.locator("#daily-bars .day")
    expect(bars).to_have_count(90)
    expect(bars.last).to_have_attribute("data-state", "operational")
    bars.last.hover()
    expect(page.get_by_role("tooltip")).to_contain_text("100.00%")
    page.click("#chart-range >> text=1h")
    expect(page.locator("#response-chart .recharts-line-curve").first).to_be_visible()
    expect(page.locator("tr.check").first).to_be_visible()

    # Live: the target stops, the open page shows it down with its incident.
    page.evaluate("window.__isup_no_reload = true")
    target.close()
    expect(page.locator("#monitor-state")).to_have_text("down", timeout=20_000)
    expect(page.locator("tr.check").first).to_contain_text("down")
    incident = page.locator("tr.incident").first
    expect(incident).to_be_visible(timeout=10_000)
    expect(incident.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/incidents/\d+$")
    )
    assert page.evaluate("window.__isup_no_reload") is True
    page.screenshot(path=str(ARTIFACTS / "monitor-detail.png"), full_page=True)

    page.set_viewport_size(PHONE)
    expect(page.locator("#daily-bars")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    page.screenshot(path=str(ARTIFACTS / "monitor-detail-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Actions.
    page.click("#check-now")
    expect(page.locator("#notice")).to_contain_text("Check asked for")
    page.click("#pause")
    expect(page.locator("#monitor-state")).to_have_text("paused")
    expect(page.locator("#check-now")).to_be_disabled()
    page.click("#resume")
    expect(page.locator("#pause")).to_be_visible()
    expect(page.locator("#edit")).to_have_attribute(
        "href", f"/monitors/{monitor_id}/edit"
    )

    page.click("#delete")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete Loopback target?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#monitor-name")).to_be_visible()
    page.click("#delete")
    page.click("#confirm-delete")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"), timeout=10_000)
    expect(page.locator("tr.monitor")).to_have_count(2)
    expect(page.locator("tr.monitor", has_text="Loopback target")).to_have_count(0)

    # A deleted (or never existing) monitor's page says so.
    page.goto(f"{isup.url}/monitors/{monitor_id}")
    expect(page.locator("#monitor-not-found")).to_be_visible(timeout=15_000)
