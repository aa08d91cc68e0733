"""Live pushes: a change published on Redis pub/sub reaches open dashboards
over the app's real websocket, scoped to the organization."""

import time

import pytest

from isup_app.core import bus
from isup_app.core.models import MonitorState, now
from isup_app.states.monitors import MonitorListState
from tests.factories import make_monitor
from tests.web.conftest import EventSocket, session_cookie

DEFAULT_ORG = "org_test"


def rows_of(delta: dict) -> list[dict] | None:
    return delta.get("rows_rx_state_")


def row_named(delta: dict, name: str) -> dict | None:
    return next((r for r in rows_of(delta) or [] if r["name"] == name), None)


def open_dashboard(web, cookie: str) -> EventSocket:
    tab = EventSocket(web, cookie)
    tab.send(MonitorListState, "load")
    tab.wait_for(MonitorListState, lambda d: rows_of(d) is not None)
    return tab


def mark_down(session, monitor) -> None:
    monitor.current_state = MonitorState.DOWN
    monitor.last_checked_at = now()
    monitor.last_response_time_ms = 7
    session.add(monitor)
    session.commit()


@pytest.fixture
def publisher(redis_url):
    client = bus.connect(redis_url)
    yield client
    client.close()


def test_dashboard_load_lists_the_organizations_monitors(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    make_monitor(session, organization_id=org, name="Website")
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        delta = tab.wait_for(MonitorListState, lambda d: rows_of(d) is not None)
    finally:
        tab.close()

    (row,) = rows_of(delta)
    assert row["name"] == "Website"
    assert row["state"] == "unknown"
    assert row["last_checked"] == "never"


def test_a_published_change_reaches_the_open_dashboard_within_two_seconds(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org, name="Website")
    tab = open_dashboard(web, cookie)
    try:
        mark_down(session, monitor)
        sent = time.monotonic()
        bus.publish_change(publisher, org, monitor_id=monitor.id, state="down")
        delta = tab.wait_for(
            MonitorListState,
            lambda d: (row_named(d, "Website") or {}).get("state") == "down",
            timeout=2.0,
        )
        arrived = time.monotonic() - sent
    finally:
        tab.close()

    assert row_named(delta, "Website")["response_time"] == "7 ms"
    assert arrived < 2.0


def test_a_change_reaches_every_open_dashboard_of_the_organization(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org, name="Website")
    tabs = [open_dashboard(web, cookie), open_dashboard(web, cookie)]
    try:
        mark_down(session, monitor)
        bus.publish_change(publisher, org, monitor_id=monitor.id)
        for tab in tabs:
            tab.wait_for(
                MonitorListState,
                lambda d: (row_named(d, "Website") or {}).get("state") == "down",
                timeout=2.0,
            )
    finally:
        for tab in tabs:
            tab.close()


def test_a_change_in_another_organization_never_reaches_the_dashboard(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    assert other_org != org
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    tab = open_dashboard(web, cookie)
    try:
        mark_down(session, theirs)
        bus.publish_change(publisher, other_org, monitor_id=theirs.id)
        # Even a message on our channel naming their monitor shows nothing:
        # the row is read from the database, scoped to our organization.
        bus.publish_change(publisher, org, monitor_id=theirs.id)
        with pytest.raises(AssertionError):
            tab.wait_for(
                MonitorListState,
                lambda d: row_named(d, "Theirs") is not None,
                timeout=1.5,
            )
    finally:
        tab.close()


def test_a_reopened_dashboard_reloads_from_the_database(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org, name="Website")
    open_dashboard(web, cookie).close()
    # Changed while no tab was open, and never published.
    mark_down(session, monitor)

    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        delta = tab.wait_for(MonitorListState, lambda d: rows_of(d) is not None)
    finally:
        tab.close()

    assert row_named(delta, "Website")["state"] == "down"


def test_signed_out_dashboard_is_sent_to_sign_in(web):
    tab = EventSocket(web, cookie=None)
    try:
        tab.send(MonitorListState, "load")
        events = tab.events()
    finally:
        tab.close()

    assert any("/sign-in" in str(event) for event in events)


def list_deltas(tab: EventSocket, timeout: float) -> list[dict]:
    """Every delta of the list that arrives within ``timeout``."""
    deltas = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            deltas.append(tab.wait_for(MonitorListState, lambda d: True, left))
        except AssertionError:
            break
    return deltas


def test_a_burst_of_changes_reaches_the_dashboard_in_one_push(web, session, publisher):
    cookie, org = session_cookie(session, "ada@example.test")
    monitors = [
        make_monitor(session, organization_id=org, name=f"Site {n}") for n in range(5)
    ]
    tab = open_dashboard(web, cookie)
    try:
        for monitor in monitors:
            mark_down(session, monitor)
        # One round trip, so every message waits for the listener at once.
        pipeline = publisher.pipeline(transaction=False)
        for monitor in monitors:
            bus.publish_change(pipeline, org, monitor_id=monitor.id)
        pipeline.execute()
        deltas = list_deltas(tab, timeout=2.0)
    finally:
        tab.close()

    (delta,) = deltas
    assert [row["state"] for row in rows_of(delta)] == ["down"] * 5
    assert delta["counts_rx_state_"]["down"] == 5


def test_a_change_in_another_organization_sends_the_dashboard_nothing(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    their_cookie, other_org = session_cookie(session, "eve@example.test")
    make_monitor(session, organization_id=org, name="Ours")
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    ours_tab = open_dashboard(web, cookie)
    their_tab = open_dashboard(web, their_cookie)
    try:
        mark_down(session, theirs)
        bus.publish_change(publisher, other_org, monitor_id=theirs.id)
        their_tab.wait_for(
            MonitorListState,
            lambda d: (row_named(d, "Theirs") or {}).get("state") == "down",
            timeout=2.0,
        )
        # Their monitor named on our channel is not found in our organization.
        bus.publish_change(publisher, org, monitor_id=theirs.id)
        ours = list_deltas(ours_tab, timeout=1.5)
    finally:
        ours_tab.close()
        their_tab.close()

    assert ours == []


def test_after_a_lost_redis_connection_the_dashboard_reloads_from_the_database(
    web, session, publisher
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org, name="Website")
    tab = open_dashboard(web, cookie)
    try:
        # Changed while the listener is away: its message would be lost.
        mark_down(session, monitor)
        # The listener may still be reconnecting from an earlier test's kill.
        killed, deadline = 0, time.monotonic() + 5
        while not killed and time.monotonic() < deadline:
            killed = publisher.client_kill_filter(_type="pubsub")
            time.sleep(0 if killed else 0.1)
        delta = tab.wait_for(
            MonitorListState,
            lambda d: (row_named(d, "Website") or {}).get("state") == "down",
            timeout=5.0,
        )
    finally:
        tab.close()

    assert killed >= 1
    assert delta["counts_rx_state_"]["down"] == 1
