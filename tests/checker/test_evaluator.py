"""The evaluator stores each result once and loses none: redelivery after a
crash, entries left by a dead consumer, a batch that fails half way."""

import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from checker.evaluator import Evaluator
from isup_app.core import bus
from isup_app.core.models import CheckResult, Incident, MaintenanceWindow, Monitor
from isup_app.core.outcome import CheckOutcome, Phase, ResultMessage, Verdict
from tests.factories import DEFAULT_ORG, make_monitor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(redis_url):
    client = bus.connect(redis_url)
    bus.ensure_group(client, bus.RESULTS_STREAM, bus.EVALUATOR_GROUP)
    yield client
    client.close()


@pytest.fixture
def evaluator(redis_url, engine):
    made = []

    def make(**options) -> Evaluator:
        options.setdefault("block_ms", 20)
        options.setdefault("result_hooks", [])
        options.setdefault("transition_hooks", [])
        options.setdefault("after_commit_hooks", [])
        made.append(Evaluator(redis_url, engine, **options))
        return made[-1]

    yield make
    for each in made:
        each.redis.close()


def message(monitor, verdict=Verdict.DOWN, at=T0, check_id=None) -> ResultMessage:
    outcome = CheckOutcome(
        verdict=verdict,
        reason="status 503, expected 200-299" if verdict == Verdict.DOWN else "",
        phase=Phase.STATUS if verdict == Verdict.DOWN else None,
        status_code=503 if verdict == Verdict.DOWN else 200,
    )
    return ResultMessage(
        check_id=check_id or uuid.uuid4().hex,
        monitor_id=monitor.id,
        organization_id=monitor.organization_id,
        region="local",
        scheduled_at=at,
        started_at=at,
        outcome=outcome,
    )


def send(client, msg: ResultMessage) -> str:
    return client.xadd(bus.RESULTS_STREAM, msg.to_fields())


def drain(evaluator: Evaluator, rounds: int = 5) -> None:
    for _ in range(rounds):
        evaluator.process_once()


def stored(engine, monitor_id) -> tuple[Monitor, list[CheckResult], list[Incident]]:
    with Session(engine) as session:
        monitor = session.get(Monitor, monitor_id)
        rows = list(
            session.exec(
                select(CheckResult).where(CheckResult.monitor_id == monitor_id)
            )
        )
        incidents = list(
            session.exec(select(Incident).where(Incident.monitor_id == monitor_id))
        )
        return monitor, rows, incidents


def pending(client) -> int:
    return client.xpending(bus.RESULTS_STREAM, bus.EVALUATOR_GROUP)["pending"]


def test_an_entry_read_but_not_acknowledged_is_processed_once_after_a_restart(
    session, engine, client, evaluator
):
    monitor = make_monitor(session, retries=2)
    send(client, message(monitor))
    # The consumer reads the entry and dies before acknowledging it.
    client.xreadgroup(bus.EVALUATOR_GROUP, "worker-1", {bus.RESULTS_STREAM: ">"})

    drain(evaluator(consumer="worker-1"))

    monitor, rows, _ = stored(engine, monitor.id)
    assert len(rows) == 1
    assert (monitor.current_state, monitor.failure_count) == ("pending", 1)
    assert pending(client) == 0


def test_entries_left_by_a_dead_consumer_are_claimed_by_another(
    session, engine, client, evaluator
):
    monitor = make_monitor(session)
    send(client, message(monitor, Verdict.UP))
    client.xreadgroup(bus.EVALUATOR_GROUP, "gone", {bus.RESULTS_STREAM: ">"})

    drain(evaluator(consumer="other", claim_idle_ms=0))

    monitor, rows, _ = stored(engine, monitor.id)
    assert len(rows) == 1
    assert monitor.current_state == "up"
    assert pending(client) == 0


def test_a_result_delivered_twice_is_stored_and_counted_once(
    session, engine, client, evaluator
):
    monitor = make_monitor(session, retries=2)
    first = message(monitor)
    running = evaluator()
    send(client, first)
    drain(running)

    send(client, first)  # the same check again, as after a lost acknowledgement
    drain(running)

    monitor, rows, _ = stored(engine, monitor.id)
    assert len(rows) == 1
    assert monitor.failure_count == 1


def test_a_batch_that_fails_is_rolled_back_and_retried(
    session, engine, client, evaluator
):
    monitor = make_monitor(session)
    calls = []

    def flaky(session, monitor, transition):
        calls.append(transition.new_state)
        if len(calls) == 1:
            raise RuntimeError("the outbox is not ready")

    running = evaluator(transition_hooks=[flaky])
    send(client, message(monitor))

    with pytest.raises(RuntimeError):
        running.process_once()
    assert stored(engine, monitor.id)[1] == []
    running._recheck_own = True  # what the run loop does after a failure
    drain(running)

    monitor, rows, incidents = stored(engine, monitor.id)
    assert len(rows) == 1 and len(incidents) == 1
    assert monitor.current_state == "down"
    assert pending(client) == 0


