"""The monitor detail page's state, over the app's real websocket: what it
reads, its actions, who may do them, and its live pushes."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from isup_app.core import bus
from isup_app.core.history import record_results
from isup_app.core.models import (
    CheckResult,
    Incident,
    Membership,
    Monitor,
    MonitorState,
    MonitorStatus,
    MonitorType,
    RoleName,
    new_id,
)
from isup_app.states.monitor_detail import (
    MonitorDetailState,
    load_chart,
    load_detail,
)
from tests.factories import make_monitor
from tests.web.conftest import EventSocket, session_cookie


class DetailTab(EventSocket):
    """A tab on ``/monitors/<id>``: its events carry the route's argument."""

    def __init__(self, client, cookie: str | None, monitor_id: int):
        self.monitor_id = monitor_id
        super().__init__(client, cookie, path=f"/monitors/{monitor_id}")

    def send(self, state_cls, handler: str, **payload) -> None:
        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {
                "pathname": "/monitors/[monitor_id]",
                "query": {"monitor_id": str(self.monitor_id)},
                "asPath": self.path,
            },
        }
        self.ws.send_text(self.PREFIX + json.dumps(["event", event]))


def open_detail(web, cookie: str, monitor_id: int) -> tuple[DetailTab, dict]:
    tab = DetailTab(web, cookie, monitor_id)
    tab.send(MonitorDetailState, "load")
    delta = tab.wait_for(MonitorDetailState, lambda d: d.get("loaded_rx_state_"))
    return tab, delta


def add_results(session, monitor: Monitor, rows: list[dict]) -> list[CheckResult]:
    """Store results and fold them into the rollups, as the evaluator does."""
    results = []
    for row in rows:
        fields = {
            "check_id": new_id("chk"),
            "monitor_id": monitor.id,
            "organization_id": monitor.organization_id,
            "region": "local",
            "status": "up",
            "response_time_ms": 100,
            **row,
        }
        results.append(CheckResult(**fields))
    session.add_all(results)
    session.flush()
    record_results(session, results)
    session.commit()
    return results


def set_role(session, organization_id: str, role: RoleName) -> None:
    membership = session.exec(
        select(Membership).where(Membership.organization_id == organization_id)
    ).one()
    membership.role = role
    session.add(membership)
    session.commit()


@pytest.fixture
def publisher(redis_url):
    client = bus.connect(redis_url)
    yield client
    client.close()


@pytest.fixture
def probe_events(redis_url):
    """What probes would hear on ``bus.MONITOR_EVENTS``."""
    client = bus.connect(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(bus.MONITOR_EVENTS)

    def heard(timeout: float = 3.0) -> list[dict]:
        found, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.2)
            if message is not None:
                found.append(json.loads(message["data"]))
            elif found:
                break
        return found

    yield heard
    pubsub.close()
    client.close()


# --- reading -------------------------------------------------------------------


