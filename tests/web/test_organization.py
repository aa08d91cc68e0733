"""The organization page through the app's real websocket, on SQLite and
PostgreSQL: members and roles by the accounts core's rules, and the plan's
figures."""

import json

import pytest
from sqlmodel import select

from isup_app.core import accounts
from isup_app.core.models import Invitation, Membership, MonitorStatus, RoleName
from isup_app.core.settings import get_settings
from isup_app.states.organization import OrganizationState
from tests.factories import make_monitor
from tests.web.conftest import EventSocket, session_cookie

STATE = OrganizationState


def var(delta: dict, name: str):
    return delta.get(f"{name}_rx_state_")


def open_page(web, cookie: str) -> tuple[EventSocket, dict]:
    tab = EventSocket(web, cookie, path="/settings")
    tab.send(STATE, "load")
    return tab, tab.wait_for(STATE, lambda d: var(d, "loaded") is True)


def cookie_in(session, email: str, org: str, role: RoleName) -> tuple[str, str]:
    """A person whose only organization is ``org``, with ``role``."""
    cookie, personal = session_cookie(session, email)
    membership = session.exec(
        select(Membership).where(Membership.organization_id == personal)
    ).one()
    membership.organization_id = org
    membership.role = role
    session.add(membership)
    session.commit()
    return cookie, membership.user_id


def roles_of(delta: dict) -> dict[str, str]:
    return {m["email"]: m["role"] for m in var(delta, "view")["members"]}


