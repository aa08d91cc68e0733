"""The create and edit forms of every monitor kind, through the app's real
websocket: what is saved, what is refused and why, and who may do it."""

import json

import pytest
from sqlmodel import select

from isup_app.core.models import (
    AlertContact,
    ContactType,
    Membership,
    Monitor,
    MonitorAlertContact,
    MonitorType,
    Organization,
    RoleName,
)
from isup_app.core.settings import get_settings
from isup_app.states.monitor_editor import MonitorEditorState, scheduled_job
from tests.factories import make_monitor
from tests.web.conftest import EventSocket, session_cookie

State = MonitorEditorState

COMMON = {"interval_seconds": "60", "timeout_seconds": "5", "tags": "web, eu"}
GOOD = {
    "http": {
        "name": "Site",
        "url": "http://127.0.0.1:9/health",
        "http_method": "POST",
        "http_headers": "X-Token: abc\nAccept: text/plain",
        "http_body": "ping",
        "expected_status_codes": "200-299, 301",
        "max_redirects": "2",
        "response_time_threshold": "800",
        **COMMON,
    },
    "keyword": {
        "name": "Shop",
        "url": "http://127.0.0.1:9/",
        "http_method": "GET",
        "keyword": "Welcome",
        "keyword_type": "absent",
        **COMMON,
    },
    "port": {"name": "Database", "url": "127.0.0.1", "port": "5432", **COMMON},
    "ping": {"name": "Router", "url": "127.0.0.1", "ping_count": "4", **COMMON},
    "ssl": {
        "name": "Certificate",
        "url": "localhost",
        "port": "8443",
        "ssl_expiry_alert_days": "20, 5",
        **COMMON,
    },
    "dns": {
        "name": "Name",
        "url": "example.test",
        "dns_record_type": "MX",
        "dns_server": "127.0.0.1:5353",
        "dns_expected": "10 mail.example.test\n20 backup.example.test",
        "dns_match": "all",
        **COMMON,
    },
    "heartbeat": {
        "name": "Nightly backup",
        "interval_seconds": "3600",
        "heartbeat_grace_seconds": "300",
        "tags": "jobs",
    },
}
# Checkboxes ticked off before saving.
UNCHECKED = {"http": "verify_tls", "keyword": "keyword_case_sensitive"}
# What each kind saved, beyond its name and type.
SAVED = {
    "http": {
        "http_method": "POST",
        "http_headers": {"X-Token": "abc", "Accept": "text/plain"},
        "http_body": "ping",
        "expected_status_codes": "200-299, 301",
        "max_redirects": 2,
        "response_time_threshold": 800,
        "tags": ["web", "eu"],
        "follow_redirects": True,
        "verify_tls": False,
    },
    "keyword": {
        "keyword": "Welcome",
        "keyword_type": "absent",
        "keyword_case_sensitive": False,
        "verify_tls": True,
    },
    "port": {"url": "127.0.0.1", "port": 5432},
    "ping": {"url": "127.0.0.1", "ping_count": 4},
    "ssl": {"url": "localhost", "port": 8443, "ssl_expiry_alert_days": [20, 5]},
    "dns": {
        "dns_record_type": "MX",
        "dns_server": "127.0.0.1:5353",
        "dns_expected": ["10 mail.example.test", "20 backup.example.test"],
        "dns_match": "all",
    },
    "heartbeat": {"interval_seconds": 3600, "heartbeat_grace_seconds": 300},
}
# kind: (what to change, the field named, words of its message)
BAD = {
    "http": ({"expected_status_codes": "2xx"}, "expected_status_codes", "'2xx'"),
    "keyword": ({"keyword": " "}, "keyword", "is required"),
    "port": ({"port": "70000"}, "port", "at most 65535"),
    "ping": ({"ping_count": "50"}, "ping_count", "at most 20"),
    "ssl": ({"ssl_expiry_alert_days": "30, 0"}, "ssl_expiry_alert_days", "1 to 365"),
    "dns": ({"dns_server": "ns.example.test"}, "dns_server", "an IP address"),
    "heartbeat": (
        {"heartbeat_grace_seconds": "-1"},
        "heartbeat_grace_seconds",
        "at least 0",
    ),
}


