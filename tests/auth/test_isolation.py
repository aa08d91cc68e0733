"""Two organizations, four roles each: whoever signs in, in whatever role,
reaches only their own organization's monitors, incidents, contacts and
pages; another organization's answers as if it did not exist."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from reflex.istate.data import RouterData

from isup_app.core import auth, contacts, monitors, status_pages
from isup_app.core.models import (
    AlertContact,
    ContactType,
    Incident,
    RoleName,
    StatusPage,
)
from isup_app.states import session as state_session
from tests.auth.helpers import signed_in_user
from tests.factories import make_monitor, make_org

ROLES = [RoleName.VIEWER, RoleName.MEMBER, RoleName.ADMIN, RoleName.OWNER]


def _records(session, org_id: str, tag: str) -> SimpleNamespace:
    monitor = make_monitor(session, organization_id=org_id, name=f"site {tag}")
    contact = AlertContact(
        organization_id=org_id,
        name=f"ops {tag}",
        type=ContactType.WEBHOOK,
        config={"url": "http://127.0.0.1:9/hook"},
    )
    page = StatusPage(organization_id=org_id, slug=f"page-{tag}", name=f"Page {tag}")
    incident = Incident(
        organization_id=org_id,
        monitor_id=monitor.id,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        cause="status",
    )
    session.add_all([contact, page, incident])
    session.commit()
    for row in (contact, page, incident):
        session.refresh(row)
    return SimpleNamespace(
        monitor=monitor, contact=contact, page=page, incident=incident
    )


@pytest.fixture
def world(session, app_settings):
    """``org_test`` (A) and ``org_b`` (B), each with all four roles and one
    of every kind of record."""
    make_org(session, id="org_b", name="Beta")
    people = {}
    for org, tag in (("org_test", "a"), ("org_b", "b")):
        for role in ROLES:
            people[(tag, role)] = signed_in_user(
                session,
                email=f"{role.value}@{tag}.example.test",
                organization_id=org,
                role=role,
                password=None,
            )
    return SimpleNamespace(
        people=people,
        a=_records(session, "org_test", "a"),
        b=_records(session, "org_b", "b"),
    )


def event_state(cookie_header: str):
    """What a Reflex event handler's ``self`` offers: the router built from
    the websocket's headers."""
    return SimpleNamespace(
        router=RouterData.from_router_data({"headers": {"cookie": cookie_header}})
    )


def cookie_for(user, settings, chosen_org: str | None = None) -> str:
    header = f"{auth.SESSION_COOKIE}={auth.seal_local_session(user.id, settings)}"
    if chosen_org:
        header += f"; {auth.ORG_COOKIE}={chosen_org}"
    return header


LOOKUPS = {
    "monitor": lambda s, org, r: monitors.get_monitor(s, org, r.monitor.id),
    "contact": lambda s, org, r: contacts.get_contact(s, org, r.contact.id),
    "page": lambda s, org, r: status_pages.get_status_page(s, org, r.page.id),
    "incident-update": lambda s, org, r: status_pages.post_incident_update(
        s, org, r.incident.id, "investigating", "Looking into it"
    ),
}
NOT_FOUND = (status_pages.StatusPageNotFound, LookupError)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_event_works_in_the_users_own_organization(world, app_settings, role):
    user = world.people[("a", role)]

    org = state_session.organization_for(event_state(cookie_for(user, app_settings)))

    assert org == "org_test"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_choosing_another_organization_by_cookie_gets_nothing(
    world, app_settings, role
):
    user = world.people[("a", role)]
    state = event_state(cookie_for(user, app_settings, chosen_org="org_b"))

    assert state_session.organization_for(state) == "org_test"


@pytest.mark.parametrize("kind", list(LOOKUPS))
def test_another_organizations_record_is_not_found(world, session, app_settings, kind):
    # The lookups take only the organization, which the session decides
    # (the same for every role, as the tests above show).
    user = world.people[("a", RoleName.VIEWER)]
    org = state_session.organization_for(event_state(cookie_for(user, app_settings)))

    own = LOOKUPS[kind](session, org, world.a)
    try:
        found = LOOKUPS[kind](session, org, world.b)
    except NOT_FOUND:
        found = None

    assert own is not None
    assert found is None


@pytest.mark.parametrize(
    "change",
    [
        lambda s, org, m: monitors.update_monitor(s, org, m.id, {"name": "pwned"}),
        lambda s, org, m: monitors.set_paused(s, org, m.id, True),
        lambda s, org, m: monitors.delete_monitor(s, org, m.id),
    ],
    ids=["update", "pause", "delete"],
)
def test_another_organizations_monitor_cannot_be_changed(world, session, change):
    with pytest.raises(LookupError):
        change(session, "org_test", world.b.monitor)

    session.refresh(world.b.monitor)
    assert world.b.monitor.name == "site b"
    assert world.b.monitor.status == "active"


def test_lists_hold_only_the_organizations_own_records(world, session):
    assert [m.id for m in monitors.list_monitors(session, "org_test")] == [
        world.a.monitor.id
    ]
    assert [c.id for c in contacts.list_contacts(session, "org_test")] == [
        world.a.contact.id
    ]
    assert [p.id for p in status_pages.list_status_pages(session, "org_test")] == [
        world.a.page.id
    ]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_switching_to_another_organization_answers_404(
    world, client, app_settings, role
):
    user = world.people[("a", role)]
    client.cookies.set(
        auth.SESSION_COOKIE,
        auth.seal_local_session(user.id, app_settings),
        domain="testserver.local",
    )

    response = client.post("/auth/organization", data={"organization_id": "org_b"})

    assert response.status_code == 404
    assert client.get("/api/auth/me").json()["organization_id"] == "org_test"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_write_events_need_member_or_above(world, app_settings, role):
    state = event_state(cookie_for(world.people[("a", role)], app_settings))

    if role == RoleName.VIEWER:
        with pytest.raises(state_session.NotAllowed):
            state_session.require_write(state)
    else:
        assert state_session.require_write(state) == "org_test"