def test_the_page_shows_state_uptime_bars_checks_and_incidents(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    now = datetime.now(UTC)
    monitor = make_monitor(
        session,
        organization_id=org,
        name="Website",
        current_state=MonitorState.DOWN,
        state_reason="status 503, expected 200-299",
        last_state_change_at=now - timedelta(minutes=5),
        tags=["prod"],
    )
    add_results(
        session,
        monitor,
        [
            {"timestamp": now - timedelta(minutes=3), "status": "up"},
            {
                "timestamp": now - timedelta(minutes=2),
                "status": "down",
                "status_code": 503,
                "error_message": "status 503, expected 200-299",
            },
        ],
    )
    session.add(
        Incident(
            monitor_id=monitor.id,
            organization_id=org,
            started_at=now - timedelta(minutes=2),
            cause="status",
            error_message="status 503, expected 200-299",
            affected_regions=["local"],
        )
    )
    session.commit()

    tab, delta = open_detail(web, cookie, monitor.id)
    tab.close()

    header = delta["header_rx_state_"]
    assert (header["name"], header["state"]) == ("Website", "down")
    assert header["since"].startswith("since ") and "5 min ago" in header["since"]
    assert header["reason"] == "status 503, expected 200-299"
    uptime = {f["label"]: f["value"] for f in delta["uptime_rx_state_"]}
    assert uptime == {
        "24 hours": "50.00%",
        "7 days": "50.00%",
        "30 days": "50.00%",
        "90 days": "50.00%",
    }
    bars = delta["bars_rx_state_"]
    assert len(bars) == 90
    assert bars[-1]["state"] == "major_outage"
    assert "50.00%" in bars[-1]["title"] and bars[-1]["title"].endswith(", 1 incident")
    checks = delta["checks_rx_state_"]
    assert [c["status"] for c in checks] == ["down", "up"]
    assert checks[0]["reason"] == "status 503, expected 200-299"
    assert checks[0]["code"] == "503"
    (incident,) = delta["incidents_rx_state_"]
    assert (incident["ended"], incident["regions"]) == ("open", "local")


@pytest.mark.parametrize(
    ("seconds", "label", "start"),
    [
        (30, "A loop (cron cannot run more often than once a minute)", "while "),
        (600, "Cron", "*/10 * * * * "),
    ],
    ids=["30 s", "10 min"],
)
def test_a_heartbeats_page_shows_cron_only_when_cron_can_keep_its_period(
    web, session, seconds, label, start
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session,
        organization_id=org,
        type=MonitorType.HEARTBEAT,
        url="",
        interval_seconds=seconds,
        heartbeat_token="tok-hb",
    )

    tab, delta = open_detail(web, cookie, monitor.id)
    tab.close()

    heartbeat = delta["heartbeat_rx_state_"]
    assert heartbeat["schedule_label"] == label
    assert heartbeat["schedule"].startswith(start)
    assert "/api/heartbeat/tok-hb/start" in heartbeat["schedule"]


def test_another_organizations_monitor_reads_as_not_found(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    add_results(session, theirs, [{"timestamp": datetime.now(UTC)}])

    tab, delta = open_detail(web, cookie, theirs.id)
    tab.close()

    assert delta["found_rx_state_"] is False
    assert delta.get("checks_rx_state_", []) == []
    assert "Theirs" not in json.dumps(delta)


def test_a_deleted_monitor_reads_as_not_found(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session, organization_id=org, status=MonitorStatus.DELETED, name="Gone"
    )

    tab, delta = open_detail(web, cookie, monitor.id)
    tab.close()

    assert delta["found_rx_state_"] is False


def test_the_chart_has_a_line_per_region_and_the_phases(engine, session):
    monitor = make_monitor(session)
    now = datetime.now(UTC)
    add_results(
        session,
        monitor,
        [
            {
                "timestamp": now - timedelta(minutes=10),
                "region": "eu",
                "response_time_ms": 120,
                "dns_time_ms": 10,
                "connect_time_ms": 20,
                "tls_time_ms": 30,
                "ttfb_ms": 60,
            },
            {
                "timestamp": now - timedelta(minutes=10),
                "region": "us",
                "response_time_ms": 240,
                "dns_time_ms": 30,
                "connect_time_ms": 40,
                "tls_time_ms": 50,
                "ttfb_ms": 120,
            },
            # A down check's time says how long failing took: not charted.
            {
                "timestamp": now - timedelta(minutes=5),
                "region": "eu",
                "status": "down",
                "response_time_ms": 30_000,
            },
        ],
    )

    chart = load_chart(monitor.organization_id, monitor.id, "1h", engine=engine)

    assert chart.regions == ["eu", "us"]
    (point,) = chart.points
    assert (point["eu"], point["us"]) == (120, 240)
    (phases,) = chart.phases
    assert phases["dns"] == 20 and phases["ttfb"] == 90
    assert load_chart("org_other", monitor.id, "1h", engine=engine).points == []


def test_long_ranges_chart_hourly_averages(engine, session):
    monitor = make_monitor(session)
    now = datetime.now(UTC)
    add_results(
        session,
        monitor,
        [
            {"timestamp": now - timedelta(days=20), "response_time_ms": 100},
            {"timestamp": now - timedelta(days=20), "response_time_ms": 300},
        ],
    )

    chart = load_chart(monitor.organization_id, monitor.id, "30d", engine=engine)

    assert [p["local"] for p in chart.points] == [200]
    assert chart.phases == []
    assert "Hourly" in chart.note


def test_a_monitor_without_checks_reads_no_data(engine, session):
    monitor = make_monitor(session)

    view = load_detail(monitor.organization_id, monitor.id, engine=engine)
    chart = load_chart(monitor.organization_id, monitor.id, "24h", engine=engine)

    assert [f.value for f in view.uptime] == ["—"] * 4
    assert {bar.state for bar in view.bars} == {"no_data"}
    assert chart.points == [] and chart.note == "No checks in this range yet."


def test_a_down_monitors_chart_says_its_checks_all_failed(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session, organization_id=org, current_state=MonitorState.DOWN
    )
    now = datetime.now(UTC)
    add_results(
        session,
        monitor,
        [
            {
                "timestamp": now - timedelta(minutes=minutes),
                "status": "down",
                "response_time_ms": 2,
                "error_message": "connection refused",
            }
            for minutes in (3, 2, 1)
        ],
    )

    tab, delta = open_detail(web, cookie, monitor.id)
    tab.close()

    assert len(delta["checks_rx_state_"]) == 3
    assert delta.get("chart_points_rx_state_", []) == []
    note = delta["chart_note_rx_state_"]
    assert note.startswith("No successful checks in this range (3 down;")
    assert "No checks in this range yet" not in note


def test_the_chart_says_which_checks_it_leaves_out(engine, session):
    monitor = make_monitor(session)
    now = datetime.now(UTC)
    add_results(
        session,
        monitor,
        [
            {"timestamp": now - timedelta(minutes=4)},
            {"timestamp": now - timedelta(minutes=3), "status": "down"},
            {"timestamp": now - timedelta(minutes=2), "status": "down"},
            {"timestamp": now - timedelta(minutes=1), "status": "unknown"},
        ],
    )

    chart = load_chart(monitor.organization_id, monitor.id, "1h", engine=engine)

    assert [p["local"] for p in chart.points] == [100]
    assert chart.note == "Successful checks only; not charted: 2 down, 1 unknown."


# --- actions -------------------------------------------------------------------


def test_pause_then_resume_changes_the_monitor_and_tells_the_probes(
    web, session, probe_events
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, "pause")
        tab.wait_for(
            MonitorDetailState,
            lambda d: (d.get("header_rx_state_") or {}).get("state") == "paused",
        )
        session.refresh(monitor)
        assert monitor.status == MonitorStatus.PAUSED

        tab.send(MonitorDetailState, "resume")
        tab.wait_for(
            MonitorDetailState,
            lambda d: (d.get("header_rx_state_") or {}).get("paused") is False,
        )
    finally:
        tab.close()

    session.refresh(monitor)
    assert monitor.status == MonitorStatus.ACTIVE
    actions = [e["action"] for e in probe_events() if e["monitor_id"] == monitor.id]
    assert actions == ["paused", "resumed"]


def test_a_paused_monitor_reads_paused_since_without_the_last_checks_reason(
    web, session
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session,
        organization_id=org,
        current_state=MonitorState.DOWN,
        state_reason="connection refused",
        last_state_change_at=datetime.now(UTC) - timedelta(hours=2),
    )
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, "pause")
        delta = tab.wait_for(
            MonitorDetailState,
            lambda d: (d.get("header_rx_state_") or {}).get("state") == "paused",
        )
    finally:
        tab.close()

    header = delta["header_rx_state_"]
    assert header["reason"] == ""
    assert header["since"].startswith("since ") and "s ago" in header["since"]
    assert "connection refused" not in json.dumps(header)


def test_check_now_asks_the_probes_for_a_check(web, session, probe_events):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, "check_now")
        delta = tab.wait_for(MonitorDetailState, lambda d: d.get("notice_rx_state_"))
    finally:
        tab.close()

    assert "Check asked for" in delta["notice_rx_state_"]
    assert probe_events() == [{"monitor_id": monitor.id, "action": "check_now"}]