class Editor:
    """One browser tab on /monitors/new or /monitors/<id>/edit."""

    def __init__(self, web, cookie: str, monitor_id: int | None = None):
        path = "/monitors/new" if monitor_id is None else f"/monitors/{monitor_id}/edit"
        self.query = {} if monitor_id is None else {"monitor_id": str(monitor_id)}
        self.tab = EventSocket(web, cookie, path=path)

    def send(self, handler: str, **payload) -> None:
        event = {
            "name": f"{State.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {
                "pathname": self.tab.path,
                "query": self.query,
                "asPath": self.tab.path,
            },
        }
        self.tab.ws.send_text(self.tab.PREFIX + json.dumps(["event", event]))

    def wait(self, predicate, timeout: float = 10.0) -> dict:
        return self.tab.wait_for(State, predicate, timeout=timeout)

    def open(self) -> dict:
        """Load the page; the loaded state as the tab receives it."""
        handler = "load_new" if not self.query else "load_edit"
        self.send(handler)
        return self.wait(lambda d: d.get("loaded_rx_state_") is True)

    def choose(self, kind: str) -> None:
        self.send("set_kind", kind=kind)
        self.wait(lambda d: d.get("kind_rx_state_") == kind)

    def refusal(self) -> dict:
        return self.wait(
            lambda d: bool(d.get("errors_rx_state_") or d.get("plan_error_rx_state_"))
        )

    def close(self) -> None:
        self.tab.close()


@pytest.fixture
def editor(web):
    tabs = []

    def open_tab(cookie, monitor_id=None):
        tab = Editor(web, cookie, monitor_id)
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        tab.close()


def redirects(events: list[dict]) -> list[str]:
    return [
        e["payload"]["path"]
        for e in events
        if e.get("name") == "_redirect" and "path" in e.get("payload", {})
    ]


def saved_monitors(session) -> list[Monitor]:
    session.expire_all()
    return list(session.exec(select(Monitor).order_by(Monitor.id)))


