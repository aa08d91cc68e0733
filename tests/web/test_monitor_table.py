"""The organization's shared list table and the listener's bursts: plain
Python, and pub/sub on a real Redis."""

import asyncio

from isup_app.core import bus
from isup_app.states.live import _next_burst, add_message
from isup_app.states.monitors import MonitorRow, MonitorTable


def row(monitor_id: int, name: str, state: str = "up", tags=()) -> MonitorRow:
    return MonitorRow(
        id=monitor_id,
        name=name,
        kind="http",
        target="http://127.0.0.1/",
        state=state,
        last_checked="never",
        response_time="—",
        tags=list(tags),
    )


def test_a_put_updates_inserts_and_drops_rows_in_name_order():
    table = MonitorTable([row(1, "Beta"), row(2, "Delta")])

    table.put({1: None, 2: row(2, "Delta", "down"), 3: row(3, "Alpha", tags=["x"])})

    assert [(r.id, r.state) for r in table.rows] == [(3, "up"), (2, "down")]
    assert (table.counts["up"], table.counts["down"]) == (1, 1)
    assert table.tags == ["x"]


def test_a_put_replaces_the_figures_rather_than_changing_them():
    table = MonitorTable([row(1, "Beta")])
    rows, counts, tags = table.rows, table.counts, table.tags

    table.put({1: row(1, "Beta", "down", tags=["prod"])})

    # Tabs' states may hold the old objects: they must not change under them.
    assert (rows[0].state, counts["down"], tags) == ("up", 0, [])


def test_a_reload_read_before_a_put_keeps_the_put():
    table = MonitorTable([row(1, "Beta"), row(2, "Delta")])
    since = table.version
    table.put({1: row(1, "Beta", "down"), 2: None})

    # The database as read when the reload began: both up, both there.
    table.replace([row(1, "Beta"), row(2, "Delta"), row(4, "Echo")], since)

    assert [(r.id, r.state) for r in table.rows] == [(1, "down"), (4, "up")]


def test_a_reload_read_after_a_put_wins():
    table = MonitorTable([row(1, "Beta")])
    table.put({1: row(1, "Beta", "down")})

    table.replace([row(1, "Beta", "degraded")], table.version)

    assert table.rows[0].state == "degraded"


def test_matching_rows_are_worked_out_once_per_version():
    table = MonitorTable([row(1, "Beta"), row(2, "Delta", "down")])

    first = table.matching("", "down", "all", "all")
    assert [r.id for r in first] == [2]
    assert table.matching("", "down", "all", "all") is first

    table.put({1: row(1, "Beta", "down")})
    assert [r.id for r in table.matching("", "down", "all", "all")] == [1, 2]


def test_a_burst_names_each_organizations_monitors_once():
    changes: dict = {}
    for channel, data in [
        ("isup:changes:org_a", '{"monitor_id": 1}'),
        ("isup:changes:org_b", '{"monitor_id": 2}'),
        ("isup:changes:org_a", '{"monitor_id": 3}'),
        ("isup:changes:org_a", '{"monitor_id": 1}'),
        ("isup:results", '{"monitor_id": 9}'),
    ]:
        add_message(changes, channel, data)

    assert changes == {"org_a": {1, 3}, "org_b": {2}}


def test_a_message_without_a_monitor_reloads_the_whole_organization():
    changes: dict = {}
    add_message(changes, "isup:changes:org_a", '{"monitor_id": 1}')
    add_message(changes, "isup:changes:org_a", '{"reason": "bulk import"}')
    add_message(changes, "isup:changes:org_a", '{"monitor_id": 2}')

    assert changes == {"org_a": None}


async def _burst_after_publishing(redis_url: str) -> tuple[dict, dict]:
    client = bus.connect_async(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    publisher = bus.connect(redis_url)
    try:
        await pubsub.psubscribe(f"{bus.CHANGES_PREFIX}*")
        # The subscription's confirmation, then nothing waiting yet.
        await pubsub.get_message(timeout=1.0)
        for monitor_id in range(1, 6):
            bus.publish_change(publisher, "org_a", monitor_id=monitor_id)
        bus.publish_change(publisher, "org_b", monitor_id=7)
        await asyncio.sleep(0.3)
        return await _next_burst(pubsub), await _next_burst(pubsub)
    finally:
        publisher.close()
        await pubsub.aclose()
        await client.aclose()


def test_the_listener_takes_every_waiting_message_as_one_burst(redis_url):
    # A loop of its own, closed after, that leaves the default loop (which
    # looptime's hook makes in every test) alone: asyncio.run or an async test
    # among plain ones would leave one unclosed.
    loop = asyncio.new_event_loop()
    try:
        burst, after = loop.run_until_complete(_burst_after_publishing(redis_url))
    finally:
        loop.close()

    assert burst == {"org_a": {1, 2, 3, 4, 5}, "org_b": {7}}
    assert after == {}
