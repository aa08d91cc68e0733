"""Monitors API fixtures: the whole API behind its access rule on the test
database, self-hosted (every door open) or with Stripe's settings (plans
sold), Redis always on as the launcher runs it, and signed-in callers."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from isup_app.core.models import RoleName
from isup_app.core.settings import Settings
from tests.auth.helpers import signed_in_cookie
from tests.billing.conftest import _use_settings, whole_api

ORG = "org_test"
OTHER_ORG = "org_other"


@pytest.fixture
def self_hosted(monkeypatch, database_url, redis_url) -> Iterator[Settings]:
    """No Stripe settings: one plan with every feature."""
    yield from _use_settings(monkeypatch, database_url, redis_url=redis_url)


@pytest.fixture
def with_stripe(monkeypatch, database_url, redis_url) -> Iterator[Settings]:
    """Plans sold (nothing here calls Stripe: the plan is on the row)."""
    yield from _use_settings(
        monkeypatch,
        database_url,
        redis_url=redis_url,
        stripe_secret_key="sk_test_isup",
        stripe_price_pro="price_isup_pro",
        stripe_price_business="price_isup_business",
    )


@pytest.fixture
def client(self_hosted) -> Iterator[TestClient]:
    with TestClient(whole_api(), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def stripe_client(with_stripe) -> Iterator[TestClient]:
    with TestClient(whole_api(), follow_redirects=False) as test_client:
        yield test_client


def cookies(
    session: Session,
    role: RoleName = RoleName.OWNER,
    organization_id: str = ORG,
    email: str | None = None,
) -> dict:
    """Session cookies of someone who is ``role`` in ``organization_id``."""
    email = email or f"{role.value}.{organization_id}@example.test"
    name, value = signed_in_cookie(
        session,
        role=role,
        organization_id=organization_id,
        email=email,
        password=None,
    )
    return {name: value}


def http_monitor(**overrides) -> dict:
    return {
        "name": "Website",
        "type": "http",
        "url": "http://127.0.0.1:1/",
        "interval_seconds": 300,
        **overrides,
    }


def as_caller(client: TestClient, caller: dict) -> TestClient:
    """The client carrying only ``caller``'s cookies."""
    client.cookies.clear()
    client.cookies.update(caller)
    return client


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