@pytest.mark.parametrize("kind", list(GOOD))
def test_each_kind_is_saved_with_its_own_fields(kind, editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    tab = editor(cookie)
    tab.open()
    tab.choose(kind)
    if kind in UNCHECKED:
        tab.send("set_check", name=UNCHECKED[kind], checked=False)
        tab.wait(lambda d: d.get("checks_rx_state_", {}).get(UNCHECKED[kind]) is False)

    tab.send("save", form_data=GOOD[kind])
    events = tab.tab.events(timeout=10)

    (monitor,) = saved_monitors(session)
    assert monitor.organization_id == org
    assert monitor.type == MonitorType(kind)
    assert monitor.name == GOOD[kind]["name"]
    for name, expected in SAVED[kind].items():
        assert getattr(monitor, name) == expected, name
    if kind == "heartbeat":
        assert monitor.heartbeat_token
        assert redirects(events) == [f"/monitors/{monitor.id}/edit"]
    else:
        assert redirects(events) == ["/dashboard"]


@pytest.mark.parametrize("kind", list(BAD))
def test_each_kinds_bad_input_is_refused_naming_the_field(kind, editor, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    change, field, words = BAD[kind]
    tab = editor(cookie)
    loaded = tab.open()
    tab.choose(kind)

    tab.send("save", form_data={**GOOD[kind], **change})
    delta = tab.refusal()

    errors = delta["errors_rx_state_"]
    assert list(errors) == [field]
    assert words in errors[field]
    assert delta["other_errors_rx_state_"] == []
    # The form is not rebuilt, so the boxes keep what was typed.
    assert "form_key_rx_state_" not in delta
    assert loaded["form_key_rx_state_"] >= 1
    assert saved_monitors(session) == []


def test_a_refusal_names_every_field_that_is_wrong(editor, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    tab = editor(cookie)
    tab.open()

    bad = {"url": "ftp://127.0.0.1/", "interval_seconds": "0", "name": ""}
    tab.send("save", form_data={**GOOD["http"], **bad})
    errors = tab.refusal()["errors_rx_state_"]

    assert set(errors) == {"url", "interval_seconds", "name"}
    assert "http" in errors["url"]
    assert errors["name"] == "is required"


def test_the_edit_form_shows_the_monitor_and_saving_keeps_other_fields(editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    contact = AlertContact(
        organization_id=org, name="Ops", type=ContactType.WEBHOOK, is_verified=True
    )
    session.add(contact)
    session.commit()
    monitor = make_monitor(
        session,
        organization_id=org,
        url="https://user:secret@127.0.0.1:9/status",
        http_headers={"X-Token": "abc"},
        expected_status_codes="200, 204",
        verify_tls=False,
        tags=["api"],
        regions=["local"],
        retries=2,
    )
    session.add(MonitorAlertContact(monitor_id=monitor.id, alert_contact_id=contact.id))
    session.commit()

    tab = editor(cookie, monitor.id)
    loaded = tab.open()
    values = loaded["values_rx_state_"]
    assert values["url"] == "https://127.0.0.1:9/status"
    assert "secret" not in json.dumps(loaded)
    assert values["http_headers"] == "X-Token: abc"
    assert loaded["checks_rx_state_"]["verify_tls"] is False
    assert loaded["chosen_contacts_rx_state_"] == [str(contact.id)]
    assert loaded["title_rx_state_"] == "Edit Website"

    # The browser sends every box of the kind, as loaded, with one change.
    form = {name: values[name] for name in GOOD["http"] | {"retries": ""}}
    tab.send("save", form_data={**form, "name": "Status API"})
    events = tab.tab.events(timeout=10)

    assert redirects(events) == [f"/monitors/{monitor.id}"]
    (saved,) = saved_monitors(session)
    assert saved.name == "Status API"
    assert saved.url == "https://user:secret@127.0.0.1:9/status"
    assert saved.http_headers == {"X-Token": "abc"}
    assert saved.expected_status_codes == "200, 204"
    assert saved.verify_tls is False
    assert saved.tags == ["api"]
    assert saved.regions == ["local"]
    assert saved.retries == 2
    attached = session.exec(select(MonitorAlertContact)).all()
    assert [a.alert_contact_id for a in attached] == [contact.id]


def test_alert_contacts_chosen_in_the_form_are_attached(editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    chosen, default = (
        AlertContact(organization_id=org, name=n, type=ContactType.WEBHOOK, **kw)
        for n, kw in (("Chosen", {}), ("Default", {"is_default": True}))
    )
    session.add_all([chosen, default])
    session.commit()

    tab = editor(cookie)
    loaded = tab.open()
    assert loaded["chosen_contacts_rx_state_"] == [str(default.id)]
    tab.choose("port")
    tab.send("toggle_contact", contact_id=str(default.id), checked=False)
    tab.send("toggle_contact", contact_id=str(chosen.id), checked=True)
    tab.wait(lambda d: d.get("chosen_contacts_rx_state_") == [str(chosen.id)])
    tab.send("save", form_data=GOOD["port"] | {"name": "Port"})
    tab.tab.events(timeout=10)

    (monitor,) = saved_monitors(session)
    attached = session.exec(select(MonitorAlertContact)).all()
    assert [(a.monitor_id, a.alert_contact_id) for a in attached] == [
        (monitor.id, chosen.id)
    ]


def test_a_heartbeat_shows_its_ping_address_and_examples(editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session,
        organization_id=org,
        type=MonitorType.HEARTBEAT,
        url="",
        interval_seconds=300,
        heartbeat_token="tok-123",
    )

    loaded = editor(cookie, monitor.id).open()

    base = get_settings().public_url.rstrip("/")
    address = f"{base}/api/heartbeat/tok-123"
    assert loaded["ping_url_rx_state_"] == address
    commands = {e["label"]: e["command"] for e in loaded["ping_examples_rx_state_"]}
    assert commands["Success"].endswith(f" {address}")
    assert commands["Start of a run"].endswith(f"{address}/start")
    assert commands["Failure"].endswith(f"{address}/fail")
    assert f"{address}/$?" in commands["Exit status (0 is success)"]
    assert commands["Cron"].startswith("*/5 * * * * ")


def test_a_30_second_heartbeat_shows_a_loop_not_a_cron_line(editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(
        session,
        organization_id=org,
        type=MonitorType.HEARTBEAT,
        url="",
        interval_seconds=30,
        heartbeat_token="tok-30",
    )

    loaded = editor(cookie, monitor.id).open()

    (scheduled,) = loaded["ping_examples_rx_state_"][-1:]
    assert scheduled["label"] == (
        "A loop (cron cannot run more often than once a minute)"
    )
    assert scheduled["command"].startswith("while true; do ")
    assert scheduled["command"].endswith("; sleep 30; done")
    assert "* * * * *" not in json.dumps(loaded["ping_examples_rx_state_"])


@pytest.mark.parametrize(
    ("seconds", "label", "start"),
    [
        (30, "A loop (cron cannot run more often than once a minute)", "while"),
        (59, "A loop (cron cannot run more often than once a minute)", "while"),
        (60, "Cron", "* * * * * "),
        (90, "A loop (no cron schedule runs every 90 s)", "while"),
        (300, "Cron", "*/5 * * * * "),
        (420, "A loop (no cron schedule runs every 7 min)", "while"),
        (1800, "Cron", "*/30 * * * * "),
        (3600, "Cron", "0 * * * * "),
        (5400, "A loop (no cron schedule runs every 90 min)", "while"),
        (6 * 3600, "Cron", "0 */6 * * * "),
        (5 * 3600, "A loop (no cron schedule runs every 5 h)", "while"),
        (86_400, "Cron", "0 0 * * * "),
        (2 * 86_400, "A loop (no cron schedule runs every 2 d)", "while"),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else None,
)
def test_a_cron_line_is_shown_only_for_a_period_cron_can_keep(seconds, label, start):
    scheduled = scheduled_job("ping", seconds)

    assert scheduled.label == label
    assert scheduled.command.startswith(start)
    if start == "while":
        assert scheduled.command == f"while true; do ping; sleep {seconds}; done"


def test_a_viewer_can_look_but_not_save(editor, session):
    cookie, org = session_cookie(session, "ada@example.test")
    membership = session.exec(
        select(Membership).where(Membership.organization_id == org)
    ).one()
    membership.role = RoleName.VIEWER
    session.add(membership)
    session.commit()
    monitor = make_monitor(session, organization_id=org)

    tab = editor(cookie, monitor.id)
    loaded = tab.open()
    assert loaded["can_write_rx_state_"] is False
    tab.send("save", form_data={"name": "Changed"})
    events = tab.tab.events()

    assert any("toast" in str(event).lower() for event in events)
    assert [m.name for m in saved_monitors(session)] == ["Website"]


def test_another_organizations_monitor_is_not_found_and_not_changed(editor, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    other = Organization(name="Other")
    session.add(other)
    session.commit()
    theirs = make_monitor(session, organization_id=other.id, name="Theirs")

    tab = editor(cookie, theirs.id)
    loaded = tab.open()
    assert loaded["found_rx_state_"] is False
    assert "Theirs" not in json.dumps(loaded)
    tab.send("save", form_data=GOOD["http"])
    tab.tab.events(timeout=2)

    assert [(m.name, m.organization_id) for m in saved_monitors(session)] == [
        ("Theirs", other.id)
    ]


@pytest.fixture
def billing(monkeypatch):
    """Plans in force: every new organization is on the free plan."""
    monkeypatch.setenv("ISUP_STRIPE_SECRET_KEY", "sk_test_editor")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_an_interval_below_the_plan_is_refused_with_an_upgrade_link(
    billing, editor, session
):
    cookie, _ = session_cookie(session, "ada@example.test")
    tab = editor(cookie)
    tab.open()

    tab.send("save", form_data=GOOD["http"])
    delta = tab.refusal()

    assert "every 300 seconds" in delta["plan_error_rx_state_"]
    assert delta["upgrade_url_rx_state_"].endswith("/pricing")
    assert "300 seconds" in delta["errors_rx_state_"]["interval_seconds"]
    assert saved_monitors(session) == []


def test_a_monitor_past_the_plans_count_is_refused_with_an_upgrade_link(
    billing, editor, session
):
    cookie, org = session_cookie(session, "ada@example.test")
    for number in range(5):
        make_monitor(session, organization_id=org, name=f"M{number}")
    tab = editor(cookie)
    tab.open()

    tab.send("save", form_data={**GOOD["http"], "interval_seconds": "300"})
    delta = tab.refusal()

    assert "allows 5 active monitors" in delta["plan_error_rx_state_"]
    assert "Upgrade at" not in delta["plan_error_rx_state_"]
    assert delta["upgrade_url_rx_state_"].endswith("/pricing")
    assert len(saved_monitors(session)) == 5


def test_loading_the_page_again_keeps_the_boxes_unless_the_monitor_changed(
    editor, session
):
    # A reconnect runs the page load again; a new form key would remount
    # the boxes and drop what was typed in them.
    cookie, org = session_cookie(session, "ada@example.test")
    monitor = make_monitor(session, organization_id=org)
    tab = editor(cookie, monitor.id)
    first = tab.open()

    again = tab.open()
    monitor.name = "Renamed elsewhere"
    session.add(monitor)
    session.commit()
    changed = tab.open()

    assert "form_key_rx_state_" not in again
    assert changed["form_key_rx_state_"] == first["form_key_rx_state_"] + 1
    assert changed["values_rx_state_"]["name"] == "Renamed elsewhere"


def test_another_organizations_contact_cannot_be_attached(editor, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    other = Organization(name="Other")
    session.add(other)
    session.commit()
    theirs = AlertContact(
        organization_id=other.id, name="Theirs", type=ContactType.WEBHOOK
    )
    session.add(theirs)
    session.commit()
    tab = editor(cookie)
    tab.open()

    tab.send("toggle_contact", contact_id=str(theirs.id), checked=True)
    tab.send("save", form_data=GOOD["http"])
    errors = tab.refusal()["errors_rx_state_"]

    assert errors == {"alert_contacts": "a chosen contact no longer exists"}
    assert saved_monitors(session) == []
    assert session.exec(select(MonitorAlertContact)).first() is None
