"""Four roles, one check: a viewer changes nothing, a member manages
monitors, contacts and pages, an admin also members, an owner also billing.
Invitations, role changes and removals follow the same ladder."""

from datetime import timedelta

import pytest

from isup_app.core import accounts
from isup_app.core.models import RoleName, now
from tests.auth.helpers import signed_in_user

ROLES = [RoleName.VIEWER, RoleName.MEMBER, RoleName.ADMIN, RoleName.OWNER]
ACTIONS = {
    "read": accounts.READ,
    "write": accounts.WRITE,
    "manage-members": accounts.MANAGE_MEMBERS,
    "billing": accounts.BILLING,
}
# role -> the actions it may take
ALLOWED = {
    RoleName.VIEWER: {"read"},
    RoleName.MEMBER: {"read", "write"},
    RoleName.ADMIN: {"read", "write", "manage-members"},
    RoleName.OWNER: {"read", "write", "manage-members", "billing"},
}


def person(session, role, email=None, org="org_test"):
    return signed_in_user(
        session,
        email=email or f"{role.value}@example.test",
        organization_id=org,
        role=role,
        password=None,
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_ladder(session, role, action):
    user = person(session, role)

    if action in ALLOWED[role]:
        access = accounts.require_role(session, user.id, "org_test", ACTIONS[action])
        assert access.role == role
    else:
        with pytest.raises(accounts.NotAllowed):
            accounts.require_role(session, user.id, "org_test", ACTIONS[action])


def test_non_member_is_told_the_organization_does_not_exist(session):
    outsider = person(session, RoleName.OWNER, "out@example.test", org="org_other")

    with pytest.raises(accounts.NotMember):
        accounts.require_role(session, outsider.id, "org_test", accounts.READ)


@pytest.mark.parametrize("role", [RoleName.VIEWER, RoleName.MEMBER], ids=str)
def test_viewers_and_members_cannot_invite(session, role):
    user = person(session, role)

    with pytest.raises(accounts.NotAllowed):
        accounts.invite(session, user.id, "org_test", "new@example.test")


def test_admin_invites_and_the_invited_person_joins_with_that_role(session):
    admin = person(session, RoleName.ADMIN)
    invitation = accounts.invite(
        session, admin.id, "org_test", "New@Example.test", RoleName.MEMBER
    )
    newcomer = person(session, RoleName.OWNER, "new@example.test", org="org_new")

    accounts.accept_invitation(session, invitation.token, newcomer.id)

    assert accounts.role_of(session, newcomer.id, "org_test") == RoleName.MEMBER
    assert accounts.pending_invitations(session, "org_test") == []


def test_admin_cannot_invite_an_owner(session):
    admin = person(session, RoleName.ADMIN)

    with pytest.raises(accounts.NotAllowed):
        accounts.invite(session, admin.id, "org_test", "x@example.test", RoleName.OWNER)


def test_invitation_is_only_for_its_own_email(session):
    owner = person(session, RoleName.OWNER)
    invitation = accounts.invite(session, owner.id, "org_test", "bob@example.test")
    mallory = person(session, RoleName.OWNER, "mallory@example.test", org="org_m")

    with pytest.raises(accounts.AccountError):
        accounts.accept_invitation(session, invitation.token, mallory.id)
    assert accounts.role_of(session, mallory.id, "org_test") is None


def test_invitation_expires(session):
    owner = person(session, RoleName.OWNER)
    invitation = accounts.invite(session, owner.id, "org_test", "bob@example.test")
    bob = person(session, RoleName.OWNER, "bob@example.test", org="org_b")
    later = now() + timedelta(days=accounts.INVITATION_DAYS, minutes=1)

    with pytest.raises(accounts.AccountError, match="expired"):
        accounts.accept_invitation(
            session, invitation.token, bob.id, clock=lambda: later
        )


def test_invitation_works_once(session):
    owner = person(session, RoleName.OWNER)
    invitation = accounts.invite(session, owner.id, "org_test", "bob@example.test")
    bob = person(session, RoleName.OWNER, "bob@example.test", org="org_b")
    accounts.accept_invitation(session, invitation.token, bob.id)

    with pytest.raises(accounts.AccountError):
        accounts.accept_invitation(session, invitation.token, bob.id)


def test_admin_changes_a_members_role(session):
    admin = person(session, RoleName.ADMIN)
    member = person(session, RoleName.MEMBER)

    accounts.change_role(session, admin.id, "org_test", member.id, RoleName.VIEWER)

    assert accounts.role_of(session, member.id, "org_test") == RoleName.VIEWER


def test_admin_cannot_make_or_unmake_owners(session):
    admin = person(session, RoleName.ADMIN)
    owner = person(session, RoleName.OWNER)
    member = person(session, RoleName.MEMBER)

    with pytest.raises(accounts.NotAllowed):
        accounts.change_role(session, admin.id, "org_test", member.id, RoleName.OWNER)
    with pytest.raises(accounts.NotAllowed):
        accounts.change_role(session, admin.id, "org_test", owner.id, RoleName.MEMBER)


def test_member_cannot_change_roles(session):
    member = person(session, RoleName.MEMBER)
    viewer = person(session, RoleName.VIEWER)

    with pytest.raises(accounts.NotAllowed):
        accounts.change_role(session, member.id, "org_test", viewer.id, RoleName.ADMIN)


def test_last_owner_stays_owner(session):
    owner = person(session, RoleName.OWNER)

    with pytest.raises(accounts.AccountError, match="at least one owner"):
        accounts.change_role(session, owner.id, "org_test", owner.id, RoleName.ADMIN)
    with pytest.raises(accounts.AccountError, match="at least one owner"):
        accounts.remove_member(session, owner.id, "org_test", owner.id)


def test_admin_removes_a_member_and_anyone_may_leave(session):
    admin = person(session, RoleName.ADMIN)
    member = person(session, RoleName.MEMBER)
    viewer = person(session, RoleName.VIEWER)

    accounts.remove_member(session, admin.id, "org_test", member.id)
    accounts.remove_member(session, viewer.id, "org_test", viewer.id)

    assert accounts.role_of(session, member.id, "org_test") is None
    assert accounts.role_of(session, viewer.id, "org_test") is None


def test_member_cannot_remove_others(session):
    member = person(session, RoleName.MEMBER)
    viewer = person(session, RoleName.VIEWER)

    with pytest.raises(accounts.NotAllowed):
        accounts.remove_member(session, member.id, "org_test", viewer.id)
