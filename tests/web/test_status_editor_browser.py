"""One browser test of the status pages editor and the organization page
against the whole IsUp, with Stripe (a local stand-in) configured: the free
plan refuses status pages and links to the upgrade; the owner upgrades to
pro from the organization page; a page made of two monitors of loopback
targets is reordered, published and seen at /status/{slug} in that order; a
password that the public page then asks for; a custom domain verified
against a local DNS responder; a member invited. Screenshots of each page,
and at phone width."""

import os
import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from isup_app.core import bus
from isup_app.core.db import make_engine
from isup_app.core.models import Invitation, Monitor, StatusPage
from isup_app.core.monitors import create_monitor
from tests.standins.stripe import StripeStandIn
from tests.status.dns_responder import DNSResponder
from tests.web.conftest import ARTIFACTS, Target
from tests.web.test_browser import sign_up

ORGANIZATION = "org_default"  # the launcher's built-in one, owned by the first account
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def dns_server():
    """A DNS responder on loopback that the launched IsUp's "verify now"
    asks; requested before ``isup`` so that the launcher passes it on."""
    with DNSResponder() as server:
        saved = os.environ.get("ISUP_DOMAIN_NAMESERVERS")
        os.environ["ISUP_DOMAIN_NAMESERVERS"] = f"127.0.0.1:{server.port}"
        try:
            yield server
        finally:
            if saved is None:
                os.environ.pop("ISUP_DOMAIN_NAMESERVERS", None)
            else:
                os.environ["ISUP_DOMAIN_NAMESERVERS"] = saved


