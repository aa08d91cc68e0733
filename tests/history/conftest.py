"""Generated histories: results written the way the evaluator writes them
(insert, then ``record_results`` in the same transaction)."""

import secrets
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.core.db import reset_engine
from isup_app.core.history import record_results
from isup_app.core.models import CheckResult, Monitor
from isup_app.core.settings import Settings, get_settings


def write_results(
    session: Session,
    monitor: Monitor,
    checks: Iterable[tuple[datetime, str, int]],
    *,
    region: str = "local",
    batch: int = 500,
) -> list[CheckResult]:
    """Store (time, status, response ms) checks in batches and fold each
    batch into the rollups, committing after each."""
    written: list[CheckResult] = []
    pending: list[CheckResult] = []
    for at, status, response_ms in checks:
        pending.append(
            CheckResult(
                check_id=secrets.token_hex(12),
                monitor_id=monitor.id,
                organization_id=monitor.organization_id,
                timestamp=at,
                region=region,
                status=status,
                response_time_ms=response_ms,
            )
        )
        if len(pending) >= batch:
            _flush(session, pending)
            written += pending
            pending = []
    if pending:
        _flush(session, pending)
        written += pending
    return written


def _flush(session: Session, rows: list[CheckResult]) -> None:
    session.add_all(rows)
    session.flush()
    record_results(session, rows)
    session.commit()


def every(start: datetime, end: datetime, seconds: int) -> list[datetime]:
    """Check times from ``start`` (included) to ``end`` (excluded)."""
    out, at = [], start
    while at < end:
        out.append(at)
        at += timedelta(seconds=seconds)
    return out


@pytest.fixture
def app_settings(monkeypatch, database_url: str, engine: Engine) -> Iterator[Settings]:
    """The app's settings on the test database, local accounts only."""
    for name in ("WORKOS_API_KEY", "WORKOS_CLIENT_ID", "WORKOS_COOKIE_PASSWORD"):
        monkeypatch.delenv(f"ISUP_{name}", raising=False)
    monkeypatch.setenv("ISUP_DATABASE_URL", database_url)
    monkeypatch.setenv("ISUP_SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("ISUP_PUBLIC_URL", "http://testserver")
    monkeypatch.setenv("ISUP_DEFAULT_ORG_ID", "org_test")
    get_settings.cache_clear()
    reset_engine()
    yield get_settings()
    get_settings.cache_clear()
    reset_engine()
