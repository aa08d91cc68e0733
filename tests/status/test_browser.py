"""A real browser against a real server: a public, a private and a
password-protected page, each screenshot to test-artifacts/."""

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from isup_app.api import build_api
from isup_app.core import status_pages as sp
from isup_app.core.embedded_redis import free_port
from tests.factories import DEFAULT_ORG
from tests.status.conftest import Scene

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(request, runtime) -> Iterator[str]:
    if request.node.callspec.params.get("database_url") != "sqlite":
        pytest.skip("the browser test runs once, on the SQLite tier")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    api = build_api()
    api.state.status_pages = runtime
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
        )
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def test_public_private_and_password_pages_in_a_browser(
    server, browser_page, session, scene: Scene
):
    page = browser_page
    private = sp.create_status_page(
        session, DEFAULT_ORG, slug="internal", name="Internal", is_public=False
    )
    sp.set_page_monitors(session, DEFAULT_ORG, private.id, [(scene.web.id, "Web", 1)])
    locked = sp.create_status_page(
        session, DEFAULT_ORG, slug="partners", name="Partners", password="open sesame"
    )
    sp.set_page_monitors(
        session, DEFAULT_ORG, locked.id, [(scene.web.id, "Partner API", 1)]
    )

    public = page.goto(f"{server}/status/acme")
    assert public.status == 200
    assert page.locator(".banner").inner_text() == "Partial Outage"
    assert page.locator(".component .component-name").all_inner_texts() == [
        "Public API",
        "Website",
    ]
    assert page.locator(".component").first.locator("ol.bars li").count() == 90
    last_bar = page.locator(".component").first.locator("ol.bars li").last
    last_bar.hover()
    assert "1 incident" in last_bar.get_attribute("data-tip")
    assert page.title() == "Acme Status"
    page.screenshot(path=str(ARTIFACTS / "status-public.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    card = page.locator(".component").first.bounding_box()
    today = last_bar.bounding_box()
    assert today["width"] > 0
    assert today["x"] + today["width"] <= card["x"] + card["width"]
    page.screenshot(path=str(ARTIFACTS / "status-public-390.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})

    hidden = page.goto(f"{server}/status/internal")
    assert hidden.status == 404
    assert "Internal" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "status-private.png"))

    asked = page.goto(f"{server}/status/partners")
    assert asked.status == 401
    assert page.locator("text=Partner API").count() == 0
    page.fill("input[type=password]", "wrong guess")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text() == "Wrong password."
    page.fill("input[type=password]", "open sesame")
    page.click("button[type=submit]")
    page.wait_for_selector(".component")
    assert page.locator(".component-name").inner_text() == "Partner API"
    assert page.reload().status == 200
    page.screenshot(path=str(ARTIFACTS / "status-password.png"), full_page=True)
