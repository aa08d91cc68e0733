"""Each limit of the plan, enforced at each door that leads past it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from checker.retention import run_retention
from isup_app.core import monitors as monitor_queries
from isup_app.core import plans, status_pages
from isup_app.core.models import CheckResultHourly, MonitorStatus
from tests.billing.helpers import ORG, monitors, org
from tests.factories import make_monitor


def put_on(session: Session, plan: str) -> None:
    row = org(session)
    row.plan = plan
    session.add(row)
    session.commit()


def http_monitor(**overrides) -> dict:
    return {
        "name": "Website",
        "type": "http",
        "url": "http://127.0.0.1:9/",
        "interval_seconds": 300,
        **overrides,
    }


def test_creating_a_monitor_past_the_plan_limit_is_refused(billing_settings, session):
    monitors(session, 5)

    with pytest.raises(plans.LimitReached) as refused:
        monitor_queries.create_monitor(session, ORG, http_monitor())

    assert refused.value.limit == "monitors"
    assert "allows 5 active monitors" in str(refused.value)
    assert "http://127.0.0.1:9/isup/pricing" in str(refused.value)
    assert len(monitor_queries.list_monitors(session, ORG)) == 5


def test_creating_a_monitor_within_the_limit_is_allowed(billing_settings, session):
    monitors(session, 4)

    created = monitor_queries.create_monitor(session, ORG, http_monitor())

    assert created.status is MonitorStatus.ACTIVE


def test_importing_monitors_past_the_limit_is_refused_as_a_whole(
    billing_settings, session
):
    monitors(session, 3)

    with pytest.raises(plans.LimitReached, match="3 more would be 6"):
        plans.check_can_add_monitors(session, ORG, count=3)
    plans.check_can_add_monitors(session, ORG, count=2)


def test_paused_monitors_do_not_count_against_the_limit(billing_settings, session):
    monitors(session, 5, status=MonitorStatus.PAUSED)

    created = monitor_queries.create_monitor(session, ORG, http_monitor())

    assert created.id is not None


def test_resuming_a_monitor_past_the_limit_is_refused(billing_settings, session):
    monitors(session, 5)
    paused = make_monitor(
        session, interval_seconds=300, status=MonitorStatus.PAUSED, name="Sixth"
    )

    with pytest.raises(plans.LimitReached):
        monitor_queries.set_paused(session, ORG, paused.id, False)

    session.expire_all()
    assert monitor_queries.get_monitor(session, ORG, paused.id).status is (
        MonitorStatus.PAUSED
    )


def test_interval_below_the_plan_minimum_is_refused_on_creation(
    billing_settings, session
):
    with pytest.raises(plans.LimitReached) as refused:
        monitor_queries.create_monitor(session, ORG, http_monitor(interval_seconds=60))

    assert refused.value.limit == "interval_min"
    assert "every 300 seconds" in str(refused.value)


def test_interval_below_the_plan_minimum_is_refused_on_edit(billing_settings, session):
    monitor = monitor_queries.create_monitor(session, ORG, http_monitor())

    with pytest.raises(plans.LimitReached):
        monitor_queries.update_monitor(
            session, ORG, monitor.id, {"interval_seconds": 120}
        )


def test_pro_plan_allows_one_minute_intervals(billing_settings, session):
    put_on(session, plans.PRO)
    monitor = monitor_queries.create_monitor(session, ORG, http_monitor())

    changed = monitor_queries.update_monitor(
        session, ORG, monitor.id, {"interval_seconds": 60}
    )

    assert changed.interval_seconds == 60


def test_status_page_needs_the_status_pages_feature(billing_settings, session):
    with pytest.raises(plans.FeatureMissing) as refused:
        status_pages.create_status_page(session, ORG, slug="acme", name="Acme")

    assert refused.value.limit == "isup.status_pages"
    assert "/pricing" in refused.value.upgrade_url
    assert status_pages.list_status_pages(session, ORG) == []


def test_status_page_is_created_on_the_pro_plan(billing_settings, session):
    put_on(session, plans.PRO)

    page = status_pages.create_status_page(session, ORG, slug="acme", name="Acme")

    assert page.id is not None


def test_api_needs_the_api_feature(client, session):
    monitor = make_monitor(session, interval_seconds=300)

    listed = client.get("/api/v1/monitors")
    paused = client.post(f"/api/v1/monitors/{monitor.id}/pause")

    for response in (listed, paused):
        assert response.status_code == 402
        assert response.json()["detail"]["limit"] == "isup.api"
        assert response.json()["detail"]["upgrade_url"].endswith("/pricing")
    session.expire_all()
    assert session.get(type(monitor), monitor.id).status is MonitorStatus.ACTIVE


def test_api_answers_on_the_pro_plan(client, session):
    put_on(session, plans.PRO)
    monitor = make_monitor(session, interval_seconds=300)

    response = client.get("/api/v1/monitors")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["monitors"]] == [monitor.id]


@pytest.mark.parametrize(
    ("plan", "kept"), [(plans.FREE, False), (plans.PRO, True)], ids=["free", "pro"]
)
def test_retention_keeps_rollups_for_the_plan_days(
    billing_settings, engine, session, plan, kept
):
    put_on(session, plan)
    monitor = make_monitor(session)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    session.add(
        CheckResultHourly(
            monitor_id=monitor.id, hour=now - timedelta(days=40), region="local"
        )
    )
    session.add(
        CheckResultHourly(
            monitor_id=monitor.id, hour=now - timedelta(days=10), region="local"
        )
    )
    session.commit()

    run_retention(engine, now=now)

    session.expire_all()
    hours = session.exec(select(CheckResultHourly)).all()
    assert len(hours) == (2 if kept else 1)


def test_self_hosted_install_lets_every_door_open(self_hosted_settings, session):
    monitors(session, 20)

    monitor = monitor_queries.create_monitor(
        session, ORG, http_monitor(interval_seconds=10, timeout_seconds=5)
    )
    page = status_pages.create_status_page(session, ORG, slug="acme", name="Acme")

    assert monitor.id and page.id
    assert plans.retention_days(session, ORG) is None
