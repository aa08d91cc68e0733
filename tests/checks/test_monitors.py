"""Monitor queries: every one scoped to an organization, changes announced."""

import json

import pytest
import redis

from isup_app.core import bus
from isup_app.core.models import MonitorStatus
from isup_app.core.monitors import (
    MonitorInvalid,
    create_monitor,
    delete_monitor,
    get_monitor,
    list_monitors,
    set_paused,
    update_monitor,
)
from tests.factories import DEFAULT_ORG, make_org

WEBSITE = {"name": "Website", "type": "http", "url": "http://127.0.0.1:8080/"}


def test_created_monitor_is_stored_with_clean_fields(session):
    monitor = create_monitor(
        session, DEFAULT_ORG, {**WEBSITE, "interval_seconds": "30"}
    )

    stored = get_monitor(session, DEFAULT_ORG, monitor.id)
    assert stored.interval_seconds == 30
    assert stored.expected_status_codes == "200-299"
    assert stored.status is MonitorStatus.ACTIVE


def test_invalid_monitor_is_not_stored(session):
    with pytest.raises(MonitorInvalid):
        create_monitor(session, DEFAULT_ORG, {**WEBSITE, "url": "nope"})

    assert list_monitors(session, DEFAULT_ORG) == []


def test_another_organizations_monitor_is_invisible(session):
    other = make_org(session, name="Other")
    monitor = create_monitor(session, other.id, WEBSITE)

    assert get_monitor(session, DEFAULT_ORG, monitor.id) is None
    assert list_monitors(session, DEFAULT_ORG) == []
    with pytest.raises(LookupError):
        update_monitor(session, DEFAULT_ORG, monitor.id, {"name": "Mine now"})
    with pytest.raises(LookupError):
        delete_monitor(session, DEFAULT_ORG, monitor.id)


def test_update_changes_only_the_given_fields(session):
    monitor = create_monitor(session, DEFAULT_ORG, {**WEBSITE, "max_redirects": 2})

    updated = update_monitor(session, DEFAULT_ORG, monitor.id, {"name": "Shop"})

    assert updated.name == "Shop"
    assert updated.max_redirects == 2
    assert updated.url == WEBSITE["url"]


def test_update_is_validated_naming_the_field(session):
    monitor = create_monitor(session, DEFAULT_ORG, WEBSITE)

    with pytest.raises(MonitorInvalid) as caught:
        update_monitor(session, DEFAULT_ORG, monitor.id, {"port": 5, "type": "port"})

    assert "url" in caught.value.errors


def test_pause_resume_and_delete(session):
    monitor = create_monitor(session, DEFAULT_ORG, WEBSITE)

    assert set_paused(session, DEFAULT_ORG, monitor.id, True).status == "paused"
    assert set_paused(session, DEFAULT_ORG, monitor.id, False).status == "active"
    delete_monitor(session, DEFAULT_ORG, monitor.id)

    assert get_monitor(session, DEFAULT_ORG, monitor.id) is None
    assert list_monitors(session, DEFAULT_ORG) == []


def test_changing_a_monitor_to_heartbeat_gives_it_a_token(session):
    monitor = create_monitor(session, DEFAULT_ORG, WEBSITE)

    changed = update_monitor(session, DEFAULT_ORG, monitor.id, {"type": "heartbeat"})

    assert changed.heartbeat_token


def test_every_change_is_announced_to_the_probes(session, redis_url):
    client = bus.connect(redis_url)
    listener = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(bus.MONITOR_EVENTS)
    listener.get_message(timeout=1)

    monitor = create_monitor(session, DEFAULT_ORG, WEBSITE, redis=client)
    update_monitor(session, DEFAULT_ORG, monitor.id, {"name": "x"}, redis=client)
    set_paused(session, DEFAULT_ORG, monitor.id, True, redis=client)
    set_paused(session, DEFAULT_ORG, monitor.id, False, redis=client)
    delete_monitor(session, DEFAULT_ORG, monitor.id, redis=client)

    actions = []
    while (message := listener.get_message(timeout=1)) is not None:
        event = json.loads(message["data"])
        assert event["monitor_id"] == monitor.id
        actions.append(event["action"])
    listener.close()
    client.close()
    assert actions == ["created", "updated", "paused", "resumed", "deleted"]
