"""The HTML page: banner, components in order, bars, incidents, theme."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from isup_app.core import maintenance
from isup_app.core import status_pages as sp
from isup_app.core.models import MonitorState
from tests.factories import DEFAULT_ORG
from tests.status.conftest import NOW, Scene


def _set_state(session: Session, *monitors_and_states) -> None:
    for monitor, state in monitors_and_states:
        monitor.current_state = state
        session.add(monitor)
    session.commit()


def _banner(html: str) -> str:
    found = re.search(
        r'<div class="banner [a-z_]+" role="status"[^>]*>(.*?)</div>', html, re.S
    )
    return found.group(1).strip()


def test_page_lists_components_by_display_name_in_sort_order(client, scene: Scene):
    response = client.get("/status/acme")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Acme Status" in html
    assert html.index("Public API") < html.index("Website")


def test_each_component_has_ninety_daily_bars_with_uptime_tooltips(
    client, scene: Scene
):
    html = client.get("/status/acme").text

    assert html.count("<li class=") == 2 * 90
    assert "90.00% uptime, 1 incident" not in html  # the incident is today only
    day = (NOW - timedelta(days=3)).strftime("%d %b %Y").lstrip("0")
    assert f'data-tip="{day}: 90.00% uptime"' in html
    assert f'data-tip="{day}: 100% uptime"' in html
    today = NOW.strftime("%d %b %Y").lstrip("0")
    assert f"{today}: no data, 1 incident" in html
    assert 'class="major_outage"' in html  # 1 check in 10 down


@pytest.mark.parametrize(
    ("api_state", "web_state", "banner"),
    [
        (MonitorState.UP, MonitorState.UP, "All Systems Operational"),
        (MonitorState.UP, MonitorState.DEGRADED, "Degraded Performance"),
        (MonitorState.DOWN, MonitorState.UP, "Partial Outage"),
        (MonitorState.DOWN, MonitorState.DOWN, "Major Outage"),
    ],
    ids=["operational", "degraded", "partial", "major"],
)
def test_banner_follows_the_components(
    client, session, scene: Scene, api_state, web_state, banner
):
    _set_state(session, (scene.api, api_state), (scene.web, web_state))

    html = client.get("/status/acme").text

    assert _banner(html) == banner


def test_banner_says_under_maintenance_during_a_window(client, session, scene):
    _set_state(session, (scene.api, MonitorState.UP))
    maintenance.create_window(
        session,
        DEFAULT_ORG,
        title="Database upgrade",
        starts_at=NOW - timedelta(minutes=5),
        ends_at=NOW + timedelta(hours=1),
        monitor_ids=[scene.api.id],
    )

    html = client.get("/status/acme").text

    assert _banner(html) == "Under Maintenance"
    assert "Database upgrade" in html
    assert "In progress" in html


def test_upcoming_maintenance_is_listed(client, session, scene: Scene):
    maintenance.create_window(
        session,
        DEFAULT_ORG,
        title="Network work",
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=2),
    )

    html = client.get("/status/acme").text

    assert "Scheduled maintenance" in html
    assert "Network work" in html
    assert "Under Maintenance" not in html


def test_active_incident_shows_posted_updates_newest_first(client, session, scene):
    sp.post_incident_update(
        session,
        DEFAULT_ORG,
        scene.incident.id,
        "identified",
        "A bad deploy.",
        now=NOW - timedelta(minutes=20),
    )
    sp.post_incident_update(
        session,
        DEFAULT_ORG,
        scene.incident.id,
        "monitoring",
        "Rolled back.",
        now=NOW - timedelta(minutes=10),
    )

    html = client.get("/status/acme").text

    assert "Active incidents" in html
    assert "Public API outage" in html
    assert html.index("Rolled back.") < html.index("A bad deploy.")
    assert html.index("A bad deploy.") < html.index("is not responding")


def test_resolved_incident_moves_to_past_incidents(client, session, scene):
    scene.incident.ended_at = NOW - timedelta(minutes=5)
    session.add(scene.incident)
    session.commit()

    html = client.get("/status/acme").text

    assert "Active incidents" not in html
    past = html[html.index("Past incidents") :]
    assert "Public API outage" in past
    assert "Public API is responding again." in past


def test_theme_colours_and_logo_are_used(client, session, scene: Scene):
    sp.update_status_page(
        session,
        DEFAULT_ORG,
        scene.page.id,
        theme={"primary_color": "#123abc", "logo_url": "https://cdn.example/l.png"},
    )

    html = client.get("/status/acme").text

    assert "--primary: #123abc;" in html
    assert '<img src="https://cdn.example/l.png"' in html


def test_page_that_forbids_indexing_says_noindex(client, session, scene: Scene):
    sp.update_status_page(session, DEFAULT_ORG, scene.page.id, allow_indexing=False)

    response = client.get("/status/acme")

    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


def test_page_that_allows_indexing_says_nothing(client, scene: Scene):
    response = client.get("/status/acme")

    assert "x-robots-tag" not in response.headers
    assert "noindex" not in response.text


def test_unknown_slug_is_not_found(client, scene: Scene):
    response = client.get("/status/nope")

    assert response.status_code == 404