@pytest.fixture(scope="module")
def stripe_server():
    """Stripe settings pointing at a local stand-in, in the environment the
    launcher passes on (requested before ``isup``)."""
    settings = {
        "ISUP_STRIPE_SECRET_KEY": "sk_test_editor",
        "ISUP_STRIPE_WEBHOOK_SECRET": "whsec_editor",
        "ISUP_STRIPE_PRICE_PRO": "price_editor_pro",
        "ISUP_STRIPE_PRICE_BUSINESS": "price_editor_business",
    }
    with StripeStandIn(
        api_key=settings["ISUP_STRIPE_SECRET_KEY"],
        prices=[
            settings["ISUP_STRIPE_PRICE_PRO"],
            settings["ISUP_STRIPE_PRICE_BUSINESS"],
        ],
        webhook_secret=settings["ISUP_STRIPE_WEBHOOK_SECRET"],
    ) as server:
        settings["ISUP_STRIPE_API_BASE"] = server.url
        saved = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def add_monitor(engine, redis_url: str, name: str, url: str) -> int:
    """A one-minute HTTP monitor (the pro plan's shortest interval) of a
    loopback target, announced to the probe as the dashboard's form does and
    checked at once as the detail page's "check now" does."""
    client = bus.connect(redis_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            monitor = create_monitor(
                session,
                ORGANIZATION,
                {
                    "type": "http",
                    "name": name,
                    "url": url,
                    "interval_seconds": "60",
                    "timeout_seconds": "1",
                },
                redis=client,
            )
        bus.announce_monitor_change(client, monitor.id, "check_now")
        bus.publish_change(client, ORGANIZATION, monitor_id=monitor.id)
        return monitor.id
    finally:
        client.close()


def wait_until_up(engine, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            states = {m.current_state for m in session.exec(select(Monitor))}
        if states == {"up"}:
            return
        time.sleep(0.2)
    raise AssertionError(f"monitors not up within {seconds} s: {states}")


def pick(page, trigger, option: str) -> None:
    trigger.click()
    page.get_by_role("option", name=option, exact=True).click()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_status_page_is_built_published_protected_and_a_member_invited(
    dns_server, stripe_server, isup, browser, page, target, redis_server
):
    ARTIFACTS.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{isup.log.parent / 'isup.db'}")
    second = Target()
    try:
        stripe_server.webhook_url = f"{isup.url}/api/webhooks/stripe"
        sign_up(page, isup.url)

        # The free plan has no status pages: the list says so and links to
        # the plans, where the owner upgrades through Checkout.
        page.goto(f"{isup.url}/status-pages")
        refusal = page.locator("#plan-refusal")
        expect(refusal).to_contain_text(
            "The free plan does not include status pages", timeout=30_000
        )
        expect(page.locator("#create-form")).to_have_count(0)
        shot(page, "status-pages-free-plan.png")
        page.click("#upgrade-link")
        expect(page.locator("#plan-name")).to_have_text("Free", timeout=30_000)
        expect(page.locator(".usage").first).to_contain_text("0 of 5")
        page.click("#upgrade-pro")
        expect(page).to_have_url(
            f"{isup.url}/settings/billing?checkout=success", timeout=15_000
        )
        expect(page.locator("#checkout-message")).to_be_visible(timeout=30_000)
        expect(page.locator("#plan-name")).to_have_text("Pro")
        expect(page.locator("#manage-billing")).to_be_visible()
        assert [code for _, code in stripe_server.delivered] == [200, 200]

        add_monitor(engine, redis_server.url, "Shop backend", target.url)
        add_monitor(engine, redis_server.url, "Payments backend", second.url)

        # Create the page: it opens in the editor, private.
        page.goto(f"{isup.url}/status-pages")
        expect(page.locator("#create-form")).to_be_visible(timeout=30_000)
        page.fill("#new-name", "Acme status")
        page.fill("#new-slug", "acme")
        page.click("#create-page")
        expect(page).to_have_url(re.compile(r"/status-pages/\d+$"), timeout=10_000)
        expect(page.locator("#visibility")).to_have_text("private", timeout=10_000)

        # Two components, renamed for the public, then reordered.
        components = page.locator("#components .component")
        for monitor in ("Shop backend", "Payments backend"):
            pick(page, page.locator("#add-monitor"), monitor)
            page.click("#add-component")
            expect(page.locator("#notice")).to_have_text("Added.")
        expect(components).to_have_count(2)
        names = components.locator(".display-name input")
        names.nth(0).fill("Shop")
        names.nth(0).blur()
        expect(names.nth(0)).to_have_value("Shop")
        expect(page.locator("#notice")).to_have_text("Saved.")
        names.nth(1).fill("Payments")
        names.nth(1).blur()
        expect(page.locator("#notice")).to_have_text("Saved.")
        components.nth(1).locator(".move-up").click()
        expect(components.nth(0).locator(".display-name input")).to_have_value(
            "Payments"
        )
        expect(components.nth(1).locator(".display-name input")).to_have_value("Shop")

        page.click("#publish")
        expect(page.locator("#visibility")).to_have_text("public", timeout=10_000)
        # The checker's first verdicts (checked at once) show on a reload.
        wait_until_up(engine)
        page.reload()
        for n in range(2):
            state = components.nth(n).locator(".component-state")
            expect(state).to_have_text("up", timeout=15_000)

        # The public page shows the two components in that order.
        page.goto(f"{isup.url}/status/acme")
        shown = page.locator(".component .component-name")
        expect(shown).to_have_text(["Payments", "Shop"])
        html = page.content()
        assert "Shop backend" not in html and "127.0.0.1:" not in html
        shot(page, "status-page-public.png")

        # The list links to the public address.
        page.goto(f"{isup.url}/status-pages")
        line = page.locator(".status-page", has_text="Acme status")
        expect(line.locator(".public-link")).to_have_attribute("href", "/status/acme")
        expect(line).to_contain_text("public")
        shot(page, "status-pages.png")

        # A password: a visitor (no session) is asked for it.
        line.locator(".edit-page").click()
        expect(page.locator("#password")).to_be_visible(timeout=10_000)
        page.fill("#password", "open sesame")
        page.click("#set-password")
        expect(page.locator("#password-state")).to_contain_text("must enter")
        with Session(engine) as session:
            stored = session.exec(select(StatusPage)).one().password_hash
        assert stored.startswith("scrypt$")
        visitor = browser.new_context()
        try:
            public = visitor.new_page()
            response = public.goto(f"{isup.url}/status/acme")
            assert response.status == 401
            expect(public.locator("input[name=password]")).to_be_visible()
            expect(public.locator(".component")).to_have_count(0)
            public.fill("input[name=password]", "open sesame")
            public.keyboard.press("Enter")
            expect(public.locator(".component .component-name")).to_have_text(
                ["Payments", "Shop"]
            )
        finally:
            visitor.close()

        # A custom domain: the TXT record to add is shown; verify now asks DNS.
        page.fill("#custom_domain", "status.acme.test")
        page.click("#save-domain")
        expect(page.locator("#domain-state")).to_have_text("not verified")
        record = page.locator("#record-name")
        expect(record).to_have_text("_isup-verify.status.acme.test")
        page.click("#verify-domain")
        expect(page.locator("#domain-message")).to_contain_text("not found yet")
        token = page.locator("#record-value").inner_text()
        dns_server.txt["_isup-verify.status.acme.test"] = [token]
        page.click("#verify-domain")
        expect(page.locator("#domain-state")).to_have_text("verified")
        expect(page.locator("#domain-message")).to_contain_text("Verified")
        assert "_isup-verify.status.acme.test" in dns_server.queries
        shot(page, "status-page-editor.png")

        # The editor at phone width.
        page.set_viewport_size(PHONE)
        shot(page, "status-page-editor-390.png")
        page.set_viewport_size({"width": 1280, "height": 800})

        # The organization page: invite a member.
        page.goto(f"{isup.url}/settings")
        expect(page.locator("#invite-form")).to_be_visible(timeout=30_000)
        expect(page.locator(".member")).to_have_count(1)
        expect(page.locator("#plan-name")).to_have_text("Pro")
        expect(page.locator("#upgrade-business")).to_be_visible()
        expect(page.locator("#upgrade-pro")).to_have_count(0)
        page.fill("#invite-email", "bob@example.test")
        page.click("#invite")
        expect(page.locator("#invite-link")).to_contain_text("/invite/")
        expect(page.locator(".invitation")).to_have_text(re.compile("bob@example.test"))
        with Session(engine) as session:
            invitation = session.exec(select(Invitation)).one()
        assert invitation.email == "bob@example.test"
        assert invitation.organization_id == ORGANIZATION
        shot(page, "organization.png")
        page.set_viewport_size(PHONE)
        shot(page, "organization-390.png")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide at 390 px"
    finally:
        second.close()
        engine.dispose()
