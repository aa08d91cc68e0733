"""The public pages of the launched IsUp: they answer without a session, link
to one another, and fit a phone (390 px) as well as a desktop."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# name -> (path, something only that page shows)
PAGES = {
    "landing": ("/", "#kinds"),
    "pricing": ("/pricing", "#plans"),
    "docs": ("/docs", "#docs-contents"),
    "sign-in": ("/sign-in", "form[action='/sign-in']"),
    "sign-up": ("/sign-up", "form[action='/sign-up']"),
}
DOC_TOPICS = ["monitors", "heartbeats", "status-pages", "alerts", "api"]


@pytest.fixture(scope="module")
def account(isup) -> str:
    """One local account, so that /sign-in shows its form (a fresh install
    sends it to /sign-up)."""
    response = httpx.post(
        f"{isup.url}/sign-up",
        data={
            "name": "Ada",
            "email": "ada@example.test",
            "password": "correct horse battery staple",
        },
    )
    assert response.status_code == 303
    return "ada@example.test"


@pytest.mark.parametrize(
    "path",
    ["/", "/pricing", "/docs", *(f"/docs/{t}" for t in DOC_TOPICS)],
)
def test_public_pages_answer_without_a_session(isup, path):
    # The built pages may add a trailing slash; never a visit to sign-in.
    response = httpx.get(f"{isup.url}{path}", follow_redirects=True)

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert response.url.path.rstrip("/") == path.rstrip("/")


def test_the_landing_page_links_every_public_page(isup):
    html = httpx.get(f"{isup.url}/").text
    links = set(re.findall(r'href="([^"]+)"', html))

    for path in ["/pricing", "/docs", "/sign-in", "/sign-up", "/dashboard"]:
        assert path in links, path
    for topic in DOC_TOPICS:
        assert f"/docs/{topic}" in links, topic


def test_public_pages_fit_a_desktop_and_a_phone(isup, browser, account):
    ARTIFACTS.mkdir(exist_ok=True)
    widths = {}
    for device, viewport in [("", DESKTOP), ("-phone", PHONE)]:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for name, (path, marker) in PAGES.items():
            page.goto(f"{isup.url}{path}")
            expect(page.locator(marker).first).to_be_visible(timeout=30_000)
            if name == "pricing":
                expect(page.locator(".plan").first).to_be_visible(timeout=10_000)
            page.wait_for_load_state("networkidle")
            page.screenshot(
                path=str(ARTIFACTS / f"public-{name}{device}.png"), full_page=True
            )
            widths[name + device] = page.evaluate(
                "document.documentElement.scrollWidth"
            )
        context.close()

    phone = {name: w for name, w in widths.items() if name.endswith("-phone")}
    assert all(w <= PHONE["width"] for w in phone.values()), phone
    desktop = {name: w for name, w in widths.items() if not name.endswith("-phone")}
    assert all(w <= DESKTOP["width"] for w in desktop.values()), desktop


def test_a_visitor_finds_pricing_docs_and_sign_up_from_the_landing_page(
    isup, browser, account
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{isup.url}/")

    page.click("#nav-pricing")
    expect(page).to_have_url(re.compile(r"/pricing/?$"))
    plan = page.locator(".plan").first
    expect(plan).to_be_visible(timeout=10_000)
    # Self-hosted (no Stripe): one plan, no limits, its button signs up.
    expect(plan).to_contain_text("Unlimited active monitors")
    expect(plan.locator(".plan-action")).to_have_attribute("href", "/sign-up")

    page.click("#nav-docs")
    expect(page.get_by_role("heading", name="How IsUp works")).to_be_visible()
    page.click("#docs-heartbeats")
    expect(page).to_have_url(re.compile(r"/docs/heartbeats/?$"))
    expect(page.locator(".snippet").first).to_contain_text("/api/heartbeat/")
    width = page.evaluate("document.documentElement.scrollWidth")

    # Sign-in is a plain HTTP page: the link loads it, not the app's 404.
    page.click("#nav-sign-in")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.locator("form[action='/sign-in']")).to_be_visible()
    context.close()

    assert width <= PHONE["width"]


def test_the_favicon_is_served_without_a_session(isup):
    response = httpx.get(f"{isup.url}/favicon.ico")

    assert response.status_code == 200
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
