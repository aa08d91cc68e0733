"""What machines read: the summary JSON, the feeds and the badges."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest

from isup_app.core import status_pages as sp
from tests.factories import DEFAULT_ORG
from tests.status.conftest import NOW, Scene

SVG = "{http://www.w3.org/2000/svg}"


def test_summary_has_the_hosted_status_page_shape(client, scene: Scene):
    response = client.get("/status/acme/api/v2/summary.json")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "page",
        "status",
        "components",
        "incidents",
        "scheduled_maintenances",
    }
    assert data["page"]["name"] == "Acme Status"
    assert data["page"]["url"] == "http://isup.test/status/acme"
    assert data["status"] == {"indicator": "major", "description": "Partial Outage"}
    assert [(c["name"], c["status"], c["position"]) for c in data["components"]] == [
        ("Public API", "major_outage", 1),
        ("Website", "operational", 2),
    ]
    incident = data["incidents"][0]
    assert incident["name"] == "Public API outage"
    assert incident["status"] == "investigating"
    assert incident["components"][0]["name"] == "Public API"
    assert incident["incident_updates"][0]["status"] == "investigating"


def test_summary_lists_scheduled_maintenance(client, session, scene: Scene):
    from isup_app.core import maintenance

    maintenance.create_window(
        session,
        DEFAULT_ORG,
        title="Network work",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=1),
        monitor_ids=[scene.web.id],
    )

    data = client.get("/status/acme/api/v2/summary.json").json()

    (item,) = data["scheduled_maintenances"]
    assert item["name"] == "Network work"
    assert item["status"] == "scheduled"
    assert [c["name"] for c in item["components"]] == ["Website"]


def test_public_json_carries_ninety_bars_and_uptime(client, scene: Scene):
    data = client.get("/api/public/status/acme.json").json()

    api, web = data["components"]
    assert len(api["bars"]) == 90
    assert api["bars"][-1]["date"] == NOW.date().isoformat()
    assert api["bars"][-1]["incidents"] == 1
    assert api["uptime_percent"] == 90.0
    assert web["uptime_percent"] == 100.0
    assert api["bars"][0]["state"] == "no_data"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_list_incidents_with_their_updates(client, session, scene, kind):
    sp.post_incident_update(
        session, DEFAULT_ORG, scene.incident.id, "identified", "A bad deploy."
    )

    response = client.get(f"/status/acme/feed.{kind}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{kind}+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Acme Status status"
    (entry,) = feed.entries
    assert entry.title == "Public API outage (identified)"
    assert "A bad deploy." in entry.summary
    assert entry.link == f"http://isup.test/status/acme#i{scene.incident.id}"


def _badge(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    return [t.text for t in root.iter(f"{SVG}text")]


def test_status_badge_says_the_component_state(client, scene: Scene):
    assert _badge(client, "/status/acme/badge/public-api.svg") == [
        "Public API",
        "down",
    ]
    assert _badge(client, "/status/acme/badge/website.svg?type=status") == [
        "Website",
        "up",
    ]


def test_uptime_badge_says_the_uptime(client, scene: Scene):
    assert _badge(client, "/status/acme/badge/public-api.svg?type=uptime") == [
        "Public API",
        "90.00%",
    ]


def test_badge_can_be_named_by_the_component_id(client, scene: Scene):
    component = client.get("/status/acme/api/v2/summary.json").json()["components"][1]

    texts = _badge(client, f"/status/acme/badge/{component['id']}.svg")

    assert texts == ["Website", "up"]


def test_badge_escapes_display_names(client, session, scene: Scene):
    sp.set_page_monitors(
        session, DEFAULT_ORG, scene.page.id, [(scene.web.id, "<Shop & Co>", 1)]
    )

    assert _badge(client, "/status/acme/badge/shop-co.svg")[0] == "<Shop & Co>"
