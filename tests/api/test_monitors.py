"""The monitors API, version 1: every route, on both databases, with the
plan's doors, the roles, the organizations' walls and no secret shown."""

import json
import time

import pytest
import redis
from sqlmodel import Session, select

from isup_app.core import bus, plans
from isup_app.core.models import Monitor, MonitorStatus, Organization, RoleName
from tests.api.conftest import (
    ORG,
    OTHER_ORG,
    as_caller,
    cookies,
    http_monitor,
)
from tests.factories import make_monitor

KINDS = {
    "http": http_monitor(),
    "keyword": http_monitor(type="keyword", keyword="Welcome"),
    "port": {"name": "Database", "type": "port", "url": "127.0.0.1", "port": 5432},
    "ping": {"name": "Router", "type": "ping", "url": "127.0.0.1"},
    "ssl": {"name": "Certificate", "type": "ssl", "url": "127.0.0.1", "port": 8443},
    "dns": {
        "name": "Name",
        "type": "dns",
        "url": "example.test",
        "dns_record_type": "MX",
        "dns_expected": ["mail.example.test"],
    },
    "heartbeat": {"name": "Backup", "type": "heartbeat", "interval_seconds": 3600},
}
SECRET_URL = "http://user:s3cret@127.0.0.1:1/"
SECRET_HEADER = "Bearer t0ps3cret-header"


def put_on(session: Session, plan: str, organization_id: str = ORG) -> None:
    row = session.get(Organization, organization_id)
    row.plan = plan
    session.add(row)
    session.commit()


def stored(session: Session, monitor_id: int) -> Monitor:
    session.expire_all()
    return session.get(Monitor, monitor_id)


# --- each route ---------------------------------------------------------------


def test_it_lists_the_organizations_monitors_but_not_deleted_ones(client, session):
    api = as_caller(client, cookies(session))
    kept = make_monitor(session, name="Kept")
    make_monitor(session, name="Gone", status=MonitorStatus.DELETED)
    cookies(session, organization_id=OTHER_ORG, email="other@example.test")
    make_monitor(session, name="Theirs", organization_id=OTHER_ORG)

    response = api.get("/api/v1/monitors")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["monitors"]] == [kept.id]
    assert response.json()["monitors"][0]["name"] == "Kept"


@pytest.mark.parametrize("kind", list(KINDS))
def test_it_creates_a_monitor_of_each_kind(client, session, kind):
    api = as_caller(client, cookies(session, RoleName.MEMBER))

    response = api.post("/api/v1/monitors", json=KINDS[kind])

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == kind
    assert body["status"] == "active"
    assert body["current_state"] == "unknown"
    row = stored(session, body["id"])
    assert row.organization_id == ORG
    assert row.user_id is not None
    assert api.get(f"/api/v1/monitors/{body['id']}").json()["name"] == row.name


def test_it_answers_one_monitor_in_its_public_shape(client, session):
    api = as_caller(client, cookies(session))
    monitor = make_monitor(
        session,
        tags=["web"],
        uptime_percent_24h=99.5,
        last_response_time_ms=42,
        expected_status_codes="200-299, 401",
    )

    body = api.get(f"/api/v1/monitors/{monitor.id}").json()

    assert body["url"] == "http://127.0.0.1:9/"
    assert body["interval_seconds"] == 60
    assert body["tags"] == ["web"]
    assert body["uptime_percent"]["last_24h"] == 99.5
    assert body["last_response_time_ms"] == 42
    assert body["settings"]["expected_status_codes"] == "200-299, 401"
    assert body["settings"]["http_header_names"] == []
    assert "keyword" not in body["settings"]


