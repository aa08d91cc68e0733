"""Retention removes exactly the expired rows, in chunks."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from checker.retention import run_retention
from isup_app.core.models import (
    CheckResult,
    CheckResultDaily,
    CheckResultDailyBucket,
    CheckResultHourly,
)
from tests.factories import make_monitor, make_org
from tests.history.conftest import write_results

NOW = datetime(2026, 9, 20, 12, 0, 30, tzinfo=UTC)
AGES = [
    timedelta(days=400),
    timedelta(days=100),
    timedelta(days=90, seconds=1),
    timedelta(days=90),
    timedelta(days=89, hours=23),
    timedelta(days=31),
    timedelta(days=29),
    timedelta(hours=1),
]
REGIONS = ("eu", "us", "ap")


def _histories(session):
    """Two organizations with the same history: one check per age in each of
    three regions."""
    monitors = []
    for org in ("org_test", make_org(session, name="Other").id):
        monitor = make_monitor(session, organization_id=org, created_at=NOW - AGES[0])
        for region in REGIONS:
            checks = [(NOW - age, "up", 10) for age in AGES]
            write_results(session, monitor, checks, region=region, batch=3)
        monitors.append(monitor)
    return monitors


def _times(session, table, column, monitor_id):
    t = table.__table__.c
    rows = session.connection().execute(
        sa.select(t[column]).where(t.monitor_id == monitor_id)
    )
    return sorted(v for (v,) in rows)


def test_retention_removes_exactly_the_expired_rows(session, engine):
    kept_plan, unlimited = _histories(session)
    plans = {"org_test": 30}
    before = {
        name: _times(session, table, column, unlimited.id)
        for name, table, column in (
            ("hourly", CheckResultHourly, "hour"),
            ("daily", CheckResultDaily, "day"),
        )
    }
    session.commit()

    report = run_retention(
        engine, now=NOW, retention_days=lambda _s, org: plans.get(org), chunk=7
    )
    session.expire_all()

    # The plan of 30 days keeps raw results and rollups 30 days.
    cutoff = NOW - timedelta(days=30)
    raw = _times(session, CheckResult, "timestamp", kept_plan.id)
    assert raw and all(at >= cutoff for at in raw)
    assert len(raw) == 2 * 3
    hours = _times(session, CheckResultHourly, "hour", kept_plan.id)
    assert hours == sorted(
        (NOW - a).replace(minute=0, second=0) for a in AGES[6:] for _ in REGIONS
    )
    days = _times(session, CheckResultDaily, "day", kept_plan.id)
    assert days == sorted((NOW - a).date() for a in AGES[6:] for _ in REGIONS)
    assert _times(session, CheckResultDailyBucket, "day", kept_plan.id) == days

    # No plan limit: raw results 90 days (to the second), rollups all kept.
    raw = _times(session, CheckResult, "timestamp", unlimited.id)
    assert min(raw) == NOW - timedelta(days=90)
    assert len(raw) == 5 * 3
    assert _times(session, CheckResultHourly, "hour", unlimited.id) == before["hourly"]
    assert _times(session, CheckResultDaily, "day", unlimited.id) == before["daily"]

    assert report.raw_deleted == 6 * 3 + 3 * 3
    old_hours = {(NOW - a).replace(minute=0, second=0) for a in AGES[:6]}
    old_days = {(NOW - a).date() for a in AGES[:6]}
    assert report.rollups_deleted == {
        "check_results_hourly": len(old_hours) * 3,
        "check_results_daily": len(old_days) * 3,
        "check_results_daily_buckets": len(old_days) * 3,
    }
    assert report.chunks > report.raw_deleted // 7


def test_retention_run_twice_deletes_nothing_more(session, engine):
    _histories(session)
    session.commit()
    run_retention(engine, now=NOW, retention_days=lambda _s, _org: 30)

    again = run_retention(engine, now=NOW, retention_days=lambda _s, _org: 30)

    assert again.raw_deleted == 0
    assert sum(again.rollups_deleted.values()) == 0


def test_retention_follows_the_plans_by_default(session, engine):
    # Without Stripe settings every organization is on the unlimited
    # self-hosted plan: raw results go after 90 days, rollups stay.
    monitor = _histories(session)[0]
    session.commit()

    report = run_retention(engine, now=NOW)

    assert report.raw_deleted == 2 * 3 * 3
    assert sum(report.rollups_deleted.values()) == 0
    assert len(_times(session, CheckResult, "timestamp", monitor.id)) == 5 * 3
