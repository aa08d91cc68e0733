"""Billing fixtures: Stripe settings on the test database, the local Stripe,
and IsUp's whole API (behind its access rule) served to a signed-in owner."""

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from isup_app.api import build_api
from isup_app.api.auth import access_rule
from isup_app.core.db import reset_engine
from isup_app.core.models import RoleName
from isup_app.core.settings import Settings, get_settings
from tests.auth.helpers import signed_in_cookie
from tests.standins.stripe import StripeStandIn

API_KEY = "sk_test_isup"
WEBHOOK_SECRET = "whsec_isup_test"
PRICE_PRO = "price_isup_pro"
PRICE_BUSINESS = "price_isup_business"
PUBLIC_URL = "http://127.0.0.1:9/isup"

SETTINGS = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_PRICE_PRO",
    "STRIPE_PRICE_BUSINESS",
    "WORKOS_API_KEY",
    "WORKOS_CLIENT_ID",
    "REDIS_URL",
)


@pytest.fixture
def stripe_server() -> Iterator[StripeStandIn]:
    with StripeStandIn(
        api_key=API_KEY,
        prices=[PRICE_PRO, PRICE_BUSINESS],
        webhook_secret=WEBHOOK_SECRET,
    ) as server:
        yield server


def _use_settings(monkeypatch, database_url: str, **values) -> Iterator[Settings]:
    for name in SETTINGS:
        monkeypatch.delenv(f"ISUP_{name}", raising=False)
    values = {
        "database_url": database_url,
        "secret_key": secrets.token_urlsafe(32),
        "public_url": PUBLIC_URL,
        "default_org_id": "org_test",
        **values,
    }
    for name, value in values.items():
        monkeypatch.setenv(f"ISUP_{name.upper()}", value)
    get_settings.cache_clear()
    reset_engine()
    yield get_settings()
    get_settings.cache_clear()
    reset_engine()


@pytest.fixture
def billing_settings(monkeypatch, database_url, stripe_server) -> Iterator[Settings]:
    """Stripe configured (against the stand-in) for everything that reads the
    settings, the door checks in other areas' code included."""
    yield from _use_settings(
        monkeypatch,
        database_url,
        stripe_secret_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_server.url,
        stripe_price_pro=PRICE_PRO,
        stripe_price_business=PRICE_BUSINESS,
    )


@pytest.fixture
def self_hosted_settings(monkeypatch, database_url) -> Iterator[Settings]:
    yield from _use_settings(monkeypatch, database_url)


def whole_api() -> FastAPI:
    return access_rule(build_api())


def owner_cookies(session: Session, role: RoleName = RoleName.OWNER) -> dict:
    name, value = signed_in_cookie(session, role=role, password=None)
    return {name: value}


@pytest.fixture
def client(billing_settings, session) -> Iterator[TestClient]:
    """The API, signed in as the owner of ``org_test``."""
    with TestClient(
        whole_api(), follow_redirects=False, cookies=owner_cookies(session)
    ) as test_client:
        yield test_client


@pytest.fixture
def served(monkeypatch, billing_settings, stripe_server) -> Iterator[str]:
    """The API on a real loopback port, which is also ``ISUP_PUBLIC_URL``;
    the stand-in delivers its webhooks there."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("ISUP_PUBLIC_URL", url)
    get_settings.cache_clear()
    config = uvicorn.Config(whole_api(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    stripe_server.webhook_url = f"{url}/api/webhooks/stripe"
    yield url
    server.should_exit = True
    thread.join()
    sock.close()


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


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