def test_it_changes_only_the_fields_given(client, session):
    api = as_caller(client, cookies(session, RoleName.MEMBER))
    created = api.post("/api/v1/monitors", json=http_monitor(tags=["a"])).json()

    response = api.patch(
        f"/api/v1/monitors/{created['id']}",
        json={"name": "Renamed", "interval_seconds": 600},
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed"
    row = stored(session, created["id"])
    assert (row.name, row.interval_seconds, row.tags) == ("Renamed", 600, ["a"])
    assert row.url == "http://127.0.0.1:1/"


def test_it_deletes_a_monitor(client, session):
    api = as_caller(client, cookies(session, RoleName.MEMBER))
    monitor = make_monitor(session)

    response = api.delete(f"/api/v1/monitors/{monitor.id}")

    assert response.status_code == 204
    assert stored(session, monitor.id).status is MonitorStatus.DELETED
    assert api.get(f"/api/v1/monitors/{monitor.id}").status_code == 404
    assert api.get("/api/v1/monitors").json()["monitors"] == []


def test_it_pauses_and_resumes_a_monitor(client, session):
    api = as_caller(client, cookies(session, RoleName.MEMBER))
    monitor = make_monitor(session)

    paused = api.post(f"/api/v1/monitors/{monitor.id}/pause")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert stored(session, monitor.id).status is MonitorStatus.PAUSED

    resumed = api.post(f"/api/v1/monitors/{monitor.id}/resume")
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"
    assert stored(session, monitor.id).status is MonitorStatus.ACTIVE


def test_changes_reach_the_checker_and_open_dashboards_over_redis(
    client, session, self_hosted
):
    api = as_caller(client, cookies(session, RoleName.MEMBER))
    listener = redis.Redis.from_url(self_hosted.redis_url, decode_responses=True)
    pubsub = listener.pubsub()
    pubsub.subscribe(bus.MONITOR_EVENTS, bus.changes_channel(ORG))
    _messages(pubsub, 2)  # the two subscription confirmations

    created = api.post("/api/v1/monitors", json=http_monitor()).json()
    api.post(f"/api/v1/monitors/{created['id']}/pause")

    heard = _messages(pubsub, 4)
    pubsub.close()
    listener.close()
    events = [
        json.loads(m["data"]) for m in heard if m["channel"] == "isup:monitor-events"
    ]
    changes = [
        json.loads(m["data"]) for m in heard if m["channel"] != "isup:monitor-events"
    ]
    assert [e["action"] for e in events] == ["created", "paused"]
    assert {e["monitor_id"] for e in events} == {created["id"]}
    assert changes == [{"monitor_id": created["id"]}] * 2


def _messages(pubsub, count: int, timeout: float = 5.0) -> list[dict]:
    found, deadline = [], time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            found.append(message)
    assert len(found) == count, found
    return found


# --- walls: organizations, roles ----------------------------------------------

ONE_MONITOR_ROUTES = [
    ("get", ""),
    ("patch", ""),
    ("delete", ""),
    ("post", "/pause"),
    ("post", "/resume"),
]


@pytest.mark.parametrize(
    ("method", "suffix"), ONE_MONITOR_ROUTES, ids=[m + s for m, s in ONE_MONITOR_ROUTES]
)
def test_another_organizations_monitor_is_not_found(client, session, method, suffix):
    api = as_caller(client, cookies(session))
    cookies(session, organization_id=OTHER_ORG, email="other@example.test")
    theirs = make_monitor(session, organization_id=OTHER_ORG, name="Theirs")

    kwargs = {"json": {"name": "Mine now"}} if method == "patch" else {}
    response = getattr(api, method)(f"/api/v1/monitors/{theirs.id}{suffix}", **kwargs)

    assert response.status_code == 404
    row = stored(session, theirs.id)
    assert (row.name, row.status) == ("Theirs", MonitorStatus.ACTIVE)


WRITES = [
    ("post", "", {"json": http_monitor()}),
    ("patch", "/{id}", {"json": {"name": "Changed"}}),
    ("delete", "/{id}", {}),
    ("post", "/{id}/pause", {}),
    ("post", "/{id}/resume", {}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), WRITES, ids=[m + p for m, p, _ in WRITES]
)
def test_a_viewer_reads_but_may_not_write(client, session, method, path, kwargs):
    api = as_caller(client, cookies(session, RoleName.VIEWER))
    monitor = make_monitor(session)

    assert api.get(f"/api/v1/monitors/{monitor.id}").status_code == 200
    response = getattr(api, method)(
        "/api/v1/monitors" + path.format(id=monitor.id), **kwargs
    )

    assert response.status_code == 403
    assert "member" in response.json()["detail"]
    assert len(session.exec(select(Monitor)).all()) == 1
    row = stored(session, monitor.id)
    assert (row.name, row.status) == ("Website", MonitorStatus.ACTIVE)


def test_signed_out_is_401(client):
    client.cookies.clear()

    assert client.get("/api/v1/monitors").status_code == 401
    assert client.post("/api/v1/monitors", json=http_monitor()).status_code == 401


# --- validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"url": "ftp://127.0.0.1/"}, "url", "http://"),
        ({"interval_seconds": "often"}, "interval_seconds", "whole number"),
        ({"type": "carrier-pigeon"}, "type", "must be one of"),
        ({"colour": "teal"}, "colour", "not a monitor field"),
        ({"name": ""}, "name", "required"),
    ],
    ids=["url", "interval", "type", "unknown-field", "name"],
)
def test_a_bad_monitor_is_refused_naming_the_field(
    client, session, fields, field, words
):
    api = as_caller(client, cookies(session))

    response = api.post("/api/v1/monitors", json=http_monitor(**fields))

    assert response.status_code == 422
    assert words in response.json()["errors"][field]
    assert session.exec(select(Monitor)).all() == []


def test_a_bad_change_is_refused_naming_the_field_and_saves_nothing(client, session):
    api = as_caller(client, cookies(session))
    monitor = make_monitor(session)

    response = api.patch(
        f"/api/v1/monitors/{monitor.id}", json={"name": "New", "timeout_seconds": 500}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"timeout_seconds"}
    assert stored(session, monitor.id).name == "Website"


# --- the plan's doors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/monitors"), ("post", "/api/v1/monitors")],
    ids=["list", "create"],
)
def test_the_free_plan_has_no_api(stripe_client, session, method, path):
    api = as_caller(stripe_client, cookies(session))

    kwargs = {"json": http_monitor()} if method == "post" else {}
    response = getattr(api, method)(path, **kwargs)

    assert response.status_code == 402
    assert response.json()["detail"]["limit"] == plans.API
    assert response.json()["detail"]["plan"] == plans.FREE
    assert session.exec(select(Monitor)).all() == []


