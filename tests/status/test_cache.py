"""Rendered pages are cached in Redis and refreshed when something on them
changes; without Redis the pages are still served."""

import time

import redis
from sqlmodel import Session
from starlette.testclient import TestClient

from isup_app.api import build_api
from isup_app.api.status_pages import StatusPagesRuntime
from isup_app.core import bus
from isup_app.core import status_pages as sp
from isup_app.core.embedded_redis import free_port
from isup_app.core.models import MonitorState
from tests.factories import DEFAULT_ORG
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
