"""Analytics with Polars, and the monthly SLA report as CSV."""

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from isup_app.api import build_api
from isup_app.core import analytics
from isup_app.core.history import record_results
from isup_app.core.models import CheckResult, Incident
from tests.auth.helpers import signed_in_cookie
from tests.factories import make_monitor, make_org
from tests.history.conftest import every, write_results

MARCH = datetime(2026, 3, 1, tzinfo=UTC)


def _result(monitor, at, region, status, total, **phases) -> CheckResult:
    return CheckResult(
        check_id=secrets.token_hex(12),
        monitor_id=monitor.id,
        organization_id=monitor.organization_id,
        timestamp=at,
        region=region,
        status=status,
        response_time_ms=total,
        **phases,
    )


def _regions(session):
    monitor = make_monitor(session, created_at=MARCH)
    rows = []
    for i in range(101):
        at = MARCH + timedelta(minutes=i)
        rows.append(
            _result(
                monitor,
                at,
                "eu",
                "up",
                i + 1,
                dns_time_ms=1,
                connect_time_ms=i + 1,
                tls_time_ms=None,
                ttfb_ms=2 * (i + 1),
            )
        )
        rows.append(_result(monitor, at, "us", "down" if i < 10 else "up", 1000))
    session.add_all(rows)
    session.flush()
    record_results(session, rows)
    session.commit()
    return monitor


def test_uptime_and_percentiles_are_given_per_region(session):
    monitor = _regions(session)
    frame = analytics.results_frame(
        session, [monitor.id], MARCH, MARCH + timedelta(days=1)
    )

    uptime = analytics.uptime_by_region(frame).rows_by_key("region", named=True)
    times = analytics.response_percentiles(frame).rows_by_key("region", named=True)

    assert uptime["eu"][0]["uptime_percent"] == 100.0
    assert uptime["us"][0]["uptime_percent"] == pytest.approx(100 * 91 / 101)
    assert (times["eu"][0]["p50"], times["eu"][0]["p95"], times["eu"][0]["p99"]) == (
        51,
        96,
        100,
    )
    assert times["us"][0]["count"] == 91
    assert times["us"][0]["p99"] == 1000


def test_percentiles_are_given_per_phase_where_the_phase_happened(session):
    monitor = _regions(session)
    frame = analytics.results_frame(
        session, [monitor.id], MARCH, MARCH + timedelta(days=1)
    )

    phases = analytics.phase_percentiles(frame).filter(region="eu")
    by_phase = {row["phase"]: row for row in phases.iter_rows(named=True)}

    assert set(by_phase) == {"dns", "connect", "ttfb", "total"}
    assert by_phase["dns"]["p99"] == 1
    assert by_phase["connect"]["p50"] == 51
    assert by_phase["ttfb"]["p95"] == 192


def test_incident_count_and_mean_time_to_recovery(session):
    monitor = make_monitor(session, created_at=MARCH)
    for start, minutes in ((1, 10), (5, 30), (9, None)):
        started = MARCH + timedelta(days=start)
        session.add(
            Incident(
                monitor_id=monitor.id,
                organization_id=monitor.organization_id,
                started_at=started,
                ended_at=started + timedelta(minutes=minutes) if minutes else None,
                cause="timeout",
            )
        )
    session.commit()

    stats = analytics.incident_stats(
        session, [monitor.id], MARCH, MARCH + timedelta(days=31)
    ).row(0, named=True)

    assert (stats["incidents"], stats["resolved"]) == (3, 2)
    assert stats["mttr_seconds"] == 1200


def _march(session):
    """Three days of minute checks from March 1st, half an hour down on the
    2nd with its incident; the rest of March has no data."""
    monitor = make_monitor(session, created_at=MARCH)
    down_at = MARCH + timedelta(days=1, hours=8)
    back_at = down_at + timedelta(minutes=30)
    checks = [
        (at, "down" if down_at <= at < back_at else "up", 100)
        for at in every(MARCH, MARCH + timedelta(days=3), 60)
    ]
    write_results(session, monitor, checks, batch=1000)
    session.add(
        Incident(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            started_at=down_at,
            ended_at=back_at,
            cause="status",
        )
    )
    session.commit()
    return monitor


@pytest.mark.parametrize(
    ("now", "source"),
    [
        (datetime(2026, 4, 10, tzinfo=UTC), "raw"),
        (datetime(2026, 8, 1, tzinfo=UTC), "rollup"),
    ],
    ids=["within-raw-retention", "from-rollups"],
)
def test_the_monthly_sla_report_gives_each_day_and_the_month(session, now, source):
    monitor = _march(session)

    text = analytics.sla_report_csv(session, "org_test", monitor.id, "2026-03", now=now)
    rows = list(csv.DictReader(io.StringIO(text)))

    assert len(rows) == 31 + 1
    assert [r["source"] for r in rows[:3]] == [source] * 3
    second = rows[1]
    assert second["date"] == "2026-03-02"
    assert float(second["downtime_seconds"]) == 1800
    assert float(second["uptime_percent"]) == pytest.approx(100 * 1410 / 1440, abs=1e-3)
    assert second["incidents"] == "1"
    assert rows[10]["uptime_percent"] == ""
    assert rows[10]["checks"] == "0"
    total = rows[-1]
    assert total["date"] == "total"
    assert float(total["watched_seconds"]) == 3 * 86400
    assert float(total["downtime_seconds"]) == 1800
    assert float(total["uptime_percent"]) == pytest.approx(
        100 * 257400 / 259200, abs=1e-3
    )
    assert float(total["mttr_seconds"]) == 1800
    assert total["target_met"] == "false"


def test_the_sla_report_refuses_a_monitor_of_another_organization(session):
    other = make_org(session, name="Other")
    monitor = make_monitor(session, organization_id=other.id)

    with pytest.raises(LookupError):
        analytics.sla_report(session, "org_test", monitor.id, "2026-03", now=MARCH)


def test_the_sla_report_downloads_as_csv_for_the_signed_in_organization(
    session, app_settings
):
    monitor = _march(session)
    other = make_monitor(session, organization_id=make_org(session, name="Other").id)
    client = TestClient(build_api())
    client.cookies.set(*signed_in_cookie(session, app_settings))

    ok = client.get(f"/api/reports/sla.csv?monitor_id={monitor.id}&month=2026-03")
    hidden = client.get(f"/api/reports/sla.csv?monitor_id={other.id}&month=2026-03")
    malformed = client.get(
        f"/api/reports/sla.csv?monitor_id={monitor.id}&month=2026-13"
    )

    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("text/csv")
    assert "attachment" in ok.headers["content-disposition"]
    assert ok.text.splitlines()[0].startswith("date,source,checks")
    assert hidden.status_code == 404
    assert malformed.status_code == 422


def test_the_sla_report_needs_a_signed_in_person(session, app_settings):
    monitor = _march(session)

    answer = TestClient(build_api()).get(
        f"/api/reports/sla.csv?monitor_id={monitor.id}&month=2026-03"
    )

    assert answer.status_code == 401