def test_check_now_on_a_paused_monitor_says_to_resume_it(web, session, probe_events):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org, status=MonitorStatus.PAUSED)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, "check_now")
        delta = tab.wait_for(MonitorDetailState, lambda d: d.get("error_rx_state_"))
    finally:
        tab.close()

    assert "resume it first" in delta["error_rx_state_"]
    assert probe_events(timeout=1.0) == []


def test_delete_marks_the_monitor_deleted_and_goes_to_the_list(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, "delete")
        events = tab.events()
    finally:
        tab.close()

    assert any("/dashboard" in str(event) for event in events)
    session.refresh(monitor)
    assert monitor.status == MonitorStatus.DELETED


@pytest.mark.parametrize("action", ["pause", "delete", "check_now"])
def test_a_viewer_cannot_change_a_monitor(web, session, probe_events, action):
    cookie, org = session_cookie(session, "ada@example.test")
    set_role(session, org, RoleName.VIEWER)
    monitor = make_monitor(session, organization_id=org)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        tab.send(MonitorDetailState, action)
        events = tab.events()
    finally:
        tab.close()

    assert any("toast" in str(event).lower() for event in events)
    session.refresh(monitor)
    assert monitor.status == MonitorStatus.ACTIVE
    assert probe_events(timeout=1.0) == []


