"""Heartbeat monitors: the ping addresses and the late/never-pinged check
(case C9), on real databases and a real Redis, with an injected clock."""

from datetime import timedelta

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from checker.runners import run_check
from isup_app.api import heartbeat as heartbeat_api
from isup_app.core import bus
from isup_app.core.models import Monitor
from isup_app.core.monitors import create_monitor, delete_monitor, record_ping
from isup_app.core.outcome import Phase, ResultMessage, Verdict
from isup_app.core.settings import Settings
from tests.factories import DEFAULT_ORG

FIVE_MINUTES = {"interval_seconds": 300, "heartbeat_grace_seconds": 60}


def new_heartbeat(session, **fields) -> Monitor:
    data = {"name": "Nightly backup", "type": "heartbeat", **FIVE_MINUTES, **fields}
    return create_monitor(session, DEFAULT_ORG, data)


# --- C9: a heartbeat that never arrives ------------------------------------------


async def test_never_pinged_heartbeat_is_unknown_while_its_first_window_is_open(
    session,
):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at

    outcome = await run_check(monitor, now=t0 + timedelta(minutes=2))

    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.reason == "waiting for the first ping"


async def test_never_pinged_heartbeat_is_down_after_interval_and_grace(session):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at

    outcome = await run_check(monitor, now=t0 + timedelta(minutes=7))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.HEARTBEAT
    assert outcome.reason == "no ping since it was created, 7 minutes ago"


async def test_heartbeat_reads_no_negative_durations_or_year_one_dates(session):
    monitor = new_heartbeat(session)
    before_creation = monitor.created_at - timedelta(minutes=3)

    outcome = await run_check(monitor, now=before_creation)

    text = f"{outcome.reason} {outcome.seen} {outcome.expected}"
    assert outcome.verdict is Verdict.UNKNOWN
    assert "-" not in text
    assert "0001" not in text
    assert outcome.seen == "created 0 seconds ago"


async def test_heartbeat_exactly_at_the_end_of_its_window_is_still_waiting(session):
    monitor = new_heartbeat(session)

    outcome = await run_check(monitor, now=monitor.created_at + timedelta(minutes=6))

    assert outcome.verdict is Verdict.UNKNOWN


# --- after pings -------------------------------------------------------------------


async def test_pinged_heartbeat_is_up_within_its_window(session):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at
    monitor = record_ping(session, monitor.heartbeat_token, "success", b"", now=t0)

    outcome = await run_check(monitor, now=t0 + timedelta(minutes=5, seconds=30))

    assert outcome.verdict is Verdict.UP
    assert outcome.seen == "last ping 5 minutes ago"


async def test_late_heartbeat_is_down_and_says_how_late(session):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at
    monitor = record_ping(session, monitor.heartbeat_token, "success", b"", now=t0)

    outcome = await run_check(monitor, now=t0 + timedelta(hours=1, minutes=12))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "no ping for 1 hour 12 minutes"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("fail", "the job reported a failure"),
        ("exit 3", "the job ended with exit status 3"),
    ],
)
async def test_failure_ping_is_down_with_its_reason(session, kind, reason):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at
    monitor = record_ping(session, monitor.heartbeat_token, kind, b"", now=t0)

    outcome = await run_check(monitor, now=t0 + timedelta(minutes=1))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == reason


async def test_started_job_that_never_finishes_is_down_after_the_grace(session):
    monitor = new_heartbeat(session)
    t0 = monitor.created_at
    record_ping(session, monitor.heartbeat_token, "success", b"", now=t0)
    started = t0 + timedelta(minutes=5)
    monitor = record_ping(session, monitor.heartbeat_token, "start", b"", now=started)

    running = await run_check(monitor, now=started + timedelta(seconds=30))
    stuck = await run_check(monitor, now=started + timedelta(minutes=2))

    assert running.verdict is Verdict.UP
    assert stuck.verdict is Verdict.DOWN
    assert stuck.reason == "the job started 2 minutes ago and has not finished"


def test_each_heartbeat_gets_its_own_unguessable_token(session):
    first = new_heartbeat(session)
    second = new_heartbeat(session)

    assert len(first.heartbeat_token) >= 32
    assert first.heartbeat_token != second.heartbeat_token


