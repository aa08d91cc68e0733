"""Case C5: a target that accepts and never replies, on a clock the test drives.

Interval 6 s, timeout 4.8 s, one retry before down, 60 s of clock. The event
loop's time is fast-forwarded (looptime) and the probe's scheduler reads the
same clock, so a minute passes in about a second of real time while the
sockets, Redis and the database are real. The evaluator runs the alert hooks
the checker runs, for a contact attached to the monitor, so "exactly one down
notification" is counted in the outbox it writes.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from checker.incidents import on_transition, wake_notifier
from checker.probe import Probe
from isup_app.core import bus
from isup_app.core.contacts import create_contact, set_monitor_contacts
from isup_app.core.models import Incident, Monitor, NotificationOutbox
from isup_app.core.outcome import ResultMessage
from tests.factories import make_monitor

INTERVAL, TIMEOUT, RUN_FOR = 6, 4.8, 60


def wait_drained(redis_url: str, expected: int, timeout: float = 10) -> None:
    """Block (real time) until the evaluators acknowledged ``expected`` entries."""
    client = bus.connect(redis_url)
    deadline = time.monotonic() + timeout
    info = None
    try:
        while time.monotonic() < deadline:
            [group] = client.xinfo_groups(bus.RESULTS_STREAM)
            last = client.xrevrange(bus.RESULTS_STREAM, count=1)
            if (
                client.xlen(bus.RESULTS_STREAM) == expected
                and group["pending"] == 0
                and last
                and group["last-delivered-id"] == last[0][0]
            ):
                return
            time.sleep(0.05)
        info = (client.xlen(bus.RESULTS_STREAM), expected, group)
    finally:
        client.close()
    raise AssertionError(f"the evaluator did not catch up: {info}")


@pytest.mark.looptime(noop_cycles=2000)
async def test_slow_target_goes_pending_then_down_once_on_schedule(
    session, engine, redis_url, silent_server, run_evaluator
):
    loop = asyncio.get_running_loop()
    t0, base = datetime.now(UTC), loop.time()

    def clock() -> datetime:
        return t0 + timedelta(seconds=loop.time() - base)

    monitor = make_monitor(
        session,
        url=silent_server.url,
        interval_seconds=INTERVAL,
        timeout_seconds=TIMEOUT,
        retries=1,
    )
    contact = create_contact(
        session,
        monitor.organization_id,
        name="On call",
        type="webhook",
        config={"url": "http://127.0.0.1:9/hook"},
    )
    contact.is_verified = True
    session.add(contact)
    session.commit()
    set_monitor_contacts(session, monitor, [contact.id])
    transitions = []
    run_evaluator(
        block_ms=50,
        result_hooks=[],
        transition_hooks=[lambda s, m, t: transitions.append(t), on_transition],
        after_commit_hooks=[wake_notifier],
    )
    probe = Probe(redis_url, engine, "local", clock=clock, refresh_seconds=2)

    await probe.start()
    await asyncio.sleep(RUN_FOR)
    started_in_window = probe.checks_started
    await probe.stop(grace=TIMEOUT + 1)
    await asyncio.to_thread(wait_drained, redis_url, started_in_window)

    client = bus.connect(redis_url)
    entries = client.xrange(bus.RESULTS_STREAM)
    client.close()
    results = [ResultMessage.from_fields(fields) for _, fields in entries]
    starts = sorted((r.started_at - t0).total_seconds() for r in results)
    # Checks start every 6 s, start to start, the slow ones included.
    assert len(results) == started_in_window == RUN_FOR // INTERVAL
    assert starts[0] < INTERVAL
    assert [round(b - a, 2) for a, b in zip(starts, starts[1:], strict=False)] == [
        INTERVAL
    ] * (len(starts) - 1)
    assert all(r.outcome.verdict == "down" for r in results)
    assert all(r.outcome.phase == "timeout" for r in results)
    assert silent_server.accepted == len(results)
    # First failure pending, second down, and down exactly once.
    assert [(t.old_state, t.new_state) for t in transitions] == [
        ("unknown", "pending"),
        ("pending", "down"),
    ]
    assert [t.notify for t in transitions] == [None, "down"]
    assert transitions[1].at == results[1].started_at
    # Nothing restarted the monitor or reset its count of failures.
    with Session(engine) as fresh:
        stored = fresh.get(Monitor, monitor.id)
        incidents = list(
            fresh.exec(select(Incident).where(Incident.monitor_id == monitor.id))
        )
        outbox = list(
            fresh.exec(
                select(NotificationOutbox).where(
                    NotificationOutbox.monitor_id == monitor.id
                )
            )
        )
    assert stored.current_state == "down"
    assert stored.failure_count == len(results)
    assert len(incidents) == 1
    assert incidents[0].started_at == results[1].started_at
    # Exactly one down notification, to the attached contact, for the incident.
    assert [(row.type, row.contact_id, row.incident_id) for row in outbox] == [
        ("down", contact.id, incidents[0].id)
    ]
