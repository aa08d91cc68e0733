"""Billing fixtures: Stripe settings, the local Stripe, the routes served."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.api import billing as billing_routes
from isup_app.core.settings import Settings, get_settings
from tests.standins.stripe import StripeStandIn

API_KEY = "sk_test_isup"
WEBHOOK_SECRET = "whsec_isup_test"
PRICE_PRO = "price_isup_pro"
PRICE_BUSINESS = "price_isup_business"


@pytest.fixture
def stripe_server() -> Iterator[StripeStandIn]:
    with StripeStandIn(
        api_key=API_KEY,
        prices=[PRICE_PRO, PRICE_BUSINESS],
        webhook_secret=WEBHOOK_SECRET,
    ) as server:
        yield server


def _use_settings(monkeypatch, **values) -> Settings:
    for name in (
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_API_BASE",
        "STRIPE_PRICE_PRO",
        "STRIPE_PRICE_BUSINESS",
    ):
        monkeypatch.delenv(f"ISUP_{name}", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(f"ISUP_{name.upper()}", value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def billing_settings(monkeypatch, stripe_server) -> Iterator[Settings]:
    """Stripe configured (against the stand-in) for everything that reads
    the settings, the door checks in other areas' code included."""
    yield _use_settings(
        monkeypatch,
        stripe_secret_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_server.url,
        stripe_price_pro=PRICE_PRO,
        stripe_price_business=PRICE_BUSINESS,
        public_url="http://127.0.0.1:9/isup",
        default_org_id="org_test",
        redis_url="",
    )
    get_settings.cache_clear()


@pytest.fixture
def self_hosted_settings(monkeypatch) -> Iterator[Settings]:
    yield _use_settings(monkeypatch, redis_url="")
    get_settings.cache_clear()


def billing_app(engine: Engine) -> FastAPI:
    app = FastAPI()
    app.include_router(billing_routes.router)

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as db:
            yield db

    app.dependency_overrides[billing_routes.session_dependency] = session
    return app


@pytest.fixture
def client(engine, billing_settings) -> Iterator[TestClient]:
    with TestClient(billing_app(engine), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def served(engine, billing_settings, stripe_server) -> Iterator[str]:
    """The billing routes on a real loopback port; the stand-in delivers its
    webhooks there."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(billing_app(engine), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    stripe_server.webhook_url = f"{url}/api/webhooks/stripe"
    yield url
    server.should_exit = True
    thread.join()
    sock.close()