def test_another_organizations_monitor_cannot_be_paused_or_deleted(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    tab, _ = open_detail(web, cookie, theirs.id)
    try:
        for action in ("pause", "delete"):
            tab.send(MonitorDetailState, action)
            tab.wait_for(MonitorDetailState, lambda d: "busy_rx_state_" in d)
    finally:
        tab.close()

    session.refresh(theirs)
    assert theirs.status == MonitorStatus.ACTIVE


# --- live ----------------------------------------------------------------------


def test_a_new_result_reaches_the_open_detail_page_within_a_second(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    tab, _ = open_detail(web, cookie, monitor.id)
    try:
        add_results(
            session,
            monitor,
            [{"timestamp": datetime.now(UTC), "status": "down", "error_message": "x"}],
        )
        monitor.current_state = MonitorState.DOWN
        session.add(monitor)
        session.commit()
        sent = time.monotonic()
        bus.publish_change(publisher, org, monitor_id=monitor.id, state="down")
        delta = tab.wait_for(
            MonitorDetailState,
            lambda d: (d.get("header_rx_state_") or {}).get("state") == "down",
            timeout=2.0,
        )
        arrived = time.monotonic() - sent
    finally:
        tab.close()

    assert [c["status"] for c in delta["checks_rx_state_"]] == ["down"]
    assert arrived < 1.0


def test_a_change_to_another_monitor_leaves_the_page_alone(web, session, publisher):
    cookie, org = session_cookie(session, "ada@example.test")
    shown = make_monitor(session, organization_id=org, name="Shown")
    other = make_monitor(session, organization_id=org, name="Other")
    tab, _ = open_detail(web, cookie, shown.id)
    try:
        bus.publish_change(publisher, org, monitor_id=other.id)
        seen = []
        with pytest.raises(AssertionError):
            tab.wait_for(MonitorDetailState, seen.append, timeout=1.0)
        assert seen == []
    finally:
        tab.close()
