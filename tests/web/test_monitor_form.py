"""The dashboard's add-monitor form, through the app's real websocket."""

from sqlmodel import select

from isup_app.core.models import Membership, Monitor, RoleName
from isup_app.states.monitors import MonitorFormState, MonitorListState
from tests.web.conftest import EventSocket, session_cookie

FORM = {
    "name": "Website",
    "url": "http://127.0.0.1:9/health",
    "interval_seconds": "30",
    "timeout_seconds": "5",
}


def errors_of(delta: dict) -> dict | None:
    return delta.get("errors_rx_state_")


def submit(web, cookie: str, form: dict) -> EventSocket:
    tab = EventSocket(web, cookie)
    tab.send(MonitorFormState, "add_monitor", form_data=form)
    return tab


def test_adding_a_monitor_saves_it_in_the_organization_and_lists_it(web, session):
    cookie, org = session_cookie(session, "ada@example.test")

    tab = submit(web, cookie, FORM)
    try:
        delta = tab.wait_for(
            MonitorListState, lambda d: bool(d.get("rows_rx_state_")), timeout=10
        )
    finally:
        tab.close()

    (row,) = delta["rows_rx_state_"]
    assert row["name"] == "Website"
    assert row["target"] == "http://127.0.0.1:9/health"
    monitor = session.exec(select(Monitor)).one()
    assert monitor.organization_id == org
    assert monitor.interval_seconds == 30
    assert monitor.timeout_seconds == 5


def test_a_refused_monitor_shows_each_message_by_its_field(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    form = {**FORM, "url": "ftp://127.0.0.1/", "interval_seconds": "0"}

    tab = submit(web, cookie, form)
    try:
        delta = tab.wait_for(MonitorFormState, lambda d: bool(errors_of(d)))
    finally:
        tab.close()

    errors = errors_of(delta)
    assert set(errors) == {"url", "interval_seconds"}
    assert "http" in errors["url"]
    assert session.exec(select(Monitor)).first() is None


def test_a_viewer_cannot_add_a_monitor(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    membership = session.exec(
        select(Membership).where(Membership.organization_id == org)
    ).one()
    membership.role = RoleName.VIEWER
    session.add(membership)
    session.commit()

    tab = submit(web, cookie, FORM)
    try:
        events = tab.events()
    finally:
        tab.close()

    assert any("toast" in str(event).lower() for event in events)
    assert session.exec(select(Monitor)).first() is None
