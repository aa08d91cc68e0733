"""The whole pipeline: a loopback HTTP target, the probe, the results stream on a
real Redis, the evaluator, the database, and the change published on pub/sub."""

import json

import pytest
from sqlmodel import Session, select

from checker.probe import Probe
from isup_app.core import bus
from isup_app.core.models import CheckResult, Incident, Monitor, ResolvedBy
from tests.checker.conftest import until
from tests.factories import DEFAULT_ORG, make_monitor


@pytest.fixture
async def probe(redis_url, engine):
    probes = []

    async def start(region: str = "local") -> Probe:
        started = Probe(redis_url, engine, region, refresh_seconds=0.2)
        await started.start()
        probes.append(started)
        return started

    yield start
    for started in probes:
        await started.stop()


@pytest.fixture
async def changes(redis_url):
    """Messages published for the test organization, as dicts."""
    client = bus.connect_async(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(bus.changes_channel(DEFAULT_ORG))
    received: list[dict] = []

    async def drain() -> list[dict]:
        while (message := await pubsub.get_message(timeout=0.01)) is not None:
            received.append(json.loads(message["data"]))
        return received

    yield drain
    await pubsub.aclose()
    await client.aclose()


def state_of(engine, monitor_id: int) -> Monitor:
    with Session(engine) as session:
        return session.get(Monitor, monitor_id)


def rows_of(engine, model, monitor_id: int) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model).where(model.monitor_id == monitor_id)))


async def test_a_check_travels_from_probe_to_database_and_pub_sub(
    session, engine, target, probe, run_evaluator, changes
):
    monitor = make_monitor(session, url=target.url, interval_seconds=1)
    run_evaluator()
    await probe()

    await until(lambda: state_of(engine, monitor.id).current_state == "up")

    row = rows_of(engine, CheckResult, monitor.id)[0]
    assert (row.status, row.status_code, row.region) == ("up", 200, "local")
    assert row.connect_time_ms is not None and row.ttfb_ms is not None
    stored = state_of(engine, monitor.id)
    assert stored.last_checked_at == row.timestamp
    assert stored.last_status_code == 200
    assert stored.last_state_change_at is not None
    published = await until(changes)
    assert published[0]["monitor_id"] == monitor.id
    assert published[0]["state"] == "up"
    assert published[0]["previous_state"] == "unknown"
    assert published[0]["changed"] is True
    assert published[0]["status_code"] == 200


async def test_a_failing_target_opens_an_incident_and_recovery_resolves_it(
    session, engine, target, probe, run_evaluator, changes
):
    monitor = make_monitor(session, url=target.url, interval_seconds=1)
    run_evaluator()
    await probe()
    await until(lambda: state_of(engine, monitor.id).current_state == "up")

    target.status = 503
    await until(lambda: state_of(engine, monitor.id).current_state == "down")

    [incident] = rows_of(engine, Incident, monitor.id)
    assert incident.ended_at is None
    assert incident.cause == "status"
    assert "503" in incident.error_message
    assert incident.affected_regions == ["local"]

    async def went_down():
        return [m for m in await changes() if m["state"] == "down" and m["changed"]]

    down = await until(went_down)
    assert down[0]["incident_action"] == "opened"
    assert down[0]["incident_id"] == incident.id

    target.status = 200
    await until(lambda: state_of(engine, monitor.id).current_state == "up")

    [incident] = rows_of(engine, Incident, monitor.id)
    assert incident.ended_at is not None
    assert incident.resolved_by == ResolvedBy.AUTO
    assert incident.duration_seconds == int(
        (incident.ended_at - incident.started_at).total_seconds()
    )
    assert state_of(engine, monitor.id).notified_state == "up"
