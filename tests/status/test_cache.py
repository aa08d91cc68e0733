"""Rendered pages are cached in Redis and refreshed when something on them
changes; without Redis the pages are still served."""

import json
import time
from datetime import timedelta

import redis
from sqlmodel import Session
from starlette.testclient import TestClient

from isup_app.api import build_api
from isup_app.api.status_pages import StatusPagesRuntime
from isup_app.core import bus, maintenance
from isup_app.core import status_pages as sp
from isup_app.core.embedded_redis import free_port
from isup_app.core.models import MonitorState
from tests.factories import DEFAULT_ORG, make_monitor, make_org
from tests.status.conftest import NOW, Scene


def _rename_directly(session: Session, scene: Scene, name: str) -> None:
    """Change what the page shows without telling anyone (as a stale cache
    would see it)."""
    row = sp.page_monitors(session, scene.page)[0]
    row.display_name = name
    session.add(row)
    session.commit()


def test_second_visit_is_served_from_the_cache(client, session, scene: Scene):
    first = client.get("/status/acme").text
    _rename_directly(session, scene, "Renamed API")

    second = client.get("/status/acme").text

    assert second == first
    assert "Renamed API" not in second


def test_a_change_announced_on_the_bus_refreshes_the_page(
    client, session, redis_url, scene: Scene
):
    client.get("/status/acme")  # cached, and the change listener started
    scene.api.current_state = MonitorState.UP
    session.add(scene.api)
    session.commit()
    publisher = bus.connect(redis_url)

    deadline = time.monotonic() + 5
    while "All Systems Operational" not in client.get("/status/acme").text:
        assert time.monotonic() < deadline, "the page never refreshed"
        bus.publish_change(publisher, DEFAULT_ORG, kind="monitor", id=scene.api.id)
        time.sleep(0.1)
    publisher.close()


def test_editing_the_page_refreshes_it(client, session, scene: Scene):
    client.get("/status/acme")

    sp.set_page_monitors(
        session, DEFAULT_ORG, scene.page.id, [(scene.web.id, "Shop", 1)]
    )

    html = client.get("/status/acme").text
    assert "Shop" in html
    assert "Public API" not in html


def test_an_incident_update_refreshes_the_page(client, session, scene: Scene):
    client.get("/status/acme/api/v2/summary.json")

    sp.post_incident_update(
        session, DEFAULT_ORG, scene.incident.id, "identified", "Found it."
    )

    summary = client.get("/status/acme/api/v2/summary.json").json()
    bodies = [u["body"] for u in summary["incidents"][0]["incident_updates"]]
    assert "Found it." in bodies


def test_cached_copies_expire(engine, redis_url, settings, session, scene: Scene):
    runtime = StatusPagesRuntime(
        engine,
        redis_url=redis_url,
        cache_seconds=0.2,
        listen=False,
        clock=lambda: NOW,
        settings=settings,
    )
    api = build_api()
    api.state.status_pages = runtime
    with TestClient(api) as client:
        client.get("/status/acme")
        _rename_directly(session, scene, "Renamed API")
        time.sleep(0.3)

        assert "Renamed API" in client.get("/status/acme").text
    runtime.close()


def test_pages_are_served_while_redis_is_down(engine, settings, scene: Scene):
    runtime = StatusPagesRuntime(
        engine,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        clock=lambda: NOW,
        settings=settings,
    )
    api = build_api()
    api.state.status_pages = runtime
    with TestClient(api) as client:
        started = time.monotonic()
        responses = [client.get("/status/acme") for _ in range(3)]
        elapsed = time.monotonic() - started
    runtime.close()

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "Public API" in responses[-1].text
    assert elapsed < 3


def test_cache_keys_live_in_redis(client, redis_url, scene: Scene):
    client.get("/status/acme")

    keys = redis.Redis.from_url(redis_url).keys("isup:sp:c:*")

    assert len(keys) == 1


def _result(monitor, *, changed: bool, state: str = "up", incident_action=None):
    """An announcement shaped as the evaluator publishes one per result."""
    return {
        "type": "monitor",
        "monitor_id": monitor.id,
        "organization_id": monitor.organization_id,
        "state": state,
        "previous_state": "down" if changed else state,
        "changed": changed,
        "incident_id": None,
        "incident_action": incident_action,
    }


def _announce(redis_url: str, organization_id: str, change: dict) -> None:
    """Publish once the page listener hears the channel (it starts with the
    first request)."""
    publisher = bus.connect(redis_url)
    deadline = time.monotonic() + 5
    while (
        publisher.publish(bus.changes_channel(organization_id), json.dumps(change)) < 1
    ):
        assert time.monotonic() < deadline, "no listener on the changes channel"
        time.sleep(0.05)
    publisher.close()


def _refreshes_within(client, path: str, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in client.get(path).text:
            return True
        time.sleep(0.05)
    return False


def test_a_routine_result_keeps_the_cached_page(
    client, session, redis_url, scene: Scene
):
    first = client.get("/status/acme").text
    _rename_directly(session, scene, "Renamed API")

    _announce(redis_url, DEFAULT_ORG, _result(scene.api, changed=False))
    time.sleep(1.0)

    assert client.get("/status/acme").text == first


def test_a_state_change_refreshes_the_page_within_a_second(
    client, session, redis_url, scene: Scene
):
    client.get("/status/acme")
    scene.api.current_state = MonitorState.UP
    session.add(scene.api)
    session.commit()

    _announce(redis_url, DEFAULT_ORG, _result(scene.api, changed=True))

    assert _refreshes_within(client, "/status/acme", "All Systems Operational", 1.0)


def test_an_incident_resolved_without_a_state_change_refreshes_the_page(
    client, session, redis_url, scene: Scene
):
    client.get("/status/acme")
    _rename_directly(session, scene, "Renamed API")

    change = _result(scene.api, changed=False, incident_action="resolved")
    _announce(redis_url, DEFAULT_ORG, change)

    assert _refreshes_within(client, "/status/acme", "Renamed API", 1.0)


def test_a_change_of_a_monitor_on_no_page_keeps_the_cached_page(
    client, session, redis_url, scene: Scene
):
    first = client.get("/status/acme").text
    _rename_directly(session, scene, "Renamed API")

    _announce(redis_url, DEFAULT_ORG, _result(scene.hidden, changed=True))
    time.sleep(1.0)

    assert client.get("/status/acme").text == first


def test_another_organizations_change_keeps_the_cached_page(
    client, session, redis_url, scene: Scene
):
    other = make_org(session, name="Other")
    theirs = make_monitor(session, organization_id=other.id)
    first = client.get("/status/acme").text
    _rename_directly(session, scene, "Renamed API")

    _announce(redis_url, other.id, _result(theirs, changed=True))
    # Even a message naming our monitor on their channel moves nothing here.
    _announce(redis_url, other.id, _result(scene.api, changed=True))
    time.sleep(1.0)

    assert client.get("/status/acme").text == first


def test_a_new_maintenance_window_refreshes_the_page(client, session, scene: Scene):
    client.get("/status/acme")

    maintenance.create_window(
        session,
        DEFAULT_ORG,
        title="Database upgrade",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=1),
        monitor_ids=[scene.api.id],
    )

    assert "Database upgrade" in client.get("/status/acme").text