# --- the ping address -----------------------------------------------------------------


@pytest.fixture
def client(engine, redis_url):
    app = FastAPI()
    app.include_router(heartbeat_api.router)
    settings = Settings(redis_url=redis_url, region="local")
    app.dependency_overrides[heartbeat_api.engine_dependency] = lambda: engine
    app.dependency_overrides[heartbeat_api.settings_dependency] = lambda: settings
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_ping_address_records_the_ping(client, session, method):
    monitor = new_heartbeat(session)

    response = client.request(method, f"/api/heartbeat/{monitor.heartbeat_token}")

    session.refresh(monitor)
    assert response.status_code == 200
    assert monitor.last_ping_at is not None
    assert monitor.last_ping_kind == "success"


def test_ping_keeps_the_first_10_kb_of_its_body(client, session):
    monitor = new_heartbeat(session)
    body = "x" * 10_240 + "TAIL"

    client.post(f"/api/heartbeat/{monitor.heartbeat_token}", content=body)

    session.refresh(monitor)
    assert monitor.last_ping_body == "x" * 10_240


@pytest.mark.parametrize(
    ("suffix", "kind"),
    [("/fail", "fail"), ("/0", "success"), ("/3", "exit 3")],
    ids=["fail", "exit-0", "exit-3"],
)
def test_ping_signals_are_recorded_by_kind(client, session, suffix, kind):
    monitor = new_heartbeat(session)

    response = client.get(f"/api/heartbeat/{monitor.heartbeat_token}{suffix}")

    session.refresh(monitor)
    assert response.status_code == 200
    assert monitor.last_ping_kind == kind


def test_start_signal_marks_the_start_only(client, session):
    monitor = new_heartbeat(session)

    client.get(f"/api/heartbeat/{monitor.heartbeat_token}/start")

    session.refresh(monitor)
    assert monitor.last_start_at is not None
    assert monitor.last_ping_at is None


@pytest.mark.parametrize("suffix", ["", "/fail", "/256", "/nope"])
def test_unknown_token_or_signal_is_not_found(client, session, suffix):
    monitor = new_heartbeat(session)
    token = "not-a-token" if suffix in ("", "/fail") else monitor.heartbeat_token

    response = client.get(f"/api/heartbeat/{token}{suffix}")

    assert response.status_code == 404


def test_deleted_heartbeat_no_longer_answers(client, session):
    monitor = new_heartbeat(session)
    delete_monitor(session, DEFAULT_ORG, monitor.id)

    response = client.get(f"/api/heartbeat/{monitor.heartbeat_token}")

    assert response.status_code == 404


def test_ping_goes_onto_the_results_stream_at_once(client, session, redis_url):
    monitor = new_heartbeat(session)

    client.post(f"/api/heartbeat/{monitor.heartbeat_token}/fail", content="disk full")

    entries = redis.Redis.from_url(redis_url).xrange(bus.RESULTS_STREAM)
    assert len(entries) == 1
    message = ResultMessage.from_fields(entries[0][1])
    assert message.monitor_id == monitor.id
    assert message.organization_id == DEFAULT_ORG
    assert message.outcome.verdict is Verdict.DOWN
    assert message.outcome.reason == "the job reported a failure"


def test_ping_tells_the_probes_to_reread_the_monitor(client, session, redis_url):
    monitor = new_heartbeat(session)
    listener = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(bus.MONITOR_EVENTS)
    listener.get_message(timeout=1)

    client.get(f"/api/heartbeat/{monitor.heartbeat_token}")

    message = listener.get_message(timeout=2)
    listener.close()
    assert message is not None
    assert f'"monitor_id": {monitor.id}' in message["data"].decode()
    assert '"action": "pinged"' in message["data"].decode()


def test_ping_moves_updated_at_so_probes_reread_the_monitor(session):
    monitor = new_heartbeat(session)
    pinged_at = monitor.created_at + timedelta(minutes=1)

    monitor = record_ping(
        session, monitor.heartbeat_token, "success", b"", now=pinged_at
    )

    assert monitor.updated_at == pinged_at
