"""The incidents and alert contacts pages' states, over the app's real
websocket: what they read, what they change, who may change it, and live
pushes."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from isup_app.core.models import (
    AlertContact,
    ContactType,
    Incident,
    IncidentUpdate,
    Membership,
    MonitorAlertContact,
    Notification,
    ResolvedBy,
    RoleName,
    now,
)
from isup_app.states.contacts import ContactsState, mask_url
from isup_app.states.incidents import IncidentDetailState, IncidentListState
from tests.factories import make_monitor
from tests.standins.webhook import WebhookReceiver
from tests.web.conftest import EventSocket, session_cookie


class IncidentTab(EventSocket):
    """A tab on ``/incidents/<id>``: its events carry the route's argument."""

    def __init__(self, client, cookie: str | None, incident_id: int):
        self.incident_id = incident_id
        super().__init__(client, cookie, path=f"/incidents/{incident_id}")

    def send(self, state_cls, handler: str, **payload) -> None:
        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {
                "pathname": "/incidents/[incident_id]",
                "query": {"incident_id": str(self.incident_id)},
                "asPath": self.path,
            },
        }
        self.ws.send_text(self.PREFIX + json.dumps(["event", event]))


def open_incident(web, cookie: str, incident_id: int) -> tuple[IncidentTab, dict]:
    tab = IncidentTab(web, cookie, incident_id)
    tab.send(IncidentDetailState, "load")
    delta = tab.wait_for(IncidentDetailState, lambda d: d.get("loaded_rx_state_"))
    return tab, delta


def settle(tab: IncidentTab, seconds: float = 2.0) -> None:
    """Let the live push that a change sets off reach this tab, so that no
    push still reads the database when the test's database goes away."""
    try:
        tab.wait_for(
            IncidentDetailState, lambda d: "timeline_rx_state_" in d, timeout=seconds
        )
    except AssertionError:
        pass  # it came before the handler's own answer


def make_incident(session, monitor, **overrides) -> Incident:
    fields = {
        "monitor_id": monitor.id,
        "organization_id": monitor.organization_id,
        "started_at": now() - timedelta(minutes=5),
        "cause": "connect",
        "error_message": "connection refused",
        "affected_regions": ["local"],
    }
    fields.update(overrides)
    incident = Incident(**fields)
    session.add(incident)
    session.commit()
    session.refresh(incident)
    return incident


def make_contact(session, organization_id: str, **overrides) -> AlertContact:
    fields = {
        "organization_id": organization_id,
        "name": "Hook",
        "type": ContactType.WEBHOOK,
        "config": {"url": "http://127.0.0.1:9/hook", "secret": "s" * 24},
        "is_verified": True,
    }
    fields.update(overrides)
    contact = AlertContact(**fields)
    session.add(contact)
    session.commit()
    session.refresh(contact)
    return contact


def make_viewer(session, organization_id: str) -> None:
    membership = session.exec(
        select(Membership).where(Membership.organization_id == organization_id)
    ).one()
    membership.role = RoleName.VIEWER
    session.add(membership)
    session.commit()


def fresh(session, row):
    session.expire_all()
    return session.get(type(row), row.id)


# --- incidents ----------------------------------------------------------------


