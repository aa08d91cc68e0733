"""Sign-in fixtures: the app's settings pointed at a test database, the
WorkOS stand-in, and the whole API behind the access rule."""

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from isup_app.api import build_api
from isup_app.api.auth import access_rule
from isup_app.core import auth
from isup_app.core.db import reset_engine
from isup_app.core.settings import Settings, get_settings
from tests.standins.workos import WorkOSStandIn

AUTH_SETTINGS = (
    "WORKOS_API_KEY",
    "WORKOS_CLIENT_ID",
    "WORKOS_COOKIE_PASSWORD",
    "WORKOS_BASE_URL",
    "SECRET_KEY",
    "PUBLIC_URL",
    "DEFAULT_ORG_ID",
    "ALLOW_SIGNUP",
    "DATABASE_URL",
    "SMTP_HOST",
    "REDIS_URL",
    "RESEND_API_KEY",
)


def _reset_caches() -> None:
    get_settings.cache_clear()
    reset_engine()
    auth._client.cache_clear()


@pytest.fixture
def app_settings(monkeypatch, database_url: str, engine: Engine) -> Iterator[Settings]:
    """Local accounts (no WorkOS) on the test database; ``org_test`` is the
    built-in organization."""
    for name in AUTH_SETTINGS:
        monkeypatch.delenv(f"ISUP_{name}", raising=False)
    monkeypatch.setenv("ISUP_DATABASE_URL", database_url)
    monkeypatch.setenv("ISUP_SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("ISUP_PUBLIC_URL", "http://testserver")
    monkeypatch.setenv("ISUP_DEFAULT_ORG_ID", "org_test")
    _reset_caches()
    yield get_settings()
    _reset_caches()


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Hashes made during tests use a low scrypt cost (each hash carries its
    parameters, so checking is unchanged); the shipped cost is tested apart."""
    from isup_app.core import accounts

    shipped = accounts.SCRYPT_N
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)
    return shipped


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch):
    """Failed sign-ins counted by one test stay out of the next."""
    from isup_app.api import auth as auth_routes

    monkeypatch.setattr(auth_routes, "throttle", auth_routes.Throttle())


@pytest.fixture
def with_redis(monkeypatch, app_settings, redis_url: str) -> str:
    """The app with Redis, as the launcher always runs it."""
    monkeypatch.setenv("ISUP_REDIS_URL", redis_url)
    get_settings.cache_clear()
    return redis_url


@pytest.fixture
def workos() -> Iterator[WorkOSStandIn]:
    with WorkOSStandIn() as server:
        yield server


@pytest.fixture
def workos_settings(monkeypatch, app_settings, workos: WorkOSStandIn) -> Settings:
    monkeypatch.setenv("ISUP_WORKOS_API_KEY", workos.api_key)
    monkeypatch.setenv("ISUP_WORKOS_CLIENT_ID", workos.client_id)
    monkeypatch.setenv("ISUP_WORKOS_BASE_URL", workos.url)
    monkeypatch.setenv("ISUP_WORKOS_COOKIE_PASSWORD", secrets.token_urlsafe(32))
    _reset_caches()
    return get_settings()


@pytest.fixture
def client(app_settings) -> Iterator[TestClient]:
    """The API as the app serves it: every router, behind the access rule."""
    with TestClient(access_rule(build_api()), follow_redirects=False) as client:
        yield client
