"""API keys: made and revoked by owners and admins, answered once, kept as a
hash, acting in one organization with a role no higher than their maker's,
and only on /api/v1/."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from isup_app.core import api_keys, plans
from isup_app.core.models import ApiKey, Membership, Organization, RoleName
from tests.api.conftest import (
    ORG,
    OTHER_ORG,
    as_caller,
    bearer,
    cookies,
    http_monitor,
)
from tests.factories import make_monitor


def make_key(client, caller: dict, **body) -> dict:
    response = as_caller(client, caller).post("/api/v1/keys", json=body)
    assert response.status_code == 201, response.text
    client.cookies.clear()
    return response.json()


def key_row(session: Session, key_id: int) -> ApiKey:
    session.expire_all()
    return session.get(ApiKey, key_id)


def test_an_owner_makes_a_key_that_is_answered_once(client, session):
    owner = cookies(session)

    made = make_key(client, owner, name="deploy script")
    listed = as_caller(client, owner).get("/api/v1/keys")

    assert made["key"].startswith("isup_")
    assert len(made["key"]) > 40
    assert made["role"] == "member"
    assert made["name"] == "deploy script"
    assert listed.status_code == 200
    (shown,) = listed.json()["keys"]
    assert shown["id"] == made["id"]
    assert shown["prefix"] == made["key"][:12]
    assert "key" not in shown
    assert made["key"] not in listed.text


def test_a_key_is_kept_only_as_its_sha256(client, session):
    made = make_key(client, cookies(session))

    row = key_row(session, made["id"])

    assert row.key_hash == hashlib.sha256(made["key"].encode()).hexdigest()
    stored = " ".join(str(value) for value in row.model_dump().values())
    assert made["key"] not in stored
    assert made["key"][12:] not in stored


def test_a_key_reads_and_writes_monitors(client, session):
    made = make_key(client, cookies(session))
    monitor = make_monitor(session)

    listed = client.get("/api/v1/monitors", headers=bearer(made["key"]))
    created = client.post(
        "/api/v1/monitors", json=http_monitor(), headers=bearer(made["key"])
    )

    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()["monitors"]] == [monitor.id]
    assert created.status_code == 201


def test_using_a_key_moves_its_last_used_time(client, session):
    made = make_key(client, cookies(session))
    assert key_row(session, made["id"]).last_used_at is None

    client.get("/api/v1/monitors", headers=bearer(made["key"]))
    first = key_row(session, made["id"]).last_used_at
    row = key_row(session, made["id"])
    row.last_used_at = datetime.now(UTC) - timedelta(hours=1)
    session.add(row)
    session.commit()
    client.get("/api/v1/monitors", headers=bearer(made["key"]))

    assert first is not None
    assert abs(first - datetime.now(UTC)) < timedelta(minutes=1)
    moved = key_row(session, made["id"]).last_used_at
    assert moved > datetime.now(UTC) - timedelta(minutes=1)


def test_a_key_in_use_within_a_minute_is_not_written_again(session):
    identity = _identity(session, RoleName.OWNER)
    made = api_keys.create_api_key(session, identity)
    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    api_keys.identity_from_bearer(made.secret, session, at=at)
    api_keys.identity_from_bearer(made.secret, session, at=at + timedelta(seconds=30))
    assert key_row(session, made.key.id).last_used_at == at
    api_keys.identity_from_bearer(made.secret, session, at=at + timedelta(minutes=2))
    assert key_row(session, made.key.id).last_used_at == at + timedelta(minutes=2)


def test_a_revoked_key_is_401(client, session):
    owner = cookies(session)
    made = make_key(client, owner)
    assert client.get("/api/v1/monitors", headers=bearer(made["key"])).is_success

    revoked = as_caller(client, owner).delete(f"/api/v1/keys/{made['id']}")
    client.cookies.clear()
    refused = client.get("/api/v1/monitors", headers=bearer(made["key"]))

    assert revoked.status_code == 204
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert key_row(session, made["id"]).revoked_at is not None
    assert as_caller(client, owner).get("/api/v1/keys").json()["keys"] == []


@pytest.mark.parametrize(
    "secret",
    ["isup_not-a-key-we-made", "sk_live_something", ""],
    ids=["unknown", "foreign", "empty"],
)
def test_a_key_that_does_not_work_is_401_even_with_a_session(client, session, secret):
    api = as_caller(client, cookies(session))

    response = api.get("/api/v1/monitors", headers=bearer(secret))

    assert response.status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/auth/me", "/api/members", "/dashboard", "/settings"]
)
def test_a_key_works_only_on_api_v1(client, session, path):
    made = make_key(client, cookies(session))

    response = client.get(path, headers=bearer(made["key"]))

    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response.headers["location"].startswith("/sign-in")


def test_a_viewer_key_reads_but_may_not_write(client, session):
    made = make_key(client, cookies(session), role="viewer")
    monitor = make_monitor(session)

    read = client.get(f"/api/v1/monitors/{monitor.id}", headers=bearer(made["key"]))
    paused = client.post(
        f"/api/v1/monitors/{monitor.id}/pause", headers=bearer(made["key"])
    )

    assert read.status_code == 200
    assert paused.status_code == 403


def test_a_key_acts_in_its_own_organization_only(client, session):
    made = make_key(client, cookies(session))
    cookies(session, organization_id=OTHER_ORG, email="other@example.test")
    theirs = make_monitor(session, organization_id=OTHER_ORG)

    response = client.get(f"/api/v1/monitors/{theirs.id}", headers=bearer(made["key"]))

    assert response.status_code == 404


def test_a_keys_role_cannot_be_above_its_makers(client, session):
    admin = cookies(session, RoleName.ADMIN)

    response = as_caller(client, admin).post("/api/v1/keys", json={"role": "owner"})

    assert response.status_code == 403
    assert "above yours" in response.json()["detail"]
    assert session.exec(select(ApiKey)).all() == []


@pytest.mark.parametrize("role", [RoleName.MEMBER, RoleName.VIEWER])
def test_members_and_viewers_may_not_manage_keys(client, session, role):
    made = make_key(client, cookies(session))
    api = as_caller(client, cookies(session, role))

    assert api.post("/api/v1/keys", json={}).status_code == 403
    assert api.get("/api/v1/keys").status_code == 403
    assert api.delete(f"/api/v1/keys/{made['id']}").status_code == 403
    assert key_row(session, made["id"]).revoked_at is None


def test_a_key_may_not_make_or_revoke_keys(client, session):
    made = make_key(client, cookies(session), role="admin")

    assert (
        client.post("/api/v1/keys", json={}, headers=bearer(made["key"])).status_code
        == 403
    )
    assert (
        client.delete(
            f"/api/v1/keys/{made['id']}", headers=bearer(made["key"])
        ).status_code
        == 403
    )
    assert len(session.exec(select(ApiKey)).all()) == 1


def test_another_organizations_key_cannot_be_revoked(client, session):
    made = make_key(client, cookies(session))
    other = cookies(session, organization_id=OTHER_ORG, email="other@example.test")

    response = as_caller(client, other).delete(f"/api/v1/keys/{made['id']}")

    assert response.status_code == 404
    assert key_row(session, made["id"]).revoked_at is None
    assert as_caller(client, other).get("/api/v1/keys").json()["keys"] == []


def test_a_key_follows_its_maker_down_and_out(client, session):
    admin_email = "admin.org_test@example.test"
    made = make_key(client, cookies(session, RoleName.ADMIN), role="admin")
    monitor = make_monitor(session)
    membership = _membership(session, admin_email)

    membership.role = RoleName.VIEWER
    session.add(membership)
    session.commit()
    demoted = client.post(
        f"/api/v1/monitors/{monitor.id}/pause", headers=bearer(made["key"])
    )
    session.delete(membership)
    session.commit()
    removed = client.get("/api/v1/monitors", headers=bearer(made["key"]))

    assert demoted.status_code == 403
    assert removed.status_code == 401


def test_keys_need_the_api_feature(stripe_client, session):
    api = as_caller(stripe_client, cookies(session))

    response = api.post("/api/v1/keys", json={})

    assert response.status_code == 402
    assert response.json()["detail"]["limit"] == plans.API


def test_a_key_stops_when_its_organization_loses_the_api(stripe_client, session):
    organization = session.get(Organization, ORG)
    organization.plan = plans.PRO
    session.add(organization)
    session.commit()
    made = make_key(stripe_client, cookies(session))
    assert stripe_client.get("/api/v1/monitors", headers=bearer(made["key"])).is_success

    organization.plan = plans.FREE
    session.add(organization)
    session.commit()
    response = stripe_client.get("/api/v1/monitors", headers=bearer(made["key"]))

    assert response.status_code == 402


def _membership(session: Session, email: str) -> Membership:
    from isup_app.core.models import User

    user = session.exec(select(User).where(User.email == email)).one()
    return session.exec(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == ORG
        )
    ).one()


def _identity(session: Session, role: RoleName):
    from isup_app.core.auth import Identity
    from tests.auth.helpers import signed_in_user

    user = signed_in_user(session, role=role, password=None)
    return Identity(
        user_id=user.id,
        email="",
        name="",
        organization_id=ORG,
        role=role,
        kind="local",
    )
