"""The evaluator runs retention on a schedule, and runs at once stay correct."""

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from checker.retention import ADVISORY_LOCK, run_retention
from isup_app.core.models import CheckResult, CheckResultDaily, CheckResultHourly
from tests.checker.test_entry_point import checker_env
from tests.factories import make_monitor
from tests.history.conftest import write_results


def _history(session, now):
    """Raw results and rollups 40 days old and an hour old (a 30-day plan
    keeps only the latter)."""
    monitor = make_monitor(session, created_at=now - timedelta(days=41))
    old = [(now - timedelta(days=40, minutes=m), "up", 10) for m in range(6)]
    fresh = [(now - timedelta(hours=1, minutes=m), "up", 10) for m in range(6)]
    write_results(session, monitor, old + fresh, batch=4)
    return monitor


def _times(engine, table, column, monitor_id):
    t = table.__table__.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t[column]).where(t.monitor_id == monitor_id))
        return sorted(v for (v,) in rows)


def _assert_only_fresh_rows_left(engine, monitor, now):
    cutoff = now - timedelta(days=30)
    raw = _times(engine, CheckResult, "timestamp", monitor.id)
    assert len(raw) == 6
    assert all(at.replace(tzinfo=at.tzinfo or UTC) >= cutoff for at in raw)
    hours = _times(engine, CheckResultHourly, "hour", monitor.id)
    assert hours and all(h.replace(tzinfo=h.tzinfo or UTC) >= cutoff for h in hours)
    days = _times(engine, CheckResultDaily, "day", monitor.id)
    assert days and all(day >= cutoff.date() for day in days)


def test_the_evaluator_process_runs_retention_on_its_interval(
    session, engine, database_url, redis_url, tmp_path
):
    now = datetime.now(UTC)
    monitor = _history(session, now)
    process = subprocess.Popen(
        [sys.executable, "-m", "checker", "--role", "evaluator"],
        cwd=tmp_path,
        env=checker_env(
            ISUP_DATABASE_URL=database_url,
            ISUP_REDIS_URL=redis_url,
            ISUP_RETENTION_INTERVAL_SECONDS="1",
            # Billing on: the organization is on the free plan, 30 days.
            ISUP_STRIPE_SECRET_KEY="sk_test_retention",
        ),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(_times(engine, CheckResult, "timestamp", monitor.id)) == 6:
                break
            time.sleep(0.2)
        # Interval 1 s: a second run comes and finds nothing more.
        time.sleep(2.5)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    _assert_only_fresh_rows_left(engine, monitor, now)
    assert process.returncode == 0
    assert "Traceback" not in log
    runs = [line for line in log.splitlines() if "retention done" in line]
    assert len(runs) >= 2
    assert "raw_deleted=6 " in runs[0]
    assert "check_results_hourly" in runs[0]
    assert "raw_deleted=0 " in runs[-1]


def test_retention_runs_at_once_delete_the_expired_rows_once(session, engine):
    now = datetime.now(UTC)
    monitor = _history(session, now)
    session.commit()
    start = threading.Barrier(3)
    reports, errors = [], []

    def run():
        start.wait()
        try:
            reports.append(
                run_retention(
                    engine, now=now, retention_days=lambda _s, _o: 30, chunk=1
                )
            )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(reports) == 3
    _assert_only_fresh_rows_left(engine, monitor, now)
    assert sum(r.raw_deleted for r in reports) == 6


def test_retention_skips_while_another_process_holds_the_lock(
    session, engine, database_url
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers; there is no lock to hold")
    now = datetime.now(UTC)
    monitor = _history(session, now)
    session.commit()

    with engine.connect() as other:
        other.execute(sa.select(sa.func.pg_advisory_lock(ADVISORY_LOCK)))
        report = run_retention(engine, now=now, retention_days=lambda _s, _o: 30)
        other.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK)))
        other.commit()

    assert report.skipped
    assert len(_times(engine, CheckResult, "timestamp", monitor.id)) == 12
    assert run_retention(engine, now=now, retention_days=lambda _s, _o: 30).raw_deleted
    with Session(engine) as fresh:
        assert fresh.get(type(monitor), monitor.id) is not None