def test_event_without_a_session_is_signed_out(world):
    with pytest.raises(state_session.SignedOut):
        state_session.organization_for(event_state(""))


def test_event_with_a_tampered_session_is_signed_out(world, app_settings):
    header = cookie_for(world.people[("a", RoleName.OWNER)], app_settings)
    tampered = header[:-6] + ("x" if header[-6] != "x" else "y") + header[-5:]

    with pytest.raises(state_session.SignedOut):
        state_session.organization_for(event_state(tampered))


def sign_in_as(client, user, settings) -> None:
    client.cookies.clear()
    client.cookies.set(
        auth.SESSION_COOKIE,
        auth.seal_local_session(user.id, settings),
        domain="testserver.local",
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_member_list_shows_only_the_own_organization(world, client, app_settings, role):
    sign_in_as(client, world.people[("a", role)], app_settings)

    listed = client.get("/api/members").json()

    emails = {m["email"] for m in listed["members"]}
    assert listed["organization_id"] == "org_test"
    assert emails == {f"{r.value}@a.example.test" for r in ROLES}


@pytest.mark.parametrize(
    "call",
    [
        lambda c, uid: c.put(f"/api/members/{uid}", json={"role": "viewer"}),
        lambda c, uid: c.delete(f"/api/members/{uid}"),
    ],
    ids=["change-role", "remove"],
)
def test_admin_cannot_touch_another_organizations_members(
    world, client, session, app_settings, call
):
    from isup_app.core.accounts import role_of

    sign_in_as(client, world.people[("a", RoleName.OWNER)], app_settings)
    target = world.people[("b", RoleName.MEMBER)]

    response = call(client, target.id)

    assert response.status_code == 404
    assert role_of(session, target.id, "org_b") == RoleName.MEMBER


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (RoleName.VIEWER, 403),
        (RoleName.MEMBER, 403),
        (RoleName.ADMIN, 201),
        (RoleName.OWNER, 201),
    ],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_only_admins_and_owners_invite_through_the_api(
    world, client, app_settings, role, status
):
    sign_in_as(client, world.people[("a", role)], app_settings)

    response = client.post(
        "/api/members/invitations", json={"email": "new@example.test"}
    )

    assert response.status_code == status
    if status == 201:
        assert response.json()["link"].startswith("http://testserver/invite/")


def test_invitation_link_joins_the_organization_in_the_browser_flow(
    world, client, session, app_settings
):
    sign_in_as(client, world.people[("a", RoleName.ADMIN)], app_settings)
    link = client.post(
        "/api/members/invitations",
        json={"email": "viewer@b.example.test", "role": "viewer"},
    ).json()["link"]
    sign_in_as(client, world.people[("b", RoleName.VIEWER)], app_settings)
    path = link.removeprefix("http://testserver")

    shown = client.get(path)
    accepted = client.post(path)

    assert shown.status_code == 200 and "Accept invitation" in shown.text
    assert accepted.status_code == 303
    me = client.get("/api/auth/me").json()
    assert me["organization_id"] == "org_test" and me["role"] == "viewer"
    assert {o["id"] for o in me["organizations"]} == {"org_test", "org_b"}


def test_admin_changes_a_role_through_the_api(world, client, session, app_settings):
    from isup_app.core.accounts import role_of

    sign_in_as(client, world.people[("a", RoleName.ADMIN)], app_settings)
    member = world.people[("a", RoleName.MEMBER)]

    response = client.put(f"/api/members/{member.id}", json={"role": "viewer"})

    assert response.status_code == 200
    assert role_of(session, member.id, "org_test") == RoleName.VIEWER


def test_invitation_is_emailed_when_mail_is_configured(
    world, client, app_settings, monkeypatch
):
    from isup_app.core.settings import get_settings
    from tests.standins.smtp import SMTPSink

    with SMTPSink() as sink:
        monkeypatch.setenv("ISUP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ISUP_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("ISUP_SMTP_SECURITY", "none")
        get_settings.cache_clear()
        sign_in_as(client, world.people[("a", RoleName.ADMIN)], app_settings)

        answer = client.post(
            "/api/members/invitations", json={"email": "new@example.test"}
        ).json()

    assert answer["emailed"] is True
    (mail,) = sink.messages
    assert mail["To"] == "new@example.test"
    assert answer["link"] in mail.get_content()


def test_invitation_without_mail_settings_answers_the_link_only(
    world, client, app_settings
):
    sign_in_as(client, world.people[("a", RoleName.OWNER)], app_settings)

    answer = client.post(
        "/api/members/invitations", json={"email": "new@example.test"}
    ).json()

    assert answer["emailed"] is False
    assert "/invite/" in answer["link"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_sla_report_of_another_organizations_monitor_answers_404(
    world, client, app_settings, role
):
    sign_in_as(client, world.people[("a", role)], app_settings)
    month = datetime.now(UTC).strftime("%Y-%m")

    own = client.get(
        "/api/reports/sla.csv",
        params={"monitor_id": world.a.monitor.id, "month": month},
    )
    other = client.get(
        "/api/reports/sla.csv",
        params={"monitor_id": world.b.monitor.id, "month": month},
    )

    assert own.status_code == 200
    assert other.status_code == 404