def test_the_owner_sees_members_and_plan(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    cookie_in(session, "bob@example.test", org, RoleName.VIEWER)
    make_monitor(session, organization_id=org, name="Shop")
    make_monitor(session, organization_id=org, name="Old", status=MonitorStatus.PAUSED)

    tab, delta = open_page(web, cookie)
    tab.close()

    view = var(delta, "view")
    assert roles_of(delta) == {
        "ada@example.test": "owner",
        "bob@example.test": "viewer",
    }
    assert [m["changeable"] for m in view["members"]] == [False, True]
    assert var(delta, "can_manage") is True
    assert view["plan_name"] == "Self-hosted"
    assert [(u["label"], u["value"]) for u in view["usage"]] == [
        ("Active monitors", "1 of unlimited (1 paused)"),
        ("Shortest check interval", "any"),
        ("History kept", "forever"),
    ]
    assert all(f["included"] for f in view["features"])


def test_an_owner_invites_changes_a_role_and_removes_a_member(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, bob = cookie_in(session, "bob@example.test", org, RoleName.MEMBER)

    tab, _ = open_page(web, cookie)
    try:
        tab.send(
            STATE, "invite", form_data={"email": "Cy@Example.test", "role": "admin"}
        )
        invited = tab.wait_for(STATE, lambda d: bool(var(d, "invite_link")))
        tab.send(STATE, "change_role", user_id=bob, role="admin")
        changed = tab.wait_for(
            STATE, lambda d: var(d, "notice") == "Role changed to admin."
        )
        tab.send(STATE, "remove_member", user_id=bob)
        removed = tab.wait_for(STATE, lambda d: "Removed" in (var(d, "notice") or ""))
    finally:
        tab.close()

    invitation = session.exec(select(Invitation)).one()
    assert (invitation.email, invitation.role) == ("cy@example.test", RoleName.ADMIN)
    assert var(invited, "invite_link").endswith(f"/invite/{invitation.token}")
    assert [i["email"] for i in var(invited, "view")["invitations"]] == [
        "cy@example.test"
    ]
    assert roles_of(changed)["bob@example.test"] == "admin"
    assert "bob@example.test" not in roles_of(removed)
    assert accounts.role_of(session, bob, org) is None


def test_an_admin_cannot_make_an_owner_and_is_told_why(web, session):
    _, org = session_cookie(session, "ada@example.test")
    cookie, _ = cookie_in(session, "ann@example.test", org, RoleName.ADMIN)
    _, bob = cookie_in(session, "bob@example.test", org, RoleName.MEMBER)

    tab, loaded = open_page(web, cookie)
    try:
        tab.send(STATE, "change_role", user_id=bob, role="owner")
        refused = tab.wait_for(STATE, lambda d: bool(var(d, "error")))
    finally:
        tab.close()

    assert var(loaded, "invite_roles") == ["admin", "member", "viewer"]
    assert var(refused, "error") == (
        "Only an owner can grant or take away the owner role."
    )
    assert accounts.role_of(session, bob, org) == RoleName.MEMBER


@pytest.mark.parametrize("role", [RoleName.VIEWER, RoleName.MEMBER], ids=str)
def test_people_below_admin_see_members_but_change_nothing(web, session, role):
    _, org = session_cookie(session, "ada@example.test")
    cookie, _ = cookie_in(session, "bob@example.test", org, role)
    owner = accounts.members_of(session, org)[0][0]
    accounts.invite(session, owner.id, org, "cy@example.test")

    tab, loaded = open_page(web, cookie)
    try:
        tab.send(STATE, "invite", form_data={"email": "eve@example.test"})
        refused = tab.events()
        tab.send(STATE, "change_role", user_id=owner.id, role="viewer")
        refused_again = tab.events()
    finally:
        tab.close()

    assert var(loaded, "can_manage") is False
    assert not any(m["changeable"] for m in var(loaded, "view")["members"])
    # Pending invitations (and their links) are for owners and admins only.
    assert var(loaded, "view")["invitations"] == []
    assert "cy@example.test" not in json.dumps(loaded)
    assert "toast" in str(refused).lower()
    assert "toast" in str(refused_again).lower()
    assert [i.email for i in session.exec(select(Invitation))] == ["cy@example.test"]
    assert accounts.role_of(session, owner.id, org) == RoleName.OWNER


def test_another_organizations_member_cannot_be_touched(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    eve = accounts.members_of(session, other_org)[0][0]

    tab, loaded = open_page(web, cookie)
    try:
        tab.send(STATE, "remove_member", user_id=eve.id)
        refused = tab.wait_for(STATE, lambda d: bool(var(d, "error")))
    finally:
        tab.close()

    assert "eve@example.test" not in json.dumps(loaded)
    assert var(refused, "error") == (
        "That person or invitation is not in this organization."
    )
    assert accounts.role_of(session, eve.id, other_org) == RoleName.OWNER


def test_with_billing_the_page_shows_the_free_plans_limits(web, session, monkeypatch):
    monkeypatch.setenv("ISUP_STRIPE_SECRET_KEY", "sk_test_organization")
    monkeypatch.setenv("ISUP_STRIPE_PRICE_PRO", "price_pro")
    get_settings.cache_clear()
    cookie, org = session_cookie(session, "ada@example.test")
    for n in range(2):
        make_monitor(session, organization_id=org, name=f"M{n}", interval_seconds=300)

    try:
        tab = EventSocket(web, cookie, path="/settings/billing")
        tab.send(STATE, "load")
        delta = tab.wait_for(STATE, lambda d: var(d, "loaded") is True)
        tab.close()
    finally:
        monkeypatch.delenv("ISUP_STRIPE_SECRET_KEY")
        get_settings.cache_clear()

    view = var(delta, "view")
    assert (view["plan_id"], view["billing"]) == ("free", True)
    assert view["usage"][0] == {
        "label": "Active monitors",
        "value": "2 of 5",
        "percent": 40,
    }
    assert [u["value"] for u in view["usage"][1:]] == ["5 minutes", "30 days"]
    assert {f["name"]: f["included"] for f in view["features"]} == {
        "the dashboard": True,
        "the API": False,
        "status pages": False,
    }
    assert [(p["id"], p["purchasable"]) for p in view["plans"]] == [
        ("free", False),
        ("pro", True),
        ("business", False),
    ]
    assert var(delta, "is_owner") is True
