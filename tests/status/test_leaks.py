"""Case C12: a status page shows nothing private, in any response it makes."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import Session

from isup_app.core import status_pages as sp
from isup_app.core.models import AlertContact, ContactType, MonitorAlertContact
from tests.factories import DEFAULT_ORG
from tests.status.conftest import Scene

FORBIDDEN = [
    "s3cret",
    "T0KEN",
    "Bearer",
    "Authorization",
    "user:",
    "127.0.0.1",
    "45678",
    "45679",
    "/health",
    "SECRETWORD",
    "internal-api-name",
    "internal-web-name",
    "Hidden Billing Backend",
    "45680",
    "refused",
    "oncall@acme.example",
    "hooks.slack",
]


def _private_things(session: Session, scene: Scene) -> None:
    contact = AlertContact(
        organization_id=DEFAULT_ORG,
        name="On call",
        type=ContactType.EMAIL,
        config={"email": "oncall@acme.example", "webhook": "https://hooks.slack/x"},
    )
    session.add(contact)
    session.commit()
    session.add(
        MonitorAlertContact(monitor_id=scene.api.id, alert_contact_id=contact.id)
    )
    session.commit()
    sp.post_incident_update(
        session, DEFAULT_ORG, scene.incident.id, "identified", "A bad deploy."
    )


def _every_response(client, start: str) -> dict[str, str]:
    """The page, everything it links to on the same site, and each badge."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        seen[path] = response.text
        for link in re.findall(r'(?:href|src)="([^"]+)"', response.text):
            url = urlsplit(urljoin(f"http://isup.test{path}", link))
            if url.netloc in ("", "isup.test") and url.path not in seen:
                queue.append(url.path)
    return seen


def _badges(client, components) -> dict[str, str]:
    out = {}
    for component in components:
        for kind in ("status", "uptime"):
            for key in (component["id"], component["key"]):
                path = f"/status/acme/badge/{key}.svg?type={kind}"
                response = client.get(path)
                assert response.status_code == 200, path
                out[path] = response.text
    return out


def test_no_response_of_a_public_page_holds_anything_private(client, session, scene):
    _private_things(session, scene)

    responses = _every_response(client, "/status/acme")
    public = client.get("/api/public/status/acme.json")
    responses["/api/public/status/acme.json"] = public.text
    responses.update(_badges(client, public.json()["components"]))

    assert {
        "/status/acme",
        "/status/acme/feed.rss",
        "/status/acme/feed.atom",
        "/status/acme/api/v2/summary.json",
    } <= set(responses)
    for path, body in responses.items():
        for secret in FORBIDDEN:
            assert secret not in body, f"{secret!r} leaked in {path}"
    for path in (
        "/status/acme",
        "/status/acme/feed.atom",
        "/api/public/status/acme.json",
    ):
        assert "Public API" in responses[path]
        assert "A bad deploy." in responses[path]


COMPONENT_KEYS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
    "uptime_percent",
    "key",
    "bars",
}


def test_public_json_holds_only_the_components_on_the_page(client, scene: Scene):
    data = client.get("/api/public/status/acme.json").json()

    assert [c["name"] for c in data["components"]] == ["Public API", "Website"]
    for component in data["components"]:
        assert set(component) <= COMPONENT_KEYS
        assert set(component["bars"][0]) == {
            "date",
            "state",
            "uptime_percent",
            "incidents",
        }


@pytest.mark.parametrize(
    "path",
    ["/status/acme/badge/hidden-billing-backend.svg", "/status/acme/badge/999999.svg"],
    ids=["by-name", "by-number"],
)
def test_badge_of_a_monitor_not_on_the_page_is_not_found(client, scene, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Hidden" not in response.text