def test_a_self_hosted_install_opens_the_api_without_a_plan(client, session):
    api = as_caller(client, cookies(session))
    for n in range(60):
        make_monitor(session, name=f"Monitor {n}")

    response = api.post(
        "/api/v1/monitors", json=http_monitor(interval_seconds=1, timeout_seconds=1)
    )

    assert response.status_code == 201


def test_creating_past_the_plans_monitors_is_402_with_the_refusal(
    stripe_client, session
):
    put_on(session, plans.PRO)
    api = as_caller(stripe_client, cookies(session))
    for n in range(50):
        make_monitor(session, name=f"Monitor {n}", interval_seconds=300)

    response = api.post("/api/v1/monitors", json=http_monitor())

    assert response.status_code == 402
    detail = response.json()["detail"]
    assert detail["limit"] == "monitors"
    assert "allows 50 active monitors" in detail["error"]
    assert detail["upgrade_url"].endswith("/pricing")
    assert len(session.exec(select(Monitor)).all()) == 50


def test_an_interval_under_the_plans_shortest_is_402(stripe_client, session):
    put_on(session, plans.PRO)
    api = as_caller(stripe_client, cookies(session))
    monitor = make_monitor(session, interval_seconds=300)

    created = api.post("/api/v1/monitors", json=http_monitor(interval_seconds=30))
    changed = api.patch(f"/api/v1/monitors/{monitor.id}", json={"interval_seconds": 30})

    assert created.status_code == changed.status_code == 402
    assert created.json()["detail"]["limit"] == "interval_min"
    assert stored(session, monitor.id).interval_seconds == 300


def test_resuming_past_the_plans_monitors_is_402(stripe_client, session):
    put_on(session, plans.PRO)
    api = as_caller(stripe_client, cookies(session))
    for n in range(50):
        make_monitor(session, name=f"Monitor {n}", interval_seconds=300)
    paused = make_monitor(session, interval_seconds=300, status=MonitorStatus.PAUSED)

    response = api.post(f"/api/v1/monitors/{paused.id}/resume")

    assert response.status_code == 402
    assert response.json()["detail"]["limit"] == "monitors"
    assert stored(session, paused.id).status is MonitorStatus.PAUSED


# --- no secret in any answer --------------------------------------------------


def test_no_credential_or_secret_is_ever_answered(client, session):
    api = as_caller(client, cookies(session, RoleName.OWNER))
    created = api.post(
        "/api/v1/monitors",
        json=http_monitor(
            url=SECRET_URL,
            http_headers={"Authorization": SECRET_HEADER},
        ),
    )
    monitor_id = created.json()["id"]

    answers = [
        created,
        api.get("/api/v1/monitors"),
        api.get(f"/api/v1/monitors/{monitor_id}"),
        api.patch(f"/api/v1/monitors/{monitor_id}", json={"name": "Renamed"}),
        api.post(f"/api/v1/monitors/{monitor_id}/pause"),
        api.post(f"/api/v1/monitors/{monitor_id}/resume"),
    ]

    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert "s3cret" not in answer.text
        assert "user:" not in answer.text
        assert "t0ps3cret" not in answer.text
    shown = answers[2].json()
    assert shown["url"] == "http://127.0.0.1:1/"
    assert shown["settings"]["http_header_names"] == ["Authorization"]
    row = stored(session, monitor_id)
    assert row.url == SECRET_URL
    assert row.http_headers == {"Authorization": SECRET_HEADER}


def test_patching_the_shown_address_keeps_its_credentials(client, session):
    api = as_caller(client, cookies(session))
    monitor = make_monitor(session, url=SECRET_URL)
    shown = api.get(f"/api/v1/monitors/{monitor.id}").json()

    api.patch(f"/api/v1/monitors/{monitor.id}", json={"url": shown["url"]})

    assert stored(session, monitor.id).url == SECRET_URL


def test_a_heartbeats_token_is_shown_only_to_those_who_may_write(client, session):
    member = cookies(session, RoleName.MEMBER)
    viewer = cookies(session, RoleName.VIEWER)
    created = as_caller(client, member).post(
        "/api/v1/monitors", json=KINDS["heartbeat"]
    )
    token = stored(session, created.json()["id"]).heartbeat_token
    path = f"/api/v1/monitors/{created.json()['id']}"

    to_member = as_caller(client, member).get(path)
    to_viewer = as_caller(client, viewer).get(path)
    listed = as_caller(client, viewer).get("/api/v1/monitors")

    assert to_member.json()["settings"]["heartbeat_token"] == token
    assert to_member.json()["settings"]["ping_url"].endswith(f"/api/heartbeat/{token}")
    assert token not in to_viewer.text
    assert token not in listed.text
    assert "heartbeat_grace_seconds" in to_viewer.json()["settings"]
