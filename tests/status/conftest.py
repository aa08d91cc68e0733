"""Status pages on real databases and a real Redis: a page with monitors
whose history is written the way the evaluator writes it."""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from isup_app.api import build_api
from isup_app.api.status_pages import StatusPagesRuntime
from isup_app.core import status_pages as sp
from isup_app.core.history import record_results
from isup_app.core.models import (
    CheckResult,
    Incident,
    Monitor,
    MonitorState,
    StatusPage,
)
from isup_app.core.settings import Settings
from tests.factories import DEFAULT_ORG, make_monitor

SECRET = "status-test-secret"
NOW = datetime.now(UTC).replace(microsecond=0)


def write_day_results(
    session: Session, monitor: Monitor, day: datetime, statuses: list[str]
) -> None:
    """One result per listed status, spread over ``day``."""
    rows = []
    for n, status in enumerate(statuses):
        rows.append(
            CheckResult(
                check_id=secrets.token_hex(10),
                monitor_id=monitor.id,
                organization_id=monitor.organization_id,
                timestamp=day + timedelta(minutes=10 * n),
                region="local",
                status=status,
                response_time_ms=120,
                status_code=200 if status == "up" else 503,
            )
        )
    session.add_all(rows)
    session.flush()
    record_results(session, rows)
    session.commit()


@dataclass
class Scene:
    page: StatusPage
    api: Monitor
    web: Monitor
    hidden: Monitor
    incident: Incident


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=SECRET,
        public_url="http://isup.test",
    )


@pytest.fixture
def runtime(engine, redis_url: str, settings: Settings) -> Iterator[StatusPagesRuntime]:
    runtime = StatusPagesRuntime(
        engine,
        redis_url=redis_url,
        public_url=settings.public_url,
        cache_seconds=30,
        domain_refresh_seconds=0,
        clock=lambda: NOW,
        settings=settings,
    )
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: StatusPagesRuntime) -> Iterator[TestClient]:
    api = build_api()
    api.state.status_pages = runtime
    with TestClient(api, base_url="http://isup.test") as client:
        yield client


@pytest.fixture
def scene(session: Session) -> Scene:
    """Case C12's set-up: a monitor with credentials in its URL and a bearer
    token on a public page, a second one on it too, a third one not on it."""
    start = (NOW - timedelta(days=3)).replace(hour=0, minute=0, second=0)
    api = make_monitor(
        session,
        name="internal-api-name",
        url="http://user:s3cret@127.0.0.1:45678/health",
        http_headers={"Authorization": "Bearer T0KEN"},
        keyword="SECRETWORD",
        current_state=MonitorState.DOWN,
        created_at=start - timedelta(days=10),
    )
    web = make_monitor(
        session,
        name="internal-web-name",
        url="http://127.0.0.1:45679/",
        current_state=MonitorState.UP,
        created_at=start - timedelta(days=10),
    )
    hidden = make_monitor(
        session,
        name="Hidden Billing Backend",
        url="http://127.0.0.1:45680/private",
        current_state=MonitorState.DOWN,
    )
    for offset in range(3):
        day = start + timedelta(days=offset)
        write_day_results(session, api, day, ["up"] * 9 + ["down"])
        write_day_results(session, web, day, ["up"] * 10)
    incident = Incident(
        monitor_id=api.id,
        organization_id=DEFAULT_ORG,
        # Today, even in the first half hour after midnight.
        started_at=max(NOW - timedelta(minutes=30), NOW.replace(hour=0, minute=0)),
        cause="connect",
        error_message="connect to 127.0.0.1:45678 refused (user:s3cret)",
    )
    session.add(incident)
    session.commit()

    page = sp.create_status_page(
        session, DEFAULT_ORG, slug="acme", name="Acme Status", description="Acme"
    )
    sp.set_page_monitors(
        session,
        DEFAULT_ORG,
        page.id,
        [(web.id, "Website", 2), (api.id, "Public API", 1)],
    )
    return Scene(page=page, api=api, web=web, hidden=hidden, incident=incident)
