"""One browser test of the monitor form: a monitor of each of the seven kinds
is added against a loopback target and reaches its state in the list."""

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.checks.servers import (
    DNSResponder,
    Listener,
    LoopbackHTTP,
    Reply,
    issue,
    server_context,
)
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_up

INTERVAL = "2"
TIMEOUT = "1"


@pytest.fixture
def targets(tmp_path):
    ca = issue("IsUp test CA", ca=True, valid_for=timedelta(days=3650))
    leaf = issue("localhost", issuer=ca)
    servers = {
        "http": LoopbackHTTP({"/": Reply(200, b"<h1>Welcome home</h1>")}),
        "tls": LoopbackHTTP({"/": Reply(200, b"ok")}, server_context(tmp_path, leaf)),
        "tcp": Listener(),
        "dns": DNSResponder({("web.test", "A"): ["127.0.0.1"]}),
    }
    servers["ca"] = ca
    yield servers
    for name in ("http", "tls", "tcp", "dns"):
        servers[name].close()


def forms(targets) -> dict[str, dict[str, str]]:
    """The boxes to fill for each kind, by id."""
    timing = {"interval_seconds": INTERVAL, "timeout_seconds": TIMEOUT}
    return {
        "http": {"url": targets["http"].url("/"), **timing},
        "keyword": {
            "url": targets["http"].url("/"),
            "keyword": "Welcome",
            **timing,
        },
        "port": {"url": "127.0.0.1", "port": str(targets["tcp"].port), **timing},
        "ping": {"url": "127.0.0.1", "ping_count": "1", **timing},
        "ssl": {
            "url": "127.0.0.1",
            "port": str(targets["tls"].port),
            "ca_bundle": targets["ca"].pem,
            **timing,
        },
        "dns": {
            "url": "web.test",
            "dns_server": f"127.0.0.1:{targets['dns'].port}",
            "dns_expected": "127.0.0.1",
            **timing,
        },
        "heartbeat": {"interval_seconds": "60", "heartbeat_grace_seconds": "30"},
    }


def fill(page, kind: str, boxes: dict[str, str]) -> None:
    page.click(f"#kind-{kind}")
    page.fill("#name", f"Loopback {kind}")
    for name, value in boxes.items():
        page.fill(f"#{name}", value)


def row(page, kind: str):
    return page.locator("tr.monitor", has_text=f"Loopback {kind}")


def test_each_kind_is_added_and_reaches_its_state(isup, targets, page):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_up(page, isup.url)

    # A refusal shows beside its field and keeps what was typed.
    page.goto(f"{isup.url}/monitors/new")
    expect(page.locator("#monitor-form")).to_be_visible(timeout=30_000)
    fill(page, "http", forms(targets)["http"])
    page.fill("#expected_status_codes", "2xx")
    page.click("#add-monitor")
    expect(page.locator("#error-expected_status_codes")).to_contain_text(
        "'2xx' is not a status code", timeout=10_000
    )
    expect(page.locator("#name")).to_have_value("Loopback http")
    expect(page.locator("#url")).to_have_value(targets["http"].url("/"))
    page.screenshot(path=str(ARTIFACTS / "monitor-new-refused.png"), full_page=True)
    page.fill("#expected_status_codes", "200-299")
    page.screenshot(path=str(ARTIFACTS / "monitor-new-http.png"), full_page=True)
    page.click("#add-monitor")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"), timeout=10_000)

    for kind, boxes in forms(targets).items():
        if kind == "http":
            continue
        page.goto(f"{isup.url}/monitors/new")
        expect(page.locator("#monitor-form")).to_be_visible(timeout=30_000)
        fill(page, kind, boxes)
        page.screenshot(path=str(ARTIFACTS / f"monitor-new-{kind}.png"), full_page=True)
        page.click("#add-monitor")
        if kind == "heartbeat":
            expect(page).to_have_url(re.compile(r"/monitors/\d+/edit$"), timeout=10_000)
        else:
            expect(page).to_have_url(re.compile(r"/dashboard/?$"), timeout=10_000)

    # The heartbeat's edit page shows its address; a ping makes it up.
    address = page.locator("#ping-url")
    expect(address).to_contain_text("/api/heartbeat/", timeout=10_000)
    expect(page.locator(".ping-example")).to_have_count(6)
    ping_url = address.inner_text().strip()
    assert ping_url.startswith(isup.url)
    page.screenshot(path=str(ARTIFACTS / "monitor-edit-heartbeat.png"), full_page=True)
    assert httpx.get(ping_url, timeout=5).text == "OK"

    page.goto(f"{isup.url}/dashboard")
    for kind in forms(targets):
        expect(row(page, kind)).to_have_attribute("data-state", "up", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "monitor-new-list.png"), full_page=True)

    # An edit reaches the checker: the keyword page now lacks the keyword.
    keyword_id = row(page, "keyword").get_attribute("id").removeprefix("monitor-")
    page.goto(f"{isup.url}/monitors/{keyword_id}/edit")
    expect(page.locator("#keyword")).to_have_value("Welcome", timeout=30_000)
    expect(page.locator("#url")).to_have_value(targets["http"].url("/"))
    page.fill("#keyword", "Goodbye")
    page.screenshot(path=str(ARTIFACTS / "monitor-edit-keyword.png"), full_page=True)
    page.click("#add-monitor")
    expect(page).to_have_url(re.compile(rf"/monitors/{keyword_id}$"), timeout=10_000)
    page.goto(f"{isup.url}/dashboard")
    expect(row(page, "keyword")).to_have_attribute("data-state", "down", timeout=30_000)
    expect(row(page, "http")).to_have_attribute("data-state", "up")

    # At phone width the form fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{isup.url}/monitors/new")
    expect(page.locator("#monitor-form")).to_be_visible(timeout=30_000)
    page.click("#kind-ssl")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "monitor-new-390.png"), full_page=True)