def test_a_killed_evaluator_loses_nothing(
    session, engine, redis_url, client, evaluator
):
    monitor = make_monitor(session)
    send(client, message(monitor))
    url = engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        import os
        from checker.evaluator import Evaluator
        from isup_app.core.db import make_engine

        def die(session, monitor, transition):
            os._exit(3)  # killed in the middle of the transaction

        evaluator = Evaluator(
            {redis_url!r},
            make_engine({url!r}),
            consumer="doomed",
            result_hooks=[], transition_hooks=[die], after_commit_hooks=[],
        )
        evaluator.process_once()
        """
    )

    done = subprocess.run([sys.executable, "-c", script], timeout=60)

    assert done.returncode == 3
    assert pending(client) == 1
    assert stored(engine, monitor.id)[1] == []
    drain(evaluator(consumer="survivor", claim_idle_ms=0))
    monitor, rows, incidents = stored(engine, monitor.id)
    assert len(rows) == 1 and len(incidents) == 1
    assert pending(client) == 0


def test_a_late_result_is_stored_but_does_not_move_the_state_back(
    session, engine, client, evaluator
):
    monitor = make_monitor(session)
    running = evaluator()
    send(client, message(monitor, Verdict.UP, at=T0 + timedelta(seconds=60)))
    drain(running)

    send(client, message(monitor, Verdict.DOWN, at=T0))
    drain(running)

    monitor, rows, incidents = stored(engine, monitor.id)
    assert len(rows) == 2
    assert monitor.current_state == "up"
    assert incidents == []


def test_no_incident_opens_inside_a_maintenance_window_until_it_ends(
    session, engine, client, evaluator
):
    monitor = make_monitor(session, interval_seconds=60)
    session.add(
        MaintenanceWindow(
            organization_id=DEFAULT_ORG,
            title="upgrade",
            starts_at=T0 - timedelta(minutes=5),
            ends_at=T0 + timedelta(minutes=5),
        )
    )
    session.commit()
    seen = []
    running = evaluator(transition_hooks=[lambda s, m, t: seen.append(t)])

    send(client, message(monitor, at=T0))
    drain(running)
    inside = stored(engine, monitor.id)
    send(client, message(monitor, at=T0 + timedelta(minutes=6)))
    drain(running)

    assert inside[0].current_state == "down"
    assert inside[2] == []
    [incident] = stored(engine, monitor.id)[2]
    assert incident.started_at == T0 + timedelta(minutes=6)
    assert [t.notify for t in seen] == [None, "down"]


def test_a_slow_result_is_stored_as_degraded(session, engine, client, evaluator):
    monitor = make_monitor(session, response_time_threshold=100)
    slow = message(monitor, Verdict.UP)
    slow.outcome.timings.total_ms = 250
    send(client, slow)

    drain(evaluator())

    monitor, [row], _ = stored(engine, monitor.id)
    assert row.status == "degraded"
    assert monitor.current_state == "degraded"
    assert monitor.last_response_time_ms == 250


def test_hooks_get_new_rows_and_transitions_and_after_commit_the_redis(
    session, engine, client, evaluator
):
    monitor = make_monitor(session)
    calls = {}
    running = evaluator(
        result_hooks=[lambda s, rows: calls.setdefault("rows", rows)],
        transition_hooks=[lambda s, m, t: calls.setdefault("transition", t)],
        after_commit_hooks=[lambda r, ts: calls.setdefault("after", (r, ts))],
    )
    send(client, message(monitor))

    drain(running)

    [row] = calls["rows"]
    assert row.id is not None and row.monitor_id == monitor.id
    transition = calls["transition"]
    assert (transition.old_state, transition.new_state) == ("unknown", "down")
    assert transition.notify == "down"
    assert transition.incident_action == "opened"
    assert transition.incident.id is not None
    redis_client, transitions = calls["after"]
    assert redis_client.ping() and transitions == [transition]


def test_one_region_down_of_two_is_degraded_and_both_down_is_down(
    session, engine, client, evaluator
):
    monitor = make_monitor(session, regions=["local", "eu-west"], interval_seconds=60)
    running = evaluator()

    def report(region, verdict, seconds):
        msg = message(monitor, verdict, at=T0 + timedelta(seconds=seconds))
        msg.region = region
        send(client, msg)
        drain(running, rounds=2)
        return stored(engine, monitor.id)

    report("eu-west", Verdict.UP, 0)
    one_down, _, no_incident = report("local", Verdict.DOWN, 1)
    both_down, _, [incident] = report("eu-west", Verdict.DOWN, 2)

    assert one_down.current_state == "degraded"
    assert one_down.state_reason.startswith("down in local (1 of 2 regions)")
    assert no_incident == []
    assert both_down.current_state == "down"
    assert incident.affected_regions == ["eu-west", "local"]


def test_acknowledged_entries_are_trimmed_from_the_stream(
    session, engine, client, evaluator
):
    monitor = make_monitor(session)
    running = evaluator()
    for second in range(3):
        send(client, message(monitor, Verdict.UP, at=T0 + timedelta(seconds=second)))
    drain(running)
    unread = send(client, message(monitor, Verdict.UP, at=T0 + timedelta(minutes=1)))

    running._last_trim = float("-inf")
    running._maybe_trim()

    assert [entry_id for entry_id, _ in client.xrange(bus.RESULTS_STREAM)] == [unread]


def test_the_evaluator_recreates_its_group_after_redis_was_flushed(
    session, engine, client, run_evaluator
):
    monitor = make_monitor(session)
    run_evaluator(block_ms=50)
    client.flushall()

    send(client, message(monitor, Verdict.UP))

    deadline = time.monotonic() + 10
    while not stored(engine, monitor.id)[1] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(stored(engine, monitor.id)[1]) == 1
