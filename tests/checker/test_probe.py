"""The probe picks up monitors added, edited, paused and deleted while it runs,
keeps to its region, spreads first runs, and checks at once when asked."""

import asyncio
import json
from datetime import UTC, datetime

import pytest

from checker.probe import Probe, first_run
from isup_app.core import bus, monitors
from isup_app.core.outcome import ResultMessage
from tests.checker.conftest import until
from tests.factories import DEFAULT_ORG, make_monitor


@pytest.fixture
def sync_redis(redis_url):
    client = bus.connect(redis_url)
    yield client
    client.close()


@pytest.fixture
async def probe(redis_url, engine):
    probes = []

    async def start(region: str = "local", refresh_seconds: float = 60) -> Probe:
        started = Probe(redis_url, engine, region, refresh_seconds=refresh_seconds)
        await started.start()
        probes.append(started)
        return started

    yield start
    for started in probes:
        await started.stop()


def results(client, monitor_id: int | None = None) -> list[ResultMessage]:
    entries = client.xrange(bus.RESULTS_STREAM)
    found = [ResultMessage.from_fields(fields) for _, fields in entries]
    return [m for m in found if monitor_id is None or m.monitor_id == monitor_id]


def http(target, **overrides) -> dict:
    return {
        "name": "Site",
        "type": "http",
        "url": target.url,
        "interval_seconds": 1,
        "timeout_seconds": 1,
        **overrides,
    }


async def test_a_monitor_added_while_running_is_checked_within_seconds(
    session, sync_redis, target, probe
):
    await probe()  # refresh every 60 s: only the change event can bring it in

    monitor = monitors.create_monitor(
        session, DEFAULT_ORG, http(target, interval_seconds=300), redis=sync_redis
    )

    [result] = await until(lambda: results(sync_redis, monitor.id), timeout=3)
    assert result.outcome.verdict == "up"
    assert result.region == "local"
    assert result.organization_id == DEFAULT_ORG


async def test_a_monitor_added_without_an_event_is_found_by_the_re_read(
    session, sync_redis, target, probe
):
    running = await probe(refresh_seconds=0.3)

    monitor = monitors.create_monitor(session, DEFAULT_ORG, http(target))

    await until(lambda: monitor.id in running.monitors, timeout=3)
    await until(lambda: results(sync_redis, monitor.id), timeout=3)


async def test_a_paused_monitor_is_no_longer_checked(
    session, sync_redis, target, probe
):
    monitor = monitors.create_monitor(session, DEFAULT_ORG, http(target))
    running = await probe()
    await until(lambda: results(sync_redis, monitor.id), timeout=3)

    monitors.set_paused(session, DEFAULT_ORG, monitor.id, True, redis=sync_redis)
    await until(lambda: monitor.id not in running.monitors, timeout=3)
    await asyncio.sleep(0.5)  # a check already running may still report
    count = len(results(sync_redis, monitor.id))
    await asyncio.sleep(2.2)

    assert len(results(sync_redis, monitor.id)) == count
    assert running.scheduler.get_jobs() == []


async def test_a_resumed_monitor_is_checked_again(session, sync_redis, target, probe):
    monitor = monitors.create_monitor(session, DEFAULT_ORG, http(target))
    monitors.set_paused(session, DEFAULT_ORG, monitor.id, True)
    running = await probe()
    assert running.monitors == {}

    monitors.set_paused(session, DEFAULT_ORG, monitor.id, False, redis=sync_redis)

    await until(lambda: results(sync_redis, monitor.id), timeout=3)


async def test_a_deleted_monitor_is_no_longer_checked(
    session, sync_redis, target, probe
):
    monitor = monitors.create_monitor(session, DEFAULT_ORG, http(target))
    running = await probe()
    await until(lambda: results(sync_redis, monitor.id), timeout=3)

    monitors.delete_monitor(session, DEFAULT_ORG, monitor.id, redis=sync_redis)
    await until(lambda: monitor.id not in running.monitors, timeout=3)
    await asyncio.sleep(0.5)
    count = len(results(sync_redis, monitor.id))
    await asyncio.sleep(2.2)

    assert len(results(sync_redis, monitor.id)) == count


async def test_an_edited_monitor_is_checked_with_its_new_settings(
    session, sync_redis, target, probe
):
    monitor = monitors.create_monitor(
        session, DEFAULT_ORG, http(target, url=target.url + "?old")
    )
    running = await probe()
    await until(lambda: results(sync_redis, monitor.id), timeout=3)

    monitors.update_monitor(
        session, DEFAULT_ORG, monitor.id, {"url": target.url + "?new"}, redis=sync_redis
    )

    await until(lambda: running.monitors[monitor.id].url.endswith("?new"), timeout=3)
    before = target.requests
    await until(lambda: target.requests > before, timeout=3)
    assert target.paths[-1].endswith("?new")


async def test_check_now_runs_a_check_at_once(session, sync_redis, target, probe):
    monitor = make_monitor(session, url=target.url, interval_seconds=3600)
    await probe()
    await asyncio.sleep(0.3)
    assert results(sync_redis, monitor.id) == []

    sync_redis.publish(
        bus.MONITOR_EVENTS,
        json.dumps({"monitor_id": monitor.id, "action": "check_now"}),
    )

    await until(lambda: results(sync_redis, monitor.id), timeout=2)


@pytest.mark.parametrize(
    ("regions", "scheduled"),
    [([], True), (["local"], True), (["eu-west", "local"], True), (["eu-west"], False)],
    ids=["no regions", "this region", "several with this", "another region only"],
)
async def test_a_probe_checks_only_monitors_of_its_region(
    session, target, probe, regions, scheduled
):
    monitor = make_monitor(session, url=target.url, regions=regions)

    running = await probe(region="local")

    assert (monitor.id in running.monitors) is scheduled


def test_first_runs_are_spread_over_the_interval_and_stable():
    now = datetime(2026, 1, 1, tzinfo=UTC)

    offsets = [(first_run(i, 60, now) - now).total_seconds() for i in range(1, 201)]

    assert all(0 <= offset < 60 for offset in offsets)
    # 200 monitors over 60 s: every 10-second slice gets some.
    assert {int(offset // 10) for offset in offsets} == set(range(6))
    assert first_run(7, 60, now) == first_run(7, 60, now)


async def test_a_failing_monitor_is_retried_after_its_retry_interval(
    session, sync_redis, target, probe
):
    target.status = 503
    monitor = make_monitor(
        session,
        url=target.url,
        interval_seconds=3600,
        retries=2,
        retry_interval_seconds=1,
    )
    await probe()

    sync_redis.publish(
        bus.MONITOR_EVENTS,
        json.dumps({"monitor_id": monitor.id, "action": "check_now"}),
    )
    await until(lambda: len(results(sync_redis, monitor.id)) >= 3, timeout=5)
    await asyncio.sleep(1.5)

    found = results(sync_redis, monitor.id)
    starts = [r.started_at for r in found]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert len(found) == 3  # two retries, then the hourly interval
    assert all(0.9 <= gap < 1.6 for gap in gaps)