def test_the_list_shows_open_and_past_incidents_of_the_organization_only(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    ours = make_monitor(session, organization_id=org, name="Website")
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    make_incident(session, ours)
    make_incident(
        session,
        ours,
        started_at=now() - timedelta(hours=2),
        ended_at=now() - timedelta(hours=1),
        duration_seconds=3600,
        resolved_by=ResolvedBy.AUTO,
    )
    make_incident(session, theirs)

    tab = EventSocket(web, cookie, path="/incidents")
    try:
        tab.send(IncidentListState, "load")
        delta = tab.wait_for(IncidentListState, lambda d: d.get("loaded_rx_state_"))
    finally:
        tab.close()

    (open_row,) = delta["open_rows_rx_state_"]
    (past_row,) = delta["past_rows_rx_state_"]
    assert open_row["monitor"] == "Website"
    assert open_row["cause"] == "connection failed"
    assert open_row["reason"] == "connection refused"
    assert open_row["duration"].startswith("ongoing, 5 min")
    assert past_row["duration"] == "1 h 0 min"
    assert past_row["resolved_by"] == "automatically"


def test_the_detail_shows_the_timeline_with_each_alert_and_its_result(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    incident = make_incident(session, monitor)
    contact = make_contact(session, org, name="On-call hook")
    for attempt, success in ((1, False), (2, True)):
        session.add(
            Notification(
                incident_id=incident.id,
                monitor_id=monitor.id,
                contact_id=contact.id,
                organization_id=org,
                type="down",
                event_key=f"inc:{incident.id}:down:c{contact.id}",
                attempt=attempt,
                sent_at=incident.started_at + timedelta(seconds=attempt),
                success=success,
                error=None if success else "webhook answered 503",
            )
        )
    session.commit()

    tab, delta = open_incident(web, cookie, incident.id)
    tab.close()

    assert delta["found_rx_state_"] is True
    header = delta["header_rx_state_"]
    assert header["is_open"] is True
    assert header["regions"] == "local"
    kinds = [e["kind"] for e in delta["timeline_rx_state_"]]
    assert kinds == ["opened", "alert", "alert"]
    first, second = delta["notifications_rx_state_"]
    assert (first["contact"], first["outcome"]) == ("On-call hook", "failed")
    assert first["error"] == "webhook answered 503"
    assert (second["channel"], second["outcome"]) == ("webhook", "ok")


def test_resolving_by_hand_writes_the_end_and_the_notes(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    incident = make_incident(session, monitor)
    tab, _ = open_incident(web, cookie, incident.id)
    try:
        tab.send(
            IncidentDetailState,
            "resolve",
            form_data={"notes": "Restarted the web server."},
        )
        delta = tab.wait_for(
            IncidentDetailState,
            lambda d: d.get("notice_rx_state_") == "Resolved by hand.",
        )
        settle(tab)
    finally:
        tab.close()

    stored = fresh(session, incident)
    assert stored.ended_at is not None
    assert stored.resolved_by == ResolvedBy.MANUAL
    assert stored.notes == "Restarted the web server."
    assert 299 <= stored.duration_seconds <= 330
    assert delta["header_rx_state_"]["resolved_by"] == "by hand"
    assert delta["timeline_rx_state_"][-1]["kind"] == "resolved"
    assert "Restarted the web server." in delta["timeline_rx_state_"][-1]["detail"]


def test_a_resolved_incident_cannot_be_resolved_again(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    ended = now() - timedelta(minutes=1)
    incident = make_incident(
        session, monitor, ended_at=ended, duration_seconds=240, resolved_by="auto"
    )
    tab, _ = open_incident(web, cookie, incident.id)
    try:
        tab.send(IncidentDetailState, "resolve", form_data={"notes": "late"})
        delta = tab.wait_for(IncidentDetailState, lambda d: d.get("errors_rx_state_"))
    finally:
        tab.close()

    assert "already resolved" in delta["errors_rx_state_"]["incident"]
    stored = fresh(session, incident)
    assert stored.resolved_by == ResolvedBy.AUTO and stored.notes is None


def test_posting_an_update_adds_it_to_the_timeline(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    incident = make_incident(session, make_monitor(session, organization_id=org))
    tab, _ = open_incident(web, cookie, incident.id)
    try:
        tab.send(IncidentDetailState, "post_update", form_data={"status": "x"})
        refused = tab.wait_for(IncidentDetailState, lambda d: d.get("errors_rx_state_"))
        tab.send(
            IncidentDetailState,
            "post_update",
            form_data={"status": "identified", "message": "A bad deploy."},
        )
        delta = tab.wait_for(
            IncidentDetailState,
            lambda d: d.get("notice_rx_state_") == "Update posted.",
        )
        settle(tab)
    finally:
        tab.close()

    assert set(refused["errors_rx_state_"]) == {"status"}
    (update,) = session.exec(select(IncidentUpdate)).all()
    assert (update.status, update.message) == ("identified", "A bad deploy.")
    last = delta["timeline_rx_state_"][-1]
    assert (last["title"], last["detail"]) == ("Update: identified", "A bad deploy.")


def test_another_organizations_incident_reads_as_not_found(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    theirs = make_incident(session, make_monitor(session, organization_id=other_org))

    tab, delta = open_incident(web, cookie, theirs.id)
    try:
        tab.send(IncidentDetailState, "resolve", form_data={"notes": "mine now"})
        refused = tab.wait_for(IncidentDetailState, lambda d: d.get("errors_rx_state_"))
    finally:
        tab.close()

    assert delta["found_rx_state_"] is False
    assert "No such incident" in refused["errors_rx_state_"]["incident"]
    assert fresh(session, theirs).ended_at is None


def test_a_viewer_cannot_resolve_an_incident(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    incident = make_incident(session, make_monitor(session, organization_id=org))
    make_viewer(session, org)

    tab, delta = open_incident(web, cookie, incident.id)
    try:
        tab.send(IncidentDetailState, "resolve", form_data={"notes": "no"})
        events = tab.events()
    finally:
        tab.close()

    assert delta.get("can_write_rx_state_", False) is False
    assert any("toast" in str(event).lower() for event in events)
    assert fresh(session, incident).ended_at is None


def test_a_resolution_reaches_every_open_incidents_list(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    incident = make_incident(session, make_monitor(session, organization_id=org))
    watcher = EventSocket(web, cookie, path="/incidents")
    watcher.send(IncidentListState, "load")
    watcher.wait_for(IncidentListState, lambda d: d.get("loaded_rx_state_"))
    tab, _ = open_incident(web, cookie, incident.id)
    try:
        tab.send(IncidentDetailState, "resolve", form_data={"notes": ""})
        tab.wait_for(IncidentDetailState, lambda d: d.get("notice_rx_state_"))
        settle(tab)
        delta = watcher.wait_for(
            IncidentListState,
            lambda d: d.get("open_rows_rx_state_") == [],
            timeout=3.0,
        )
    finally:
        tab.close()
        watcher.close()

    (past,) = delta["past_rows_rx_state_"]
    assert past["resolved_by"] == "by hand"


# --- contacts -----------------------------------------------------------------


def load_contacts(tab: EventSocket) -> dict:
    tab.send(ContactsState, "load")
    return tab.wait_for(ContactsState, lambda d: d.get("loaded_rx_state_"))


def rows_after(tab: EventSocket, predicate) -> list[dict]:
    delta = tab.wait_for(
        ContactsState,
        lambda d: "rows_rx_state_" in d and predicate(d["rows_rx_state_"]),
        timeout=10,
    )
    return delta["rows_rx_state_"]


def test_a_webhook_contact_is_added_masked_and_its_test_arrives_signed(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    receiver = WebhookReceiver(secret="receiver-secret-0123456789").start()
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        load_contacts(tab)
        tab.send(
            ContactsState,
            "add_contact",
            form_data={
                "type": "webhook",
                "name": "Ops hook",
                "url": f"{receiver.url}/hooks/abcd1234",
                "secret": "receiver-secret-0123456789",
            },
        )
        (row,) = rows_after(tab, lambda rows: len(rows) == 1)
        tab.send(ContactsState, "send_test", contact_id=row["id"])
        feedback = tab.wait_for(ContactsState, lambda d: d.get("feedback_rx_state_"))
        delivered = receiver.wait_for(1)
    finally:
        tab.close()
        receiver.stop()

    assert row["verified"] is True and row["kind_label"] == "Webhook"
    assert row["target"].endswith(", signed (secret …6789)")
    assert "abcd1234" not in row["target"] and "receiver-secret" not in row["target"]
    assert feedback["feedback_rx_state_"][str(row["id"])] == "Test message sent."
    assert delivered[0].headers["x-isup-event"] == "test"
    assert receiver.bad_signatures == 0
    (sent,) = session.exec(select(Notification)).all()
    assert sent.type == "test" and sent.success


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"type": "email", "email": "not-an-address"}, "email", "not an email"),
        ({"type": "slack", "webhook_url": "https://x.test/"}, "webhook_url", "Slack"),
        ({"type": "discord", "webhook_url": ""}, "webhook_url", "Discord"),
        ({"type": "telegram", "chat_id": "abc"}, "chat_id", "number or an @channel"),
        ({"type": "webhook", "url": "ftp://127.0.0.1/"}, "url", "http://"),
        ({"type": "sms", "phone_number": "+14155550100"}, "type", "Twilio"),
        ({"type": "voice", "phone_number": "+14155550100"}, "type", "Twilio"),
        ({"type": "email", "name": "", "email": "a@b.test"}, "name", "name"),
    ],
    ids=["email", "slack", "discord", "telegram", "webhook", "sms", "voice", "name"],
)
def test_a_refused_contact_shows_the_channels_message_by_its_field(
    web, session, form, field, words
):
    cookie, _ = session_cookie(session, "ada@example.test")
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        tab.send(ContactsState, "add_contact", form_data={"name": "X", **form})
        delta = tab.wait_for(ContactsState, lambda d: d.get("errors_rx_state_"))
    finally:
        tab.close()

    assert set(delta["errors_rx_state_"]) == {field}
    assert words in delta["errors_rx_state_"][field]
    assert session.exec(select(AlertContact)).first() is None


def test_an_email_contact_is_verified_with_the_code_it_was_sent(
    web, session, monkeypatch
):
    from isup_app.core.settings import get_settings
    from tests.standins.smtp import SMTPSink

    cookie, org = session_cookie(session, "ada@example.test")
    contact = make_contact(
        session,
        org,
        name="Ada",
        type=ContactType.EMAIL,
        config={"email": "ada@example.test"},
        is_verified=False,
    )
    sink = SMTPSink().start()
    monkeypatch.setenv("ISUP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ISUP_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("ISUP_SMTP_SECURITY", "none")
    get_settings.cache_clear()
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        (row,) = load_contacts(tab)["rows_rx_state_"]
        tab.send(ContactsState, "send_code", contact_id=contact.id)
        (mail,) = sink.wait_for(1)
        code = mail["Subject"].rsplit(" ", 1)[-1]
        tab.send(
            ContactsState,
            "confirm_code",
            form_data={"contact_id": str(contact.id), "code": "000000"},
        )
        wrong = tab.wait_for(
            ContactsState,
            lambda d: (
                "wrong" in d.get("feedback_rx_state_", {}).get(str(contact.id), "")
            ),
        )
        tab.send(
            ContactsState,
            "confirm_code",
            form_data={"contact_id": str(contact.id), "code": code},
        )
        (verified,) = rows_after(tab, lambda rows: rows[0]["verified"])
    finally:
        tab.close()
        sink.stop()
        get_settings.cache_clear()

    assert row["needs_code"] is True
    assert wrong
    assert verified["needs_code"] is False
    assert fresh(session, contact).is_verified


def test_a_contact_is_attached_detached_made_default_and_removed(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    website = make_monitor(session, organization_id=org, name="Website")
    make_monitor(session, organization_id=org, name="API")
    contact = make_contact(session, org)
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        (row,) = load_contacts(tab)["rows_rx_state_"]
        tab.send(
            ContactsState,
            "attach",
            form_data={"contact_id": str(contact.id), "monitor_id": str(website.id)},
        )
        (attached,) = rows_after(tab, lambda rows: rows[0]["monitors"])
        tab.send(ContactsState, "toggle_default", contact_id=contact.id)
        rows_after(tab, lambda rows: rows[0]["is_default"])
        tab.send(ContactsState, "detach", contact_id=contact.id, monitor_id=website.id)
        (detached,) = rows_after(tab, lambda rows: not rows[0]["monitors"])
        tab.send(ContactsState, "remove", contact_id=contact.id)
        rows_after(tab, lambda rows: rows == [])
    finally:
        tab.close()

    assert [m["name"] for m in row["others"]] == ["API", "Website"]
    assert [m["name"] for m in attached["monitors"]] == ["Website"]
    assert [m["name"] for m in attached["others"]] == ["API"]
    assert detached["is_default"] is True
    contact_id = contact.id
    session.expire_all()
    assert session.get(AlertContact, contact_id) is None
    assert session.exec(select(MonitorAlertContact)).first() is None


def test_another_organizations_contact_reads_as_not_found(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    receiver = WebhookReceiver().start()
    theirs = make_contact(
        session,
        other_org,
        config={"url": receiver.url + "/", "secret": "receiver-secret-0123456789"},
    )
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        listed = load_contacts(tab)["rows_rx_state_"]
        tab.send(ContactsState, "send_test", contact_id=theirs.id)
        delta = tab.wait_for(ContactsState, lambda d: d.get("feedback_rx_state_"))
        tab.send(ContactsState, "remove", contact_id=theirs.id)
        removed = tab.wait_for(ContactsState, lambda d: d.get("notice_rx_state_"))
    finally:
        tab.close()
        receiver.stop()

    assert listed == []
    assert "No such contact" in delta["feedback_rx_state_"][str(theirs.id)]
    assert "No such contact" in removed["notice_rx_state_"]
    assert receiver.requests == []
    assert fresh(session, theirs) is not None


def test_a_viewer_sees_contacts_but_cannot_add_or_test_them(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    receiver = WebhookReceiver().start()
    contact = make_contact(
        session,
        org,
        config={"url": receiver.url + "/", "secret": "receiver-secret-0123456789"},
    )
    make_viewer(session, org)
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        loaded = load_contacts(tab)
        tab.send(
            ContactsState,
            "add_contact",
            form_data={"type": "email", "name": "X", "email": "x@example.test"},
        )
        refused_add = tab.events()
        tab.send(ContactsState, "send_test", contact_id=contact.id)
        refused_test = tab.events()
    finally:
        tab.close()
        receiver.stop()

    assert loaded.get("can_write_rx_state_", False) is False
    assert len(loaded["rows_rx_state_"]) == 1
    assert any("toast" in str(event).lower() for event in refused_add)
    assert any("toast" in str(event).lower() for event in refused_test)
    assert len(session.exec(select(AlertContact)).all()) == 1
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://hooks.slack.com/services/T0/B0/SECRETxyz1",
            "https://hooks.slack.com/…xyz1",
        ),
        ("http://127.0.0.1:8080/hook?token=abcd", "http://127.0.0.1:8080/…abcd"),
    ],
    ids=["slack", "port-and-query"],
)
def test_a_webhook_address_is_shown_without_its_token(url, shown):
    assert mask_url(url) == shown


def test_a_contact_made_default_goes_on_every_new_monitor(web, session):
    from isup_app.core.contacts import monitor_contacts
    from isup_app.core.monitors import create_monitor

    cookie, org = session_cookie(session, "ada@example.test")
    contact = make_contact(session, org)
    make_contact(session, org, name="Not default")
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        load_contacts(tab)
        tab.send(ContactsState, "toggle_default", contact_id=contact.id)
        rows_after(tab, lambda rows: any(r["is_default"] for r in rows))
    finally:
        tab.close()

    monitor = create_monitor(
        session, org, {"type": "http", "name": "New", "url": "http://127.0.0.1:9/"}
    )

    assert [c.name for c in monitor_contacts(session, monitor)] == ["Hook"]


def test_an_alert_recorded_after_opening_reaches_the_open_incident_page(
    web, session, redis_url
):
    from isup_app.core import bus

    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    incident = make_incident(session, monitor)
    contact = make_contact(session, org, name="On-call hook")
    tab, first = open_incident(web, cookie, incident.id)
    publisher = bus.connect(redis_url)
    try:
        session.add(
            Notification(
                incident_id=incident.id,
                monitor_id=monitor.id,
                contact_id=contact.id,
                organization_id=org,
                type="down",
                event_key="k",
                success=True,
            )
        )
        session.commit()
        # The evaluator publishes every check of the monitor.
        bus.publish_change(publisher, org, monitor_id=monitor.id, state="down")
        delta = tab.wait_for(
            IncidentDetailState,
            lambda d: len(d.get("notifications_rx_state_", [])) == 1,
            timeout=2.0,
        )
    finally:
        tab.close()
        publisher.close()

    assert first["notifications_rx_state_"] == []
    assert delta["notifications_rx_state_"][0]["contact"] == "On-call hook"


def test_a_contact_stopped_by_a_permanent_failure_says_why_until_a_test_passes(
    web, session
):
    cookie, org = session_cookie(session, "ada@example.test")
    receiver = WebhookReceiver().start()
    contact = make_contact(
        session,
        org,
        config={"url": receiver.url + "/", "secret": "receiver-secret-0123456789"},
        last_error="webhook answered 410",
        disabled_reason="webhook answered 410",
    )
    tab = EventSocket(web, cookie, path="/contacts")
    try:
        (stopped,) = load_contacts(tab)["rows_rx_state_"]
        tab.send(ContactsState, "send_test", contact_id=contact.id)
        (again,) = rows_after(tab, lambda rows: rows[0]["disabled_reason"] == "")
    finally:
        tab.close()
        receiver.stop()

    assert stopped["disabled_reason"] == "webhook answered 410"
    assert again["last_error"] == ""
    assert fresh(session, contact).disabled_reason is None
